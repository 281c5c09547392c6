//! The meaning stage: the query's embedding against the labelled examples' (the compiled-in
//! training set plus the examples installed agents declare), and a vote of the `k` nearest,
//! weighted by similarity. It decides when the vote is clear; the thresholds were tuned on
//! `triage/data/dev.jsonl` (README, "Meaning stage").
//!
//! The examples' vectors cost up to ~313 texts of the 1024 one plugin call may embed, so
//! they are computed on the first call and kept in the plugin's key-value bucket
//! ([`crate::vectors`]); later calls embed only the query.

use std::collections::HashMap;

use tessera_plugin_sdk::sandbox::Clock;

use crate::vectors::{self, CHUNK, Quantised, Store};

/// The embedding model and what a request may hold (`embeddings.model-info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The model's name; part of every cache key.
    pub model: String,
    /// Length of every vector.
    pub dimensions: usize,
    /// Most texts one request may hold.
    pub max_texts: usize,
    /// Longest text accepted, in UTF-8 bytes.
    pub max_text_bytes: usize,
    /// Most texts all requests of one plugin call may hold together.
    pub max_texts_per_call: usize,
}

/// Why texts got no vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedError {
    /// No model runs (the host's semantic safety is off), or it failed.
    Unavailable(String),
    /// Not now: the call's budget of texts or its time for filling the cache ran out (the
    /// next calls go on), or the host refused a request (a limit, a bug here).
    Refused(String),
}

/// Sentence embeddings: the `embeddings` import, the native model in the eval, or a fake.
pub trait Embedder {
    /// The model and its limits; `None` when the host runs no model.
    fn model(&mut self) -> Option<Limits>;
    /// One unit vector per text, in order.
    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// Bytes of a text sent for embedding. The model reads 256 tokens; 16 KiB holds more than
/// that even for code indented with many spaces, which are not tokens.
const MAX_TEXT_BYTES: usize = 16 << 10;

/// The text embedded for a query: what the learner typed, then the error box, then the
/// code box. Chosen on dev (README): the error and the code carry meaning the text often
/// lacks ("why??" with a traceback), and the model stops reading at 256 tokens, so a long
/// code box cannot crowd out the words before it.
pub fn text_of(text: &str, code: Option<&str>, error: Option<&str>) -> String {
    let mut out = text.trim().to_owned();
    for part in [error, code].into_iter().flatten() {
        let part = part.trim();
        if !part.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(part);
        }
    }
    out
}

/// `s` cut to at most `max` bytes, at a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The embedder, its limits, and how many texts this call has sent: the host allows
/// `max_texts_per_call` in all and refuses the request that would pass it.
pub struct Session<'e> {
    embedder: &'e mut dyn Embedder,
    limits: Limits,
    sent: usize,
}

impl<'e> Session<'e> {
    /// A session, or why the stage is skipped (no model).
    pub fn open(embedder: &'e mut dyn Embedder) -> Result<Self, EmbedError> {
        let limits = embedder
            .model()
            .ok_or_else(|| EmbedError::Unavailable("the host runs no embeddings model".into()))?;
        if limits.dimensions == 0 || limits.max_texts == 0 {
            return Err(EmbedError::Unavailable(format!(
                "the embeddings model `{}` reports no capacity",
                limits.model
            )));
        }
        Ok(Session {
            embedder,
            limits,
            sent: 0,
        })
    }

    /// The model's limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Texts this call may still embed.
    pub fn remaining(&self) -> usize {
        self.limits.max_texts_per_call.saturating_sub(self.sent)
    }

    /// Embeds `texts` in requests of at most `max_texts`, each text cut to the bytes the
    /// host accepts; refuses up front what would pass the call's budget.
    pub fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.len() > self.remaining() {
            return Err(EmbedError::Refused(format!(
                "{} texts would pass the {} one call may embed ({} sent)",
                texts.len(),
                self.limits.max_texts_per_call,
                self.sent
            )));
        }
        let max_bytes = self.limits.max_text_bytes.min(MAX_TEXT_BYTES);
        let mut out = Vec::with_capacity(texts.len());
        for request in texts.chunks(self.limits.max_texts) {
            let request: Vec<String> = request
                .iter()
                .map(|t| truncate(t, max_bytes).to_owned())
                .collect();
            self.sent += request.len();
            let vectors = self.embedder.embed(&request)?;
            let well_formed = vectors.len() == request.len()
                && vectors.iter().all(|v| v.len() == self.limits.dimensions);
            if !well_formed {
                return Err(EmbedError::Unavailable(
                    "the embeddings model answered vectors of the wrong number or length".into(),
                ));
            }
            out.extend(vectors);
        }
        Ok(out)
    }
}

