//! Quizzes built from the lesson text (docs/requirements.md#r-002-5.3: multiple_choice |
//! true_false | short_answer, with explanations). Without a model the only trustworthy source of
//! questions is the lesson itself, so every question is one of its sentences: a key term
//! blanked out (multiple choice, short answer) or the sentence stated true or with a term
//! swapped for another of the lesson's terms (true/false). Explanations quote the
//! sentence, so a learner can always check the answer against the lesson.

use std::collections::BTreeMap;

use serde_json::Value;

use super::MODEL;
use super::text::{self, capitalize, fnv};

/// A question kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    MultipleChoice,
    TrueFalse,
    ShortAnswer,
}

impl Kind {
    /// Every kind, in the order a mixed quiz rotates through them.
    pub(crate) const ALL: [Kind; 3] = [Kind::MultipleChoice, Kind::TrueFalse, Kind::ShortAnswer];

    /// The kind's name as seed 002 spells it (docs/requirements.md#r-002-5.3).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::MultipleChoice => "multiple_choice",
            Kind::TrueFalse => "true_false",
            Kind::ShortAnswer => "short_answer",
        }
    }

    /// A kind from a schema's enum value, in any common spelling ("multiple-choice",
    /// "MCQ", "trueFalse", "fill_in_the_blank").
    pub(crate) fn parse(value: &str) -> Option<Kind> {
        let key: String = value
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        Some(match key.as_str() {
            "multiplechoice" | "mcq" | "mc" | "multiple" | "choice" | "singlechoice"
            | "singleselect" | "multichoice" => Kind::MultipleChoice,
            "truefalse" | "trueorfalse" | "tf" | "boolean" | "yesno" => Kind::TrueFalse,
            "shortanswer" | "short" | "open" | "openended" | "freetext" | "freeresponse"
            | "fillintheblank" | "fillblank" | "cloze" => Kind::ShortAnswer,
            _ => return None,
        })
    }

    /// How a request names the kind in prose.
    fn phrases(self) -> &'static [&'static str] {
        match self {
            Kind::MultipleChoice => &[
                "multiple_choice",
                "multiple choice",
                "multiple-choice",
                "mcq",
            ],
            Kind::TrueFalse => &["true_false", "true/false", "true or false", "true-false"],
            Kind::ShortAnswer => &[
                "short_answer",
                "short answer",
                "short-answer",
                "fill in the blank",
                "fill-in-the-blank",
            ],
        }
    }
}

/// The kinds a request names ("5 multiple choice questions"), in `Kind::ALL` order.
pub(crate) fn mentioned_kinds(texts: &[&str]) -> Vec<Kind> {
    let lower: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
    Kind::ALL
        .into_iter()
        .filter(|kind| {
            kind.phrases()
                .iter()
                .any(|p| lower.iter().any(|t| text::has_phrase(t, p)))
        })
        .collect()
}

/// One generated question, with everything a schema may ask about it.
#[derive(Clone, Debug)]
pub(crate) struct Question {
    pub(crate) kind: Kind,
    pub(crate) stem: String,
    /// Choices: the answer among distractors (multiple choice), `True`/`False`, or none.
    pub(crate) options: Vec<String>,
    /// The answer's index in `options`, when there are options.
    pub(crate) answer_index: Option<usize>,
    /// The answer as text: the blanked term, `True` or `False`.
    pub(crate) answer: String,
    /// For true/false: whether the statement is true.
    pub(crate) truth: Option<bool>,
    pub(crate) explanation: String,
    pub(crate) hint: String,
    /// The lesson sentence the question comes from.
    pub(crate) source: String,
    /// The key term the question turns on.
    pub(crate) term: String,
}

/// A sentence that can carry a question.
struct Candidate {
    text: String,
    /// Key terms as (byte offset in `text`, term), best first.
    terms: Vec<(usize, String)>,
    score: i64,
    /// The sentence's words, lower case (distractors must not come from the same sentence).
    words: Vec<String>,
}

/// Generic wrong answers, used when the lesson has too few terms of its own.
const FILLERS: &[&str] = &[
    "None of the above",
    "All of the above",
    "Not stated in the lesson",
    "It depends on the context",
];

/// A lesson analysed for questions.
pub(crate) struct Lesson {
    candidates: Vec<Candidate>,
    /// Distractor terms: (tier, term); tier 0 are key terms, tier 1 other content words.
    pool: Vec<(u8, String)>,
    main_term: Option<String>,
}

