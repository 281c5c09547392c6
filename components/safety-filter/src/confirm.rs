//! Stage (b) of the gate (docs/requirements.md#r-001-11.3): optional model confirmation of
//! ambiguous verdicts. A `concern` (distress without a stated risk) is the ambiguous case: the
//! deterministic pass cannot tell "I can't cope anymore" said about homework from the same
//! words said by someone at risk. When the plugin's config turns it on
//! (`model_confirmation = "on"`), the filter asks a model through the `llm` import, and
//! the model may only **escalate** a concern to a crisis — never clear a verdict, because a
//! false crisis costs a gentle hotline message while a missed one costs far more. A failed
//! or unsure model call leaves the deterministic verdict as it was. The offline model
//! never confirms (it cannot judge), so confirmation only matters with a real provider.

use serde_json::Value;

/// The feature the confirmation calls are made (and budgeted, and routed) as.
pub const FEATURE: &str = "safety-confirmation";

/// The categories a confirmed crisis may carry.
pub const CRISIS_CATEGORIES: [&str; 4] = ["suicide", "self-harm", "harm-to-others", "abuse"];

/// Whether the config value turns confirmation on.
pub fn enabled(value: Option<&str>) -> bool {
    matches!(
        value.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("on" | "true" | "yes" | "1")
    )
}

/// The JSON Schema the model's answer must satisfy.
pub fn schema() -> String {
    serde_json::json!({
        "type": "object",
        "required": ["level", "categories"],
        "additionalProperties": false,
        "properties": {
            "level": { "enum": ["concern", "crisis"] },
            "categories": { "type": "array", "items": { "enum": CRISIS_CATEGORIES } }
        }
    })
    .to_string()
}

/// The instructions (system message) of a confirmation call.
pub const INSTRUCTIONS: &str = "You review messages a learner sent to an education app. \
A keyword screen found signs of distress but no stated risk. Decide whether the message \
shows a risk of suicide, self-harm, harm to others, or abuse (level \"crisis\", with the \
categories that apply), or only distress (level \"concern\", no categories). Judge only the \
message; do not reply to the learner. Answer with JSON only.";

/// The categories of a crisis the model confirmed, or `None` when it did not (or its
/// answer is unreadable). A confirmed crisis without a known category is filed under
/// `self-harm`: the risk the deterministic pass could not place is a risk to the learner.
pub fn escalation(reply: &str) -> Option<Vec<&'static str>> {
    let value: Value = serde_json::from_str(reply.trim()).ok()?;
    if value["level"].as_str()? != "crisis" {
        return None;
    }
    let named: Vec<&'static str> = CRISIS_CATEGORIES
        .iter()
        .copied()
        .filter(|c| {
            value["categories"]
                .as_array()
                .is_some_and(|list| list.iter().any(|v| v.as_str() == Some(c)))
        })
        .collect();
    Some(if named.is_empty() {
        vec!["self-harm"]
    } else {
        named
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_confirmed_crisis_escalates() {
        assert_eq!(
            escalation(r#"{"level": "crisis", "categories": ["suicide", "made-up"]}"#),
            Some(vec!["suicide"])
        );
        assert_eq!(
            escalation(r#"{"level": "crisis", "categories": []}"#),
            Some(vec!["self-harm"])
        );
        assert_eq!(
            escalation(r#"{"level": "concern", "categories": []}"#),
            None
        );
        assert_eq!(escalation(r#"{"level": "none"}"#), None);
        assert_eq!(escalation("I think it's fine"), None);
    }

    #[test]
    fn the_switch_reads_common_spellings() {
        assert!(enabled(Some("on")) && enabled(Some(" True ")));
        assert!(!enabled(Some("off")) && !enabled(None) && !enabled(Some("")));
    }

    #[test]
    fn the_schema_is_json() {
        let s: Value = serde_json::from_str(&schema()).unwrap();
        assert_eq!(s["properties"]["categories"]["items"]["enum"][0], "suicide");
    }
}
