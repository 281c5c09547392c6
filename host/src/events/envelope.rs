//! What travels on the bus: one envelope for every topic (docs/events.md), its payload
//! checked against the topic's JSON Schema (`host/src/events/schemas/<topic>.json`) when
//! it is published and again when it is consumed.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::EventsError;

/// The version of the envelope and of every topic's payload schema written today. A
/// consumer reads the versions it knows and dead-letters the others.
pub const SCHEMA_VERSION: u32 = 1;

/// A topic, named as docs/requirements.md (seed 003's table) names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Topic {
    /// A learner's question to the tutor, before triage.
    #[serde(rename = "learning.requests")]
    LearningRequests,
    /// A question triage routed to the concepts agent.
    #[serde(rename = "concepts.requests")]
    ConceptsRequests,
    /// Code a learner submitted (an exercise, or code for review).
    #[serde(rename = "code.submissions")]
    CodeSubmissions,
    /// A question triage routed to the debug agent.
    #[serde(rename = "debug.requests")]
    DebugRequests,
    /// An exercise the exercise agent generated and validated.
    #[serde(rename = "exercise.generated")]
    ExerciseGenerated,
    /// An agent's answer.
    #[serde(rename = "learning.responses")]
    LearningResponses,
    /// A learner who needs a teacher's attention.
    #[serde(rename = "struggle.detected")]
    StruggleDetected,
    /// Activity: steps completed, quizzes answered, exercises passed.
    #[serde(rename = "progress.events")]
    ProgressEvents,
    /// Tutorial steps started and completed (seed 004 §7).
    #[serde(rename = "tutorial.events")]
    TutorialEvents,
    /// Messages a consumer gave up on, with the reason (`tessera events dlq`).
    #[serde(rename = "dead-letter")]
    DeadLetter,
}

impl Topic {
    /// Every topic.
    pub const ALL: [Topic; 10] = [
        Topic::LearningRequests,
        Topic::ConceptsRequests,
        Topic::CodeSubmissions,
        Topic::DebugRequests,
        Topic::ExerciseGenerated,
        Topic::LearningResponses,
        Topic::StruggleDetected,
        Topic::ProgressEvents,
        Topic::TutorialEvents,
        Topic::DeadLetter,
    ];

    /// The topic's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::LearningRequests => "learning.requests",
            Topic::ConceptsRequests => "concepts.requests",
            Topic::CodeSubmissions => "code.submissions",
            Topic::DebugRequests => "debug.requests",
            Topic::ExerciseGenerated => "exercise.generated",
            Topic::LearningResponses => "learning.responses",
            Topic::StruggleDetected => "struggle.detected",
            Topic::ProgressEvents => "progress.events",
            Topic::TutorialEvents => "tutorial.events",
            Topic::DeadLetter => "dead-letter",
        }
    }

    /// The topic named `name`.
    pub fn from_name(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The JSON Schema of the topic's payload (schema version [`SCHEMA_VERSION`]).
    pub fn schema_source(self) -> &'static str {
        match self {
            Topic::LearningRequests => include_str!("schemas/learning.requests.json"),
            Topic::ConceptsRequests => include_str!("schemas/concepts.requests.json"),
            Topic::CodeSubmissions => include_str!("schemas/code.submissions.json"),
            Topic::DebugRequests => include_str!("schemas/debug.requests.json"),
            Topic::ExerciseGenerated => include_str!("schemas/exercise.generated.json"),
            Topic::LearningResponses => include_str!("schemas/learning.responses.json"),
            Topic::StruggleDetected => include_str!("schemas/struggle.detected.json"),
            Topic::ProgressEvents => include_str!("schemas/progress.events.json"),
            Topic::TutorialEvents => include_str!("schemas/tutorial.events.json"),
            Topic::DeadLetter => include_str!("schemas/dead-letter.json"),
        }
    }

    fn schema(self) -> &'static json_schema::Schema {
        static SCHEMAS: OnceLock<Vec<json_schema::Schema>> = OnceLock::new();
        let all = SCHEMAS.get_or_init(|| {
            Topic::ALL
                .iter()
                .map(|t| {
                    // The schemas are part of the binary; a unit test compiles each.
                    json_schema::Schema::parse(t.schema_source())
                        .unwrap_or_else(|e| panic!("schema of {} is invalid: {e}", t.as_str()))
                        .asserting_formats()
                })
                .collect()
        });
        let at = Topic::ALL.iter().position(|t| *t == self).unwrap_or(0);
        &all[at]
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Unique id (UUID); consumers are idempotent by it.
    pub id: String,
    /// What happened, e.g. `quiz.answered` (a topic carries several types).
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it is published.
    pub topic: Topic,
    /// When it happened, RFC 3339 with milliseconds, UTC.
    pub occurred_at: String,
    /// The learner or staff member it concerns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Ties the events of one flow together (a tutor query's id, a request id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Version of the envelope and of the payload's schema.
    pub schema_version: u32,
    /// The topic-specific body, valid against the topic's schema.
    pub payload: Value,
}

