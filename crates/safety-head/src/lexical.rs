//! The wording model: a logistic regression over the text's character and word n-grams
//! (TF-IDF, hashed). The meaning model reads an embedding that averages the whole text, so
//! slang, misspellings and one telling word ("kms", "su1cidal", "the car park roof") weigh
//! little there; here each n-gram has its own weight. Blended with the meaning model's
//! log-odds ([`crate::Head::scores`]), on held-out folds of the training set it found about
//! 4 points more crises at the same false alarms than either alone (docs/safety.md).
//!
//! Features, as scikit-learn's `TfidfVectorizer` computes them:
//! - **characters**: n-grams of 2 to 5 characters of each whitespace-separated word of the
//!   lower-cased text, the word padded with a space on each side (`char_wb`);
//! - **words**: words of two or more letters or digits, and pairs of neighbouring words.
//!
//! Each n-gram is hashed (FNV-1a, 64-bit) into one of [`BUCKETS`] per block; a count `c`
//! weighs `(1 + ln c) · idf`, `idf = ln((1 + n) / (1 + df)) + 1` over the `n` training
//! texts, and each block is scaled to unit length. An n-gram no training text had weighs
//! nothing.

use std::collections::HashMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::{FitSettings, balanced, decode_halves, encode_halves, sigmoid};

/// Buckets of each block (characters, words).
pub const BUCKETS: u32 = 1 << 20;
const BLOCKS: usize = 2;
const CHAR_GRAMS: std::ops::RangeInclusive<usize> = 2..=5;

/// The fitted wording model, as `safety/head.json` holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexicalModel {
    /// The intercept.
    pub bias: f32,
    /// The features the training texts had, ascending: `block · BUCKETS + bucket`, as
    /// little-endian `u32` in base64.
    pub features: String,
    /// Each feature's inverse document frequency, as half floats in base64.
    pub idf: String,
    /// Each feature's weight, as half floats in base64.
    pub weights: String,
    /// The features decoded: feature → (idf, weight).
    #[serde(skip)]
    decoded: HashMap<u32, (f32, f32)>,
}

/// A text's n-gram counts, per block: hashed feature → count.
type Counts = [HashMap<u32, u32>; BLOCKS];

/// FNV-1a (64-bit) of the block's tag and `parts`, as one string, folded into the block's
/// buckets. The tag keeps a word and a character run of the same letters apart even before
/// the block offset; hashing the parts in place spares an allocation per n-gram.
fn bucket(block: usize, parts: &[&str]) -> u32 {
    let tag = if block == 0 { "c" } else { "w" };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in std::iter::once(&tag).chain(parts) {
        for &b in part.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    (h % u64::from(BUCKETS)) as u32 + block as u32 * BUCKETS
}

/// The n-gram counts of `text`.
fn counts(text: &str) -> Counts {
    let lower = text.to_lowercase();
    let mut out: Counts = Default::default();
    for word in lower.split_whitespace() {
        let padded = format!(" {word} ");
        let bounds: Vec<usize> = padded
            .char_indices()
            .map(|(i, _)| i)
            .chain([padded.len()])
            .collect();
        let chars = bounds.len() - 1;
        for n in CHAR_GRAMS {
            if chars < n {
                break;
            }
            for start in 0..=chars - n {
                let gram = &padded[bounds[start]..bounds[start + n]];
                *out[0].entry(bucket(0, &[gram])).or_default() += 1;
            }
        }
    }
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| t.chars().count() >= 2)
        .collect();
    for t in &tokens {
        *out[1].entry(bucket(1, &[t])).or_default() += 1;
    }
    for pair in tokens.windows(2) {
        *out[1]
            .entry(bucket(1, &[pair[0], " ", pair[1]]))
            .or_default() += 1;
    }
    out
}

