//! The edge (spin.toml; docs/edge.md): the manifest against Spin's published schema, each
//! built edge component's imports (standard WASI only), and `tessera edge serve` in front of
//! a real origin — every route through it, its caches (ETag revalidation; the origin down →
//! the cached answer, or a step ping queued and replayed), a forged badge, and the gateway
//! passing errors and server-sent events through.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    JWT_SECRET, Server, binary, client_with_token, component, eventually, free_port, plugins_dir,
    repo, tessera, unique,
};

/// The secret the origin and the edge share in these tests.
const EDGE_SECRET: &str = "e2e-edge-secret-0123456789";

/// The edge components spin.toml lists, by the file `./dev` builds.
const EDGE_FILES: [&str; 4] = [
    "edge_tutorials.wasm",
    "edge_badges.wasm",
    "edge_content.wasm",
    "edge_gateway.wasm",
];

fn manifest() -> Value {
    let text = std::fs::read_to_string(repo().join("spin.toml")).unwrap();
    let parsed: toml::Value = toml::from_str(&text).unwrap();
    serde_json::to_value(parsed).unwrap()
}

#[test]
fn spin_toml_is_valid_against_spins_published_schema() {
    let schema_path = repo().join("../shared/reference/spin/manifest-v2.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let schema = json_schema::Schema::compile(schema).unwrap();
    let manifest = manifest();
    let errors = schema.validate(&manifest);
    assert!(errors.is_empty(), "spin.toml: {errors:#?}");
    // The schema is not blind: a manifest with a misspelt component key fails it.
    let mut broken = manifest.clone();
    broken["component"]["edge-badges"]["sorce"] = json!("x.wasm");
    assert!(
        !schema.validate(&broken).is_empty(),
        "a typo passed the schema"
    );

    // What the issue asks of the file beyond the schema: build commands, the origin as the
    // only outbound host, secrets marked, every route's component defined and built here.
    let components = manifest["component"].as_object().unwrap();
    assert_eq!(components.len(), 4);
    for (id, c) in components {
        assert_eq!(
            c["build"]["command"],
            json!(format!("./dev component {id}")),
            "{id}"
        );
        assert_eq!(
            c["allowed_outbound_hosts"],
            json!(["{{ origin_url }}"]),
            "{id}"
        );
        let file = c["source"].as_str().unwrap();
        assert!(
            EDGE_FILES
                .iter()
                .any(|f| file == format!("dist/components/{f}")),
            "{id}: {file}"
        );
    }
    let variables = &manifest["variables"];
    for secret in ["origin_token", "edge_secret", "badge_key"] {
        assert_eq!(variables[secret]["secret"], true, "{secret} is not secret");
    }
    for trigger in manifest["trigger"]["http"].as_array().unwrap() {
        let id = trigger["component"].as_str().unwrap();
        assert!(
            components.contains_key(id),
            "route to unknown component {id}"
        );
    }
}

/// The interfaces an edge component may import: standard WASI, the versions Spin 3.x,
/// Spin 4 and SpinKube provide.
fn standard(name: &str) -> bool {
    [
        "wasi:http/",
        "wasi:io/",
        "wasi:cli/",
        "wasi:clocks/",
        "wasi:random/",
    ]
    .iter()
    .any(|p| name.starts_with(p))
        || name == "wasi:keyvalue/store@0.2.0-draft2"
        || name == "wasi:config/store@0.2.0-draft-2024-09-27"
}

#[test]
fn edge_components_import_only_standard_wasi_and_export_the_http_handler() {
    let engine = wasmtime::Engine::default();
    for file in EDGE_FILES {
        let path = component(file);
        let c = wasmtime::component::Component::from_file(&engine, &path)
            .unwrap_or_else(|e| panic!("{}: {e:#} (run ./dev test)", path.display()));
        let ty = c.component_type();
        let imports: Vec<String> = ty.imports(&engine).map(|(n, _)| n.to_owned()).collect();
        let exports: Vec<String> = ty.exports(&engine).map(|(n, _)| n.to_owned()).collect();
        let odd: Vec<&String> = imports.iter().filter(|n| !standard(n)).collect();
        assert!(odd.is_empty(), "{file} imports {odd:?}");
        assert!(
            exports
                .iter()
                .any(|e| e == "wasi:http/incoming-handler@0.2.0"),
            "{file} exports {exports:?}"
        );
        assert!(
            imports
                .iter()
                .any(|n| n.starts_with("wasi:http/outgoing-handler@0.2.")),
            "{file} cannot reach the origin: {imports:?}"
        );
        assert!(
            imports.iter().any(|n| n.starts_with("wasi:config/store@")),
            "{file} reads no variables: {imports:?}"
        );
        // The gateway caches nothing; the others keep their cache in key-value.
        let kv = imports.iter().any(|n| n.starts_with("wasi:keyvalue/"));
        assert_eq!(kv, file != "edge_gateway.wasm", "{file}: {imports:?}");
    }
}

/// A TCP gate in front of the origin that the test closes and opens: "the origin is down"
/// is a refused connection, as it is when the origin's host is gone.
struct Gate {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Gate {
    async fn new(origin: &Server) -> Gate {
        let target: SocketAddr = origin.base.trim_start_matches("http://").parse().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(Self::serve(listener, target));
        Gate { addr, task }
    }

    async fn serve(listener: tokio::net::TcpListener, target: SocketAddr) {
        // The connections belong to the accept loop, so closing the gate cuts the open
        // ones too, as an origin that goes down does (the edge keeps connections alive).
        let mut open = tokio::task::JoinSet::new();
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            open.spawn(async move {
                if let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
            while open.try_join_next().is_some() {}
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Closes the gate: the listening socket and the open connections go away, so the
    /// origin is unreachable.
    fn close(&mut self) {
        self.task.abort();
    }

    /// Opens it again on the same address.
    async fn reopen(&mut self, origin: &Server) {
        let target: SocketAddr = origin.base.trim_start_matches("http://").parse().unwrap();
        let listener = eventually(
            "the gate's port to be free",
            Duration::from_secs(10),
            async || tokio::net::TcpListener::bind(self.addr).await,
        )
        .await;
        self.task = tokio::spawn(Self::serve(listener, target));
    }
}

/// `tessera edge serve` on spin.toml, in front of `origin_url`.
struct Edge {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Edge {
    async fn start(origin_url: &str, origin_token: &str, badge_key: &str) -> Edge {
        let port = free_port();
        let data = tempfile::tempdir().unwrap();
        let mut command: Command = binary();
        command
            .args(["edge", "serve", "--manifest"])
            .arg(repo().join("spin.toml"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data.path())
            .args(["--variable", &format!("origin_url={origin_url}")])
            .args(["--variable", &format!("origin_token={origin_token}")])
            .args(["--variable", &format!("edge_secret={EDGE_SECRET}")])
            .args(["--variable", &format!("badge_key={badge_key}")])
            // Short, so the tests see revalidation and withdrawal within seconds.
            .args(["--variable", "definitions_ttl_secs=1"])
            .args(["--variable", "revocation_ttl_secs=1"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = command.spawn().unwrap();
        let edge = Edge {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _data: data,
        };
        let probe = reqwest::Client::new();
        let url = edge.url("/health/live");
        eventually(
            "the edge to answer",
            Duration::from_secs(60),
            async || match probe.get(&url).send().await {
                Ok(r) if r.status() == 200 => Ok(()),
                Ok(r) => Err(format!("{}", r.status())),
                Err(e) => Err(e.to_string()),
            },
        )
        .await;
        edge
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        _ = self.child.kill();
        _ = self.child.wait();
    }
}

/// A service token for the edge, and the badge key, from the CLI (as docs/deploy.md says).
fn edge_credentials(origin: &Server) -> (String, String) {
    let (ok, token, err) = tessera(&[
        "service-token",
        "--name",
        &unique("edge"),
        "--jwt-secret",
        JWT_SECRET,
        "--database-url",
        &origin.database_url,
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = tessera(&["edge", "variables", "--jwt-secret", JWT_SECRET]);
    assert!(ok, "{err}");
    let badge_key = out
        .lines()
        .find_map(|l| l.strip_prefix("badge_key="))
        .unwrap_or_else(|| panic!("no badge_key in {out}"))
        .trim()
        .to_owned();
    (token.trim().to_owned(), badge_key)
}

async fn origin() -> Server {
    let pack = tempfile::tempdir().unwrap();
    crate::learning::write_pack(pack.path());
    let server = Server::start_with(
        &[plugins_dir()],
        &[
            "--content-dir",
            pack.path().to_str().unwrap(),
            "--edge-secret",
            EDGE_SECRET,
        ],
    )
    .await;
    // The pack is imported at start-up; the folder may go.
    drop(pack);
    server
}

async fn get(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn json_of(response: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_edge_serves_in_front_of_a_real_origin() {
    let origin = origin().await;
    let (token, badge_key) = edge_credentials(&origin);
    let mut gate = Gate::new(&origin).await;
    let edge = Edge::start(&gate.url(), &token, &badge_key).await;
    let client = reqwest::Client::new();

    gateway(&origin, &edge, &client).await;
    tutorial_config(&origin, &edge, &client, &mut gate).await;
    badges(&origin, &edge, &client).await;
    daily_lesson(&origin, &edge, &client).await;
}

/// The gateway: answers, errors and streams pass through unchanged; the client's address
/// reaches the origin only from the edge.
async fn gateway(origin: &Server, edge: &Edge, client: &reqwest::Client) {
    let (status, _, direct) = json_of(get(client, &origin.url("/health/live"), &[]).await).await;
    let (via_status, _, via) = json_of(get(client, &edge.url("/health/live"), &[]).await).await;
    assert_eq!((via_status, &via), (status, &direct));
    // An origin error, status and body as they were.
    let r = get(client, &edge.url("/api/v1/no-such-route"), &[]).await;
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NOT_FOUND", "{body}");
    // A POST with a body: a failed sign-in, the origin's 401.
    let r = client
        .post(edge.url("/api/v1/auth/login"))
        .json(&json!({"email": "nobody@example.com", "password": "wrong-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Bad input is the origin's 4xx naming the field, as the origin words it.
    let bad = json!({"email": "not-an-email", "password": "x"});
    let mut answers = Vec::new();
    for base in [edge.url(""), origin.url("")] {
        let r = client
            .post(format!("{base}/api/v1/auth/register"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["details"]["field"].is_string(), "{body}");
        answers.push((
            status,
            body["error"]["code"].clone(),
            body["error"]["details"].clone(),
        ));
    }
    assert!((400..500).contains(&answers[0].0), "{answers:?}");
    assert_eq!(answers[0], answers[1]);

    // Server-sent events: the OpenAI-compatible stream arrives whole, as events.
    let student = origin.register("student").await;
    let student = client_with_token(student["access_token"].as_str().unwrap());
    let r = student
        .post(edge.url("/v1/chat/completions"))
        .json(&json!({ "stream": true, "messages": [{ "role": "user", "content": "what is a list?" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = r.text().await.unwrap();
    assert!(body.contains("chat.completion.chunk"), "{body}");
    assert!(body.trim_end().ends_with("data: [DONE]"), "{body}");
    // A stream that never ends (a teacher's alerts) still gets its head through: the edge
    // does not wait for a body's end before answering.
    let teacher = origin.register("teacher").await;
    let teacher = client_with_token(teacher["access_token"].as_str().unwrap());
    let head = tokio::time::timeout(
        Duration::from_secs(20),
        teacher
            .get(edge.url("/api/v1/teacher/alerts/stream"))
            .send(),
    )
    .await
    .expect("the alerts stream's head did not come through the edge")
    .unwrap();
    assert_eq!(head.status(), 200);
    assert!(
        head.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    drop(head);
}

/// An admin's tutorial with a running 50/50 experiment.
async fn tutorial_with_experiment(origin: &Server) {
    let r = origin
        .http
        .put(origin.url("/api/v1/admin/tutorials/edge-tour"))
        .json(&json!({"title": "Edge tour", "steps": [
            {"id": "intro", "title": "Welcome", "cta": "Next"},
            {"id": "install", "title": "Get the app", "cta": "Install", "devices": ["web"]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (status, created) = origin
        .post(
            "/api/v1/admin/experiments",
            &json!({"id": "edge-exp", "tutorialId": "edge-tour", "variants": [
                {"id": "edge_control", "weight": 50},
                {"id": "edge_short", "weight": 50,
                 "steps": [{"id": "intro", "title": "Hi!", "cta": "Go"}]}]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, running) = origin
        .patch_as(
            &origin.http,
            "/api/v1/admin/experiments/edge-exp",
            &json!({"status": "running"}),
        )
        .await;
    assert_eq!(status, 200, "{running}");
}

async fn tutorial_config(origin: &Server, edge: &Edge, client: &reqwest::Client, gate: &mut Gate) {
    tutorial_with_experiment(origin).await;
    let path = "/api/tutorial/config?tutorialId=edge-tour";
    // The edge answers what the origin answers: variant, steps, persona, ETag. Edge first
    // for half the visitors (the origin then agrees with the edge's choice), origin first
    // for the other half.
    let mut variants = std::collections::BTreeSet::new();
    let mut control = None;
    for i in 0..24 {
        let id = format!("edge-visitor-{i:04}");
        let headers = [("x-kazi-anonymous-id", id.as_str())];
        let (first, second) = if i % 2 == 0 {
            (edge.url(path), origin.url(path))
        } else {
            (origin.url(path), edge.url(path))
        };
        let (s1, h1, c1) = json_of(get(client, &first, &headers).await).await;
        let (s2, h2, c2) = json_of(get(client, &second, &headers).await).await;
        assert_eq!((s1, s2), (200, 200), "{c1} {c2}");
        for field in ["tutorialId", "persona", "variant", "steps"] {
            assert_eq!(c1[field], c2[field], "{field}: {c1} vs {c2}");
        }
        assert_eq!(h1["etag"], h2["etag"]);
        assert_eq!(h1["cache-control"], h2["cache-control"]);
        variants.insert(c1["variant"].as_str().unwrap().to_owned());
        if c1["variant"] == "edge_control" {
            control = Some(id.clone());
        }
    }
    // A visitor in the control variant (the tutorial's own steps).
    let control = control.expect("no visitor in edge_control");
    assert_eq!(variants.len(), 2, "24 visitors all in {variants:?}");

    // A new visitor gets an id (header and cookie); If-None-Match gets a 304.
    let (status, headers, config) = json_of(get(client, &edge.url(path), &[]).await).await;
    assert_eq!(status, 200, "{config}");
    let minted = headers["x-kazi-anonymous-id"].to_str().unwrap().to_owned();
    assert!(
        headers["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with(&format!("kazi_anon={minted}"))
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let r = get(
        client,
        &edge.url(path),
        &[
            ("cookie", &format!("kazi_anon={minted}")),
            ("if-none-match", &etag),
        ],
    )
    .await;
    assert_eq!(r.status(), 304);
    // Errors are the origin's: a missing tutorialId, an unknown tutorial, a bad device.
    let (status, _, e) = json_of(get(client, &edge.url("/api/tutorial/config"), &[]).await).await;
    assert_eq!(
        (status, &e["error"]["details"]["field"]),
        (422, &json!("tutorialId")),
        "{e}"
    );
    let (status, _, e) = json_of(
        get(
            client,
            &edge.url("/api/tutorial/config?tutorialId=nope"),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 404, "{e}");
    let (status, _, e) =
        json_of(get(client, &edge.url(path), &[("x-kazi-device", "fridge")]).await).await;
    assert_eq!(status, 422, "{e}");

    // The admin edits the steps: after definitions_ttl_secs the edge revalidates (ETag)
    // and serves them.
    let r = origin
        .http
        .put(origin.url("/api/v1/admin/tutorials/edge-tour"))
        .json(&json!({"title": "Edge tour", "steps": [
            {"id": "intro", "title": "Welcome back", "cta": "Next"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let edited = eventually(
        "the edge to serve the edited steps",
        Duration::from_secs(20),
        async || {
            let (_, _, c) = json_of(
                get(
                    client,
                    &edge.url(path),
                    &[("x-kazi-anonymous-id", &control)],
                )
                .await,
            )
            .await;
            let (_, _, o) = json_of(
                get(
                    client,
                    &origin.url(path),
                    &[("x-kazi-anonymous-id", &control)],
                )
                .await,
            )
            .await;
            if c["steps"] == o["steps"] {
                Ok(c)
            } else {
                Err(format!("{c} vs {o}"))
            }
        },
    )
    .await;
    assert_eq!(edited["steps"][0]["title"], "Welcome back", "{edited}");

    // The origin goes down: the config is served from the edge's copy; step pings are
    // accepted (202) and queued, then replayed when it is back — none lost, none twice.
    let stored_before = step_events(origin).await;
    gate.close();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, _, cached) = json_of(
        get(
            client,
            &edge.url(path),
            &[("x-kazi-anonymous-id", &control)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "the cached config was not served: {cached}");
    for (step, event_id) in [
        ("intro", Some(unique("evt").replace('_', "-"))),
        ("install", None),
    ] {
        let mut ping =
            json!({"tutorialId": "edge-tour", "stepId": step, "status": "completed", "t": 1200});
        if let Some(id) = event_id {
            ping["eventId"] = id.into();
        }
        let r = client
            .post(edge.url("/api/tutorial/step"))
            .header("x-kazi-anonymous-id", &control)
            .json(&ping)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    }
    // A ping that is no ping is refused even while queueing.
    let r = client
        .post(edge.url("/api/tutorial/step"))
        .header("x-kazi-anonymous-id", &control)
        .json(&json!({"tutorialId": "edge-tour"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        step_events(origin).await,
        stored_before,
        "a ping reached a closed origin"
    );
    gate.reopen(origin).await;
    // The next ping goes straight through, and the queue follows it.
    let r = client
        .post(edge.url("/api/tutorial/step"))
        .header("x-kazi-anonymous-id", &control)
        .json(&json!({"tutorialId": "edge-tour", "stepId": "intro", "status": "started", "t": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
    eventually(
        "the queued pings to reach the origin",
        Duration::from_secs(20),
        async || {
            let stored = step_events(origin).await;
            if stored == stored_before + 3 {
                Ok(())
            } else {
                Err(stored - stored_before)
            }
        },
    )
    .await;
    // Another replay opportunity stores nothing more: each ping went once.
    let _ = get(
        client,
        &edge.url(path),
        &[("x-kazi-anonymous-id", &control)],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = get(
        client,
        &edge.url(path),
        &[("x-kazi-anonymous-id", &control)],
    )
    .await;
    assert_eq!(
        step_events(origin).await,
        stored_before + 3,
        "a ping was stored twice"
    );
}

/// Step pings of `edge-tour` the origin stored (`tutorial_step_events_total`).
async fn step_events(origin: &Server) -> u64 {
    let text = origin.text(&origin.http, "/metrics").await;
    text.lines()
        .filter(|l| {
            l.starts_with("tutorial_step_events_total") && l.contains("tutorial=\"edge-tour\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// A learner earns the `quick` track's certificate (lesson `c`) and shares the badge.
async fn earned_badge(origin: &Server) -> (Value, reqwest::Client) {
    let learner = origin.register("student").await;
    let client = client_with_token(learner["access_token"].as_str().unwrap());
    let r = client
        .post(origin.url("/api/v1/steps/c.read/complete"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    for step in ["c.q1", "c.q2", "c.q3"] {
        let r = client
            .post(origin.url(&format!("/api/v1/steps/{step}/quiz")))
            .json(&json!({"answers": {"value": true}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    let r = client
        .post(origin.url("/api/v1/tracks/quick/badge/share"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    (r.json().await.unwrap(), client)
}

async fn badges(origin: &Server, edge: &Edge, client: &reqwest::Client) {
    let (link, learner) = earned_badge(origin).await;
    let token = link["token"].as_str().unwrap();
    let page = get(client, &edge.url(&format!("/badges/{token}")), &[]).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("completed Quick wins") && html.contains("og:image"),
        "{html}"
    );
    assert!(html.contains(&format!("/badges/{token}.svg")), "{html}");
    // The image is the origin's, byte for byte.
    let svg_edge = get(client, &edge.url(&format!("/badges/{token}.svg")), &[]).await;
    assert!(
        svg_edge.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    let svg_edge = svg_edge.text().await.unwrap();
    let svg_origin = get(client, &origin.url(&format!("/badges/{token}.svg")), &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(svg_edge, svg_origin);
    // Forged or altered: 403 at the edge.
    let (payload, signature) = token.split_once('.').unwrap();
    for forged in [
        format!("{}A.{signature}", &payload[..payload.len() - 1]),
        format!("{payload}.{}", &signature[1..]),
        "nonsense".to_owned(),
    ] {
        let r = get(client, &edge.url(&format!("/badges/{forged}")), &[]).await;
        assert_eq!(r.status(), 403, "{forged}");
    }
    // The learner deletes their account: the badge is withdrawn at the edge within
    // revocation_ttl_secs.
    let r = learner
        .delete(origin.url("/api/v1/me"))
        .json(&json!({"password": crate::support::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let url = edge.url(&format!("/badges/{token}"));
    eventually(
        "the withdrawn badge to be gone at the edge",
        Duration::from_secs(20),
        async || {
            let status = get(client, &url, &[]).await.status().as_u16();
            if status == 410 { Ok(()) } else { Err(status) }
        },
    )
    .await;
}

/// Requests the origin counted on `route` (its Prometheus metrics).
async fn origin_hits(origin: &Server, route: &str) -> u64 {
    let text = origin.text(&origin.http, "/metrics").await;
    text.lines()
        .filter(|l| {
            l.starts_with("tessera_http_requests_total")
                && l.contains(&format!("route=\"{route}\""))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

async fn daily_lesson(origin: &Server, edge: &Edge, client: &reqwest::Client) {
    let learner = origin.register("student").await;
    let token = learner["access_token"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {token}");
    let headers = [("authorization", auth.as_str())];
    let fetched_before = origin_hits(origin, "/_internal/edge/lessons/{lesson_id}").await;
    for round in 0..3 {
        let (s1, _, via) =
            json_of(get(client, &edge.url("/api/v1/lessons/daily"), &headers).await).await;
        let (s2, _, direct) =
            json_of(get(client, &origin.url("/api/v1/lessons/daily"), &headers).await).await;
        assert_eq!((s1, s2), (200, 200), "{via} {direct}");
        assert_eq!(via, direct, "round {round}");
        // Progress moves the learner's place; the edge follows it.
        let step = direct["step"]["id"].as_str().unwrap().to_owned();
        let kind = direct["step"]["kind"].as_str().unwrap().to_owned();
        if kind == "explanation" {
            let r = client_with_token(&token)
                .post(origin.url(&format!("/api/v1/steps/{step}/complete")))
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        } else {
            break;
        }
    }
    // The lesson's content was fetched from the origin once; the rest came from the cache.
    let fetched = origin_hits(origin, "/_internal/edge/lessons/{lesson_id}").await - fetched_before;
    assert_eq!(
        fetched, 1,
        "the edge fetched the lesson content {fetched} times"
    );
    // A bad token is the origin's 401, through the edge.
    let r = get(
        client,
        &edge.url("/api/v1/lessons/daily"),
        &[("authorization", "Bearer nope")],
    )
    .await;
    assert_eq!(r.status(), 401);
}
