//! `wasi:keyvalue@0.2.0-draft2` (`store`, `atomics`, `batch`) for the edge components:
//! Spin's key-value stores, kept in this process.
//!
//! As in Spin, stores belong to the application, not to a component: two components that
//! list the same label in `key_value_stores` open the same store. Without a runtime config
//! Spin defines one store, `default`, and refuses to start when a component lists another
//! label; so does this host. A component opening a label it does not list gets
//! `access-denied`; a label no store has gets `no-such-store` (Spin answers
//! `access-denied` for both).
//!
//! Unlike Spin's `default` store (a SQLite file under `.spin/`), the data lives in memory
//! and is gone on restart: the edge components use it as a cache. All stores together hold
//! at most `--kv-memory-mb` of keys and values; a write past that is refused with
//! `error::other` saying so, and the component decides what to do (the edge components
//! carry on uncached).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use wasmtime::component::{Resource, ResourceTable};

use super::bindings::wasi::keyvalue::{atomics, batch, store};
use store::{Error, KeyResponse};

/// The only store label defined without a runtime config, as in Spin.
pub const DEFAULT_STORE: &str = "default";

/// Keys returned by one `list-keys` call; the cursor continues after the last.
const PAGE: usize = 1000;

/// A component lists a store that does not exist.
#[derive(Debug, thiserror::Error)]
#[error(
    "component {component:?} lists key-value store {label:?}, which is not defined: without a runtime config only \"default\" is (as in Spin)"
)]
pub struct UnknownStore {
    /// The component.
    pub component: String,
    /// The label.
    pub label: String,
}

/// The application's stores, shared by every instance of every component.
#[derive(Debug)]
pub struct KvStores {
    stores: BTreeMap<String, Arc<KvStore>>,
    memory: Arc<KvMemory>,
}

/// The bytes (keys and values) all stores may hold together.
#[derive(Debug)]
struct KvMemory {
    cap: u64,
    used: AtomicU64,
}

impl KvMemory {
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

/// One store: keys in order, so `list-keys` can page with a key as its cursor.
#[derive(Debug)]
pub struct KvStore {
    label: String,
    data: RwLock<BTreeMap<String, Vec<u8>>>,
    memory: Arc<KvMemory>,
}

fn entry_size(key: &str, value: &[u8]) -> u64 {
    (key.len() + value.len()) as u64
}

impl KvStore {
    fn read<R>(&self, f: impl FnOnce(&BTreeMap<String, Vec<u8>>) -> R) -> R {
        // A poisoned lock only means a panic mid-update of a plain map, which leaves it
        // consistent: keep serving.
        f(&self.data.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.read(|m| m.get(key).cloned())
    }

    /// Replaces `key`'s value with what `f` makes of the current one (`None`: delete),
    /// within the memory allowance, atomically with respect to other writers.
    fn update<R>(
        &self,
        key: &str,
        f: impl FnOnce(Option<&Vec<u8>>) -> Result<(Option<Vec<u8>>, R), Error>,
    ) -> Result<R, Error> {
        let mut map = self.data.write().unwrap_or_else(PoisonError::into_inner);
        let (new, out) = f(map.get(key))?;
        let old_size = map.get(key).map_or(0, |v| entry_size(key, v));
        let new_size = new.as_ref().map_or(0, |v| entry_size(key, v));
        if new_size > old_size && !self.memory.take(new_size - old_size) {
            return Err(Error::Other(format!(
                "key-value store {:?} is full: the edge keeps at most {} bytes of keys and values in memory for all stores together (--kv-memory-mb)",
                self.label, self.memory.cap
            )));
        }
        if old_size > new_size {
            self.memory.give(old_size - new_size);
        }
        match new {
            Some(value) => {
                map.insert(key.to_owned(), value);
            }
            None => {
                map.remove(key);
            }
        }
        Ok(out)
    }

    fn set(&self, key: &str, value: Vec<u8>) -> Result<(), Error> {
        self.update(key, |_| Ok((Some(value), ())))
    }

    fn delete(&self, key: &str) -> Result<(), Error> {
        self.update(key, |_| Ok((None, ())))
    }
}

impl KvStores {
    /// Spin's stores without a runtime config (`default`), holding at most `cap_bytes`.
    pub fn new(cap_bytes: u64) -> Arc<Self> {
        let memory = Arc::new(KvMemory {
            cap: cap_bytes,
            used: AtomicU64::new(0),
        });
        let stores = [DEFAULT_STORE]
            .into_iter()
            .map(|label| {
                let store = KvStore {
                    label: label.to_owned(),
                    data: RwLock::default(),
                    memory: memory.clone(),
                };
                (label.to_owned(), Arc::new(store))
            })
            .collect();
        Arc::new(Self { stores, memory })
    }

