//! The tutor's tables (`migrations/shared/20261204160000_tutor.sql`): conversations and
//! their messages, the queries learners send and how each was answered, and the exercises
//! agents generate (`crate::tutor` decides; docs/tutor.md).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::learning::{TopicStatsRow, upsert_topic_stats};
use super::{Db, StoreError};
use crate::events::Envelope;

/// A query's state.
pub mod status {
    /// Accepted; triage and the agent have not answered yet.
    pub const QUEUED: &str = "queued";
    /// An agent answered.
    pub const ANSWERED: &str = "answered";
    /// Nothing could answer (no agent for the intent, a plugin failed, retries ran out).
    pub const FAILED: &str = "failed";
    /// The safety gate stopped it; the answer is the crisis or supportive response.
    pub const BLOCKED: &str = "blocked";
}

/// A learner's query.
#[derive(Debug, Clone, Default)]
pub struct QueryRow {
    /// Id (UUID).
    pub id: String,
    /// The learner.
    pub user_id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// What the learner typed.
    pub text: String,
    /// The code box.
    pub code: Option<String>,
    /// The error box.
    pub error: Option<String>,
    /// The lesson step the learner is on.
    pub step_id: Option<String>,
    /// The difficulty asked for (exercise generation).
    pub difficulty: Option<String>,
    /// The exercise to vary (exercise variations).
    pub base_exercise_id: Option<String>,
    /// The intent a route named, skipping triage.
    pub forced_intent: Option<String>,
    /// One of [`status`].
    pub status: String,
    /// Triage's decision, JSON.
    pub decision: Option<String>,
    /// The plugin that answers.
    pub agent: Option<String>,
    /// The assistant's message.
    pub answer_id: Option<String>,
    /// The exercise the answer generated.
    pub exercise_id: Option<String>,
    /// The code-quality rating the answer gave.
    pub code_quality: Option<f64>,
    /// Why it failed.
    pub failure: Option<String>,
    /// When, ms.
    pub created_at: i64,
    /// When answered, ms.
    pub answered_at: Option<i64>,
}

const QUERY_COLUMNS: &str = "id, user_id, conversation_id, text, code, error, step_id, \
    difficulty, base_exercise_id, forced_intent, status, decision, agent, answer_id, \
    exercise_id, code_quality, failure, created_at, answered_at";

fn query_row(r: &AnyRow) -> Result<QueryRow, sqlx::Error> {
    Ok(QueryRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        conversation_id: r.try_get("conversation_id")?,
        text: r.try_get("text")?,
        code: r.try_get("code")?,
        error: r.try_get("error")?,
        step_id: r.try_get("step_id")?,
        difficulty: r.try_get("difficulty")?,
        base_exercise_id: r.try_get("base_exercise_id")?,
        forced_intent: r.try_get("forced_intent")?,
        status: r.try_get("status")?,
        decision: r.try_get("decision")?,
        agent: r.try_get("agent")?,
        answer_id: r.try_get("answer_id")?,
        exercise_id: r.try_get("exercise_id")?,
        code_quality: r.try_get("code_quality")?,
        failure: r.try_get("failure")?,
        created_at: r.try_get("created_at")?,
        answered_at: r.try_get("answered_at")?,
    })
}

