//! Struggle detection (docs/requirements.md#r-003-stories, story 5): a consumer group
//! (`struggle-detector`) on `code.submissions` and `progress.events` that raises an alert
//! for the learner's teachers and publishes `struggle.detected` when
//!
//! - the same error type is raised [`REPEATS`] times on one exercise (`repeated-error`);
//! - an exercise's run times out in the sandbox (`sandbox-timeout`);
//! - [`REPEATS`] quiz answers on a topic are wrong with none right in between
//!   (`quiz-failures`).
//!
//! Signals count from the learner's last alert of the same kind about the same exercise
//! or topic, so an alert needs fresh evidence. Every write is keyed by the event id
//! (signals, and the alert, whose id is the event's), so a redelivered event changes
//! nothing. Teachers read alerts in `GET /api/v1/teacher/alerts` (live: `/stream`).

use serde::Serialize;
use utoipa::ToSchema;

use super::{Learning, LearningError};
use crate::events::consumer::Handler;
use crate::events::{Envelope, Subscription, Topic};
use crate::store::struggle::AlertRow;
use crate::store::{Db, now_ms, rfc3339};

/// The consumer group.
pub const CONSUMER: &str = "struggle-detector";

/// What the detector reads.
pub const SUBSCRIPTIONS: [Subscription; 2] = [
    Subscription {
        consumer: CONSUMER,
        topic: Topic::CodeSubmissions,
    },
    Subscription {
        consumer: CONSUMER,
        topic: Topic::ProgressEvents,
    },
];

/// Repeats of an error, or wrong quiz answers, that make an alert.
pub const REPEATS: i64 = 3;

/// Microseconds since the epoch, strictly increasing within this process: signals of
/// events handled in the same millisecond (a replay, a burst) still have an order.
fn signal_clock() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = chrono::Utc::now().timestamp_micros();
    let previous = LAST
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |last| {
            Some(now.max(last + 1))
        })
        .unwrap_or(now);
    now.max(previous + 1)
}

/// When a signal makes an alert, and what the alert is about.
struct Rule<'a> {
    signal: &'a str,
    threshold: i64,
    also_since: Option<i64>,
    reason: &'a str,
    subject: &'a str,
    topic: Option<&'a str>,
    step_id: Option<&'a str>,
}

/// The detector (a [`Handler`] for [`SUBSCRIPTIONS`]).
pub struct StruggleDetector {
    db: Db,
}

impl StruggleDetector {
    /// A detector writing to `db`.
    pub fn new(db: Db) -> StruggleDetector {
        StruggleDetector { db }
    }

