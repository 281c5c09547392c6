//! Plugins as the operator sees them: manifests, the contract versions and worlds, and the
//! registry of loaded plugins with atomic reload.

pub mod conformance;
pub mod contract;
pub mod manifest;
pub mod published;
#[cfg(test)]
mod reference;
pub mod registry;

pub use registry::{LoadFailure, Registry, Snapshot};
