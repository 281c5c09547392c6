//! What clients read of the tutor: a query with its triage decision and answer, the
//! conversations and their messages, a generated exercise.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{Tutor, TutorError};
use crate::store::rfc3339;
use crate::store::tutor::{ConversationRow, ExerciseRow, MessageRow, QueryRow, status};

/// Triage's decision on a query.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TriageView {
    /// The intent: `concepts`, `code-review`, `debug`, `exercise`, or one an installed
    /// agent declares.
    pub intent: String,
    /// The topic, e.g. `python.loops`, or `general`.
    pub topic: String,
    /// Confidence in the intent, 0 to 1.
    pub confidence: f64,
    /// Confidence in the topic, 0 to 1.
    pub topic_confidence: f64,
    /// The stage that decided: `rules`, `meaning`, `model`, `fallback`, or `route` when
    /// the route named the intent (exercise generation).
    pub decided_by: String,
    /// What within that stage decided, e.g. `rule:traceback`.
    pub reason: String,
    /// The agent (plugin id) that answers.
    pub agent: Option<String>,
}

/// An exercise an agent generated and validated (its solution and tests stay hidden).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExerciseView {
    /// Id: answer it at `POST /api/v1/exercises/{id}/submit` with `{"code": …}`.
    pub id: String,
    /// Title.
    pub title: String,
    /// The task (Markdown).
    pub prompt: String,
    /// Topic.
    pub topic: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
    /// Code to start from.
    pub starter_code: String,
    /// How many hidden tests grade it.
    pub tests: usize,
    /// The exercise this one varies.
    pub variation_of: Option<String>,
    /// Where to submit code.
    pub submit_url: String,
    /// When it was generated (RFC 3339).
    pub created_at: String,
}

impl From<&ExerciseRow> for ExerciseView {
    fn from(e: &ExerciseRow) -> Self {
        ExerciseView {
            id: e.id.clone(),
            title: e.title.clone(),
            prompt: e.prompt.clone(),
            topic: e.topic.clone(),
            difficulty: e.difficulty.clone(),
            starter_code: e.starter_code.clone(),
            tests: serde_json::from_str::<Vec<Value>>(&e.tests).map_or(0, |t| t.len()),
            variation_of: e.base_id.clone(),
            submit_url: format!("/api/v1/exercises/{}/submit", e.id),
            created_at: rfc3339(e.created_at),
        }
    }
}

/// The answer to a query.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerView {
    /// The assistant's message in the conversation.
    pub message_id: String,
    /// The answer (Markdown).
    pub content: String,
    /// Suggested follow-up questions.
    pub follow_ups: Vec<String>,
    /// Who answered: an agent's plugin id, or `safety-gate` for the gate's response.
    pub agent: String,
    /// The intent answered.
    pub intent: Option<String>,
    /// A code review's rating of the learner's code, 0 to 1 (it feeds the code-quality
    /// part of the learner's mastery of the topic).
    pub code_quality: Option<f64>,
    /// An exercise the answer generated.
    pub exercise: Option<ExerciseView>,
    /// What the agent keeps for the conversation's next turns (e.g. the debug agent's
    /// hint ladder: `{"signature": …, "rung": 2}`).
    #[schema(value_type = Object)]
    pub data: Value,
}

/// A tutor query and how it went.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueryView {
    /// Id.
    pub id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// `queued`, `answered`, `failed`, or `blocked` (the safety gate answered).
    pub status: String,
    /// What the learner asked.
    pub text: String,
    /// Triage's decision, once made.
    pub triage: Option<TriageView>,
    /// The answer, once there.
    pub answer: Option<AnswerView>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was asked (RFC 3339).
    pub created_at: String,
    /// When it was answered (RFC 3339).
    pub answered_at: Option<String>,
}

/// A message of a conversation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatMessageView {
    /// Id.
    pub id: String,
    /// `user` or `assistant`.
    pub role: String,
    /// The text (Markdown).
    pub content: String,
    /// The query it asked or answered.
    pub query_id: Option<String>,
    /// The intent of an answer.
    pub intent: Option<String>,
    /// The agent that answered.
    pub agent: Option<String>,
    /// Suggested follow-ups of an answer.
    pub follow_ups: Vec<String>,
    /// When (RFC 3339).
    pub created_at: String,
}

impl From<&MessageRow> for ChatMessageView {
    fn from(m: &MessageRow) -> Self {
        ChatMessageView {
            id: m.id.clone(),
            role: m.role.clone(),
            content: m.content.clone(),
            query_id: m.query_id.clone(),
            intent: m.intent.clone(),
            agent: m.agent.clone(),
            follow_ups: serde_json::from_str(&m.follow_ups).unwrap_or_default(),
            created_at: rfc3339(m.created_at),
        }
    }
}

