//! `wasi:keyvalue/store`: buckets private to one plugin, kept across its calls. Two
//! backends behind the same functions: in-process for one node (the embedded default, lost
//! on restart), or the host's shared store (Redis) when one is configured, so every replica
//! sees the same data — the AI gateway keeps its circuit breakers and response cache there.
//!
//! Both hold each plugin to its quota (`limits.keyvalue_max_keys` keys and
//! `limits.keyvalue_max_bytes` bytes of keys and values, all buckets together; in Redis a
//! ledger beside the data, updated atomically with it, so replicas cannot overshoot), and
//! the in-process store as a whole to `--plugin-kv-memory-mb` ([`KvMemory`]). A write past
//! either is refused with `error::other` saying which limit; the plugin decides what to do.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker, Resource};

use super::{Backends, Capability, Grant};
use crate::kv::{Kv, Meter, Metered};
use crate::plugins::contract::{Version, World};
use crate::plugins::manifest::{Limits, Manifest};
use crate::runtime::bindings::v0_1_0::{
    self,
    keyvalue_store::{Error, Host, HostBucket, KeyResponse},
};
use crate::runtime::state::PluginState;

/// `wasi:keyvalue/store`, for the worlds that keep state across calls: graders, agents,
/// triage, and AI gateways (breakers and the response cache).
pub const CAPABILITY: Capability = Capability {
    name: "keyvalue",
    imports: &["wasi:keyvalue/store"],
    worlds: &[World::Grader, World::Agent, World::Triage, World::Llm],
    since: Version::V0_1_0,
    grant: Grant::Field {
        text: "grants.keyvalue = true",
        granted: |grants| grants.keyvalue,
    },
    link,
};

fn link(linker: &mut Linker<PluginState>, contract: Version, _: World) -> wasmtime::Result<()> {
    // Every contract version imports the same `wasi:keyvalue` (0.2.0 reuses 0.1.0's
    // bindings of it).
    match contract {
        Version::V0_1_0 | Version::V0_2_0 => {
            v0_1_0::keyvalue_store::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)
        }
    }
}

/// The plugin's buckets: in the shared store when the host has one, else in process.
pub fn plugin_state(manifest: &Manifest, backends: &Backends) -> PluginKv {
    PluginKv::new(
        &manifest.id,
        backends.shared_kv.get().cloned(),
        backends.kv_memory.clone(),
    )
}

/// Largest value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Keys returned per `list-keys` page.
const PAGE: usize = 1000;
/// How long an entry in the shared store lives after its last write. `wasi:keyvalue` has
/// no expiry, so without one a plugin's abandoned keys (old cache entries) would stay in
/// Redis forever; 30 days outlives every state the first-party plugins keep.
pub const SHARED_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// What every plugin's in-process buckets may hold together (`--plugin-kv-memory-mb`):
/// per-plugin quotas alone would let many plugins add up to more memory than the node has.
#[derive(Debug)]
pub struct KvMemory {
    cap: u64,
    used: AtomicU64,
}

impl KvMemory {
    /// An allowance of `cap` bytes.
    pub fn new(cap: u64) -> Self {
        Self {
            cap,
            used: AtomicU64::new(0),
        }
    }

    /// Takes `bytes` of the allowance, or nothing when they do not fit.
    fn take(&self, bytes: u64) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.cap)
            })
            .is_ok()
    }

    /// Gives `bytes` back.
    fn give(&self, bytes: u64) {
        // Never below zero: a miscount must not turn into an endless allowance.
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                Some(used.saturating_sub(bytes))
            });
    }
}

/// The default of `--plugin-kv-memory-mb`, in bytes.
pub const DEFAULT_KV_MEMORY_BYTES: u64 = 256 << 20;

impl Default for KvMemory {
    fn default() -> Self {
        Self::new(DEFAULT_KV_MEMORY_BYTES)
    }
}

/// Where one plugin's buckets live.
pub enum PluginKv {
    /// In this process.
    Local(KeyValueStore),
    /// In the host's shared store, under `namespace` (`plugin:<id>:`), with its quota's
    /// ledger under `ledger` (`plugin-quota:<id>`).
    Shared {
        /// The store.
        kv: Arc<dyn Kv>,
        /// The plugin's key prefix.
        namespace: String,
        /// The name of the plugin's quota ledger.
        ledger: String,
    },
}

