//! The assigner world's generated types (served from 0.2.0) ⇄ the host's own.

use crate::plugins::contract::assigner as host;
use crate::runtime::bindings::convert::{enumeration, record};

use super::assigner_world::assigner as wit;

enumeration!(wit::HashAlgorithm => host::HashAlgorithm { GrowthbookV1, GrowthbookV2, KaziV1 });
record!(wit::Variation => host::Variation { key, weight });
record!(wit::NamespaceRange => host::NamespaceRange { id, start, end });
record!(wit::Experiment => host::Experiment { key, variations, seed, hash_algorithm, coverage,
    namespace, hash_attribute, fallback_attribute, condition, force, active, bucket_version,
    min_bucket_version });
record!(wit::ForcedVariation => host::ForcedVariation { experiment_key, variation });
record!(wit::StickyAssignment => host::StickyAssignment { experiment_key, variation_key });
record!(wit::StickyDoc => host::StickyDoc { attribute_name, attribute_value, assignments });
record!(wit::Unit => host::AssignUnit { attributes, forced_variations, sticky_docs });
record!(wit::ExperimentResult => host::ExperimentResult { in_experiment, variation_id, key,
    value, hash_attribute, hash_value, hash_used, bucket, sticky_bucket_used, feature_id });
record!(wit::Assignment => host::Assignment { result, save_sticky_docs });
enumeration!(wit::FeatureSource => host::FeatureSource { UnknownFeature, DefaultValue, Force,
    Experiment, Prerequisite, CyclicPrerequisite });
record!(wit::FeatureResult => host::FeatureResult { value, on, off, source, rule_id,
    experiment_key, experiment_result, save_sticky_docs });
