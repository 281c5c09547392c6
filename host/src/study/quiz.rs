//! `POST /api/v1/ai/generate-quiz` (seed 002 §3.3, §5.3): a quiz written by the model from
//! a lesson's text (the `resourceId` names the lesson) or from text the client gives
//! (`content`, 50-5000 characters), in the seed's exact response shape. The model gets a
//! JSON Schema fixing the count and the shape of each question; the host then checks what
//! a schema cannot (distinct questions and options) before anything is served, and sets
//! ids, points and times itself.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{
    DIFFICULTIES, Study, StudyError, invalid, message, new_id, one_of, seconds_since, text_field,
};
use crate::content::spec::StepKind;
use crate::plugins::contract::types::Role;
use crate::store::{StoreError, now_ms};

/// The question types of seed 002 §5.3.
pub const QUIZ_TYPES: [&str; 3] = ["multiple_choice", "true_false", "short_answer"];
/// Source text bounds, characters (seed 002 §5.3 "Content length").
pub const CONTENT_CHARS: (usize, usize) = (50, 5000);
/// Questions per quiz (seed 002 §5.3).
pub const MAX_QUESTIONS: u32 = 20;

/// A request for a quiz.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct QuizRequest {
    /// The lesson to quiz on (its id, e.g. `values-and-variables`), or the client's own
    /// name for the text in `content`.
    pub resource_id: String,
    /// How many questions, 1-20 (default 5).
    #[serde(default = "default_count")]
    pub question_count: u32,
    /// `multiple_choice` (default), `true_false` or `short_answer`.
    #[serde(default = "default_type")]
    pub quiz_type: String,
    /// `beginner`, `intermediate` (default) or `advanced`.
    #[serde(default = "default_difficulty")]
    pub difficulty: String,
    /// The text to quiz on, 50-5000 characters; when absent, the lesson's text.
    #[serde(default)]
    pub content: Option<String>,
}

fn default_count() -> u32 {
    5
}
fn default_type() -> String {
    "multiple_choice".to_owned()
}
fn default_difficulty() -> String {
    "intermediate".to_owned()
}

/// One generated question.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuizQuestion {
    /// `q1`, `q2`, …
    pub id: String,
    /// The question's type (the quiz's).
    #[serde(rename = "type")]
    pub kind: String,
    /// The question.
    pub question: String,
    /// `A) …` to `D) …` (multiple choice), `A) True`, `B) False` (true/false), none (short
    /// answer).
    pub options: Vec<String>,
    /// The correct option's letter, or the expected short answer.
    pub correct_answer: String,
    /// Why that answer is right.
    pub explanation: String,
    /// The quiz's difficulty.
    pub difficulty: String,
    /// Points for a correct answer: 5, 10 or 15 by difficulty.
    pub points: u32,
    /// Seconds a learner is expected to take.
    pub estimated_time: u32,
}

/// A generated quiz, as seed 002 §3.3 answers it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GeneratedQuiz {
    /// `quiz_<id>`; read it again at `GET /api/v1/ai/quizzes/{quiz_id}`.
    pub quiz_id: String,
    /// The request's `resourceId`.
    pub resource_id: String,
    /// The questions.
    pub questions: Vec<QuizQuestion>,
    /// How many.
    pub total_questions: u32,
    /// Sum of the questions' points.
    pub total_points: u32,
    /// Sum of the questions' times, seconds.
    pub estimated_duration: u32,
    /// The model that wrote it (`tessera-offline` without a provider).
    pub ai_model_used: String,
    /// Seconds the generation took.
    pub generation_time: f64,
}

