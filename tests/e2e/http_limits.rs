//! Resource exhaustion at the HTTP level: body limits on every route (GraphQL included),
//! multipart refused, GraphQL operations bounded and charged per root field.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    Server, client_with_token, eventually, eventually_blocking, plugins_dir, repo,
};

/// The shipped plugins the starter content needs.
fn learning_plugins() -> Vec<PathBuf> {
    ["quiz-grader", "lesson-engine"]
        .iter()
        .map(|p| plugins_dir().join(p))
        .collect()
}

/// A server with the starter content pack and `extra` flags.
async fn learning_server(extra: &[&str]) -> Server {
    let content = repo().join("content");
    let mut flags = vec!["--content-dir", content.to_str().unwrap()];
    flags.extend_from_slice(extra);
    Server::start_with(&learning_plugins(), &flags).await
}

/// An answer read off a raw connection.
struct Raw {
    status: u16,
    head: String,
    body: Value,
}

/// Sends `head` then each of `chunks` over a fresh connection and reads the answer, even
/// when the server answers before everything is sent (as it does for an oversized body).
fn raw(server: &Server, head: &str, chunks: &[&[u8]]) -> Raw {
    let addr = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let _ = stream.write_all(head.as_bytes());
    for chunk in chunks {
        if stream.write_all(chunk).is_err() {
            break;
        }
    }
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    Raw {
        status: head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0),
        head: head.to_owned(),
        body: serde_json::from_str(body.trim())
            .or_else(|_| serde_json::from_str(&dechunk(body)))
            .unwrap_or(Value::Null),
    }
}

/// The payload of a chunked body.
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

fn assert_error_body(raw: &Raw, code: &str) {
    let error = &raw.body["error"];
    assert_eq!(error["code"], code, "{}\n{}", raw.head, raw.body);
    for key in ["message", "request_id", "timestamp"] {
        assert!(!error[key].is_null(), "{key} missing in {}", raw.body);
    }
}

