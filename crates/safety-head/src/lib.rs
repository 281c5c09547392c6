//! The safety gate's semantic head, over sentence embeddings (all-MiniLM-L6-v2, unit
//! vectors):
//!
//! - **risk**: a kernel logistic regression (Gaussian kernel over the training messages'
//!   embeddings, which are its prototypes): flagged (concern or crisis) or not. On the
//!   labelled set it finds far more of the crises a linear model misses at the same false
//!   alarms (docs/safety.md);
//! - **wording** ([`lexical`]): a logistic regression over the text's character and word
//!   n-grams, blended with the risk model's log-odds (weight [`Head::lexical_weight`]): it
//!   weighs slang, misspellings and single telling words that an averaged embedding blurs;
//! - **kind**: a softmax regression over six classes (`none`, `distress`, and the four
//!   crisis categories), which says what kind of risk a flagged text is.
//!
//! All are fitted by `tessera safety train` ([`fit`]) and kept in `safety/head.json` with
//! the digests of the data they came from.

pub mod lexical;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

pub use lexical::{LexicalModel, fit_lexical};

/// Dimensions of the embeddings the head reads.
pub const DIMENSIONS: usize = 384;

/// The kinds, in the order of the softmax's rows. `none` is first; the crisis categories
/// are those after `distress`.
pub const CLASSES: [&str; 6] = [
    "none",
    "distress",
    "suicide",
    "self-harm",
    "harm-to-others",
    "abuse",
];
const DISTRESS: usize = 1;
const FIRST_CRISIS: usize = 2;

/// The trained head, as `safety/head.json` holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// The embedding model the head was trained on; vectors of another model mean nothing to it.
    pub model: String,
    /// [`CLASSES`], recorded so a reordering is caught at load.
    pub classes: Vec<String>,
    /// The kind model: one row of `DIMENSIONS` weights per class.
    pub weights: Vec<Vec<f32>>,
    /// The kind model's biases, one per class.
    pub bias: Vec<f32>,
    /// The risk model (meaning).
    pub risk: KernelModel,
    /// The wording model.
    pub lexical: LexicalModel,
    /// The wording model's share of the blended log-odds, 0 to 1 (the meaning model has
    /// the rest); chosen on dev.
    pub lexical_weight: f32,
    /// A text whose risk reaches this, and whose likeliest kind is a crisis category, is a
    /// crisis.
    pub crisis_threshold: f32,
    /// A text whose risk reaches this is at least a concern.
    pub concern_threshold: f32,
    /// Where the head came from.
    pub trained_on: Provenance,
}

/// A kernel logistic regression: `risk(x) = σ(b + Σᵢ αᵢ·exp(−γ‖pᵢ − x‖²))`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelModel {
    /// γ of the Gaussian kernel.
    pub gamma: f32,
    /// b.
    pub bias: f32,
    /// One weight per prototype.
    pub alpha: Vec<f32>,
    /// The prototypes (the training messages' embeddings), `DIMENSIONS` each, as
    /// little-endian IEEE half floats in base64 (a third of the size of JSON numbers).
    pub prototypes: String,
    /// The prototypes decoded, row after row.
    #[serde(skip)]
    decoded: Vec<f32>,
}

/// The data and settings a head was trained with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// SHA-256 of `safety/data/train.jsonl` (the models were fitted on it).
    pub train_sha256: String,
    /// SHA-256 of `safety/data/dev.jsonl` (the thresholds were chosen on it).
    pub dev_sha256: String,
    /// Training examples.
    pub examples: usize,
    /// The fitting settings, in words.
    pub settings: String,
    /// How the thresholds were chosen, in words.
    pub thresholds: String,
}

/// What the head says of one text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// The blended probability that the text is flagged (concern or crisis).
    pub risk: f32,
    /// The meaning model's probability alone.
    pub meaning: f32,
    /// The wording model's probability alone.
    pub wording: f32,
    /// The most likely kind other than `none` (an index into [`CLASSES`]).
    pub top: usize,
}

impl Scores {
    /// Whether the likeliest kind of risk is a crisis category.
    pub fn is_crisis_kind(&self) -> bool {
        self.top >= FIRST_CRISIS
    }

    /// The likeliest kind of risk.
    pub fn category(&self) -> &'static str {
        CLASSES[self.top]
    }
}

