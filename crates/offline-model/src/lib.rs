//! `tessera-offline`: the deterministic model the AI gateway (`components/ai-gateway`)
//! answers with when no provider is configured (the embedded default), so every AI feature
//! works without a network or a key. It writes from templates, rules and the conversation itself, never at random: the
//! same request always gets the same answer (choices use an FNV hash of the input), which
//! keeps tests and the response cache honest. Responses say which model made them (the
//! gateway reports `model: "tessera-offline"`, and free-form answers name it where it
//! matters).
//!
//! Per feature, without a response schema (plain text):
//! - `tutor`, `socratic`, `study-session`: a Socratic question about the learner's topic,
//!   from templates ([`socratic`]).
//! - `tone`: the last user message rewritten in the tone a `Tone: <name>` line names, in
//!   any message (friendly when none; [`tone`]).
//! - `reframe`: a template reframe that quotes the thought, plus a small action.
//! - `quiz-generation`: a quiz built from the lesson text in the last user message
//!   ([`quiz`]).
//! - `course-generation`: a course outline from the brief in the last user message
//!   ([`course`]).
//! - `safety-confirmation`: an "unsure" note; the offline model cannot judge safety.
//! - anything else: a short, honest answer that names the model.
//!
//! With a response schema, the answer is compact JSON that validates against it: a
//! generic generator ([`schema_fill`]) walks the schema and asks [`content`] for
//! meaningful values by property name (a quiz's `questions[i].options`, a rewrite's
//! `text`, a tutor's `questions`). A `null` schema counts as none. Values are checked with
//! the gateway's own validator (the `json-schema` crate), so both agree.
//!
//! `safety-confirmation` answers are never a confirmation: enums take their "unsure"
//! value (`concern` for a `level`), booleans are false (except ones named like `unsure`),
//! scores their minimum. Callers must treat an offline answer as no escalation and keep
//! their own deterministic verdict.

mod content;
mod course;
mod pattern;
mod quiz;
mod reframe;
mod schema_fill;
mod socratic;
mod text;
mod tone;

use serde_json::Value;

use tone::Tone;

/// The model's name.
pub const MODEL: &str = "tessera-offline";

/// A message of the conversation: (role, content); roles are `system`, `user`,
/// `assistant`.
pub type Turn<'a> = (&'a str, &'a str);

/// Rough token count: whitespace-separated words, as an estimate for usage reports.
pub fn tokens(text: &str) -> u32 {
    u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
}

/// The offline model's reply for `feature`, given the conversation: plain text, or with
/// `schema` (a JSON Schema), compact JSON text valid against it. Never panics.
pub fn reply(feature: &str, turns: &[Turn<'_>], schema: Option<&Value>) -> String {
    let input = Input::new(feature, turns);
    match schema {
        Some(schema) if !schema.is_null() => {
            let filler = content::Filler::new(&input);
            let value = schema_fill::generate(schema, &filler);
            serde_json::to_string(&value).unwrap_or_else(|_| "null".to_owned())
        }
        _ => plain(&input),
    }
}

/// What a safety confirmation from the offline model says, in text fields.
const SAFETY_NOTE: &str = "tessera-offline is the offline model and cannot judge safety, so this \
    is not a confirmation: treat it as unconfirmed, with no escalation on this answer.";

/// The features the offline model writes differently for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Feature {
    Tutor,
    Tone,
    Reframe,
    Quiz,
    Course,
    Safety,
    Other,
}

impl Feature {
    fn of(name: &str) -> Feature {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        match name.as_str() {
            "tutor" | "socratic" | "study-session" => Feature::Tutor,
            "tone" => Feature::Tone,
            "reframe" => Feature::Reframe,
            n if n.starts_with("safety") => Feature::Safety,
            n if n.contains("course") => Feature::Course,
            n if n.contains("quiz") => Feature::Quiz,
            _ => Feature::Other,
        }
    }
}