impl Lesson {
    /// Analyses `message`, the request holding the lesson.
    pub(crate) fn new(message: &str) -> Lesson {
        let body = lesson_text(message);
        let sentences = text::sentences(&body);
        let mut freq: BTreeMap<String, usize> = BTreeMap::new();
        for s in &sentences {
            for (_, w) in text::words(s) {
                if !text::is_stop(w) {
                    *freq.entry(w.to_lowercase()).or_default() += 1;
                }
            }
        }
        let mut candidates = Vec::new();
        for s in &sentences {
            let ws = text::words(s);
            if ws.len() < 5 || s.ends_with(['?', ':']) || is_instruction(&ws) {
                continue;
            }
            let mut terms: Vec<(i64, usize, String)> = Vec::new();
            let mut seen: Vec<String> = Vec::new();
            for (k, (at, w)) in ws.iter().enumerate() {
                let lower = w.to_lowercase();
                if seen.contains(&lower) {
                    continue;
                }
                seen.push(lower.clone());
                if !is_term(w) {
                    continue;
                }
                let repeats = freq.get(&lower).copied().unwrap_or(1).saturating_sub(1);
                let mut score = w.chars().count().min(12) as i64 + 3 * repeats.min(2) as i64;
                if k > 0 && w.starts_with(char::is_uppercase) {
                    score += 3;
                }
                if term_class(w) == 1 {
                    score += 4;
                }
                terms.push((score, *at, (*w).to_owned()));
            }
            if terms.is_empty() {
                continue;
            }
            terms.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            terms.truncate(3);
            let length_bonus = match ws.len() {
                6..=35 => 3,
                n if n > 45 => -3,
                _ => 0,
            };
            candidates.push(Candidate {
                text: s.clone(),
                score: terms[0].0 + length_bonus,
                terms: terms.into_iter().map(|(_, at, w)| (at, w)).collect(),
                words: ws.iter().map(|(_, w)| w.to_lowercase()).collect(),
            });
        }
        let mut pool: Vec<(u8, String)> = Vec::new();
        let add = |tier: u8, w: &str, pool: &mut Vec<(u8, String)>| {
            if !pool.iter().any(|(_, p)| p.eq_ignore_ascii_case(w)) {
                pool.push((tier, w.to_owned()));
            }
        };
        for c in &candidates {
            for (_, w) in &c.terms {
                add(0, w, &mut pool);
            }
        }
        for s in &sentences {
            for (_, w) in text::words(s) {
                if is_term(w) && w.chars().count() >= 4 {
                    add(1, w, &mut pool);
                }
            }
        }
        let main_term = pool
            .iter()
            .filter(|(tier, _)| *tier == 0)
            .max_by(|a, b| {
                let fa = freq.get(&a.1.to_lowercase()).copied().unwrap_or(0);
                let fb = freq.get(&b.1.to_lowercase()).copied().unwrap_or(0);
                // On equal counts the earlier term wins (max_by keeps the last maximum).
                fa.cmp(&fb).then(std::cmp::Ordering::Greater)
            })
            .map(|(_, w)| w.clone());
        Lesson {
            candidates,
            pool,
            main_term,
        }
    }

    /// The lesson's most repeated key term, for titles and topics.
    pub(crate) fn main_term(&self) -> Option<&str> {
        self.main_term.as_deref()
    }

    /// The lesson's key terms, best sentences first.
    pub(crate) fn key_terms(&self) -> Vec<&str> {
        self.pool
            .iter()
            .filter(|(tier, _)| *tier == 0)
            .map(|(_, w)| w.as_str())
            .collect()
    }

