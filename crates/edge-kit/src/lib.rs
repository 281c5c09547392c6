//! What every edge component shares (docs/edge.md). The components use only standard WASI
//! so one build runs on Spin, SpinKube, `wasmtime serve` and `tessera edge serve`:
//! - [`config`]: their settings, from `wasi:config/store` (Spin's component variables);
//! - [`cache`]: `wasi:keyvalue/store`, the store labelled `default`, holding JSON with the
//!   time it was written;
//! - [`origin`]: requests to the origin over `wasi:http/outgoing-handler`, carrying the
//!   edge's proof (the shared secret) and the client's address;
//! - [`reply`]: answers, errors in the origin's shape (`{"error": {code, message, details}}`).

pub mod cache;
pub mod config;
pub mod origin;
pub mod reply;

/// Seconds since the Unix epoch (wasi:clocks).
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