impl std::fmt::Debug for PluginKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PluginKv::Local(_) => f.write_str("PluginKv::Local"),
            PluginKv::Shared { namespace, .. } => write!(f, "PluginKv::Shared({namespace})"),
        }
    }
}

impl PluginKv {
    /// The shared store when `shared` is given, else an in-process one drawing on `memory`.
    pub fn new(plugin_id: &str, shared: Option<Arc<dyn Kv>>, memory: Arc<KvMemory>) -> Self {
        match shared {
            Some(kv) => PluginKv::Shared {
                kv,
                namespace: format!("plugin:{plugin_id}:"),
                ledger: format!("plugin-quota:{plugin_id}"),
            },
            None => PluginKv::Local(KeyValueStore::new(memory)),
        }
    }
}

impl PluginKv {
    /// `key` of `bucket`, read by the host itself, as the plugin would read it: for the
    /// host's own views of a plugin's state (the console's AI-provider breakers).
    pub async fn read(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, crate::kv::KvError> {
        match self {
            PluginKv::Local(store) => {
                Ok(store.with(|b| b.buckets.get(bucket).and_then(|m| m.get(key)).cloned()))
            }
            PluginKv::Shared { kv, namespace, .. } => {
                kv.get(&shared_key(namespace, bucket, key)).await
            }
        }
    }
}

/// A plugin's own reads and writes, whichever ABI it uses (a component's `wasi:keyvalue`,
/// an Extism plugin's `kv_*` functions).
impl PluginKv {
    /// `key` of `bucket`.
    pub async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.read(bucket, key).await.map_err(shared_error)
    }

    /// Stores `value` under `key` in `bucket`, within the plugin's quotas (`limits`).
    pub async fn set(
        &self,
        bucket: String,
        key: String,
        value: Vec<u8>,
        limits: &Limits,
    ) -> Result<(), Error> {
        if value.len() > MAX_VALUE_BYTES {
            return Err(Error::Other(format!(
                "value of {} bytes is over the {MAX_VALUE_BYTES}-byte limit",
                value.len()
            )));
        }
        match self {
            PluginKv::Local(store) => store.set(bucket, key, value, limits),
            PluginKv::Shared {
                kv,
                namespace,
                ledger,
            } => {
                let size = (key.len() + value.len()) as u64;
                let meter = Meter {
                    ledger,
                    max_keys: limits.keyvalue_max_keys,
                    max_bytes: limits.keyvalue_max_bytes,
                };
                let stored = kv
                    .put_metered(
                        &shared_key(namespace, &bucket, &key),
                        &value,
                        size,
                        SHARED_RETENTION,
                        meter,
                    )
                    .await
                    .map_err(shared_error)?;
                match stored {
                    Metered::Stored { .. } => Ok(()),
                    Metered::TooManyKeys { keys } => Err(too_many_keys(keys, limits)),
                    Metered::TooManyBytes { bytes } => Err(too_many_bytes(bytes, size, limits)),
                }
            }
        }
    }

    /// Removes `key` from `bucket`.
    pub async fn delete(&self, bucket: &str, key: &str) -> Result<(), Error> {
        match self {
            PluginKv::Local(store) => {
                store.delete(bucket, key);
                Ok(())
            }
            PluginKv::Shared {
                kv,
                namespace,
                ledger,
            } => kv
                .delete_metered(&shared_key(namespace, bucket, key), ledger)
                .await
                .map_err(shared_error),
        }
    }
}

/// The shared store's key for `key` in `bucket`: the bucket's length first, so bucket
/// `a:b` key `c` and bucket `a` key `b:c` stay apart.
fn shared_key(namespace: &str, bucket: &str, key: &str) -> String {
    format!("{namespace}{}:{bucket}:{key}", bucket.len())
}

fn shared_error(e: crate::kv::KvError) -> Error {
    Error::Other(e.to_string())
}

/// The refusal a plugin sees when a write would pass its key quota.
fn too_many_keys(keys: u64, limits: &Limits) -> Error {
    Error::Other(format!(
        "key-value quota reached: the plugin keeps {keys} keys, its limit (limits.keyvalue_max_keys) is {}",
        limits.keyvalue_max_keys
    ))
}

