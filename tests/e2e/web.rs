//! The web app in a real browser: Playwright (web/e2e/*.spec.ts) driving Debian's Chromium
//! against the real binary on SQLite, with the shipped plugins and the starter pack, as
//! `./dev serve` runs it. One test per spec file; each starts its own server.
//!
//! Needs `/usr/bin/chromium` (or `TESSERA_CHROMIUM`), `web/node_modules` and `web/dist`
//! (`./dev test` installs and builds them). Without them the tests say so and pass, except
//! under CI=true, where they fail.

use std::path::PathBuf;
use std::process::Command;

use reqwest::header;

use serde_json::json;

use crate::support::{PASSWORD, Server, ci, create_user, plugins_dir, repo, tessera, unique};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};

fn web() -> PathBuf {
    repo().join("web")
}

fn chromium() -> PathBuf {
    std::env::var_os("TESSERA_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Whether the browser suite can run here; under CI it must.
fn browser_ready() -> bool {
    let missing: Vec<String> = [
        (chromium(), "Chromium (apt-get install chromium)"),
        (
            web().join("node_modules/@playwright/test"),
            "web/node_modules (cd web && npm ci)",
        ),
        (web().join("dist/index.html"), "web/dist (./dev build)"),
    ]
    .into_iter()
    .filter(|(path, _)| !path.exists())
    .map(|(_, what)| what.to_owned())
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !ci(),
        "the browser tests must run under CI, but these are missing: {}",
        missing.join(", ")
    );
    eprintln!(
        "NOTE: browser test skipped (missing: {}); ./dev test provides them",
        missing.join(", ")
    );
    false
}

/// Whether `web/dist` is built (under CI it must be).
fn app_built() -> bool {
    if web().join("dist/index.html").exists() {
        return true;
    }
    assert!(!ci(), "web/dist is missing under CI: ./dev test builds it");
    eprintln!("NOTE: web app test skipped: web/dist is not built (./dev build)");
    false
}

/// Every shipped plugin, as `./dev serve` loads them.
fn shipped_plugins() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(plugins_dir())
        .expect("read plugins/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("plugin.toml").exists())
        .collect();
    dirs.sort();
    dirs
}

async fn app_server() -> Server {
    app_server_with(shipped_plugins()).await
}

async fn app_server_with(plugins: Vec<PathBuf>) -> Server {
    let content = repo().join("content");
    Server::start_with(
        &plugins,
        &["--content-dir", content.to_str().expect("UTF-8 path")],
    )
    .await
}

/// Runs one spec file against `server`; its output is shown when it fails. Screenshots go
/// to docs/screenshots with TESSERA_UPDATE_SCREENSHOTS=1, else to a scratch folder (taken
/// either way, so the code that takes them is exercised).
async fn playwright(server: &Server, spec: &str, env: &[(&str, String)]) {
    let screenshots = if std::env::var_os("TESSERA_UPDATE_SCREENSHOTS").is_some() {
        repo().join("docs/screenshots")
    } else {
        std::env::temp_dir().join(unique("tessera-screenshots"))
    };
    let out = std::env::temp_dir().join(unique("tessera-playwright"));
    let mut command = Command::new("npx");
    command
        .current_dir(web())
        .args(["playwright", "test", spec])
        .env("TESSERA_URL", &server.base)
        .env("TESSERA_SCREENSHOTS", &screenshots)
        .env("TESSERA_PLAYWRIGHT_OUT", &out)
        .env("TESSERA_CHROMIUM", chromium())
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run npx playwright");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "playwright {spec} failed (artifacts in {}):\n{text}",
        out.display()
    );
    eprintln!("{text}");
}

/// Staff accounts for a spec: created with the CLI (no one can sign up as an admin).
fn staff(server: &Server, role: &str) -> Vec<(&'static str, String)> {
    let email = format!("{}@example.com", unique(role));
    create_user(&server.database_url, &email, role);
    let key = match role {
        "admin" => "TESSERA_ADMIN_EMAIL",
        _ => "TESSERA_SUPER_ADMIN_EMAIL",
    };
    vec![
        (key, email),
        ("TESSERA_STAFF_PASSWORD", PASSWORD.to_owned()),
    ]
}

#[tokio::test]
async fn a_new_learners_first_day_in_chromium() {
    if !browser_ready() {
        return;
    }
    let server = app_server().await;
    playwright(&server, "e2e/first-day.spec.ts", &[]).await;
}

#[tokio::test]
async fn a_teacher_sees_a_struggle_alert_live_in_chromium() {
    if !browser_ready() {
        return;
    }
    let server = app_server().await;
    playwright(&server, "e2e/teacher.spec.ts", &[]).await;
}

#[tokio::test]
async fn an_admin_reads_the_ai_spend_and_reloads_plugins_in_chromium() {
    if !browser_ready() {
        return;
    }
    // The shipped plugins, but a gateway routing first to provider `flaky` (an OpenAI
    // double answering 503), whose breaker opens on its first failure: the super admin
    // sees it open, while the offline model answers.
    let flaky = Upstream::start(Behaviour::Fail(503)).await;
    let gateway = gateway_with(
        &[provider("flaky", Wire::OpenAi, flaky.port, &["gpt-flaky"])],
        &[
            (
                "routes",
                json!({ "default": ["gpt-flaky", "tessera-offline"] }),
            ),
            ("retry", json!({ "max_attempts": 1 })),
            ("breaker", json!({ "failures": 1, "open_ms": 600000 })),
        ],
    );
    let mut plugins: Vec<PathBuf> = shipped_plugins()
        .into_iter()
        .filter(|p| !p.ends_with("ai-gateway"))
        .collect();
    plugins.push(gateway.path().to_owned());
    let server = app_server_with(plugins).await;
    let mut env = staff(&server, "admin");
    env.extend(staff(&server, "super_admin"));
    playwright(&server, "e2e/admin.spec.ts", &env).await;
    assert_eq!(flaky.hits(), 1, "an open breaker let a request through");
}

