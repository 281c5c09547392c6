//! The assigner (WIT `tessera:platform/assigner`, contract 0.2.0), as the host's own types:
//! GrowthBook's experiment and feature semantics plus seed 004's `kazi-v1`. The WIT's doc
//! comments (`wit/0.2.0/assigner.wit`) are the reference for each field.

use serde::{Deserialize, Serialize};

/// How a unit's hash value becomes a variation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashAlgorithm {
    /// GrowthBook hash version 1.
    GrowthbookV1,
    /// GrowthBook hash version 2.
    GrowthbookV2,
    /// Seed 004 §4.1: `xxh32(unit, 0) % 100` over cumulative integer weights.
    KaziV1,
}

impl HashAlgorithm {
    /// The algorithm named as experiments store it (`kazi-v1`, `growthbook-v1`, …).
    pub fn parse(name: &str) -> Option<HashAlgorithm> {
        match name {
            "growthbook-v1" => Some(HashAlgorithm::GrowthbookV1),
            "growthbook-v2" => Some(HashAlgorithm::GrowthbookV2),
            "kazi-v1" => Some(HashAlgorithm::KaziV1),
            _ => None,
        }
    }
}

/// One variation and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variation {
    /// Its key.
    pub key: String,
    /// Its weight.
    pub weight: f64,
}

/// A namespace range (mutually exclusive experiments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamespaceRange {
    /// The namespace.
    pub id: String,
    /// Start of the range, 0-1.
    pub start: f64,
    /// End of the range, 0-1.
    pub end: f64,
}

/// An experiment definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// Its key.
    pub key: String,
    /// Its variations.
    pub variations: Vec<Variation>,
    /// The hash seed (default: the key).
    pub seed: Option<String>,
    /// The algorithm.
    pub hash_algorithm: HashAlgorithm,
    /// Share of units enrolled, 0-1.
    pub coverage: f64,
    /// Its namespace range.
    pub namespace: Option<NamespaceRange>,
    /// The attribute hashed (e.g. `id`).
    pub hash_attribute: String,
    /// The attribute hashed when the first is empty.
    pub fallback_attribute: Option<String>,
    /// A targeting condition (GrowthBook's condition language, JSON).
    pub condition: Option<String>,
    /// A variation forced for everyone.
    pub force: Option<u32>,
    /// Whether it assigns at all.
    pub active: bool,
    /// Sticky-bucketing version.
    pub bucket_version: u32,
    /// Sticky assignments below this version are ignored.
    pub min_bucket_version: u32,
}

impl Experiment {
    /// A running experiment `key` over variations `a` and `b` with these weights, hashed
    /// by the unit's `id`, everyone covered (the smoke call's and the benchmark's).
    pub fn two_way(key: &str, algorithm: HashAlgorithm, weights: [f64; 2]) -> Experiment {
        Experiment {
            key: key.into(),
            variations: ["a", "b"]
                .iter()
                .zip(weights)
                .map(|(k, weight)| Variation {
                    key: (*k).into(),
                    weight,
                })
                .collect(),
            seed: Some(key.into()),
            hash_algorithm: algorithm,
            coverage: 1.0,
            namespace: None,
            hash_attribute: "id".into(),
            fallback_attribute: None,
            condition: None,
            force: None,
            active: true,
            bucket_version: 0,
            min_bucket_version: 0,
        }
    }
}

/// A variation forced for one experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForcedVariation {
    /// The experiment.
    pub experiment_key: String,
    /// The variation's index.
    pub variation: u32,
}

/// One sticky assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StickyAssignment {
    /// `experimentKey__bucketVersion`.
    pub experiment_key: String,
    /// The variation's key.
    pub variation_key: String,
}

/// The sticky assignments of one attribute value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StickyDoc {
    /// The attribute, e.g. `id`.
    pub attribute_name: String,
    /// Its value.
    pub attribute_value: String,
    /// Its assignments.
    pub assignments: Vec<StickyAssignment>,
}

/// Who is being assigned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignUnit {
    /// The unit's attributes, a JSON object.
    pub attributes: String,
    /// Variations forced for this unit.
    pub forced_variations: Vec<ForcedVariation>,
    /// Sticky assignments; `None` turns sticky bucketing off.
    pub sticky_docs: Option<Vec<StickyDoc>>,
}

/// What running an experiment for a unit gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentResult {
    /// Whether the unit is in the experiment.
    pub in_experiment: bool,
    /// The variation's index.
    pub variation_id: u32,
    /// The variation's key.
    pub key: String,
    /// The variation's value, JSON.
    pub value: String,
    /// The attribute hashed.
    pub hash_attribute: String,
    /// Its value.
    pub hash_value: String,
    /// Whether the hash decided.
    pub hash_used: bool,
    /// The unit's bucket, 0-1.
    pub bucket: Option<f64>,
    /// Whether a sticky assignment decided.
    pub sticky_bucket_used: bool,
    /// The feature that ran it, if any.
    pub feature_id: Option<String>,
}

/// An assignment with the sticky documents to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The result.
    pub result: ExperimentResult,
    /// Sticky documents that changed.
    pub save_sticky_docs: Vec<StickyDoc>,
}

/// Where a feature's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FeatureSource {
    /// The payload does not define it.
    UnknownFeature,
    /// No rule matched.
    DefaultValue,
    /// A force (or rollout) rule.
    Force,
    /// An experiment rule.
    Experiment,
    /// A prerequisite failed.
    Prerequisite,
    /// Prerequisites form a cycle.
    CyclicPrerequisite,
}

/// A feature's value for a unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureResult {
    /// The value, JSON.
    pub value: String,
    /// Whether the value is truthy.
    pub on: bool,
    /// Whether it is falsy.
    pub off: bool,
    /// Where it came from.
    pub source: FeatureSource,
    /// The rule that decided (empty for none).
    pub rule_id: String,
    /// The experiment that decided, if any.
    pub experiment_key: Option<String>,
    /// Its result.
    pub experiment_result: Option<ExperimentResult>,
    /// Sticky documents that changed.
    pub save_sticky_docs: Vec<StickyDoc>,
}
