//! The plugin registry over HTTP, on both databases: a version published (multipart or a
//! `.tar.gz` of the folder, or `tessera plugin publish`), served to its canary share of
//! users (sticky per user), promoted and rolled back, every change audited; a failing
//! canary rolled back by itself; bad uploads refused with the field named and nothing
//! changed; a second replica serving a change made on the first.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    Backend, PASSWORD, Server, backends, binary, client_with_token, component, create_user,
    eventually, plugins_dir, unique,
};

/// Far past the registry's 2 s poll and the canary guard's 2 s look: only a broken
/// watcher or guard reaches it.
const WAIT: Duration = Duration::from_secs(30);

/// The shipped quiz grader's manifest at `version` (the same component).
fn quiz_manifest(version: &str) -> String {
    format!(
        "id = \"quiz-grader\"\nversion = \"{version}\"\ncontract = \"0.1.0\"\n\
         world = \"grader-plugin\"\ncomponent = \"quiz_grader.wasm\"\n\
         description = \"the quiz grader, published\"\n\
         [routing]\nkinds = [\"multiple_choice\", \"true_false\"]\n"
    )
}

fn wasm(file: &str) -> Vec<u8> {
    std::fs::read(component(file)).unwrap_or_else(|e| panic!("{file}: {e} (./dev test builds it)"))
}

