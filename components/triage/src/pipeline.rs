//! The stages in order: the rules; when they are unsure, the nearest labelled examples by
//! meaning; when both are unsure, one model call; else the best guess (`fallback`). The
//! topic follows its own order: the rules when their topic is clear, else the neighbours'
//! topic vote when clear, else the model's topic (if it was asked), else the rules' guess.

use tessera_plugin_sdk::model::{Llm, Message};
use tessera_plugin_sdk::sandbox::Clock;

use crate::meaning::{self, Embedder, Labelled, Session, Vote};
use crate::vectors::Store;
use crate::{ExtraIntent, Intent, Query, labelled, model};

/// An intent the query may go to (`triage.intent-option`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntentOption {
    /// Its name: a built-in (`concepts`, `code-review`, `debug`, `exercise`) or an agent's.
    pub name: String,
    /// What its queries ask for, in one sentence (the model reads it).
    pub description: String,
    /// Words or phrases that signal it (agents' intents; the rules know the built-in ones).
    pub keywords: Vec<String>,
    /// Example queries (agents' intents; the built-in ones have the labelled set).
    pub examples: Vec<String>,
}

impl IntentOption {
    /// A built-in intent, described by the plugin itself.
    pub fn built_in(name: &str) -> Self {
        IntentOption {
            name: name.to_owned(),
            ..IntentOption::default()
        }
    }
}

/// A query with its context (`triage.query`).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The text and the code and error boxes.
    pub query: Query<'a>,
    /// Earlier turns, oldest first.
    pub history: &'a [Message],
    /// The intents to choose from.
    pub intents: &'a [IntentOption],
}

/// The stage that decided the intent (`triage.decided-by`): the SDK's plain enum.
pub use tessera_plugin_sdk::triage::DecidedBy as Stage;

/// What the query asks for and what it is about (`triage.decision`).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// One of the request's intent names.
    pub intent: String,
    /// A topic (`python.loops`, …, `general`).
    pub topic: String,
    /// Confidence in the intent, 0 to 1.
    pub confidence: f32,
    /// Confidence in the topic, 0 to 1.
    pub topic_confidence: f32,
    /// The stage that decided the intent.
    pub decided_by: Stage,
    /// What within the stage decided: the rule, the nearest examples, the model.
    pub reason: String,
    /// Why a later stage had no say (embeddings unavailable, a model reply ignored), for
    /// the operator's logs; not part of the contract's decision.
    pub notes: Vec<String>,
}

/// A field of the request that is unusable (`error::invalid-input`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    /// The field, as the caller spelt it (`text`, `intents`, `intents[2].name`).
    pub field: String,
    /// Why.
    pub message: String,
}

/// The host services the later stages use; each may be missing.
pub struct Services<'s> {
    /// Sentence embeddings (`None`: the meaning stage is skipped).
    pub embedder: Option<&'s mut dyn Embedder>,
    /// Where the examples' vectors are cached.
    pub store: &'s mut dyn Store,
    /// The model (`None`: the model stage is skipped).
    pub llm: Option<&'s mut dyn Llm>,
    /// Time since the call started, for [`FILL_UNTIL_MS`].
    pub clock: &'s dyn Clock,
}

/// Examples' vectors missing from the cache are embedded only until this long into the
/// call, so the first calls stay within the manifest's `timeout_ms` (10 000) while they
/// fill the cache; the rest is embedded by the next calls.
pub const FILL_UNTIL_MS: u64 = 2000;

/// When the meaning stage decides; tuned on `triage/data/dev.jsonl` (README).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// The neighbours' vote.
    pub vote: meaning::Params,
    /// The intent's least share of the neighbours' weight…
    pub intent_share: f32,
    /// …and the least similarity of its nearest example.
    pub intent_nearest: f32,
    /// The topic's least share…
    pub topic_share: f32,
    /// …and the least similarity of its nearest example.
    pub topic_nearest: f32,
    /// With nothing sure, the neighbours' guess beats the rules' when its share is at least
    /// this (and always when the rules found no signal at all).
    pub guess_share: f32,
}

