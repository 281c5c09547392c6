//! Reload while calls are in flight: none is lost, and each is answered by exactly one
//! version.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::support::{Server, eventually, healthy_request, plugins_dir};

/// Whether every worker has reached a point (`count` of them did), for [`eventually`]. A
/// worker that stopped early failed a call: waiting ends, and awaiting it reports why.
fn all_of(count: &AtomicUsize, workers: &[JoinHandle<Vec<String>>]) -> Result<(), String> {
    match count.load(Ordering::SeqCst) {
        _ if workers.iter().any(JoinHandle::is_finished) => Ok(()),
        n if n >= workers.len() => Ok(()),
        n => Err(format!("{n} of {} workers", workers.len())),
    }
}

fn copy_quiz_plugin(to: &std::path::Path, version: &str) {
    let dir = to.join("quiz-grader");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = std::fs::read_to_string(plugins_dir().join("quiz-grader/plugin.toml")).unwrap();
    let wasm = crate::support::component("quiz_grader.wasm");
    let manifest = manifest
        .replace(
            "version = \"0.1.0\"\ncontract",
            &format!("version = \"{version}\"\ncontract"),
        )
        .replace(
            "component = \"../../dist/components/quiz_grader.wasm\"",
            &format!("component = {:?}", wasm.display().to_string()),
        );
    assert!(manifest.contains(&format!("version = \"{version}\"")));
    std::fs::write(dir.join("plugin.toml"), manifest).unwrap();
}

#[tokio::test]
async fn reload_under_load_loses_no_call_and_mixes_no_versions() {
    let tmp = tempfile::tempdir().unwrap();
    copy_quiz_plugin(tmp.path(), "0.1.0");
    let server = Server::start(&[tmp.path().to_owned()]).await;

    const WORKERS: usize = 8;
    let stop = Arc::new(AtomicBool::new(false));
    // Workers that had an answer, and workers that had one from the new version.
    let answered = Arc::new(AtomicUsize::new(0));
    let upgraded = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let http = server.http.clone();
            let url = server.url("/api/v1/grade");
            let (stop, answered, upgraded) = (stop.clone(), answered.clone(), upgraded.clone());
            tokio::spawn(async move {
                let mut versions = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let r = http
                        .post(&url)
                        .json(&healthy_request())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200, "a call failed during reload");
                    let body: serde_json::Value = r.json().await.unwrap();
                    assert_eq!(body["score"], 1.0);
                    let version = body["grader"]["version"].as_str().unwrap().to_owned();
                    if versions.is_empty() {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    if version == "0.2.0" && !versions.iter().any(|v| v == "0.2.0") {
                        upgraded.fetch_add(1, Ordering::SeqCst);
                    }
                    versions.push(version);
                }
                versions
            })
        })
        .collect();

    // Reload once every worker has calls going, and stop once every one has seen the
    // new version, so each worker's calls straddle the swap.
    let within = Duration::from_secs(60);
    eventually("every worker's first answer", within, async || {
        all_of(&answered, &workers)
    })
    .await;
    copy_quiz_plugin(tmp.path(), "0.2.0");
    let (status, report) = server
        .post("/api/v1/plugins/reload", &serde_json::json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        report["updated"],
        serde_json::json!(["quiz-grader"]),
        "{report}"
    );
    eventually("every worker to be answered by 0.2.0", within, async || {
        all_of(&upgraded, &workers)
    })
    .await;
    stop.store(true, Ordering::Relaxed);

    for worker in workers {
        let versions = worker.await.unwrap();
        assert!(!versions.is_empty());
        // Each worker's calls are sequential: once it sees 0.2.0 it never sees 0.1.0 again.
        let first_new = versions
            .iter()
            .position(|v| v == "0.2.0")
            .unwrap_or(versions.len());
        assert!(
            versions[..first_new].iter().all(|v| v == "0.1.0"),
            "{versions:?}"
        );
        assert!(
            versions[first_new..].iter().all(|v| v == "0.2.0"),
            "{versions:?}"
        );
        assert!(
            first_new < versions.len(),
            "worker never saw the new version"
        );
    }

    // A broken update keeps the old version serving and is reported.
    std::fs::write(tmp.path().join("quiz-grader/plugin.toml"), "id = ").unwrap();
    let (_, report) = server
        .post("/api/v1/plugins/reload", &serde_json::json!({}))
        .await;
    assert_eq!(report["failures"].as_array().unwrap().len(), 1, "{report}");
    let (status, body) = server.grade(healthy_request()).await;
    assert_eq!(status, 200, "{body}");
}
