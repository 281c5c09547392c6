//! The edge components are portable (docs/edge.md, "Portability: `wasmtime serve`"): each,
//! composed with the WASI adapter (components/edge-wasi-adapter), runs standalone under
//! `wasmtime serve` — a runtime that is neither Spin nor ours — with only standard WASI
//! (`-S cli -S http -S keyvalue -S config`) and its variables, and answers its routes in
//! front of a real origin.
//!
//! The binary is wasmtime-cli, pinned, which `./dev test` installs and names in
//! `TESSERA_WASMTIME`. Without it the tests are skipped with a note, except under CI=true,
//! where they fail.
//!
//! wasmtime's key-value store is in memory and may be fresh on every request, so nothing
//! here relies on the edge's cache surviving from one request to the next.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use crate::support::{self, Server, plugins_dir};

/// The shared secret the origin and the edge components are given in these tests.
const EDGE_SECRET: &str = "e2e-edge-secret-0123456789abcdef";
/// The badge signing key the edge is given, as `badge_key` holds it (hex). Not the
/// origin's: the badges here are refused, or answered from the cache, before the origin is
/// asked.
const BADGE_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// How long `wasmtime serve` may take to compile a component and start answering.
const STARTUP: Duration = Duration::from_secs(120);

/// The pinned `wasmtime` binary (`TESSERA_WASMTIME`), or `None` with a note when it is
/// missing outside CI.
fn wasmtime() -> Option<PathBuf> {
    let missing = match std::env::var_os("TESSERA_WASMTIME").map(PathBuf::from) {
        Some(path) if path.is_file() => return Some(path),
        Some(path) => format!("TESSERA_WASMTIME={} does not exist", path.display()),
        None => "TESSERA_WASMTIME is not set".to_owned(),
    };
    assert!(
        !support::ci(),
        "CI=true: {missing}; `./dev test` installs wasmtime-cli and sets it"
    );
    eprintln!(
        "skipping the `wasmtime serve` portability check: {missing} (`./dev test` installs \
         the pinned wasmtime-cli and sets it)"
    );
    None
}

/// A scratch folder for one test (composed components, wasmtime's log).
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("edge-portable")
        .join(support::unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `dist/components/<file>` with the adapter plugged into its key-value and config imports
/// (what `wac plug --plug edge_wasi_adapter.wasm <file>` writes), saved in `dir`.
fn compose(file: &str, dir: &Path) -> PathBuf {
    let mut graph = CompositionGraph::new();
    let socket = Package::from_file(
        "tessera:edge",
        None,
        support::component(file),
        graph.types_mut(),
    )
    .unwrap_or_else(|e| panic!("{file}: {e:#}"));
    let socket = graph.register_package(socket).unwrap();
    let adapter = Package::from_file(
        "tessera:edge-wasi-adapter",
        None,
        support::component("edge_wasi_adapter.wasm"),
        graph.types_mut(),
    )
    .unwrap_or_else(|e| panic!("edge_wasi_adapter.wasm: {e:#}"));
    let adapter = graph.register_package(adapter).unwrap();
    wac_graph::plug(&mut graph, vec![adapter], socket)
        .unwrap_or_else(|e| panic!("plugging the adapter into {file}: {e:#}"));
    let bytes = graph
        .encode(EncodeOptions::default())
        .unwrap_or_else(|e| panic!("encoding {file} with the adapter: {e:#}"));
    let out = dir.join(file);
    std::fs::write(&out, &bytes).unwrap();
    out
}

/// The interfaces a component imports.
fn imports(path: &Path) -> Vec<String> {
    let mut graph = CompositionGraph::new();
    let package = Package::from_file("p", None, path, graph.types_mut()).unwrap();
    graph.types()[package.ty()]
        .imports
        .keys()
        .cloned()
        .collect()
}

/// A running `wasmtime serve`, killed on drop.
struct Wasmtime {
    child: Child,
    /// `http://127.0.0.1:<port>`
    base: String,
    log: PathBuf,
}

impl Wasmtime {
    /// Serves `component` with these config variables and waits until it answers `probe`
    /// (any HTTP answer will do).
    async fn serve(wasmtime: &Path, component: &Path, vars: &[(&str, &str)], probe: &str) -> Self {
        Self::serve_with(wasmtime, component, vars, None, probe).await
    }

    /// Like [`Wasmtime::serve`], with wasmtime's in-memory key-value store holding `entry`
    /// (key, value). A port taken by someone else between picking and binding it is retried
    /// on another.
    async fn serve_with(
        wasmtime: &Path,
        component: &Path,
        vars: &[(&str, &str)],
        entry: Option<(&str, &str)>,
        probe: &str,
    ) -> Self {
        for attempt in 1.. {
            let port = support::free_port();
            let log = component.with_extension(format!("{port}.log"));
            let mut cmd = Command::new(wasmtime);
            cmd.arg("serve");
            for flag in ["cli", "http", "keyvalue", "config"] {
                cmd.args(["-S", flag]);
            }
            for (name, value) in vars {
                cmd.arg("-S").arg(format!("config-var={name}={value}"));
            }
            // `-S` splits its value at commas, so a JSON value cannot go there; wasmtime's
            // environment form of the option takes the value whole (one entry).
            if let Some((key, value)) = entry {
                cmd.env(
                    "WASMTIME_WASI_KEYVALUE_IN_MEMORY_DATA",
                    format!("{key}={value}"),
                );
            }
            cmd.arg("--addr")
                .arg(format!("127.0.0.1:{port}"))
                .arg(component)
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(&log).unwrap())
                .stderr(std::fs::File::create(log.with_extension("err")).unwrap());
            let mut server = Wasmtime {
                child: cmd.spawn().expect("spawn wasmtime serve"),
                base: format!("http://127.0.0.1:{port}"),
                log,
            };
            match server.wait_answering(probe).await {
                Ok(()) => return server,
                Err(exit) if attempt < 3 && server.stderr().contains("in use") => {
                    eprintln!("wasmtime serve could not bind port {port} ({exit}); trying another");
                }
                Err(exit) => panic!(
                    "wasmtime serve {} exited before answering ({exit}):\n{}",
                    component.display(),
                    server.stderr()
                ),
            }
        }
        unreachable!("the loop returns or panics")
    }

    /// Waits until `path` gets an HTTP answer; `Err` with the exit status if the process
    /// exited first.
    async fn wait_answering(&mut self, path: &str) -> Result<(), String> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Err(status.to_string());
            }
            if client.get(self.url(path)).send().await.is_ok() {
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "wasmtime serve did not answer {path} within {STARTUP:?}:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What wasmtime (and the component, on stderr) wrote so far.
    fn stderr(&self) -> String {
        let out = std::fs::read_to_string(&self.log).unwrap_or_default();
        let err = std::fs::read_to_string(self.log.with_extension("err")).unwrap_or_default();
        format!("{out}{err}")
    }
}

