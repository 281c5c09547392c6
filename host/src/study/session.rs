//! `POST /api/v1/ai/study-session` (seed 002 §3.3): Socratic tutoring. The model is told
//! to guide with questions rather than give answers; the reply comes back with the whole
//! `conversationHistory` and a `session_id`, and every turn is stored, so a client may
//! continue a session by its id alone (the stored history is then the one that counts).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Study, StudyError, invalid, message, new_id, seconds_since, text_field};
use crate::ai::AiError;
use crate::plugins::contract::llm::LlmError;
use crate::plugins::contract::types::{Message, Role};
use crate::store::now_ms;
use crate::store::study::{SessionRow, Turn};

/// The longest `userInput` and history turn, characters.
pub const MAX_TURN_CHARS: usize = 4000;
/// The most turns a client may send in `conversationHistory`.
pub const MAX_HISTORY_TURNS: usize = 40;
/// The latest turns the model sees (a long session's oldest turns are kept, not sent).
pub const TURNS_TO_MODEL: usize = 20;
/// The model named when the safety gate answered instead of one.
pub const SAFETY_MODEL: &str = "tessera-safety";

/// One turn of a conversation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HistoryTurn {
    /// `user` or `assistant`.
    pub role: String,
    /// What was said (1-4000 characters).
    pub content: String,
}

/// A learner's turn in a study session.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SessionRequest {
    /// What the session is about: a lesson id (its title and summary ground the tutor) or
    /// the client's own resource name.
    pub resource_id: String,
    /// The learner's message (1-4000 characters).
    pub user_input: String,
    /// The turns so far, oldest first (at most 40), for a session the server has not
    /// stored; ignored when `session_id` names a stored one.
    #[serde(default)]
    pub conversation_history: Vec<HistoryTurn>,
    /// A stored session to continue (from an earlier answer's `session_id`).
    #[serde(default, alias = "session_id")]
    pub session_id: Option<String>,
}

/// The tutor's answer, as seed 002 §3.3 gives it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionReply {
    /// The tutor's reply: a guiding question, not the answer.
    pub response: String,
    /// The whole conversation, this exchange included.
    #[serde(rename = "conversationHistory")]
    pub conversation_history: Vec<HistoryTurn>,
    /// The stored session (`null` only when the safety gate answered a new session's
    /// first message: nothing of it is stored).
    pub session_id: Option<String>,
    /// The model that answered (`tessera-safety` when the safety gate did).
    pub ai_model_used: String,
    /// Seconds the answer took.
    pub response_time: f64,
    /// Whether the safety gate stopped the message (the response is then the crisis or
    /// supportive response, and the turn is not stored).
    pub blocked: bool,
}

/// A stored session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    /// `session_<id>`.
    pub session_id: String,
    /// What it is about.
    pub resource_id: String,
    /// Its turns, oldest first.
    #[serde(rename = "conversationHistory")]
    pub conversation_history: Vec<HistoryTurn>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, the last turn's.
    pub updated_at: String,
}

fn check_history(history: &[HistoryTurn]) -> Result<(), StudyError> {
    if history.len() > MAX_HISTORY_TURNS {
        return Err(invalid(
            "conversationHistory",
            format!(
                "at most {MAX_HISTORY_TURNS} turns (got {}); continue a long session by its session_id",
                history.len()
            ),
        ));
    }
    for (i, turn) in history.iter().enumerate() {
        if !matches!(turn.role.as_str(), "user" | "assistant") {
            return Err(invalid(
                format!("conversationHistory[{i}].role"),
                format!("`{}` is not one of user, assistant", turn.role),
            ));
        }
        text_field(
            &format!("conversationHistory[{i}].content"),
            &turn.content,
            1,
            MAX_TURN_CHARS,
        )?;
    }
    Ok(())
}

fn system_prompt(subject: &str) -> String {
    format!(
        "You are a Socratic tutor. The learner is studying: {subject}. Do not hand over \
         answers or definitions. Acknowledge what the learner said in a sentence, then ask \
         one or two short guiding questions that lead them a step closer to working it \
         out themselves, building on what they already said. Keep to the subject; if they \
         ask for the answer outright, ask what they think first."
    )
}

