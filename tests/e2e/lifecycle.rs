//! Process life cycle: the compile cache makes a restart skip compilation, and SIGTERM
//! drains requests in flight before the process exits.

use std::time::Duration;

use crate::support::{Server, fixture_request, fixtures_dir, plugins_dir};

#[tokio::test]
async fn a_restart_loads_compiled_components_from_the_cache() {
    let data = tempfile::tempdir().unwrap();
    let flags = ["--data-dir", data.path().to_str().unwrap()];
    let cached = |body: &serde_json::Value| -> Vec<bool> {
        let plugins = body["plugins"].as_array().unwrap();
        plugins
            .iter()
            .map(|p| p["compiled_from_cache"].as_bool().unwrap())
            .collect()
    };

    let first = Server::start_with(&[plugins_dir()], &flags).await;
    let (_, body) = first.get("/api/v1/plugins").await;
    let first_load = cached(&body);
    assert!(
        !first_load.is_empty() && first_load.iter().all(|c| !c),
        "{body}"
    );
    drop(first);
    let artifacts = std::fs::read_dir(data.path().join("cache"))
        .unwrap()
        .count();
    assert_eq!(
        artifacts,
        first_load.len(),
        "one compiled artifact per component"
    );

    let second = Server::start_with(&[plugins_dir()], &flags).await;
    let (_, body) = second.get("/api/v1/plugins").await;
    assert!(cached(&body).iter().all(|c| *c), "{body}");
}

#[tokio::test]
async fn sigterm_drains_the_request_in_flight() {
    let mut server = Server::start(&[fixtures_dir()]).await;
    let http = server.http.clone();
    let url = server.url("/api/v1/grade");
    // fixture-loop runs until its 500 ms deadline.
    let in_flight = tokio::spawn(async move {
        http.post(url)
            .json(&fixture_request("loop"))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    server.terminate();
    assert_eq!(
        in_flight.await.unwrap().unwrap(),
        504,
        "the request in flight was answered"
    );
    let status = server.wait_exit();
    assert!(status.success(), "exited with {status}");
}
