//! Seed 004's analytics, as pure functions over numbers the host has already aggregated:
//!
//! - [`stats`]: did a tutorial variant change completion (two-proportion z-test, chi-square
//!   test of independence over k variants), is the traffic split what the experiment asked
//!   for (sample ratio mismatch), and where in the funnel do learners drop out;
//! - [`personas`]: the nightly persona clustering (§5): 32 bounded behaviour features per
//!   user, k-means with k = 4, clusters named `newbie`, `freelancer-pro`, `team-manager`
//!   and `ai-power` from their centroids, and a confidence per user.
//!
//! The crate does no I/O and holds no state: the host queries its database, fills the plain
//! input structs, and stores what comes back. Keeping the numerics here lets them be tested
//! against known answers (scipy's, see `tests/reference.py`) without a database or a server.

pub mod personas;
pub mod stats;

pub use personas::{
    Basis, BehaviourFeatures, ClusterConfig, FEATURE_COUNT, FEATURE_NAMES, FeatureVector, Method,
    NamedCentroid, Persona, PersonaAssignment, PersonaError, PersonaModel, PersonaRun,
    UnknownPersona, assign_personas,
};
pub use stats::{
    ChiSquare, FunnelReport, SRM_ALPHA, SampleRatio, StatsError, StepCounts, StepReport,
    VariantFunnel, ZTest, chi_square_independence, completion_table, funnel, median_f64,
    median_u64, sample_ratio_mismatch, two_proportion_z_test,
};