/// An example to compare with: its embedded text and labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    /// The text embedded ([`text_of`] for a query-shaped example).
    pub text: String,
    /// Its intent.
    pub intent: String,
    /// Its topic; `None` for an agent's examples, which have no topic label.
    pub topic: Option<String>,
}

/// The examples' vectors: from the cache, or embedded (and cached) chunk by chunk.
///
/// A partial set never votes. Missing chunks are embedded while they fit this call's
/// budget of texts less `reserve` (texts still to come) and while `clock` is below
/// `fill_until_ms`; each is cached as soon as it is embedded, so a set too large or too slow
/// for one call (the host embeds a few dozen texts a second on a small machine) is completed
/// by the next calls, each of which stays within its deadline.
pub fn vectors_of(
    examples: &[Labelled],
    session: &mut Session<'_>,
    store: &mut dyn Store,
    reserve: usize,
    clock: &dyn Clock,
    fill_until_ms: u64,
) -> Result<Vec<Quantised>, EmbedError> {
    let (model, dims) = (session.limits.model.clone(), session.limits.dimensions);
    let mut chunks: Vec<Option<Vec<Quantised>>> = Vec::new();
    let mut missing = Vec::new();
    for (i, chunk) in examples.chunks(CHUNK).enumerate() {
        let texts: Vec<String> = chunk.iter().map(|e| e.text.clone()).collect();
        let key = vectors::chunk_key(&model, dims, &texts);
        let cached = store
            .get(&key)
            .and_then(|bytes| vectors::decode(&bytes, texts.len(), dims));
        if cached.is_none() {
            missing.push((i, key, texts));
        }
        chunks.push(cached);
    }
    let needed: usize = missing.iter().map(|(_, _, t)| t.len()).sum();
    let budget = session.remaining().saturating_sub(reserve);
    let mut spent = 0;
    for (i, key, texts) in missing {
        if spent + texts.len() > budget || clock.elapsed_ms() >= fill_until_ms {
            break;
        }
        spent += texts.len();
        let quantised: Vec<Quantised> = session
            .embed(&texts)?
            .iter()
            .map(|v| Quantised::new(v))
            .collect();
        store.set(&key, &vectors::encode(&quantised));
        chunks[i] = Some(quantised);
    }
    if spent < needed {
        return Err(EmbedError::Refused(format!(
            "{needed} example texts were not cached and this call embedded {spent}; the next calls embed the rest"
        )));
    }
    Ok(chunks.into_iter().flatten().flatten().collect())
}

/// How the neighbours vote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Neighbours voting on the intent.
    pub k: usize,
    /// Neighbours voting on the topic (those with a topic label).
    pub k_topic: usize,
    /// Each neighbour's weight is its similarity to this power (0: one vote each).
    pub power: f32,
}

/// The tuned vote (README, "Meaning stage").
pub const PARAMS: Params = Params {
    k: 13,
    k_topic: 13,
    power: 4.0,
};

/// A vote's winner.
#[derive(Debug, Clone, PartialEq)]
pub struct Winner {
    /// The label.
    pub label: String,
    /// Its share of the neighbours' weight, 0 to 1.
    pub share: f32,
    /// Similarity of the nearest neighbour carrying the label.
    pub nearest: f32,
}

/// What the neighbours say.
#[derive(Debug, Clone, PartialEq)]
pub struct Vote {
    /// The intent vote's winner.
    pub intent: Winner,
    /// The topic vote's winner, when any neighbour has a topic.
    pub topic: Option<Winner>,
}

/// Weighted vote of the `k` most similar of `candidates` (similarity, label).
fn vote_among(mut candidates: Vec<(f32, &str)>, k: usize, power: f32) -> Option<Winner> {
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    candidates.truncate(k.max(1));
    let mut weights: HashMap<&str, (f32, f32)> = HashMap::new();
    let mut total = 0.0;
    for &(sim, label) in &candidates {
        let w = sim.max(0.0).powf(power);
        total += w;
        let entry = weights.entry(label).or_insert((0.0, sim));
        entry.0 += w;
    }
    // Ties go to the label whose nearest neighbour is closer.
    let (label, (weight, nearest)) = weights
        .into_iter()
        .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(a.1.1.total_cmp(&b.1.1)))?;
    Some(Winner {
        label: label.to_owned(),
        share: if total > 0.0 { weight / total } else { 0.0 },
        nearest,
    })
}