/// Why a head file is refused.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    /// Not the JSON of a head.
    #[error("not a safety head: {0}")]
    Json(#[from] serde_json::Error),
    /// The shapes do not match the classes and the model's dimensions.
    #[error("the head's shape is wrong: {0}")]
    Shape(String),
}

impl Head {
    /// Parses and checks a head.
    pub fn from_json(json: &str) -> Result<Self, HeadError> {
        let mut head: Head = serde_json::from_str(json)?;
        if head.classes != CLASSES {
            return Err(HeadError::Shape(format!(
                "classes {:?}, expected {CLASSES:?}",
                head.classes
            )));
        }
        if head.weights.len() != CLASSES.len()
            || head.bias.len() != CLASSES.len()
            || head.weights.iter().any(|w| w.len() != DIMENSIONS)
        {
            return Err(HeadError::Shape(format!(
                "expected {} rows of {DIMENSIONS} weights and {} biases",
                CLASSES.len(),
                CLASSES.len()
            )));
        }
        head.lexical.decode().ok_or_else(|| {
            HeadError::Shape("lexical: features, idf and weights disagree".into())
        })?;
        if !(0.0..=1.0).contains(&head.lexical_weight) {
            return Err(HeadError::Shape(format!(
                "lexical_weight {} is not between 0 and 1",
                head.lexical_weight
            )));
        }
        head.risk.decoded = decode_halves(&head.risk.prototypes)
            .ok_or_else(|| HeadError::Shape("prototypes: not base64".into()))?;
        if head.risk.decoded.len() != head.risk.alpha.len() * DIMENSIONS {
            return Err(HeadError::Shape(format!(
                "{} prototype weights but {} floats of prototypes",
                head.risk.alpha.len(),
                head.risk.decoded.len()
            )));
        }
        Ok(head)
    }

    /// Kind probabilities of one embedding.
    pub fn probabilities(&self, vector: &[f32]) -> [f32; CLASSES.len()] {
        let mut logits = [0f32; CLASSES.len()];
        for (c, logit) in logits.iter_mut().enumerate() {
            *logit = self.bias[c] + dot(&self.weights[c], vector);
        }
        softmax(&mut logits);
        logits
    }

    /// The scores of a text's riskiest window (`windows` with their `vectors`); `None`
    /// for a text with no window.
    pub fn riskiest(&self, windows: &[String], vectors: &[Vec<f32>]) -> Option<Scores> {
        windows
            .iter()
            .zip(vectors)
            .map(|(text, v)| self.scores(text, v))
            .max_by(|a, b| a.risk.total_cmp(&b.risk))
    }

    /// The scores of one text and its embedding.
    pub fn scores(&self, text: &str, vector: &[f32]) -> Scores {
        let p = self.probabilities(vector);
        let top = (DISTRESS..CLASSES.len())
            .max_by(|&a, &b| p[a].total_cmp(&p[b]))
            .unwrap_or(DISTRESS);
        let meaning = self.risk.logit(vector);
        let wording = self.lexical.logit(text);
        let w = self.lexical_weight;
        Scores {
            risk: sigmoid((1.0 - w) * meaning + w * wording),
            meaning: sigmoid(meaning),
            wording: sigmoid(wording),
            top,
        }
    }
}

impl KernelModel {
    /// The log-odds that `vector` is flagged.
    pub fn logit(&self, vector: &[f32]) -> f32 {
        self.bias
            + self
                .decoded
                .chunks_exact(DIMENSIONS)
                .zip(&self.alpha)
                .map(|(p, a)| a * kernel(self.gamma, p, vector))
                .sum::<f32>()
    }

    /// The probability that `vector` is flagged.
    pub fn risk(&self, vector: &[f32]) -> f32 {
        sigmoid(self.logit(vector))
    }
}

/// The Gaussian kernel of two unit vectors: ‖p − x‖² = 2 − 2 p·x.
fn kernel(gamma: f32, p: &[f32], x: &[f32]) -> f32 {
    (-gamma * (2.0 - 2.0 * dot(p, x)).max(0.0)).exp()
}

pub(crate) fn sigmoid(f: f32) -> f32 {
    1.0 / (1.0 + (-f).exp())
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    for l in logits.iter_mut() {
        *l /= sum;
    }
}

