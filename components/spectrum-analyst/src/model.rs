//! The model stage: one completion (feature `spectrum-insights`) rephrasing the rule
//! insights as narrative. The prompt holds only counts and the rule insights (never what a
//! user wrote). The answer counts only when it passes [`validate`]: 1 to 5 insights, kinds
//! among `trend`, `pattern`, `win`, `suggestion`, titles of at most 80 characters, bodies
//! non-empty, and every integer written one the rules computed (a cheap check against
//! invented figures).

use std::collections::BTreeSet;

use serde_json::{Value, json};
use tessera_plugin_sdk::model::{ChatRequest, Message, Role};

use crate::rules::{MAX_INSIGHTS, integers};
use crate::{Insight, Kind, Period, PeriodKind};

/// The gateway feature of these calls.
pub const FEATURE: &str = "spectrum-insights";
/// The longest title, in characters (the WIT's bound).
pub const MAX_TITLE_CHARS: usize = 80;
/// The longest body, in characters (one to three sentences).
pub const MAX_BODY_CHARS: usize = 500;

/// The reply's JSON Schema.
pub fn schema() -> Value {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    json!({
        "type": "object",
        "properties": {
            "insights": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_INSIGHTS,
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": kinds},
                        "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE_CHARS},
                        "body": {"type": "string", "minLength": 1, "maxLength": MAX_BODY_CHARS},
                    },
                    "required": ["kind", "title", "body"],
                    "additionalProperties": false,
                },
            },
        },
        "required": ["insights"],
        "additionalProperties": false,
    })
}

fn aggregates(p: &Period) -> Value {
    let distortions: serde_json::Map<String, Value> = p
        .distortions
        .iter()
        .map(|(d, c)| (d.phrase().to_owned(), json!(c)))
        .collect();
    json!({
        "period": match p.kind { PeriodKind::Week => "week", PeriodKind::Month => "month" },
        "active_days": p.active_days,
        "mirror_sessions": p.mirror_sessions,
        "mirror_messages": p.mirror_messages,
        "distortions_found": distortions,
        "fragment_reframes": p.fragment_reframes,
        "turns": p.turns,
        "turns_saved": p.turns_saved,
        "actions_completed": p.actions_completed,
        "actions_open": p.actions_open,
    })
}

/// The completion request.
pub fn chat_request(
    current: &Period,
    previous: Option<&Period>,
    rule_insights: &[Insight],
    tone: Option<&str>,
) -> ChatRequest {
    let system = "You write the weekly or monthly insights of a reflection app. You get the \
        period's counts and draft insights computed from them. Rewrite the drafts as warm, \
        plain narrative addressed to the person as \"you\": the same insights in the same \
        order with the same kinds, each a short title (at most 80 characters) and one to \
        three sentences. Keep every fact; add none. Use only numbers that appear in the \
        drafts or the counts, written as digits; never invent figures. No diagnosis, no \
        medical advice, no judgement.";
    let drafts: Vec<Value> = rule_insights
        .iter()
        .map(|i| json!({"kind": i.kind.as_str(), "title": i.title, "body": i.body}))
        .collect();
    let mut user = format!("Counts for this period: {}\n", aggregates(current));
    if let Some(p) = previous {
        user.push_str(&format!(
            "Counts for the period before: {}\n",
            aggregates(p)
        ));
    }
    user.push_str(&format!("Draft insights: {}\n", Value::Array(drafts)));
    if let Some(t) = tone.map(str::trim).filter(|t| !t.is_empty()) {
        user.push_str(&format!("Preferred tone: {t}.\n"));
    }
    ChatRequest {
        feature: FEATURE.to_owned(),
        messages: vec![
            Message {
                role: Role::System,
                content: system.to_owned(),
            },
            Message {
                role: Role::User,
                content: user,
            },
        ],
        max_tokens: Some(700),
        temperature: Some(0.5),
        response_schema: schema(),
        allow_cache: true,
    }
}

