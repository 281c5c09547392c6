//! What the offline model writes into a schema: the [`Content`] that gives the generic
//! generator meaning. It reads property names (normalised: `correctAnswer` is
//! `correct_answer`) and the feature: a `quiz-generation` schema's `questions[i]` get
//! question `i` built from the lesson, a `tone` schema's `text` gets the rewrite, a tutor's
//! `questions` get Socratic questions, a `safety-confirmation` gets "not confirmed". Names
//! it does not know are left to the generator's constraint-only values.

use std::cell::OnceCell;

use serde_json::{Map, Value};

use super::pattern;
use super::quiz::{self, Kind, Lesson, Question};
use super::schema_fill::{self, Content, Seg, Slot, Ty, norm_key, norm_word};
use super::text::{self, fnv};
use super::{Feature, Input, MODEL, SAFETY_NOTE, course, reframe, socratic};

/// Arrays whose items are quiz questions.
const QUESTION_ARRAYS: &[&str] = &[
    "questions",
    "quiz",
    "quiz_questions",
    "question_list",
    "items",
    "mcqs",
    "exercises",
    "problems",
    "cards",
    "flashcards",
];
/// A question's text.
const STEM_KEYS: &[&str] = &[
    "question",
    "prompt",
    "text",
    "stem",
    "question_text",
    "body",
    "query",
    "statement",
    "front",
];
/// A question's choices.
const OPTION_KEYS: &[&str] = &[
    "options",
    "choices",
    "alternatives",
    "answers",
    "answer_options",
];
/// A question's wrong choices only.
const DISTRACTOR_KEYS: &[&str] = &[
    "distractors",
    "wrong_answers",
    "incorrect_answers",
    "incorrect_options",
    "wrong_options",
];
/// A question's answer: text, letter, index or truth, whichever the schema's type says.
const ANSWER_KEYS: &[&str] = &[
    "answer",
    "correct_answer",
    "correct",
    "correct_option",
    "correct_choice",
    "solution",
    "expected_answer",
    "right_answer",
    "answer_text",
    "model_answer",
    "correct_response",
    "back",
    "answer_key",
];
/// The answer's position among the options.
const INDEX_KEYS: &[&str] = &[
    "correct_index",
    "answer_index",
    "correct_option_index",
    "correct_answer_index",
    "correct_choice_index",
    "answer_idx",
    "correct_idx",
    "solution_index",
];
/// The answer's letter among the options.
const LETTER_KEYS: &[&str] = &["correct_letter", "answer_letter", "correct_option_letter"];
const EXPLANATION_KEYS: &[&str] = &[
    "explanation",
    "rationale",
    "reason",
    "reasoning",
    "feedback",
    "why",
    "justification",
    "answer_explanation",
    "solution_explanation",
];
/// A question's kind (`multiple_choice`, `true_false`, `short_answer`).
const KIND_KEYS: &[&str] = &["kind", "type", "question_type", "format", "qtype", "style"];
const SOURCE_KEYS: &[&str] = &[
    "source",
    "source_sentence",
    "source_text",
    "quote",
    "context",
    "reference",
    "excerpt",
    "evidence",
    "citation",
];
const TERM_KEYS: &[&str] = &["topic", "concept", "term", "key_term", "keyword", "skill"];
/// Text a whole answer goes into.
const FREE_TEXT_KEYS: &[&str] = &[
    "response",
    "reply",
    "message",
    "content",
    "text",
    "answer",
    "output",
    "result",
    "completion",
    "body",
];
/// Where a tone rewrite goes.
const TONE_TEXT_KEYS: &[&str] = &[
    "text",
    "rewritten",
    "rewrite",
    "rewritten_text",
    "content",
    "output",
    "result",
    "message",
    "response",
    "body",
    "answer",
    "reply",
    "lesson",
    "step",
    "rewritten_lesson",
    "rewritten_step",
    "paragraph",
];
/// Lists of Socratic questions.
const SOCRATIC_LISTS: &[&str] = &[
    "questions",
    "follow_up_questions",
    "followup_questions",
    "guiding_questions",
    "socratic_questions",
    "prompts",
    "follow_ups",
    "next_questions",
];
/// One Socratic question.
const SOCRATIC_ONE: &[&str] = &[
    "question",
    "follow_up",
    "followup",
    "next_question",
    "guiding_question",
    "socratic_question",
    "prompt",
];
const REFRAME_LISTS: &[&str] = &[
    "reframes",
    "reframings",
    "alternatives",
    "perspectives",
    "alternative_thoughts",
    "balanced_thoughts",
    "options",
    "suggestions",
];
const REFRAME_ONE: &[&str] = &[
    "reframe",
    "reframed",
    "reframed_thought",
    "alternative",
    "alternative_thought",
    "balanced_thought",
    "perspective",
];
const ACTION_KEYS: &[&str] = &[
    "micro_action",
    "action",
    "next_step",
    "small_step",
    "micro_step",
    "step",
    "suggested_action",
];
const ACTION_LISTS: &[&str] = &["micro_actions", "actions", "next_steps", "steps"];
const THOUGHT_KEYS: &[&str] = &[
    "thought",
    "original",
    "original_thought",
    "automatic_thought",
    "original_text",
    "input",
    "source_text",
];
/// Safety-confirmation enums whose "unsure" answer is the middle level `concern`.
const LEVEL_KEYS: &[&str] = &["level", "severity", "risk", "risk_level", "safety_level"];
/// Safety-confirmation booleans that are true when the model cannot tell.
const UNSURE_KEYS: &[&str] = &[
    "unsure",
    "uncertain",
    "needs_review",
    "needs_human_review",
    "human_review",
    "review_needed",
    "requires_review",
    "inconclusive",
    "undetermined",
];
/// Enum values that say "not confirmed / cannot tell", in order of preference.
const UNSURE_VALUES: &[&str] = &[
    "unsure",
    "uncertain",
    "unknown",
    "unconfirmed",
    "notconfirmed",
    "inconclusive",
    "undetermined",
    "needsreview",
    "review",
    "concern",
    "no",
    "false",
    "none",
];
/// Lists of statements drawn from the user's text.
const STATEMENT_LISTS: &[&str] = &[
    "key_points",
    "takeaways",
    "key_takeaways",
    "points",
    "bullets",
    "highlights",
    "main_points",
    "summary_points",
    "facts",
    "sentences",
];
const TAG_LISTS: &[&str] = &[
    "tags",
    "keywords",
    "key_terms",
    "terms",
    "concepts",
    "topics",
];

