//! The experiment assigner plugin (`tessera:platform/assigner-plugin@0.2.0`): experiment
//! variants and feature flags, decided by `crates/assignment` (GrowthBook's algorithms and
//! seed 004's kazi-v1; see this folder's README).
//!
//! This crate only checks the WIT records (so a malformed definition is an `invalid-input`
//! naming its field, not a silent default) and maps them to the library's types and back.
//! The bindings are generated on every target, so the mapping and the whole export are unit
//! tested natively; only the `export!` of the component is wasm32-only.

use std::collections::{BTreeMap, BTreeSet};

use assignment::buckets::Namespace;
use assignment::experiment::{self as lib, Context, StickyBuckets};
use assignment::{FeatureSource as LibSource, FeaturesPayload};
use serde_json::Value;

wit_bindgen::generate!({
    path: "../../wit/0.2.0",
    world: "tessera:platform/assigner-plugin@0.2.0",
    generate_all,
});

use exports::tessera::platform::assigner::{
    Assignment, Experiment, ExperimentResult, FeatureResult, FeatureSource, Guest, HashAlgorithm,
    StickyAssignment, StickyDoc, Unit,
};
use tessera::platform::types::{Error, FieldError};

/// The component.
pub struct Assigner;

/// An `invalid-input` error naming `field`.
fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::InvalidInput(FieldError {
        field: field.into(),
        message: message.into(),
    })
}

/// A library error as the WIT's `invalid-input`, its field under `prefix` (`unit`,
/// `payload`).
fn from_lib(prefix: &str, e: assignment::Error) -> Error {
    let assignment::Error::InvalidInput { field, message } = e;
    let field = if field.is_empty() {
        prefix.to_owned()
    } else {
        format!("{prefix}.{field}")
    };
    invalid(field, message)
}

/// A share or slice bound that must lie in `[0, 1]`.
fn check_unit_interval(field: &str, x: f64) -> Result<(), Error> {
    if x.is_finite() && (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("must be a number from 0 to 1, not {x}"),
        ))
    }
}

/// Checks the WIT experiment and builds the library's.
fn experiment(e: Experiment) -> Result<lib::Experiment, Error> {
    if e.key.is_empty() {
        return Err(invalid("experiment.key", "must not be empty"));
    }
    if e.variations.is_empty() {
        return Err(invalid(
            "experiment.variations",
            "needs at least one variation",
        ));
    }
    let kazi = e.hash_algorithm == HashAlgorithm::KaziV1;
    let mut keys = BTreeSet::new();
    for (i, v) in e.variations.iter().enumerate() {
        let field = |name: &str| format!("experiment.variations[{i}].{name}");
        if v.key.is_empty() {
            return Err(invalid(field("key"), "must not be empty"));
        }
        if !keys.insert(v.key.as_str()) {
            return Err(invalid(
                field("key"),
                format!("`{}` names two variations; keys must be unique", v.key),
            ));
        }
        if kazi {
            if !(v.weight.is_finite()
                && v.weight.fract() == 0.0
                && (0.0..=100.0).contains(&v.weight))
            {
                return Err(invalid(
                    field("weight"),
                    format!(
                        "kazi-v1 weights are whole percentages 0-100, not {}",
                        v.weight
                    ),
                ));
            }
        } else if !(v.weight.is_finite() && v.weight >= 0.0) {
            return Err(invalid(
                field("weight"),
                format!("must be a share from 0 to 1, not {}", v.weight),
            ));
        }
    }
    check_unit_interval("experiment.coverage", e.coverage)?;
    if let Some(ns) = &e.namespace {
        check_unit_interval("experiment.namespace.start", ns.start)?;
        check_unit_interval("experiment.namespace.end", ns.end)?;
        if ns.start > ns.end {
            return Err(invalid(
                "experiment.namespace",
                "start must not be after end",
            ));
        }
    }
    if e.hash_attribute.is_empty() {
        return Err(invalid(
            "experiment.hash-attribute",
            "must not be empty (usually `id`)",
        ));
    }
    let condition = match &e.condition {
        Some(text) => {
            let value: Value = serde_json::from_str(text)
                .map_err(|err| invalid("experiment.condition", format!("is not JSON: {err}")))?;
            if !value.is_object() {
                return Err(invalid("experiment.condition", "must be a JSON object"));
            }
            Some(value)
        }
        None => None,
    };
    if let Some(force) = e.force
        && usize::try_from(force).map_or(true, |f| f >= e.variations.len())
    {
        return Err(invalid(
            "experiment.force",
            format!(
                "is {force}, but there are {} variations",
                e.variations.len()
            ),
        ));
    }
    let (algorithm, version) = match e.hash_algorithm {
        HashAlgorithm::GrowthbookV1 => (lib::HashAlgorithm::GrowthBook, 1),
        HashAlgorithm::GrowthbookV2 => (lib::HashAlgorithm::GrowthBook, 2),
        HashAlgorithm::KaziV1 => (lib::HashAlgorithm::KaziV1, 1),
    };
    Ok(lib::Experiment {
        variations: e
            .variations
            .iter()
            .map(|v| Value::String(v.key.clone()))
            .collect(),
        weights: Some(e.variations.iter().map(|v| v.weight).collect()),
        meta: Some(
            e.variations
                .iter()
                .map(|v| lib::VariationMeta {
                    key: Some(v.key.clone()),
                    ..lib::VariationMeta::default()
                })
                .collect(),
        ),
        key: e.key,
        active: e.active,
        coverage: Some(e.coverage),
        condition,
        namespace: e
            .namespace
            .map(|ns| Namespace::new(ns.id, ns.start, ns.end)),
        force: e.force.map(i64::from),
        hash_attribute: Some(e.hash_attribute),
        fallback_attribute: e.fallback_attribute.filter(|f| !f.is_empty()),
        hash_version: Some(version),
        hash_algorithm: algorithm,
        seed: e.seed.filter(|s| !s.is_empty()),
        bucket_version: Some(e.bucket_version),
        min_bucket_version: Some(e.min_bucket_version),
        ..lib::Experiment::default()
    })
}