/// What the model must answer: exactly `count` questions of `kind`.
fn schema(kind: &str, count: u32) -> Value {
    let (options, answer) = match kind {
        "true_false" => (
            json!({"type": "array", "minItems": 2, "maxItems": 2,
                   "items": {"type": "string", "pattern": "^[AB]\\) (True|False)$"}}),
            json!({"enum": ["A", "B"]}),
        ),
        "short_answer" => (
            json!({"type": "array", "maxItems": 0, "items": {"type": "string"}}),
            json!({"type": "string", "minLength": 1, "maxLength": 200}),
        ),
        _ => (
            json!({"type": "array", "minItems": 4, "maxItems": 4,
                   "items": {"type": "string", "pattern": "^[A-D]\\) .+$"}}),
            json!({"enum": ["A", "B", "C", "D"]}),
        ),
    };
    json!({
        "type": "object",
        "required": ["questions"],
        "properties": {"questions": {
            "type": "array", "minItems": count, "maxItems": count,
            "items": {
                "type": "object",
                "required": ["type", "question", "options", "correct_answer", "explanation"],
                "properties": {
                    "type": {"enum": [kind]},
                    "question": {"type": "string", "minLength": 10, "maxLength": 600},
                    "options": options,
                    "correct_answer": answer,
                    "explanation": {"type": "string", "minLength": 1, "maxLength": 1200}
                }
            }
        }}
    })
}

fn instructions(kind: &str, count: u32, difficulty: &str) -> String {
    let shape = match kind {
        "true_false" => {
            "Each is a true/false statement: options are exactly `A) True` and `B) False`, \
             and correct_answer is the letter of the right one."
        }
        "short_answer" => {
            "Each asks for a short answer: options is empty, and correct_answer is the \
             expected answer, a word or short phrase from the text."
        }
        _ => {
            "Each is multiple choice: four options written `A) …` to `D) …`, exactly one \
             correct, and correct_answer is its letter."
        }
    };
    format!(
        "You write quiz questions for a learner, using only what the source text the user \
         gives states. Write exactly {count} {} questions at {difficulty} level, each on a \
         different point of the text. {shape} Each explanation says why the answer is \
         right, quoting the text where it can. Answer with JSON only.",
        kind.replace('_', " ")
    )
}

/// Points per question by difficulty.
fn points(difficulty: &str) -> u32 {
    match difficulty {
        "beginner" => 5,
        "advanced" => 15,
        _ => 10,
    }
}

/// Seconds per question: by type, half as long again when advanced.
fn seconds(kind: &str, difficulty: &str) -> u32 {
    let base = match kind {
        "true_false" => 15,
        "short_answer" => 45,
        _ => 30,
    };
    if difficulty == "advanced" {
        base * 3 / 2
    } else {
        base
    }
}

/// What the model answered, before the host's checks.
#[derive(Debug, Deserialize)]
struct Drafted {
    questions: Vec<DraftedQuestion>,
}

#[derive(Debug, Deserialize)]
struct DraftedQuestion {
    question: String,
    #[serde(default)]
    options: Vec<String>,
    correct_answer: String,
    explanation: String,
}

/// What no schema can say: every question and every option distinct, none blank, the
/// answer one of the options (true/false ones exactly `A) True`, `B) False`). Each
/// problem names its field.
fn check(kind: &str, questions: &[DraftedQuestion]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut stems = HashSet::new();
    for (i, q) in questions.iter().enumerate() {
        let stem = q.question.trim().to_lowercase();
        if stem.is_empty() {
            problems.push(format!("questions[{i}].question: blank"));
        } else if !stems.insert(stem) {
            problems.push(format!(
                "questions[{i}].question: repeats an earlier question"
            ));
        }
        if q.explanation.trim().is_empty() {
            problems.push(format!("questions[{i}].explanation: blank"));
        }
        match kind {
            "short_answer" => {
                if q.correct_answer.trim().is_empty() {
                    problems.push(format!("questions[{i}].correct_answer: blank"));
                }
            }
            "true_false" => {
                if q.options != ["A) True", "B) False"] {
                    problems.push(format!(
                        "questions[{i}].options: must be exactly `A) True`, `B) False`"
                    ));
                }
            }
            _ => {
                let mut seen = HashSet::new();
                for (j, option) in q.options.iter().enumerate() {
                    let letter = char::from(b'A' + u8::try_from(j).unwrap_or(0));
                    let Some(text) = option.strip_prefix(&format!("{letter}) ")) else {
                        problems.push(format!(
                            "questions[{i}].options[{j}]: must start with `{letter}) `"
                        ));
                        continue;
                    };
                    let text = text.trim().to_lowercase();
                    if text.is_empty() {
                        problems.push(format!("questions[{i}].options[{j}]: blank"));
                    } else if !seen.insert(text) {
                        problems.push(format!(
                            "questions[{i}].options[{j}]: repeats an earlier option"
                        ));
                    }
                }
            }
        }
        let letters = q.options.len();
        if kind != "short_answer" {
            let ok = q.correct_answer.len() == 1
                && q.correct_answer
                    .bytes()
                    .next()
                    .is_some_and(|b| b >= b'A' && usize::from(b - b'A') < letters);
            if !ok {
                problems.push(format!(
                    "questions[{i}].correct_answer: `{}` is not an option's letter",
                    q.correct_answer
                ));
            }
        }
    }
    problems
}

