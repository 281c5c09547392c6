//! Bindings for `tessera:platform@0.1.0` (`wit/0.1.0`, frozen), and the adapter between
//! them and the host's own types (`crate::plugins::contract`).

wasmtime::component::bindgen!({
    path: "../wit/0.1.0",
    world: "tessera:platform/grader-plugin@0.1.0",
    imports: {
        default: async,
    },
    exports: { default: async },
    require_store_data_send: true,
    with: {
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:keyvalue/store.bucket": crate::runtime::capabilities::keyvalue::BucketHandle,
    },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

pub use self::tessera::platform::{code_runner, llm, types};
pub use self::wasi::{
    config::store as config_store, keyvalue::store as keyvalue_store, logging::logging,
};
pub use exports::tessera::platform::grader;

/// The `code-runner-plugin` world (the sandbox). Its imports are the same interfaces
/// as above, so they are reused; only the exported `code-runner` gets its own types,
/// distinct from the `code-runner` a grader imports (see `capabilities::code_runner`).
pub mod code_runner_world {
    wasmtime::component::bindgen!({
        path: "../wit/0.1.0",
        world: "tessera:platform/code-runner-plugin@0.1.0",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:logging": super::wasi::logging,
            "wasi:config": super::wasi::config,
        },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::tessera::platform::code_runner as runner;
}

/// The `safety-plugin` world (the safety gate): imports reused, `safety` exported.
pub mod safety_world {
    wasmtime::component::bindgen!({
        path: "../wit/0.1.0",
        world: "tessera:platform/safety-plugin@0.1.0",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:logging": super::wasi::logging,
            "wasi:config": super::wasi::config,
            "tessera:platform/types": super::tessera::platform::types,
            "tessera:platform/llm": super::tessera::platform::llm,
        },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::tessera::platform::safety;
}

/// The `llm-plugin` world (the AI gateway): imports reused, `llm` exported.
pub mod llm_world {
    wasmtime::component::bindgen!({
        path: "../wit/0.1.0",
        world: "tessera:platform/llm-plugin@0.1.0",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:logging": super::wasi::logging,
            "wasi:config": super::wasi::config,
            "wasi:keyvalue": super::wasi::keyvalue,
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
        path: "../wit/0.1.0",
        world: "tessera:platform/lesson-engine-plugin@0.1.0",
        imports: { default: async },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:logging": super::wasi::logging,
            "wasi:config": super::wasi::config,
            "tessera:platform/types": super::tessera::platform::types,
        },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::tessera::platform::lesson_engine as engine;
}

mod adapter;
