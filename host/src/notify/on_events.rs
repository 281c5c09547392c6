//! Notifications for what the event bus reports (docs/events.md): the consumer group
//! `notifications` on `struggle.detected` (the learner's teachers are told: seed 003's
//! struggle alert) and on `progress.events` (a project graded: its learner is told). A
//! notification's id comes from the event's, so an event delivered twice notifies once.

use std::sync::Arc;

use serde_json::json;

use super::{Kind, Notice, Notifier};
use crate::events::consumer::Handler;
use crate::events::{Envelope, Subscription, Topic};
use crate::store::Db;

/// The consumer group.
pub const CONSUMER: &str = "notifications";

/// What the group reads.
pub const SUBSCRIPTIONS: [Subscription; 2] = [
    Subscription {
        consumer: CONSUMER,
        topic: Topic::StruggleDetected,
    },
    Subscription {
        consumer: CONSUMER,
        topic: Topic::ProgressEvents,
    },
];

/// The group's handler.
pub struct EventNotifier {
    notifier: Arc<Notifier>,
    db: Db,
}

impl EventNotifier {
    /// A handler notifying through `notifier`.
    pub fn new(notifier: Arc<Notifier>, db: Db) -> EventNotifier {
        EventNotifier { notifier, db }
    }

    /// The notices `event` makes.
    async fn notices(&self, event: &Envelope) -> Result<Vec<Notice>, String> {
        let Some(user_id) = event.user_id.as_deref() else {
            return Ok(Vec::new());
        };
        let p = &event.payload;
        match event.topic {
            Topic::StruggleDetected => {
                let name = self
                    .db
                    .user_by_id(user_id)
                    .await
                    .map_err(|e| e.to_string())?
                    .map(|u| u.full_name)
                    .unwrap_or_else(|| "A learner".into());
                let teachers = self
                    .db
                    .teachers_of(user_id)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(teachers
                    .into_iter()
                    .map(|teacher| Notice {
                        id: Some(format!("{}:{teacher}", event.id)),
                        user_id: teacher,
                        kind: Kind::StruggleAlert,
                        title: format!("{name} may need help"),
                        body: p["detail"].as_str().unwrap_or("They are stuck.").to_owned(),
                        data: json!({
                            "alert_id": p["alert_id"], "learner_id": user_id,
                            "reason": p["reason"], "topic": p["topic"],
                        }),
                    })
                    .collect())
            }
            Topic::ProgressEvents if event.kind == "project.graded" => {
                let score = (p["score"].as_f64().unwrap_or(0.0) * 100.0).round();
                Ok(vec![Notice {
                    id: Some(format!("{}:{user_id}", event.id)),
                    user_id: user_id.to_owned(),
                    kind: Kind::ProjectGraded,
                    title: "Your project is graded".into(),
                    body: format!("It scored {score}%. See the feedback on each criterion."),
                    data: json!({ "step_id": p["step_id"], "lesson_id": p["lesson_id"], "score": p["score"] }),
                }])
            }
            _ => Ok(Vec::new()),
        }
    }
}

#[async_trait::async_trait]
impl Handler for EventNotifier {
    async fn handle(&self, event: &Envelope) -> Result<(), String> {
        let notices = self.notices(event).await?;
        if notices.is_empty() {
            return Ok(());
        }
        // Events carry their own time; the notification is made now.
        self.notifier
            .notify_all(notices, crate::store::now_ms())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