    /// What `component`, listing `labels`, may open; an undefined label is an error.
    pub fn grant(
        self: &Arc<Self>,
        component: &str,
        labels: &[String],
    ) -> Result<ComponentKv, UnknownStore> {
        if let Some(label) = labels.iter().find(|l| !self.stores.contains_key(*l)) {
            return Err(UnknownStore {
                component: component.to_owned(),
                label: label.clone(),
            });
        }
        Ok(ComponentKv {
            stores: self.clone(),
            granted: labels.to_vec().into(),
        })
    }

    /// Bytes of keys and values held now.
    pub fn used_bytes(&self) -> u64 {
        self.memory.used.load(Ordering::Acquire)
    }
}

/// One component's access to the stores; cloned into each of its instances.
#[derive(Debug, Clone)]
pub struct ComponentKv {
    stores: Arc<KvStores>,
    granted: Arc<[String]>,
}

impl ComponentKv {
    /// The state one instance's `wasi:keyvalue` imports work on.
    pub fn instance(&self) -> EdgeKv {
        EdgeKv {
            table: ResourceTable::new(),
            access: self.clone(),
        }
    }
}

/// One instance's `wasi:keyvalue`: its open buckets and CAS handles (in a table of their
/// own, apart from the WASI one) and what it may open.
pub struct EdgeKv {
    table: ResourceTable,
    access: ComponentKv,
}

/// An open store (`wasi:keyvalue/store.bucket`).
#[derive(Debug)]
pub struct Bucket {
    store: Arc<KvStore>,
}

/// A compare-and-swap handle (`wasi:keyvalue/atomics.cas`): the value the key had when it
/// was made or last read with `current`; `swap` succeeds only if the key still has it
/// (absent included).
#[derive(Debug)]
pub struct Cas {
    store: Arc<KvStore>,
    key: String,
    seen: Option<Vec<u8>>,
}

fn table_error(e: wasmtime::component::ResourceTableError) -> Error {
    Error::Other(e.to_string())
}

impl EdgeKv {
    fn store(&self, bucket: &Resource<Bucket>) -> Result<Arc<KvStore>, Error> {
        self.table
            .get(bucket)
            .map(|b| b.store.clone())
            .map_err(table_error)
    }
}

impl store::Host for EdgeKv {
    async fn open(&mut self, identifier: String) -> Result<Resource<Bucket>, Error> {
        if !self.access.granted.contains(&identifier) {
            return Err(if self.access.stores.stores.contains_key(&identifier) {
                Error::AccessDenied
            } else {
                Error::NoSuchStore
            });
        }
        let store = self
            .access
            .stores
            .stores
            .get(&identifier)
            .cloned()
            .ok_or(Error::NoSuchStore)?;
        self.table.push(Bucket { store }).map_err(table_error)
    }
}

impl store::HostBucket for EdgeKv {
    async fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.store(&bucket)?.get(&key))
    }

