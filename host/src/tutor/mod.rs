//! The tutor (seed 003 stories 1 and 3; docs/tutor.md): a learner's query is screened by
//! the safety gate, stored with its `learning.requests` event in one transaction, and
//! answered by the consumer group `tutor`: triage decides the intent and topic, and the
//! agent whose manifest routes that intent answers. Queries, answers and conversations are
//! stored; a client follows a query over SSE or polls it.
//!
//! - `ask`: accepting a query (validation, the safety gate, the write);
//! - [`answer`]: the consumer: triage, the agent, storing the answer;
//! - [`routing`]: which intents are offered and which agent answers each;
//! - [`views`]: what clients read;
//! - [`watch`]: waking this replica's waiters when a query changes.

pub mod answer;
pub mod routing;
pub mod views;
pub mod watch;

use std::sync::Arc;

use serde_json::json;

use crate::ai::{Ai, AiError, Origin};
use crate::events::{Bus, Envelope, Topic};
use crate::learning::{Learning, LearningError};
use crate::plugins::Registry;
use crate::store::tutor::{Accepted, ConversationRow, MessageRow, QueryRow, status};
use crate::store::{Db, StoreError, now_ms};

/// The longest query text, in characters (the `learning.requests` schema's bound).
pub const MAX_TEXT_CHARS: usize = 8000;
/// The longest code box, in bytes.
pub const MAX_CODE_BYTES: usize = 65_536;
/// The longest error box, in bytes.
pub const MAX_ERROR_BYTES: usize = 16_384;
/// Messages of a conversation an agent sees (the latest ones).
pub const HISTORY_MESSAGES: i64 = 20;
/// The difficulties exercise generation takes.
pub const DIFFICULTIES: [&str; 3] = ["easy", "medium", "hard"];

