//! The embeddings service: `all-MiniLM-L6-v2` sentence vectors computed in-process (the
//! `sentence-embeddings` crate, candle) on a bounded pool of worker threads, for the safety gate's
//! semantic stage, for host code that compares meanings, and for plugins granted the
//! `embeddings` import.
//!
//! Callers wait in one bounded queue; a free worker takes every request waiting (up to
//! [`BATCH_TEXTS`] texts) and runs them through the network as one batch, so concurrent
//! screens share the model's fixed cost instead of queueing behind each other. The model
//! never runs on the async runtime's threads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use sentence_embeddings::{DIMENSIONS, Vector, cosine};
use tokio::sync::{mpsc, oneshot};

/// The model's name, as plugins see it (`embeddings.model()`).
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";
/// Most texts one request may hold (a plugin's `embed` call; the host's own are smaller).
pub const MAX_TEXTS: usize = 64;
/// Longest text accepted, in bytes (what the model reads of it is capped in tokens anyway).
pub const MAX_TEXT_BYTES: usize = 32 * 1024;
/// Most texts a worker runs as one batch.
const BATCH_TEXTS: usize = 64;
/// Requests that may wait for a worker; further callers wait to enqueue (backpressure).
const QUEUE: usize = 256;

/// Where the model is and how many threads run it.
#[derive(Debug, Clone)]
pub struct EmbeddingSettings {
    /// The folder holding `config.json`, `model.safetensors`, `tokenizer.json`.
    pub model_dir: PathBuf,
    /// Worker threads (each runs one batch at a time; candle spreads a batch's matrix
    /// products over the machine's cores itself).
    pub workers: usize,
}

/// The folder `./dev` fetches the model into, used when no `--embeddings-model` is given.
pub fn default_model_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cache/tessera/models/all-MiniLM-L6-v2"))
}

/// Why a request got no vectors.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// More texts than [`MAX_TEXTS`].
    #[error("at most {MAX_TEXTS} texts per request, got {0}")]
    TooManyTexts(usize),
    /// A text longer than [`MAX_TEXT_BYTES`].
    #[error("text {index} is {bytes} bytes; at most {MAX_TEXT_BYTES}")]
    TextTooLong {
        /// Which text.
        index: usize,
        /// Its size.
        bytes: usize,
    },
    /// The model failed (a bug or a corrupt model file, not the caller's input).
    #[error("the embeddings model failed: {0}")]
    Model(String),
    /// The service has shut down.
    #[error("the embeddings service is not running")]
    Stopped,
}

struct Job {
    texts: Vec<String>,
    reply: oneshot::Sender<Result<Vec<Vector>, EmbedError>>,
}

/// The running service. Cheap to share (`Arc`); dropping the last handle stops the workers.
pub struct Embeddings {
    queue: mpsc::Sender<Job>,
    model: Arc<sentence_embeddings::Model>,
}

impl std::fmt::Debug for Embeddings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embeddings").finish_non_exhaustive()
    }
}

impl Embeddings {
    /// Loads the model and starts the workers.
    pub fn start(
        settings: &EmbeddingSettings,
    ) -> Result<Arc<Self>, sentence_embeddings::LoadError> {
        let model = Arc::new(sentence_embeddings::Model::load(&settings.model_dir)?);
        let (queue, jobs) = mpsc::channel::<Job>(QUEUE);
        let jobs = Arc::new(std::sync::Mutex::new(jobs));
        for n in 0..settings.workers.max(1) {
            let (model, jobs) = (model.clone(), jobs.clone());
            // A worker that cannot be spawned leaves the others; with none, callers get
            // `Stopped` rather than waiting forever.
            let spawned = std::thread::Builder::new()
                .name(format!("embeddings-{n}"))
                .spawn(move || work(&model, &jobs));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start an embeddings worker");
            }
        }
        Ok(Arc::new(Self { queue, model }))
    }

    /// One unit vector per text, in order.
    pub async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vector>, EmbedError> {
        check(&texts)?;
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job { texts, reply })
            .await
            .map_err(|_| EmbedError::Stopped)?;
        answer.await.map_err(|_| EmbedError::Stopped)?
    }

    /// Embeds on the calling thread, bypassing the queue: for CLI commands and benchmarks.
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vector>, EmbedError> {
        check(texts)?;
        self.model
            .embed(texts)
            .map_err(|e| EmbedError::Model(e.to_string()))
    }

    /// Tokens the model reads of one text; the rest of a longer text is not seen.
    pub fn max_tokens(&self) -> usize {
        self.model.max_tokens()
    }
}

fn check(texts: &[String]) -> Result<(), EmbedError> {
    if texts.len() > MAX_TEXTS {
        return Err(EmbedError::TooManyTexts(texts.len()));
    }
    if let Some((index, t)) = texts
        .iter()
        .enumerate()
        .find(|(_, t)| t.len() > MAX_TEXT_BYTES)
    {
        return Err(EmbedError::TextTooLong {
            index,
            bytes: t.len(),
        });
    }
    Ok(())
}

/// A worker: takes a job, adds every job already waiting (up to a batch), runs them as
/// one batch and answers each. Ends when every sender is gone.
fn work(model: &sentence_embeddings::Model, jobs: &std::sync::Mutex<mpsc::Receiver<Job>>) {
    loop {
        let batch = {
            let mut jobs = jobs.lock().unwrap_or_else(|e| e.into_inner());
            let Some(first) = jobs.blocking_recv() else {
                return;
            };
            let mut count = first.texts.len();
            let mut batch = vec![first];
            while count < BATCH_TEXTS {
                match jobs.try_recv() {
                    Ok(job) => {
                        count += job.texts.len();
                        batch.push(job);
                    }
                    Err(_) => break,
                }
            }
            batch
        };
        let texts: Vec<&str> = batch
            .iter()
            .flat_map(|j| j.texts.iter().map(String::as_str))
            .collect();
        match model.embed(&texts) {
            Ok(vectors) => {
                let mut vectors = vectors.into_iter();
                for job in batch {
                    let mine: Vec<Vector> = vectors.by_ref().take(job.texts.len()).collect();
                    let _ = job.reply.send(Ok(mine));
                }
            }
            Err(e) => {
                for job in batch {
                    let _ = job.reply.send(Err(EmbedError::Model(e.to_string())));
                }
            }
        }
    }
}