    async fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), Error> {
        self.store(&bucket)?.set(&key, value)
    }

    async fn delete(&mut self, bucket: Resource<Bucket>, key: String) -> Result<(), Error> {
        self.store(&bucket)?.delete(&key)
    }

    async fn exists(&mut self, bucket: Resource<Bucket>, key: String) -> Result<bool, Error> {
        Ok(self.store(&bucket)?.read(|m| m.contains_key(&key)))
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> Result<KeyResponse, Error> {
        use std::ops::Bound;
        let store = self.store(&bucket)?;
        Ok(store.read(|m| {
            let start = match &cursor {
                Some(after) => Bound::Excluded(after.clone()),
                None => Bound::Unbounded,
            };
            let mut keys: Vec<String> = m
                .range((start, Bound::Unbounded))
                .take(PAGE + 1)
                .map(|(k, _)| k.clone())
                .collect();
            let more = keys.len() > PAGE;
            keys.truncate(PAGE);
            KeyResponse {
                cursor: more.then(|| keys.last().cloned()).flatten(),
                keys,
            }
        }))
    }

    async fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for EdgeKv {
    async fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> Result<i64, Error> {
        // Spin's encoding: the number as 8 little-endian bytes; a missing key is 0.
        self.store(&bucket)?.update(&key, |current| {
            let now = match current {
                None => 0,
                Some(bytes) => match <[u8; 8]>::try_from(bytes.as_slice()) {
                    Ok(b) => i64::from_le_bytes(b),
                    Err(_) => {
                        return Err(Error::Other(format!(
                            "cannot increment {key:?}: its value is not an 8-byte little-endian integer"
                        )));
                    }
                },
            };
            let next = now
                .checked_add(delta)
                .ok_or_else(|| Error::Other(format!("incrementing {key:?} overflows")))?;
            Ok((Some(next.to_le_bytes().to_vec()), next))
        })
    }

    async fn swap(&mut self, cas: Resource<Cas>, value: Vec<u8>) -> Result<(), atomics::CasError> {
        let store_error = atomics::CasError::StoreError;
        let cas = self
            .table
            .delete(cas)
            .map_err(|e| store_error(table_error(e)))?;
        let swapped = cas
            .store
            .update(&cas.key, |current| {
                if current == cas.seen.as_ref() {
                    Ok((Some(value), None))
                } else {
                    // Lost the race: a fresh handle with what the key holds now.
                    let seen = current.cloned();
                    Ok((current.cloned(), Some(seen)))
                }
            })
            .map_err(store_error)?;
        match swapped {
            None => Ok(()),
            Some(seen) => {
                let fresh = Cas {
                    store: cas.store.clone(),
                    key: cas.key.clone(),
                    seen,
                };
                let handle = self
                    .table
                    .push(fresh)
                    .map_err(|e| store_error(table_error(e)))?;
                Err(atomics::CasError::CasFailed(handle))
            }
        }
    }
}

impl atomics::HostCas for EdgeKv {
    async fn new(&mut self, bucket: Resource<Bucket>, key: String) -> Result<Resource<Cas>, Error> {
        let store = self.store(&bucket)?;
        let seen = store.get(&key);
        self.table
            .push(Cas { store, key, seen })
            .map_err(table_error)
    }

    async fn current(&mut self, cas: Resource<Cas>) -> Result<Option<Vec<u8>>, Error> {
        let cas = self.table.get_mut(&cas).map_err(table_error)?;
        cas.seen = cas.store.get(&cas.key);
        Ok(cas.seen.clone())
    }

    async fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

impl batch::Host for EdgeKv {
    async fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, Error> {
        let store = self.store(&bucket)?;
        Ok(store.read(|m| {
            keys.into_iter()
                .map(|k| {
                    let v = m.get(&k).cloned();
                    (k, v)
                })
                .collect()
        }))
    }

    async fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Result<(), Error> {
        let store = self.store(&bucket)?;
        key_values
            .into_iter()
            .try_for_each(|(k, v)| store.set(&k, v))
    }

    async fn delete_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<(), Error> {
        let store = self.store(&bucket)?;
        keys.iter().try_for_each(|k| store.delete(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::{Host as _, HostBucket as _};

    fn instance(stores: &Arc<KvStores>, labels: &[&str]) -> EdgeKv {
        let labels: Vec<String> = labels.iter().map(|s| (*s).to_owned()).collect();
        stores.grant("c", &labels).unwrap().instance()
    }

    #[tokio::test]
    async fn components_listing_a_label_share_its_store_and_others_are_refused() {
        let stores = KvStores::new(1 << 20);
        let mut a = instance(&stores, &["default"]);
        let mut b = instance(&stores, &["default"]);
        let mut none = instance(&stores, &[]);
        let ba = a.open("default".into()).await.unwrap();
        a.set(ba, "k".into(), b"v".to_vec()).await.unwrap();
        let bb = b.open("default".into()).await.unwrap();
        assert_eq!(b.get(bb, "k".into()).await.unwrap(), Some(b"v".to_vec()));
        assert!(matches!(
            none.open("default".into()).await,
            Err(Error::AccessDenied)
        ));
        assert!(matches!(
            a.open("cache".into()).await,
            Err(Error::NoSuchStore)
        ));
        assert!(stores.grant("c", &["cache".to_owned()]).is_err());
    }

    #[tokio::test]
    async fn list_keys_pages_with_a_key_cursor() {
        let stores = KvStores::new(1 << 24);
        let mut kv = instance(&stores, &["default"]);
        for i in 0..(PAGE + 5) {
            let b = kv.open("default".into()).await.unwrap();
            kv.set(b, format!("k{i:05}"), vec![1]).await.unwrap();
        }
        let b = kv.open("default".into()).await.unwrap();
        let first = kv.list_keys(b, None).await.unwrap();
        assert_eq!(first.keys.len(), PAGE);
        assert_eq!(first.cursor.as_deref(), Some("k00999"));
        let b = kv.open("default".into()).await.unwrap();
        let second = kv.list_keys(b, first.cursor).await.unwrap();
        assert_eq!(second.keys.len(), 5);
        assert_eq!(second.keys[0], "k01000");
        assert!(second.cursor.is_none());
    }

    #[tokio::test]
    async fn writes_past_the_memory_cap_are_refused_and_deletes_give_room_back() {
        let stores = KvStores::new(10);
        let mut kv = instance(&stores, &["default"]);
        let rep = kv.open("default".into()).await.unwrap().rep();
        let b = || Resource::<Bucket>::new_borrow(rep);
        kv.set(b(), "k".into(), vec![0; 9]).await.unwrap();
        let full = kv.set(b(), "j".into(), vec![0; 1]).await;
        assert!(matches!(full, Err(Error::Other(m)) if m.contains("--kv-memory-mb")));
        // Shrinking an entry frees its difference.
        kv.set(b(), "k".into(), vec![0; 4]).await.unwrap();
        assert_eq!(stores.used_bytes(), 5);
        kv.delete(b(), "k".into()).await.unwrap();
        assert_eq!(stores.used_bytes(), 0);
    }

    #[tokio::test]
    async fn increment_and_compare_and_swap() {
        use atomics::{Host as _, HostCas as _};
        let stores = KvStores::new(1 << 20);
        let mut kv = instance(&stores, &["default"]);
        let rep = kv.open("default".into()).await.unwrap().rep();
        let b = || Resource::<Bucket>::new_borrow(rep);
        assert_eq!(kv.increment(b(), "n".into(), 5).await.unwrap(), 5);
        assert_eq!(kv.increment(b(), "n".into(), -2).await.unwrap(), 3);
        kv.set(b(), "s".into(), b"abc".to_vec()).await.unwrap();
        assert!(kv.increment(b(), "s".into(), 1).await.is_err());

        let cas = kv.new(b(), "s".into()).await.unwrap();
        kv.set(b(), "s".into(), b"changed".to_vec()).await.unwrap();
        let retry = match kv.swap(cas, b"mine".to_vec()).await {
            Err(atomics::CasError::CasFailed(fresh)) => fresh,
            other => panic!("expected a failed swap, got {other:?}"),
        };
        let seen = kv.current(Resource::new_borrow(retry.rep())).await.unwrap();
        assert_eq!(seen, Some(b"changed".to_vec()));
        kv.swap(retry, b"mine".to_vec()).await.unwrap();
        assert_eq!(
            kv.get(b(), "s".into()).await.unwrap(),
            Some(b"mine".to_vec())
        );
    }
}
