//! The semantic stage: after the rules, the text's meaning. The text is embedded (the
//! embeddings service) and scored by the trained head ([`super::head`]); a high enough
//! score raises the verdict to concern or crisis. It never lowers a rule's verdict.
//!
//! A text of several sentences is scored whole and sentence by sentence, and its riskiest
//! window counts: the model reads at most 256 tokens and averages what it reads, so one
//! crisis sentence among homework questions would otherwise be diluted or cut off.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::Level;
use super::head::Head;
use crate::embeddings::{EmbedError, Embeddings, MAX_TEXTS, Vector};

/// The head shipped with Tessera, trained by `tessera safety train` (docs/safety.md).
pub const SHIPPED_HEAD: &str = include_str!("../../../safety/head.json");

// The head reads the vectors the embeddings service makes.
const _: () = assert!(crate::embeddings::DIMENSIONS == super::head::DIMENSIONS);

/// Fewest words in a window the meaning judges.
pub const MIN_WORDS: usize = 3;

/// Characters of a text embedded whole (the model reads 256 tokens, about 1 000 characters).
const WHOLE_CHARS: usize = 2_000;
/// Assessments remembered (by the text's digest): a plugin's system prompt or a re-sent
/// conversation is screened on every call, and its meaning does not change.
const CACHE_ENTRIES: usize = 4096;
/// Window vectors remembered (by the window's digest; 1.5 KiB each): a plugin's prompt
/// around what a user wrote holds the user's sentence, and earlier messages re-sent as
/// context, word for word, so most of a new text's windows were embedded moments ago.
const VECTOR_ENTRIES: usize = 4096;

/// What the semantic stage found in one text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// `none`, `concern` or `crisis`.
    pub level: Level,
    /// The risk score of the riskiest window, 0 to 1.
    pub risk: f32,
    /// The category it points to (`distress`, `suicide`, `self-harm`, `harm-to-others`,
    /// `abuse`), when flagged.
    pub category: Option<&'static str>,
}

/// How the stage came by a text's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The score was remembered.
    Cached,
    /// Every window's vector was remembered; scored again.
    Reused,
    /// At least one window was embedded.
    Embedded,
}

impl Outcome {
    /// The metric's label.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Cached => "cached",
            Outcome::Reused => "reused",
            Outcome::Embedded => "embedded",
        }
    }
}

/// The stage: the embeddings service and the head.
pub struct SemanticStage {
    embeddings: Arc<Embeddings>,
    head: Head,
    cache: Mutex<Cache<Assessment>>,
    vectors: Mutex<Cache<Vector>>,
}

impl std::fmt::Debug for SemanticStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SemanticStage")
            .field("crisis_threshold", &self.head.crisis_threshold)
            .field("concern_threshold", &self.head.concern_threshold)
            .finish_non_exhaustive()
    }
}

/// A bounded memory by SHA-256 digest; the oldest entry goes first.
struct Cache<V> {
    entries: HashMap<[u8; 32], V>,
    order: VecDeque<[u8; 32]>,
    capacity: usize,
}

impl<V: Clone> Cache<V> {
    fn new(capacity: usize) -> Mutex<Self> {
        Mutex::new(Cache {
            entries: HashMap::new(),
            order: VecDeque::new(),
            capacity,
        })
    }

    fn get(&self, key: &[u8; 32]) -> Option<V> {
        self.entries.get(key).cloned()
    }