#[tokio::test]
async fn graphql_bodies_are_bounded_and_multipart_is_refused_everywhere() {
    let server = Server::start(&[plugins_dir()]).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let big = format!(
        r#"{{"query":"{{ mastery {{ overall }} }}","variables":{{"pad":"{}"}}}}"#,
        "x".repeat(2 << 20)
    );

    // Declared too large: refused before the body is read.
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer {}\r\ncontent-length: {}\r\n\r\n",
        server.token,
        big.len()
    );
    let reply = raw(&server, &head, &[big.as_bytes()]);
    assert_eq!(reply.status, 413, "{}\n{}", reply.head, reply.body);
    assert_error_body(&reply, "PAYLOAD_TOO_LARGE");

    // Streamed without a length: cut off at the limit all the same.
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer {}\r\ntransfer-encoding: chunked\r\n\r\n",
        server.token
    );
    let chunks: Vec<Vec<u8>> = big
        .as_bytes()
        .chunks(64 * 1024)
        .map(|c| {
            let mut chunk = format!("{:x}\r\n", c.len()).into_bytes();
            chunk.extend_from_slice(c);
            chunk.extend_from_slice(b"\r\n");
            chunk
        })
        .chain(std::iter::once(b"0\r\n\r\n".to_vec()))
        .collect();
    let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    let reply = raw(&server, &head, &chunks);
    assert_eq!(reply.status, 413, "{}\n{}", reply.head, reply.body);
    assert_error_body(&reply, "PAYLOAD_TOO_LARGE");

    // GraphQL multipart uploads (and multipart anywhere else): nothing takes files.
    let boundary = "----tessera";
    let form = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"operations\"\r\n\r\n{{\"query\":\"{{ mastery {{ overall }} }}\"}}\r\n--{boundary}\r\ncontent-disposition: form-data; name=\"map\"\r\n\r\n{{}}\r\n--{boundary}--\r\n"
    );
    for path in ["/graphql", "/api/v1/grade", "/api/v1/auth/login"] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: multipart/form-data; boundary={boundary}\r\nauthorization: Bearer {}\r\ncontent-length: {}\r\n\r\n",
            server.token,
            form.len()
        );
        let reply = raw(&server, &head, &[form.as_bytes()]);
        assert_eq!(reply.status, 415, "{path}: {}\n{}", reply.head, reply.body);
        assert_error_body(&reply, "UNSUPPORTED_MEDIA_TYPE");
    }

    // The bare health check of docs/requirements.md#r-002-8.1.
    let r = server
        .anonymous
        .get(server.url("/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let health: Value = r.json().await.unwrap();
    assert_eq!(health["status"], "healthy", "{health}");
    assert_eq!(health["checks"]["database"], "up", "{health}");

    // A small GraphQL request still works.
    let (status, body) = server
        .post("/graphql", &json!({ "query": "{ __typename }" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
}

/// `n` aliased copies of `field` in one operation.
fn aliased(kind: &str, field: &str, n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("f{i}: {field}")).collect();
    format!("{kind} {{ {} }}", fields.join(" "))
}

#[tokio::test]
async fn a_graphql_operation_has_few_root_mutations() {
    let server = learning_server(&[]).await;
    let reg = server.register("student").await;
    let learner = client_with_token(reg["access_token"].as_str().unwrap());
    let step = r#"completeStep(stepId: "values-and-variables.intro") { stepId }"#;

    let (status, body) = server
        .post_as(
            &learner,
            "/graphql",
            &json!({ "query": aliased("mutation", step, 5) }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "five are allowed: {body}");

    // Aliases past the cap: refused whole, before any field runs.
    let (_, body) = server
        .post_as(
            &learner,
            "/graphql",
            &json!({ "query": aliased("mutation", step, 6) }),
        )
        .await;
    assert!(body["data"].is_null(), "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "TOO_MANY_MUTATIONS", "{body}");
    assert_eq!(error["extensions"]["status"], 422, "{body}");
    assert_eq!(error["extensions"]["field"], "query", "{body}");
    assert!(
        error["message"].as_str().unwrap().contains('5'),
        "the message names the cap: {body}"
    );

    // Fragments do not hide fields from the count.
    let spread = format!(
        "mutation {{ ...A ...B }} fragment A on Mutation {{ {} }} fragment B on Mutation {{ ... on Mutation {{ {} }} }}",
        (0..3)
            .map(|i| format!("a{i}: {step}"))
            .collect::<Vec<_>>()
            .join(" "),
        (0..3)
            .map(|i| format!("b{i}: {step}"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    let (_, body) = server
        .post_as(&learner, "/graphql", &json!({ "query": spread }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "TOO_MANY_MUTATIONS",
        "{body}"
    );
}

#[tokio::test]
async fn each_graphql_root_field_counts_against_the_rate_limit() {
    let server = learning_server(&["--rate-limit-general", "3"]).await;
    let reg = server.register("student").await;
    let learner = client_with_token(reg["access_token"].as_str().unwrap());

    let (status, body) = server
        .post_as(
            &learner,
            "/graphql",
            &json!({ "query": aliased("query", "mastery { overall }", 5) }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 2, "3 of 5 fields fit the limit: {body}");
    for error in &errors {
        assert_eq!(error["extensions"]["code"], "RATE_LIMITED", "{body}");
        assert_eq!(error["extensions"]["status"], 429, "{body}");
    }

    // The window is spent: a REST request of the same class is refused too.
    let r = learner
        .get(server.url("/api/v1/progress/mastery"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
}

/// Connects and sends `bytes`, leaving the connection open.
fn connect_and_send(server: &Server, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
    stream.write_all(bytes).unwrap();
    stream
}

/// Whether the server closed `stream` (EOF or reset) rather than leaving it hanging; the
/// read gives up after 30 s, far past any deadline the tests set.
fn closed_by_server(stream: &mut TcpStream) -> (bool, String) {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reply = Vec::new();
    let closed = match stream.read_to_end(&mut reply) {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    };
    (closed, String::from_utf8_lossy(&reply).into_owned())
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    let server = Server::start_with(&[plugins_dir()], &["--header-read-timeout-ms", "300"]).await;
    let mut slow = connect_and_send(&server, b"GET /health/live HTTP/1.1\r\nhost: x\r\nx-slow: ");
    let mut silent = connect_and_send(&server, b"");
    let (closed, reply) = tokio::task::spawn_blocking(move || closed_by_server(&mut slow))
        .await
        .unwrap();
    assert!(closed, "a half-sent head is dropped: {reply}");
    let (closed, reply) = tokio::task::spawn_blocking(move || closed_by_server(&mut silent))
        .await
        .unwrap();
    assert!(
        closed,
        "a connection that sends nothing is dropped: {reply}"
    );
    // Everyone else is served as before.
    let (status, _) = server.get("/health/live").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_body_that_trickles_in_is_refused_with_408() {
    let server = Server::start_with(&[plugins_dir()], &["--body-read-timeout-ms", "300"]).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST /api/v1/grade HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer {}\r\ncontent-length: 100\r\n\r\n{{\"question\":",
        server.token
    );
    let mut stream = connect_and_send(&server, head.as_bytes());
    let (closed, reply) = tokio::task::spawn_blocking(move || closed_by_server(&mut stream))
        .await
        .unwrap();
    assert!(closed, "{reply}");
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("\"REQUEST_TIMEOUT\""), "{reply}");
}

#[tokio::test]
async fn a_request_past_the_deadline_gets_503_with_the_error_body() {
    // fixture-loop spins until its own 500 ms deadline; the server's is shorter.
    let server = Server::start_with(
        &[crate::support::fixtures_dir()],
        &["--request-timeout-ms", "100"],
    )
    .await;
    let (status, body) = server.grade(crate::support::fixture_request("loop")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE", "{body}");
    assert!(!body["error"]["request_id"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn the_connection_cap_holds_and_frees_up() {
    let mut server = Server::start_with(
        &[plugins_dir()],
        &[
            "--max-connections",
            "2",
            "--header-read-timeout-ms",
            "60000",
        ],
    )
    .await;
    // The harness's kept-alive connections would count too: close them.
    server.http = reqwest::Client::new();
    server.anonymous = reqwest::Client::new();
    // Two clients that never finish a request fill the cap.
    let holders: Vec<TcpStream> = (0..2)
        .map(|_| connect_and_send(&server, b"GET /health/live HTTP/1.1\r\n"))
        .collect();
    let port: u16 = server.base.rsplit(':').next().unwrap().parse().unwrap();
    backlog_reaches(port, 0, "the server to take both holders").await;
    let probe = reqwest::Client::new();
    let url = server.url("/health/live");
    let answered = tokio::spawn(async move { probe.get(url).send().await.map(|r| r.status()) });
    // The cap holds: the third connection waits in the listen backlog, untaken. (A server
    // without the cap takes it at once, and it never shows there.)
    backlog_reaches(port, 1, "a third connection left waiting").await;
    assert!(
        !answered.is_finished(),
        "a third connection was served while two held the cap: {:?}",
        answered.await
    );
    drop(holders);
    let status = tokio::time::timeout(Duration::from_secs(30), answered)
        .await
        .expect("served once the holders left")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
}

/// Connections waiting to be taken (accepted) by the server listening on 127.0.0.1:`port`:
/// for a listening socket Linux reports its accept queue as `rx_queue` in /proc/net/tcp.
fn accept_backlog(port: u16) -> u32 {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("read /proc/net/tcp");
    let local = format!("0100007F:{port:04X}");
    table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.len() > 4 && f[1] == local && f[3] == "0A")
        .and_then(|f| f[4].split_once(':').map(|(_, rx)| rx.to_owned()))
        .and_then(|rx| u32::from_str_radix(&rx, 16).ok())
        .unwrap_or_else(|| panic!("nothing listens on 127.0.0.1:{port}"))
}

/// Waits until `n` connections wait in the backlog of the server on 127.0.0.1:`port`.
async fn backlog_reaches(port: u16, n: u32, what: &str) {
    eventually(
        what,
        Duration::from_secs(30),
        async || match accept_backlog(port) {
            waiting if waiting == n => Ok(()),
            waiting => Err(format!("{waiting} connections waiting")),
        },
    )
    .await;
}

/// A Redis of the test's own on a free port, so it can be stopped without touching the
/// shared one; killed on drop.
struct PrivateRedis {
    child: std::process::Child,
    url: String,
}

impl PrivateRedis {
    fn start() -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port)
    }

    fn start_on(port: u16) -> PrivateRedis {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed for this test");
        eventually_blocking("redis-server to listen", Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).map(drop)
        });
        PrivateRedis {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn without_its_store_the_limiter_shuts_sign_in_and_lets_the_rest_through() {
    let mut redis = PrivateRedis::start();
    let server = Server::start_with(&[plugins_dir()], &["--redis-url", &redis.url]).await;
    let reg = server.register("student").await;
    let learner = client_with_token(reg["access_token"].as_str().unwrap());
    let email = reg["email"].as_str().unwrap().to_owned();
    redis.stop();

    let login = json!({ "email": email, "password": crate::support::PASSWORD });
    let r = server
        .anonymous
        .post(server.url("/api/v1/auth/login"))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "sign-in fails closed");
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE", "{body}");
    assert!(!body["error"]["request_id"].as_str().unwrap().is_empty());

    // Everything else fails open: a signed-in learner keeps learning.
    let r = learner.get(server.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 200, "general routes fail open");

    // The health checks say so, without the store's error text.
    for path in ["/health", "/health/ready"] {
        let r = server.anonymous.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 503, "{path}");
        let text = r.text().await.unwrap();
        assert!(text.contains("\"down\""), "{path}: {text}");
        assert!(
            !text.contains("refused") && !text.contains("os error") && !text.contains("redis:"),
            "{path} leaks the error: {text}"
        );
    }

    // Redis back on its port: sign-in recovers by itself.
    let port: u16 = redis.url.rsplit(':').next().unwrap().parse().unwrap();
    let _redis = PrivateRedis::start_on(port);
    eventually("sign-in to recover", Duration::from_secs(30), async || {
        let r = server
            .anonymous
            .post(server.url("/api/v1/auth/login"))
            .json(&login)
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            200 => Ok(()),
            503 => Err(503),
            other => panic!("sign-in answered {other} while its store came back"),
        }
    })
    .await;
}

/// Signs in as `email` with `password`, as the client `forwarded_for` says (through the
/// trusted proxy the test is), and returns the status.
async fn login_from(server: &Server, forwarded_for: &str, email: &str, password: &str) -> u16 {
    server
        .anonymous
        .post(server.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn sign_in_limits_count_per_forwarded_client_per_64_and_per_account() {
    let server = Server::start_with(
        &[plugins_dir()],
        &[
            "--trusted-proxies",
            "127.0.0.1/32,::1",
            "--rate-limit-auth",
            "2",
            "--rate-limit-login-account",
            "3",
        ],
    )
    .await;
    let register = |ip: &'static str| {
        let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        let request = server
            .anonymous
            .post(server.url("/api/v1/auth/register"))
            .header("x-forwarded-for", ip)
            .json(
                &json!({ "email": email, "password": crate::support::PASSWORD,
                           "full_name": "Test Learner" }),
            );
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()
        }
    };
    let reg = register("198.51.100.200").await;
    let victim = reg["email"].as_str().unwrap().to_owned();
    let other = register("198.51.100.201").await["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = "Wrong-Password-123!";

    // Behind the proxy, each forwarded client has its own window (a fresh address each
    // attempt, so only the client's window fills).
    let mut n = 0;
    let mut attempt = |ip: &'static str| {
        n += 1;
        let email = format!("nobody{n}-{}", other);
        let server = &server;
        async move { login_from(server, ip, &email, wrong).await }
    };
    assert_eq!(attempt("198.51.100.1").await, 401);
    assert_eq!(attempt("198.51.100.1").await, 401);
    assert_eq!(attempt("198.51.100.1").await, 429);
    assert_eq!(attempt("198.51.100.2").await, 401, "another client");
    // A hop the client wrote itself, left of the real one, changes nothing.
    assert_eq!(attempt("203.0.113.50, 198.51.100.1").await, 429);

    // An IPv6 client is its /64: hopping addresses inside it does not reset the window.
    assert_eq!(attempt("2001:db8:1:2::1").await, 401);
    assert_eq!(attempt("2001:db8:1:2::2").await, 401);
    assert_eq!(attempt("2001:db8:1:2::3").await, 429);
    assert_eq!(attempt("2001:db8:1:3::1").await, 401);

    // One account, guessed at from many addresses: its own limit stops it.
    for (n, ip) in ["192.0.2.1", "192.0.2.2", "192.0.2.3"].iter().enumerate() {
        assert_eq!(
            login_from(&server, ip, &victim, wrong).await,
            401,
            "attempt {n}"
        );
    }
    let r = server
        .anonymous
        .post(server.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "192.0.2.4")
        .json(&json!({ "email": victim.to_uppercase(), "password": crate::support::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "the account's window is full");
    assert!(r.headers().contains_key("retry-after"));

    // Audit events name the forwarded client.
    let token = reg["access_token"].as_str().unwrap();
    let export = client_with_token(token)
        .get(server.url("/api/v1/me/export"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(export.contains("192.0.2.1"), "{export}");
}

#[tokio::test]
async fn password_hashing_is_bounded_and_the_excess_waits_outside() {
    let server = Server::start_with(
        &[plugins_dir()],
        &[
            "--password-hash-concurrency",
            "1",
            "--password-hash-queue",
            "0",
            "--rate-limit-login-account",
            "1000",
        ],
    )
    .await;
    let email = server.register("student").await["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let attempts = (0..12).map(|_| {
        let http = server.anonymous.clone();
        let url = server.url("/api/v1/auth/login");
        let body = json!({ "email": email, "password": "Wrong-Password-123!" });
        async move {
            let r = http.post(url).json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            let retry = r.headers().get("retry-after").cloned();
            (status, retry, r.json::<Value>().await.unwrap())
        }
    });
    let replies = futures::future::join_all(attempts).await;
    let busy: Vec<_> = replies.iter().filter(|(s, ..)| *s == 503).collect();
    assert!(
        !busy.is_empty(),
        "one hash at a time, none waiting: {replies:?}"
    );
    for (_, retry, body) in &busy {
        assert!(retry.is_some(), "{body}");
        assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE", "{body}");
    }
    assert!(
        replies.iter().all(|(s, ..)| *s == 503 || *s == 401),
        "{replies:?}"
    );
}

/// Runs `sql` on the Postgres database at `url`.
fn psql(url: &str, sql: &str) {
    let out = std::process::Command::new("psql")
        .args([url, "-q", "-c", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn database_errors_are_not_shown_to_the_client() {
    if !crate::support::backends().contains(&crate::support::Backend::Shared) {
        return;
    }
    let server = Server::start_on(
        crate::support::Backend::Shared,
        &learning_plugins(),
        &["--content-dir", repo().join("content").to_str().unwrap()],
    )
    .await;
    let reg = server.register("student").await;
    let learner = client_with_token(reg["access_token"].as_str().unwrap());
    psql(
        &server.database_url,
        "ALTER TABLE profiles RENAME TO profiles_gone",
    );
    psql(
        &server.database_url,
        "ALTER TABLE lesson_progress RENAME TO lesson_progress_gone",
    );

    let r = learner
        .get(server.url("/api/v1/me"))
        .header("x-request-id", "leak-check-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let body: Value = r.json().await.unwrap();
    let error = &body["error"];
    assert_eq!(error["code"], "INTERNAL_ERROR", "{body}");
    assert_eq!(error["request_id"], "leak-check-1", "{body}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("leak-check-1"),
        "quotes the request id: {body}"
    );
    for secret in ["profiles", "relation", "database", "sql"] {
        assert!(
            !message.to_lowercase().contains(secret),
            "`{secret}` leaked: {body}"
        );
    }

    let (status, body) = server
        .post_as(
            &learner,
            "/graphql",
            &json!({ "query": "{ mastery { overall } }" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL_ERROR", "{body}");
    let message = error["message"].as_str().unwrap().to_lowercase();
    assert!(
        !message.contains("lesson_progress") && !message.contains("relation"),
        "{body}"
    );
}

#[tokio::test]
async fn badge_links_never_come_from_the_host_header() {
    let pack = tempfile::tempdir().unwrap();
    crate::learning::write_pack(pack.path());
    let server = Server::start_with(
        &learning_plugins(),
        &["--content-dir", pack.path().to_str().unwrap()],
    )
    .await;
    let reg = server.register("student").await;
    let learner = client_with_token(reg["access_token"].as_str().unwrap());
    let post = |path: &str, body: Value| {
        learner
            .post(server.url(path))
            .header("host", "evil.example")
            .header("x-forwarded-proto", "https")
            .json(&body)
            .send()
    };
    assert_eq!(
        post("/api/v1/steps/c.read/complete", json!({}))
            .await
            .unwrap()
            .status(),
        200
    );
    for step in ["c.q1", "c.q2", "c.q3"] {
        let r = post(
            &format!("/api/v1/steps/{step}/quiz"),
            json!({ "answers": { "value": true } }),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
    }

    let link: Value = post("/api/v1/tracks/quick/badge/share", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/badges/", server.base)),
        "without --public-url the listen address: {link}"
    );
    let graphql: Value = post(
        "/graphql",
        json!({ "query": "mutation { shareBadge(trackId: \"quick\") { url } }" }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let gql_url = graphql["data"]["shareBadge"]["url"].as_str().unwrap();
    assert!(gql_url.starts_with(&server.base), "{graphql}");

    let page = reqwest::Client::new()
        .get(url)
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("og:title"), "{page}");
    assert!(!page.contains("evil.example"), "{page}");
}

#[test]
fn the_test_clock_refuses_any_address_but_loopback() {
    let data = tempfile::tempdir().unwrap();
    let mut child = crate::support::binary()
        .args(["serve", "--addr", "0.0.0.0:0", "--learning-test-clock"])
        .arg("--data-dir")
        .arg(data.path())
        .arg("--plugins-dir")
        .arg(data.path())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let exited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        eventually_blocking("serve to refuse to start", Duration::from_secs(60), || {
            child.try_wait().unwrap().ok_or("still running")
        })
    }));
    let Ok(status) = exited else {
        let _ = child.kill();
        panic!("serve started with the test clock on 0.0.0.0");
    };
    assert!(!status.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("--learning-test-clock") && stderr.contains("loopback"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_docs_and_graphiql_load_only_from_this_server_under_a_strict_policy() {
    let server = Server::start(&[plugins_dir()]).await;
    for (page, marker) in [("/docs", "SwaggerUIBundle"), ("/graphql", "GraphiQL")] {
        let r = server.anonymous.get(server.url(page)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("script-src 'self'"), "{page}: {csp}");
        assert!(
            !csp.contains("unsafe-eval") && !csp.contains("http"),
            "{page}: {csp}"
        );
        let html = r.text().await.unwrap();
        assert!(!html.contains("//"), "{page} names another origin: {html}");
        assert!(
            !html.contains("<script>"),
            "{page} has an inline script: {html}"
        );
        let mut assets: Vec<&str> = html
            .split(['"', '\''])
            .filter(|s| s.starts_with("/assets/"))
            .collect();
        assets.sort_unstable();
        assert!(assets.len() >= 2, "{page}: {html}");
        let mut bodies = String::new();
        for asset in assets {
            let r = server
                .anonymous
                .get(server.url(asset))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{asset}");
            let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(
                kind.starts_with("text/javascript") || kind.starts_with("text/css"),
                "{asset}: {kind}"
            );
            bodies.push_str(&r.text().await.unwrap());
        }
        assert!(bodies.contains(marker), "{page}'s scripts define {marker}");
    }
    let (status, body) = server.get("/assets/nothing-here.js").await;
    assert_eq!(status, 404, "{body}");
}
