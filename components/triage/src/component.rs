//! The component glue: the `triage` export over [`crate::pipeline`], with the `embeddings`,
//! `llm` and `wasi:keyvalue` imports behind its traits. Built only for wasm32, where the
//! imports exist.

use tessera_plugin_sdk::model as plain;
use tessera_plugin_sdk::sandbox::WallClock;

use crate::Query;
use crate::meaning::{EmbedError, Embedder, Limits};
use crate::pipeline::{self, IntentOption, Request, Services, Stage};
use crate::vectors::{NoStore, Store};

wit_bindgen::generate!({
    path: "../../wit/0.2.0",
    world: "tessera:platform/triage-plugin@0.2.0",
    generate_all,
});

use exports::tessera::platform::triage::{self as triage, DecidedBy, Guest};
use tessera::platform::embeddings;
use tessera::platform::types::{Error, FieldError, Role};
use wasi::keyvalue::store as kv;
use wasi::logging::logging;

tessera_plugin_sdk::llm_import!(tessera::platform::llm, tessera::platform::types);

/// The bucket holding the examples' vectors.
const BUCKET: &str = "vectors";

/// The `embeddings` import.
struct HostEmbeddings;

impl Embedder for HostEmbeddings {
    fn model(&mut self) -> Option<Limits> {
        let info = embeddings::model()?;
        let size = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
        Some(Limits {
            model: info.name,
            dimensions: size(info.dimensions),
            max_texts: size(info.max_texts),
            max_text_bytes: size(info.max_text_bytes),
            max_texts_per_call: size(info.max_texts_per_call),
        })
    }

    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        embeddings::embed(texts).map_err(|e| match e {
            embeddings::EmbedError::Unavailable(m) => EmbedError::Unavailable(m),
            embeddings::EmbedError::InvalidRequest(f) => {
                EmbedError::Refused(format!("{}: {}", f.field, f.message))
            }
            embeddings::EmbedError::BudgetExceeded(m) => EmbedError::Refused(m),
        })
    }
}

/// The plugin's `wasi:keyvalue` bucket. Failures are misses: the vectors can be computed
/// again.
struct Bucket(kv::Bucket);

impl Store for Bucket {
    fn get(&mut self, key: &str) -> Option<Vec<u8>> {
        self.0.get(key).ok().flatten()
    }

    fn set(&mut self, key: &str, value: &[u8]) {
        // A full bucket (`limits.keyvalue_max_bytes`) only costs later calls the embedding.
        let _ = self.0.set(key, value);
    }
}

struct Triage;

impl Guest for Triage {
    fn classify(query: triage::Query) -> Result<triage::Decision, Error> {
        let clock = WallClock::start();
        let intents: Vec<IntentOption> = query
            .intents
            .into_iter()
            .map(|o| IntentOption {
                name: o.name,
                description: o.description,
                keywords: o.keywords,
                examples: o.examples,
            })
            .collect();
        let history: Vec<plain::Message> = query
            .history
            .into_iter()
            .map(|m| plain::Message {
                role: match m.role {
                    Role::System => plain::Role::System,
                    Role::User => plain::Role::User,
                    Role::Assistant => plain::Role::Assistant,
                },
                content: m.content,
            })
            .collect();
        let request = Request {
            query: Query {
                text: &query.text,
                code: query.code.as_deref(),
                error: query.error.as_deref(),
            },
            history: &history,
            intents: &intents,
        };
        let mut bucket = kv::open(BUCKET).ok().map(Bucket);
        let store: &mut dyn Store = match bucket.as_mut() {
            Some(b) => b,
            None => &mut NoStore,
        };
        let services = Services {
            embedder: Some(&mut HostEmbeddings),
            store,
            llm: Some(&mut Gateway),
            clock: &clock,
        };
        match pipeline::classify(&request, services) {
            Ok(d) => {
                for note in &d.notes {
                    // Debug: without embeddings every call says so.
                    logging::log(logging::Level::Debug, "triage", note);
                }
                Ok(triage::Decision {
                    intent: d.intent,
                    topic: d.topic,
                    confidence: d.confidence,
                    topic_confidence: d.topic_confidence,
                    decided_by: match d.decided_by {
                        Stage::Rules => DecidedBy::Rules,
                        Stage::Meaning => DecidedBy::Meaning,
                        Stage::Model => DecidedBy::Model,
                        Stage::Fallback => DecidedBy::Fallback,
                    },
                    reason: d.reason,
                })
            }
            Err(e) => Err(Error::InvalidInput(FieldError {
                field: e.field,
                message: e.message,
            })),
        }
    }
}

export!(Triage);