    fn put(&mut self, key: [u8; 32], value: V) {
        if self.entries.insert(key, value).is_none() {
            self.order.push_back(key);
            if self.order.len() > self.capacity
                && let Some(old) = self.order.pop_front()
            {
                self.entries.remove(&old);
            }
        }
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl SemanticStage {
    /// The stage over `embeddings` with `head`.
    pub fn new(embeddings: Arc<Embeddings>, head: Head) -> Self {
        Self {
            embeddings,
            head,
            cache: Cache::new(CACHE_ENTRIES),
            vectors: Cache::new(VECTOR_ENTRIES),
        }
    }

    /// The head.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The embeddings service the stage uses.
    pub fn embeddings(&self) -> &Arc<Embeddings> {
        &self.embeddings
    }

    /// Scores `text`, saying how.
    pub async fn assess(&self, text: &str) -> Result<(Assessment, Outcome), EmbedError> {
        let key = digest(text);
        if let Some(hit) = lock(&self.cache).get(&key) {
            return Ok((hit, Outcome::Cached));
        }
        let windows = windows(text);
        let (vectors, outcome) = self.vectors_of(&windows).await?;
        let assessment = self.judge(&windows, &vectors);
        lock(&self.cache).put(key, assessment);
        Ok((assessment, outcome))
    }

    /// The windows' vectors: remembered ones as they are, the rest embedded in one request.
    async fn vectors_of(&self, windows: &[String]) -> Result<(Vec<Vector>, Outcome), EmbedError> {
        let keys: Vec<[u8; 32]> = windows.iter().map(|w| digest(w)).collect();
        let mut vectors: Vec<Option<Vector>> = {
            let memory = lock(&self.vectors);
            keys.iter().map(|k| memory.get(k)).collect()
        };
        let missing: Vec<usize> = (0..windows.len())
            .filter(|&i| vectors[i].is_none())
            .collect();
        let outcome = if missing.is_empty() {
            Outcome::Reused
        } else {
            Outcome::Embedded
        };
        if !missing.is_empty() {
            let texts = missing.iter().map(|&i| windows[i].clone()).collect();
            let fresh = self.embeddings.embed(texts).await?;
            if fresh.len() != missing.len() {
                return Err(EmbedError::Model(format!(
                    "{} vectors for {} texts",
                    fresh.len(),
                    missing.len()
                )));
            }
            let mut memory = lock(&self.vectors);
            for (&i, vector) in missing.iter().zip(fresh) {
                memory.put(keys[i], vector.clone());
                vectors[i] = Some(vector);
            }
        }
        Ok((vectors.into_iter().flatten().collect(), outcome))
    }

    /// Scores the windows of one text ([`windows`]) with their embeddings: the riskiest
    /// window counts.
    pub fn judge(&self, windows: &[String], vectors: &[Vec<f32>]) -> Assessment {
        let worst = self.head.riskiest(windows, vectors);
        let Some(s) = worst else {
            return Assessment {
                level: Level::None,
                risk: 0.0,
                category: None,
            };
        };
        let level = if s.risk >= self.head.crisis_threshold && s.is_crisis_kind() {
            Level::Crisis
        } else if s.risk >= self.head.concern_threshold {
            Level::Concern
        } else {
            Level::None
        };
        Assessment {
            level,
            risk: s.risk,
            category: (level > Level::None).then(|| s.category()),
        }
    }
}

fn lock<V>(cache: &Mutex<Cache<V>>) -> std::sync::MutexGuard<'_, Cache<V>> {
    cache.lock().unwrap_or_else(|e| e.into_inner())
}

/// What is embedded for `text`: the whole text (its first 256 tokens are what the model
/// reads) and, when it has more than one sentence, each sentence on its own, so one
/// sentence of crisis among homework questions is not averaged away. A text of more
/// sentences than one request takes has them grouped into windows of about equal length.
///
/// Windows of fewer than [`MIN_WORDS`] words are left out (a text that short gets no
/// window, and the rules alone judge it): a word or two says too little for the model, and
/// scoring them flagged greetings and one-word questions ("anyone?") as distress.
pub fn windows(text: &str) -> Vec<String> {
    let text = text.trim();
    let words = |t: &str| t.split_whitespace().count();
    if words(text) < MIN_WORDS {
        return Vec::new();
    }
    let whole: String = text.chars().take(WHOLE_CHARS).collect();
    let sentences: Vec<&str> = sentences(text).filter(|s| words(s) >= MIN_WORDS).collect();
    if sentences.len() < 2 {
        return vec![whole];
    }
    let room = MAX_TEXTS - 1;
    let per_window = sentences.len().div_ceil(room);
    let mut out = vec![whole];
    out.extend(
        sentences
            .chunks(per_window)
            .map(|group| group.concat().trim().to_owned()),
    );
    out
}

/// Sentences with their ending punctuation and following space.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .char_indices()
            .find(|&(i, c)| {
                matches!(c, '.' | '!' | '?' | '\n' | '。')
                    && rest[i + c.len_utf8()..]
                        .chars()
                        .next()
                        .is_none_or(char::is_whitespace)
            })
            .map_or(rest.len(), |(i, c)| i + c.len_utf8());
        let end = end + rest[end..].len() - rest[end..].trim_start().len();
        let (sentence, tail) = rest.split_at(end);
        rest = tail;
        Some(sentence)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sentence_is_one_window() {
        assert_eq!(windows("  i feel fine  "), vec!["i feel fine".to_owned()]);
    }

    #[test]
    fn sentences_are_scored_on_their_own_and_the_text_whole() {
        let text = "can you check q4? after this i'm walking into the river. thanks";
        assert_eq!(
            windows(text),
            vec![
                text.to_owned(),
                "can you check q4?".to_owned(),
                "after this i'm walking into the river.".to_owned(),
            ]
        );
        // Too short to judge by meaning: the rules alone decide.
        assert!(windows("anyone?").is_empty());
        assert!(windows("  good night ").is_empty());
        // A decimal point or a version number does not end a sentence.
        assert_eq!(windows("pi is 3.14 and python 3.12 is out").len(), 1);
    }

    #[test]
    fn a_huge_text_never_needs_more_than_one_request() {
        let text = "Short sentence here. ".repeat(2000);
        let w = windows(&text);
        assert!(w.len() <= MAX_TEXTS);
        assert!(w[0].chars().count() <= WHOLE_CHARS);
    }
}

#[cfg(test)]
mod shipped_head {
    use sha2::{Digest, Sha256};

    use super::SHIPPED_HEAD;
    use crate::safety::head::Head;

    fn digest(split: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../safety/data")
            .join(format!("{split}.jsonl"));
        hex::encode(Sha256::digest(std::fs::read(path).expect("read the split")))
    }

    /// The head built into the binary was trained on the data in the repository: a changed
    /// split without `tessera safety train` fails here.
    #[test]
    fn the_shipped_head_was_trained_on_the_current_data() {
        let head = Head::from_json(SHIPPED_HEAD).expect("the shipped head parses");
        assert_eq!(
            head.trained_on.train_sha256,
            digest("train"),
            "retrain: ./dev tessera safety train"
        );
        assert_eq!(
            head.trained_on.dev_sha256,
            digest("dev"),
            "retrain: ./dev tessera safety train"
        );
        assert!(head.crisis_threshold > 0.0 && head.crisis_threshold < 1.0);
        assert!(head.concern_threshold > 0.0 && head.concern_threshold <= head.crisis_threshold);
    }
}
