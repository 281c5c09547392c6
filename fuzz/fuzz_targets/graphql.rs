//! `POST /graphql` through the real router (SQLite, the shipped plugins and content), as a
//! signed-in student: the input is a GraphQL document, optionally followed by a line `---`
//! and its variables as JSON (an input starting with `{` is sent as the raw body). This
//! runs async-graphql's request and query parsers, validation, the depth and complexity
//! limits, and the host's resolvers with their JSON inputs (quiz answers, project
//! payloads). Any input gets an answer below 500, never a panic.
#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use clap::Parser;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Target {
    runtime: tokio::runtime::Runtime,
    router: Router,
    token: String,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let (router, token) = runtime.block_on(start());
        Target {
            runtime,
            router,
            token,
        }
    })
}

/// The router over a fresh database, with the repository's plugins and content.
async fn start() -> (Router, String) {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let work = std::env::temp_dir().join(format!("tessera-fuzz-graphql-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    // The compile cache outlives the run, so later runs start in a second.
    let data = std::env::var("TESSERA_FUZZ_DATA_DIR").unwrap_or_else(|_| {
        std::env::temp_dir()
            .join("tessera-fuzz-data")
            .display()
            .to_string()
    });
    let p = |s: &str| repo.join(s).display().to_string();
    let cli = tessera::cli::Cli::try_parse_from([
        "tessera",
        "serve",
        "--data-dir",
        &data,
        "--database-url",
        &format!("sqlite://{}/tessera.db?mode=rwc", work.display()),
        "--jwt-secret",
        "fuzz-secret-fuzz-secret-fuzz-secret-0123",
        "--plugins-dir",
        &p("plugins"),
        "--content-dir",
        &p("content"),
        "--rate-limit-general",
        "1000000000",
        "--rate-limit-ai",
        "1000000000",
        "--rate-limit-auth",
        "1000000000",
        // The fuzz build instruments every crate, the embeddings model's kernels too, where
        // one sentence then takes seconds: a `switchTone` (a lesson rewritten step by step
        // through the safety gate) outlived libFuzzer's 20 s per input on CI. What this
        // target fuzzes (GraphQL documents, the resolvers' JSON) never reaches the meaning
        // stage as structure; the stage has its own tests (safety::semantic, e2e safety).
        "--semantic-safety",
        "off",
    ])
    .expect("serve flags");
    let tessera::cli::Command::Serve(args) = cli.command else {
        unreachable!("parsed `serve`")
    };
    std::fs::create_dir_all(&work).expect("a work folder");
    let state = tessera::cli::serve::app_state(&args, "http://localhost".into())
        .await
        .expect("the API state");
    let report = state.registry.reload().await;
    assert!(
        report.failures.is_empty(),
        "plugins failed to load: {:?}",
        report
            .failures
            .iter()
            .map(|f| &f.reason)
            .collect::<Vec<_>>()
    );
    state
        .started
        .store(true, std::sync::atomic::Ordering::Release);
    let router = tessera::api::router(state);
    let body = json!({"email": "fuzz@example.com", "password": "Correct-Horse-7-Battery", "full_name": "Fuzz"});
    let response = router
        .clone()
        .oneshot(
            Request::post("/api/v1/auth/register")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .expect("a request"),
        )
        .await
        .expect("an answer");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    let registered: Value = serde_json::from_slice(&bytes).expect("JSON");
    let token = registered["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    (router, token)
}

fuzz_target!(
    // Start-up (migrations, content import, compiling the plugins on a cold cache) runs
    // before the inputs, outside libFuzzer's per-input timeout.
    init: {
        target();
    },
    |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The query parser alone, as every request meets it first.
    let _ = async_graphql::parser::parse_query(text);
    let body = if text.starts_with('{') {
        text.to_owned()
    } else {
        let (query, variables) = text.split_once("\n---\n").unwrap_or((text, ""));
        let variables = serde_json::from_str::<Value>(variables).unwrap_or(Value::Null);
        json!({"query": query, "variables": variables}).to_string()
    };
    let t = target();
    let status = t.runtime.block_on(async {
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", t.token))
            .body(Body::from(body))
            .expect("a request");
        let response = t.router.clone().oneshot(request).await.expect("an answer");
        let status = response.status();
        let _ = axum::body::to_bytes(response.into_body(), 1 << 24).await;
        status
    });
    assert!(status.as_u16() < 500, "POST /graphql answered {status}");
    }
);