/// Checks a reply's insights (module docs); `Err` says what is wrong.
pub fn validate(content: &str, numbers: &BTreeSet<u64>) -> Result<Vec<Insight>, String> {
    let v: Value =
        serde_json::from_str(content).map_err(|e| format!("the reply is not JSON: {e}"))?;
    let items = v
        .get("insights")
        .and_then(Value::as_array)
        .ok_or("no `insights` list")?;
    if items.is_empty() || items.len() > MAX_INSIGHTS {
        return Err(format!("{} insights, not 1 to {MAX_INSIGHTS}", items.len()));
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = |name: &str| item.get(name).and_then(Value::as_str).map(str::trim);
        let kind = field("kind")
            .and_then(Kind::parse)
            .ok_or(format!("insight {i}: unknown kind"))?;
        let title = field("title")
            .filter(|t| !t.is_empty() && t.chars().count() <= MAX_TITLE_CHARS)
            .ok_or(format!(
                "insight {i}: title empty or over {MAX_TITLE_CHARS} characters"
            ))?;
        let body = field("body")
            .filter(|b| b.chars().any(char::is_alphabetic) && b.chars().count() <= MAX_BODY_CHARS)
            .ok_or(format!("insight {i}: body empty or too long"))?;
        let written = integers(&format!("{title} {body}"))
            .ok_or(format!("insight {i}: a number too large"))?;
        if let Some(n) = written.iter().find(|n| !numbers.contains(n)) {
            return Err(format!(
                "insight {i}: the number {n} is not in the aggregates"
            ));
        }
        out.push(Insight {
            kind,
            title: title.to_owned(),
            body: body.to_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Distortion;

    fn allowed() -> BTreeSet<u64> {
        [0, 2, 5, 50].into_iter().collect()
    }

    #[test]
    fn valid_narratives_pass() {
        let ok = validate(r#"{"insights": [{"kind": "pattern", "title": "Mind-reading led", "body": "It came up 5 times, 50% of all."}]}"#, &allowed()).expect("valid");
        assert_eq!(ok[0].kind, Kind::Pattern);
    }

    #[test]
    fn invented_numbers_and_broken_shapes_fail() {
        let n = allowed();
        for bad in [
            r#"{"insights": [{"kind": "pattern", "title": "x", "body": "It came up 7 times."}]}"#,
            r#"{"insights": [{"kind": "pattern", "title": "In 2024", "body": "Fine."}]}"#,
            r#"{"insights": [{"kind": "mood", "title": "x", "body": "y"}]}"#,
            r#"{"insights": []}"#,
            r#"{"insights": [{"kind": "win", "title": "", "body": "y"}]}"#,
            r#"{"insights": [{"kind": "win", "title": "t", "body": "  "}]}"#,
            "nope",
        ] {
            assert!(validate(bad, &n).is_err(), "{bad}");
        }
        let long_title = format!(
            r#"{{"insights": [{{"kind": "win", "title": "{}", "body": "y"}}]}}"#,
            "t".repeat(81)
        );
        assert!(validate(&long_title, &n).is_err());
        let six = format!(
            r#"{{"insights": [{}]}}"#,
            [r#"{"kind": "win", "title": "t", "body": "y"}"#; 6].join(",")
        );
        assert!(validate(&six, &n).is_err());
    }

    #[test]
    fn the_prompt_holds_counts_and_drafts_only() {
        let mut cur = Period::empty(PeriodKind::Week, "2025-03-03", "2025-03-09");
        cur.distortions = vec![(Distortion::Labelling, 3)];
        let drafts = [Insight {
            kind: Kind::Pattern,
            title: "Labelling came up most".into(),
            body: "b".into(),
        }];
        let r = chat_request(&cur, None, &drafts, None);
        assert_eq!(r.feature, FEATURE);
        let u = &r.messages[1].content;
        assert!(u.contains("\"labelling\":3") && u.contains("Labelling came up most"));
        assert!(
            !u.contains("2025"),
            "dates stay out of the prompt: their digits are not allowed numbers"
        );
    }
}
