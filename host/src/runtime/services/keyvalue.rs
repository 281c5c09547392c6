//! `wasi:keyvalue/store`: buckets private to one plugin, kept across its calls. Two
//! backends behind the same functions: in-process for one node (the embedded default, with
//! a per-plugin byte quota, lost on restart), or the host's shared store (Redis) when one
//! is configured, so every replica sees the same data — the AI gateway keeps its circuit
//! breakers and response cache there.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::component::Resource;

use crate::kv::Kv;
use crate::runtime::bindings::v0_1_0::keyvalue_store::{Error, Host, HostBucket, KeyResponse};
use crate::runtime::state::PluginState;

/// Largest value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Most bytes (keys + values) one plugin may keep in process.
pub const MAX_TOTAL_BYTES: usize = 64 << 20;
/// Keys returned per `list-keys` page.
const PAGE: usize = 1000;
/// How long an entry in the shared store lives after its last write. `wasi:keyvalue` has
/// no expiry, so without one a plugin's abandoned keys (old cache entries) would stay in
/// Redis forever; 30 days outlives every state the first-party plugins keep.
pub const SHARED_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Where one plugin's buckets live.
pub enum PluginKv {
    /// In this process.
    Local(KeyValueStore),
    /// In the host's shared store, under `namespace` (`plugin:<id>:`).
    Shared {
        /// The store.
        kv: Arc<dyn Kv>,
        /// The plugin's key prefix.
        namespace: String,
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
    /// The shared store when `shared` is given, else an in-process one.
    pub fn new(plugin_id: &str, shared: Option<Arc<dyn Kv>>) -> Self {
        match shared {
            Some(kv) => PluginKv::Shared {
                kv,
                namespace: format!("plugin:{plugin_id}:"),
            },
            None => PluginKv::Local(KeyValueStore::default()),
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

/// An open bucket: just its name; data lives in the plugin's [`KeyValueStore`].
#[derive(Debug)]
pub struct BucketHandle {
    name: String,
}

/// One plugin's buckets.
#[derive(Debug, Default)]
pub struct KeyValueStore {
    inner: Mutex<Buckets>,
}

#[derive(Debug, Default)]
struct Buckets {
    buckets: HashMap<String, BTreeMap<String, Vec<u8>>>,
    total_bytes: usize,
}

impl KeyValueStore {
    fn with<R>(&self, f: impl FnOnce(&mut Buckets) -> R) -> R {
        // A poisoned lock only means another call panicked mid-update of plain maps;
        // the data is still consistent enough to keep serving.
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
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
        match &self.services.keyvalue {
            PluginKv::Local(store) => {
                Ok(store.with(|b| b.buckets.get(&name).and_then(|m| m.get(&key)).cloned()))
            }
            PluginKv::Shared { kv, namespace } => kv
                .get(&shared_key(namespace, &name, &key))
                .await
                .map_err(shared_error),
        }
    }

    async fn set(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), Error> {
        let name = bucket_name(self, &bucket)?;
        if value.len() > MAX_VALUE_BYTES {
            return Err(Error::Other(format!(
                "value of {} bytes is over the {MAX_VALUE_BYTES}-byte limit",
                value.len()
            )));
        }
        match &self.services.keyvalue {
            PluginKv::Local(store) => store.with(|b| {
                let map = b.buckets.entry(name).or_default();
                let old = map.get(&key).map_or(0, |v| key.len() + v.len());
                let new_total = b.total_bytes - old + key.len() + value.len();
                if new_total > MAX_TOTAL_BYTES {
                    return Err(Error::Other(format!(
                        "plugin key-value quota of {MAX_TOTAL_BYTES} bytes exceeded"
                    )));
                }
                b.total_bytes = new_total;
                map.insert(key, value);
                Ok(())
            }),
            PluginKv::Shared { kv, namespace } => kv
                .put(
                    &shared_key(namespace, &name, &key),
                    &value,
                    SHARED_RETENTION,
                )
                .await
                .map_err(shared_error),
        }
    }

    async fn delete(&mut self, bucket: Resource<BucketHandle>, key: String) -> Result<(), Error> {
        let name = bucket_name(self, &bucket)?;
        match &self.services.keyvalue {
            PluginKv::Local(store) => {
                store.with(|b| {
                    if let Some(v) = b.buckets.get_mut(&name).and_then(|m| m.remove(&key)) {
                        b.total_bytes -= key.len() + v.len();
                    }
                });
                Ok(())
            }
            PluginKv::Shared { kv, namespace } => kv
                .delete(&shared_key(namespace, &name, &key))
                .await
                .map_err(shared_error),
        }
    }

    async fn exists(&mut self, bucket: Resource<BucketHandle>, key: String) -> Result<bool, Error> {
        let name = bucket_name(self, &bucket)?;
        match &self.services.keyvalue {
            PluginKv::Local(store) => {
                Ok(store.with(|b| b.buckets.get(&name).is_some_and(|m| m.contains_key(&key))))
            }
            PluginKv::Shared { kv, namespace } => kv
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
            PluginKv::Shared { kv, namespace } => {
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