    /// Question `q` of a `total`-question quiz, of `kind`, with `options` choices for
    /// multiple choice. The `total` best sentences are asked in lesson order; past them
    /// the quiz blanks each sentence's next key term, then the other sentences' terms.
    /// Every (sentence, term) pair is asked once before any is asked again; a lesson too
    /// short for the quiz asks its pairs again in other words, so no two questions of a
    /// quiz read the same.
    pub(crate) fn question(&self, q: usize, total: usize, kind: Kind, options: usize) -> Question {
        let slots = self.slots(total);
        if slots.is_empty() {
            return reworded(fallback(kind, options), q);
        }
        let (ci, ti) = slots[q % slots.len()];
        let again = q / slots.len();
        let c = &self.candidates[ci];
        let round = ti + again * 1000;
        let (at, term) = &c.terms[ti];
        let (at, term) = (*at, term.as_str());
        let before = &c.text[..at];
        let after = &c.text[at + term.len()..];
        let cloze = format!("{before}_____{after}");
        let seed = fnv(&[&c.text, term, &round.to_string()]);
        let explanation = format!(
            "The lesson says: \"{}\" The missing term is \"{term}\".",
            c.text
        );
        let first = term.chars().next().unwrap_or('?');
        let blank_hint = format!(
            "The missing term starts with \"{first}\" and has {} characters.",
            term.chars().count()
        );
        let base = Question {
            kind,
            stem: String::new(),
            options: Vec::new(),
            answer_index: None,
            answer: term.to_owned(),
            truth: None,
            explanation,
            hint: blank_hint,
            source: c.text.clone(),
            term: term.to_owned(),
        };
        let question = match kind {
            Kind::MultipleChoice => {
                let mut choices = self.distractors(c, term, options.saturating_sub(1), true);
                let answer_index = (options > 0).then(|| {
                    let at = (seed % options as u64) as usize;
                    let at = at.min(choices.len());
                    choices.insert(at, term.to_owned());
                    at
                });
                Question {
                    stem: format!(
                        "Which term completes this sentence from the lesson? \"{cloze}\""
                    ),
                    options: choices,
                    answer_index,
                    ..base
                }
            }
            Kind::TrueFalse => {
                let swap = self.distractors(c, term, 1, false).into_iter().next();
                let truth = swap.is_none() || seed & 1 == 0;
                let (statement, explanation) = match swap.filter(|_| !truth) {
                    Some(swap) => {
                        let swap_cased = if at == 0 {
                            capitalize(&swap)
                        } else {
                            swap.clone()
                        };
                        (
                            format!("{before}{swap_cased}{after}"),
                            format!(
                                "False. The lesson says \"{term}\", not \"{swap}\": \"{}\"",
                                c.text
                            ),
                        )
                    }
                    None => (
                        c.text.clone(),
                        format!("True. The lesson says: \"{}\"", c.text),
                    ),
                };
                let other = c
                    .terms
                    .iter()
                    .map(|(_, t)| t.as_str())
                    .find(|t| *t != term)
                    .unwrap_or(term);
                Question {
                    // A sentence asked about again for another of its terms reads the same
                    // when both statements are true: the term asked about tells them apart.
                    stem: if ti == 0 {
                        format!("True or false: \"{statement}\"")
                    } else {
                        format!("True or false, as to \"{term}\": \"{statement}\"")
                    },
                    options: vec!["True".to_owned(), "False".to_owned()],
                    answer_index: Some(usize::from(!truth)),
                    answer: if truth { "True" } else { "False" }.to_owned(),
                    truth: Some(truth),
                    explanation,
                    hint: format!("Find the sentence in the lesson that mentions \"{other}\"."),
                    ..base
                }
            }
            Kind::ShortAnswer => Question {
                stem: format!("Fill in the blank from the lesson: \"{cloze}\""),
                ..base
            },
        };
        reworded(question, again)
    }

    /// The (sentence, term) pairs a `total`-question quiz asks, in order: the `total` best
    /// sentences (in lesson order) with their first terms, then their second terms, and so
    /// on; then the other sentences' terms the same way.
    fn slots(&self, total: usize) -> Vec<(usize, usize)> {
        let k = total.clamp(1, self.candidates.len().max(1));
        let mut best: Vec<usize> = (0..self.candidates.len()).collect();
        best.sort_by(|&a, &b| {
            let (sa, sb) = (self.candidates[a].score, self.candidates[b].score);
            sb.cmp(&sa).then(a.cmp(&b))
        });
        best.truncate(k);
        best.sort_unstable();
        let rest: Vec<usize> = (0..self.candidates.len())
            .filter(|i| !best.contains(i))
            .collect();
        let most = self
            .candidates
            .iter()
            .map(|c| c.terms.len())
            .max()
            .unwrap_or(0);
        let mut slots = Vec::new();
        for group in [&best, &rest] {
            for t in 0..most {
                for &i in group {
                    if t < self.candidates[i].terms.len() {
                        slots.push((i, t));
                    }
                }
            }
        }
        slots
    }