pub(crate) fn encode_halves(values: &[f32]) -> String {
    let bytes: Vec<u8> = values
        .iter()
        .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn decode_halves(text: &str) -> Option<Vec<f32>> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    if bytes.len() % 2 != 0 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
    )
}

/// Settings of the fitting passes.
#[derive(Debug, Clone, Copy)]
pub struct FitSettings {
    /// Passes over the data.
    pub epochs: usize,
    /// Step size.
    pub learning_rate: f32,
    /// L2 penalty.
    pub l2: f32,
}

/// The kind model's settings.
pub const SOFTMAX: FitSettings = FitSettings {
    epochs: 600,
    learning_rate: 8.0,
    l2: 1e-4,
};

/// The risk model's settings (γ is [`KERNEL_GAMMA`]); chosen on dev.
pub const KERNEL: FitSettings = FitSettings {
    epochs: 800,
    learning_rate: 20.0,
    l2: 1e-5,
};

/// The wording model's settings: the L2 penalty is on the class-weighted mean loss
/// (1e-5 is scikit-learn's `C` = 16 on 6 000 texts); chosen on held-out folds.
pub const LEXICAL: FitSettings = FitSettings {
    epochs: 2000,
    learning_rate: 4.0,
    l2: 1e-5,
};

/// The wording model's share of the blended log-odds; chosen on dev.
pub const LEXICAL_WEIGHT: f32 = 0.4;

/// γ of the risk model's kernel; chosen on dev.
pub const KERNEL_GAMMA: f32 = 2.0;

/// Class weights that make each present class weigh the same in total.
pub(crate) fn balanced(labels: &[usize], k: usize) -> Vec<f32> {
    let mut counts = vec![0usize; k];
    for &c in labels {
        counts[c] += 1;
    }
    let present = counts.iter().filter(|&&n| n > 0).count().max(1) as f32;
    counts
        .iter()
        .map(|&n| {
            if n == 0 {
                0.0
            } else {
                1.0 / (present * n as f32)
            }
        })
        .collect()
}

/// Fits the kind model, a softmax regression over `k` classes, to `(embedding, class)`
/// pairs: full-batch gradient descent with momentum on the class-balanced cross-entropy
/// (each class weighs the same in total, so 200 distress examples are not drowned by
/// 2 000 ordinary ones).
pub fn fit_softmax(
    examples: &[(&[f32], usize)],
    k: usize,
    settings: FitSettings,
) -> (Vec<Vec<f32>>, Vec<f32>) {
    let labels: Vec<usize> = examples.iter().map(|&(_, c)| c).collect();
    let sample_weight = balanced(&labels, k);
    let mut w = vec![vec![0f32; DIMENSIONS]; k];
    let mut b = vec![0f32; k];
    let mut vw = vec![vec![0f32; DIMENSIONS]; k];
    let mut vb = vec![0f32; k];
    let momentum = 0.9;
    for _ in 0..settings.epochs {
        let mut gw = vec![vec![0f32; DIMENSIONS]; k];
        let mut gb = vec![0f32; k];
        for &(x, y) in examples {
            let mut p: Vec<f32> = (0..k).map(|c| b[c] + dot(&w[c], x)).collect();
            softmax(&mut p);
            let sw = sample_weight[y];
            for c in 0..k {
                let g = (p[c] - if c == y { 1.0 } else { 0.0 }) * sw;
                gb[c] += g;
                for (gi, xi) in gw[c].iter_mut().zip(x) {
                    *gi += g * xi;
                }
            }
        }
        for c in 0..k {
            for d in 0..DIMENSIONS {
                let g = gw[c][d] + settings.l2 * w[c][d];
                vw[c][d] = momentum * vw[c][d] - settings.learning_rate * g;
                w[c][d] += vw[c][d];
            }
            vb[c] = momentum * vb[c] - settings.learning_rate * gb[c];
            b[c] += vb[c];
        }
    }
    (w, b)
}

