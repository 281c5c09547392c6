//! The stages together: checks, the crisis second line, one model call, the templates.

use tessera_plugin_sdk::model::{Llm, LlmError, OFFLINE_MODEL};

use crate::{Distortion, Reframing, crisis, model, templates};

/// The longest thought, in characters (the WIT's bound).
pub const MAX_THOUGHT_CHARS: usize = 4000;
/// What the host shows instead: its crisis response (the WIT's `unsupported`).
pub const CRISIS_REFUSAL: &str = "crisis content is not reframed";

/// A thought to reframe.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The thought.
    pub thought: &'a str,
    /// Distortions seen in it, when known.
    pub distortions: &'a [Distortion],
    /// The text around it, when there is one.
    pub context: Option<&'a str>,
    /// The learner's preferred tone, if any.
    pub tone: Option<&'a str>,
}

/// Why a thought is not reframed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Bad input: the field and why.
    Invalid {
        /// The WIT field.
        field: String,
        /// Why.
        message: String,
    },
    /// Crisis content: the host answers with its crisis response.
    Unsupported(String),
}

/// The answer and what happened, for the logs (never the user's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Three reframes and a micro-action.
    pub reframing: Reframing,
    /// Why the templates answered, when they did.
    pub note: Option<String>,
}

/// Checks the request and screens it for crisis phrases.
pub fn check(request: &Request<'_>) -> Result<(), Refusal> {
    let invalid = |message: String| Refusal::Invalid {
        field: "thought".into(),
        message,
    };
    if request.thought.trim().is_empty() {
        return Err(invalid("the thought is empty".into()));
    }
    let chars = request.thought.chars().count();
    if chars > MAX_THOUGHT_CHARS {
        return Err(invalid(format!(
            "the thought has {chars} characters; at most {MAX_THOUGHT_CHARS} are reframed"
        )));
    }
    if crisis::is_crisis(request.thought) || request.context.is_some_and(crisis::is_crisis) {
        return Err(Refusal::Unsupported(CRISIS_REFUSAL.into()));
    }
    Ok(())
}

/// Reframes the thought: the model's answer when it is a real model's and valid, else the
/// templates. The safety gate stopping the model call (`blocked`) means crisis content:
/// refused like the crisis phrases, never answered with templates.
pub fn reframe(request: &Request<'_>, llm: Option<&mut dyn Llm>) -> Result<Outcome, Refusal> {
    check(request)?;
    let templated = |why: String| Outcome {
        reframing: templates::reframe(request.thought, request.distortions),
        note: Some(why),
    };
    let Some(llm) = llm else {
        return Ok(templated("no model at hand".into()));
    };
    let chat = model::chat_request(
        request.thought,
        request.distortions,
        request.context,
        request.tone,
    );
    let reply = match llm.complete(&chat) {
        Ok(reply) => reply,
        Err(LlmError::Blocked(_)) => return Err(Refusal::Unsupported(CRISIS_REFUSAL.into())),
        Err(e) => return Ok(templated(format!("model call failed: {e:?}"))),
    };
    if reply.model == OFFLINE_MODEL {
        return Ok(templated(format!(
            "`{OFFLINE_MODEL}` answered; the distortion-aware templates answer instead"
        )));
    }
    match model::parse(&reply.content)
        .and_then(|(reframes, action)| model::validate(reframes, action, &reply.model))
    {
        Ok(reframing) => Ok(Outcome {
            reframing,
            note: None,
        }),
        Err(e) => Ok(templated(format!(
            "`{}` answered invalidly: {e}",
            reply.model
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TEMPLATE_MODEL;
    use tessera_plugin_sdk::model::{ChatRequest, ChatResponse};

    struct Canned(Result<ChatResponse, LlmError>, usize);

    impl Llm for Canned {
        fn complete(&mut self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
            assert_eq!(request.feature, model::FEATURE);
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

    const GOOD: &str = r#"{"reframes": [
        {"angle": "Evidence", "text": "What do you know for sure?"},
        {"angle": "future self", "text": "How will this look in a year?"},
        {"angle": "compassion", "text": "You are doing your best."}
    ], "micro_action": "Write down one fact."}"#;

    fn req(thought: &str) -> Request<'_> {
        Request {
            thought,
            distortions: &[Distortion::Catastrophising],
            context: None,
            tone: None,
        }
    }

    #[test]
    fn input_is_checked() {
        assert!(
            matches!(reframe(&req(" "), None), Err(Refusal::Invalid { field, .. }) if field == "thought")
        );
        let long = "a".repeat(MAX_THOUGHT_CHARS + 1);
        assert!(matches!(
            reframe(&req(&long), None),
            Err(Refusal::Invalid { .. })
        ));
    }

    #[test]
    fn crisis_content_is_refused_before_any_model_call() {
        let mut llm = says("gpt", GOOD);
        let r = reframe(&req("Honestly I want to die"), Some(&mut llm));
        assert_eq!(r, Err(Refusal::Unsupported(CRISIS_REFUSAL.into())));
        assert_eq!(llm.1, 0);
        let mut ctx = req("I'm useless");
        ctx.context = Some("I keep thinking about how to kill myself. I'm useless");
        assert!(matches!(reframe(&ctx, None), Err(Refusal::Unsupported(_))));
        let mut blocked = Canned(Err(LlmError::Blocked("crisis".into())), 0);
        assert!(matches!(
            reframe(&req("It is all too much"), Some(&mut blocked)),
            Err(Refusal::Unsupported(_))
        ));
    }

    #[test]
    fn a_valid_model_answer_is_used() {
        let mut llm = says("gpt-4o-mini", GOOD);
        let out = reframe(&req("This will ruin everything"), Some(&mut llm)).expect("answers");
        assert_eq!(out.reframing.model, "gpt-4o-mini");
        assert_eq!(out.reframing.reframes[1].angle, "future-self");
        assert_eq!(out.note, None);
    }

    #[test]
    fn offline_failures_and_invalid_answers_get_the_templates() {
        let expected =
            templates::reframe("This will ruin everything", &[Distortion::Catastrophising]);
        let cases = vec![
            says(OFFLINE_MODEL, GOOD),
            says("gpt", r#"{"reframes": [], "micro_action": "x"}"#),
            says("gpt", "no json"),
            Canned(Err(LlmError::BudgetExceeded("spent".into())), 0),
            Canned(Err(LlmError::Unavailable("down".into())), 0),
        ];
        for mut llm in cases {
            let out = reframe(&req("This will ruin everything"), Some(&mut llm)).expect("answers");
            assert_eq!(out.reframing, expected);
            assert_eq!(out.reframing.model, TEMPLATE_MODEL);
            assert!(out.note.is_some());
        }
        let none = reframe(&req("This will ruin everything"), None).expect("answers");
        assert_eq!(none.reframing, expected);
    }
}