    /// Up to `need` wrong answers for `term`: other key terms of the lesson that do not
    /// occur in the question's sentence, most like the term first (numbers for numbers,
    /// similar length); with `pad`, generic ones fill up.
    fn distractors(&self, c: &Candidate, term: &str, need: usize, pad: bool) -> Vec<String> {
        if need == 0 {
            return Vec::new();
        }
        let lower = term.to_lowercase();
        let class = term_class(term);
        let len = term.chars().count();
        let plural = term.ends_with('s');
        let mut ranked: Vec<(u8, bool, bool, usize, u64, &str)> = self
            .pool
            .iter()
            .filter(|(_, p)| {
                let p = p.to_lowercase();
                p != lower
                    && !c.words.contains(&p)
                    && !p.starts_with(&lower)
                    && !lower.starts_with(&p)
            })
            .map(|(tier, p)| {
                (
                    *tier,
                    term_class(p) != class,
                    p.ends_with('s') != plural,
                    p.chars().count().abs_diff(len),
                    fnv(&[term, p]),
                    p.as_str(),
                )
            })
            .collect();
        ranked.sort();
        let mut out: Vec<String> = ranked
            .into_iter()
            .take(need)
            .map(|r| r.5.to_owned())
            .collect();
        let unused = |candidate: &str, out: &[String]| {
            !candidate.eq_ignore_ascii_case(term)
                && !out.iter().any(|o| o.eq_ignore_ascii_case(candidate))
        };
        if let Ok(n) = term.parse::<i64>() {
            for delta in [1i64, 2, -1, 10, 3, -2, 5, 100] {
                if out.len() >= need {
                    break;
                }
                let candidate = n.saturating_add(delta);
                if candidate >= 0 && unused(&candidate.to_string(), &out) {
                    out.push(candidate.to_string());
                }
            }
        }
        if pad {
            for filler in FILLERS {
                if out.len() >= need {
                    break;
                }
                if unused(filler, &out) {
                    out.push((*filler).to_owned());
                }
            }
            let mut n = 1;
            while out.len() < need && n < 1000 {
                let candidate = format!("Option {n}");
                if unused(&candidate, &out) {
                    out.push(candidate);
                }
                n += 1;
            }
        }
        out.truncate(need);
        out
    }
}

/// How a question asked `again` times before in the same quiz is put this time: the
/// stem in other words (so the quiz's questions stay distinct, as a served quiz must).
fn reworded(question: Question, again: usize) -> Question {
    if again == 0 {
        return question;
    }
    const LEADS: [&str; 3] = [
        "Once more, from the lesson:",
        "Check your reading of the lesson:",
        "From the same lesson:",
    ];
    let lead = LEADS[(again - 1) % LEADS.len()];
    let round = if again > LEADS.len() {
        format!(" (round {})", again + 1)
    } else {
        String::new()
    };
    Question {
        stem: format!("{lead} {}{round}", question.stem),
        ..question
    }
}