/// Fits the risk model to `(embedding, flagged)` pairs: every training embedding is a
/// prototype; functional gradient descent with momentum on the class-balanced logistic
/// loss (the kernel matrix is computed once: n² floats, 48 MB for 3 500 messages).
pub fn fit_kernel(examples: &[(&[f32], bool)], gamma: f32, settings: FitSettings) -> KernelModel {
    let n = examples.len();
    let labels: Vec<usize> = examples.iter().map(|&(_, y)| usize::from(y)).collect();
    let class_weight = balanced(&labels, 2);
    let mut gram = vec![0f32; n * n];
    for i in 0..n {
        for j in i..n {
            let k = kernel(gamma, examples[i].0, examples[j].0);
            gram[i * n + j] = k;
            gram[j * n + i] = k;
        }
    }
    let mut alpha = vec![0f32; n];
    let mut velocity = vec![0f32; n];
    let (mut bias, mut bias_velocity) = (0f32, 0f32);
    let momentum = 0.9;
    let mut residual = vec![0f32; n];
    for _ in 0..settings.epochs {
        for i in 0..n {
            let f = bias + dot(&gram[i * n..(i + 1) * n], &alpha);
            let y = if examples[i].1 { 1.0 } else { 0.0 };
            // Weights sum to 1; × n keeps the step independent of the data's size.
            residual[i] = class_weight[labels[i]] * n as f32 * (sigmoid(f) - y);
        }
        let mut bias_gradient = 0.0;
        for i in 0..n {
            let g = residual[i] / n as f32 + settings.l2 * alpha[i];
            velocity[i] = momentum * velocity[i] - settings.learning_rate * g;
            alpha[i] += velocity[i];
            bias_gradient += residual[i] / n as f32;
        }
        bias_velocity = momentum * bias_velocity - settings.learning_rate * bias_gradient;
        bias += bias_velocity;
    }
    let prototypes: Vec<f32> = examples
        .iter()
        .flat_map(|&(v, _)| v.iter().copied())
        .collect();
    // Round the prototypes as they will be stored, so the model is the one that is loaded.
    let prototypes = encode_halves(&prototypes);
    let decoded = decode_halves(&prototypes).unwrap_or_default();
    KernelModel {
        gamma,
        bias,
        alpha,
        prototypes,
        decoded,
    }
}

/// One labelled training text.
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    /// The text (the wording model reads it).
    pub text: &'a str,
    /// Its embedding (the meaning and kind models read it).
    pub vector: &'a [f32],
    /// Its class, an index into [`CLASSES`].
    pub class: usize,
}