/// A request, read once.
struct Input<'a> {
    feature: Feature,
    turns: &'a [Turn<'a>],
    /// The last user message without its `Tone:` lines: the text to work on.
    user: String,
    tone: Tone,
    /// A hash of the whole request: the source of every choice.
    seed: u64,
}

impl<'a> Input<'a> {
    fn new(feature: &str, turns: &'a [Turn<'a>]) -> Input<'a> {
        let user = turns
            .iter()
            .rev()
            .find(|(role, _)| role.eq_ignore_ascii_case("user"))
            .map(|(_, content)| tone::strip_tone_lines(content))
            .unwrap_or_default();
        let mut parts = vec![feature];
        for (role, content) in turns {
            parts.push(role);
            parts.push(content);
        }
        Input {
            feature: Feature::of(feature),
            turns,
            user,
            tone: Tone::from_turns(turns),
            seed: text::fnv(&parts),
        }
    }

    /// What the learner is asking about: the newest user message that names a topic.
    fn topic(&self) -> String {
        self.turns
            .iter()
            .rev()
            .filter(|(role, _)| role.eq_ignore_ascii_case("user"))
            .find_map(|(_, content)| text::topic(content))
            .unwrap_or_else(|| "this topic".to_owned())
    }

    /// The caller's messages, system ones first: where a request names counts, kinds or
    /// levels.
    fn asks(&self) -> Vec<&'a str> {
        let mut asks: Vec<&'a str> = Vec::new();
        for wanted in ["system", "user"] {
            for (role, content) in self.turns {
                if role.eq_ignore_ascii_case(wanted) {
                    asks.push(content);
                }
            }
        }
        asks
    }
}

