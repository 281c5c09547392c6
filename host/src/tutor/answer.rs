//! The consumer group `tutor` on `learning.requests`: for each queued query, triage
//! decides the intent and topic (unless a route named them), the decision is stored (and
//! published on `concepts.requests` / `debug.requests` for the intents seed 003 names
//! topics for), the agent routed that intent answers on the learner's behalf (its model
//! calls count against their budget), and the answer is stored with its events
//! (`learning.responses`, `exercise.generated`) and its effect on mastery, in one write.
//!
//! Idempotent by query: only a queued query is answered, and the answer's write only
//! lands while it is still queued, so a redelivered event changes nothing. A plugin that
//! fails (trap, timeout, an error it returns) fails the query with a message the learner
//! sees; the bus's retries are for the database or the bus being away.

use serde_json::{Value, json};

use super::{HISTORY_MESSAGES, Tutor, routing};
use crate::events::consumer::Handler;
use crate::events::{Envelope, Subscription, Topic};
use crate::learning::clock::Now;
use crate::plugins::contract::agent::{AgentReply, AgentRequest, Exercise};
use crate::plugins::contract::triage::{Decision, TriageQuery};
use crate::plugins::contract::types::{Error as ContractError, Message, Role};
use crate::runtime::capabilities::llm::OnBehalfOf;
use crate::store::tutor::{Answered, ExerciseRow, MessageRow, QueryRow, status};
use crate::store::{StoreError, now_ms};

/// The consumer group.
pub const CONSUMER: &str = "tutor";

/// Queries one replica answers at once (each worker takes one at a time).
pub const WORKERS: usize = 8;

/// What the group reads.
pub const SUBSCRIPTION: Subscription = Subscription {
    consumer: CONSUMER,
    topic: Topic::LearningRequests,
};

/// Why a query could not be answered; stored as its `failure`, shown to the learner.
type Failure = String;

/// A step of answering that either fails the query or is retried by the bus.
enum Stop {
    /// Fail the query with this message.
    Fail(Failure),
    /// The database is away: the bus delivers the event again.
    Retry(String),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Retry(e.to_string())
    }
}

#[async_trait::async_trait]
impl Handler for Tutor {
    async fn handle(&self, event: &Envelope) -> Result<(), String> {
        let Some(query_id) = event.payload.get("query_id").and_then(Value::as_str) else {
            return Err("the payload has no query_id".into());
        };
        let Some(query) = self
            .db
            .tutor_query(query_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            // Deleted with its learner's account: nothing to answer.
            return Ok(());
        };
        if query.status != status::QUEUED {
            return Ok(());
        }
        match self.answer(&query).await {
            Ok(()) => {}
            Err(Stop::Fail(failure)) => {
                tracing::warn!(query = %query.id, %failure, "tutor query failed");
                self.db
                    .fail_query(&query.id, &failure)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Err(Stop::Retry(why)) => return Err(why),
        }
        self.watch.changed(&query.id);
        Ok(())
    }
}

impl Tutor {
    /// Decides, asks the agent, stores the answer.
    async fn answer(&self, query: &QueryRow) -> Result<(), Stop> {
        let snapshot = self.registry.snapshot();
        let decision = match (&query.forced_intent, &query.decision) {
            (Some(_), Some(decided)) => serde_json::from_str::<Value>(decided)
                .map_err(|e| Stop::Fail(format!("the stored decision is unreadable: {e}")))?,
            _ => {
                let d = self.triage(query, &snapshot).await?;
                serde_json::to_value(&d).unwrap_or_default()
            }
        };
        let intent = decision["intent"].as_str().unwrap_or_default().to_owned();
        let topic = decision["topic"].as_str().unwrap_or("general").to_owned();
        let Some(agent) = snapshot
            .agents
            .get(&intent)
            .map(|stable| snapshot.serving(stable, Some(&query.user_id)))
        else {
            return Err(Stop::Fail(format!(
                "no installed agent answers the intent `{intent}`"
            )));
        };
        let mut events = Vec::new();
        let routed_topic = match intent.as_str() {
            "concepts" => Some(Topic::ConceptsRequests),
            "debug" => Some(Topic::DebugRequests),
            _ => None,
        };
        let (learner, mastery) = self
            .learning
            .tutor_context(&query.user_id, &topic)
            .await
            .map_err(|e| Stop::Retry(e.to_string()))?;
        if let Some(t) = routed_topic {
            events.push(routed_event(t, query, &decision, mastery));
        }
        let decision_text = decision.to_string();
        if !self
            .db
            .record_decision(&query.id, &decision_text, &agent.manifest.id, &events)
            .await?
        {
            return Ok(());
        }
        if !events.is_empty() {
            self.bus.outbox_written();
        }
        self.watch.changed(&query.id);

        let history = self
            .db
            .chat_messages(&query.conversation_id, HISTORY_MESSAGES)
            .await?;
        let base_exercise = match &query.base_exercise_id {
            Some(id) => self
                .db
                .generated_exercise(id)
                .await?
                .map(|e| exercise_of_row(&e)),
            None => None,
        };
        let request = AgentRequest {
            learner,
            messages: conversation(&history, query),
            intent: intent.clone(),
            topic: topic.clone(),
            mastery,
            code: query.code.clone(),
            error: query.error.clone(),
            difficulty: query.difficulty.clone(),
            base_exercise,
            earlier: history
                .iter()
                .filter(|m| m.role == "assistant" && m.agent.as_deref() == Some(&agent.manifest.id))
                .map(|m| m.data.clone())
                .collect(),
            settings: "{}".into(),
        };
        let on_behalf_of = OnBehalfOf::new(&query.user_id);
        let runtime = self.registry.runtime();
        let reply = match runtime.respond(&agent, &request, Some(&on_behalf_of)).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => {
                if let Some(refusal) = on_behalf_of.refusal() {
                    return Err(Stop::Fail(refusal.message));
                }
                return Err(Stop::Fail(agent_error(&agent.manifest.id, &e)));
            }
            Err(e) => {
                return Err(Stop::Fail(format!(
                    "the agent {} failed: {}",
                    agent.manifest.id, e.kind
                )));
            }
        };
        self.store_answer(query, &intent, &topic, &agent.manifest.id, reply)
            .await
    }

