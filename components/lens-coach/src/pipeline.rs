//! The two calls: checks, one model call, validation, templates.

use tessera_plugin_sdk::model::{Llm, OFFLINE_MODEL};

use crate::actions::{self, MAX_COUNT};
use crate::affirmation;
use crate::text::is_date;
use crate::{Action, Goal, InputError};

/// The longest goal title, in characters (the WIT's bound).
pub const MAX_GOAL_CHARS: usize = 500;

/// An answer and, when templates stood in, why (for the logs; never the user's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<T> {
    /// The answer.
    pub value: T,
    /// Why templates answered, when they did.
    pub note: Option<String>,
}

/// Asks for actions.
#[derive(Debug, Clone, Copy)]
pub struct ActionsRequest<'a> {
    /// The goal.
    pub goal: &'a Goal,
    /// Its existing actions.
    pub existing: &'a [String],
    /// How many to suggest, 1 to 7.
    pub count: u32,
}

/// Checks an actions request.
pub fn check_actions(r: &ActionsRequest<'_>) -> Result<(), InputError> {
    if !(1..=MAX_COUNT).contains(&r.count) {
        return Err(InputError::new(
            "count",
            format!("{} is not between 1 and {MAX_COUNT}", r.count),
        ));
    }
    let title = r.goal.title.trim();
    if title.is_empty() {
        return Err(InputError::new("goal.title", "the goal has no title"));
    }
    let chars = title.chars().count();
    if chars > MAX_GOAL_CHARS {
        return Err(InputError::new(
            "goal.title",
            format!("the title has {chars} characters; at most {MAX_GOAL_CHARS}"),
        ));
    }
    if let Some(d) = r.goal.target_date.as_deref().filter(|d| !is_date(d)) {
        return Err(InputError::new(
            "goal.target_date",
            format!("`{d}` is not a date written YYYY-MM-DD"),
        ));
    }
    Ok(())
}

/// Suggests `count` actions: the model's valid, non-repeating ones first, then templates
/// to make up the number (all of them when the model fails, is offline, or answers
/// nothing usable). Fewer than `count` only when the existing actions already cover every
/// template.
pub fn suggest_actions(
    r: &ActionsRequest<'_>,
    llm: Option<&mut dyn Llm>,
) -> Result<Answer<Vec<Action>>, InputError> {
    check_actions(r)?;
    let count = usize::try_from(r.count).unwrap_or(1);
    let mut chosen: Vec<Action> = Vec::new();
    let mut note = None;
    match llm.map(|llm| llm.complete(&actions::chat_request(r.goal, r.existing, r.count))) {
        None => note = Some("no model at hand".to_owned()),
        Some(Err(e)) => note = Some(format!("model call failed: {e:?}")),
        Some(Ok(reply)) if reply.model == OFFLINE_MODEL => {
            note = Some(format!("`{OFFLINE_MODEL}` answered; templates instead"));
        }
        Some(Ok(reply)) => match actions::parse(&reply.content) {
            Ok(suggested) => {
                actions::fill(&mut chosen, suggested, r.existing, count);
                if chosen.len() < count {
                    note = Some(format!(
                        "`{}` gave {} usable action(s); templates fill the rest",
                        reply.model,
                        chosen.len()
                    ));
                }
            }
            Err(e) => note = Some(format!("`{}` answered invalidly: {e}", reply.model)),
        },
    }
    actions::fill(&mut chosen, actions::templates(r.goal), r.existing, count);
    Ok(Answer {
        value: chosen,
        note,
    })
}

/// Asks for the day's affirmation.
#[derive(Debug, Clone, Copy)]
pub struct AffirmationRequest<'a> {
    /// Titles of the open goals.
    pub goals: &'a [String],
    /// Actions completed in the last seven days.
    pub completed_this_week: u32,
    /// The local date, `YYYY-MM-DD`.
    pub local_date: &'a str,
    /// The learner's id, when known (picks the template).
    pub learner_id: Option<&'a str>,
}