impl Envelope {
    /// A new event of type `kind` on `topic`, happening now, with a fresh id.
    pub fn new(topic: Topic, kind: &str, payload: Value) -> Envelope {
        Envelope {
            id: uuid::Uuid::new_v4().to_string(),
            kind: kind.to_owned(),
            topic,
            occurred_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            user_id: None,
            correlation_id: None,
            schema_version: SCHEMA_VERSION,
            payload,
        }
    }

    /// The same event, concerning `user_id`.
    pub fn for_user(mut self, user_id: &str) -> Envelope {
        self.user_id = Some(user_id.to_owned());
        self
    }

    /// The same event, in the flow `correlation_id`.
    pub fn correlated(mut self, correlation_id: &str) -> Envelope {
        self.correlation_id = Some(correlation_id.to_owned());
        self
    }

    /// Checks the envelope: a known schema version, a UUID id, an RFC 3339 time and a
    /// payload valid against its topic's schema. The error names the field.
    pub fn check(&self) -> Result<(), EventsError> {
        let invalid = |field: &str, reason: String| EventsError::Invalid {
            field: field.to_owned(),
            reason,
        };
        if self.schema_version != SCHEMA_VERSION {
            return Err(invalid(
                "schema_version",
                format!(
                    "version {} is not known (this build reads {SCHEMA_VERSION})",
                    self.schema_version
                ),
            ));
        }
        if uuid::Uuid::parse_str(&self.id).is_err() {
            return Err(invalid("id", "not a UUID".into()));
        }
        if chrono::DateTime::parse_from_rfc3339(&self.occurred_at).is_err() {
            return Err(invalid("occurred_at", "not an RFC 3339 time".into()));
        }
        if self.kind.is_empty() {
            return Err(invalid("type", "empty".into()));
        }
        let errors = self.topic.schema().validate(&self.payload);
        if let Some(first) = errors.into_iter().next() {
            return Err(invalid("payload", first));
        }
        Ok(())
    }

    /// Parses and checks a published message.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, EventsError> {
        let envelope: Envelope =
            serde_json::from_slice(bytes).map_err(|e| EventsError::Invalid {
                field: "envelope".into(),
                reason: e.to_string(),
            })?;
        envelope.check()?;
        Ok(envelope)
    }

    /// The envelope as published (JSON).
    pub fn to_bytes(&self) -> Vec<u8> {
        // An envelope is strings, numbers and a JSON value: encoding cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The `user_id` of a published message, if it is an envelope naming one (stored beside
/// the message so that deleting an account removes its events).
pub(crate) fn user_of(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct UserOnly {
        user_id: Option<String>,
    }
    serde_json::from_slice::<UserOnly>(bytes).ok()?.user_id
}

/// The payload of a dead letter: what failed, where, why, and the message as it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The topic the message was published on.
    pub topic: String,
    /// The consumer group that gave up.
    pub consumer: String,
    /// Deliveries tried.
    pub attempts: u32,
    /// Why: the last handler error, or why the message does not parse.
    pub reason: String,
    /// The message exactly as published (UTF-8; other bytes replaced).
    pub original: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_topic_has_a_schema_that_compiles_and_a_name_that_round_trips() {
        for topic in Topic::ALL {
            let _ = topic.schema();
            assert_eq!(Topic::from_name(topic.as_str()), Some(topic));
            let text = serde_json::to_string(&topic).unwrap();
            assert_eq!(text, format!("\"{}\"", topic.as_str()));
        }
    }

    #[test]
    fn a_valid_envelope_round_trips_and_a_bad_one_names_its_field() {
        let e = Envelope::new(
            Topic::ProgressEvents,
            "quiz.answered",
            json!({"step_id": "strings.q3", "topic": "python.strings", "correct": true,
                   "score": 1.0, "xp": 10}),
        )
        .for_user("3f1c5c1e-0000-4000-8000-000000000001");
        assert_eq!(Envelope::parse(&e.to_bytes()).unwrap(), e);

        let mut wrong = e.clone();
        wrong.payload = json!({"step_id": 7});
        let err = Envelope::parse(&wrong.to_bytes()).unwrap_err();
        assert!(
            matches!(&err, EventsError::Invalid { field, .. } if field == "payload"),
            "{err}"
        );

        let mut future = e.clone();
        future.schema_version = 2;
        let err = Envelope::parse(&future.to_bytes()).unwrap_err();
        assert!(matches!(&err, EventsError::Invalid { field, .. } if field == "schema_version"));

        let err = Envelope::parse(b"{\"id\": 1").unwrap_err();
        assert!(matches!(&err, EventsError::Invalid { field, .. } if field == "envelope"));
    }
}
