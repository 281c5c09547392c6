//! The BERT encoder, as much of it as sentence embeddings need: token, position and
//! segment embeddings, then `num_hidden_layers` blocks of multi-head self-attention and a
//! feed-forward layer, each added to its input and layer-normalised (post-norm, as BERT
//! was published). No pooler and no heads: sentence-transformers pools the last hidden
//! states itself (`lib.rs`).
//!
//! Written over candle's tensors and layers (`candle-nn`) rather than taken from
//! candle-transformers, whose build compiles every model it ships (about two minutes of a
//! cold build's CPU for this one file's worth of BERT).

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};

/// The model's shape, from its `config.json` (the fields BERT's encoder reads).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Config {
    /// Tokens in the vocabulary.
    pub vocab_size: usize,
    /// Width of every hidden state.
    pub hidden_size: usize,
    /// Encoder blocks.
    pub num_hidden_layers: usize,
    /// Attention heads per block (`hidden_size` is a multiple of it).
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// The feed-forward layer's activation.
    #[serde(default = "gelu")]
    pub hidden_act: String,
    /// Longest input, in tokens.
    pub max_position_embeddings: usize,
    /// Segment kinds (sentence A / B).
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    /// Layer normalisation's epsilon.
    #[serde(default = "epsilon")]
    pub layer_norm_eps: f64,
}

fn gelu() -> String {
    "gelu".into()
}
fn two() -> usize {
    2
}
fn epsilon() -> f64 {
    1e-12
}

/// The feed-forward activation named by `hidden_act`.
#[derive(Debug, Clone, Copy)]
enum Activation {
    /// GELU with the error function (BERT's `gelu`).
    GeluErf,
    /// GELU's tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    GeluTanh,
    Relu,
}

impl Activation {
    fn named(name: &str) -> Result<Self> {
        Ok(match name {
            "gelu" => Self::GeluErf,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_approximate" => Self::GeluTanh,
            "relu" => Self::Relu,
            other => candle_core::bail!("hidden_act {other:?} is not supported"),
        })
    }

    fn apply(self, xs: &Tensor) -> Result<Tensor> {
        match self {
            Self::GeluErf => xs.gelu_erf(),
            Self::GeluTanh => xs.gelu(),
            Self::Relu => xs.relu(),
        }
    }
}

struct Embeddings {
    words: Embedding,
    positions: Embedding,
    segments: Embedding,
    norm: LayerNorm,
}

impl Embeddings {
    fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        let table = |n, name| candle_nn::embedding(n, c.hidden_size, vb.pp(name));
        Ok(Self {
            words: table(c.vocab_size, "word_embeddings")?,
            positions: table(c.max_position_embeddings, "position_embeddings")?,
            segments: table(c.type_vocab_size, "token_type_embeddings")?,
            norm: candle_nn::layer_norm(c.hidden_size, c.layer_norm_eps, vb.pp("LayerNorm"))?,
        })
    }

    fn forward(&self, ids: &Tensor, segments: &Tensor) -> Result<Tensor> {
        let (_, len) = ids.dims2()?;
        let positions = Tensor::arange(0u32, len as u32, ids.device())?;
        let sum = self
            .words
            .forward(ids)?
            .add(&self.segments.forward(segments)?)?
            .broadcast_add(&self.positions.forward(&positions)?)?;
        self.norm.forward(&sum)
    }
}

/// One encoder block.
struct Block {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    widen: Linear,
    narrow: Linear,
    out_norm: LayerNorm,
    heads: usize,
    activation: Activation,
}

impl Block {
    fn load(vb: VarBuilder, c: &Config, activation: Activation) -> Result<Self> {
        let h = c.hidden_size;
        let attention = vb.pp("attention");
        let own = attention.pp("self");
        let norm = |vb: VarBuilder| candle_nn::layer_norm(h, c.layer_norm_eps, vb.pp("LayerNorm"));
        Ok(Self {
            query: candle_nn::linear(h, h, own.pp("query"))?,
            key: candle_nn::linear(h, h, own.pp("key"))?,
            value: candle_nn::linear(h, h, own.pp("value"))?,
            attention_out: candle_nn::linear(h, h, attention.pp("output").pp("dense"))?,
            attention_norm: norm(attention.pp("output"))?,
            widen: candle_nn::linear(h, c.intermediate_size, vb.pp("intermediate").pp("dense"))?,
            narrow: candle_nn::linear(c.intermediate_size, h, vb.pp("output").pp("dense"))?,
            out_norm: norm(vb.pp("output"))?,
            heads: c.num_attention_heads,
            activation,
        })
    }

    /// `xs`: `(batch, tokens, hidden)`; `mask_bias`: `(batch, 1, 1, tokens)`, 0 for a real
    /// token and a huge negative number for padding, added to every attention score.
    fn forward(&self, xs: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let (batch, len, hidden) = xs.dims3()?;
        let width = hidden / self.heads;
        // (batch, tokens, hidden) -> (batch, heads, tokens, width)
        let split = |t: Tensor| {
            t.reshape((batch, len, self.heads, width))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(self.query.forward(xs)?)?;
        let k = split(self.key.forward(xs)?)?;
        let v = split(self.value.forward(xs)?)?;
        let scores = (q.matmul(&k.t()?)? / (width as f64).sqrt())?.broadcast_add(mask_bias)?;
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = weights
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((batch, len, hidden))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + xs)?)?;
        let wide = self.activation.apply(&self.widen.forward(&attended)?)?;
        self.out_norm
            .forward(&(self.narrow.forward(&wide)? + attended)?)
    }
}

/// BERT's encoder with its embeddings.
pub struct Bert {
    embeddings: Embeddings,
    blocks: Vec<Block>,
}

impl Bert {
    /// The weights under `vb`, named as Hugging Face's BERT names them (with or without a
    /// leading `bert.`).
    pub fn load(vb: VarBuilder, c: &Config) -> Result<Self> {
        if c.num_attention_heads == 0 || !c.hidden_size.is_multiple_of(c.num_attention_heads) {
            candle_core::bail!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                c.hidden_size,
                c.num_attention_heads
            );
        }
        let vb = if vb.contains_tensor("embeddings.word_embeddings.weight") {
            vb
        } else {
            vb.pp("bert")
        };
        let activation = Activation::named(&c.hidden_act)?;
        let layers = vb.pp("encoder").pp("layer");
        Ok(Self {
            embeddings: Embeddings::load(vb.pp("embeddings"), c)?,
            blocks: (0..c.num_hidden_layers)
                .map(|i| Block::load(layers.pp(i), c, activation))
                .collect::<Result<_>>()?,
        })
    }

    /// The last hidden states, `(batch, tokens, hidden)`, of `ids` (`(batch, tokens)`)
    /// with segment ids `segments`, attending only to tokens whose `mask` is 1.
    pub fn forward(&self, ids: &Tensor, segments: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let mut xs = self.embeddings.forward(ids, segments)?;
        let dtype = xs.dtype();
        // 1 → 0 and 0 → the lowest float: padding gets no weight after the softmax.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(1)?.unsqueeze(1)?;
        let bias = ((mask.ones_like()? - &mask)? * f64::from(f32::MIN))?.to_dtype(dtype)?;
        for block in &self.blocks {
            xs = block.forward(&xs, &bias)?;
        }
        Ok(xs)
    }
}