/// One message of a conversation (the ChatMessage entity).
#[derive(Debug, Clone, Default)]
pub struct MessageRow {
    /// Id (UUID).
    pub id: String,
    /// The conversation.
    pub conversation_id: String,
    /// The learner whose conversation it is.
    pub user_id: String,
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
    /// The agent's `data` (a JSON object), handed back to it on later turns.
    pub data: String,
    /// Suggested follow-ups, a JSON list.
    pub follow_ups: String,
    /// When, ms.
    pub created_at: i64,
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, user_id, role, content, query_id, intent, \
    agent, data, follow_ups, created_at";

fn message_row(r: &AnyRow) -> Result<MessageRow, sqlx::Error> {
    Ok(MessageRow {
        id: r.try_get("id")?,
        conversation_id: r.try_get("conversation_id")?,
        user_id: r.try_get("user_id")?,
        role: r.try_get("role")?,
        content: r.try_get("content")?,
        query_id: r.try_get("query_id")?,
        intent: r.try_get("intent")?,
        agent: r.try_get("agent")?,
        data: r.try_get("data")?,
        follow_ups: r.try_get("follow_ups")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A conversation.
#[derive(Debug, Clone, Default)]
pub struct ConversationRow {
    /// Id (UUID).
    pub id: String,
    /// The learner.
    pub user_id: String,
    /// The first query's opening words.
    pub title: String,
    /// When, ms.
    pub created_at: i64,
    /// When the last message came, ms.
    pub updated_at: i64,
    /// How many messages it holds (0 when not counted).
    pub messages: i64,
}

/// A generated exercise.
#[derive(Debug, Clone, Default)]
pub struct ExerciseRow {
    /// Id (UUID).
    pub id: String,
    /// The learner it was generated for.
    pub user_id: String,
    /// The query that asked for it.
    pub query_id: Option<String>,
    /// The exercise it varies.
    pub base_id: Option<String>,
    /// The agent that generated it.
    pub agent: String,
    /// Topic.
    pub topic: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
    /// Title.
    pub title: String,
    /// The task (Markdown).
    pub prompt: String,
    /// Code the learner starts from.
    pub starter_code: String,
    /// The reference solution (never shown).
    pub reference_solution: String,
    /// The hidden tests, a JSON list of code-runner test cases.
    pub tests: String,
    /// When, ms.
    pub created_at: i64,
}

const EXERCISE_COLUMNS: &str = "id, user_id, query_id, base_id, agent, topic, difficulty, \
    title, prompt, starter_code, reference_solution, tests, created_at";

fn exercise_row(r: &AnyRow) -> Result<ExerciseRow, sqlx::Error> {
    Ok(ExerciseRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        query_id: r.try_get("query_id")?,
        base_id: r.try_get("base_id")?,
        agent: r.try_get("agent")?,
        topic: r.try_get("topic")?,
        difficulty: r.try_get("difficulty")?,
        title: r.try_get("title")?,
        prompt: r.try_get("prompt")?,
        starter_code: r.try_get("starter_code")?,
        reference_solution: r.try_get("reference_solution")?,
        tests: r.try_get("tests")?,
        created_at: r.try_get("created_at")?,
    })
}

/// An accepted query: the conversation when it starts one, the learner's message, the
/// query, the answer when the query is decided at once (a safety stop), and its events.
pub struct Accepted<'a> {
    /// A conversation to create.
    pub conversation: Option<&'a ConversationRow>,
    /// The learner's message.
    pub message: &'a MessageRow,
    /// The query.
    pub query: &'a QueryRow,
    /// The answer, for a query decided at once.
    pub answer: Option<&'a MessageRow>,
    /// Events to stage with it.
    pub events: &'a [Envelope],
}

/// An agent's answer to store.
pub struct Answered<'a> {
    /// The query answered.
    pub query_id: &'a str,
    /// The assistant's message.
    pub message: &'a MessageRow,
    /// The exercise it generated.
    pub exercise: Option<&'a ExerciseRow>,
    /// The code-quality rating, with the topic statistics the lesson engine made of it.
    pub code_quality: Option<(f64, &'a TopicStatsRow)>,
    /// Events to stage with it.
    pub events: &'a [Envelope],
}

async fn insert_message(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    m: &MessageRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO chat_messages ({MESSAGE_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&m.id)
    .bind(&m.conversation_id)
    .bind(&m.user_id)
    .bind(&m.role)
    .bind(&m.content)
    .bind(&m.query_id)
    .bind(&m.intent)
    .bind(&m.agent)
    .bind(&m.data)
    .bind(&m.follow_ups)
    .bind(m.created_at)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE tutor_conversations SET updated_at = $2 WHERE id = $1")
        .bind(&m.conversation_id)
        .bind(m.created_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Db {
    /// Stores an accepted query in one transaction (with its events in the outbox).
    pub async fn accept_query(&self, a: &Accepted<'_>) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        if let Some(c) = a.conversation {
            sqlx::query(
                "INSERT INTO tutor_conversations (id, user_id, title, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&c.id)
            .bind(&c.user_id)
            .bind(&c.title)
            .bind(c.created_at)
            .bind(c.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        let q = a.query;
        sqlx::query(&format!(
            "INSERT INTO tutor_queries ({QUERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
        ))
        .bind(&q.id)
        .bind(&q.user_id)
        .bind(&q.conversation_id)
        .bind(&q.text)
        .bind(&q.code)
        .bind(&q.error)
        .bind(&q.step_id)
        .bind(&q.difficulty)
        .bind(&q.base_exercise_id)
        .bind(&q.forced_intent)
        .bind(&q.status)
        .bind(&q.decision)
        .bind(&q.agent)
        .bind(&q.answer_id)
        .bind(&q.exercise_id)
        .bind(q.code_quality)
        .bind(&q.failure)
        .bind(q.created_at)
        .bind(q.answered_at)
        .execute(&mut *tx)
        .await?;
        insert_message(&mut tx, a.message).await?;
        if let Some(answer) = a.answer {
            insert_message(&mut tx, answer).await?;
        }
        crate::events::outbox::stage(&mut tx, a.events).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A query by id.
    pub async fn tutor_query(&self, id: &str) -> Result<Option<QueryRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {QUERY_COLUMNS} FROM tutor_queries WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(query_row).transpose()?)
    }

    /// Records triage's decision on a queued query (and stages the routed event); false
    /// when the query is no longer queued.
    pub async fn record_decision(
        &self,
        query_id: &str,
        decision: &str,
        agent: &str,
        events: &[Envelope],
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE tutor_queries SET decision = $2, agent = $3 WHERE id = $1 AND status = $4",
        )
        .bind(query_id)
        .bind(decision)
        .bind(agent)
        .bind(status::QUEUED)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 1 {
            crate::events::outbox::stage(&mut tx, events).await?;
        }
        tx.commit().await?;
        Ok(updated == 1)
    }

    /// Stores an agent's answer to a queued query, with the exercise it generated, the
    /// code-quality rating's effect on mastery, and its events, in one transaction; false
    /// when the query is no longer queued (a redelivered event: nothing changes).
    pub async fn record_answer(&self, a: &Answered<'_>) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let m = a.message;
        let updated = sqlx::query(
            "UPDATE tutor_queries SET status = $2, answer_id = $3, exercise_id = $4, \
             code_quality = $5, answered_at = $6 WHERE id = $1 AND status = $7 \
             AND EXISTS (SELECT 1 FROM users WHERE id = tutor_queries.user_id)",
        )
        .bind(a.query_id)
        .bind(status::ANSWERED)
        .bind(&m.id)
        .bind(a.exercise.map(|e| e.id.as_str()))
        .bind(a.code_quality.map(|(q, _)| q))
        .bind(m.created_at)
        .bind(status::QUEUED)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 1 {
            insert_message(&mut tx, m).await?;
            if let Some(e) = a.exercise {
                sqlx::query(&format!(
                    "INSERT INTO generated_exercises ({EXERCISE_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                ))
                .bind(&e.id)
                .bind(&e.user_id)
                .bind(&e.query_id)
                .bind(&e.base_id)
                .bind(&e.agent)
                .bind(&e.topic)
                .bind(&e.difficulty)
                .bind(&e.title)
                .bind(&e.prompt)
                .bind(&e.starter_code)
                .bind(&e.reference_solution)
                .bind(&e.tests)
                .bind(e.created_at)
                .execute(&mut *tx)
                .await?;
            }
            if let Some((_, stats)) = a.code_quality {
                upsert_topic_stats(&mut tx, &m.user_id, stats, m.created_at).await?;
            }
            crate::events::outbox::stage(&mut tx, a.events).await?;
        }
        tx.commit().await?;
        if updated == 1 && a.code_quality.is_some() {
            self.learner_changed(&m.user_id).await;
        }
        Ok(updated == 1)
    }

    /// Marks a queued query failed, saying why.
    pub async fn fail_query(&self, query_id: &str, failure: &str) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE tutor_queries SET status = $2, failure = $3, answered_at = $4 \
             WHERE id = $1 AND status = $5",
        )
        .bind(query_id)
        .bind(status::FAILED)
        .bind(failure)
        .bind(super::now_ms())
        .bind(status::QUEUED)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A conversation by id, with its message count.
    pub async fn conversation(&self, id: &str) -> Result<Option<ConversationRow>, StoreError> {
        let row = sqlx::query(
            "SELECT c.id, c.user_id, c.title, c.created_at, c.updated_at, \
             (SELECT COUNT(*) FROM chat_messages m WHERE m.conversation_id = c.id) AS n \
             FROM tutor_conversations c WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(conversation_row).transpose()?)
    }

    /// A learner's conversations, the most recent first.
    pub async fn conversations(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.user_id, c.title, c.created_at, c.updated_at, \
             (SELECT COUNT(*) FROM chat_messages m WHERE m.conversation_id = c.id) AS n \
             FROM tutor_conversations c WHERE c.user_id = $1 \
             ORDER BY c.updated_at DESC, c.id LIMIT $2 OFFSET $3",
        )
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(conversation_row)
            .collect::<Result<_, _>>()?)
    }

    /// The last `limit` messages of a conversation, oldest first.
    pub async fn chat_messages(
        &self,
        conversation_id: &str,
        limit: i64,
    ) -> Result<Vec<MessageRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE conversation_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(conversation_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut messages = rows
            .iter()
            .map(message_row)
            .collect::<Result<Vec<_>, _>>()?;
        messages.reverse();
        Ok(messages)
    }

    /// A message by id.
    pub async fn chat_message(&self, id: &str) -> Result<Option<MessageRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(message_row).transpose()?)
    }

    /// A generated exercise by id.
    pub async fn generated_exercise(&self, id: &str) -> Result<Option<ExerciseRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {EXERCISE_COLUMNS} FROM generated_exercises WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(exercise_row).transpose()?)
    }

    /// A learner's generated exercises, newest first.
    pub async fn generated_exercises(&self, user_id: &str) -> Result<Vec<ExerciseRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {EXERCISE_COLUMNS} FROM generated_exercises WHERE user_id = $1 \
             ORDER BY created_at DESC"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(exercise_row).collect::<Result<_, _>>()?)
    }
}

fn conversation_row(r: &AnyRow) -> Result<ConversationRow, sqlx::Error> {
    Ok(ConversationRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        title: r.try_get("title")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        messages: r.try_get("n")?,
    })
}