    /// Raises an alert when `rule.signal` was seen `rule.threshold` times since the
    /// learner's last alert for `rule.reason` about `rule.subject` (and since
    /// `rule.also_since`).
    async fn maybe_alert(
        &self,
        event: &Envelope,
        observed_at: i64,
        user_id: &str,
        rule: Rule<'_>,
        detail: impl FnOnce(i64) -> String,
    ) -> Result<(), String> {
        let Rule {
            signal,
            threshold,
            also_since,
            reason,
            subject,
            topic,
            step_id,
        } = rule;
        let db_err = |e: crate::store::StoreError| e.to_string();
        let last = self
            .db
            .last_alert(user_id, reason, subject)
            .await
            .map_err(db_err)?;
        let since = last.max(also_since).unwrap_or(i64::MIN);
        let count = self
            .db
            .count_signal(user_id, signal, since)
            .await
            .map_err(db_err)?;
        if count < threshold {
            return Ok(());
        }
        let detail = detail(count);
        let alert = AlertRow {
            id: event.id.clone(),
            user_id: user_id.to_owned(),
            full_name: String::new(),
            reason: reason.to_owned(),
            subject: subject.to_owned(),
            topic: topic.map(str::to_owned),
            step_id: step_id.map(str::to_owned),
            detail: detail.clone(),
            signal_count: count,
            evidence_until: observed_at,
            created_at: now_ms(),
            acknowledged_at: None,
            acknowledged_by: None,
        };
        let mut payload = serde_json::json!({
            "alert_id": alert.id, "reason": reason, "detail": detail, "count": count,
        });
        if let Some(t) = topic {
            payload["topic"] = t.into();
        }
        if let Some(s) = step_id {
            payload["step_id"] = s.into();
        }
        let detected = Envelope::new(Topic::StruggleDetected, "struggle.detected", payload)
            .for_user(user_id)
            .correlated(&event.id);
        self.db
            .raise_alert(&alert, &detected)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Handler for StruggleDetector {
    async fn handle(&self, event: &Envelope) -> Result<(), String> {
        let Some(user_id) = event.user_id.as_deref() else {
            return Ok(());
        };
        let p = &event.payload;
        let text = |k: &str| p[k].as_str().unwrap_or_default();
        let (step, topic) = (text("step_id"), text("topic"));
        // What the event shows, decided once; the stored signal names it.
        let seen = match event.topic {
            Topic::CodeSubmissions => {
                let passed = p["passed"].as_bool().unwrap_or(false);
                if text("status") == "timeout" {
                    Seen::Timeout
                } else if let Some(error) = p["error_type"].as_str().filter(|_| !passed) {
                    Seen::Error(error)
                } else {
                    return Ok(());
                }
            }
            Topic::ProgressEvents if event.kind == "quiz.answered" => {
                if p["correct"].as_bool().unwrap_or(false) {
                    Seen::QuizPass
                } else {
                    Seen::QuizFail
                }
            }
            _ => return Ok(()),
        };
        let signal = match seen {
            Seen::Timeout => format!("timeout:{step}"),
            Seen::Error(error) => format!("error:{step}:{error}"),
            Seen::QuizPass => format!("quiz-pass:{topic}"),
            Seen::QuizFail => format!("quiz-fail:{topic}"),
        };
        let at = signal_clock();
        self.db
            .record_signals(&event.id, user_id, std::slice::from_ref(&signal), at)
            .await
            .map_err(|e| e.to_string())?;
        let signal = signal.as_str();
        let (rule, detail): (Rule<'_>, Box<dyn FnOnce(i64) -> String + Send + '_>) = match seen {
            Seen::QuizPass => return Ok(()),
            Seen::Timeout => (
                Rule {
                    signal,
                    threshold: 1,
                    also_since: None,
                    reason: "sandbox-timeout",
                    subject: step,
                    topic: Some(topic),
                    step_id: Some(step),
                },
                Box::new(|_| {
                    format!("their code on exercise {step} ran out of time in the sandbox")
                }),
            ),
            Seen::Error(error) => (
                Rule {
                    signal,
                    threshold: REPEATS,
                    also_since: None,
                    reason: "repeated-error",
                    subject: step,
                    topic: Some(topic),
                    step_id: Some(step),
                },
                Box::new(move |n| format!("{error} raised {n} times on exercise {step}")),
            ),
            Seen::QuizFail => {
                let pass = self
                    .db
                    .last_signal(user_id, &format!("quiz-pass:{topic}"))
                    .await
                    .map_err(|e| e.to_string())?;
                (
                    Rule {
                        signal,
                        threshold: REPEATS,
                        also_since: pass,
                        reason: "quiz-failures",
                        subject: topic,
                        topic: Some(topic),
                        step_id: None,
                    },
                    Box::new(|n| format!("{n} wrong quiz answers in a row on {topic}")),
                )
            }
        };
        self.maybe_alert(event, at, user_id, rule, detail).await
    }
}

/// What one event shows about its learner.
#[derive(Clone, Copy)]
enum Seen<'a> {
    /// An exercise's run timed out.
    Timeout,
    /// An exercise's run raised this exception type.
    Error(&'a str),
    /// A quiz answer was right.
    QuizPass,
    /// A quiz answer was wrong.
    QuizFail,
}

/// An alert as a teacher (or the learner's export) sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    /// Alert id.
    pub id: String,
    /// The learner.
    pub learner_id: String,
    /// The learner's full name.
    pub learner_name: String,
    /// `repeated-error`, `sandbox-timeout` or `quiz-failures`.
    pub reason: String,
    /// The topic (e.g. `python.loops`), when known.
    pub topic: Option<String>,
    /// The exercise, for `repeated-error` and `sandbox-timeout`.
    pub step_id: Option<String>,
    /// What happened, in words.
    pub detail: String,
    /// How many times it happened (errors, wrong answers, timeouts).
    pub count: i64,
    /// When the alert was raised (RFC 3339).
    pub created_at: String,
    /// When a teacher acknowledged it, if one did.
    pub acknowledged_at: Option<String>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
}

impl From<AlertRow> for AlertView {
    fn from(a: AlertRow) -> Self {
        AlertView {
            id: a.id,
            learner_id: a.user_id,
            learner_name: a.full_name,
            reason: a.reason,
            topic: a.topic.filter(|t| !t.is_empty()),
            step_id: a.step_id,
            detail: a.detail,
            count: a.signal_count,
            created_at: rfc3339(a.created_at),
            acknowledged_at: a.acknowledged_at.map(rfc3339),
            acknowledged_by: a.acknowledged_by,
        }
    }
}

/// Alerts a page holds at most.
pub const MAX_ALERTS: i64 = 500;

impl Learning {
    /// Alerts about learners in `teacher`'s classes (everyone's with `None`), newest first;
    /// unacknowledged ones only unless `all`; raised after `since` (ms) if given.
    pub async fn teacher_alerts(
        &self,
        teacher: Option<&str>,
        all: bool,
        since: Option<i64>,
    ) -> Result<Vec<(i64, AlertView)>, LearningError> {
        Ok(self
            .db
            .teacher_alerts(teacher, all, since, MAX_ALERTS)
            .await?
            .into_iter()
            .map(|a| (a.created_at, a.into()))
            .collect())
    }

    /// Acknowledges an alert the caller sees; [`LearningError::NotFound`] otherwise.
    pub async fn acknowledge_alert(
        &self,
        teacher: Option<&str>,
        by: &str,
        id: &str,
    ) -> Result<AlertView, LearningError> {
        self.db
            .acknowledge_alert(id, teacher, by, now_ms())
            .await?
            .map(AlertView::from)
            .ok_or_else(|| LearningError::NotFound {
                what: "alert",
                id: id.to_owned(),
            })
    }

    /// The learner's own alerts (their export).
    pub async fn alerts_of(&self, user_id: &str) -> Result<Vec<AlertView>, LearningError> {
        Ok(self
            .db
            .alerts_of(user_id)
            .await?
            .into_iter()
            .map(AlertView::from)
            .collect())
    }
}
