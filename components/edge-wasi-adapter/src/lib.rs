//! The edge's WASI adapter: a component that lets the edge components (spin-sdk 5.x) run
//! under `wasmtime serve`, the check that they are portable (docs/edge.md, "Portability").
//!
//! Why it exists: the WASI key-value and config interfaces are still drafts, and Spin and
//! wasmtime implement different snapshots of them. The edge components import Spin's,
//! `wasi:keyvalue/store@0.2.0-draft2` and `wasi:config/store@0.2.0-draft-2024-09-27`;
//! `wasmtime serve -S keyvalue -S config` (wasmtime 49) provides `wasi:keyvalue/store@0.2.0-draft`
//! and `wasi:config/store@0.2.0-rc.1`. The interfaces are the same apart from their versions,
//! two details aside, so this component exports Spin's and forwards every call to wasmtime's:
//!
//! - `list-keys` pages with a `string` cursor in draft2 and a `u64` in draft: the cursor is
//!   carried across as the number's decimal text.
//! - Spin opens the store its manifest names, `default`; wasmtime's in-memory store is the
//!   one whose identifier is the empty string, so `default` opens that one.
//! - Every `open` of wasmtime's in-memory store starts from its preloaded data, and a write
//!   lasts only as long as that bucket handle; the edge opens a bucket for each read and
//!   write. So a store is opened on wasmtime once per instance (one request, under
//!   `wasmtime serve`) and shared by every bucket the component opens, which gives the
//!   component what the interface promises and Spin does: it reads its own writes.
//!
//! Composed in front of an edge component (`wac plug --plug edge_wasi_adapter.wasm
//! edge_gateway.wasm`), it fills the component's key-value and config imports; everything
//! else (wasi:http, wasi:cli, ...) the component still imports from the host. Spin itself
//! needs none of this and runs the components as they are built.
//!
//! The bindings are generated on every target, so the conversions are unit tested natively;
//! only the `export!` of the component is wasm32-only.

use std::cell::RefCell;
use std::rc::Rc;

wit_bindgen::generate!({
    path: "wit",
    world: "tessera:edge-wasi-adapter/adapter",
    generate_all,
});

use exports::wasi::config0_2_0_draft_2024_09_27::store as config_out;
use exports::wasi::keyvalue0_2_0_draft2::store as kv_out;
use wasi::config0_2_0_rc_1::store as config_in;
use wasi::keyvalue0_2_0_draft::store as kv_in;

/// The component.
pub struct Adapter;

/// The store Spin's manifests name (`key_value_stores = ["default"]`).
const SPIN_DEFAULT_STORE: &str = "default";
/// The identifier of wasmtime's in-memory store (`-S keyvalue`), the only one it opens.
const WASMTIME_DEFAULT_STORE: &str = "";

/// The identifier to open on wasmtime for the one a component asked for: Spin's `default`
/// is wasmtime's in-memory store; any other name is passed on (wasmtime answers
/// `no-such-store`, as Spin does for a store the manifest does not grant).
fn wasmtime_store(identifier: &str) -> &str {
    if identifier == SPIN_DEFAULT_STORE {
        WASMTIME_DEFAULT_STORE
    } else {
        identifier
    }
}

thread_local! {
    /// The stores opened on wasmtime so far in this instance, by wasmtime's identifier.
    static OPENED: RefCell<Vec<(String, Rc<kv_in::Bucket>)>> = const { RefCell::new(Vec::new()) };
}

/// wasmtime's bucket for `identifier`: opened the first time, shared afterwards (see the
/// crate's doc: wasmtime's buckets do not see each other's writes).
fn open_shared(identifier: &str) -> Result<Rc<kv_in::Bucket>, kv_in::Error> {
    OPENED.with_borrow_mut(|opened| {
        if let Some((_, bucket)) = opened.iter().find(|(id, _)| id == identifier) {
            return Ok(Rc::clone(bucket));
        }
        let bucket = Rc::new(kv_in::open(identifier)?);
        opened.push((identifier.to_owned(), Rc::clone(&bucket)));
        Ok(bucket)
    })
}

/// A key-value error from wasmtime's draft as the component's.
fn kv_error(e: kv_in::Error) -> kv_out::Error {
    match e {
        kv_in::Error::NoSuchStore => kv_out::Error::NoSuchStore,
        kv_in::Error::AccessDenied => kv_out::Error::AccessDenied,
        kv_in::Error::Other(message) => kv_out::Error::Other(message),
    }
}

