//! What the learner reads: the exercise's task (never its reference solution or its hidden
//! tests), or the next hint; and the `data` kept for the next turn.

use serde_json::{Value, json};

use crate::exercise::{Difficulty, Draft, Exercise};
use crate::validate::Checks;

/// Where a served exercise came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A real model; its id.
    Model(String),
    /// The built-in bank.
    Bank,
}

/// The task in Markdown. `note` is said first (e.g. why the bank's general exercise
/// stands in for the topic).
pub fn render(exercise: &Exercise, base: Option<&Exercise>, note: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(note) = note {
        out.push_str(&format!("{note}\n\n"));
    }
    out.push_str(&format!("## {}\n\n", exercise.title));
    out.push_str(&format!("*{} · {}*", exercise.topic, exercise.difficulty));
    if let Some(b) = base {
        out.push_str(&format!(" · a variation of *{}*", b.title));
    }
    out.push_str(&format!("\n\n{}\n", exercise.prompt.trim()));
    if !exercise.starter_code.trim().is_empty() {
        out.push_str(&format!(
            "\n**Starter code**\n\n```python\n{}\n```\n",
            exercise.starter_code.trim_end()
        ));
    }
    out.push_str(&format!(
        "\nYour solution is checked by {} hidden test{}. Stuck? Ask for a hint.\n",
        exercise.tests.len(),
        if exercise.tests.len() == 1 { "" } else { "s" }
    ));
    out
}

/// Follow-up prompts after an exercise of `difficulty`.
pub fn follow_ups(difficulty: Difficulty) -> Vec<String> {
    let mut out = vec!["Give me a hint".to_owned()];
    if difficulty == Difficulty::Hard {
        out.push("Make it easier".to_owned());
    } else {
        out.push("Make it harder".to_owned());
    }
    out.push("Give me a similar exercise".to_owned());
    out
}

/// The `data` of an exercise reply: what the hint and difficulty follow-ups need, and how
/// the exercise was made and checked; never the solution or the tests.
pub fn data(
    draft: &Draft,
    source: &Source,
    checks: &Checks,
    rejected: &[String],
    base: Option<&Exercise>,
) -> Value {
    json!({
        "source": match source { Source::Model(_) => "model", Source::Bank => "bank" },
        "model": match source { Source::Model(m) => Some(m.as_str()), Source::Bank => None },
        "validated": true,
        "checks": checks,
        "rejected": rejected,
        "title": draft.exercise.title,
        "topic": draft.exercise.topic,
        "difficulty": draft.exercise.difficulty,
        "variation_of": base.map(|b| b.title.as_str()),
        "hints": draft.hints,
        "hints_given": 0,
    })
}

/// The next hint of the exercise in `earlier`, the reply's content and its new `data`.
pub fn hint(earlier: &Value) -> (String, Value) {
    let hints: Vec<&str> = earlier
        .get("hints")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let given = earlier
        .get("hints_given")
        .and_then(Value::as_u64)
        .unwrap_or(0) as usize;
    let title = earlier
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("the exercise");
    let content = match hints.get(given) {
        Some(h) => format!(
            "**Hint {} of {} for *{title}*:** {h}",
            given + 1,
            hints.len()
        ),
        None => format!(
            "That was the last hint for *{title}*. Write what you have and submit it: the \
             test results will show what is left to fix. Or ask me to make it easier."
        ),
    };
    let mut data = earlier.clone();
    if let Some(object) = data.as_object_mut() {
        object.insert("hints_given".into(), json!((given + 1).min(hints.len())));
    }
    (content, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_come_one_at_a_time_then_run_out() {
        let earlier = json!({"title": "Sum", "hints": ["first", "second"], "hints_given": 0});
        let (c, d) = hint(&earlier);
        assert_eq!(c, "**Hint 1 of 2 for *Sum*:** first");
        let (c, d) = hint(&d);
        assert!(c.contains("second"));
        let (c, _) = hint(&d);
        assert!(c.contains("That was the last hint"));
    }
}
