//! What a turn asks for: a new exercise, a variation of a base exercise, or the next hint
//! of the exercise this agent gave earlier; on which topic, at which difficulty, from which
//! seed. "Make it harder" / "Make it easier" move one step from the earlier exercise.

use serde_json::Value;
use tessera_plugin_sdk::model::Role;

use crate::agent::{AgentError, Request, invalid};
use crate::bank::TOPICS;
use crate::exercise::{Difficulty, Exercise};
use crate::seed;

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Generate an exercise.
    Generate(Target),
    /// Give the next hint of the earlier exercise.
    Hint {
        /// The earlier reply's data.
        earlier: Value,
    },
}

/// The exercise to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The topic it is on.
    pub topic: String,
    /// How hard.
    pub difficulty: Difficulty,
    /// The choice seed.
    pub seed: u64,
    /// The exercise to vary, if any.
    pub base: Option<Exercise>,
}

/// The last of `earlier` that is one of this agent's exercise replies.
fn last_exercise_data(earlier: &[String]) -> Option<Value> {
    earlier
        .iter()
        .rev()
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .find(|v| v.get("title").is_some_and(Value::is_string))
}

fn asks(text: &str, words: &[&str]) -> bool {
    let text = text.to_lowercase();
    words.iter().any(|w| text.contains(w))
}

/// Decides the plan of `request`, refusing malformed input by field.
pub fn plan(request: &Request) -> Result<Plan, AgentError> {
    let last = request
        .messages
        .last()
        .ok_or_else(|| invalid("messages", "must hold the learner's query"))?;
    if last.role != Role::User {
        return Err(invalid(
            "messages",
            "the last message must be the learner's query",
        ));
    }
    let asked = match request.difficulty.as_deref() {
        Some(text) => Some(Difficulty::parse(text).ok_or_else(|| {
            invalid(
                "difficulty",
                format!("must be `easy`, `medium` or `hard`, not `{}`", text.trim()),
            )
        })?),
        None => None,
    };
    if let Some(b) = &request.base_exercise
        && (b.title.trim().is_empty() || b.prompt.trim().is_empty())
    {
        return Err(invalid(
            "base_exercise",
            "a base exercise needs its title and prompt",
        ));
    }
    let earlier = last_exercise_data(&request.earlier);
    let query = last.content.as_str();
    if let Some(e) = &earlier
        && request.base_exercise.is_none()
        && asked.is_none()
        && asks(query, &["hint", "stuck", "clue"])
    {
        return Ok(Plan::Hint { earlier: e.clone() });
    }
    let earlier_topic = earlier
        .as_ref()
        .and_then(|e| e.get("topic").and_then(Value::as_str).map(str::to_owned));
    let earlier_difficulty = earlier
        .as_ref()
        .and_then(|e| e.get("difficulty").and_then(Value::as_str))
        .and_then(Difficulty::parse);

    let base = request.base_exercise.clone();
    let requested_topic = request.topic.trim();
    let topic = match (&base, requested_topic) {
        (Some(b), _) if !b.topic.trim().is_empty() => b.topic.trim().to_owned(),
        (_, t) if !t.is_empty() && t != "general" => t.to_owned(),
        _ => earlier_topic.unwrap_or_else(|| "general".to_owned()),
    };
    let reference = base
        .as_ref()
        .and_then(|b| Difficulty::parse(&b.difficulty))
        .or(earlier_difficulty);
    let difficulty = match (asked, reference) {
        (Some(d), _) => d,
        (None, Some(d)) if asks(query, &["harder", "more difficult", "more challenging"]) => {
            d.harder()
        }
        (None, Some(d)) if asks(query, &["easier", "simpler"]) => d.easier(),
        (None, Some(d)) if base.is_some() => d,
        _ => Difficulty::for_mastery(request.mastery.filter(|m| m.is_finite())),
    };
    let conversation = request.messages.len().to_string();
    let base_title = base.as_ref().map_or("", |b| b.title.as_str());
    let seed = seed::hash(&[
        &request.learner_id,
        &conversation,
        base_title,
        &topic,
        difficulty.label(),
        query,
    ]);
    Ok(Plan::Generate(Target {
        topic,
        difficulty,
        seed,
        base,
    }))
}

/// The bank topic for `topic`: itself when the bank covers it, else `general`.
pub fn bank_topic(topic: &str) -> &'static str {
    TOPICS
        .iter()
        .find(|t| **t == topic)
        .copied()
        .unwrap_or("general")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_plugin_sdk::model::Message;

    fn request(query: &str) -> Request {
        Request {
            learner_id: "l1".into(),
            messages: vec![Message {
                role: Role::User,
                content: query.into(),
            }],
            topic: "python.loops".into(),
            ..Request::default()
        }
    }

    fn target(plan: Plan) -> Target {
        match plan {
            Plan::Generate(t) => t,
            Plan::Hint { .. } => panic!("a hint"),
        }
    }

    #[test]
    fn difficulty_comes_from_the_request_else_mastery() {
        let mut r = request("give me an exercise");
        assert_eq!(target(plan(&r).unwrap()).difficulty, Difficulty::Easy);
        for (m, d) in [
            (0.39, Difficulty::Easy),
            (0.4, Difficulty::Medium),
            (0.74, Difficulty::Medium),
            (0.75, Difficulty::Hard),
        ] {
            r.mastery = Some(m);
            assert_eq!(target(plan(&r).unwrap()).difficulty, d, "{m}");
        }
        r.difficulty = Some(" Hard ".into());
        r.mastery = Some(0.0);
        assert_eq!(target(plan(&r).unwrap()).difficulty, Difficulty::Hard);
    }

    #[test]
    fn bad_input_names_the_field() {
        let mut r = request("x");
        r.difficulty = Some("extreme".into());
        assert!(
            matches!(plan(&r), Err(AgentError::Invalid { ref field, .. }) if field == "difficulty")
        );
        r.difficulty = None;
        r.messages.clear();
        assert!(
            matches!(plan(&r), Err(AgentError::Invalid { ref field, .. }) if field == "messages")
        );
    }

    #[test]
    fn follow_ups_use_the_earlier_exercise() {
        let earlier =
            r#"{"title": "Sum", "topic": "python.lists", "difficulty": "easy", "hints": ["a"]}"#;
        let mut r = request("Make it harder");
        r.topic = "general".into();
        r.earlier = vec![earlier.into()];
        let t = target(plan(&r).unwrap());
        assert_eq!(
            (t.topic.as_str(), t.difficulty),
            ("python.lists", Difficulty::Medium)
        );
        r.messages[0].content = "Give me a hint".into();
        assert!(matches!(plan(&r).unwrap(), Plan::Hint { .. }));
    }

    #[test]
    fn seeds_differ_with_the_conversation() {
        let a = target(plan(&request("exercise please")).unwrap()).seed;
        let mut r = request("exercise please");
        r.learner_id = "l2".into();
        assert_ne!(a, target(plan(&r).unwrap()).seed);
        assert_eq!(bank_topic("python.async"), "general");
        assert_eq!(bank_topic("python.oop"), "python.oop");
    }
}
