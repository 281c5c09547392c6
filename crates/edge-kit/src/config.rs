//! The component's settings: its Spin variables, read through `wasi:config/store`.

use spin_sdk::wit::wasi::config::store;

/// A variable, `None` when it is not set (or the host's config store failed, which the
/// caller treats the same: the setting is missing).
pub fn get(name: &str) -> Option<String> {
    store::get(name).ok().flatten().filter(|v| !v.is_empty())
}

/// A required variable, or a message naming it for the operator.
pub fn require(name: &str) -> Result<String, String> {
    get(name).ok_or_else(|| {
        format!("the edge variable `{name}` is not set (spin.toml [variables]; docs/deploy.md)")
    })
}

/// A whole number of seconds, `default` when unset or not a number.
pub fn secs(name: &str, default: u64) -> u64 {
    get(name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}
