//! Triage plugins (`tessera:platform/triage-plugin@0.2.0`): decide a learner query's intent
//! (hence the agent that answers) and topic. A triage plugin is a type implementing
//! [`Triage`] and one [`crate::export_triage!`] line; the types here are the contract's
//! records in plain Rust.

use crate::model::Message;
use crate::{Error, Host, Learner};

/// An intent the query may be routed to (`intent-option`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IntentOption {
    /// Its name, e.g. `debug` or a partner agent's `career-advice`.
    pub name: String,
    /// What queries of this intent ask for, in one sentence.
    pub description: String,
    /// Words or phrases that signal it (empty for the built-in intents).
    pub keywords: Vec<String>,
    /// Example queries (empty for the built-in intents).
    pub examples: Vec<String>,
}

/// A query to classify (`query`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// What the learner typed.
    pub text: String,
    /// The code box, if filled.
    pub code: Option<String>,
    /// The error box, if filled.
    pub error: Option<String>,
    /// Earlier turns, oldest first.
    pub history: Vec<Message>,
    /// The learner, when known.
    pub learner: Option<Learner>,
    /// The intents to choose from.
    pub intents: Vec<IntentOption>,
}

impl Query {
    /// Whether `name` is among the intents offered.
    pub fn offers(&self, name: &str) -> bool {
        self.intents.iter().any(|i| i.name == name)
    }
}

/// Which stage made a decision (`decided-by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    /// The plugin's rules.
    Rules,
    /// The nearest labelled examples by meaning.
    Meaning,
    /// A model call.
    Model,
    /// Nothing was sure: the best guess stands.
    Fallback,
}

/// What the query asks for and what it is about (`decision`).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The chosen intent: one of the query's intents.
    pub intent: String,
    /// The topic, e.g. `python.loops`, or `general`.
    pub topic: String,
    /// Confidence in the intent, 0.0 to 1.0.
    pub confidence: f32,
    /// Confidence in the topic, 0.0 to 1.0.
    pub topic_confidence: f32,
    /// The stage that decided.
    pub decided_by: DecidedBy,
    /// What decided within that stage, for logs and teachers (`rule:traceback`).
    pub reason: String,
}

/// A triage plugin.
pub trait Triage {
    /// Classifies one query. Implement this, or [`Triage::classify_with`] when the plugin
    /// calls a host service.
    fn classify(query: &Query) -> Result<Decision, Error> {
        let _ = query;
        Err(Error::Internal(format!(
            "{} implements neither classify nor classify_with",
            std::any::type_name::<Self>()
        )))
    }

    /// Classifies one query with the host's services at hand (each needs its grant).
    fn classify_with(query: &Query, host: &mut impl Host) -> Result<Decision, Error> {
        let _ = host;
        Self::classify(query)
    }
}

/// Exports a [`Triage`] as the component's `tessera:platform/triage` interface (contract
/// 0.2.0), generating the bindings from the plugin's `wit/` folder (or the folder the
/// second argument names).
#[macro_export]
macro_rules! export_triage {
    ($triage:ty) => {
        $crate::export_triage!($triage, "wit");
    };
    ($triage:ty, $wit:literal) => {
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        mod __tessera_triage_export {
            $crate::wit_bindgen::generate!({
                path: $wit,
                world: "tessera:platform/triage-plugin@0.2.0",
                runtime_path: "::tessera_plugin_sdk::wit_bindgen::rt",
                generate_all,
            });

            #[allow(unused_imports)]
            use super::*;
            use exports::tessera::platform::triage::{DecidedBy, Decision, Guest, Query};
            use tessera::platform::types::{Error, FieldError, Role};

            $crate::__host_services!();

            struct Export;

            impl Guest for Export {
                fn classify(q: Query) -> Result<Decision, Error> {
                    let query = $crate::triage::Query {
                        text: q.text,
                        code: q.code,
                        error: q.error,
                        history: q
                            .history
                            .into_iter()
                            .map(|m| $crate::__plain_message!(m))
                            .collect(),
                        learner: q.learner.map(|l| $crate::__plain_learner!(l)),
                        intents: q
                            .intents
                            .into_iter()
                            .map(|i| $crate::triage::IntentOption {
                                name: i.name,
                                description: i.description,
                                keywords: i.keywords,
                                examples: i.examples,
                            })
                            .collect(),
                    };
                    match <$triage as $crate::Triage>::classify_with(&query, &mut Services::new())
                    {
                        Ok(d) => Ok(Decision {
                            intent: d.intent,
                            topic: d.topic,
                            confidence: d.confidence,
                            topic_confidence: d.topic_confidence,
                            decided_by: match d.decided_by {
                                $crate::triage::DecidedBy::Rules => DecidedBy::Rules,
                                $crate::triage::DecidedBy::Meaning => DecidedBy::Meaning,
                                $crate::triage::DecidedBy::Model => DecidedBy::Model,
                                $crate::triage::DecidedBy::Fallback => DecidedBy::Fallback,
                            },
                            reason: d.reason,
                        }),
                        Err(e) => Err($crate::__wit_error!(e)),
                    }
                }
            }

            export!(Export);
        }
    };
}
