//! Experiment assignment and feature evaluation for Tessera, compatible with GrowthBook.
//!
//! Which variant of an experiment a learner sees must be stable (the same learner gets the
//! same variant on every device and every replica), weighted, and independent between
//! experiments; and the platform should not invent its own scheme when GrowthBook's is
//! documented, implemented by SDKs in a dozen languages, and readable by its statistics
//! engine. This crate implements GrowthBook's evaluation in plain Rust, with no platform
//! dependencies, so the `experiment-assigner` component runs it in wasm32-wasip2 and the
//! host can link it natively (to check a features payload an admin writes):
//!
//! - [`hash`]: GrowthBook's FNV-1a hashes (v1, v2), over UTF-16 code units as the
//!   JavaScript SDK does;
//! - [`buckets`]: bucket ranges from weights and coverage, choosing a variation, namespaces;
//! - [`condition`]: the targeting condition language (`$in`, `$gt`, `$vgte`, `$elemMatch`…);
//! - [`experiment`]: running one experiment for one unit (forced variations, hash attribute
//!   and fallback, sticky bucketing with bucket versions, filters, namespace, condition,
//!   coverage, force);
//! - [`features`]: evaluating a feature of a GrowthBook features payload (force rules with
//!   rollouts, experiment rules, prerequisites);
//! - [`kazi`]: seed 004's `kazi-v1` scheme (`xxh32(userId) % 100` over whole-percent
//!   weights), also selectable per experiment ([`HashAlgorithm::KaziV1`]).
//!
//! Every behaviour is checked against vectors generated with GrowthBook's Python SDK
//! (`tests/vectors/`).

pub mod buckets;
pub mod condition;
pub mod error;
pub mod experiment;
pub mod features;
pub mod hash;
pub mod js;
pub mod kazi;

pub use condition::eval_condition;
pub use error::Error;
pub use experiment::{
    Context, Experiment, ExperimentResult, HashAlgorithm, StickyBuckets, StickyDoc, VariationMeta,
    run_experiment,
};
pub use features::{FeatureResult, FeatureSource, FeaturesPayload, eval_feature};