/// Fits a head with the shipped settings: the kind model ([`fit_softmax`], [`SOFTMAX`]),
/// and on "flagged or not" the meaning model ([`fit_kernel`], [`KERNEL_GAMMA`], [`KERNEL`])
/// and the wording model ([`fit_lexical`], [`LEXICAL`]), blended by [`LEXICAL_WEIGHT`].
/// Both thresholds start at 0.5; the caller chooses them on held-out data.
/// `trained_on.examples` and `trained_on.settings` are filled in here.
pub fn fit(examples: &[Example<'_>], model: &str, mut trained_on: Provenance) -> Head {
    let classed: Vec<(&[f32], usize)> = examples.iter().map(|e| (e.vector, e.class)).collect();
    let (weights, bias) = fit_softmax(&classed, CLASSES.len(), SOFTMAX);
    let flagged: Vec<(&[f32], bool)> = examples.iter().map(|e| (e.vector, e.class > 0)).collect();
    let risk = fit_kernel(&flagged, KERNEL_GAMMA, KERNEL);
    let worded: Vec<(&str, bool)> = examples.iter().map(|e| (e.text, e.class > 0)).collect();
    let lexical = fit_lexical(&worded, LEXICAL);
    trained_on.examples = examples.len();
    trained_on.settings = format!(
        "kind: softmax, {SOFTMAX:?}; risk: Gaussian-kernel logistic regression, gamma \
         {KERNEL_GAMMA}, {KERNEL:?}; wording: logistic regression over hashed character \
         2-5-grams and word 1-2-grams (TF-IDF), {LEXICAL:?}, weight {LEXICAL_WEIGHT}"
    );
    Head {
        model: model.to_owned(),
        classes: CLASSES.iter().map(|c| (*c).to_owned()).collect(),
        weights,
        bias,
        risk,
        lexical,
        lexical_weight: LEXICAL_WEIGHT,
        crisis_threshold: 0.5,
        concern_threshold: 0.5,
        trained_on,
    }
}

/// The kind of a labelled line: its level and first category.
pub fn class_of(level: &str, categories: &[String]) -> Option<usize> {
    match level {
        "none" => Some(0),
        "concern" => Some(DISTRESS),
        "crisis" => {
            let first = categories.first().map_or("suicide", String::as_str);
            CLASSES[FIRST_CRISIS..]
                .iter()
                .position(|c| *c == first)
                .map(|i| i + FIRST_CRISIS)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(i: usize) -> Vec<f32> {
        let mut v = vec![0.0; DIMENSIONS];
        v[i] = 1.0;
        v
    }

    fn head_from(examples: &[Example<'_>]) -> Head {
        let trained_on = Provenance {
            train_sha256: String::new(),
            dev_sha256: String::new(),
            examples: 0,
            settings: String::new(),
            thresholds: String::new(),
        };
        let head = fit(examples, "test", trained_on);
        assert_eq!(head.trained_on.examples, examples.len());
        // Through JSON, as the host loads it.
        Head::from_json(&serde_json::to_string(&head).unwrap()).unwrap()
    }

    #[test]
    fn fitting_separates_classes_that_are_separable_and_survives_a_round_trip() {
        let vectors: Vec<Vec<f32>> = (0..CLASSES.len()).map(unit).collect();
        // Each class's text has its own words, so the wording model agrees with the meaning.
        let texts = [
            "the homework is fine",
            "so tired and sad lately",
            "i want to end it all",
            "cutting again tonight",
            "going to hurt him tomorrow",
            "he hits me at home",
        ];
        let examples: Vec<Example<'_>> = vectors
            .iter()
            .zip(texts)
            .enumerate()
            .map(|(class, (v, text))| Example {
                text,
                vector: v.as_slice(),
                class,
            })
            .collect();
        let head = head_from(&examples);
        let scores = |c: usize| head.scores(texts[c], &vectors[c]);
        assert!(scores(0).risk < 0.3, "{:?}", scores(0));
        let s = scores(3);
        assert!(s.risk > 0.7 && s.top == 3 && s.is_crisis_kind(), "{s:?}");
        assert!(s.meaning > 0.5 && s.wording > 0.5, "{s:?}");
        assert_eq!(scores(5).category(), "abuse");
        assert!(!scores(1).is_crisis_kind());
    }

    #[test]
    fn the_risk_model_is_not_linear() {
        // Flagged points on both sides of an ordinary one along the same axis: no linear
        // model separates them; the kernel model does.
        let at = |a: f32, b: f32| {
            let mut v = vec![0.0; DIMENSIONS];
            let n = (a * a + b * b).sqrt();
            v[0] = a / n;
            v[1] = b / n;
            v
        };
        let (left, middle, right) = (at(-1.0, 0.3), at(0.0, 1.0), at(1.0, 0.3));
        let examples = [
            (left.as_slice(), true),
            (middle.as_slice(), false),
            (right.as_slice(), true),
        ];
        let model = fit_kernel(&examples, 4.0, KERNEL);
        let mut model = model;
        model.decoded = decode_halves(&model.prototypes).unwrap();
        assert!(model.risk(&left) > 0.6 && model.risk(&right) > 0.6);
        assert!(model.risk(&middle) < 0.4);
    }

    #[test]
    fn a_head_of_the_wrong_shape_is_refused() {
        let json = r#"{"model":"m","classes":["none"],"weights":[],"bias":[],
            "risk":{"gamma":1,"bias":0,"alpha":[],"prototypes":""},
            "lexical":{"bias":0,"features":"","idf":"","weights":""},"lexical_weight":0.4,
            "crisis_threshold":0.5,"concern_threshold":0.5,
            "trained_on":{"train_sha256":"","dev_sha256":"","examples":0,"settings":"","thresholds":""}}"#;
        assert!(matches!(Head::from_json(json), Err(HeadError::Shape(_))));
    }

    #[test]
    fn labels_map_to_classes() {
        assert_eq!(class_of("crisis", &["abuse".into()]), Some(5));
        assert_eq!(class_of("crisis", &[]), Some(2));
        assert_eq!(class_of("concern", &["distress".into()]), Some(1));
        assert_eq!(class_of("none", &[]), Some(0));
        assert_eq!(class_of("maybe", &[]), None);
    }
}
