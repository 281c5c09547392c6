//! Typed host bindings for the `tessera:platform` contract, one module per released version.
//!
//! Like Zed's extension host, each released contract version (`wit/<version>/`, frozen) keeps
//! its own bindings module, generated from its own WIT, with an adapter converting between
//! that version's generated types and the host's own (`crate::plugins::contract`). Host code
//! outside `runtime/` never sees a generated type. The loader picks the module matching the
//! version a plugin's manifest declares; `latest` is the newest, which new host features
//! target.
//!
//! Adding a version (docs/runtime.md, "Contract versions"): copy `wit/<latest>/` to
//! `wit/<next>/` and change it there; add `v<next>.rs` (bindgen on the new folder) with its
//! adapter; point `latest` at it; list the version in `plugins::contract::SUPPORTED_CONTRACTS`;
//! give each world's pre-instance enum (`runtime::worlds`) and each capability's linker glue
//! a variant for it. Older versions keep working through their adapters.

pub mod convert;
pub mod v0_1_0;

/// The newest contract version's bindings.
pub use v0_1_0 as latest;

pub use convert::Convert;