/// TF-IDF weights of `counts`, each block of unit length, over the features `idf` knows.
fn weigh(counts: &Counts, idf: impl Fn(u32) -> Option<f32>) -> Vec<(u32, f32)> {
    let mut out = Vec::new();
    for block in counts {
        let start = out.len();
        let mut norm = 0f32;
        for (&feature, &count) in block {
            if let Some(idf) = idf(feature) {
                let value = (1.0 + (count as f32).ln()) * idf;
                norm += value * value;
                out.push((feature, value));
            }
        }
        let norm = norm.sqrt();
        if norm > 0.0 {
            for (_, v) in &mut out[start..] {
                *v /= norm;
            }
        }
    }
    out
}

impl LexicalModel {
    /// Decodes the stored features; `None` if they are not what [`fit_lexical`] writes.
    pub(crate) fn decode(&mut self) -> Option<()> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.features)
            .ok()?;
        if bytes.len() % 4 != 0 {
            return None;
        }
        let features: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let idf = decode_halves(&self.idf)?;
        let weights = decode_halves(&self.weights)?;
        if idf.len() != features.len() || weights.len() != features.len() {
            return None;
        }
        self.decoded = features
            .into_iter()
            .zip(idf.into_iter().zip(weights))
            .collect();
        Some(())
    }

    /// Features the model knows.
    pub fn len(&self) -> usize {
        self.decoded.len()
    }

    /// Whether the model knows no feature.
    pub fn is_empty(&self) -> bool {
        self.decoded.is_empty()
    }

    /// The model's log-odds that `text` is flagged.
    pub fn logit(&self, text: &str) -> f32 {
        let features = weigh(&counts(text), |f| self.decoded.get(&f).map(|&(idf, _)| idf));
        self.bias
            + features
                .iter()
                .map(|(f, v)| v * self.decoded.get(f).map_or(0.0, |&(_, w)| w))
                .sum::<f32>()
    }

    /// The model's probability that `text` is flagged.
    pub fn risk(&self, text: &str) -> f32 {
        sigmoid(self.logit(text))
    }
}