#[tokio::test]
async fn the_lesson_opens_offline_in_chromium() {
    if !browser_ready() {
        return;
    }
    let server = app_server().await;
    playwright(&server, "e2e/offline.spec.ts", &[]).await;
}

#[tokio::test]
async fn every_screen_at_phone_and_desktop_size_in_chromium() {
    if !browser_ready() {
        return;
    }
    let server = app_server().await;
    let mut env = staff(&server, "admin");
    env.extend(staff(&server, "super_admin"));
    playwright(&server, "e2e/screens.spec.ts", &env).await;
}

/// The app's files and pages: `/` and client routes get `index.html` (no-cache, the
/// policy), hashed files are immutable, an unchanged file is a 304, and API paths keep
/// their JSON 404; a missing script is a 404, never the page.
#[tokio::test]
async fn the_app_is_served_with_its_caching_and_policy() {
    if !app_built() {
        return;
    }
    let server = Server::start(&[plugins_dir().join("quiz-grader")]).await;
    let client = &server.anonymous;
    for path in ["/", "/learn", "/console/ai", "/learn/progress?x=1"] {
        let r = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let headers = r.headers().clone();
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{path}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let page = r.text().await.unwrap();
        assert!(page.contains("<div id=\"root\">"), "{path}: {page}");
    }
    // The page's own script: hashed, cached for good, revalidated by ETag.
    let page = client
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let script = page
        .split('"')
        .find(|s| s.starts_with("/app/") && s.ends_with(".js"))
        .unwrap_or_else(|| panic!("no /app/*.js in the page: {page}"))
        .to_owned();
    let r = client.get(server.url(&script)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(
        r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let etag = r.headers()[header::ETAG].clone();
    let again = client
        .get(server.url(&script))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // Compressed at build time: Brotli when the browser takes it, else gzip, else plain.
    let plain = client
        .get(server.url(&script))
        .header(header::ACCEPT_ENCODING, "identity")
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    for (accept, coding) in [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
    ] {
        let r = client
            .get(server.url(&script))
            .header(header::ACCEPT_ENCODING, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()[header::CONTENT_ENCODING], coding, "{accept}");
        assert_eq!(r.headers()[header::VARY], "accept-encoding");
        let len = r.bytes().await.unwrap().len();
        assert!(len * 2 < plain_len, "{accept}: {len} bytes of {plain_len}");
    }
    // The service worker and the manifest are never cached stale.
    for path in ["/sw.js", "/manifest.webmanifest"] {
        let r = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
    }
    // Not the page: a missing script, API paths, other methods.
    for path in [
        "/app/missing-0000.js",
        "/api/v1/nope",
        "/v1/nope",
        "/health/nope",
        "/favicon.ico",
    ] {
        let r = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        assert_eq!(body["error"]["code"], "NOT_FOUND", "{path}: {body}");
    }
    let r = client.post(server.url("/learn")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // No CORS unless asked: another origin's page gets no permission.
    let r = client
        .get(server.url("/health/live"))
        .header(header::ORIGIN, "https://elsewhere.example")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

/// `--cors-origins`: a listed origin's preflight and request are allowed, another's not;
/// a value that is not an origin is refused at start naming it.
#[tokio::test]
async fn cors_is_off_unless_origins_are_listed() {
    let server = Server::start_with(
        &[plugins_dir().join("quiz-grader")],
        &[
            "--cors-origins",
            "http://localhost:5173,https://app.example.com",
        ],
    )
    .await;
    let preflight = |origin: &'static str| {
        server
            .anonymous
            .request(reqwest::Method::OPTIONS, server.url("/api/v1/me"))
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://localhost:5173"
    );
    let methods = allowed.headers()[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("PATCH"), "{methods}");
    assert!(
        allowed
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
            .is_none()
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    // The real request carries the header and exposes the request id.
    let r = server
        .http
        .get(server.url("/api/v1/me"))
        .header(header::ORIGIN, "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://app.example.com"
    );
    let exposed = r.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(exposed.contains("x-request-id"), "{exposed}");

    for bad in [
        "localhost:5173",
        "https://app.example.com/",
        "ftp://x.example",
    ] {
        let (ok, _, stderr) = tessera(&["serve", "--cors-origins", bad]);
        assert!(!ok, "{bad} accepted");
        assert!(
            stderr.contains("--cors-origins") && stderr.contains("is not an origin"),
            "{bad}: {stderr}"
        );
    }
}

#[tokio::test]
async fn the_tutor_chat_climbs_the_hint_ladder_in_chromium() {
    if !browser_ready() {
        return;
    }
    let server = app_server().await;
    playwright(&server, "e2e/tutor.spec.ts", &[]).await;
}

#[tokio::test]
async fn the_tutorial_overlay_runs_an_experiment_in_chromium() {
    if !browser_ready() {
        return;
    }
    let server = app_server().await;
    let env = staff(&server, "admin");
    playwright(&server, "e2e/tutorial.spec.ts", &env).await;
}
