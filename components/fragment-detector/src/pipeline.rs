//! The stages together: input checks, the rules, then (unless the rules are sure about
//! every sentence) one model call whose passages are merged with the rules' fragments.

use tessera_plugin_sdk::model::{Llm, OFFLINE_MODEL};

use crate::{Fragment, model, resolve_overlaps, rules};

/// The longest message, in characters (the WIT's bound).
pub const MAX_TEXT_CHARS: usize = 8000;
/// A model passage overlapping rule fragments replaces them only when it is at least this
/// much more confident than the most confident of them; otherwise the rules win.
pub const OVERRIDE_MARGIN: f32 = 0.25;

/// A message to examine.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The message.
    pub text: &'a str,
    /// Earlier messages of the session, oldest first (context for the model only).
    pub history: &'a [String],
}

/// A refused input: the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The field, as the WIT names it.
    pub field: String,
    /// Why, for the person who sent it.
    pub message: String,
}

/// What the detector found, and how.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Detection {
    /// The fragments: sorted by start, none overlapping.
    pub fragments: Vec<Fragment>,
    /// What happened to the model stage, for the logs (never the user's text).
    pub notes: Vec<String>,
}

/// Checks the request.
pub fn check(request: &Request<'_>) -> Result<(), InputError> {
    let invalid = |message: String| InputError {
        field: "text".into(),
        message,
    };
    if request.text.trim().is_empty() {
        return Err(invalid("the message is empty".into()));
    }
    let chars = request.text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(invalid(format!(
            "the message has {chars} characters; at most {MAX_TEXT_CHARS} are examined"
        )));
    }
    Ok(())
}

/// Merges the model's fragments into the rules': a model fragment that overlaps no rule
/// fragment is added; one that overlaps some replaces them only when it is at least
/// [`OVERRIDE_MARGIN`] more confident than all of them. The model's own fragments arrive
/// without overlaps among them.
pub fn merge(rule_fragments: Vec<Fragment>, model_fragments: Vec<Fragment>) -> Vec<Fragment> {
    let mut kept = rule_fragments;
    let mut model_fragments = model_fragments;
    model_fragments.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    for m in model_fragments {
        let strongest = kept
            .iter()
            .filter(|k| k.overlaps(&m))
            .map(|k| k.confidence)
            .reduce(f32::max);
        match strongest {
            None => kept.push(m),
            Some(c) if m.confidence >= c + OVERRIDE_MARGIN => {
                kept.retain(|k| !k.overlaps(&m));
                kept.push(m);
            }
            Some(_) => {}
        }
    }
    // Already overlap-free; this sorts by start.
    resolve_overlaps(kept)
}

