//! Typed host bindings for the `tessera:platform` contract, one module per served version.
//!
//! Like Zed's extension host, each contract version (`wit/<version>/`) keeps its own
//! bindings module, generated from its own WIT, with an adapter converting between that
//! version's generated types and the host's own (`crate::plugins::contract`). Host code
//! outside `runtime/` never sees a generated type. The loader picks the module matching the
//! version a plugin's manifest declares; `latest` is the newest, which new host features
//! target.
//!
//! Adding a version (docs/runtime.md, "Contract versions"): copy `wit/<latest>/` to
//! `wit/<next>/` and change it there; add `v<next>.rs` (bindgen on the new folder) with its
//! adapter; point `latest` at it; add the variant to `plugins::contract::Version` and a line
//! to [`versioned_pre`] and [`for_version`]; then the compiler lists each capability's
//! linker glue that must link it. Older versions keep working through their adapters.

pub mod convert;
pub mod v0_1_0;
pub mod v0_2_0;

/// The newest contract version's bindings.
pub use v0_2_0 as latest;

pub use convert::Convert;

/// A world's pre-instance enum, one variant per contract version, each holding that
/// version's generated `…Pre` (at `$path` inside the version's bindings module), with
/// `new` (typing a linked component as the world at a version) and `instance_pre`.
macro_rules! versioned_pre {
    ($(#[$doc:meta])* pub enum $name:ident = $($path:ident)::+;) => {
        $(#[$doc])*
        pub enum $name {
            /// Built against 0.1.0.
            V0_1_0($crate::runtime::bindings::v0_1_0::$($path)::+<$crate::runtime::state::PluginState>),
            /// Built against 0.2.0.
            V0_2_0($crate::runtime::bindings::v0_2_0::$($path)::+<$crate::runtime::state::PluginState>),
        }

        impl $name {
            pub(super) fn new(
                version: $crate::plugins::contract::Version,
                pre: wasmtime::component::InstancePre<$crate::runtime::state::PluginState>,
            ) -> wasmtime::Result<Self> {
                use $crate::plugins::contract::Version;
                Ok(match version {
                    Version::V0_1_0 => Self::V0_1_0($crate::runtime::bindings::v0_1_0::$($path)::+::new(pre)?),
                    Version::V0_2_0 => Self::V0_2_0($crate::runtime::bindings::v0_2_0::$($path)::+::new(pre)?),
                })
            }

            pub(super) fn instance_pre(
                &self,
            ) -> &wasmtime::component::InstancePre<$crate::runtime::state::PluginState> {
                match self {
                    Self::V0_1_0(pre) => pre.instance_pre(),
                    Self::V0_2_0(pre) => pre.instance_pre(),
                }
            }
        }
    };
}

/// Evaluates `$body` for the variant `$value` holds (a [`versioned_pre`] enum), with `$pre`
/// bound to its pre-instance and `$v` naming that version's bindings module (omit `$v`
/// when the body names no generated type), so one body serves every version whose types
/// it names by the same paths.
macro_rules! for_version {
    ($value:expr, $enum:ident, |$pre:ident| $body:expr) => {
        match $value {
            $enum::V0_1_0($pre) => $body,
            $enum::V0_2_0($pre) => $body,
        }
    };
    ($value:expr, $enum:ident, |$pre:ident, $v:ident| $body:expr) => {
        match $value {
            $enum::V0_1_0($pre) => {
                use $crate::runtime::bindings::v0_1_0 as $v;
                $body
            }
            $enum::V0_2_0($pre) => {
                use $crate::runtime::bindings::v0_2_0 as $v;
                $body
            }
        }
    };
}

pub(crate) use {for_version, versioned_pre};
