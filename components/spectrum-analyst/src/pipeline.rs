//! The stages together: checks, the rules, then one model call to rephrase them.

use tessera_plugin_sdk::model::{Llm, OFFLINE_MODEL};

use crate::{Insight, Period, model, rules};

/// A refused input: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The field, as the host's JSON names it (`current.start`, `previous.end`, …).
    pub field: String,
    /// Why.
    pub message: String,
}

/// The insights and, when the rule texts stand, why (for the logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// 1 to 5 insights, most useful first.
    pub insights: Vec<Insight>,
    /// Why the rule texts were kept, when they were.
    pub note: Option<String>,
}

/// Whether `s` is a real calendar date written `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fn check_period(p: &Period, name: &str) -> Result<(), InputError> {
    for (field, value) in [("start", &p.start), ("end", &p.end)] {
        if !is_date(value) {
            return Err(InputError {
                field: format!("{name}.{field}"),
                message: format!("`{value}` is not a date written YYYY-MM-DD"),
            });
        }
    }
    // ISO dates compare as strings.
    if p.end < p.start {
        return Err(InputError {
            field: format!("{name}.end"),
            message: format!("the period ends ({}) before it starts ({})", p.end, p.start),
        });
    }
    Ok(())
}

/// The insights for `current` (compared with `previous`): the rules', rephrased by the
/// model when it is a real model whose answer passes the checks. An empty period's one
/// "nothing yet" insight is not sent to the model (nothing to narrate, no budget spent).
pub fn insights(
    current: &Period,
    previous: Option<&Period>,
    tone: Option<&str>,
    llm: Option<&mut dyn Llm>,
) -> Result<Outcome, InputError> {
    check_period(current, "current")?;
    if let Some(p) = previous {
        check_period(p, "previous")?;
    }
    let facts = rules::insights(current, previous);
    let keep = |why: String| Outcome {
        insights: facts.insights.clone(),
        note: Some(why),
    };
    if current.is_empty() {
        return Ok(keep("an empty period: the rule text stands".into()));
    }
    let Some(llm) = llm else {
        return Ok(keep("no model at hand".into()));
    };
    let reply = match llm.complete(&model::chat_request(
        current,
        previous,
        &facts.insights,
        tone,
    )) {
        Ok(reply) => reply,
        Err(e) => return Ok(keep(format!("model call failed: {e:?}"))),
    };
    if reply.model == OFFLINE_MODEL {
        return Ok(keep(format!(
            "`{OFFLINE_MODEL}` answered; the rule texts stand"
        )));
    }
    match model::validate(&reply.content, &facts.numbers) {
        Ok(insights) => Ok(Outcome {
            insights,
            note: None,
        }),
        Err(e) => Ok(keep(format!("`{}` answered invalidly: {e}", reply.model))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Distortion, Kind, PeriodKind};
    use tessera_plugin_sdk::model::{ChatRequest, ChatResponse, LlmError};

    struct Canned(Result<ChatResponse, LlmError>, usize);

    impl Llm for Canned {
        fn complete(&mut self, r: &ChatRequest) -> Result<ChatResponse, LlmError> {
            assert_eq!(r.feature, model::FEATURE);
            self.1 += 1;
            self.0.clone()
        }
    }

    fn says(model: &str, content: &str) -> Canned {
        Canned(
            Ok(ChatResponse {
                content: content.into(),
                model: model.into(),
            }),
            0,
        )
    }

    fn busy() -> Period {
        let mut p = Period::empty(PeriodKind::Week, "2025-03-03", "2025-03-09");
        p.active_days = 4;
        p.distortions = vec![(Distortion::Labelling, 4)];
        p
    }

    #[test]
    fn dates_are_checked_and_named() {
        let mut p = busy();
        p.start = "2025-3-3".into();
        assert_eq!(
            insights(&p, None, None, None).map_err(|e| e.field),
            Err("current.start".into())
        );
        let mut p = busy();
        p.end = "2025-03-02".into();
        assert_eq!(
            insights(&p, None, None, None).map_err(|e| e.field),
            Err("current.end".into())
        );
        let mut prev = busy();
        prev.end = "2025-02-30".into();
        assert_eq!(
            insights(&busy(), Some(&prev), None, None).map_err(|e| e.field),
            Err("previous.end".into())
        );
    }

    #[test]
    fn a_valid_narrative_replaces_the_rule_texts() {
        let mut llm = says(
            "gpt",
            r#"{"insights": [{"kind": "pattern", "title": "Labels", "body": "You caught labelling 4 times, well spotted."}]}"#,
        );
        let out = insights(&busy(), None, None, Some(&mut llm)).expect("ok");
        assert_eq!(out.insights[0].title, "Labels");
        assert_eq!(out.note, None);
    }

    #[test]
    fn invented_numbers_offline_and_failures_keep_the_rule_texts() {
        let rule_texts = rules::insights(&busy(), None).insights;
        for mut llm in [
            says(
                "gpt",
                r#"{"insights": [{"kind": "pattern", "title": "Labels", "body": "You caught labelling 9 times."}]}"#,
            ),
            says(
                OFFLINE_MODEL,
                r#"{"insights": [{"kind": "win", "title": "t", "body": "b"}]}"#,
            ),
            Canned(Err(LlmError::BudgetExceeded("spent".into())), 0),
        ] {
            let out = insights(&busy(), None, None, Some(&mut llm)).expect("ok");
            assert_eq!(out.insights, rule_texts);
            assert!(out.note.is_some());
        }
    }

    #[test]
    fn an_empty_period_is_not_sent_to_the_model() {
        let empty = Period::empty(PeriodKind::Month, "2025-03-01", "2025-03-31");
        let mut llm = says("gpt", "{}");
        let out = insights(&empty, None, None, Some(&mut llm)).expect("ok");
        assert_eq!(llm.1, 0);
        assert_eq!(out.insights.len(), 1);
        assert_eq!(out.insights[0].kind, Kind::Suggestion);
    }
}