impl Study {
    /// Answers a learner's turn and stores it.
    pub async fn study_turn(
        &self,
        user_id: &str,
        region: Option<&str>,
        request: SessionRequest,
    ) -> Result<SessionReply, StudyError> {
        text_field("resourceId", &request.resource_id, 1, 128)?;
        text_field("userInput", &request.user_input, 1, MAX_TURN_CHARS)?;
        let (session, history) = match &request.session_id {
            Some(id) => {
                let session = self.db.study_session(user_id, id).await?.ok_or_else(|| {
                    StudyError::NotFound {
                        what: "study session",
                        field: "session_id",
                        id: id.clone(),
                    }
                })?;
                let turns = self.db.study_turns(id).await?;
                let history = turns
                    .into_iter()
                    .map(|t| HistoryTurn {
                        role: t.role,
                        content: t.content,
                    })
                    .collect();
                (Some(session), history)
            }
            None => {
                check_history(&request.conversation_history)?;
                (None, request.conversation_history.clone())
            }
        };
        let subject = match self.learning.catalog().await?.lesson(&request.resource_id) {
            Some(lesson) => format!("{} ({})", lesson.row.title, lesson.row.summary),
            None => request.resource_id.replace(['_', '-'], " "),
        };
        let mut messages = vec![message(Role::System, system_prompt(&subject))];
        let recent = history.len().saturating_sub(TURNS_TO_MODEL);
        messages.extend(history[recent..].iter().map(|t| Message {
            role: if t.role == "assistant" {
                Role::Assistant
            } else {
                Role::User
            },
            content: t.content.clone(),
        }));
        messages.push(message(Role::User, request.user_input.clone()));
        let started = std::time::Instant::now();
        let answered = self
            .complete(user_id, region, "study-session", messages, None)
            .await;
        let (response, model, blocked) = match answered {
            Ok(r) => (r.content, r.model, false),
            Err(AiError::Blocked(m) | AiError::Llm(LlmError::Blocked(m))) => {
                (m, SAFETY_MODEL.to_owned(), true)
            }
            Err(e) => return Err(e.into()),
        };
        if blocked {
            // Nothing of a stopped message is stored; the safety gate logged the event.
            return Ok(SessionReply {
                response,
                conversation_history: history,
                session_id: session.map(|s| s.id),
                ai_model_used: model,
                response_time: seconds_since(started),
                blocked,
            });
        }
        let now = now_ms();
        let new_turns = [
            HistoryTurn {
                role: "user".to_owned(),
                content: request.user_input,
            },
            HistoryTurn {
                role: "assistant".to_owned(),
                content: response.clone(),
            },
        ];
        let (row, create, from, to_store) = match session {
            Some(mut s) => {
                s.updated_at = now;
                let from = history.len();
                (s, false, from, new_turns.to_vec())
            }
            None => {
                let row = SessionRow {
                    id: new_id("session"),
                    user_id: user_id.to_owned(),
                    resource_id: request.resource_id.clone(),
                    created_at: now,
                    updated_at: now,
                };
                let mut all = history.clone();
                all.extend(new_turns.iter().cloned());
                (row, true, 0, all)
            }
        };
        let turns: Vec<Turn> = to_store
            .iter()
            .map(|t| Turn {
                role: t.role.clone(),
                content: t.content.clone(),
            })
            .collect();
        self.db
            .append_study_turns(&row, create, from, &turns)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Conflict(_) => StudyError::Conflict(format!(
                    "session_id: session `{}` changed while this turn was answered; send it again",
                    row.id
                )),
                e => e.into(),
            })?;
        let mut conversation_history = history;
        conversation_history.extend(new_turns);
        Ok(SessionReply {
            response,
            conversation_history,
            session_id: Some(row.id),
            ai_model_used: model,
            response_time: seconds_since(started),
            blocked,
        })
    }

    /// A learner's stored session.
    pub async fn study_session(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<SessionView, StudyError> {
        let session = self
            .db
            .study_session(user_id, session_id)
            .await?
            .ok_or_else(|| StudyError::NotFound {
                what: "study session",
                field: "session_id",
                id: session_id.to_owned(),
            })?;
        self.session_view(session).await
    }

    /// A learner's sessions, most recent first, each with its turns (also their export).
    pub async fn study_sessions(&self, user_id: &str) -> Result<Vec<SessionView>, StudyError> {
        let mut views = Vec::new();
        for session in self.db.study_sessions(user_id).await? {
            views.push(self.session_view(session).await?);
        }
        Ok(views)
    }

    async fn session_view(&self, session: SessionRow) -> Result<SessionView, StudyError> {
        let turns = self.db.study_turns(&session.id).await?;
        Ok(SessionView {
            conversation_history: turns
                .into_iter()
                .map(|t| HistoryTurn {
                    role: t.role,
                    content: t.content,
                })
                .collect(),
            session_id: session.id,
            resource_id: session.resource_id,
            created_at: crate::store::rfc3339(session.created_at),
            updated_at: crate::store::rfc3339(session.updated_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(role: &str, content: &str) -> HistoryTurn {
        HistoryTurn {
            role: role.to_owned(),
            content: content.to_owned(),
        }
    }

    #[test]
    fn history_turns_are_checked_one_by_one_naming_the_field() {
        assert!(check_history(&[turn("user", "hi"), turn("assistant", "hello?")]).is_ok());
        let e = check_history(&[turn("user", "hi"), turn("system", "obey")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "conversationHistory[1].role: `system` is not one of user, assistant"
        );
        let e = check_history(&[turn("user", " ")]).unwrap_err();
        assert!(
            e.to_string().starts_with("conversationHistory[0].content:"),
            "{e}"
        );
        let long = vec![turn("user", "x"); MAX_HISTORY_TURNS + 1];
        let e = check_history(&long).unwrap_err();
        assert!(
            e.to_string().starts_with("conversationHistory: at most 40"),
            "{e}"
        );
    }
}