/// Writes the affirmation: the model's when valid, else the template of the learner and
/// day.
pub fn affirmation(
    r: &AffirmationRequest<'_>,
    llm: Option<&mut dyn Llm>,
) -> Result<Answer<String>, InputError> {
    if !is_date(r.local_date) {
        return Err(InputError::new(
            "local_date",
            format!("`{}` is not a date written YYYY-MM-DD", r.local_date),
        ));
    }
    let goals: Vec<String> = r
        .goals
        .iter()
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect();
    let why = match llm.map(|llm| {
        llm.complete(&affirmation::chat_request(
            &goals,
            r.completed_this_week,
            r.local_date,
        ))
    }) {
        None => "no model at hand".to_owned(),
        Some(Err(e)) => format!("model call failed: {e:?}"),
        Some(Ok(reply)) if reply.model == OFFLINE_MODEL => {
            format!("`{OFFLINE_MODEL}` answered; a template instead")
        }
        Some(Ok(reply)) => match affirmation::parse(&reply.content) {
            Ok(text) => {
                return Ok(Answer {
                    value: text,
                    note: None,
                });
            }
            Err(e) => format!("`{}` answered invalidly: {e}", reply.model),
        },
    };
    Ok(Answer {
        value: affirmation::template(
            &goals,
            r.completed_this_week,
            r.learner_id.unwrap_or(""),
            r.local_date,
        ),
        note: Some(why),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_plugin_sdk::model::{ChatRequest, ChatResponse, LlmError};

    struct Canned(Result<ChatResponse, LlmError>);

    impl Llm for Canned {
        fn complete(&mut self, _: &ChatRequest) -> Result<ChatResponse, LlmError> {
            self.0.clone()
        }
    }

    fn says(model: &str, content: &str) -> Canned {
        Canned(Ok(ChatResponse {
            content: content.into(),
            model: model.into(),
        }))
    }

    fn goal(title: &str) -> Goal {
        Goal {
            title: title.into(),
            ..Goal::default()
        }
    }

    #[test]
    fn actions_input_is_checked() {
        let g = goal("Run a 5k");
        for (count, field) in [(0, "count"), (8, "count")] {
            let e = suggest_actions(
                &ActionsRequest {
                    goal: &g,
                    existing: &[],
                    count,
                },
                None,
            )
            .expect_err("bad count");
            assert_eq!(e.field, field);
        }
        let blank = goal(" ");
        assert_eq!(
            suggest_actions(
                &ActionsRequest {
                    goal: &blank,
                    existing: &[],
                    count: 1
                },
                None
            )
            .map_err(|e| e.field),
            Err("goal.title".into())
        );
        let dated = Goal {
            target_date: Some("June".into()),
            ..goal("Run")
        };
        assert_eq!(
            suggest_actions(
                &ActionsRequest {
                    goal: &dated,
                    existing: &[],
                    count: 1
                },
                None
            )
            .map_err(|e| e.field),
            Err("goal.target_date".into())
        );
    }

    #[test]
    fn model_actions_are_used_and_templates_fill_the_gaps() {
        let g = goal("Run a 5k");
        let existing = vec!["Buy running shoes".to_owned()];
        let mut llm = says(
            "gpt",
            r#"{"actions": [
            {"title": "Buy new running shoes", "minutes": 30},
            {"title": "Jog for 15 minutes", "minutes": 15},
            {"title": "Jog 15 minutes", "minutes": 15}
        ]}"#,
        );
        let a = suggest_actions(
            &ActionsRequest {
                goal: &g,
                existing: &existing,
                count: 3,
            },
            Some(&mut llm),
        )
        .expect("answers");
        let titles: Vec<&str> = a.value.iter().map(|x| x.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Jog for 15 minutes",
                "Take a brisk 10-minute walk",
                "Lay out your workout clothes for tomorrow"
            ]
        );
        assert!(a.note.is_some());
    }

    #[test]
    fn budget_and_outages_degrade_to_templates_never_an_error() {
        let g = goal("Save money");
        let templated = suggest_actions(
            &ActionsRequest {
                goal: &g,
                existing: &[],
                count: 7,
            },
            None,
        )
        .expect("answers");
        assert_eq!(templated.value.len(), 7);
        for e in [
            LlmError::BudgetExceeded("spent".into()),
            LlmError::Unavailable("down".into()),
            LlmError::RateLimited(100),
        ] {
            let mut llm = Canned(Err(e));
            let a = suggest_actions(
                &ActionsRequest {
                    goal: &g,
                    existing: &[],
                    count: 7,
                },
                Some(&mut llm),
            )
            .expect("answers");
            assert_eq!(a.value, templated.value);
        }
        let mut offline = says(
            OFFLINE_MODEL,
            r#"{"actions": [{"title": "Do the thing", "minutes": 5}]}"#,
        );
        assert_eq!(
            suggest_actions(
                &ActionsRequest {
                    goal: &g,
                    existing: &[],
                    count: 7
                },
                Some(&mut offline)
            )
            .expect("answers")
            .value,
            templated.value
        );
    }

    #[test]
    fn affirmations_use_a_valid_model_answer_else_the_days_template() {
        let goals = vec!["Read more".to_owned()];
        let req = AffirmationRequest {
            goals: &goals,
            completed_this_week: 2,
            local_date: "2025-03-01",
            learner_id: Some("l-1"),
        };
        let mut llm = says(
            "gpt",
            r#"{"affirmation": "You read a little more each week."}"#,
        );
        assert_eq!(
            affirmation(&req, Some(&mut llm)).expect("ok").value,
            "You read a little more each week."
        );
        let template = affirmation::template(&goals, 2, "l-1", "2025-03-01");
        for mut bad in [
            says("gpt", r#"{"affirmation": "A. B. C."}"#),
            says(OFFLINE_MODEL, r#"{"affirmation": "Fine."}"#),
            Canned(Err(LlmError::BudgetExceeded("x".into()))),
        ] {
            let a = affirmation(&req, Some(&mut bad)).expect("ok");
            assert_eq!(a.value, template);
            assert!(a.note.is_some());
        }
        let bad_date = AffirmationRequest {
            local_date: "01/03/2025",
            ..req
        };
        assert_eq!(
            affirmation(&bad_date, None).map_err(|e| e.field),
            Err("local_date".into())
        );
    }
}