/// The plain-text reply.
fn plain(input: &Input<'_>) -> String {
    match input.feature {
        Feature::Tutor => socratic::reply(&input.topic(), input.seed),
        Feature::Tone => {
            let rewritten = tone::rewrite(&input.user, input.tone, input.seed);
            if rewritten.is_empty() {
                format!("[{MODEL}] There was no text to rewrite.")
            } else {
                rewritten
            }
        }
        Feature::Reframe => format!(
            "{} {}",
            reframe::reframe(&input.user, input.seed, 0),
            reframe::action(input.seed, 0)
        ),
        Feature::Quiz => {
            let count = text::requested_count(&input.asks()).unwrap_or(3);
            quiz::plain(&input.user, count)
        }
        Feature::Course => course::outline(&course::Brief::read(&input.user)),
        Feature::Safety => SAFETY_NOTE.to_owned(),
        Feature::Other => format!(
            "[{MODEL}] I can't reach a language model right now, so this is an offline answer. \
             You asked about {}; the lesson notes are the best place to start.",
            input.topic()
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::schema_fill::validate;
    use super::*;

    const LISTS: &str = "Python lists are ordered collections that can hold items of any \
        type. You create a list with square brackets, for example [1, 2, 3]. Lists are \
        mutable, so you can change their contents after creation. The append method adds a \
        single item to the end of a list. Indexing starts at 0, so the first element is \
        my_list[0]. Slicing returns a new list containing a range of elements.";

    /// Parses a schema'd reply and checks it validates.
    fn answer(feature: &str, turns: &[Turn<'_>], schema: &Value) -> Value {
        let text = reply(feature, turns, Some(schema));
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        if let Err(e) = validate(schema, &value) {
            panic!("{text}\ndoes not validate: {e}");
        }
        value
    }

    fn quiz_schema() -> Value {
        json!({"type":"object","required":["questions"],"properties":{"questions":{"type":"array","minItems":3,"items":{"type":"object","required":["question","options","answer","explanation"],"properties":{"question":{"type":"string"},"options":{"type":"array","items":{"type":"string"},"minItems":4,"maxItems":4},"answer":{"type":"string"},"explanation":{"type":"string"}}}}}})
    }

    #[test]
    fn replies_are_deterministic() {
        let turns = [
            ("system", "You are a tutor.\nTone: formal"),
            ("user", "How do for loops work? I'm lost!"),
        ];
        for feature in [
            "tutor",
            "study-session",
            "tone",
            "reframe",
            "quiz-generation",
            "safety-confirmation",
            "other",
        ] {
            assert_eq!(reply(feature, &turns, None), reply(feature, &turns, None));
            let schema = quiz_schema();
            assert_eq!(
                reply(feature, &turns, Some(&schema)),
                reply(feature, &turns, Some(&schema))
            );
        }
    }

    #[test]
    fn quiz_from_a_lesson_paragraph() {
        let turns = [
            ("system", "Write a quiz about the lesson."),
            ("user", LISTS),
        ];
        let value = answer("quiz-generation", &turns, &quiz_schema());
        let questions = value["questions"].as_array().unwrap();
        assert_eq!(questions.len(), 3, "{value}");
        let mut sources = Vec::new();
        for q in questions {
            let options: Vec<&str> = q["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_str().unwrap())
                .collect();
            let answer = q["answer"].as_str().unwrap();
            assert!(options.contains(&answer), "{q}");
            let mut unique = options.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), 4, "{q}");
            // The question is a lesson sentence with the answer blanked out.
            let stem = q["question"].as_str().unwrap();
            let quoted = stem.split('"').nth(1).unwrap();
            assert!(LISTS.contains(&quoted.replace("_____", answer)), "{q}");
            // The explanation quotes that sentence.
            let explanation = q["explanation"].as_str().unwrap();
            let source = explanation.split('"').nth(1).unwrap();
            assert!(LISTS.contains(source), "{q}");
            sources.push(source.to_owned());
        }
        sources.dedup();
        assert_eq!(sources.len(), 3, "three different sentences");
    }

    #[test]
    fn quiz_kinds_rotate_and_answers_agree_with_options() {
        let schema = json!({
            "type": "object",
            "required": ["title", "questions", "total_questions"],
            "properties": {
                "title": {"type": "string", "maxLength": 60},
                "total_questions": {"type": "integer"},
                "difficulty": {"enum": ["beginner", "intermediate", "advanced"]},
                "questions": {"type": "array", "maxItems": 10, "items": {
                    "type": "object",
                    "required": ["id", "type", "question", "options", "correctIndex", "correct_answer", "explanation", "points"],
                    "properties": {
                        "id": {"type": "string"},
                        "type": {"enum": ["multiple_choice", "true_false", "short_answer"]},
                        "question": {"type": "string", "minLength": 10},
                        "options": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
                        "correctIndex": {"type": ["integer", "null"], "minimum": 0},
                        "correct_answer": {"type": "string"},
                        "explanation": {"type": "string"},
                        "points": {"type": "integer", "minimum": 1},
                        "hints": {"type": "array", "items": {"type": "string"}}
                    }
                }}
            }
        });
        let turns = [(
            "user",
            "Generate 6 questions, difficulty: advanced.\n\nLesson: Python lists are ordered collections that can hold items of any type. Lists are mutable, so you can change their contents after creation. The append method adds a single item to the end of a list. Indexing starts at 0, so the first element is my_list[0]. Slicing returns a new list containing a range of elements. A tuple is like a list, but tuples cannot be changed after creation.",
        )];
        let value = answer("quiz-generation", &turns, &schema);
        assert_eq!(value["total_questions"], json!(6));
        assert_eq!(value["difficulty"], json!("advanced"));
        assert!(value["title"].as_str().unwrap().starts_with("Quiz: "));
        let questions = value["questions"].as_array().unwrap();
        assert_eq!(questions.len(), 6);
        let kinds: Vec<&str> = questions
            .iter()
            .map(|q| q["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "multiple_choice",
                "true_false",
                "short_answer",
                "multiple_choice",
                "true_false",
                "short_answer"
            ]
        );
        for q in questions {
            let options = q["options"].as_array().unwrap();
            let answer = &q["correct_answer"];
            match q["type"].as_str().unwrap() {
                "multiple_choice" => {
                    assert_eq!(options.len(), 4);
                    let i = q["correctIndex"].as_u64().unwrap() as usize;
                    assert_eq!(&options[i], answer, "{q}");
                }
                "true_false" => {
                    assert_eq!(options, &[json!("True"), json!("False")]);
                    let i = q["correctIndex"].as_u64().unwrap() as usize;
                    assert_eq!(&options[i], answer, "{q}");
                }
                _ => {
                    assert!(options.is_empty(), "{q}");
                    assert!(q["question"].as_str().unwrap().contains("_____"));
                }
            }
            assert_eq!(q["points"], json!(10));
            assert_eq!(q["hints"].as_array().unwrap().len(), 2);
        }
    }

    #[test]
    fn quiz_answers_as_letters_when_the_schema_says_so() {
        let schema = json!({"type": "object", "required": ["question", "options", "correct_answer"], "properties": {
            "question": {"type": "string"},
            "options": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 3},
            "correct_answer": {"enum": ["A", "B", "C"]}
        }});
        let value = answer("quiz-generation", &[("user", LISTS)], &schema);
        let letter = value["correct_answer"].as_str().unwrap();
        let i = (letter.as_bytes()[0] - b'A') as usize;
        let option = value["options"][i].as_str().unwrap();
        // Lettered options ("B) Chlorophyll", docs/requirements.md#r-002-3.3) when the schema's
        // pattern wants them.
        let mut lettered = schema.clone();
        lettered["properties"]["options"]["items"]["pattern"] = json!("^[A-D]\\) .+$");
        let value = answer("quiz-generation", &[("user", LISTS)], &lettered);
        let options = value["options"].as_array().unwrap();
        assert!(options[0].as_str().unwrap().starts_with("A) "), "{value}");
        let i = (value["correct_answer"].as_str().unwrap().as_bytes()[0] - b'A') as usize;
        let lettered_option = options[i].as_str().unwrap();
        assert_eq!(value["correct_answer"], json!(letter), "{value}");
        assert_eq!(lettered_option, format!("{letter}) {option}"), "{value}");
        let stem = value["question"].as_str().unwrap();
        let quoted = stem.split('"').nth(1).unwrap();
        assert!(LISTS.contains(&quoted.replace("_____", option)), "{value}");
    }

    #[test]
    fn letter_only_answers_rule_out_short_answers() {
        let schema = json!({"type": "object", "required": ["questions"], "properties": {"questions": {
            "type": "array", "minItems": 4, "items": {"type": "object", "properties": {
                "type": {"enum": ["multiple_choice", "true_false", "short_answer"]},
                "question": {"type": "string"},
                "options": {"type": "array", "items": {"type": "string"}},
                "correct_answer": {"type": "string", "pattern": "^[A-D]$"}
            }}
        }}});
        let value = answer("quiz-generation", &[("user", LISTS)], &schema);
        for q in value["questions"].as_array().unwrap() {
            assert_ne!(q["type"], json!("short_answer"), "{q}");
            let i = (q["correct_answer"].as_str().unwrap().as_bytes()[0] - b'A') as usize;
            let option = q["options"][i].as_str().unwrap();
            if q["type"] == json!("true_false") {
                assert!(option == "True" || option == "False", "{q}");
            } else {
                let quoted = q["question"].as_str().unwrap().split('"').nth(1).unwrap();
                assert!(LISTS.contains(&quoted.replace("_____", option)), "{q}");
            }
        }
    }

    #[test]
    fn plain_quiz_and_empty_requests() {
        let text = reply("quiz-generation", &[("user", LISTS)], None);
        assert!(
            text.contains(MODEL) && text.contains("1. ") && text.contains("Answer:"),
            "{text}"
        );
        assert!(reply("quiz-generation", &[], None).contains(MODEL));
        let value = answer("quiz-generation", &[], &quiz_schema());
        assert_eq!(value["questions"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn tone_rewrites_follow_the_tone_line() {
        let text = "Hey! You're gonna love lists, they're really handy! Basically, a list \
            keeps items in order. You can add items whenever you want. Lists can't be \
            dictionary keys.";
        let formal = reply("tone", &[("system", "Tone: formal"), ("user", text)], None);
        assert!(!formal.contains('!') && !formal.contains('\''), "{formal}");
        assert!(!formal.to_lowercase().contains("gonna"), "{formal}");
        let concise = reply("tone", &[("system", "Tone: concise"), ("user", text)], None);
        assert!(concise.len() < text.len() * 6 / 10, "{concise}");
        let socratic = reply(
            "tone",
            &[("system", "Tone: socratic"), ("user", text)],
            None,
        );
        assert!(socratic.ends_with('?'), "{socratic}");
        let playful = reply("tone", &[("user", &format!("Tone: playful\n{text}"))], None);
        assert!(!playful.contains("Tone:"), "{playful}");
        let friendly = reply("tone", &[("user", "It is not hard. You are close.")], None);
        assert!(
            friendly.contains("It's not hard") && friendly.contains("You're close"),
            "{friendly}"
        );

        let schema = json!({"type": "object", "required": ["tone", "rewritten"], "properties": {
            "tone": {"enum": ["Friendly", "Formal", "Socratic", "Concise", "Playful"]},
            "rewritten": {"type": "string"},
            "changes": {"type": "array", "items": {"type": "string"}}
        }});
        let value = answer(
            "tone",
            &[("system", "Tone: formal"), ("user", text)],
            &schema,
        );
        assert_eq!(value["tone"], json!("Formal"));
        assert_eq!(value["rewritten"], json!(formal));
        assert_eq!(value["changes"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn tutors_ask_socratic_questions() {
        let turns = [("user", "I don't understand how neural networks learn")];
        let text = reply("study-session", &turns, None);
        assert!(
            text.contains("neural networks") && text.ends_with('?'),
            "{text}"
        );
        let schema = json!({"type": "object", "required": ["response", "questions"], "properties": {
            "response": {"type": "string"},
            "questions": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
            "hint": {"type": "string", "maxLength": 200}
        }});
        let value = answer("tutor", &turns, &schema);
        assert_eq!(value["response"], json!(reply("tutor", &turns, None)));
        let questions = value["questions"].as_array().unwrap();
        assert_eq!(questions.len(), 3);
        assert!(
            questions
                .iter()
                .all(|q| q.as_str().unwrap().contains("neural networks"))
        );
    }

    #[test]
    fn reframes_quote_the_thought() {
        let turns = [("user", "I always mess up presentations.")];
        let text = reply("reframe", &turns, None);
        assert!(
            text.contains("\"I always mess up presentations\""),
            "{text}"
        );
        let schema = json!({"type": "object", "required": ["reframes", "micro_action"], "properties": {
            "reframes": {"type": "array", "items": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}},
            "micro_action": {"type": "string"}
        }});
        let value = answer("reframe", &turns, &schema);
        let reframes = value["reframes"].as_array().unwrap();
        assert_eq!(reframes.len(), 3);
        assert!(
            reframes
                .iter()
                .all(|r| r["text"].as_str().unwrap().contains("presentations"))
        );
    }

    #[test]
    fn safety_confirmations_are_never_confirmations() {
        let schema = json!({"type": "object", "required": ["level", "confirmed", "categories", "confidence", "reason"], "properties": {
            "level": {"enum": ["none", "concern", "crisis"]},
            "confirmed": {"type": "boolean"},
            "needs_review": {"type": "boolean"},
            "categories": {"type": "array", "items": {"enum": ["suicide", "self_harm"]}},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "verdict": {"enum": ["confirmed", "not_confirmed"]},
            "reason": {"type": "string"}
        }});
        let turns = [
            ("system", "Confirm whether this is a crisis."),
            ("user", "I want to die, this crisis is too much"),
        ];
        let value = answer("safety-confirmation", &turns, &schema);
        assert_eq!(value["level"], json!("concern"));
        assert_eq!(value["confirmed"], json!(false));
        assert_eq!(value["needs_review"], json!(true));
        assert_eq!(value["categories"], json!([]));
        assert_eq!(value["confidence"], json!(0));
        assert_eq!(value["verdict"], json!("not_confirmed"));
        assert!(value["reason"].as_str().unwrap().contains(MODEL));
        assert!(reply("safety-confirmation", &turns, None).contains("cannot judge"));
    }

    #[test]
    fn generic_schemas_get_valid_meaningful_values() {
        let schema = json!({
            "$defs": {"step": {"type": "object", "required": ["title", "minutes"], "properties": {
                "title": {"type": "string", "maxLength": 40},
                "minutes": {"type": "integer", "minimum": 1, "maximum": 15, "multipleOf": 5}
            }}},
            "type": "object",
            "required": ["model", "summary", "steps", "created_at", "contact", "tags", "language"],
            "properties": {
                "model": {"type": "string"},
                "summary": {"type": "string", "maxLength": 80},
                "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}, "minItems": 2, "maxItems": 5},
                "created_at": {"type": "string", "format": "date-time"},
                "contact": {"type": "string", "format": "email"},
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
                "language": {"type": "string", "enum": ["de", "en", "fr"]},
                "score": {"anyOf": [{"type": "null"}, {"type": "number", "exclusiveMaximum": 1, "minimum": 0.5}]}
            }
        });
        let turns = [(
            "user",
            "Explain recursion in Python. Recursion means a function calls itself.",
        )];
        let value = answer("lesson-plan", &turns, &schema);
        assert_eq!(value["model"], json!(MODEL));
        assert_eq!(value["steps"].as_array().unwrap().len(), 2);
        assert_eq!(value["steps"][0]["minutes"], json!(5));
        assert!(
            value["summary"]
                .as_str()
                .unwrap()
                .starts_with("Explain recursion")
        );
        assert!(
            value["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "Recursion")
        );
        assert_eq!(value["language"], json!("de"));
        let plain = reply("lesson-plan", &turns, Some(&json!({"type": "string"})));
        assert!(plain.starts_with('"') && plain.contains(MODEL), "{plain}");
    }

    #[test]
    fn odd_inputs_never_panic() {
        let schemas = [
            json!(true),
            json!(false),
            json!(42),
            json!({}),
            json!({"$ref": "#"}),
            json!({"type": "array", "minItems": 1000000}),
            json!({"type": "object", "properties": {"questions": {"type": "array", "items": {"$ref": "#"}}}}),
            json!({"type": "object", "properties": {"questions": {"type": "array", "items": {"type": "object", "properties": {"options": {"type": "array", "minItems": 3, "maxItems": 1}, "answer": {"type": "integer", "maximum": -5}, "type": {"enum": ["essay"]}}}}}}),
            json!({"items": [{"type": "string"}], "type": "array"}),
        ];
        let turn_sets: [&[Turn<'_>]; 4] = [
            &[],
            &[("user", "")],
            &[
                ("assistant", "?"),
                ("system", "Tone:"),
                ("user", "!!! ... ??? \u{1F600}"),
            ],
            &[("user", LISTS)],
        ];
        for feature in [
            "",
            "tutor",
            "tone",
            "reframe",
            "quiz-generation",
            "safety-confirmation",
            "x",
        ] {
            for turns in turn_sets {
                let _ = reply(feature, turns, None);
                for schema in &schemas {
                    let text = reply(feature, turns, Some(schema));
                    assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
                }
            }
        }
        assert!(reply("anything", &[], None).contains(MODEL));
        // A null schema is no schema.
        assert_eq!(
            reply("tutor", &[], Some(&json!(null))),
            reply("tutor", &[], None)
        );
        assert_eq!(tokens("three small words"), 3);
    }
}