impl Drop for Wasmtime {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The origin every test's edge talks to: a real `tessera serve` that trusts the edge's
/// secret.
async fn origin() -> Server {
    Server::start_with(&[plugins_dir()], &["--edge-secret", EDGE_SECRET]).await
}

/// Composition alone (no wasmtime needed): every Spin draft import is filled by the
/// adapter, leaving wasmtime's drafts in their place.
#[test]
fn the_adapter_fills_every_draft_import_of_the_edge_components() {
    let dir = scratch("imports");
    for file in [
        "edge_gateway.wasm",
        "edge_badges.wasm",
        "edge_tutorials.wasm",
        "edge_content.wasm",
    ] {
        let composed = imports(&compose(file, &dir));
        for spin_draft in [
            "wasi:keyvalue/store@0.2.0-draft2",
            "wasi:config/store@0.2.0-draft-2024-09-27",
        ] {
            assert!(
                !composed.iter().any(|i| i == spin_draft),
                "{file} composed still imports {spin_draft}: {composed:?}"
            );
        }
        assert!(
            composed.iter().any(|i| i == "wasi:config/store@0.2.0-rc.1"),
            "{file} composed does not import wasmtime's config: {composed:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_proxies_to_the_origin_under_wasmtime_serve() {
    let Some(wasmtime) = wasmtime() else { return };
    let origin = origin().await;
    let dir = scratch("gateway");
    let component = compose("edge_gateway.wasm", &dir);
    let edge = Wasmtime::serve(
        &wasmtime,
        &component,
        &[("origin_url", &origin.base), ("edge_secret", EDGE_SECRET)],
        "/health/live",
    )
    .await;

    // An anonymous route: the origin's own answer, unchanged.
    let client = reqwest::Client::new();
    let through = client.get(edge.url("/health/live")).send().await.unwrap();
    let direct = client.get(origin.url("/health/live")).send().await.unwrap();
    assert_eq!(through.status(), direct.status(), "{}", edge.stderr());
    assert_eq!(
        through.json::<serde_json::Value>().await.unwrap(),
        direct.json::<serde_json::Value>().await.unwrap()
    );

    // An authenticated one: the learner's bearer token goes through, and so does the
    // origin's refusal without it.
    let me = origin
        .http
        .get(edge.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "{}", edge.stderr());
    let anonymous = client.get(edge.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn badges_refuse_a_forged_link_under_wasmtime_serve() {
    let Some(wasmtime) = wasmtime() else { return };
    let origin = origin().await;
    let dir = scratch("badges");
    let component = compose("edge_badges.wasm", &dir);
    let edge = Wasmtime::serve(
        &wasmtime,
        &component,
        &[
            ("origin_url", &origin.base),
            ("origin_token", "not-needed-for-a-forged-badge"),
            ("edge_secret", EDGE_SECRET),
            ("badge_key", BADGE_KEY),
            ("revocation_ttl_secs", "60"),
        ],
        "/badges/probe",
    )
    .await;

    // Well-formed, but signed with another key: refused at the edge, page and image alike.
    let forged = badge::encode(b"not-the-badge-key", &claims("cert-1"));
    let client = reqwest::Client::new();
    for path in [
        format!("/badges/{forged}"),
        format!("/badges/{forged}.svg"),
        "/badges/not-a-badge".to_owned(),
    ] {
        let r = client.get(edge.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 403, "GET {path}: {}", edge.stderr());
    }
}

/// edge-tutorials and edge-content start under `wasmtime serve` and reach the origin with
/// their variables: what they leave to the origin (a malformed tutorial request; a daily
/// lesson without a learner's token) gets the origin's own answer.
#[tokio::test(flavor = "multi_thread")]
async fn tutorials_and_content_reach_the_origin_under_wasmtime_serve() {
    let Some(wasmtime) = wasmtime() else { return };
    let origin = origin().await;
    let dir = scratch("tutorials-content");
    let client = reqwest::Client::new();
    for (file, vars, path, direct) in [
        (
            "edge_tutorials.wasm",
            &[("definitions_ttl_secs", "30")][..],
            "/api/tutorial/config",
            "/api/tutorial/config",
        ),
        (
            "edge_content.wasm",
            &[][..],
            "/api/v1/lessons/daily",
            "/api/v1/lessons/daily",
        ),
    ] {
        let component = compose(file, &dir);
        let mut all = vec![
            ("origin_url", origin.base.as_str()),
            ("origin_token", "not-needed-here"),
            ("edge_secret", EDGE_SECRET),
        ];
        all.extend_from_slice(vars);
        let edge = Wasmtime::serve(&wasmtime, &component, &all, path).await;
        let through = client.get(edge.url(path)).send().await.unwrap();
        let expected = client.get(origin.url(direct)).send().await.unwrap();
        assert_eq!(
            through.status(),
            expected.status(),
            "{file}: GET {path}:\n{}",
            edge.stderr()
        );
        assert_ne!(
            through.status(),
            200,
            "{file}: GET {path} needs more than this"
        );
        let through: serde_json::Value = through.json().await.unwrap();
        let expected: serde_json::Value = expected.json().await.unwrap();
        assert_eq!(
            through["error"]["code"], expected["error"]["code"],
            "{file}: GET {path}: {through} / {expected}"
        );
    }
}

/// `badge_key` as the bytes it names.
fn badge_key() -> Vec<u8> {
    hex::decode(BADGE_KEY).unwrap()
}

/// A badge token's claims for certificate `id`.
fn claims(id: &str) -> badge::Claims {
    badge::Claims {
        v: 1,
        c: id.into(),
        u: "learner-1".into(),
        t: "track-1".into(),
    }
}

/// The edge's cache entry for a certificate, as edge-kit's `cache` writes it (`{at, value}`)
/// holding edge-badges' status of it, written now.
fn cached_status(status: &serde_json::Value) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    serde_json::json!({ "at": now, "value": status }).to_string()
}

/// The key-value path through the adapter: wasmtime's in-memory store, preloaded with a
/// certificate's status (`keyvalue-in-memory-data`), is what edge-badges opens as
/// `default`; with a fresh entry it answers from the cache and never asks the origin,
/// which here is nowhere.
#[tokio::test(flavor = "multi_thread")]
async fn badges_answer_from_wasmtimes_key_value_store() {
    let Some(wasmtime) = wasmtime() else { return };
    let dir = scratch("badges-cached");
    let component = compose("edge_badges.wasm", &dir);
    let shown = badge::Badge {
        learner: "Ada Portable".into(),
        track: "Wasm Everywhere".into(),
        description: "Runs on more than one runtime".into(),
        issued: "2026-01-02".into(),
        certificate_id: "cert-shown".into(),
    };
    let nowhere = format!("http://127.0.0.1:{}", support::free_port());
    let entry = cached_status(&serde_json::json!({ "Valid": shown }));
    let edge = Wasmtime::serve_with(
        &wasmtime,
        &component,
        &[
            ("origin_url", &nowhere),
            ("origin_token", "unused"),
            ("edge_secret", EDGE_SECRET),
            ("badge_key", BADGE_KEY),
            ("revocation_ttl_secs", "3600"),
        ],
        Some(("badge/cert-shown", &entry)),
        "/badges/probe",
    )
    .await;

    let client = reqwest::Client::new();
    let token = badge::encode(&badge_key(), &claims("cert-shown"));
    let page = client
        .get(edge.url(&format!("/badges/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{}", edge.stderr());
    let html = page.text().await.unwrap();
    assert!(html.contains("Ada Portable"), "{html}");
    let image = client
        .get(edge.url(&format!("/badges/{token}.svg")))
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200, "{}", edge.stderr());
    assert!(
        image.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(image.text().await.unwrap().contains("Wasm Everywhere"));

    // Not in the store and the origin unreachable: the edge says so rather than guessing.
    let unknown = badge::encode(&badge_key(), &claims("cert-unknown"));
    let r = client
        .get(edge.url(&format!("/badges/{unknown}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "{}", edge.stderr());
}