/// The thresholds in use: the neighbours decide where they were right about 19 times in 20
/// on dev (every dev query, rules ignored), and only when some example is close at all.
pub const THRESHOLDS: Thresholds = Thresholds {
    vote: meaning::PARAMS,
    intent_share: 0.6,
    intent_nearest: 0.4,
    topic_share: 0.6,
    topic_nearest: 0.4,
    guess_share: 0.5,
};

/// Confidence reported for a model's checked answer: it gives none of its own, and a
/// model asked only about queries the other stages found hard is right less often than
/// they are when sure.
const MODEL_CONFIDENCE: f32 = 0.6;

/// Classifies `request` with the tuned thresholds.
pub fn classify(request: &Request<'_>, services: Services<'_>) -> Result<Decision, InvalidInput> {
    classify_tuned(request, services, &THRESHOLDS)
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> InvalidInput {
    InvalidInput {
        field: field.into(),
        message: message.into(),
    }
}

/// Refuses a request the stages cannot read.
fn validate(request: &Request<'_>) -> Result<(), InvalidInput> {
    let q = &request.query;
    let blank = |s: Option<&str>| s.is_none_or(|s| s.trim().is_empty());
    if q.text.trim().is_empty() && blank(q.code) && blank(q.error) {
        return Err(invalid(
            "text",
            "the query is empty: no text, code or error to classify",
        ));
    }
    if request.intents.is_empty() {
        return Err(invalid(
            "intents",
            "there must be at least one intent to choose from",
        ));
    }
    for (i, option) in request.intents.iter().enumerate() {
        if option.name.trim().is_empty() {
            return Err(invalid(format!("intents[{i}].name"), "must not be empty"));
        }
        if request.intents[..i].iter().any(|o| o.name == option.name) {
            return Err(invalid(
                format!("intents[{i}].name"),
                format!("`{}` is offered twice", option.name),
            ));
        }
    }
    Ok(())
}

/// The examples the neighbours are drawn from: the training set, then each agent's
/// examples. The training set always comes whole and first, so its cached chunks are
/// shared by every query whatever the offered intents.
fn examples_for(intents: &[IntentOption]) -> Vec<Labelled> {
    let train = labelled::train().iter().map(|e| Labelled {
        text: meaning::text_of(&e.text, e.code.as_deref(), e.error.as_deref()),
        intent: e.intent.clone(),
        topic: Some(e.topic.clone()),
    });
    let declared = intents.iter().flat_map(|o| {
        o.examples
            .iter()
            .filter(|x| !x.trim().is_empty())
            .map(|x| Labelled {
                text: x.trim().to_owned(),
                intent: o.name.clone(),
                topic: None,
            })
    });
    train.chain(declared).collect()
}

/// The neighbours' vote, or why there is none.
fn meaning_vote(
    request: &Request<'_>,
    embedder: &mut dyn Embedder,
    store: &mut dyn Store,
    clock: &dyn Clock,
    params: meaning::Params,
) -> Result<Option<Vote>, meaning::EmbedError> {
    let mut session = Session::open(embedder)?;
    let q = &request.query;
    let query = meaning::text_of(q.text, q.code, q.error);
    let vector = session
        .embed(&[query])?
        .into_iter()
        .next()
        .unwrap_or_default();
    let examples = examples_for(request.intents);
    let vectors = meaning::vectors_of(&examples, &mut session, store, 0, clock, FILL_UNTIL_MS)?;
    let offered = |name: &str| request.intents.iter().any(|o| o.name == name);
    Ok(meaning::vote(
        &vector, &examples, &vectors, &offered, params,
    ))
}

/// Classifies `request`: the stages in order, with `t` deciding when the neighbours agree.
pub fn classify_tuned(
    request: &Request<'_>,
    services: Services<'_>,
    t: &Thresholds,
) -> Result<Decision, InvalidInput> {
    validate(request)?;
    let offered = |name: &str| request.intents.iter().any(|o| o.name == name);
    let extras: Vec<ExtraIntent> = request
        .intents
        .iter()
        .filter(|o| !Intent::BUILT_IN.iter().any(|b| b.as_str() == o.name))
        .map(|o| ExtraIntent::new(o.name.clone(), &o.keywords))
        .collect();
    let rules = crate::classify_with(&request.query, &extras);
    let rules_offered = offered(rules.intent.as_str());
    let rules_sure = rules.sure && rules_offered;
    let mut notes = Vec::new();

    let vote = if rules_sure && rules.topic_sure {
        None
    } else {
        match services.embedder {
            Some(e) => match meaning_vote(request, e, services.store, services.clock, t.vote) {
                Ok(vote) => vote,
                Err(why) => {
                    notes.push(format!("meaning stage skipped: {why:?}"));
                    None
                }
            },
            None => None,
        }
    };
    let clear_intent = vote
        .as_ref()
        .map(|v| &v.intent)
        .filter(|w| w.share >= t.intent_share && w.nearest >= t.intent_nearest);
    let clear_topic = vote
        .as_ref()
        .and_then(|v| v.topic.as_ref())
        .filter(|w| w.share >= t.topic_share && w.nearest >= t.topic_nearest);

    let mut answer = None;
    let (intent, confidence, decided_by, reason) = if rules_sure {
        (
            rules.intent.as_str().to_owned(),
            rules.intent_confidence,
            Stage::Rules,
            rules.decided_by.clone(),
        )
    } else if let Some(w) = clear_intent {
        (w.label.clone(), w.share, Stage::Meaning, nearest(w))
    } else if let Some(a) = services.llm.and_then(|llm| {
        model::ask(llm, request)
            .map_err(|why| notes.push(format!("model reply ignored: {why}")))
            .ok()
    }) {
        let decided = (
            a.intent.clone(),
            MODEL_CONFIDENCE,
            Stage::Model,
            format!("model: {}", a.model),
        );
        answer = Some(a);
        decided
    } else {
        let (intent, confidence, reason) = best_guess(request, &rules, vote.as_ref(), t);
        (intent, confidence, Stage::Fallback, reason)
    };

    let (topic, topic_confidence) = if rules.topic_sure {
        (rules.topic.clone(), rules.topic_confidence)
    } else if let Some(w) = clear_topic {
        (w.label.clone(), w.share)
    } else if let Some(topic) = answer.and_then(|a| a.topic) {
        (topic, MODEL_CONFIDENCE)
    } else {
        (rules.topic.clone(), rules.topic_confidence)
    };

    Ok(Decision {
        intent,
        topic,
        confidence,
        topic_confidence,
        decided_by,
        reason,
        notes,
    })
}

/// With nothing sure: the neighbours' guess when it is close enough and either the rules
/// have none (no signal, or an intent not offered) or the neighbours lean clearly; else the
/// rules' guess. Returns the intent, its confidence and the reason.
fn best_guess(
    request: &Request<'_>,
    rules: &crate::Decision,
    vote: Option<&Vote>,
    t: &Thresholds,
) -> (String, f32, String) {
    let rules_offered = request
        .intents
        .iter()
        .any(|o| o.name == rules.intent.as_str());
    // Neighbours that are all far away say nothing about the query.
    let meaning_guess = vote.map(|v| &v.intent).filter(|w| {
        w.nearest >= t.intent_nearest
            && (!rules_offered || rules.decided_by == "default" || w.share >= t.guess_share)
    });
    match meaning_guess {
        Some(w) => (
            w.label.clone(),
            w.share,
            format!("best guess, {}", nearest(w)),
        ),
        None if rules_offered => (
            rules.intent.as_str().to_owned(),
            rules.intent_confidence,
            format!("best guess, {}", rules.decided_by),
        ),
        // The rules chose an intent not offered, and no neighbour is close.
        None => (
            request
                .intents
                .first()
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            0.0,
            "best guess, the first intent offered".to_owned(),
        ),
    }
}

/// The reason a vote gives: its winner and the similarity of the nearest example.
fn nearest(w: &meaning::Winner) -> String {
    format!("nearest: {} ({:.2})", w.label, w.nearest)
}