/// POSTs a multipart upload as `client`.
async fn upload(
    server: &Server,
    client: &reqwest::Client,
    manifest: &str,
    bytes: Vec<u8>,
    canary: u8,
) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("manifest", manifest.to_owned())
        .part(
            "component",
            reqwest::multipart::Part::bytes(bytes).file_name("plugin.wasm"),
        );
    let r = client
        .post(server.url(&format!("/api/v1/plugins?canary_percent={canary}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A true/false question graded for `learner`: the version of the grader that answered.
async fn grader_version(server: &Server, learner: &reqwest::Client) -> String {
    let (status, reply) = server
        .post_as(
            learner,
            "/api/v1/grade",
            &json!({"question": {"kind": "true_false", "prompt": "2 + 2 = 4",
                                 "answer_key": {"correct": true}},
                    "answer": {"value": true}}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    reply["grader"]["version"].as_str().unwrap().to_owned()
}

async fn learners(server: &Server, n: usize) -> Vec<reqwest::Client> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let reg = server.register("student").await;
        out.push(client_with_token(reg["access_token"].as_str().unwrap()));
    }
    out
}

/// POSTs `body` to quiz-grader's rollout route `action` (`promote`, `rollback`, `canary`)
/// as the super admin.
async fn rollout(server: &Server, action: &str, body: Value) -> (u16, Value) {
    server
        .post_as(
            &server.http,
            &format!("/api/v1/plugins/quiz-grader/{action}"),
            &body,
        )
        .await
}

async fn versions(server: &Server) -> Value {
    let (status, body) = server
        .get_as(&server.http, "/api/v1/plugins/quiz-grader/versions")
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_version_is_published_canaried_promoted_and_rolled_back() {
    for backend in backends() {
        let server = Server::start_on(backend, &[plugins_dir().join("quiz-grader")], &[]).await;
        let people = learners(&server, 24).await;
        for p in &people {
            assert_eq!(grader_version(&server, p).await, "0.1.0");
        }

        // 0.2.0 as the canary for half the users: each user sticks to one version.
        let (status, body) = upload(
            &server,
            &server.http,
            &quiz_manifest("0.2.0"),
            wasm("quiz_grader.wasm"),
            50,
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        assert_eq!(
            (
                &body["rollout"]["canary_version"],
                &body["rollout"]["canary_percent"]
            ),
            (&json!("0.2.0"), &json!(50)),
            "{body}"
        );
        assert_eq!(body["rollout"]["stable_version"], Value::Null, "{body}");
        let mut seen = Vec::new();
        for p in &people {
            let first = grader_version(&server, p).await;
            assert_eq!(
                grader_version(&server, p).await,
                first,
                "a user changed version"
            );
            seen.push(first);
        }
        let on_canary = seen.iter().filter(|v| *v == "0.2.0").count();
        assert!(
            (1..people.len()).contains(&on_canary),
            "{backend:?}: {on_canary} of {} users on the canary",
            people.len()
        );
        let listed = versions(&server).await;
        let roles: Vec<(String, String)> = listed["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["version"].as_str().unwrap().to_owned(),
                    v["role"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            roles,
            [
                ("0.2.0".into(), "canary".into()),
                ("0.1.0".into(), "stable".into())
            ],
            "{listed}"
        );
        let canary_calls = listed["versions"][0]["calls"]["calls"].as_u64().unwrap();
        assert!(canary_calls as usize >= on_canary * 2, "{listed}");

        // The same version again: immutable.
        let (status, body) = upload(
            &server,
            &server.http,
            &quiz_manifest("0.2.0"),
            wasm("quiz_grader.wasm"),
            0,
        )
        .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (409, &json!("manifest.version")),
            "{body}"
        );

        // Promote: everyone on 0.2.0; roll back: everyone on the folder's 0.1.0 again.
        let (status, body) = rollout(&server, "promote", json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            (&body["stable_version"], &body["canary_version"]),
            (&json!("0.2.0"), &Value::Null)
        );
        for p in &people {
            assert_eq!(grader_version(&server, p).await, "0.2.0");
        }
        let (status, body) = rollout(&server, "promote", json!({})).await;
        assert_eq!(status, 409, "nothing to promote: {body}");
        let (status, body) = rollout(&server, "rollback", json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["stable_version"], Value::Null, "{body}");
        for p in &people {
            assert_eq!(grader_version(&server, p).await, "0.1.0");
        }
        let (status, body) = rollout(&server, "rollback", json!({})).await;
        assert_eq!(status, 409, "nothing left to roll back: {body}");

        // A stored version serves again as a canary; 0 % keeps it, serving nobody.
        let (status, body) =
            rollout(&server, "canary", json!({"version": "0.2.0", "percent": 0})).await;
        assert_eq!(
            (status, &body["canary_percent"]),
            (200, &json!(0)),
            "{body}"
        );
        for p in &people {
            assert_eq!(grader_version(&server, p).await, "0.1.0");
        }
        let (status, body) =
            rollout(&server, "canary", json!({"version": "9.9.9", "percent": 5})).await;
        assert_eq!(status, 404, "{body}");
        let (status, body) = rollout(
            &server,
            "canary",
            json!({"version": "0.2.0", "percent": 101}),
        )
        .await;
        assert_eq!(
            (status, &body["error"]["details"]["field"]),
            (422, &json!("canary_percent")),
            "{body}"
        );

        // Every change is in the audit log, with who made it.
        let (_, me) = server.get_as(&server.http, "/api/v1/me").await;
        let (_, export) = server.get_as(&server.http, "/api/v1/me/export").await;
        let kinds: Vec<&str> = export["audit_events"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["kind"].as_str())
            .filter(|k| k.starts_with("plugin."))
            .collect();
        assert_eq!(
            kinds,
            [
                "plugin.uploaded",
                "plugin.promoted",
                "plugin.rolled_back",
                "plugin.canary_set"
            ],
            "{backend:?}: audit of {}",
            me["id"]
        );

        // Only super admins.
        let learner = &people[0];
        let (status, _) = upload(
            &server,
            learner,
            &quiz_manifest("0.3.0"),
            wasm("quiz_grader.wasm"),
            0,
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = server
            .get_as(learner, "/api/v1/plugins/quiz-grader/versions")
            .await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn a_failing_canary_is_rolled_back_by_itself() {
    for backend in backends() {
        let empty = tempfile::tempdir().unwrap();
        let server = Server::start_on(
            backend,
            &[empty.path().to_owned()],
            &[
                "--plugin-canary-min-calls",
                "5",
                "--plugin-canary-margin",
                "10",
            ],
        )
        .await;
        // A new plugin goes live at once. Both versions are the stateful fixture's kind
        // `flaky` and pass the conformance kit; 1.1.0 panics on answers containing its
        // `panic_on` value, which the kit never sends and the learners below do.
        let stable = "id = \"canary-demo\"\nversion = \"1.0.0\"\ncontract = \"0.1.0\"\n\
                      world = \"grader-plugin\"\ncomponent = \"x.wasm\"\n\
                      [grants]\nkeyvalue = true\n[grants.config]\ngreeting = \"hi\"\n\
                      [routing]\nkinds = [\"flaky\"]\n";
        let (status, body) = upload(
            &server,
            &server.http,
            stable,
            wasm("stateful_grader.wasm"),
            0,
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["rollout"]["stable_version"], "1.0.0", "{body}");
        let canary = stable
            .replace("1.0.0", "1.1.0")
            .replace("greeting = \"hi\"", "panic_on = \"crash\"");
        let (status, body) = upload(
            &server,
            &server.http,
            &canary,
            wasm("stateful_grader.wasm"),
            50,
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let people = learners(&server, 16).await;
        let question = json!({"question": {"kind": "flaky", "prompt": "p", "answer_key": {}},
                              "answer": {"text": "crash"}});
        let mut failed = 0;
        for _ in 0..3 {
            for p in &people {
                let (status, _) = server.post_as(p, "/api/v1/grade", &question).await;
                failed += usize::from(status == 502);
            }
        }
        assert!(failed > 0, "{backend:?}: nobody reached the failing canary");
        // The guard sees the canary fail far more than the stable version and drops it.
        eventually("the failing canary to be rolled back", WAIT, async || {
            let (_, v) = server
                .get_as(&server.http, "/api/v1/plugins/canary-demo/versions")
                .await;
            match &v["rollout"]["canary_version"] {
                Value::Null => Ok(()),
                other => Err(format!("canary still {other}")),
            }
        })
        .await;
        for p in &people {
            let (status, reply) = server.post_as(p, "/api/v1/grade", &question).await;
            assert_eq!(status, 200, "{backend:?}: {reply}");
        }
    }
}

#[tokio::test]
async fn bad_uploads_are_refused_naming_the_field_and_nothing_changes() {
    let server = Server::start(&[plugins_dir().join("quiz-grader")]).await;
    let quiz = || wasm("quiz_grader.wasm");
    let cases: Vec<(String, Vec<u8>, u16, &str)> = vec![
        // A world the component does not implement.
        (
            quiz_manifest("0.2.0").replace("grader-plugin", "agent-plugin"),
            quiz(),
            422,
            "manifest.world",
        ),
        // Truncated: not a whole component.
        (
            quiz_manifest("0.2.1"),
            quiz()[..4096].to_vec(),
            422,
            "component",
        ),
        // Not wasm at all.
        (
            quiz_manifest("0.2.2"),
            b"MZ\x90\x00 not wasm".to_vec(),
            422,
            "component",
        ),
        // An import the manifest does not grant (the sneaky grader asks for `llm`).
        (
            quiz_manifest("0.2.3").replace("quiz-grader", "sneaky"),
            wasm("sneaky_grader.wasm"),
            422,
            "component",
        ),
        // Network access the operator does not give uploads.
        (
            format!(
                "{}[grants]\noutbound_hosts = [\"example.com\"]\n",
                quiz_manifest("0.2.4")
            )
            .replace(
                "[routing]\nkinds = [\"multiple_choice\", \"true_false\"]\n",
                "",
            ) + "[routing]\nkinds = [\"multiple_choice\"]\n",
            quiz(),
            422,
            "manifest.grants.outbound_hosts",
        ),
        // Not a manifest.
        ("id = 3".into(), quiz(), 422, "manifest"),
        // Loads, but fails the grader kit: it grades an answer that is not JSON.
        (
            quiz_manifest("0.2.5")
                .replace("quiz-grader", "careless")
                .replace("[\"multiple_choice\", \"true_false\"]", "[\"ok\"]"),
            wasm("misbehaving_grader.wasm"),
            422,
            "component",
        ),
    ];
    for (manifest, bytes, status, field) in cases {
        let (got, body) = upload(&server, &server.http, &manifest, bytes, 10).await;
        assert_eq!(
            (got, body["error"]["details"]["field"].as_str()),
            (status, Some(field)),
            "{manifest}: {body}"
        );
        assert!(!body["error"]["message"].as_str().unwrap_or("").is_empty());
        if manifest.contains("careless") {
            assert_eq!(body["error"]["code"], "CONFORMANCE_FAILED", "{body}");
            let failed = body["error"]["details"]["failures"].to_string();
            assert!(
                failed.contains("ok: an answer that is not JSON is invalid-input"),
                "the failing case is named: {body}"
            );
        }
    }
    // Over the size limit: refused before it is read.
    let r = server
        .http
        .post(server.url("/api/v1/plugins"))
        .header("content-type", "application/gzip")
        .header("content-length", (200u64 << 20).to_string())
        .body(vec![0u8; 1024])
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status().as_u16(), 413);
    }
    // Neither multipart nor gzip.
    let (status, body) = server
        .post_as(&server.http, "/api/v1/plugins", &json!({"manifest": "x"}))
        .await;
    assert_eq!(status, 415, "{body}");
    // A part missing.
    let form = reqwest::multipart::Form::new().text("manifest", quiz_manifest("0.3.0"));
    let r = server
        .http
        .post(server.url("/api/v1/plugins"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"]["field"], "component", "{body}");

    // Nothing changed: no version stored, the folder's version serves.
    let listed = versions(&server).await;
    assert_eq!(listed["rollout"], Value::Null, "{listed}");
    assert_eq!(listed["versions"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(grader_version(&server, &server.http).await, "0.1.0");
}

#[tokio::test]
async fn a_plugin_folder_is_published_as_an_archive_and_from_the_command_line() {
    let server = Server::start(&[plugins_dir().join("quiz-grader")]).await;
    // The folder as .tar.gz: plugin.toml and the component it names, in one top folder.
    let mut archive = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, bytes) in [
        ("quiz/plugin.toml", quiz_manifest("0.4.0").into_bytes()),
        ("quiz/quiz_grader.wasm", wasm("quiz_grader.wasm")),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        archive
            .append_data(&mut header, path, bytes.as_slice())
            .unwrap();
    }
    let gz = archive.into_inner().unwrap().finish().unwrap();
    let r = server
        .http
        .post(server.url("/api/v1/plugins?canary_percent=100"))
        .header("content-type", "application/gzip")
        .body(gz)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    assert_eq!(grader_version(&server, &server.http).await, "0.4.0");
    // An archive without a manifest.
    let r = server
        .http
        .post(server.url("/api/v1/plugins"))
        .header("content-type", "application/gzip")
        .body(b"not gzip".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"]["field"], "archive", "{body}");

    // `tessera plugin publish`, signing in as a super admin.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plugin.toml"), quiz_manifest("0.5.0")).unwrap();
    std::fs::copy(
        component("quiz_grader.wasm"),
        dir.path().join("quiz_grader.wasm"),
    )
    .unwrap();
    let email = format!("{}@example.com", unique("publisher"));
    create_user(&server.database_url, &email, "super_admin");
    let out = binary()
        .args(["plugin", "publish"])
        .arg(dir.path())
        .args([
            "--server",
            &server.base,
            "--email",
            &email,
            "--canary-percent",
            "100",
        ])
        .env("TESSERA_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("published quiz-grader 0.5.0") && stdout.contains("canary for 100 %"),
        "{stdout}"
    );
    assert_eq!(grader_version(&server, &server.http).await, "0.5.0");
    // A refusal is the server's message, and a failing exit.
    let out = binary()
        .args(["plugin", "publish"])
        .arg(dir.path())
        .args(["--server", &server.base, "--email", &email])
        .env("TESSERA_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("already published"), "{stderr}");
}

/// A change made through one replica is served by the other (Redis announces it; the
/// poll would catch it otherwise).
#[tokio::test]
async fn replicas_serve_a_published_version() {
    if !backends().contains(&Backend::Shared) {
        return;
    }
    let dirs = [plugins_dir().join("quiz-grader")];
    let one = Server::start_on(Backend::Shared, &dirs, &[]).await;
    let two = one.replica(&dirs, &[]).await;
    assert_eq!(grader_version(&two, &two.http).await, "0.1.0");
    let (status, body) = upload(
        &one,
        &one.http,
        &quiz_manifest("0.6.0"),
        wasm("quiz_grader.wasm"),
        100,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let started = std::time::Instant::now();
    eventually(
        "the second replica to serve 0.6.0",
        WAIT,
        async || match grader_version(&two, &two.http).await.as_str() {
            "0.6.0" => Ok(()),
            other => Err(other.to_owned()),
        },
    )
    .await;
    eprintln!("replica converged in {:?}", started.elapsed());
}

/// An operator deletes stored versions the rollout no longer names (their components are the
/// bulk of the registry); the stable, previous and canary versions are refused, and serving
/// is unchanged.
#[tokio::test]
async fn only_versions_the_rollout_no_longer_names_can_be_deleted() {
    for backend in backends() {
        let server = Server::start_on(backend, &[plugins_dir().join("quiz-grader")], &[]).await;
        for version in ["0.2.0", "0.3.0", "0.4.0"] {
            let (status, body) = upload(
                &server,
                &server.http,
                &quiz_manifest(version),
                wasm("quiz_grader.wasm"),
                0,
            )
            .await;
            assert_eq!(status, 201, "{backend:?} {version}: {body}");
            let (status, body) = rollout(&server, "promote", json!({})).await;
            assert_eq!(status, 200, "{backend:?} {version}: {body}");
        }
        // 0.4.0 stable, 0.3.0 previous, 0.2.0 stored; 0.1.0 is the folder's.
        let delete = |version: &str| {
            server
                .http
                .delete(server.url(&format!("/api/v1/plugins/quiz-grader/versions/{version}")))
                .send()
        };
        for (version, role) in [("0.4.0", "stable"), ("0.3.0", "previous")] {
            let r = delete(version).await.unwrap();
            assert_eq!(r.status().as_u16(), 409, "{backend:?} {version}");
            let body: Value = r.json().await.unwrap();
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(role), "{message}");
        }
        let r = delete("0.2.0").await.unwrap();
        assert_eq!(r.status().as_u16(), 204, "{backend:?}");
        let listed: Vec<String> = versions(&server).await["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_owned())
            .collect();
        assert!(!listed.contains(&"0.2.0".to_owned()), "{listed:?}");
        assert!(listed.contains(&"0.3.0".to_owned()), "{listed:?}");
        let r = delete("0.2.0").await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{backend:?}");
        // A learner is still graded by the stable version.
        let (status, _) = server.grade(crate::support::healthy_request()).await;
        assert_eq!(status, 200);
        // Only super admins.
        let teacher = server.client_of("teacher").await;
        let r = teacher
            .delete(server.url("/api/v1/plugins/quiz-grader/versions/0.3.0"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{backend:?}");
    }
}