/// Fits the wording model to `(text, flagged)` pairs: the class-balanced logistic loss
/// with an L2 penalty of `settings.l2` per example, by full-batch gradient descent with
/// Nesterov momentum over the features the texts have.
pub fn fit_lexical(examples: &[(&str, bool)], settings: FitSettings) -> LexicalModel {
    let n = examples.len();
    let all: Vec<Counts> = examples.iter().map(|(t, _)| counts(t)).collect();
    let mut df: HashMap<u32, u32> = HashMap::new();
    for c in &all {
        for block in c {
            for &f in block.keys() {
                *df.entry(f).or_default() += 1;
            }
        }
    }
    let mut features: Vec<u32> = df.keys().copied().collect();
    features.sort_unstable();
    let column: HashMap<u32, usize> = features.iter().enumerate().map(|(i, &f)| (f, i)).collect();
    // Rounded as it will be stored, so the model fitted is the one that is loaded.
    let idf_values: Vec<f32> = features
        .iter()
        .map(|f| ((1.0 + n as f32) / (1.0 + df[f] as f32)).ln() + 1.0)
        .collect();
    let idf_stored = encode_halves(&idf_values);
    let idf_values = decode_halves(&idf_stored).unwrap_or(idf_values);
    let rows: Vec<Vec<(usize, f32)>> = all
        .iter()
        .map(|c| {
            weigh(c, |f| column.get(&f).map(|&i| idf_values[i]))
                .into_iter()
                .map(|(f, v)| (column[&f], v))
                .collect()
        })
        .collect();
    let labels: Vec<usize> = examples.iter().map(|&(_, y)| usize::from(y)).collect();
    let class_weight = balanced(&labels, 2);
    let m = features.len();
    let (mut w, mut velocity) = (vec![0f32; m], vec![0f32; m]);
    let (mut bias, mut bias_velocity) = (0f32, 0f32);
    let momentum = 0.9;
    let mut gradient = vec![0f32; m];
    for _ in 0..settings.epochs {
        // Nesterov: the gradient at the point momentum is carrying the weights to.
        let ahead: Vec<f32> = w
            .iter()
            .zip(&velocity)
            .map(|(w, v)| w + momentum * v)
            .collect();
        let bias_ahead = bias + momentum * bias_velocity;
        gradient.iter_mut().for_each(|g| *g = 0.0);
        let mut bias_gradient = 0f32;
        for (row, &y) in rows.iter().zip(&labels) {
            let f = bias_ahead + row.iter().map(|&(j, v)| ahead[j] * v).sum::<f32>();
            // Class weights sum to 1 over the examples: the loss is a weighted mean.
            let r = class_weight[y] * (sigmoid(f) - y as f32);
            for &(j, v) in row {
                gradient[j] += r * v;
            }
            bias_gradient += r;
        }
        for j in 0..m {
            let g = gradient[j] + settings.l2 * ahead[j];
            velocity[j] = momentum * velocity[j] - settings.learning_rate * g;
            w[j] += velocity[j];
        }
        bias_velocity = momentum * bias_velocity - settings.learning_rate * bias_gradient;
        bias += bias_velocity;
    }
    let feature_bytes: Vec<u8> = features.iter().flat_map(|f| f.to_le_bytes()).collect();
    let mut model = LexicalModel {
        bias,
        features: base64::engine::general_purpose::STANDARD.encode(feature_bytes),
        idf: idf_stored,
        weights: encode_halves(&w),
        decoded: HashMap::new(),
    };
    model.decode();
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_grams_are_taken_within_padded_words_and_words_in_pairs() {
        let c = counts("Hi hi");
        // " hi " twice: " h", "hi", "i ", " hi", "hi ", " hi " → 6 distinct, each twice.
        assert_eq!(c[0].len(), 6);
        assert!(c[0].values().all(|&n| n == 2));
        // "hi" twice and the pair "hi hi".
        assert_eq!(c[1].len(), 2);
        assert_eq!(c[1].values().sum::<u32>(), 3);
        // One-letter words are not words; multi-byte letters are one character.
        assert!(counts("a")[1].is_empty());
        assert_eq!(counts("ñu")[0].len(), counts("nu")[0].len());
    }

    /// The buckets are part of the shipped head: a change to the hashing would make every
    /// stored weight belong to another n-gram. These values were computed independently
    /// (FNV-1a of the tagged n-gram, in Python).
    #[test]
    fn the_hashing_is_pinned() {
        assert_eq!(bucket(1, &["kms"]), 1_934_039);
        assert_eq!(bucket(0, &[" hi"]), 393_001);
        assert_eq!(bucket(1, &["kill", " ", "myself"]), 1_820_826);
    }

    #[test]
    fn each_block_has_unit_length() {
        let c = counts("the cat sat on the mat");
        let w = weigh(&c, |_| Some(1.5));
        for block in 0..BLOCKS as u32 {
            let norm: f32 = w
                .iter()
                .filter(|(f, _)| f / BUCKETS == block)
                .map(|(_, v)| v * v)
                .sum();
            assert!((norm - 1.0).abs() < 1e-4, "block {block}: {norm}");
        }
    }

    #[test]
    fn a_telling_word_is_learnt_and_survives_storage() {
        let texts = [
            ("kms fr", true),
            ("honestly kms lol", true),
            ("i might kms tonight", true),
            ("kms after this test", true),
            ("the km is a unit", false),
            ("how many ms in a second", false),
            ("lol fr that test was easy", false),
            ("tonight i study for the test", false),
        ];
        let model = fit_lexical(&texts, crate::LEXICAL);
        let json = serde_json::to_string(&model).unwrap();
        let mut loaded: LexicalModel = serde_json::from_str(&json).unwrap();
        loaded.decode().unwrap();
        assert!(loaded.risk("ok kms") > 0.6, "{}", loaded.risk("ok kms"));
        assert!(
            loaded.risk("a km is far") < 0.4,
            "{}",
            loaded.risk("a km is far")
        );
        assert!(!loaded.is_empty());
    }
}