/// Detects the fragments of `request.text`: the rules, then, with a model at hand and the
/// rules not sure about every sentence, one model call. A failed call or the offline
/// model leaves the rules' fragments.
pub fn detect(request: &Request<'_>, llm: Option<&mut dyn Llm>) -> Result<Detection, InputError> {
    check(request)?;
    let found = rules::detect(request.text);
    let mut notes = Vec::new();
    let Some(llm) = llm else {
        return Ok(Detection {
            fragments: found,
            notes,
        });
    };
    if rules::sure_about_all(request.text, &found) {
        notes.push("model not asked: the rules are sure about every sentence".into());
        return Ok(Detection {
            fragments: found,
            notes,
        });
    }
    let reply = match llm.complete(&model::chat_request(request.text, request.history)) {
        Ok(reply) => reply,
        Err(e) => {
            notes.push(format!("model call failed, rules alone decide: {e:?}"));
            return Ok(Detection {
                fragments: found,
                notes,
            });
        }
    };
    if reply.model == OFFLINE_MODEL {
        notes.push(format!(
            "`{OFFLINE_MODEL}` answered; its passages are ignored and the rules alone decide"
        ));
        return Ok(Detection {
            fragments: found,
            notes,
        });
    }
    let quoted = match model::parse(&reply.content) {
        Ok(q) => q,
        Err(e) => {
            notes.push(format!("`{}`: {e}; rules alone decide", reply.model));
            return Ok(Detection {
                fragments: found,
                notes,
            });
        }
    };
    let asked = quoted.len();
    let located = model::locate_all(request.text, quoted);
    notes.push(format!(
        "`{}` gave {asked} passage(s): {} located, {} quoting nothing in the text, {} unsure",
        reply.model,
        located.fragments.len(),
        located.not_found,
        located.unsure
    ));
    Ok(Detection {
        fragments: merge(found, located.fragments),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Distortion, FoundBy};
    use tessera_plugin_sdk::model::{ChatRequest, ChatResponse, LlmError};

    /// A model answering one canned reply, counting its calls.
    struct Canned {
        reply: Result<ChatResponse, LlmError>,
        calls: usize,
    }

    impl Canned {
        fn says(model: &str, content: &str) -> Canned {
            Canned {
                reply: Ok(ChatResponse {
                    content: content.into(),
                    model: model.into(),
                }),
                calls: 0,
            }
        }
    }

    impl Llm for Canned {
        fn complete(&mut self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
            assert_eq!(request.feature, model::FEATURE);
            self.calls += 1;
            self.reply.clone()
        }
    }

    fn run(text: &str, llm: &mut Canned) -> Detection {
        detect(&Request { text, history: &[] }, Some(llm)).expect("valid input")
    }

    const TEXT: &str =
        "Work was fine. Then I burned dinner, I'm such an idiot. My team barely tolerates me.";

    #[test]
    fn input_is_checked() {
        let e = detect(
            &Request {
                text: "  ",
                history: &[],
            },
            None,
        )
        .expect_err("empty");
        assert_eq!(e.field, "text");
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            detect(
                &Request {
                    text: &long,
                    history: &[]
                },
                None
            )
            .map_err(|e| e.field),
            Err("text".into())
        );
        let ok = "é".repeat(MAX_TEXT_CHARS);
        assert!(
            detect(
                &Request {
                    text: &ok,
                    history: &[]
                },
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn model_passages_are_located_and_merged_rules_winning_overlaps() {
        let mut llm = Canned::says(
            "gpt-test",
            r#"{"fragments": [
                {"text": "I'm such an idiot", "kind": "emotional-reasoning", "confidence": 0.9},
                {"text": "my team barely tolerates me", "kind": "mind-reading", "confidence": 0.8},
                {"text": "my life is a mess", "kind": "catastrophising", "confidence": 0.99}
            ]}"#,
        );
        let d = run(TEXT, &mut llm);
        assert_eq!(llm.calls, 1);
        let got: Vec<(Distortion, FoundBy, &str)> = d
            .fragments
            .iter()
            .map(|f| (f.kind, f.found_by, f.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Distortion::Labelling, FoundBy::Rules, "I'm such an idiot"),
                (
                    Distortion::MindReading,
                    FoundBy::Model,
                    "My team barely tolerates me"
                ),
            ]
        );
        for f in &d.fragments {
            assert_eq!(crate::text::char_slice(TEXT, f.start, f.end), f.text);
        }
        assert!(d.notes[0].contains("1 quoting nothing"));
    }

    #[test]
    fn a_much_more_confident_model_passage_replaces_a_weak_rule_one() {
        let rule = Fragment {
            start: 0,
            end: 10,
            text: String::new(),
            kind: Distortion::AllOrNothing,
            confidence: 0.6,
            found_by: FoundBy::Rules,
        };
        let strong = Fragment {
            start: 5,
            end: 20,
            confidence: 0.9,
            found_by: FoundBy::Model,
            ..rule.clone()
        };
        let weak = Fragment {
            confidence: 0.8,
            ..strong.clone()
        };
        assert_eq!(
            merge(vec![rule.clone()], vec![strong.clone()]),
            vec![strong]
        );
        assert_eq!(merge(vec![rule.clone()], vec![weak]), vec![rule]);
    }

    #[test]
    fn the_offline_model_and_failures_leave_the_rules_alone() {
        let rules_only = detect(
            &Request {
                text: TEXT,
                history: &[],
            },
            None,
        )
        .expect("valid")
        .fragments;
        let mut offline = Canned::says(
            OFFLINE_MODEL,
            r#"{"fragments": [{"text": "Work was fine", "kind": "labelling", "confidence": 1}]}"#,
        );
        assert_eq!(run(TEXT, &mut offline).fragments, rules_only);
        assert_eq!(offline.calls, 1);
        for e in [
            LlmError::Unavailable("down".into()),
            LlmError::BudgetExceeded("spent".into()),
            LlmError::Blocked("no".into()),
        ] {
            let mut failing = Canned {
                reply: Err(e),
                calls: 0,
            };
            assert_eq!(run(TEXT, &mut failing).fragments, rules_only);
        }
        let mut garbage = Canned::says("gpt-test", "not json");
        assert_eq!(run(TEXT, &mut garbage).fragments, rules_only);
    }

    #[test]
    fn the_model_is_not_asked_when_the_rules_are_sure_of_every_sentence() {
        let mut llm = Canned::says("gpt-test", r#"{"fragments": []}"#);
        let d = run("I'm such a loser.", &mut llm);
        assert_eq!(llm.calls, 0);
        assert_eq!(d.fragments.len(), 1);
    }
}