    /// Triage's decision on `query`, checked: its intent must be one offered.
    async fn triage(
        &self,
        query: &QueryRow,
        snapshot: &crate::plugins::Snapshot,
    ) -> Result<Decision, Stop> {
        let Some(triage) = snapshot.triage.clone() else {
            return Err(Stop::Fail("no triage plugin is installed".into()));
        };
        let intents = routing::offered_intents(snapshot);
        if intents.is_empty() {
            return Err(Stop::Fail("no tutor agent is installed".into()));
        }
        let history = self
            .db
            .chat_messages(&query.conversation_id, HISTORY_MESSAGES)
            .await?;
        let (learner, _) = self
            .learning
            .tutor_context(&query.user_id, "general")
            .await
            .map_err(|e| Stop::Retry(e.to_string()))?;
        let request = TriageQuery {
            text: query.text.clone(),
            code: query.code.clone(),
            error: query.error.clone(),
            history: conversation(&history, query)
                .into_iter()
                .rev()
                .skip(1)
                .rev()
                .collect(),
            learner: Some(learner),
            intents: intents.clone(),
        };
        let decision = match self.registry.runtime().classify(&triage, &request).await {
            Ok(Ok(d)) => d,
            Ok(Err(e)) => return Err(Stop::Fail(agent_error(&triage.manifest.id, &e))),
            // A timeout is usually triage filling its vector cache on a busy machine: the
            // chunks it stored stay, so another try goes further.
            Err(e) if matches!(e.kind, crate::runtime::PluginErrorKind::Timeout { .. }) => {
                return Err(Stop::Retry(format!(
                    "triage ({}) timed out: {}",
                    triage.manifest.id, e.kind
                )));
            }
            Err(e) => {
                return Err(Stop::Fail(format!(
                    "triage ({}) failed: {}",
                    triage.manifest.id, e.kind
                )));
            }
        };
        if !intents.iter().any(|i| i.name == decision.intent) {
            return Err(Stop::Fail(format!(
                "triage ({}) chose `{}`, which no installed agent answers",
                triage.manifest.id, decision.intent
            )));
        }
        Ok(Decision {
            topic: if routing::is_topic(&decision.topic) {
                decision.topic
            } else {
                "general".into()
            },
            ..decision
        })
    }

    /// Stores the agent's reply (with its exercise and code-quality rating) and events.
    async fn store_answer(
        &self,
        query: &QueryRow,
        intent: &str,
        topic: &str,
        agent: &str,
        reply: AgentReply,
    ) -> Result<(), Stop> {
        let now = now_ms();
        let data: Value = serde_json::from_str(&reply.data)
            .ok()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        let message = MessageRow {
            id: uuid::Uuid::new_v4().to_string(),
            conversation_id: query.conversation_id.clone(),
            user_id: query.user_id.clone(),
            role: "assistant".into(),
            content: reply.content.clone(),
            query_id: Some(query.id.clone()),
            intent: Some(intent.to_owned()),
            agent: Some(agent.to_owned()),
            data: data.to_string(),
            follow_ups: serde_json::to_string(&reply.follow_ups).unwrap_or_else(|_| "[]".into()),
            created_at: now,
        };
        let exercise = match &reply.exercise {
            Some(e) => Some(exercise_row(query, agent, e).map_err(Stop::Fail)?),
            None => None,
        };
        let quality = reply
            .code_quality
            .filter(|q| q.is_finite())
            .map(|q| f64::from(q).clamp(0.0, 1.0));
        let stats = match quality {
            Some(q) if topic != "general" => Some((
                q,
                self.learning
                    .rate_code(&query.user_id, topic, q, Now(now))
                    .await
                    .map_err(|e| Stop::Retry(e.to_string()))?,
            )),
            _ => None,
        };
        let mut response = json!({"query_id": query.id, "agent": agent, "text": reply.content});
        if let Some(rung) = data.get("rung").and_then(Value::as_u64).filter(|r| *r >= 1) {
            response["rung"] = json!(rung);
        }
        let mut events = vec![
            Envelope::new(Topic::LearningResponses, "tutor.answer", response)
                .for_user(&query.user_id)
                .correlated(&query.id),
        ];
        if let Some(e) = &exercise {
            let mut payload =
                json!({"exercise_id": e.id, "topic": e.topic, "difficulty": e.difficulty});
            if let Some(base) = &e.base_id {
                payload["variation_of"] = json!(base);
            }
            events.push(
                Envelope::new(Topic::ExerciseGenerated, "exercise.generated", payload)
                    .for_user(&query.user_id)
                    .correlated(&query.id),
            );
        }
        let stored = self
            .db
            .record_answer(&Answered {
                query_id: &query.id,
                message: &message,
                exercise: exercise.as_ref(),
                code_quality: stats.as_ref().map(|(q, row)| (*q, row)),
                events: &events,
            })
            .await?;
        if stored {
            self.bus.outbox_written();
        }
        Ok(())
    }
}