/// A `list-keys` cursor from the component (draft2: text) for wasmtime (draft: a number).
/// Cursors are opaque to the component, which only hands back what it was given, so any
/// cursor that is not one this adapter produced is refused rather than guessed at.
fn cursor_in(cursor: Option<String>) -> Result<Option<u64>, kv_out::Error> {
    cursor
        .map(|text| {
            text.parse::<u64>().map_err(|_| {
                kv_out::Error::Other(format!(
                    "not a list-keys cursor this store issued: {text:?}"
                ))
            })
        })
        .transpose()
}

/// A `list-keys` cursor from wasmtime (a number) for the component (text).
fn cursor_out(cursor: Option<u64>) -> Option<String> {
    cursor.map(|n| n.to_string())
}

/// A config error from wasmtime's draft as the component's.
fn config_error(e: config_in::Error) -> config_out::Error {
    match e {
        config_in::Error::Upstream(message) => config_out::Error::Upstream(message),
        config_in::Error::Io(message) => config_out::Error::Io(message),
    }
}

impl kv_out::Guest for Adapter {
    type Bucket = Bucket;

    fn open(identifier: String) -> Result<kv_out::Bucket, kv_out::Error> {
        let inner = open_shared(wasmtime_store(&identifier)).map_err(kv_error)?;
        Ok(kv_out::Bucket::new(Bucket { inner }))
    }
}

/// A bucket the component opened: wasmtime's bucket for the store, every call forwarded
/// to it.
pub struct Bucket {
    inner: Rc<kv_in::Bucket>,
}

impl kv_out::GuestBucket for Bucket {
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, kv_out::Error> {
        self.inner.get(&key).map_err(kv_error)
    }

    fn set(&self, key: String, value: Vec<u8>) -> Result<(), kv_out::Error> {
        self.inner.set(&key, &value).map_err(kv_error)
    }

    fn delete(&self, key: String) -> Result<(), kv_out::Error> {
        self.inner.delete(&key).map_err(kv_error)
    }

    fn exists(&self, key: String) -> Result<bool, kv_out::Error> {
        self.inner.exists(&key).map_err(kv_error)
    }

    fn list_keys(&self, cursor: Option<String>) -> Result<kv_out::KeyResponse, kv_out::Error> {
        let response = self.inner.list_keys(cursor_in(cursor)?).map_err(kv_error)?;
        Ok(kv_out::KeyResponse {
            keys: response.keys,
            cursor: cursor_out(response.cursor),
        })
    }
}

impl config_out::Guest for Adapter {
    fn get(key: String) -> Result<Option<String>, config_out::Error> {
        config_in::get(&key).map_err(config_error)
    }

    fn get_all() -> Result<Vec<(String, String)>, config_out::Error> {
        config_in::get_all().map_err(config_error)
    }
}

#[cfg(target_arch = "wasm32")]
export!(Adapter);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_default_store_is_wasmtimes_in_memory_store() {
        assert_eq!(wasmtime_store("default"), "");
        assert_eq!(wasmtime_store("other"), "other");
        assert_eq!(wasmtime_store(""), "");
    }

    #[test]
    fn cursors_round_trip_as_decimal_text() {
        for n in [0, 1, 42, u64::MAX] {
            let text = cursor_out(Some(n));
            assert_eq!(cursor_in(text).unwrap(), Some(n));
        }
        assert_eq!(cursor_out(None), None);
        assert_eq!(cursor_in(None).unwrap(), None);
    }

    #[test]
    fn a_cursor_this_store_did_not_issue_is_refused() {
        for text in ["", "next", "-1", "18446744073709551616"] {
            let err = cursor_in(Some(text.to_owned())).unwrap_err();
            assert!(
                matches!(&err, kv_out::Error::Other(m) if m.contains("cursor")),
                "{text:?}: {err:?}"
            );
        }
    }

    #[test]
    fn errors_keep_their_case_and_message() {
        assert!(matches!(
            kv_error(kv_in::Error::NoSuchStore),
            kv_out::Error::NoSuchStore
        ));
        assert!(matches!(
            kv_error(kv_in::Error::AccessDenied),
            kv_out::Error::AccessDenied
        ));
        assert!(matches!(
            kv_error(kv_in::Error::Other("disk".into())),
            kv_out::Error::Other(m) if m == "disk"
        ));
        assert!(matches!(
            config_error(config_in::Error::Upstream("vault".into())),
            config_out::Error::Upstream(m) if m == "vault"
        ));
        assert!(matches!(
            config_error(config_in::Error::Io("read".into())),
            config_out::Error::Io(m) if m == "read"
        ));
    }
}
