//! The edge's cache: `wasi:keyvalue/store`, the store labelled `default` (spin.toml
//! `key_value_stores`). Values are JSON wrapped with the time they were written, so a
//! reader decides freshness itself (Spin's key-value has no expiry). Every failure of the
//! store is a miss: the edge then asks the origin, it never fails a request because its
//! cache did.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use spin_sdk::wit::wasi::keyvalue::store;

/// The store label every edge component uses.
pub const STORE: &str = "default";

/// A cached value and when it was written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry<T> {
    /// Seconds since the epoch when it was written.
    pub at: u64,
    /// The value.
    pub value: T,
}

impl<T> Entry<T> {
    /// Whether it was written less than `ttl_secs` ago.
    pub fn fresh(&self, ttl_secs: u64) -> bool {
        crate::now_secs().saturating_sub(self.at) < ttl_secs
    }
}

fn bucket() -> Option<store::Bucket> {
    store::open(STORE).ok()
}

/// The entry under `key`, if any and readable.
pub fn get<T: DeserializeOwned>(key: &str) -> Option<Entry<T>> {
    let bytes = bucket()?.get(key).ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// Writes `value` under `key`, stamped now; a failure is ignored (a later miss).
pub fn put<T: Serialize>(key: &str, value: &T) {
    let entry = Entry {
        at: crate::now_secs(),
        value,
    };
    if let (Some(bucket), Ok(bytes)) = (bucket(), serde_json::to_vec(&entry)) {
        _ = bucket.set(key, &bytes);
    }
}

/// Removes `key`.
pub fn delete(key: &str) {
    if let Some(bucket) = bucket() {
        _ = bucket.delete(key);
    }
}

/// Every key starting with `prefix` (at most `limit`), walking the store's pages.
pub fn keys_with_prefix(prefix: &str, limit: usize) -> Vec<String> {
    let Some(bucket) = bucket() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut cursor = None;
    while let Ok(page) = bucket.list_keys(cursor.as_deref()) {
        found.extend(page.keys.into_iter().filter(|k| k.starts_with(prefix)));
        if found.len() >= limit {
            found.truncate(limit);
            break;
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    found
}
