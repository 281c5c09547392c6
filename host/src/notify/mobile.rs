//! Push payloads for phones, in the formats their services take, for a gateway outside
//! Tessera to deliver (it holds the APNs certificate and the FCM service account; Tessera
//! never does). Each outbox row carries the device token, the request's headers and its
//! JSON body, so the gateway sends it as it is:
//!
//! - **APNs** (`POST /3/device/<token>` over HTTP/2): headers `apns-push-type: alert`,
//!   `apns-priority` (10 urgent, 5 otherwise), `apns-collapse-id` (the kind: a newer one of
//!   a kind replaces an unread older one), `apns-topic` when `--apns-topic` names the app's
//!   bundle; body `{"aps": {"alert": {"title", "body"}, "sound": "default", "thread-id"},
//!   "notification_id", "kind", "data"}`.
//! - **FCM** HTTP v1 (`POST /v1/projects/<project>/messages:send`): body `{"message":
//!   {"token", "notification": {"title", "body"}, "data": {…strings…}, "android":
//!   {"collapse_key", "priority"}}}` (FCM's `data` takes strings only, so `data` travels
//!   as JSON text).

use serde_json::{Value, json};

/// What a push says.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The notification.
    pub notification_id: &'a str,
    /// Its kind.
    pub kind: &'a str,
    /// Title.
    pub title: &'a str,
    /// Text.
    pub body: &'a str,
    /// What the app opens.
    pub data: &'a Value,
    /// Whether it is time-critical (a teacher's struggle alert).
    pub urgent: bool,
}

/// The APNs request for `token`.
pub fn apns(token: &str, m: &Message<'_>, topic: Option<&str>) -> Value {
    let mut headers = json!({
        "apns-push-type": "alert",
        "apns-priority": if m.urgent { "10" } else { "5" },
        "apns-collapse-id": m.kind,
    });
    if let Some(topic) = topic {
        headers["apns-topic"] = topic.into();
    }
    json!({
        "device_token": token,
        "headers": headers,
        "body": {
            "aps": {
                "alert": { "title": m.title, "body": m.body },
                "sound": "default",
                "thread-id": m.kind,
            },
            "notification_id": m.notification_id,
            "kind": m.kind,
            "data": m.data,
        },
    })
}

/// The FCM HTTP v1 request for `token`.
pub fn fcm(token: &str, m: &Message<'_>) -> Value {
    json!({
        "device_token": token,
        "headers": {},
        "body": {
            "message": {
                "token": token,
                "notification": { "title": m.title, "body": m.body },
                "data": {
                    "notification_id": m.notification_id,
                    "kind": m.kind,
                    "data": m.data.to_string(),
                },
                "android": {
                    "collapse_key": m.kind,
                    "priority": if m.urgent { "HIGH" } else { "NORMAL" },
                },
            },
        },
    })
}

/// The Web Push message (what the service worker's `push` event reads, as JSON).
pub fn web(m: &Message<'_>) -> Value {
    json!({
        "notification_id": m.notification_id,
        "kind": m.kind,
        "title": m.title,
        "body": m.body,
        "data": m.data,
        "urgent": m.urgent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_take_each_services_shape() {
        let data = json!({"course_id": "sql", "count": 3});
        let m = Message {
            notification_id: "n1",
            kind: "reviews_due",
            title: "3 reviews due",
            body: "Five minutes keeps them fresh.",
            data: &data,
            urgent: false,
        };
        let a = apns("tok", &m, Some("app.tessera"));
        assert_eq!(a["body"]["aps"]["alert"]["title"], "3 reviews due");
        assert_eq!(a["headers"]["apns-topic"], "app.tessera");
        assert_eq!(a["headers"]["apns-priority"], "5");
        let f = fcm("tok", &m);
        assert_eq!(f["body"]["message"]["token"], "tok");
        // FCM's data map holds strings only.
        assert!(
            f["body"]["message"]["data"]
                .as_object()
                .unwrap()
                .values()
                .all(Value::is_string)
        );
        assert_eq!(web(&m)["data"]["count"], 3);
    }
}