/// The conversation as an agent reads it, oldest first, ending with the query's text.
fn conversation(history: &[MessageRow], query: &QueryRow) -> Vec<Message> {
    let mut messages: Vec<Message> = history
        .iter()
        .filter(|m| m.query_id.as_deref() != Some(query.id.as_str()) || m.role != "user")
        .map(|m| Message {
            role: if m.role == "assistant" {
                Role::Assistant
            } else {
                Role::User
            },
            content: m.content.clone(),
        })
        .collect();
    messages.push(Message {
        role: Role::User,
        content: query.text.clone(),
    });
    messages
}

/// What the learner is told when a plugin answers an error.
fn agent_error(plugin: &str, e: &ContractError) -> String {
    match e {
        ContractError::InvalidInput(f) => format!("{plugin} cannot use {}: {}", f.field, f.message),
        ContractError::Unsupported(m) => format!("{plugin} does not do this: {m}"),
        ContractError::Unavailable(m) => format!("{plugin} cannot answer now: {m}"),
        ContractError::Internal(m) => format!("{plugin} failed: {m}"),
    }
}

/// The `concepts.requests` / `debug.requests` event of a routed query.
fn routed_event(
    topic: Topic,
    query: &QueryRow,
    decision: &Value,
    mastery: Option<f32>,
) -> Envelope {
    let mut payload = json!({
        "query_id": query.id,
        "text": query.text,
        "intent": decision["intent"],
        "topic": decision["topic"],
        "confidence": decision["confidence"].as_f64().unwrap_or(0.0).clamp(0.0, 1.0),
        "decided_by": decision["decided_by"],
    });
    for (key, value) in [
        ("code", &query.code),
        ("error", &query.error),
        ("step_id", &query.step_id),
    ] {
        if let Some(v) = value {
            payload[key] = json!(v);
        }
    }
    if let Some(m) = mastery {
        payload["mastery"] = json!(f64::from(m).clamp(0.0, 1.0));
    }
    Envelope::new(topic, "tutor.routed", payload)
        .for_user(&query.user_id)
        .correlated(&query.id)
}

/// A stored exercise as the contract's record (for a variation).
pub fn exercise_of_row(e: &ExerciseRow) -> Exercise {
    Exercise {
        title: e.title.clone(),
        prompt: e.prompt.clone(),
        topic: e.topic.clone(),
        difficulty: e.difficulty.clone(),
        starter_code: e.starter_code.clone(),
        reference_solution: e.reference_solution.clone(),
        tests: serde_json::from_str(&e.tests).unwrap_or_default(),
    }
}

/// An agent's exercise as a row, after the host's own check of its shape (the agent
/// validated it in the sandbox; a malformed one is never stored or served).
fn exercise_row(query: &QueryRow, agent: &str, e: &Exercise) -> Result<ExerciseRow, Failure> {
    let bad = |why: &str| {
        Err(format!(
            "the agent {agent} generated an unusable exercise: {why}"
        ))
    };
    if e.title.trim().is_empty() || e.prompt.trim().is_empty() {
        return bad("no title or prompt");
    }
    if e.reference_solution.trim().is_empty() {
        return bad("no reference solution");
    }
    if e.tests.is_empty()
        || e.tests
            .iter()
            .any(|t| t.assertion.is_none() && t.expected_stdout.is_none())
    {
        return bad("a test with neither an assertion nor an expected output");
    }
    if !super::DIFFICULTIES.contains(&e.difficulty.as_str()) {
        return bad("difficulty is not easy, medium or hard");
    }
    Ok(ExerciseRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: query.user_id.clone(),
        query_id: Some(query.id.clone()),
        base_id: query.base_exercise_id.clone(),
        agent: agent.to_owned(),
        topic: if routing::is_topic(&e.topic) {
            e.topic.clone()
        } else {
            "general".into()
        },
        difficulty: e.difficulty.clone(),
        title: e.title.clone(),
        prompt: e.prompt.clone(),
        starter_code: e.starter_code.clone(),
        reference_solution: e.reference_solution.clone(),
        tests: serde_json::to_string(&e.tests).unwrap_or_else(|_| "[]".into()),
        created_at: now_ms(),
    })
}