/// The text of a lesson to quiz on: its title, summary and explanations, cut at the
/// last paragraph or sentence that fits in 5000 characters.
fn lesson_text(lesson: &crate::learning::catalog::Lesson) -> String {
    let mut text = format!("# {}\n\n{}\n", lesson.row.title, lesson.row.summary);
    for step in &lesson.steps {
        if step.row.kind() == StepKind::Explanation {
            text.push('\n');
            text.push_str(&step.row.body);
            text.push('\n');
        }
    }
    cut(&text, CONTENT_CHARS.1)
}

/// `text` cut to at most `max` characters, at a paragraph or sentence end when there is
/// one in the second half.
fn cut(text: &str, max: usize) -> String {
    let Some((end, _)) = text.char_indices().nth(max) else {
        return text.to_owned();
    };
    let head = &text[..end];
    let at = head
        .rfind("\n\n")
        .or_else(|| head.rfind(". ").map(|i| i + 1))
        .filter(|&i| i >= end / 2)
        .unwrap_or(end);
    head[..at].to_owned()
}

impl Study {
    /// Generates, checks and stores a quiz for `user_id`.
    pub async fn generate_quiz(
        &self,
        user_id: &str,
        region: Option<&str>,
        request: QuizRequest,
    ) -> Result<GeneratedQuiz, StudyError> {
        text_field("resourceId", &request.resource_id, 1, 128)?;
        if !(1..=MAX_QUESTIONS).contains(&request.question_count) {
            return Err(invalid(
                "questionCount",
                format!("must be 1 to {MAX_QUESTIONS}"),
            ));
        }
        one_of("quizType", &request.quiz_type, &QUIZ_TYPES)?;
        one_of("difficulty", &request.difficulty, &DIFFICULTIES)?;
        let source = match &request.content {
            Some(content) => {
                text_field("content", content, CONTENT_CHARS.0, CONTENT_CHARS.1)?;
                content.clone()
            }
            None => {
                let catalog = self.learning.catalog().await?;
                let lesson = catalog.lesson(&request.resource_id).ok_or_else(|| {
                    invalid(
                        "resourceId",
                        format!(
                            "no lesson `{}`; name a lesson, or give the text in `content`",
                            request.resource_id
                        ),
                    )
                })?;
                let text = lesson_text(lesson);
                if text.trim().chars().count() < CONTENT_CHARS.0 {
                    return Err(invalid(
                        "resourceId",
                        "the lesson has too little text to quiz on; give the text in `content`",
                    ));
                }
                text
            }
        };
        let kind = request.quiz_type.as_str();
        let difficulty = request.difficulty.as_str();
        let started = std::time::Instant::now();
        let response = self
            .complete(
                user_id,
                region,
                "quiz-generation",
                vec![
                    message(
                        Role::System,
                        instructions(kind, request.question_count, difficulty),
                    ),
                    message(Role::User, source),
                ],
                Some(schema(kind, request.question_count)),
            )
            .await?;
        let drafted: Drafted =
            serde_json::from_str(&response.content).map_err(|e| StudyError::Rejected {
                what: "quiz",
                problems: vec![format!("not the quiz's JSON: {e}")],
            })?;
        let problems = check(kind, &drafted.questions);
        if !problems.is_empty() {
            return Err(StudyError::Rejected {
                what: "quiz",
                problems,
            });
        }
        let questions: Vec<QuizQuestion> = drafted
            .questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| QuizQuestion {
                id: format!("q{}", i + 1),
                kind: kind.to_owned(),
                question: q.question.trim().to_owned(),
                options: q.options,
                correct_answer: q.correct_answer.trim().to_owned(),
                explanation: q.explanation.trim().to_owned(),
                difficulty: difficulty.to_owned(),
                points: points(difficulty),
                estimated_time: seconds(kind, difficulty),
            })
            .collect();
        let quiz = GeneratedQuiz {
            quiz_id: new_id("quiz"),
            resource_id: request.resource_id,
            total_questions: u32::try_from(questions.len()).unwrap_or(u32::MAX),
            total_points: questions.iter().map(|q| q.points).sum(),
            estimated_duration: questions.iter().map(|q| q.estimated_time).sum(),
            questions,
            ai_model_used: response.model,
            generation_time: seconds_since(started),
        };
        let stored =
            serde_json::to_string(&quiz).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.db
            .insert_generated_quiz(&quiz.quiz_id, user_id, &quiz.resource_id, &stored, now_ms())
            .await?;
        Ok(quiz)
    }

    /// A quiz generated for `user_id`.
    pub async fn quiz(&self, user_id: &str, quiz_id: &str) -> Result<GeneratedQuiz, StudyError> {
        let stored = self
            .db
            .generated_quiz(user_id, quiz_id)
            .await?
            .ok_or_else(|| StudyError::NotFound {
                what: "quiz",
                field: "quiz_id",
                id: quiz_id.to_owned(),
            })?;
        serde_json::from_str(&stored)
            .map_err(|e| StudyError::Store(StoreError::Corrupt(e.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(question: &str, options: &[&str], answer: &str) -> DraftedQuestion {
        DraftedQuestion {
            question: question.to_owned(),
            options: options.iter().map(|s| (*s).to_owned()).collect(),
            correct_answer: answer.to_owned(),
            explanation: "Because the text says so.".to_owned(),
        }
    }

    #[test]
    fn a_sound_multiple_choice_quiz_passes_the_checks() {
        let quiz = [
            q(
                "Which keyword defines a function?",
                &["A) def", "B) fun", "C) fn", "D) lambda"],
                "A",
            ),
            q(
                "What does len() return?",
                &["A) a type", "B) a length", "C) a list", "D) nothing"],
                "B",
            ),
        ];
        assert!(check("multiple_choice", &quiz).is_empty());
    }

    #[test]
    fn repeated_questions_options_and_foreign_letters_are_named() {
        let quiz = [
            q(
                "Which keyword defines a function?",
                &["A) def", "B) def", "C) fn", "D) lambda"],
                "A",
            ),
            q(
                "which keyword defines a function? ",
                &["A) x", "B) y", "C) z", "D) w"],
                "E",
            ),
        ];
        let problems = check("multiple_choice", &quiz);
        assert_eq!(
            problems,
            [
                "questions[0].options[1]: repeats an earlier option",
                "questions[1].question: repeats an earlier question",
                "questions[1].correct_answer: `E` is not an option's letter",
            ]
        );
        let tf = [q("Lists are ordered.", &["A) True", "B) True"], "A")];
        assert_eq!(
            check("true_false", &tf),
            ["questions[0].options: must be exactly `A) True`, `B) False`"]
        );
        let short = [q("Name the keyword that defines a function.", &[], " ")];
        assert_eq!(
            check("short_answer", &short),
            ["questions[0].correct_answer: blank"]
        );
    }

    #[test]
    fn long_text_is_cut_at_a_sentence_within_the_limit() {
        let text = "One sentence here. ".repeat(400);
        let cut_text = cut(&text, 5000);
        assert!(cut_text.chars().count() <= 5000);
        assert!(
            cut_text.ends_with('.'),
            "{}",
            &cut_text[cut_text.len() - 20..]
        );
        assert_eq!(cut("short", 5000), "short");
    }

    #[test]
    fn points_and_times_follow_difficulty_and_type() {
        // Seed 002 §3.3's example: an intermediate multiple-choice question is worth 10
        // points and 30 seconds.
        assert_eq!(
            (
                points("intermediate"),
                seconds("multiple_choice", "intermediate")
            ),
            (10, 30)
        );
        assert_eq!(seconds("short_answer", "advanced"), 67);
        assert_eq!(points("beginner"), 5);
    }
}