/// Questions in a quiz when neither the request nor the schema says.
const DEFAULT_QUESTIONS: usize = 3;

/// The offline model's content for one request.
pub(crate) struct Filler<'a> {
    input: &'a Input<'a>,
    topic: String,
    /// The caller's messages (system first, then user), lower case, for enum mentions.
    asks: Vec<String>,
    requested: Option<usize>,
    kinds: Vec<Kind>,
    lesson: OnceCell<Lesson>,
    course: OnceCell<course::Brief>,
    plain: OnceCell<String>,
    rewrite: OnceCell<String>,
}

impl<'a> Filler<'a> {
    pub(crate) fn new(input: &'a Input<'a>) -> Filler<'a> {
        let asks = input.asks();
        Filler {
            topic: input.topic(),
            requested: text::requested_count(&asks),
            kinds: quiz::mentioned_kinds(&asks),
            asks: asks.iter().map(|a| a.to_lowercase()).collect(),
            input,
            lesson: OnceCell::new(),
            course: OnceCell::new(),
            plain: OnceCell::new(),
            rewrite: OnceCell::new(),
        }
    }

    fn lesson(&self) -> &Lesson {
        self.lesson.get_or_init(|| Lesson::new(&self.input.user))
    }

    fn plain(&self) -> String {
        self.plain.get_or_init(|| super::plain(self.input)).clone()
    }

    fn rewrite(&self) -> String {
        self.rewrite
            .get_or_init(|| {
                super::tone::rewrite(&self.input.user, self.input.tone, self.input.seed)
            })
            .clone()
    }

    /// The lesson's main term, or the conversation's topic.
    fn quiz_topic(&self) -> String {
        self.lesson()
            .main_term()
            .map_or_else(|| self.topic.clone(), str::to_owned)
    }

    /// The first enum value the caller's messages mention (system messages first).
    fn mentioned(&self, values: &[Value]) -> Option<Value> {
        for ask in &self.asks {
            for value in values {
                let Some(s) = value.as_str().filter(|s| s.chars().count() >= 3) else {
                    continue;
                };
                let lower = s.to_lowercase();
                if text::has_phrase(ask, &lower) || text::has_phrase(ask, &lower.replace('_', " "))
                {
                    return Some(value.clone());
                }
            }
        }
        None
    }

    fn difficulty(&self, slot: &Slot<'_>) -> Option<Value> {
        if let Some(values) = slot.enum_values() {
            return self.mentioned(values);
        }
        let levels = [
            "beginner",
            "intermediate",
            "advanced",
            "easy",
            "medium",
            "hard",
        ];
        let found = levels
            .iter()
            .find(|l| self.asks.iter().any(|a| text::has_phrase(a, l)));
        string(found.copied().unwrap_or("intermediate"))
    }

    // --- quiz -------------------------------------------------------------------------

    /// How many questions the quiz array `array` gets: the request's count (or 3) within
    /// the array's bounds, exactly as the generator will clamp it.
    fn count(&self, array: &Map<String, Value>) -> usize {
        let (min, max) = schema_fill::array_bounds(array);
        self.requested.unwrap_or(DEFAULT_QUESTIONS).clamp(min, max)
    }

    /// The question count for root-level fields (`total_questions`).
    fn root_count(&self, slot: &Slot<'_>) -> usize {
        let Some(root) = slot.schemas.first() else {
            return self.requested.unwrap_or(DEFAULT_QUESTIONS);
        };
        if root.get("type").and_then(Value::as_str) == Some("array") {
            return self.count(root);
        }
        let array = root
            .get("properties")
            .and_then(Value::as_object)
            .and_then(|p| {
                p.iter()
                    .find(|(k, _)| QUESTION_ARRAYS.contains(&norm_key(k).as_str()))
            })
            .map(|(_, s)| schema_fill::resolve(slot.root, s));
        match array {
            Some(array) => self.count(&array),
            None => self.requested.unwrap_or(DEFAULT_QUESTIONS),
        }
    }

    /// Which question `slot` is in, if any.
    fn locate<'s>(&self, slot: &Slot<'s>) -> Option<At<'s>> {
        let path = slot.path;
        for i in (0..path.len().saturating_sub(1)).rev() {
            if let (Seg::Key(k), Seg::Index(q)) = (&path[i], &path[i + 1])
                && QUESTION_ARRAYS.contains(&k.as_str())
            {
                let array = slot.schemas.get(i + 1)?;
                return Some(At {
                    q: *q,
                    total: self.count(array),
                    object: slot.schemas.get(i + 2)?,
                    rel: &path[i + 2..],
                });
            }
        }
        if let Some(Seg::Index(q)) = path.first() {
            return Some(At {
                q: *q,
                total: self.count(slot.schemas.first()?),
                object: slot.schemas.get(1)?,
                rel: &path[1..],
            });
        }
        // A schema for a single question.
        let root = slot.schemas.first()?;
        let props = root.get("properties")?.as_object()?;
        let has = |names: &[&str]| props.keys().any(|k| names.contains(&norm_key(k).as_str()));
        (has(STEM_KEYS) && (has(OPTION_KEYS) || has(ANSWER_KEYS))).then_some(At {
            q: 0,
            total: 1,
            object: root,
            rel: path,
        })
    }

    /// What the question object's schema allows: its kinds and its option bounds.
    fn shape(&self, root: &Value, object: &Map<String, Value>) -> Shape {
        let props = object.get("properties").and_then(Value::as_object);
        let find = |names: &[&str]| {
            props.and_then(|p| {
                p.iter()
                    .find(|(k, _)| names.contains(&norm_key(k).as_str()))
                    .map(|(_, s)| schema_fill::resolve(root, s))
            })
        };
        let is_array = |s: &Map<String, Value>| {
            s.get("type").and_then(Value::as_str) == Some("array") || s.contains_key("items")
        };
        let options = find(OPTION_KEYS)
            .filter(is_array)
            .map(|s| schema_fill::array_bounds(&s));
        let distractors = find(DISTRACTOR_KEYS)
            .filter(is_array)
            .map(|s| schema_fill::array_bounds(&s));
        let mut kinds: Vec<Kind> = Vec::new();
        if let Some(values) = find(KIND_KEYS).and_then(|s| s.get("enum").cloned()) {
            for kind in values
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if let Some(kind) = Kind::parse(kind)
                    && !kinds.contains(&kind)
                {
                    kinds.push(kind);
                }
            }
        }
        if kinds.is_empty() {
            let boolean_answer = find(ANSWER_KEYS)
                .is_some_and(|s| s.get("type").and_then(Value::as_str) == Some("boolean"));
            kinds.push(if boolean_answer {
                Kind::TrueFalse
            } else if options.is_some() || distractors.is_some() {
                Kind::MultipleChoice
            } else {
                Kind::ShortAnswer
            });
        }
        // A short answer needs options that may be empty and an answer field that takes a
        // word (not a letter, an index or an enum).
        let free_answer = find(ANSWER_KEYS).is_none_or(|s| takes_a_word(&s));
        let (min, max) = options.unwrap_or((0, usize::MAX));
        let fits: Vec<Kind> = kinds
            .iter()
            .copied()
            .filter(|k| match k {
                Kind::MultipleChoice => max >= 2,
                Kind::TrueFalse => min <= 2 && max >= 2,
                Kind::ShortAnswer => min == 0 && free_answer,
            })
            .collect();
        if !fits.is_empty() {
            kinds = fits;
        }
        let asked: Vec<Kind> = kinds
            .iter()
            .copied()
            .filter(|k| self.kinds.contains(k))
            .collect();
        if !asked.is_empty() {
            kinds = asked;
        }
        Shape {
            kinds,
            options,
            distractors,
        }
    }

    fn question_at(&self, slot: &Slot<'_>, at: &At<'_>) -> (Question, Shape) {
        let shape = self.shape(slot.root, at.object);
        let kind = shape.kinds[at.q % shape.kinds.len()];
        let question = self
            .lesson()
            .question(at.q, at.total, kind, shape.option_count(kind));
        (question, shape)
    }

    fn quiz(&self, slot: &Slot<'_>) -> Option<Value> {
        let Some(at) = self.locate(slot) else {
            return self.quiz_root(slot);
        };
        let (question, _) = self.question_at(slot, &at);
        let q = at.q;
        match at.rel {
            [] => (slot.ty == Ty::String).then(|| Value::String(question.stem.clone())),
            [Seg::Key(k)] => self.question_field(slot, k, q, &question),
            [Seg::Key(k), Seg::Index(j)] => {
                let k = k.as_str();
                let j = *j;
                if OPTION_KEYS.contains(&k) {
                    let option = question.options.get(j)?;
                    option_text(slot, j, option)
                } else if DISTRACTOR_KEYS.contains(&k) {
                    wrong_options(&question).get(j).and_then(|o| string(o))
                } else if k == "hints" {
                    string(&hints(&question).get(j).cloned().unwrap_or_default())
                } else if ANSWER_KEYS.contains(&k) || k == "correct_answers" {
                    (j == 0).then(|| Value::String(question.answer.clone()))
                } else if TAG_LISTS.contains(&k) {
                    (j == 0).then(|| Value::String(question.term.clone()))
                } else {
                    None
                }
            }
            [Seg::Key(k), Seg::Index(j), Seg::Key(field)] if OPTION_KEYS.contains(&k.as_str()) => {
                let correct = question.answer_index == Some(*j);
                match field.as_str() {
                    "text" | "label" | "value" | "option" | "content" | "choice" | "answer"
                    | "option_text" => question.options.get(*j).and_then(|o| string(o)),
                    "is_correct" | "correct" | "is_answer" => Some(Value::Bool(correct)),
                    "id" | "key" | "letter" => string(&quiz::letter(*j)),
                    f if EXPLANATION_KEYS.contains(&f) => string(&if correct {
                        question.explanation.clone()
                    } else {
                        format!("Not this one. {}", question.explanation)
                    }),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn question_field(
        &self,
        slot: &Slot<'_>,
        key: &str,
        q: usize,
        question: &Question,
    ) -> Option<Value> {
        let number = |n: usize| match slot.ty {
            Ty::String => Some(Value::String(n.to_string())),
            _ => Some(Value::from(n)),
        };
        if STEM_KEYS.contains(&key) {
            return string(&question.stem);
        }
        if ANSWER_KEYS.contains(&key) {
            return answer_value(slot, question);
        }
        if INDEX_KEYS.contains(&key) {
            let base = usize::from(slot.schema.get("minimum").and_then(Value::as_f64) >= Some(1.0));
            return question.answer_index.and_then(|i| number(i + base));
        }
        if LETTER_KEYS.contains(&key) {
            return question.answer_index.and_then(|i| string(&quiz::letter(i)));
        }
        if EXPLANATION_KEYS.contains(&key) {
            return string(&question.explanation);
        }
        if KIND_KEYS.contains(&key) {
            if let Some(values) = slot.enum_values() {
                return values
                    .iter()
                    .find(|v| v.as_str().and_then(Kind::parse) == Some(question.kind))
                    .cloned();
            }
            return string(question.kind.name());
        }
        if SOURCE_KEYS.contains(&key) {
            return string(&question.source);
        }
        if TERM_KEYS.contains(&key) {
            return string(&question.term);
        }
        match key {
            "difficulty" | "level" => self.difficulty(slot),
            "hint" => string(&question.hint),
            "id" | "question_id" | "qid" => match slot.ty {
                Ty::String => string(&format!("q{}", q + 1)),
                _ => Some(Value::from(q + 1)),
            },
            "number" | "index" | "position" | "order" | "question_number" => number(q + 1),
            "points" | "score" | "marks" | "weight" => Some(Value::from(10)),
            "estimated_time" | "time" | "time_seconds" | "seconds" | "estimated_seconds"
            | "duration" | "time_limit" => Some(Value::from(30)),
            "title" | "name" | "label" => string(&format!("Question {}", q + 1)),
            _ => None,
        }
    }

    /// Quiz fields outside the questions.
    fn quiz_root(&self, slot: &Slot<'_>) -> Option<Value> {
        let key = slot.key()?;
        if slot.item().is_some() {
            return None;
        }
        let n = self.root_count(slot);
        match key {
            "title" | "name" | "quiz_title" | "heading" => {
                string(&format!("Quiz: {}", text::capitalize(&self.quiz_topic())))
            }
            "summary" | "description" | "overview" => string(&format!(
                "{n} questions built from the lesson text by {MODEL}, the offline model."
            )),
            "instructions" => string(
                "Answer each question from the lesson text; each explanation quotes the sentence \
                 its question comes from.",
            ),
            "total_questions"
            | "question_count"
            | "num_questions"
            | "number_of_questions"
            | "count" => Some(Value::from(n)),
            "total_points" | "max_score" | "max_points" => Some(Value::from(n * 10)),
            "estimated_duration" | "estimated_time" | "duration" | "time_limit"
            | "estimated_seconds" | "duration_seconds" => Some(Value::from(n * 30)),
            "estimated_minutes" | "duration_minutes" => Some(Value::from(n.div_ceil(2).max(1))),
            "difficulty" | "level" => self.difficulty(slot),
            "topic" | "subject" => string(&self.quiz_topic()),
            "quiz_id" | "id" => string(&format!("quiz-{:08x}", self.input.seed & 0xffff_ffff)),
            _ => None,
        }
    }

    // --- other features ---------------------------------------------------------------

    fn tone(&self, slot: &Slot<'_>) -> Option<Value> {
        let textual = matches!(slot.ty, Ty::String | Ty::Any);
        match slot.key() {
            None => textual.then(|| Value::String(self.rewrite())),
            Some(k) if TONE_TEXT_KEYS.contains(&k) && textual => string(&self.rewrite()),
            Some("original" | "original_text" | "source" | "input" | "source_text") => {
                string(&self.input.user)
            }
            Some("tone" | "style" | "target_tone" | "tone_name" | "voice") => {
                string(self.input.tone.name())
            }
            Some("changes" | "notes" | "edits" | "applied_rules" | "rules") => slot
                .item()
                .and_then(|j| self.input.tone.notes().get(j))
                .and_then(|n| string(n)),
            _ => None,
        }
    }

    fn tutor(&self, slot: &Slot<'_>) -> Option<Value> {
        let key = slot.key()?;
        let seed = self.input.seed;
        if SOCRATIC_LISTS.contains(&key) {
            return slot
                .item()
                .and_then(|j| string(&socratic::question(&self.topic, seed, j)));
        }
        if SOCRATIC_ONE.contains(&key) {
            let n = slot.nearest_index().unwrap_or(0);
            return string(&socratic::question(&self.topic, seed, n));
        }
        match key {
            "hint" => string(&socratic::hint(&self.topic)),
            "hints" => slot.item().and_then(|j| match j {
                0 => string(&socratic::hint(&self.topic)),
                _ => string(&format!(
                    "Try explaining {} in your own words, one sentence at a time.",
                    self.topic
                )),
            }),
            "topic" | "concept" | "subject" => string(&self.topic),
            "encouragement" => string("You're making progress; keep going."),
            "summary" => string(&format!(
                "We are exploring {} with guiding questions.",
                self.topic
            )),
            _ => None,
        }
    }

    /// A course's texts, from the brief (`course`).
    fn course(&self, slot: &Slot<'_>) -> Option<Value> {
        if !matches!(slot.ty, Ty::String | Ty::Any) {
            return None;
        }
        let brief = self
            .course
            .get_or_init(|| course::Brief::read(&self.input.user));
        course::text(brief, slot.path).map(Value::String)
    }

    fn reframe(&self, slot: &Slot<'_>) -> Option<Value> {
        let key = slot.key()?;
        let seed = self.input.seed;
        let user = &self.input.user;
        let n = slot.nearest_index().unwrap_or(0);
        if REFRAME_LISTS.contains(&key) {
            return slot
                .item()
                .and_then(|j| string(&reframe::reframe(user, seed, j)));
        }
        if ACTION_LISTS.contains(&key) {
            return slot.item().and_then(|j| string(reframe::action(seed, j)));
        }
        if ACTION_KEYS.contains(&key) {
            return string(reframe::action(seed, n));
        }
        if THOUGHT_KEYS.contains(&key) {
            return string(&reframe::thought(user));
        }
        let in_list = slot.path.iter().any(|seg| match seg {
            Seg::Key(k) => REFRAME_LISTS.contains(&k.as_str()),
            Seg::Index(_) => false,
        });
        if REFRAME_ONE.contains(&key) || (in_list && FREE_TEXT_KEYS.contains(&key)) {
            return string(&reframe::reframe(user, seed, n));
        }
        if in_list && matches!(key, "title" | "lens" | "name" | "label" | "kind" | "type") {
            return string(reframe::lens(seed, n));
        }
        None
    }

    /// A safety confirmation the offline model cannot make: every choice says "not
    /// confirmed / unsure", so the caller keeps its own verdict and does not escalate on
    /// this answer.
    fn safety(&self, slot: &Slot<'_>) -> Option<Value> {
        let key = slot.key().unwrap_or("");
        if let Some(values) = slot.enum_values() {
            let preferred: Vec<&str> = if LEVEL_KEYS.contains(&key) {
                std::iter::once("concern")
                    .chain(UNSURE_VALUES.iter().copied())
                    .collect()
            } else {
                UNSURE_VALUES.to_vec()
            };
            return preferred.iter().find_map(|p| {
                values
                    .iter()
                    .find(|v| v.as_str().is_some_and(|s| norm_word(s) == *p))
                    .cloned()
            });
        }
        match slot.ty {
            Ty::Boolean => Some(Value::Bool(UNSURE_KEYS.contains(&key))),
            Ty::Integer | Ty::Number => Some(Value::from(0)),
            Ty::String | Ty::Any => {
                let note = key.is_empty()
                    || EXPLANATION_KEYS.contains(&key)
                    || FREE_TEXT_KEYS.contains(&key)
                    || matches!(key, "notes" | "note" | "summary" | "comment" | "analysis");
                note.then(|| Value::String(SAFETY_NOTE.to_owned()))
            }
            _ => None,
        }
    }

    /// Meanings any feature shares.
    fn generic(&self, slot: &Slot<'_>) -> Option<Value> {
        if let Some(values) = slot.enum_values() {
            return if self.input.feature == Feature::Safety {
                None
            } else {
                self.mentioned(values)
            };
        }
        let Some(key) = slot.key() else {
            return matches!(slot.ty, Ty::String | Ty::Any).then(|| Value::String(self.plain()));
        };
        match slot.ty {
            Ty::String | Ty::Any => self.generic_text(slot, key).map(Value::String),
            Ty::Boolean => matches!(key, "is_offline" | "offline").then_some(Value::Bool(true)),
            // A template answer claims no confidence (brought up to the schema's minimum).
            Ty::Number | Ty::Integer
                if matches!(
                    key,
                    "confidence" | "certainty" | "probability" | "likelihood"
                ) =>
            {
                Some(Value::from(0))
            }
            _ => None,
        }
    }

    fn generic_text(&self, slot: &Slot<'_>, key: &str) -> Option<String> {
        let item = slot.item();
        if let Some(j) = item {
            if TAG_LISTS.contains(&key) {
                let lesson = self.lesson();
                return lesson.key_terms().get(j).map(|t| (*t).to_owned());
            }
            if STATEMENT_LISTS.contains(&key) {
                return text::sentences(&self.input.user).get(j).cloned();
            }
            if key == "questions" {
                return Some(socratic::question(&self.topic, self.input.seed, j));
            }
        }
        Some(match key {
            "model" | "model_used" | "ai_model_used" | "generated_by" | "engine" | "model_name"
            | "model_id" => MODEL.to_owned(),
            "provider" => "offline".to_owned(),
            "tone" | "target_tone" => self.input.tone.name().to_owned(),
            "language" | "lang" | "locale" => "en".to_owned(),
            "title" | "name" | "heading" | "headline" => text::capitalize(&self.topic),
            "summary" | "description" | "abstract" | "overview" | "tldr" => self.summary(),
            "topic" | "subject" | "concept" => self.topic.clone(),
            "hint" => socratic::hint(&self.topic),
            "question" | "follow_up" | "next_question" => {
                socratic::question(&self.topic, self.input.seed, 0)
            }
            "id" => format!(
                "offline-{:08x}",
                fnv(&[&format!("{:?}", slot.path)]) & 0xffff_ffff
            ),
            "reason" | "rationale" | "explanation" | "notes" | "note" | "comment" => format!(
                "{MODEL} answered offline from templates and the conversation; no language \
                 model was reached."
            ),
            k if FREE_TEXT_KEYS.contains(&k) || k == "feedback" => self.plain(),
            _ => return None,
        })
    }

    /// The user's text in two sentences at most, or a note that there was none.
    fn summary(&self) -> String {
        let sentences = text::sentences(&self.input.user);
        if sentences.is_empty() {
            return format!("An offline answer from {MODEL}.");
        }
        sentences.into_iter().take(2).collect::<Vec<_>>().join(" ")
    }
}

impl Content for Filler<'_> {
    fn suggest(&self, slot: &Slot<'_>) -> Option<Value> {
        let specific = match self.input.feature {
            Feature::Quiz => self.quiz(slot),
            Feature::Tone => self.tone(slot),
            Feature::Tutor => self.tutor(slot),
            Feature::Reframe => self.reframe(slot),
            Feature::Safety => self.safety(slot),
            Feature::Course => self.course(slot),
            Feature::Other => None,
        };
        specific.or_else(|| self.generic(slot))
    }

    fn length(&self, slot: &Slot<'_>) -> Option<usize> {
        let feature = self.input.feature;
        if feature == Feature::Safety {
            return Some(0);
        }
        if feature == Feature::Course
            && let Some(n) = course::length(slot.path)
        {
            return Some(n);
        }
        if feature == Feature::Quiz {
            if let Some(at) = self.locate(slot)
                && let [Seg::Key(k)] = at.rel
            {
                let (question, shape) = self.question_at(slot, &at);
                let k = k.as_str();
                if OPTION_KEYS.contains(&k) {
                    return Some(question.options.len());
                }
                if DISTRACTOR_KEYS.contains(&k) {
                    return Some(wrong_options(&question).len().max(shape.min_distractors()));
                }
                if k == "hints" {
                    return Some(hints(&question).len());
                }
                if ANSWER_KEYS.contains(&k) || TAG_LISTS.contains(&k) || k == "correct_answers" {
                    return Some(1);
                }
            }
            let top = slot.path.is_empty() || matches!(slot.path, [Seg::Key(_)]);
            if top && slot.key().is_none_or(|k| QUESTION_ARRAYS.contains(&k)) {
                return Some(self.count(slot.schema));
            }
        }
        let key = slot.key()?;
        if feature == Feature::Tutor && SOCRATIC_LISTS.contains(&key) {
            return Some(3);
        }
        if feature == Feature::Reframe && REFRAME_LISTS.contains(&key) {
            return Some(3);
        }
        if feature == Feature::Tone
            && matches!(
                key,
                "changes" | "notes" | "edits" | "applied_rules" | "rules"
            )
        {
            return Some(self.input.tone.notes().len());
        }
        if TAG_LISTS.contains(&key) {
            return Some(self.lesson().key_terms().len().clamp(1, 3));
        }
        if STATEMENT_LISTS.contains(&key) {
            return Some(text::sentences(&self.input.user).len().clamp(1, 3));
        }
        None
    }
}

/// Where a slot sits in a quiz: question `q` of `total`, the question object's schema,
/// and the path below the question.
struct At<'s> {
    q: usize,
    total: usize,
    object: &'s Map<String, Value>,
    rel: &'s [Seg],
}

/// What a question object's schema allows.
struct Shape {
    /// The kinds to rotate through, never empty.
    kinds: Vec<Kind>,
    /// `(minItems, maxItems)` of the options array, when there is one.
    options: Option<(usize, usize)>,
    /// `(minItems, maxItems)` of a wrong-options array, when there is one.
    distractors: Option<(usize, usize)>,
}

impl Shape {
    /// Options a question of `kind` gets: 4 choices, 2 for true/false, none for short
    /// answer, within the schema's bounds.
    fn option_count(&self, kind: Kind) -> usize {
        let want: usize = match kind {
            Kind::MultipleChoice => 4,
            Kind::TrueFalse => 2,
            Kind::ShortAnswer => 0,
        };
        match (self.options, self.distractors) {
            (Some((min, max)), _) => want.clamp(min, max),
            (None, Some((min, max))) if kind == Kind::MultipleChoice => {
                want.saturating_sub(1).clamp(min, max) + 1
            }
            _ => want,
        }
    }

    fn min_distractors(&self) -> usize {
        self.distractors.map_or(0, |(min, _)| min)
    }
}

/// The answer in the type the schema asks: a boolean (true/false truth), an index, a
/// letter (when the enum or `maxLength` asks for one) or the answer text.
fn answer_value(slot: &Slot<'_>, question: &Question) -> Option<Value> {
    match slot.ty {
        Ty::Boolean => Some(Value::Bool(question.truth.unwrap_or(true))),
        Ty::Integer | Ty::Number => {
            let base = usize::from(slot.schema.get("minimum").and_then(Value::as_f64) >= Some(1.0));
            question.answer_index.map(|i| Value::from(i + base))
        }
        Ty::String | Ty::Any => {
            let letter = question.answer_index.map(quiz::letter);
            if let Some(values) = slot.enum_values() {
                let index = question.answer_index.map(|i| i.to_string());
                let candidates = [letter, Some(question.answer.clone()), index];
                return candidates.into_iter().flatten().find_map(|c| {
                    let wanted = norm_word(&c);
                    values
                        .iter()
                        .find(|v| v.as_str().is_some_and(|s| norm_word(s) == wanted))
                        .cloned()
                });
            }
            if let Some(pattern) = slot.schema.get("pattern").and_then(Value::as_str) {
                let index = question.answer_index;
                let candidates = [
                    Some(question.answer.clone()),
                    letter,
                    index.map(|i| i.to_string()),
                    index.map(|i| (i + 1).to_string()),
                ];
                return candidates
                    .into_iter()
                    .flatten()
                    .find(|c| pattern::is_match(pattern, c))
                    .map(Value::String);
            }
            let short = slot
                .schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .is_some_and(|n| n <= 2);
            match letter {
                Some(letter) if short && !question.options.is_empty() => string(&letter),
                _ => string(&question.answer),
            }
        }
        _ => None,
    }
}

/// Option `j` as its schema's `pattern` wants it: as written, or lettered like seed 002's
/// "B) Chlorophyll" (docs/requirements.md#r-002-3.3) when the pattern asks for a letter.
fn option_text(slot: &Slot<'_>, j: usize, option: &str) -> Option<Value> {
    let Some(p) = slot.schema.get("pattern").and_then(Value::as_str) else {
        return string(option);
    };
    let letter = quiz::letter(j);
    let forms = [
        option.to_owned(),
        format!("{letter}) {option}"),
        format!("{letter}. {option}"),
        format!("{letter}: {option}"),
        format!("{letter} {option}"),
    ];
    forms
        .into_iter()
        .find(|form| pattern::is_match(p, form))
        .map(Value::String)
}

/// Whether an answer field's schema accepts a word such as "lesson".
fn takes_a_word(schema: &Map<String, Value>) -> bool {
    let string_type = match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => true,
    };
    let long_enough = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .is_none_or(|n| n >= 6);
    let pattern_ok = schema
        .get("pattern")
        .and_then(Value::as_str)
        .is_none_or(|p| pattern::is_match(p, "lesson"));
    string_type && long_enough && pattern_ok && !schema.contains_key("enum")
}

/// The options that are not the answer.
fn wrong_options(question: &Question) -> Vec<String> {
    question
        .options
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != question.answer_index)
        .map(|(_, o)| o.clone())
        .collect()
}

fn hints(question: &Question) -> Vec<String> {
    vec![
        question.hint.clone(),
        "Re-read the lesson sentence by sentence and look for the one this question quotes."
            .to_owned(),
    ]
}

fn string(s: &str) -> Option<Value> {
    Some(Value::String(s.to_owned()))
}