/// Why the tutor cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum TutorError {
    /// A field of the request is wrong (422 naming it).
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: String,
        /// Why.
        message: String,
    },
    /// No such query, conversation or exercise for this learner (404).
    #[error("no {what} `{id}`")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The safety gate or the AI path failed.
    #[error(transparent)]
    Ai(#[from] AiError),
    /// The learning core failed.
    #[error(transparent)]
    Learning(#[from] LearningError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TutorError {
    fn invalid(field: &str, message: impl Into<String>) -> Self {
        TutorError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// A learner's query as a route received it.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    /// What the learner typed.
    pub text: String,
    /// The code box.
    pub code: Option<String>,
    /// The error box.
    pub error: Option<String>,
    /// The lesson step the learner is on.
    pub step_id: Option<String>,
    /// The conversation to continue (a new one when absent).
    pub conversation_id: Option<String>,
    /// For exercise generation: the intent, topic and difficulty, skipping triage.
    pub generate: Option<Generate>,
}

/// An exercise asked for by a route rather than in words.
#[derive(Debug, Clone)]
pub struct Generate {
    /// The topic, e.g. `python.loops`.
    pub topic: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
    /// The exercise to vary.
    pub base_exercise_id: Option<String>,
}

/// The tutor service.
pub struct Tutor {
    db: Db,
    registry: Arc<Registry>,
    ai: Arc<Ai>,
    learning: Arc<Learning>,
    bus: Bus,
    watch: watch::Watch,
}

impl Tutor {
    /// The tutor over the plugins in `registry`.
    pub fn new(
        db: Db,
        registry: Arc<Registry>,
        ai: Arc<Ai>,
        learning: Arc<Learning>,
        bus: Bus,
    ) -> Self {
        Tutor {
            db,
            registry,
            ai,
            learning,
            bus,
            watch: watch::Watch::default(),
        }
    }

    /// This replica's waiters for query changes.
    pub fn watch(&self) -> &watch::Watch {
        &self.watch
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Accepts a query: checks it, screens it (a crisis or concern is answered at once
    /// with the gate's response, and nothing else ever reads it), and stores it with its
    /// `learning.requests` event.
    pub async fn ask(
        &self,
        user_id: &str,
        ask: Ask,
        region: Option<&str>,
    ) -> Result<QueryRow, TutorError> {
        check(&ask)?;
        let now = now_ms();
        let conversation = match &ask.conversation_id {
            Some(id) => {
                let found = self.db.conversation(id).await?;
                if found.as_ref().is_none_or(|c| c.user_id != user_id) {
                    return Err(TutorError::NotFound {
                        what: "conversation",
                        id: id.clone(),
                    });
                }
                None
            }
            None => Some(ConversationRow {
                id: uuid::Uuid::new_v4().to_string(),
                user_id: user_id.to_owned(),
                title: title_of(&ask.text),
                created_at: now,
                updated_at: now,
                messages: 0,
            }),
        };
        let conversation_id = conversation
            .as_ref()
            .map(|c| c.id.clone())
            .or_else(|| ask.conversation_id.clone())
            .unwrap_or_default();
        if let Some(g) = &ask.generate
            && let Some(base) = &g.base_exercise_id
        {
            self.exercise_of(user_id, base).await?;
        }
        let mut query = QueryRow {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.to_owned(),
            conversation_id: conversation_id.clone(),
            text: ask.text.clone(),
            code: ask.code.clone(),
            error: ask.error.clone(),
            step_id: ask.step_id.clone(),
            difficulty: ask.generate.as_ref().map(|g| g.difficulty.clone()),
            base_exercise_id: ask
                .generate
                .as_ref()
                .and_then(|g| g.base_exercise_id.clone()),
            forced_intent: ask.generate.as_ref().map(|_| "exercise".to_owned()),
            status: status::QUEUED.into(),
            decision: ask
                .generate
                .as_ref()
                .map(|g| routing::forced_decision("exercise", &g.topic).to_string()),
            created_at: now,
            ..QueryRow::default()
        };
        let message = MessageRow {
            id: uuid::Uuid::new_v4().to_string(),
            conversation_id: conversation_id.clone(),
            user_id: user_id.to_owned(),
            role: "user".into(),
            content: ask.text.clone(),
            query_id: Some(query.id.clone()),
            data: "{}".into(),
            follow_ups: "[]".into(),
            created_at: now,
            ..MessageRow::default()
        };
        let texts: Vec<&str> = [Some(&ask.text), ask.code.as_ref(), ask.error.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let origin = Origin {
            user_id: Some(user_id),
            surface: "tutor",
            plugin: None,
            region,
        };
        let (answer, events) = match self.ai.screen_texts(&texts, origin).await {
            Ok(()) => {
                let mut payload = json!({"query_id": query.id, "text": ask.text});
                for (key, value) in [
                    ("code", &ask.code),
                    ("error", &ask.error),
                    ("step_id", &ask.step_id),
                ] {
                    if let Some(v) = value {
                        payload[key] = json!(v);
                    }
                }
                let event = Envelope::new(Topic::LearningRequests, "tutor.query", payload)
                    .for_user(user_id)
                    .correlated(&query.id);
                (None, vec![event])
            }
            Err(AiError::Blocked(response)) => {
                // The gate's response is the answer; no event, so no plugin ever reads it.
                query.status = status::BLOCKED.into();
                query.answered_at = Some(now);
                let answer = MessageRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    role: "assistant".into(),
                    content: response,
                    agent: Some("safety-gate".into()),
                    ..message.clone()
                };
                query.answer_id = Some(answer.id.clone());
                (Some(answer), Vec::new())
            }
            Err(e) => return Err(e.into()),
        };
        self.db
            .accept_query(&Accepted {
                conversation: conversation.as_ref(),
                message: &message,
                query: &query,
                answer: answer.as_ref(),
                events: &events,
            })
            .await?;
        if !events.is_empty() {
            self.bus.outbox_written();
        }
        Ok(query)
    }

    /// The learner's query `id`.
    pub async fn query_of(&self, user_id: &str, id: &str) -> Result<QueryRow, TutorError> {
        self.db
            .tutor_query(id)
            .await?
            .filter(|q| q.user_id == user_id)
            .ok_or_else(|| TutorError::NotFound {
                what: "query",
                id: id.to_owned(),
            })
    }

    /// The learner's generated exercise `id`.
    pub async fn exercise_of(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<crate::store::tutor::ExerciseRow, TutorError> {
        self.db
            .generated_exercise(id)
            .await?
            .filter(|e| e.user_id == user_id)
            .ok_or_else(|| TutorError::NotFound {
                what: "exercise",
                id: id.to_owned(),
            })
    }

    /// Waits until query `id` is no longer queued, or `timeout` passes; the query as it
    /// then is.
    pub async fn settled(
        &self,
        user_id: &str,
        id: &str,
        timeout: std::time::Duration,
    ) -> Result<QueryRow, TutorError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.watch.subscribe();
        loop {
            let query = self.query_of(user_id, id).await?;
            if query.status != status::QUEUED {
                return Ok(query);
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Ok(query);
            }
            // Another replica may answer it: look again at least every second.
            watch::changed(&mut changes, id, left.min(watch::POLL)).await;
        }
    }
}

/// Checks a query's fields (the `learning.requests` schema's bounds, with field names).
fn check(ask: &Ask) -> Result<(), TutorError> {
    if ask.text.trim().is_empty() {
        return Err(TutorError::invalid("text", "must not be empty"));
    }
    if ask.text.chars().count() > MAX_TEXT_CHARS {
        return Err(TutorError::invalid(
            "text",
            format!("at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    if ask.code.as_ref().is_some_and(|c| c.len() > MAX_CODE_BYTES) {
        return Err(TutorError::invalid(
            "code",
            format!("at most {MAX_CODE_BYTES} bytes"),
        ));
    }
    if ask
        .error
        .as_ref()
        .is_some_and(|e| e.len() > MAX_ERROR_BYTES)
    {
        return Err(TutorError::invalid(
            "error",
            format!("at most {MAX_ERROR_BYTES} bytes"),
        ));
    }
    // Postgres stores no NUL in text; nobody types one.
    for (field, value) in [
        ("text", Some(&ask.text)),
        ("code", ask.code.as_ref()),
        ("error", ask.error.as_ref()),
        ("step_id", ask.step_id.as_ref()),
        ("conversation_id", ask.conversation_id.as_ref()),
    ] {
        if value.is_some_and(|v| v.contains('\0')) {
            return Err(TutorError::invalid(
                field,
                "must not contain NUL characters",
            ));
        }
    }
    if let Some(g) = &ask.generate {
        if !DIFFICULTIES.contains(&g.difficulty.as_str()) {
            return Err(TutorError::invalid(
                "difficulty",
                "one of easy, medium, hard",
            ));
        }
        if !routing::is_topic(&g.topic) {
            return Err(TutorError::invalid(
                "topic",
                format!(
                    "one of {} (or general)",
                    routing::TOPICS[..routing::TOPICS.len() - 1].join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A conversation's title: the first query's opening words.
fn title_of(text: &str) -> String {
    const MAX: usize = 60;
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut title: String = line.trim().chars().take(MAX).collect();
    if line.trim().chars().count() > MAX {
        title.push('…');
    }
    title
}
