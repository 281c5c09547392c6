//! `POST /api/tutorial/step` (seed 004 §2.2): forwarded to the origin; while the origin
//! cannot take it (unreachable, or a 502/503/504), accepted with 202 and queued in the
//! key-value store, then replayed the next time this component finds the origin up. No
//! ping is lost and none is counted twice: a queued ping without an `eventId` is given
//! one before it is queued (the origin stores each event id once), and its `clientTime`
//! is set to when the edge took it, so the origin records when the step happened.

use edge_kit::cache;
use edge_kit::origin::Origin;
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Method, Request, Response};

/// Where queued pings live in the store.
const QUEUE_PREFIX: &str = "step-queue/";
/// Pings replayed per request (the rest wait for the next one).
const REPLAY_BATCH: usize = 50;
/// The client headers a ping's meaning depends on (who, which device).
const KEPT_HEADERS: [&str; 4] = [
    "authorization",
    "x-kazi-anonymous-id",
    "cookie",
    "x-kazi-device",
];

/// A ping waiting for the origin.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    headers: Vec<(String, String)>,
    client_ip: Option<String>,
    body: serde_json::Value,
}

/// Forwards the ping, queueing it when the origin cannot take it.
pub async fn forward(origin: &Origin, request: &Request) -> Option<Response> {
    let (headers, client_ip) = edge_kit::origin::client_headers(request);
    let path = "/api/tutorial/step";
    let sent = origin
        .send(
            Method::Post,
            path,
            headers.clone(),
            client_ip.as_deref(),
            request.body().to_vec(),
        )
        .await;
    match sent {
        Ok(response) if !matches!(*response.status(), 502..=504) => {
            replay_queued(origin).await;
            Some(response)
        }
        _ => Some(enqueue(request, headers, client_ip)),
    }
}

/// Takes the ping for later: 202, or 422 naming the field when it is not a ping at all
/// (checked here because the origin is not there to say so).
fn enqueue(
    request: &Request,
    headers: Vec<(String, String)>,
    client_ip: Option<String>,
) -> Response {
    let mut body: serde_json::Value = match serde_json::from_slice(request.body()) {
        Ok(serde_json::Value::Object(map)) => serde_json::Value::Object(map),
        _ => {
            return edge_kit::reply::error(
                422,
                "VALIDATION_ERROR",
                "the body must be a JSON object: {tutorialId, stepId, status, t}",
                Some("body"),
            );
        }
    };
    for field in ["tutorialId", "stepId", "status"] {
        if !body.get(field).is_some_and(serde_json::Value::is_string) {
            return edge_kit::reply::error(
                422,
                "VALIDATION_ERROR",
                &format!("`{field}` is required (a string)"),
                Some(field),
            );
        }
    }
    if body.get("eventId").is_none_or(serde_json::Value::is_null) {
        body["eventId"] = uuid::Uuid::new_v4().to_string().into();
    }
    if body
        .get("clientTime")
        .is_none_or(serde_json::Value::is_null)
    {
        body["clientTime"] = edge_kit::now_ms().into();
    }
    let queued = Queued {
        headers: headers
            .into_iter()
            .filter(|(name, _)| KEPT_HEADERS.contains(&name.to_ascii_lowercase().as_str()))
            .collect(),
        client_ip,
        body,
    };
    // Keys sort by time, so replays go oldest first.
    let key = format!(
        "{QUEUE_PREFIX}{:016}-{}",
        edge_kit::now_ms(),
        uuid::Uuid::new_v4()
    );
    cache::put(&key, &queued);
    if cache::get::<Queued>(&key).is_none() {
        return edge_kit::reply::unavailable(
            "the origin is unreachable and the edge could not queue the ping: send it again later",
        );
    }
    edge_kit::reply::json(
        202,
        &serde_json::json!({ "queued": true, "eventId": queued.body["eventId"] }),
    )
}

/// Sends queued pings to the origin, oldest first, until one fails to go through.
pub async fn replay_queued(origin: &Origin) {
    let mut keys = cache::keys_with_prefix(QUEUE_PREFIX, REPLAY_BATCH);
    keys.sort();
    for key in keys {
        let Some(entry) = cache::get::<Queued>(&key) else {
            continue;
        };
        let ping = entry.value;
        let sent = origin
            .send(
                Method::Post,
                "/api/tutorial/step",
                [("content-type".to_owned(), "application/json".to_owned())]
                    .into_iter()
                    .chain(ping.headers)
                    .collect(),
                ping.client_ip.as_deref(),
                ping.body.to_string().into_bytes(),
            )
            .await;
        match sent {
            // Stored, or refused for good (the origin judged it; retrying cannot change
            // that): either way it leaves the queue.
            Ok(response) if *response.status() < 500 && *response.status() != 429 => {
                if *response.status() >= 400 {
                    eprintln!(
                        "edge-tutorials: the origin refused a queued step ping ({}): dropped",
                        response.status()
                    );
                }
                cache::delete(&key);
            }
            _ => break,
        }
    }
}
