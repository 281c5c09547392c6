//! `wasi:keyvalue/store`: buckets private to one plugin, kept across its calls. This is the
//! in-process implementation for one node; the Redis-backed one (shared by replicas) comes
//! with the data-layer issue behind the same functions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use wasmtime::component::Resource;

use crate::runtime::bindings::v0_1_0::keyvalue_store::{Error, Host, HostBucket, KeyResponse};
use crate::runtime::state::PluginState;

/// Largest value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Most bytes (keys + values) one plugin may keep.
pub const MAX_TOTAL_BYTES: usize = 64 << 20;
/// Keys returned per `list-keys` page.
const PAGE: usize = 1000;

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
        Ok(self
            .services
            .keyvalue
            .with(|b| b.buckets.get(&name).and_then(|m| m.get(&key)).cloned()))
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
        self.services.keyvalue.with(|b| {
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
        })
    }

    async fn delete(&mut self, bucket: Resource<BucketHandle>, key: String) -> Result<(), Error> {
        let name = bucket_name(self, &bucket)?;
        self.services.keyvalue.with(|b| {
            if let Some(v) = b.buckets.get_mut(&name).and_then(|m| m.remove(&key)) {
                b.total_bytes -= key.len() + v.len();
            }
        });
        Ok(())
    }

    async fn exists(&mut self, bucket: Resource<BucketHandle>, key: String) -> Result<bool, Error> {
        let name = bucket_name(self, &bucket)?;
        Ok(self
            .services
            .keyvalue
            .with(|b| b.buckets.get(&name).is_some_and(|m| m.contains_key(&key))))
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<BucketHandle>,
        cursor: Option<u64>,
    ) -> Result<KeyResponse, Error> {
        let name = bucket_name(self, &bucket)?;
        let start = cursor.unwrap_or(0) as usize;
        Ok(self.services.keyvalue.with(|b| {
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

    async fn drop(&mut self, bucket: Resource<BucketHandle>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}
