//! Triage: decides what a learner's query asks for (the **intent**, which picks the agent
//! that answers) and what it is about (the **topic**, a tag), from the text, the code box and
//! the error box. The plugin (`tessera:platform/triage-plugin@0.2.0`) decides in stages
//! ([`pipeline`]): these rules, which say whether they are **sure**; when they are not, the
//! nearest labelled examples by meaning ([`meaning`], sentence embeddings, their vectors
//! cached by [`vectors`]); when both are unsure, one model call ([`model`]); else the best
//! guess. Every stage is plain Rust over small traits, unit-tested natively with fakes and
//! measured on the labelled set in `triage/data/` (`tests/eval.rs` for the rules,
//! `examples/eval.rs` for the stages; figures in the README); the wasm32 `component` module
//! only adapts [`pipeline::classify`] to the WIT export and the host's imports.
//!
//! The intent rules (`intent`) weigh signals per intent (a traceback or an error box,
//! an exception message, failure words, review words with pasted code, practice requests,
//! question words) plus the keywords of any intent an installed agent declares
//! (`ExtraIntent`); the topic rules (`topic`) count topic words in the prose and the code.

pub mod intent;
pub mod labelled;
pub mod meaning;
pub mod model;
pub mod pipeline;
pub mod text;
pub mod topic;
pub mod vectors;

#[cfg(target_arch = "wasm32")]
mod component;

pub use intent::Intent;
use intent::{Prepared, Tally};

/// A learner's query.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<'a> {
    /// What the learner typed (may hold pasted code and tracebacks).
    pub text: &'a str,
    /// The separate code box.
    pub code: Option<&'a str>,
    /// The separate error box.
    pub error: Option<&'a str>,
}

impl<'a> Query<'a> {
    /// A query with text only.
    pub fn new(text: &'a str) -> Self {
        Query {
            text,
            code: None,
            error: None,
        }
    }

    /// The same query with the code box filled.
    #[must_use]
    pub fn with_code(mut self, code: &'a str) -> Self {
        self.code = Some(code);
        self
    }

    /// The same query with the error box filled.
    #[must_use]
    pub fn with_error(mut self, error: &'a str) -> Self {
        self.error = Some(error);
        self
    }
}

/// An intent an installed agent declares, routed to when its keywords appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraIntent {
    /// The intent's name (e.g. `career-advice`).
    pub name: String,
    /// Words or phrases, matched case-insensitively on word boundaries.
    pub keywords: Vec<String>,
}

impl ExtraIntent {
    /// An extra intent; keywords are lowercased here, once.
    pub fn new(
        name: impl Into<String>,
        keywords: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Self {
        ExtraIntent {
            name: name.into(),
            keywords: keywords
                .into_iter()
                .map(|k| k.as_ref().trim().to_lowercase())
                .filter(|k| !k.is_empty())
                .collect(),
        }
    }
}

/// What the rules decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The intent (the winner even when not sure).
    pub intent: Intent,
    /// 0 to 1: how far the winner is ahead of the runner-up.
    pub intent_confidence: f32,
    /// The topic label (`python.loops`, …, or `general`).
    pub topic: String,
    /// 0 to 1: how far the topic is ahead of the runner-up.
    pub topic_confidence: f32,
    /// Whether the topic is clear (strong votes, well ahead).
    pub topic_sure: bool,
    /// The rule behind the intent: `rule:traceback`, `rule:error-field`, …, or `default`.
    pub decided_by: String,
    /// Whether the rules are sure of the intent; when false the meaning stage decides.
    pub sure: bool,
}

/// Weight each matching keyword of an extra intent adds.
const EXTRA_KEYWORD_WEIGHT: i32 = 5;
/// A sure intent has at least this score…
const SURE_SCORE: i32 = 4;
/// …and leads the runner-up by at least this much.
const SURE_MARGIN: i32 = 3;
/// A topic needs at least this score, else it is `general`.
const TOPIC_MIN: i32 = 3;
/// A sure topic has at least this score and leads by `TOPIC_SURE_MARGIN`.
const TOPIC_SURE_SCORE: i32 = 6;
const TOPIC_SURE_MARGIN: i32 = 3;

/// Classifies `query` into the built-in intents.
pub fn classify(query: &Query<'_>) -> Decision {
    classify_with(query, &[])
}

/// Lowercases `s` into a new string, straightening curly apostrophes.
fn lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{2019}' | '\u{2018}' => out.push('\''),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// How far `top` leads `second`, from 0 to 1.
fn confidence(top: i32, second: i32) -> f32 {
    if top <= 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)] // scores are small
    let (top, second) = (top as f32, second.max(0) as f32);
    ((top - second) / (top + 2.0)).clamp(0.0, 1.0)
}

/// Classifies `query`, also considering the intents installed agents declare.
pub fn classify_with(query: &Query<'_>, extra: &[ExtraIntent]) -> Decision {
    let text = lower(query.text);
    let code = lower(query.code.unwrap_or(""));
    let error = lower(query.error.unwrap_or(""));
    let inline_code = text.contains('`') || text.lines().any(text::looks_like_code);
    let q = Prepared {
        text: &text,
        code: &code,
        error: &error,
        inline_code,
    };
    let (intent, tally, runner_up) = pick_intent(&q, extra);
    let (intent, decided_by, sure) = if tally.score <= 0 {
        // Code without words asking for feedback is more often broken than finished.
        let fallback = if q.has_code() {
            Intent::Debug
        } else {
            Intent::Concepts
        };
        (fallback, "default", false)
    } else {
        let sure = tally.score >= SURE_SCORE && tally.score - runner_up >= SURE_MARGIN;
        (intent, tally.rule, sure)
    };
    let (topic, top, second) = topic::score(&q, &intent);
    let (topic, topic_sure) = if top < TOPIC_MIN {
        (topic::GENERAL, false)
    } else {
        let clear = top >= TOPIC_SURE_SCORE && top - second >= TOPIC_SURE_MARGIN;
        (topic, clear)
    };
    Decision {
        intent_confidence: if sure {
            confidence(tally.score, runner_up)
        } else {
            0.0
        },
        intent,
        topic: topic::TOPICS[topic].to_owned(),
        topic_confidence: if topic_sure {
            confidence(top, second)
        } else {
            0.0
        },
        topic_sure,
        decided_by: decided_by.to_owned(),
        sure,
    }
}

/// The winning intent, its tally and the runner-up's score. Built-in intents win ties.
fn pick_intent(q: &Prepared<'_>, extra: &[ExtraIntent]) -> (Intent, Tally, i32) {
    let built_in = intent::tally(q);
    let mut best: (usize, Tally) = (0, built_in[0]);
    let mut runner_up = i32::MIN;
    let mut consider = |who: usize, t: Tally, best: &mut (usize, Tally)| {
        if t.score > best.1.score {
            runner_up = best.1.score;
            *best = (who, t);
        } else if t.score > runner_up {
            runner_up = t.score;
        }
    };
    for (i, t) in built_in.iter().enumerate().skip(1) {
        consider(i, *t, &mut best);
    }
    for (i, e) in extra.iter().enumerate() {
        let mut t = Tally::default();
        for k in &e.keywords {
            if text::has_phrase(q.text, k) {
                t.add(EXTRA_KEYWORD_WEIGHT, "rule:partner-keywords");
            }
        }
        if t.score > 0 {
            consider(4 + i, t, &mut best);
        }
    }
    let intent = match best.0 {
        i if i < 4 => Intent::BUILT_IN[i].clone(),
        i => Intent::Extra(extra[i - 4].name.clone()),
    };
    (intent, best.1, runner_up.max(0))
}