/// The question asked when there is no lesson text to build from: an honest one about how
/// the offline model builds quizzes.
fn fallback(kind: Kind, options: usize) -> Question {
    let source = format!("{MODEL} builds quiz questions from the lesson text.");
    let base = Question {
        kind,
        stem: format!("What does {MODEL} build its quiz questions from?"),
        options: Vec::new(),
        answer_index: None,
        answer: "The lesson text".to_owned(),
        truth: None,
        explanation: format!(
            "No lesson text came with the request, so {MODEL} (the offline model) could only \
             ask how it builds quizzes: \"{source}\""
        ),
        hint: "Think about what you send along when you ask for a quiz.".to_owned(),
        source: source.clone(),
        term: "lesson".to_owned(),
    };
    match kind {
        Kind::MultipleChoice => {
            let mut choices: Vec<String> = [
                "The lesson text",
                "An internet search",
                "A random word list",
                "Earlier quizzes",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
            for n in choices.len()..options {
                choices.push(format!("Option {}", n + 1));
            }
            choices.truncate(options);
            Question {
                answer_index: (options > 0).then_some(0),
                options: choices,
                ..base
            }
        }
        Kind::TrueFalse => Question {
            stem: format!("True or false: \"{source}\""),
            options: vec!["True".to_owned(), "False".to_owned()],
            answer_index: Some(0),
            answer: "True".to_owned(),
            truth: Some(true),
            ..base
        },
        Kind::ShortAnswer => Question {
            stem: format!(
                "Fill in the blank: \"{MODEL} builds quiz questions from the _____ text.\""
            ),
            answer: "lesson".to_owned(),
            ..base
        },
    }
}

/// The lesson part of a request: short label lines ("Tone: formal", "Difficulty: easy",
/// "Lesson:") dropped, a label before a sentence ("Lesson: Lists are ...") removed; for a
/// JSON request, its longer string values.
fn lesson_text(message: &str) -> String {
    if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(message.trim()) {
        let parts: Vec<&str> = fields
            .values()
            .filter_map(Value::as_str)
            .filter(|s| s.split_whitespace().count() >= 8)
            .collect();
        if !parts.is_empty() {
            return parts.join("\n\n");
        }
    }
    message
        .lines()
        .filter_map(|line| {
            let t = line.trim();
            let labelled = t.split_once(':').filter(|(label, _)| {
                !label.trim().is_empty()
                    && label.split_whitespace().count() <= 3
                    && label
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '*'))
            });
            match labelled {
                Some((_, rest)) if rest.split_whitespace().count() >= 4 => Some(rest.trim()),
                Some(_) => None,
                None => Some(line),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a sentence asks for a quiz rather than teaches ("Generate 3 questions about...").
fn is_instruction(words: &[(usize, &str)]) -> bool {
    let first = words
        .first()
        .map(|(_, w)| w.to_lowercase())
        .unwrap_or_default();
    let verbs = [
        "generate", "create", "write", "make", "build", "produce", "give", "please",
    ];
    verbs.contains(&first.as_str())
        && words.iter().any(|(_, w)| {
            let w = w.to_lowercase();
            w.starts_with("quiz") || w.starts_with("question")
        })
}

/// Whether `word` can be a quiz term: not a stop word, not a contraction, not "true" or
/// "false", three characters or more unless a number.
fn is_term(word: &str) -> bool {
    let lower = word.to_lowercase();
    let number = word.chars().all(|c| c.is_ascii_digit());
    !text::is_stop(word)
        && !word.contains(['\'', '\u{2019}'])
        && lower != "true"
        && lower != "false"
        && (number || word.chars().count() >= 3)
}

/// 0 number, 1 code-like (`list.append`, `my_list`, `camelCase`, `utf8`), 2 capitalised,
/// 3 other: distractors of the same class are the convincing ones.
fn term_class(word: &str) -> u8 {
    if word.chars().all(|c| c.is_ascii_digit()) {
        0
    } else if word.contains(['_', '.'])
        || word.chars().any(|c| c.is_ascii_digit())
        || word.chars().skip(1).any(char::is_uppercase)
    {
        1
    } else if word.starts_with(char::is_uppercase) {
        2
    } else {
        3
    }
}

/// A quiz as plain text: `count` questions rotating through the kinds, with answers and
/// explanations.
pub(crate) fn plain(message: &str, count: usize) -> String {
    let lesson = Lesson::new(message);
    let mut out =
        format!("Quiz from the lesson ({MODEL}, the offline model), {count} questions:\n");
    for q in 0..count {
        let kind = Kind::ALL[q % Kind::ALL.len()];
        let options = match kind {
            Kind::MultipleChoice => 4,
            Kind::TrueFalse => 2,
            Kind::ShortAnswer => 0,
        };
        let question = lesson.question(q, count, kind, options);
        out.push_str(&format!("\n{}. {}\n", q + 1, question.stem));
        if kind == Kind::MultipleChoice {
            for (i, option) in question.options.iter().enumerate() {
                out.push_str(&format!("   {}) {option}\n", letter(i)));
            }
        }
        match (kind, question.answer_index) {
            (Kind::MultipleChoice, Some(i)) => {
                out.push_str(&format!("   Answer: {}) {}\n", letter(i), question.answer));
            }
            _ => out.push_str(&format!("   Answer: {}\n", question.answer)),
        }
        out.push_str(&format!("   Explanation: {}\n", question.explanation));
    }
    out
}

/// `A`, `B`, ... for option `i` (past `Z`, the number).
pub(crate) fn letter(i: usize) -> String {
    match u8::try_from(i) {
        Ok(n) if n < 26 => char::from(b'A' + n).to_string(),
        _ => (i + 1).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTS: &str = "Python lists are ordered collections that can hold items \
        of any type. You create a list with square brackets, for example [1, 2, 3]. Lists are \
        mutable, so you can change their contents after creation. The append method adds a \
        single item to the end of a list. Indexing starts at 0, so the first element is \
        my_list[0]. Slicing returns a new list containing a range of elements.";

    #[test]
    fn questions_blank_key_terms_of_lesson_sentences() {
        let lesson = Lesson::new(LISTS);
        for q in 0..6 {
            let question = lesson.question(q, 6, Kind::MultipleChoice, 4);
            assert_eq!(question.options.len(), 4, "{question:?}");
            let i = question.answer_index.expect("an answer");
            assert_eq!(question.options[i], question.answer);
            let mut unique = question.options.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), 4, "{question:?}");
            assert!(LISTS.contains(&question.source), "{question:?}");
            let restored = question.stem.replace("_____", &question.answer);
            assert!(restored.contains(&question.source), "{question:?}");
        }
    }

    #[test]
    fn true_false_statements_are_the_sentence_or_a_swap() {
        let lesson = Lesson::new(LISTS);
        let mut seen = [false, false];
        for q in 0..12 {
            let question = lesson.question(q, 6, Kind::TrueFalse, 2);
            let truth = question.truth.expect("true/false");
            seen[usize::from(truth)] = true;
            let quoted = question.stem.contains(&question.source);
            assert_eq!(quoted, truth, "{question:?}");
            assert_eq!(question.answer, if truth { "True" } else { "False" });
            assert_eq!(
                question.options[question.answer_index.unwrap()],
                question.answer
            );
        }
        assert_eq!(seen, [true, true], "both true and false statements occur");
    }

    #[test]
    fn requests_and_labels_are_not_lesson_text() {
        let lesson = Lesson::new(
            "Generate 3 quiz questions about this lesson.\nDifficulty: easy\nLesson: \
             Photosynthesis turns light energy into chemical energy in plants.",
        );
        let question = lesson.question(0, 1, Kind::ShortAnswer, 0);
        assert!(
            question.source.starts_with("Photosynthesis turns"),
            "{question:?}"
        );
    }

    #[test]
    fn no_two_questions_of_a_quiz_read_the_same_however_short_the_lesson() {
        for lesson in [
            "Let's work through it together. If you had to teach what a variable to a friend, \
             what example would you start with?",
            "A list keeps items in order.",
            "",
        ] {
            let lesson = Lesson::new(lesson);
            for kind in Kind::ALL {
                let stems: std::collections::HashSet<String> = (0..20)
                    .map(|q| lesson.question(q, 20, kind, 4).stem.to_lowercase())
                    .collect();
                assert_eq!(stems.len(), 20, "{kind:?}: {stems:?}");
            }
        }
    }

    #[test]
    fn empty_lessons_get_an_honest_question() {
        let lesson = Lesson::new("");
        for kind in Kind::ALL {
            for options in [0, 1, 2, 4, 7] {
                let question = lesson.question(3, 5, kind, options);
                assert!(question.explanation.contains(MODEL));
                if let Some(i) = question.answer_index {
                    assert_eq!(question.options[i], question.answer);
                }
            }
        }
        assert!(plain("", 3).contains(MODEL));
    }

    #[test]
    fn kinds_parse_from_common_spellings() {
        assert_eq!(Kind::parse("multiple-choice"), Some(Kind::MultipleChoice));
        assert_eq!(Kind::parse("TRUE_FALSE"), Some(Kind::TrueFalse));
        assert_eq!(Kind::parse("fill_in_the_blank"), Some(Kind::ShortAnswer));
        assert_eq!(Kind::parse("essay"), None);
        assert_eq!(
            mentioned_kinds(&["Write 5 true/false questions"]),
            [Kind::TrueFalse]
        );
    }

    #[test]
    fn numeric_terms_get_numeric_distractors() {
        let lesson = Lesson::new("Indexing in Python starts at 0 for every sequence type.");
        let question = lesson.question(1, 1, Kind::MultipleChoice, 4);
        assert_eq!(question.options.len(), 4);
        assert!(question.options.contains(&question.answer));
    }
}
