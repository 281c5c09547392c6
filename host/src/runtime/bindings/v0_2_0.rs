//! Bindings for `tessera:platform@0.2.0` (`wit/0.2.0`, unreleased), and the adapter between
//! them and the host's own types (`crate::plugins::contract`).
//!
//! 0.2.0 adds the `embeddings` import (`capabilities::embeddings`) and serves the agent and
//! triage worlds (their adapter: `v0_2_0/agents_adapter.rs`); every other interface has
//! 0.1.0's types, so the same adapter file serves both versions. The WASI packages are
//! the same versions as 0.1.0's, so their bindings (and the host's impls of them) are
//! 0.1.0's, reused.

wasmtime::component::bindgen!({
    path: "../wit/0.2.0",
    world: "tessera:platform/grader-plugin@0.2.0",
    imports: {
        default: async,
    },
    exports: { default: async },
    require_store_data_send: true,
    with: {
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:logging": crate::runtime::bindings::v0_1_0::wasi::logging,
        "wasi:config": crate::runtime::bindings::v0_1_0::wasi::config,
        "wasi:keyvalue": crate::runtime::bindings::v0_1_0::wasi::keyvalue,
    },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

pub use self::tessera::platform::{code_runner, embeddings, llm, types};
pub use super::v0_1_0::{config_store, keyvalue_store, logging};
pub use exports::tessera::platform::grader;

/// The `code-runner-plugin` world (the sandbox). Its imports are the same interfaces
/// as above, so they are reused; only the exported `code-runner` gets its own types,
/// distinct from the `code-runner` a grader imports (see `capabilities::code_runner`).
pub mod code_runner_world {
    wasmtime::component::bindgen!({
        path: "../wit/0.2.0",
        world: "tessera:platform/code-runner-plugin@0.2.0",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:logging": crate::runtime::bindings::v0_1_0::wasi::logging,
            "wasi:config": crate::runtime::bindings::v0_1_0::wasi::config,
        },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::tessera::platform::code_runner as runner;
}

/// The `safety-plugin` world (the safety gate): imports reused, `safety` exported.
pub mod safety_world {
    wasmtime::component::bindgen!({
        path: "../wit/0.2.0",
        world: "tessera:platform/safety-plugin@0.2.0",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:logging": crate::runtime::bindings::v0_1_0::wasi::logging,
            "wasi:config": crate::runtime::bindings::v0_1_0::wasi::config,
            "tessera:platform/types": super::tessera::platform::types,
            "tessera:platform/llm": super::tessera::platform::llm,
            "tessera:platform/embeddings": super::tessera::platform::embeddings,
        },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::tessera::platform::safety;
}

/// The `llm-plugin` world (the AI gateway): imports reused, `llm` exported.
pub mod llm_world {
    wasmtime::component::bindgen!({
        path: "../wit/0.2.0",
        world: "tessera:platform/llm-plugin@0.2.0",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:logging": crate::runtime::bindings::v0_1_0::wasi::logging,
            "wasi:config": crate::runtime::bindings::v0_1_0::wasi::config,
            "wasi:keyvalue": crate::runtime::bindings::v0_1_0::wasi::keyvalue,
            "tessera:platform/types": super::tessera::platform::types,
        },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::tessera::platform::llm as gateway;
}

/// The `lesson-engine-plugin` world (the lesson engine): imports reused,
/// `lesson-engine` exported.
pub mod lesson_engine_world {
    wasmtime::component::bindgen!({
        path: "../wit/0.2.0",
        world: "tessera:platform/lesson-engine-plugin@0.2.0",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:logging": crate::runtime::bindings::v0_1_0::wasi::logging,
            "wasi:config": crate::runtime::bindings::v0_1_0::wasi::config,
            "tessera:platform/types": super::tessera::platform::types,
        },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::tessera::platform::lesson_engine as engine;
}

/// The `assigner-plugin` world (experiments and feature flags): imports reused,
/// `assigner` exported.
pub mod assigner_world {
    wasmtime::component::bindgen!({
        path: "../wit/0.2.0",
        world: "tessera:platform/assigner-plugin@0.2.0",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:logging": crate::runtime::bindings::v0_1_0::wasi::logging,
            "wasi:config": crate::runtime::bindings::v0_1_0::wasi::config,
            "tessera:platform/types": super::tessera::platform::types,
        },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::tessera::platform::assigner;
}

/// The world imports every agent and triage plugin may use (`platform-services`): reused
/// from the grader world's bindings above, so the host's impls of them serve these too.
macro_rules! services_bindgen {
    ($world:literal) => {
        wasmtime::component::bindgen!({
            path: "../wit/0.2.0",
            world: $world,
            imports: { default: async },
            exports: { default: async },
            require_store_data_send: true,
            with: {
                "wasi:io": wasmtime_wasi::p2::bindings::io,
                "wasi:http": wasmtime_wasi_http::p2::bindings::http,
                "wasi:logging": crate::runtime::bindings::v0_1_0::wasi::logging,
                "wasi:config": crate::runtime::bindings::v0_1_0::wasi::config,
                "wasi:keyvalue": crate::runtime::bindings::v0_1_0::wasi::keyvalue,
                "tessera:platform/types": super::tessera::platform::types,
                "tessera:platform/llm": super::tessera::platform::llm,
                "tessera:platform/embeddings": super::tessera::platform::embeddings,
                "tessera:platform/code-runner": super::tessera::platform::code_runner,
            },
            additional_derives: [serde::Serialize, serde::Deserialize],
        });
    };
}

/// The `agent-plugin` world (tutor agents): imports reused, `agent` exported.
pub mod agent_world {
    services_bindgen!("tessera:platform/agent-plugin@0.2.0");

    pub use exports::tessera::platform::agent;
}

/// The `triage-plugin` world: imports reused, `triage` exported.
pub mod triage_world {
    services_bindgen!("tessera:platform/triage-plugin@0.2.0");

    pub use exports::tessera::platform::triage;
}

/// The reflection worlds' imports (`reflection-services`: `llm`, logging, config) reused
/// from the grader world's bindings; `$reflection` maps the shared `reflection` interface
/// (its types) to the first reflection world's, so all four share one `Distortion`.
macro_rules! reflection_bindgen {
    ($world:literal $(, $reflection:path)?) => {
        wasmtime::component::bindgen!({
            path: "../wit/0.2.0",
            world: $world,
            imports: { default: async },
            exports: { default: async },
            require_store_data_send: true,
            with: {
                "wasi:logging": crate::runtime::bindings::v0_1_0::wasi::logging,
                "wasi:config": crate::runtime::bindings::v0_1_0::wasi::config,
                "tessera:platform/types": super::tessera::platform::types,
                "tessera:platform/llm": super::tessera::platform::llm,
                $("tessera:platform/reflection": $reflection,)?
            },
            additional_derives: [serde::Serialize, serde::Deserialize],
        });
    };
}

/// The `fragment-detector-plugin` world (Mirror): imports reused, `fragment-detector`
/// exported; its bindings own the shared `reflection` types.
pub mod fragment_detector_world {
    reflection_bindgen!("tessera:platform/fragment-detector-plugin@0.2.0");

    pub use exports::tessera::platform::fragment_detector as detector;
    pub use tessera::platform::reflection;
}

/// The `reframer-plugin` world (Turn, Mirror's reframe).
pub mod reframer_world {
    reflection_bindgen!(
        "tessera:platform/reframer-plugin@0.2.0",
        super::fragment_detector_world::reflection
    );

    pub use exports::tessera::platform::reframer;
}

/// The `lens-coach-plugin` world (Lens).
pub mod lens_coach_world {
    reflection_bindgen!("tessera:platform/lens-coach-plugin@0.2.0");

    pub use exports::tessera::platform::lens_coach as coach;
}

/// The `spectrum-analyst-plugin` world (Spectrum).
pub mod spectrum_analyst_world {
    reflection_bindgen!(
        "tessera:platform/spectrum-analyst-plugin@0.2.0",
        super::fragment_detector_world::reflection
    );

    pub use exports::tessera::platform::spectrum_analyst as analyst;
}

// Same types as 0.1.0's, by the same paths (see the module's doc): compiled again against
// this version's bindings on purpose, which is what clippy's `duplicate_mod` warns of.
#[expect(
    clippy::duplicate_mod,
    reason = "one adapter source serves two versions whose types match"
)]
#[path = "v0_1_0/adapter.rs"]
mod adapter;

#[path = "v0_2_0/agents_adapter.rs"]
mod agents_adapter;

#[path = "v0_2_0/assigner_adapter.rs"]
mod assigner_adapter;

#[path = "v0_2_0/reflection_adapter.rs"]
mod reflection_adapter;
