//! Process life cycle: the compile cache makes a restart skip compilation, and SIGTERM
//! drains requests in flight before the process exits.

use std::time::Duration;

use crate::gateway::Learner;
use crate::support::{Server, eventually, plugins_dir};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};

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
    // A model that takes a second to answer holds the request open; once the model has it,
    // the request is in flight inside the server.
    let model = Upstream::start(Behaviour::SayAfter(
        Duration::from_secs(1),
        "drained".into(),
    ))
    .await;
    let gateway = gateway_with(
        &[provider("slow", Wire::OpenAi, model.port, &["gpt-slow"])],
        &[],
    );
    let mut server = Server::start(&[
        plugins_dir().join("safety-filter"),
        gateway.path().to_owned(),
    ])
    .await;
    let learner = Learner::of(&server).await;
    let in_flight = tokio::spawn(async move { learner.say("tutor", "hold on").await });
    eventually(
        "the request to reach the model",
        Duration::from_secs(30),
        async || match model.hits() {
            0 => Err("no call yet"),
            _ => Ok(()),
        },
    )
    .await;
    server.terminate();
    let answer = in_flight.await.unwrap();
    assert_eq!(
        (answer.status, answer.content()),
        (200, "drained"),
        "the request in flight was not answered: {}",
        answer.body
    );
    let status = server.wait_exit();
    assert!(status.success(), "exited with {status}");
}
