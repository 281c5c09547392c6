//! Seed 004 §5's persona clustering: every night the host hands over each user's
//! [`BehaviourFeatures`]; [`assign_personas`] maps them to 32 bounded dimensions, clusters
//! them with k-means (k = 4), names each cluster from its centroid (seed 004 §5.2's table,
//! each name once) and gives every user a persona and a confidence, which the host stores
//! in `user_personas` and serves from `GET /_internal/persona/:userId`.
//!
//! - A user with no data at all gets `newbie` with confidence 1 (seed 004), and is left out
//!   of the clustering.
//! - With fewer than 4 distinct users (after the transform) there is nothing to cluster
//!   into 4: each user is named by the heuristics alone ([`Method::Heuristic`]).
//! - The returned [`PersonaModel`] classifies a user who signed up after the run against
//!   the same centroids, so the persona service need not wait for the next night.

pub mod features;
mod kmeans;
pub mod naming;

use serde::{Deserialize, Serialize};

pub use features::{
    AI_POWER_CALLS_PER_DAY, BehaviourFeatures, FEATURE_COUNT, FEATURE_NAMES, FeatureVector, dim,
};
pub use naming::{Persona, UnknownPersona};

/// The k-means settings. The defaults are what the nightly run uses; they are fields so a
/// test or an operator investigating a run can reproduce or vary it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterConfig {
    /// Seed of the random number generator behind k-means++ initialisation: a fixed seed
    /// makes the same users give the same clusters, so personas do not flicker between
    /// nights for no reason.
    pub seed: u64,
    /// Iterations per run at most (at least 1).
    pub max_iterations: u64,
    /// A run stops once its centroids move less than this between iterations (positive).
    pub tolerance: f64,
    /// Independent k-means++ starts, of which the lowest inertia wins (at least 1): k-means
    /// finds a local optimum, and a few restarts make a poor one unlikely.
    pub n_runs: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            seed: 0x5EED_0004,
            max_iterations: 300,
            tolerance: 1e-6,
            n_runs: 10,
        }
    }
}

/// Why a persona run failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PersonaError {
    /// A [`ClusterConfig`] field is out of range.
    #[error("cluster config: {field} {reason}")]
    InvalidConfig {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// linfa reported an error, or returned centroids that are not usable (not expected
    /// with a valid config; an error rather than a panic so the nightly job reports it).
    #[error("k-means: {0}")]
    Clustering(String),
}

/// How a run decided its personas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// k-means with k = 4 and centroids named by the heuristics.
    KMeans,
    /// Fewer than 4 distinct users with data: each named by the heuristics alone.
    Heuristic,
}

/// How one user's persona was decided, so a low confidence can be told apart from a
/// default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The user has no data: `newbie` by default, confidence 1.
    NoData,
    /// Named by the heuristics from the user's own vector.
    Heuristic,
    /// The nearest named centroid.
    Cluster,
}

/// One user's persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaAssignment {
    /// The persona (`user_personas.persona`).
    pub persona: Persona,
    /// How sure the assignment is, `0..=1` (`user_personas.confidence`, seed 004 §2.4's
    /// `confidence`). For [`Basis::Cluster`] it is `1 - d_own / d_second`, with `d_own` the
    /// Euclidean distance to the user's centroid and `d_second` to the next nearest: 1 on
    /// the centroid, 0 halfway between two (where the persona is a coin toss), and
    /// independent of how spread out the data is. For [`Basis::Heuristic`] it is the
    /// margin of the best persona's score over the runner-up's (both `0..=1`). For
    /// [`Basis::NoData`] it is 1: seed 004 makes `newbie` the rule there.
    pub confidence: f64,
    /// How the persona was decided.
    pub basis: Basis,
    /// The user's 32-dimensional vector (`user_personas.embedding`, a pgvector
    /// `vector(32)`; store it as f32).
    pub embedding: FeatureVector,
}

/// A cluster's centre and the persona it was named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedCentroid {
    /// The name the heuristics gave it.
    pub persona: Persona,
    /// The centre, in the order of [`FEATURE_NAMES`]: what the persona looks like in this
    /// run's data, worth showing next to the name.
    pub centroid: FeatureVector,
    /// Users of the run (with data) nearest to it.
    pub size: usize,
}

/// What a run learned, enough to classify more users the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaModel {
    /// How the run decided.
    pub method: Method,
    /// The four named centroids in [`Persona::ALL`]'s order for [`Method::KMeans`]; empty
    /// for [`Method::Heuristic`].
    pub centroids: Vec<NamedCentroid>,
}

impl PersonaModel {
    /// A model without centroids, naming every user by the heuristics: what the persona
    /// service uses before the first nightly run.
    #[must_use]
    pub fn heuristic() -> Self {
        Self {
            method: Method::Heuristic,
            centroids: Vec::new(),
        }
    }