/// The refusal a plugin sees when a write would pass its byte quota.
fn too_many_bytes(bytes: u64, size: u64, limits: &Limits) -> Error {
    Error::Other(format!(
        "key-value quota reached: the plugin keeps {bytes} bytes and this entry is {size}, its limit (limits.keyvalue_max_bytes) is {}",
        limits.keyvalue_max_bytes
    ))
}

/// An open bucket: just its name; data lives in the plugin's [`KeyValueStore`].
#[derive(Debug)]
pub struct BucketHandle {
    name: String,
}

/// One plugin's buckets in process.
#[derive(Debug)]
pub struct KeyValueStore {
    inner: Mutex<Buckets>,
    memory: Arc<KvMemory>,
}

#[derive(Debug, Default)]
struct Buckets {
    buckets: HashMap<String, BTreeMap<String, Vec<u8>>>,
    total_keys: u64,
    total_bytes: u64,
}

impl KeyValueStore {
    /// Empty buckets drawing on `memory`.
    pub fn new(memory: Arc<KvMemory>) -> Self {
        Self {
            inner: Mutex::default(),
            memory,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Buckets) -> R) -> R {
        // A poisoned lock only means another call panicked mid-update of plain maps;
        // the data is still consistent enough to keep serving.
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Stores `value` under `key` in `bucket` within `limits` and the shared allowance.
    fn set(
        &self,
        bucket: String,
        key: String,
        value: Vec<u8>,
        limits: &Limits,
    ) -> Result<(), Error> {
        self.with(|b| {
            let size = (key.len() + value.len()) as u64;
            let old = b
                .buckets
                .get(&bucket)
                .and_then(|m| m.get(&key))
                .map(|v| (key.len() + v.len()) as u64);
            let keys = b.total_keys + u64::from(old.is_none());
            let bytes = b.total_bytes - old.unwrap_or(0) + size;
            if keys > limits.keyvalue_max_keys {
                return Err(too_many_keys(b.total_keys, limits));
            }
            if bytes > limits.keyvalue_max_bytes && bytes > b.total_bytes {
                return Err(too_many_bytes(b.total_bytes, size, limits));
            }
            if bytes > b.total_bytes {
                if !self.memory.take(bytes - b.total_bytes) {
                    return Err(Error::Other(format!(
                        "the host's in-process key-value memory (--plugin-kv-memory-mb, {} bytes for all plugins) is full",
                        self.memory.cap
                    )));
                }
            } else {
                self.memory.give(b.total_bytes - bytes);
            }
            b.total_keys = keys;
            b.total_bytes = bytes;
            b.buckets.entry(bucket).or_default().insert(key, value);
            Ok(())
        })
    }

    /// Removes `key` from `bucket`, and the bucket once empty.
    fn delete(&self, bucket: &str, key: &str) {
        self.with(|b| {
            let Some(map) = b.buckets.get_mut(bucket) else {
                return;
            };
            if let Some(v) = map.remove(key) {
                let size = (key.len() + v.len()) as u64;
                b.total_keys -= 1;
                b.total_bytes -= size;
                self.memory.give(size);
            }
            if map.is_empty() {
                b.buckets.remove(bucket);
            }
        });
    }
}

impl Drop for KeyValueStore {
    /// A plugin replaced or unloaded gives its share of the allowance back.
    fn drop(&mut self) {
        let used = self.with(|b| b.total_bytes);
        self.memory.give(used);
    }
}

fn bucket_name(state: &PluginState, bucket: &Resource<BucketHandle>) -> Result<String, Error> {
    state
        .table
        .get(bucket)
        .map(|b| b.name.clone())
        .map_err(|e| Error::Other(e.to_string()))
}

impl Host for PluginState {
    async fn open(&mut self, identifier: String) -> Result<Resource<BucketHandle>, Error> {
        if identifier.is_empty() || identifier.len() > 128 {
            return Err(Error::NoSuchStore);
        }
        self.table
            .push(BucketHandle { name: identifier })
            .map_err(|e| Error::Other(e.to_string()))
    }
}

impl HostBucket for PluginState {
    async fn get(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
    ) -> Result<Option<Vec<u8>>, Error> {
        let name = bucket_name(self, &bucket)?;
        self.services.keyvalue.get(&name, &key).await
    }