/// Checks the WIT unit and builds the library's context.
fn context(unit: Unit) -> Result<Context, Error> {
    let attributes: Value = serde_json::from_str(&unit.attributes)
        .map_err(|err| invalid("unit.attributes", format!("is not JSON: {err}")))?;
    let mut ctx = Context::new(attributes).map_err(|e| from_lib("unit", e))?;
    ctx.forced_variations = unit
        .forced_variations
        .into_iter()
        .map(|f| (f.experiment_key, i64::from(f.variation)))
        .collect();
    ctx.sticky = unit.sticky_docs.map(|docs| {
        StickyBuckets::new(docs.into_iter().map(|d| {
            lib::StickyDoc {
                attribute_name: d.attribute_name,
                attribute_value: d.attribute_value,
                assignments: d
                    .assignments
                    .into_iter()
                    .map(|a| (a.experiment_key, a.variation_key))
                    .collect::<BTreeMap<_, _>>(),
            }
        }))
    });
    Ok(ctx)
}

/// The library's result as the WIT's.
fn result(r: lib::ExperimentResult) -> ExperimentResult {
    ExperimentResult {
        in_experiment: r.in_experiment,
        variation_id: u32::try_from(r.variation_id).unwrap_or(u32::MAX),
        key: r.key,
        value: r.value.to_string(),
        hash_attribute: r.hash_attribute,
        hash_value: r.hash_value,
        hash_used: r.hash_used,
        bucket: r.bucket,
        sticky_bucket_used: r.sticky_bucket_used,
        feature_id: r.feature_id,
    }
}

/// The sticky documents `ctx`'s evaluation changed, to save.
fn changed_docs(ctx: &Context) -> Vec<StickyDoc> {
    ctx.sticky
        .as_ref()
        .map(StickyBuckets::changed)
        .unwrap_or_default()
        .into_iter()
        .map(|d| StickyDoc {
            attribute_name: d.attribute_name,
            attribute_value: d.attribute_value,
            assignments: d
                .assignments
                .into_iter()
                .map(|(experiment_key, variation_key)| StickyAssignment {
                    experiment_key,
                    variation_key,
                })
                .collect(),
        })
        .collect()
}

/// The library's feature source as the WIT's.
fn source(s: LibSource) -> FeatureSource {
    match s {
        LibSource::UnknownFeature => FeatureSource::UnknownFeature,
        LibSource::DefaultValue => FeatureSource::DefaultValue,
        LibSource::Force => FeatureSource::Force,
        LibSource::Experiment => FeatureSource::Experiment,
        LibSource::Prerequisite => FeatureSource::Prerequisite,
        LibSource::CyclicPrerequisite => FeatureSource::CyclicPrerequisite,
    }
}

impl Guest for Assigner {
    fn assign(experiment_def: Experiment, unit: Unit) -> Result<Assignment, Error> {
        let exp = experiment(experiment_def)?;
        let mut ctx = context(unit)?;
        let r = lib::run_experiment(&exp, &mut ctx, None);
        Ok(Assignment {
            result: result(r),
            save_sticky_docs: changed_docs(&ctx),
        })
    }

    fn evaluate_feature(payload: String, key: String, unit: Unit) -> Result<FeatureResult, Error> {
        let payload = FeaturesPayload::parse(&payload).map_err(|e| from_lib("payload", e))?;
        let mut ctx = context(unit)?;
        let r = assignment::eval_feature(&payload, &key, &mut ctx);
        Ok(FeatureResult {
            value: r.value.to_string(),
            on: r.on,
            off: r.off,
            source: source(r.source),
            rule_id: r.rule_id,
            experiment_key: r.experiment.map(|e| e.key),
            experiment_result: r.experiment_result.map(result),
            save_sticky_docs: changed_docs(&ctx),
        })
    }
}

#[cfg(target_arch = "wasm32")]
export!(Assigner);

#[cfg(test)]
mod tests;