/// The neighbours' vote on `query`'s intent and topic. Examples whose intent `allowed`
/// rejects (not offered in this query) neither vote on the intent nor on the topic.
pub fn vote(
    query: &[f32],
    examples: &[Labelled],
    vectors: &[Quantised],
    allowed: &dyn Fn(&str) -> bool,
    params: Params,
) -> Option<Vote> {
    let sims: Vec<(f32, &Labelled)> = vectors
        .iter()
        .zip(examples)
        .filter(|(_, e)| allowed(&e.intent))
        .map(|(v, e)| (v.dot(query), e))
        .collect();
    let intent = vote_among(
        sims.iter().map(|(s, e)| (*s, e.intent.as_str())).collect(),
        params.k,
        params.power,
    )?;
    let topic = vote_among(
        sims.iter()
            .filter_map(|(s, e)| Some((*s, e.topic.as_deref()?)))
            .collect(),
        params.k_topic,
        params.power,
    );
    Some(Vote { intent, topic })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records requests; every vector is the unit vector on axis 0.
    struct Recorder {
        requests: Vec<Vec<String>>,
    }

    impl Embedder for Recorder {
        fn model(&mut self) -> Option<Limits> {
            Some(Limits {
                model: "m".into(),
                dimensions: 2,
                max_texts: 3,
                max_text_bytes: 5,
                max_texts_per_call: 7,
            })
        }

        fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
            self.requests.push(texts.to_vec());
            Ok(texts.iter().map(|_| vec![1.0, 0.0]).collect())
        }
    }

    fn strings(n: usize, s: &str) -> Vec<String> {
        vec![s.to_owned(); n]
    }

    #[test]
    fn a_session_splits_requests_cuts_texts_and_keeps_to_the_budget() {
        let mut rec = Recorder {
            requests: Vec::new(),
        };
        let mut session = Session::open(&mut rec).unwrap_or_else(|e| panic!("{e:?}"));
        let out = session.embed(&strings(4, "héllo wörld"));
        assert_eq!(out.map(|v| v.len()), Ok(4));
        assert_eq!(session.remaining(), 3);
        assert!(
            session.embed(&strings(4, "x")).is_err(),
            "past the call's 7"
        );
        assert_eq!(session.remaining(), 3, "a refused request costs nothing");
        let sizes: Vec<usize> = rec.requests.iter().map(Vec::len).collect();
        assert_eq!(sizes, [3, 1]);
        // 5 bytes, cut before the two-byte é would be split.
        assert_eq!(rec.requests[0][0], "héll");
    }

    #[test]
    fn the_query_text_joins_the_boxes_that_are_filled() {
        assert_eq!(text_of(" why? ", Some("x = 1"), Some("")), "why?\nx = 1");
        assert_eq!(text_of("", None, Some("KeyError")), "KeyError");
        assert_eq!(text_of("a", Some("c"), Some("e")), "a\ne\nc");
    }

    fn example(intent: &str, topic: &str) -> Labelled {
        Labelled {
            text: String::new(),
            intent: intent.into(),
            topic: Some(topic.into()),
        }
    }

    #[test]
    fn close_neighbours_outweigh_many_far_ones_and_only_offered_intents_vote() {
        let q = [1.0, 0.0];
        let at = |cos: f32| Quantised::new(&[cos, (1.0 - cos * cos).sqrt()]);
        let examples = [
            example("debug", "python.loops"),
            example("concepts", "python.lists"),
            example("concepts", "python.lists"),
            example("career", "general"),
        ];
        let vectors = [at(0.95), at(0.6), at(0.6), at(0.99)];
        let params = Params {
            k: 3,
            k_topic: 3,
            power: 4.0,
        };
        let v = vote(&q, &examples, &vectors, &|i| i != "career", params)
            .unwrap_or_else(|| panic!("a vote"));
        assert_eq!(v.intent.label, "debug");
        assert!((v.intent.nearest - 0.95).abs() < 0.01);
        // 0.95^4 = 0.81 against 2 × 0.6^4 = 0.26.
        assert!((v.intent.share - 0.76).abs() < 0.02, "{}", v.intent.share);
        assert_eq!(v.topic.map(|t| t.label), Some("python.loops".to_owned()));
        let one_each = Params {
            power: 0.0,
            ..params
        };
        let v = vote(&q, &examples, &vectors, &|i| i != "career", one_each);
        assert_eq!(v.map(|v| v.intent.label), Some("concepts".to_owned()));
    }
}