    async fn set(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), Error> {
        let name = bucket_name(self, &bucket)?;
        let limits = &self.services.limits;
        self.services.keyvalue.set(name, key, value, limits).await
    }

    async fn delete(&mut self, bucket: Resource<BucketHandle>, key: String) -> Result<(), Error> {
        let name = bucket_name(self, &bucket)?;
        self.services.keyvalue.delete(&name, &key).await
    }

    async fn exists(&mut self, bucket: Resource<BucketHandle>, key: String) -> Result<bool, Error> {
        let name = bucket_name(self, &bucket)?;
        match &self.services.keyvalue {
            PluginKv::Local(store) => {
                Ok(store.with(|b| b.buckets.get(&name).is_some_and(|m| m.contains_key(&key))))
            }
            PluginKv::Shared { kv, namespace, .. } => kv
                .get(&shared_key(namespace, &name, &key))
                .await
                .map(|v| v.is_some())
                .map_err(shared_error),
        }
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<BucketHandle>,
        cursor: Option<u64>,
    ) -> Result<KeyResponse, Error> {
        let name = bucket_name(self, &bucket)?;
        match &self.services.keyvalue {
            PluginKv::Local(store) => {
                let start = cursor.unwrap_or(0) as usize;
                Ok(store.with(|b| {
                    let keys: Vec<String> = b
                        .buckets
                        .get(&name)
                        .map(|m| m.keys().skip(start).take(PAGE).cloned().collect())
                        .unwrap_or_default();
                    let more = b
                        .buckets
                        .get(&name)
                        .is_some_and(|m| m.len() > start + keys.len());
                    KeyResponse {
                        cursor: more.then(|| (start + keys.len()) as u64),
                        keys,
                    }
                }))
            }
            PluginKv::Shared { kv, namespace, .. } => {
                let prefix = shared_key(namespace, &name, "");
                let (keys, cursor) = kv
                    .scan(&prefix, cursor.unwrap_or(0), PAGE)
                    .await
                    .map_err(shared_error)?;
                Ok(KeyResponse {
                    keys: keys
                        .into_iter()
                        .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
                        .collect(),
                    cursor,
                })
            }
        }
    }

    async fn drop(&mut self, bucket: Resource<BucketHandle>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(keys: u64, bytes: u64) -> Limits {
        Limits {
            keyvalue_max_keys: keys,
            keyvalue_max_bytes: bytes,
            ..Limits::default()
        }
    }

    #[test]
    fn a_plugin_stays_within_its_quota_and_all_plugins_within_the_allowance() {
        let memory = Arc::new(KvMemory::new(100));
        let a = KeyValueStore::new(memory.clone());
        let b = KeyValueStore::new(memory.clone());
        let roomy = limits(10, 1000);
        assert!(a.set("x".into(), "k1".into(), vec![0; 58], &roomy).is_ok());
        // b's own quota has room, the shared allowance does not.
        let full = b.set("x".into(), "k1".into(), vec![0; 58], &roomy);
        assert!(matches!(full, Err(Error::Other(m)) if m.contains("--plugin-kv-memory-mb")));
        // Shrinking a value gives room back; deleting gives the rest.
        assert!(a.set("x".into(), "k1".into(), vec![0; 8], &roomy).is_ok());
        assert!(b.set("x".into(), "k1".into(), vec![0; 58], &roomy).is_ok());
        b.delete("x", "k1");
        assert_eq!(memory.used.load(Ordering::Acquire), 10);
        // A store dropped (its plugin replaced) returns its share.
        drop(a);
        assert_eq!(memory.used.load(Ordering::Acquire), 0);

        let tight = limits(1, 1000);
        let c = KeyValueStore::new(memory);
        assert!(c.set("x".into(), "k1".into(), vec![1], &tight).is_ok());
        assert!(
            c.set("x".into(), "k1".into(), vec![2], &tight).is_ok(),
            "a rewrite"
        );
        let over = c.set("y".into(), "k2".into(), vec![1], &tight);
        assert!(matches!(over, Err(Error::Other(m)) if m.contains("keyvalue_max_keys")));
    }
}