/// A conversation in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversationView {
    /// Id.
    pub id: String,
    /// The first query's opening words.
    pub title: String,
    /// How many messages it holds.
    pub message_count: i64,
    /// When it started (RFC 3339).
    pub created_at: String,
    /// When its last message came (RFC 3339).
    pub updated_at: String,
}

impl From<&ConversationRow> for ConversationView {
    fn from(c: &ConversationRow) -> Self {
        ConversationView {
            id: c.id.clone(),
            title: c.title.clone(),
            message_count: c.messages,
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
        }
    }
}

/// A conversation with its messages.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversationDetail {
    /// The conversation.
    #[serde(flatten)]
    pub conversation: ConversationView,
    /// Its messages, oldest first (at most the latest 200).
    pub messages: Vec<ChatMessageView>,
}

fn triage_view(q: &QueryRow) -> Option<TriageView> {
    let d: Value = serde_json::from_str(q.decision.as_deref()?).ok()?;
    let text = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
    Some(TriageView {
        intent: text("intent"),
        topic: text("topic"),
        confidence: d["confidence"].as_f64().unwrap_or(0.0),
        topic_confidence: d["topic_confidence"].as_f64().unwrap_or(0.0),
        decided_by: text("decided_by"),
        reason: text("reason"),
        agent: q.agent.clone(),
    })
}

impl Tutor {
    /// A query as clients read it.
    pub async fn view(&self, q: &QueryRow) -> Result<QueryView, TutorError> {
        let answer = match &q.answer_id {
            Some(id) => match self.db.chat_message(id).await? {
                Some(m) => {
                    let exercise = match &q.exercise_id {
                        Some(e) => self
                            .db
                            .generated_exercise(e)
                            .await?
                            .as_ref()
                            .map(Into::into),
                        None => None,
                    };
                    Some(AnswerView {
                        message_id: m.id.clone(),
                        content: m.content.clone(),
                        follow_ups: serde_json::from_str(&m.follow_ups).unwrap_or_default(),
                        agent: m.agent.clone().unwrap_or_default(),
                        intent: m.intent.clone(),
                        code_quality: q.code_quality,
                        exercise,
                        data: serde_json::from_str(&m.data).unwrap_or(Value::Null),
                    })
                }
                None => None,
            },
            None => None,
        };
        Ok(QueryView {
            id: q.id.clone(),
            conversation_id: q.conversation_id.clone(),
            status: q.status.clone(),
            text: q.text.clone(),
            triage: triage_view(q),
            answer,
            error: q.failure.clone().filter(|_| q.status == status::FAILED),
            created_at: rfc3339(q.created_at),
            answered_at: q.answered_at.map(rfc3339),
        })
    }

    /// The learner's conversations, most recent first.
    pub async fn conversations(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ConversationView>, TutorError> {
        Ok(self
            .db
            .conversations(user_id, limit, offset)
            .await?
            .iter()
            .map(Into::into)
            .collect())
    }

    /// One of the learner's conversations with its messages.
    pub async fn conversation(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<ConversationDetail, TutorError> {
        let c = self
            .db
            .conversation(id)
            .await?
            .filter(|c| c.user_id == user_id)
            .ok_or_else(|| TutorError::NotFound {
                what: "conversation",
                id: id.to_owned(),
            })?;
        let messages = self.db.chat_messages(id, 200).await?;
        Ok(ConversationDetail {
            conversation: (&c).into(),
            messages: messages.iter().map(Into::into).collect(),
        })
    }
}

impl Tutor {
    /// Everything the tutor stores about a learner, for their export: conversations with
    /// their messages, and the exercises generated for them (with solutions: it is their
    /// data).
    pub async fn export(&self, user_id: &str) -> Result<Value, TutorError> {
        let mut conversations = Vec::new();
        for c in self.db.conversations(user_id, i64::MAX, 0).await? {
            let messages: Vec<ChatMessageView> = self
                .db
                .chat_messages(&c.id, i64::MAX)
                .await?
                .iter()
                .map(Into::into)
                .collect();
            conversations.push(serde_json::json!({
                "conversation": ConversationView::from(&c),
                "messages": messages,
            }));
        }
        let exercises: Vec<Value> = self
            .db
            .generated_exercises(user_id)
            .await?
            .iter()
            .map(|e| {
                serde_json::json!({
                    "exercise": ExerciseView::from(e),
                    "reference_solution": e.reference_solution,
                    "tests": serde_json::from_str::<Value>(&e.tests).unwrap_or(Value::Null),
                })
            })
            .collect();
        Ok(serde_json::json!({"conversations": conversations, "generated_exercises": exercises}))
    }
}
