//! `edge-content` (spin.toml; docs/edge.md, "Lesson content"): `GET /api/v1/lessons/daily`
//! (seed 000's getDailyLesson) with the lesson's content from the edge's cache, so a storm
//! of lesson starts (seed 000 §6: 10 000 at once) costs the origin only each learner's own
//! state. The learner's request goes to the origin's `/api/v1/lessons/daily/place` with
//! their token (the origin owns identity: a bad token gets the origin's 401 as it is);
//! the lesson's content — the same for every learner — is cached under its content
//! version, which changes with every content import, so it is never stale and never
//! revalidated. The answer is joined exactly as the origin joins it (host
//! `LessonStep::join`; the edge e2e tests compare the two).

use edge_kit::cache;
use edge_kit::origin::Origin;
use serde_json::Value;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

// spin-sdk reads the body whole before the call (a body that cannot be read is its 400).
#[http_component]
async fn handle(request: Request) -> Response {
    let origin = match Origin::from_config() {
        Ok(origin) => origin,
        Err(e) => return edge_kit::reply::misconfigured(&e.to_string()),
    };
    let (headers, client_ip) = edge_kit::origin::client_headers(&request);
    if *request.method() != Method::Get || request.path() != "/api/v1/lessons/daily" {
        // Not what this component answers (spin.toml routes only the daily lesson here).
        let path = request.path_and_query().unwrap_or("/").to_owned();
        return origin
            .send(
                request.method().clone(),
                &path,
                headers,
                client_ip.as_deref(),
                request.body().to_vec(),
            )
            .await
            .unwrap_or_else(|e| edge_kit::reply::unavailable(&e.to_string()));
    }
    let place = match origin
        .send(
            Method::Get,
            "/api/v1/lessons/daily/place",
            headers,
            client_ip.as_deref(),
            Vec::new(),
        )
        .await
    {
        Ok(response) => response,
        Err(e) => return edge_kit::reply::unavailable(&e.to_string()),
    };
    if *place.status() != 200 {
        return place;
    }
    let Ok(place) = serde_json::from_slice::<Value>(place.body()) else {
        return edge_kit::reply::unavailable("the origin's answer was not JSON");
    };
    let content = match place.get("lesson").filter(|l| !l.is_null()) {
        Some(lesson) => {
            let id = lesson["id"].as_str().unwrap_or_default();
            let version = lesson["content_version"].as_str().unwrap_or_default();
            match content(&origin, id, version).await {
                Ok(content) => Some(content),
                Err(message) => return edge_kit::reply::unavailable(&message),
            }
        }
        None => None,
    };
    edge_kit::reply::json(200, &join(place, content.as_ref()))
}

/// The lesson's content at `version`: from the cache, else from the origin (then cached).
async fn content(origin: &Origin, lesson_id: &str, version: &str) -> Result<Value, String> {
    let key = format!("lesson/{lesson_id}/{version}");
    if let Some(entry) = cache::get::<Value>(&key) {
        return Ok(entry.value);
    }
    let response = origin
        .internal_get(&format!("/_internal/edge/lessons/{lesson_id}"), None)
        .await
        .map_err(|e| e.to_string())?;
    if *response.status() != 200 {
        return Err(format!(
            "the origin answered {} for the lesson's content",
            response.status()
        ));
    }
    let content: Value = serde_json::from_slice(response.body())
        .map_err(|e| format!("the origin's lesson content was not JSON: {e}"))?;
    // Cached under the version it carries: content imported between the two requests is
    // newer than `version`, and right for the learner's next request too.
    let carried = content["content_version"].as_str().unwrap_or(version);
    cache::put(&format!("lesson/{lesson_id}/{carried}"), &content);
    Ok(content)
}

/// Today's lesson from the learner's place and the lesson's content (the origin's
/// `LessonStep::join`, over JSON).
fn join(place: Value, content: Option<&Value>) -> Value {
    let lesson = match (place.get("lesson"), content) {
        (Some(p), Some(c)) if !p.is_null() => {
            let mut lesson = c["lesson"].clone();
            lesson["completed_steps"] = p["completed_steps"].clone();
            lesson["status"] = p["status"].clone();
            lesson
        }
        _ => Value::Null,
    };
    let step = match (place.get("step"), content) {
        (Some(p), Some(c)) if !p.is_null() => c["steps"]
            .as_array()
            .and_then(|steps| steps.iter().find(|s| s["id"] == p["id"]))
            .cloned()
            .map_or(Value::Null, |mut view| {
                view["done"] = p["done"].clone();
                if let Some(body) = p.get("body").filter(|b| b.is_string()) {
                    view["body"] = body.clone();
                    view["tone_applied"] = Value::Bool(true);
                }
                view
            }),
        _ => Value::Null,
    };
    serde_json::json!({
        "mode": place["mode"],
        "lesson": lesson,
        "step": step,
        "reviews": place["reviews"],
        "reason": place["reason"],
        "tone": place["tone"],
        "streak_days": place["streak_days"],
        "total_xp": place["total_xp"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_learners_place_overrides_the_shared_content() {
        let content = serde_json::json!({
            "content_version": "v1",
            "lesson": {"id": "l1", "title": "Loops", "completed_steps": 0, "status": "not_started"},
            "steps": [{"id": "s1", "body": "authored", "done": false, "tone_applied": false},
                      {"id": "s2", "body": "authored 2", "done": false, "tone_applied": false}],
        });
        let place = serde_json::json!({
            "mode": "lesson",
            "lesson": {"id": "l1", "content_version": "v1", "completed_steps": 1, "status": "in_progress"},
            "step": {"id": "s2", "done": false, "body": "casual"},
            "reviews": [], "reason": "next", "tone": "casual", "streak_days": 2, "total_xp": 40,
        });
        let joined = join(place, Some(&content));
        assert_eq!(joined["lesson"]["title"], "Loops");
        assert_eq!(joined["lesson"]["status"], "in_progress");
        assert_eq!(joined["step"]["id"], "s2");
        assert_eq!(joined["step"]["body"], "casual");
        assert_eq!(joined["step"]["tone_applied"], true);
        assert_eq!(joined["streak_days"], 2);
        let done = serde_json::json!({"mode": "done", "lesson": null, "step": null, "reviews": [],
            "reason": "all done", "tone": "neutral", "streak_days": 0, "total_xp": 0});
        let joined = join(done, None);
        assert!(joined["lesson"].is_null() && joined["step"].is_null());
    }
}