    /// The persona of one user under this model: `newbie` (confidence 1) without data, the
    /// nearest centroid's persona for a k-means model, the heuristics' choice otherwise.
    #[must_use]
    pub fn classify(&self, features: &BehaviourFeatures) -> PersonaAssignment {
        let embedding = features.to_vector();
        if features.has_no_data() {
            return PersonaAssignment {
                persona: Persona::Newbie,
                confidence: 1.0,
                basis: Basis::NoData,
                embedding,
            };
        }
        if let Some((persona, confidence)) = nearest(&self.centroids, &embedding) {
            return PersonaAssignment {
                persona,
                confidence,
                basis: Basis::Cluster,
                embedding,
            };
        }
        let (persona, confidence) = naming::best_persona(&embedding);
        PersonaAssignment {
            persona,
            confidence,
            basis: Basis::Heuristic,
            embedding,
        }
    }
}

/// The outcome of [`assign_personas`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaRun {
    /// One per user, in the order the users were given.
    pub assignments: Vec<PersonaAssignment>,
    /// The model behind them, to store for classifying users who arrive before the next
    /// run ([`PersonaModel::classify`]).
    pub model: PersonaModel,
}

/// The nightly persona run (seed 004 §5.1): features to vectors, k-means with k = 4 (or
/// the heuristics alone for fewer than 4 distinct users with data), centroids named with
/// each persona used once, and a persona and confidence per user. Deterministic: the same
/// users and config give the same result.
///
/// # Errors
/// [`PersonaError::InvalidConfig`] for a config out of range, and
/// [`PersonaError::Clustering`] if linfa fails (not expected for a valid config).
pub fn assign_personas(
    users: &[BehaviourFeatures],
    config: &ClusterConfig,
) -> Result<PersonaRun, PersonaError> {
    validate(config)?;
    let with_data: Vec<FeatureVector> = users
        .iter()
        .filter(|u| !u.has_no_data())
        .map(BehaviourFeatures::to_vector)
        .collect();
    let model = if distinct(&with_data) < kmeans::K {
        PersonaModel::heuristic()
    } else {
        let centroids = kmeans::fit(&with_data, config)?;
        let names = naming::name_centroids(&centroids);
        let mut named: Vec<NamedCentroid> = names
            .into_iter()
            .zip(centroids)
            .map(|(persona, centroid)| NamedCentroid {
                persona,
                centroid,
                size: 0,
            })
            .collect();
        named.sort_by_key(|c| c.persona);
        for vector in &with_data {
            if let Some(index) = nearest_index(&named, vector)
                && let Some(centroid) = named.get_mut(index)
            {
                centroid.size += 1;
            }
        }
        PersonaModel {
            method: Method::KMeans,
            centroids: named,
        }
    };
    let assignments = users.iter().map(|u| model.classify(u)).collect();
    Ok(PersonaRun { assignments, model })
}

/// Rejects a config linfa would reject, with the field named.
fn validate(config: &ClusterConfig) -> Result<(), PersonaError> {
    if config.max_iterations == 0 {
        return Err(PersonaError::InvalidConfig {
            field: "max_iterations",
            reason: "must be at least 1",
        });
    }
    if config.n_runs == 0 {
        return Err(PersonaError::InvalidConfig {
            field: "n_runs",
            reason: "must be at least 1",
        });
    }
    if !(config.tolerance.is_finite() && config.tolerance > 0.0) {
        return Err(PersonaError::InvalidConfig {
            field: "tolerance",
            reason: "must be finite and positive",
        });
    }
    Ok(())
}

/// How many different vectors there are (bit for bit: the transforms are deterministic, so
/// identical users give identical vectors).
fn distinct(vectors: &[FeatureVector]) -> usize {
    let mut keys: Vec<[u64; FEATURE_COUNT]> = vectors.iter().map(|v| v.map(f64::to_bits)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.len()
}

/// Euclidean distance.
fn distance(a: &FeatureVector, b: &FeatureVector) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Index of the nearest centroid (the first on a tie), `None` without centroids.
fn nearest_index(centroids: &[NamedCentroid], vector: &FeatureVector) -> Option<usize> {
    centroids
        .iter()
        .enumerate()
        .map(|(i, c)| (i, distance(&c.centroid, vector)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// The nearest centroid's persona and the confidence `1 - d_own / d_second` (see
/// [`PersonaAssignment::confidence`]); `None` without centroids.
fn nearest(centroids: &[NamedCentroid], vector: &FeatureVector) -> Option<(Persona, f64)> {
    let mut by_distance: Vec<(Persona, f64)> = centroids
        .iter()
        .map(|c| (c.persona, distance(&c.centroid, vector)))
        .collect();
    by_distance.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (persona, own) = *by_distance.first()?;
    let confidence = match by_distance.get(1) {
        None => 1.0,
        Some(&(_, second)) if second > 0.0 => (1.0 - own / second).clamp(0.0, 1.0),
        // Two centroids at the user's very position: no way to prefer one.
        Some(_) => 0.0,
    };
    Some((persona, confidence))
}
