//! Running one experiment for one unit, as GrowthBook's `run` (the SDKs' `_run`): forced
//! variations, activity, the hash attribute (with its fallback), sticky bucketing, filters or
//! namespace, the targeting condition, coverage and weights, and a forced variation.
//!
//! The order of the steps is GrowthBook's, and it matters: a unit with a sticky bucket skips
//! the namespace and condition checks (it keeps its variant after targeting changes), while a
//! bucket version below `minBucketVersion` takes the unit out even though it was bucketed.
//!
//! An experiment with [`HashAlgorithm::KaziV1`] runs the same steps but places the unit with
//! seed 004's scheme ([`crate::kazi`]): the bucket is `xxh32(hash value) % 100` and the
//! variation comes from walking the integer `weights` (whole percent); `coverage`, `ranges`,
//! `seed` and `hashVersion` do not apply to it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::buckets::{self, BucketRange, Namespace};
use crate::condition::eval_condition;
use crate::error::Error;
use crate::{hash, js, kazi};

/// How an experiment turns a unit's hash value into a variation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashAlgorithm {
    /// GrowthBook's FNV-1a hash (version from `hashVersion`, 1 by default) over bucket
    /// ranges built from `weights` and `coverage`. Compatible with every GrowthBook SDK.
    #[default]
    #[serde(rename = "growthbook")]
    GrowthBook,
    /// Seed 004's `xxh32(id) % 100` walked over integer weights (whole percent), so units
    /// assigned by the original tutorial service keep their variants.
    KaziV1,
}

/// Per-variation metadata. Its `key` names the variation in results and sticky buckets,
/// which is why sticky bucketing needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VariationMeta {
    /// Stable key of the variation (`control`, `short`); results report the index as text
    /// without one.
    pub key: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// A passthrough variation takes the unit out of a feature rule without assigning it.
    pub passthrough: Option<bool>,
}

/// A hash-range filter (GrowthBook's generalisation of namespaces): the unit must fall in
/// one of `ranges` of a hash with `seed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// Hash seed; empty by default.
    #[serde(default)]
    pub seed: String,
    /// The slices of `[0, 1)` that pass.
    pub ranges: Vec<BucketRange>,
    /// Hash version; 2 when absent (unlike experiments, whose default is 1).
    #[serde(default)]
    pub hash_version: Option<u32>,
    /// The attribute hashed; `id` when absent.
    #[serde(default)]
    pub attribute: Option<String>,
}

/// An experiment, in GrowthBook's shape (`camelCase` JSON, every field but `key` and
/// `variations` optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Experiment {
    /// The experiment's key: the hash seed unless `seed` is set, the key of forced
    /// variations and of sticky buckets.
    pub key: String,
    /// The variations' values; fewer than two means nobody is in the experiment.
    pub variations: Vec<Value>,
    /// Share of each variation (summing to 1); equal when absent or unusable. Whole
    /// percentages for [`HashAlgorithm::KaziV1`].
    pub weights: Option<Vec<f64>>,
    /// An inactive experiment assigns nobody (forced variations still apply, as in
    /// GrowthBook).
    pub active: bool,
    /// Share of units included, 0 to 1 (1 when absent); ignored by kazi-v1.
    pub coverage: Option<f64>,
    /// Targeting condition over the unit's attributes (see [`crate::condition`]).
    pub condition: Option<Value>,
    /// Namespace slice the unit must fall in.
    pub namespace: Option<Namespace>,
    /// Variation index everyone included gets (a rollout of one variation).
    pub force: Option<i64>,
    /// The attribute whose value is hashed; `id` when absent.
    pub hash_attribute: Option<String>,
    /// Attribute hashed when `hash_attribute` has no value (an anonymous id before login);
    /// used only while sticky bucketing is on, as in GrowthBook.
    pub fallback_attribute: Option<String>,
    /// GrowthBook hash version (1 or 2; 1 when absent); another version includes nobody.
    pub hash_version: Option<u32>,
    /// GrowthBook's hash (the default) or seed 004's kazi-v1.
    pub hash_algorithm: HashAlgorithm,
    /// Explicit bucket ranges, overriding `weights` and `coverage`.
    pub ranges: Option<Vec<BucketRange>>,
    /// Per-variation metadata (keys, names, passthrough).
    pub meta: Option<Vec<VariationMeta>>,
    /// Hash-range filters; when present they replace the namespace check.
    pub filters: Option<Vec<Filter>>,
    /// Hash seed; the key when absent or empty.
    pub seed: Option<String>,
    /// Never read or write sticky buckets for this experiment.
    pub disable_sticky_bucketing: bool,
    /// Sticky bucket version: raising it re-buckets everyone.
    pub bucket_version: Option<u32>,
    /// Units whose sticky bucket is of an older version are excluded from the experiment.
    pub min_bucket_version: Option<u32>,
}

impl Default for Experiment {
    fn default() -> Self {
        Experiment {
            key: String::new(),
            variations: Vec::new(),
            weights: None,
            active: true,
            coverage: None,
            condition: None,
            namespace: None,
            force: None,
            hash_attribute: None,
            fallback_attribute: None,
            hash_version: None,
            hash_algorithm: HashAlgorithm::GrowthBook,
            ranges: None,
            meta: None,
            filters: None,
            seed: None,
            disable_sticky_bucketing: false,
            bucket_version: None,
            min_bucket_version: None,
        }
    }
}

/// One sticky-bucket document: the variations a unit (identified by one attribute's value)
/// was assigned, so it keeps them when weights, coverage or targeting change.
///
/// GrowthBook's shape: stored under `attributeName||attributeValue`; `assignments` maps
/// `experimentKey__bucketVersion` to the variation's key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StickyDoc {
    /// The identifying attribute, e.g. `id` or `deviceId`.
    pub attribute_name: String,
    /// Its value, as hashed (numbers printed as JavaScript prints them).
    pub attribute_value: String,
    /// `experimentKey__bucketVersion` → variation key.
    #[serde(default)]
    pub assignments: BTreeMap<String, String>,
}

impl StickyDoc {
    /// The document's storage key, `attributeName||attributeValue`.
    #[must_use]
    pub fn key(&self) -> String {
        sticky_doc_key(&self.attribute_name, &self.attribute_value)
    }
}

/// `attributeName||attributeValue`, the key a sticky-bucket document is stored under.
#[must_use]
pub fn sticky_doc_key(attribute_name: &str, attribute_value: &str) -> String {
    format!("{attribute_name}||{attribute_value}")
}

/// `experimentKey__bucketVersion`, the key of one assignment inside a sticky document.
#[must_use]
pub fn sticky_experiment_key(experiment_key: &str, bucket_version: u32) -> String {
    format!("{experiment_key}__{bucket_version}")
}

/// Sticky bucketing for one evaluation: the unit's documents as loaded, and which of them
/// the evaluation changed (the caller saves those).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StickyBuckets {
    /// Documents by storage key.
    docs: BTreeMap<String, StickyDoc>,
    /// Keys of the documents changed since loading.
    changed: BTreeSet<String>,
}

impl StickyBuckets {
    /// Sticky bucketing over the unit's stored documents (possibly none yet).
    pub fn new(docs: impl IntoIterator<Item = StickyDoc>) -> Self {
        StickyBuckets {
            docs: docs.into_iter().map(|d| (d.key(), d)).collect(),
            changed: BTreeSet::new(),
        }
    }

    /// The document stored under `key` (`attributeName||attributeValue`).
    #[must_use]
    pub fn doc(&self, key: &str) -> Option<&StickyDoc> {
        self.docs.get(key)
    }

    /// The documents this evaluation changed, which the caller must save (whole documents:
    /// they replace the stored ones).
    #[must_use]
    pub fn changed(&self) -> Vec<StickyDoc> {
        self.changed
            .iter()
            .filter_map(|k| self.docs.get(k).cloned())
            .collect()
    }

    /// `attr||value`'s assignments, then the fallback's where the first has none for a key.
    fn assignments(&self, primary: &str, fallback: Option<&str>) -> BTreeMap<String, String> {
        let mut merged = self
            .docs
            .get(primary)
            .map(|d| d.assignments.clone())
            .unwrap_or_default();
        if let Some(doc) = fallback.and_then(|k| self.docs.get(k)) {
            for (k, v) in &doc.assignments {
                merged.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        merged
    }

    /// Records `assignment` in the document of `name||value`, marking it changed if it was
    /// not already there.
    fn save(&mut self, name: &str, value: &str, exp_key: String, variation_key: String) {
        let key = sticky_doc_key(name, value);
        let doc = self.docs.entry(key.clone()).or_insert_with(|| StickyDoc {
            attribute_name: name.to_owned(),
            attribute_value: value.to_owned(),
            assignments: BTreeMap::new(),
        });
        if doc.assignments.get(&exp_key) != Some(&variation_key) {
            doc.assignments.insert(exp_key, variation_key);
            self.changed.insert(key);
        }
    }
}

/// Who an experiment is run for: the unit's attributes, variations forced for it (QA,
/// previews), and its sticky buckets when sticky bucketing is on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Context {
    /// The unit's attributes, a JSON object (`{"id": "u1", "country": "DE"}`).
    pub attributes: Value,
    /// Experiment key → variation index to force. An index out of range takes the unit out
    /// of the experiment.
    pub forced_variations: BTreeMap<String, i64>,
    /// `Some` turns sticky bucketing on (GrowthBook's "a sticky bucket service is set"):
    /// stored assignments are honoured, new ones recorded, and `fallback_attribute` used.
    pub sticky: Option<StickyBuckets>,
}

impl Context {
    /// A context over `attributes`, which must be a JSON object.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `attributes` when they are not an object.
    pub fn new(attributes: Value) -> Result<Self, Error> {
        if !attributes.is_object() {
            return Err(Error::invalid(
                "attributes",
                "must be a JSON object of attribute names to values",
            ));
        }
        Ok(Context {
            attributes,
            ..Context::default()
        })
    }

    /// The top-level attribute `name` (hash attributes are never dotted paths in
    /// GrowthBook's Python SDK, which the vectors follow).
    fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.as_object().and_then(|m| m.get(name))
    }

    /// GrowthBook's `_getOrigHashValue`: the attribute used and its raw value, trying
    /// `fallback` when `attr` (default `id`) has no hashable value.
    fn orig_hash_value(
        &self,
        attr: Option<&str>,
        fallback: Option<&str>,
    ) -> (String, Option<&Value>) {
        let attr = attr.unwrap_or("id");
        if let Some(v) = self.attribute(attr).filter(|v| hashable(v)) {
            return (attr.to_owned(), Some(v));
        }
        if let Some(fb) = fallback
            && let Some(v) = self.attribute(fb).filter(|v| hashable(v))
        {
            return (fb.to_owned(), Some(v));
        }
        (attr.to_owned(), None)
    }

    /// The attribute used and its value as hashed (`""` when there is none).
    fn hash_value(&self, attr: Option<&str>, fallback: Option<&str>) -> (String, String) {
        let (name, value) = self.orig_hash_value(attr, fallback);
        (name, value.map(hash_string).unwrap_or_default())
    }
}

/// The unit's value of `attr` (default `id`), or of `fallback` when it has none, as hashed;
/// empty when neither has a hashable value. Force rules' rollouts hash it.
pub(crate) fn hash_value_for(ctx: &Context, attr: Option<&str>, fallback: Option<&str>) -> String {
    ctx.hash_value(attr, fallback).1
}

/// Whether an attribute value can identify a unit: a non-empty string or a finite, non-zero
/// number (never a boolean), as GrowthBook's `isHashable`.
fn hashable(value: &Value) -> bool {
    match value {
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0 && x.is_finite()),
        _ => false,
    }
}

/// A hashable value as the text hashed: strings as they are, numbers as JavaScript prints
/// them.
fn hash_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => js::number_to_string(n.as_f64().unwrap_or(0.0)),
        _ => String::new(),
    }
}

/// Python truthiness of an optional JSON value (`None`, `null`, `{}`, `[]`, `""`, `0`,
/// `false` are absent): how the SDK decides whether a condition is set at all.
pub(crate) fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        other => js::truthy(other),
    })
}

/// The outcome of running an experiment for a unit, GrowthBook's `Result`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentResult {
    /// Whether the unit is in the experiment (else it sees variation 0 and is not counted).
    pub in_experiment: bool,
    /// The variation's index (0 when not in the experiment).
    pub variation_id: usize,
    /// The variation's value (`null` when there are no variations).
    pub value: Value,
    /// Whether the hash decided the variation (false when forced, excluded, or not in).
    pub hash_used: bool,
    /// The attribute hashed (the fallback when it was used).
    pub hash_attribute: String,
    /// Its value as hashed; empty when the unit has none.
    pub hash_value: String,
    /// The variation's key from `meta`, else its index as text.
    pub key: String,
    /// The variation's display name, when `meta` gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the variation is a passthrough (a feature rule then moves on).
    pub passthrough: bool,
    /// Where the unit fell in `[0, 1)` (kazi-v1: its bucket 0-99 divided by 100), when
    /// hashed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<f64>,
    /// Whether a stored sticky bucket decided the variation (or blocked the unit).
    pub sticky_bucket_used: bool,
    /// The feature whose rule ran the experiment, if any.
    pub feature_id: Option<String>,
}

/// Kazi-v1 weights as whole percentages: each weight rounded and clamped to `0..=100`;
/// equal shares of 100 (rounded down) when absent or of the wrong length.
#[must_use]
pub fn kazi_weights(weights: Option<&[f64]>, num_variations: usize) -> Vec<u32> {
    match weights {
        Some(w) if w.len() == num_variations => w
            .iter()
            .map(|x| {
                if x.is_finite() {
                    // Clamped to 0..=100 first, so the cast is exact.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let p = x.round().clamp(0.0, 100.0) as u32;
                    p
                } else {
                    0
                }
            })
            .collect(),
        _ => {
            let n = u32::try_from(num_variations).unwrap_or(u32::MAX).max(1);
            vec![100 / n; num_variations]
        }
    }
}

/// How a stored sticky bucket bears on this run.
enum Sticky {
    /// No stored assignment (or sticky bucketing is off).
    None,
    /// The stored variation's index.
    Found(usize),
    /// The unit holds an assignment of a bucket version below `minBucketVersion`.
    Blocked,
}

/// Runs `experiment` for the unit in `ctx`, as GrowthBook's `run`; `feature_id` names the
/// feature whose rule runs it. With sticky bucketing on, a new assignment is recorded in
/// `ctx.sticky` (see [`StickyBuckets::changed`]).
///
/// Never fails: anything that keeps the unit out (missing hash attribute, unknown hash
/// version, targeting) is a result with `in_experiment == false`, as in the SDKs.
pub fn run_experiment(
    experiment: &Experiment,
    ctx: &mut Context,
    feature_id: Option<&str>,
) -> ExperimentResult {
    let exp = experiment;
    let sticky_on = ctx.sticky.is_some() && !exp.disable_sticky_bucketing;
    let fallback = if sticky_on {
        exp.fallback_attribute.as_deref()
    } else {
        None
    };
    let out = |ctx: &Context| result(exp, ctx, fallback, None, false, feature_id, None, false);

    // 1. Fewer than two variations: nothing to assign.
    if exp.variations.len() < 2 {
        return out(ctx);
    }
    // 4. A variation forced for this unit.
    if let Some(forced) = ctx.forced_variations.get(&exp.key) {
        return result(
            exp,
            ctx,
            fallback,
            Some(*forced),
            false,
            feature_id,
            None,
            false,
        );
    }
    // 5. Inactive.
    if !exp.active {
        return out(ctx);
    }
    // 6. The unit's hash value.
    let (hash_attribute, hash_value) = ctx.hash_value(exp.hash_attribute.as_deref(), fallback);
    if hash_value.is_empty() {
        return out(ctx);
    }
    // 7. A sticky bucket.
    let sticky = if sticky_on {
        sticky_variation(exp, ctx)
    } else {
        Sticky::None
    };
    let found = match sticky {
        Sticky::Found(i) => Some(i),
        _ => None,
    };
    // 8. Filters or namespace, then the condition: skipped for a unit with a sticky bucket.
    if found.is_none() {
        if let Some(filters) = exp.filters.as_deref().filter(|f| !f.is_empty()) {
            if filtered_out(filters, ctx) {
                return out(ctx);
            }
        } else if let Some(ns) = &exp.namespace
            && !buckets::in_namespace(&hash_value, ns)
        {
            return out(ctx);
        }
        if let Some(condition) = present(exp.condition.as_ref())
            && !eval_condition(&ctx.attributes, condition)
        {
            return out(ctx);
        }
    }
    // 9. Hash, and the variation unless the sticky bucket decided it.
    let n = match exp.hash_algorithm {
        HashAlgorithm::GrowthBook => {
            let seed = exp
                .seed
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or(&exp.key);
            hash::hash(
                seed,
                &hash_value,
                exp.hash_version.filter(|v| *v != 0).unwrap_or(1),
            )
        }
        HashAlgorithm::KaziV1 => Some(f64::from(kazi::bucket(&hash_value)) / 100.0),
    };
    let Some(n) = n else {
        return out(ctx);
    };
    let assigned = match found {
        Some(i) => Some(i),
        None => match exp.hash_algorithm {
            HashAlgorithm::GrowthBook => {
                let ranges = match exp.ranges.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_vec(),
                    None => buckets::bucket_ranges(
                        exp.variations.len(),
                        exp.coverage.unwrap_or(1.0),
                        exp.weights.as_deref(),
                    ),
                };
                buckets::choose_variation(n, &ranges)
            }
            HashAlgorithm::KaziV1 => {
                let weights = kazi_weights(exp.weights.as_deref(), exp.variations.len());
                kazi::choose(kazi::bucket(&hash_value), &weights)
            }
        },
    };
    // 9.5. An old sticky bucket version takes the unit out.
    if matches!(sticky, Sticky::Blocked) {
        return result(exp, ctx, fallback, None, false, feature_id, None, true);
    }
    // 10. Outside the coverage.
    let Some(assigned) = assigned else {
        return out(ctx);
    };
    // 11. A forced variation for everyone included.
    if let Some(force) = exp.force {
        return result(
            exp,
            ctx,
            fallback,
            Some(force),
            false,
            feature_id,
            None,
            false,
        );
    }
    // 13. In the experiment.
    let res = result(
        exp,
        ctx,
        fallback,
        i64::try_from(assigned).ok(),
        true,
        feature_id,
        Some(n),
        found.is_some(),
    );
    // 13.5. Remember the assignment.
    if sticky_on && let Some(store) = ctx.sticky.as_mut() {
        store.save(
            &hash_attribute,
            &hash_value,
            sticky_experiment_key(&exp.key, exp.bucket_version.unwrap_or(0)),
            res.key.clone(),
        );
    }
    res
}

/// GrowthBook's `_getStickyBucketVariation`.
fn sticky_variation(exp: &Experiment, ctx: &Context) -> Sticky {
    let Some(store) = &ctx.sticky else {
        return Sticky::None;
    };
    let (attr, value) = ctx.hash_value(exp.hash_attribute.as_deref(), None);
    let primary = sticky_doc_key(&attr, &value);
    let fallback = exp.fallback_attribute.as_deref().map(|fb| {
        let (_, value) = ctx.hash_value(Some(fb), None);
        sticky_doc_key(fb, &value)
    });
    let assignments = store.assignments(&primary, fallback.as_deref());
    let min = exp.min_bucket_version.unwrap_or(0);
    if (0..min).any(|v| assignments.contains_key(&sticky_experiment_key(&exp.key, v))) {
        return Sticky::Blocked;
    }
    let id = sticky_experiment_key(&exp.key, exp.bucket_version.unwrap_or(0));
    let Some(variation_key) = assignments.get(&id).filter(|k| !k.is_empty()) else {
        return Sticky::None;
    };
    exp.meta
        .as_deref()
        .unwrap_or_default()
        .iter()
        .position(|m| m.key.as_deref() == Some(variation_key.as_str()))
        .map_or(Sticky::None, Sticky::Found)
}

/// GrowthBook's `isFilteredOut`: whether the unit misses any filter's ranges (or has no
/// value to hash for it).
pub(crate) fn filtered_out(filters: &[Filter], ctx: &Context) -> bool {
    filters.iter().any(|f| {
        let (_, value) = ctx.hash_value(Some(f.attribute.as_deref().unwrap_or("id")), None);
        if value.is_empty() {
            return true;
        }
        match hash::hash(&f.seed, &value, f.hash_version.unwrap_or(2)) {
            Some(n) => !f.ranges.iter().any(|r| buckets::in_range(n, *r)),
            None => true,
        }
    })
}

/// GrowthBook's `_getExperimentResult`.
#[allow(clippy::too_many_arguments)] // mirrors the SDK's function, one argument per field
fn result(
    exp: &Experiment,
    ctx: &Context,
    fallback: Option<&str>,
    variation: Option<i64>,
    hash_used: bool,
    feature_id: Option<&str>,
    bucket: Option<f64>,
    sticky_bucket_used: bool,
) -> ExperimentResult {
    let index = variation
        .and_then(|v| usize::try_from(v).ok())
        .filter(|v| *v < exp.variations.len());
    let in_experiment = index.is_some();
    let index = index.unwrap_or(0);
    let meta = exp.meta.as_deref().and_then(|m| m.get(index));
    let (hash_attribute, raw) = ctx.orig_hash_value(exp.hash_attribute.as_deref(), fallback);
    ExperimentResult {
        in_experiment,
        variation_id: index,
        value: exp.variations.get(index).cloned().unwrap_or(Value::Null),
        hash_used,
        hash_attribute,
        hash_value: raw.map(hash_string).unwrap_or_default(),
        key: meta
            .and_then(|m| m.key.clone())
            .unwrap_or_else(|| index.to_string()),
        name: meta.and_then(|m| m.name.clone()).filter(|n| !n.is_empty()),
        passthrough: meta.and_then(|m| m.passthrough).unwrap_or(false),
        bucket,
        sticky_bucket_used,
        feature_id: feature_id.filter(|f| !f.is_empty()).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn two_way(key: &str) -> Experiment {
        Experiment {
            key: key.to_owned(),
            variations: vec![json!("a"), json!("b")],
            meta: Some(vec![
                VariationMeta {
                    key: Some("control".into()),
                    ..VariationMeta::default()
                },
                VariationMeta {
                    key: Some("treatment".into()),
                    ..VariationMeta::default()
                },
            ]),
            ..Experiment::default()
        }
    }

    fn ctx(attributes: Value) -> Context {
        Context::new(attributes).expect("object")
    }

    #[test]
    fn same_unit_same_variation() {
        let exp = two_way("exp");
        let a = run_experiment(&exp, &mut ctx(json!({"id": "u1"})), None);
        let b = run_experiment(&exp, &mut ctx(json!({"id": "u1"})), None);
        assert!(a.in_experiment && a.hash_used);
        assert_eq!(a, b);
        // The bucket is GrowthBook's v1 hash with the key as seed.
        assert_eq!(a.bucket, hash::hash("exp", "u1", 1));
    }

    #[test]
    fn no_hash_value_no_experiment() {
        let exp = two_way("exp");
        for attrs in [
            json!({}),
            json!({"id": ""}),
            json!({"id": true}),
            json!({"id": 0}),
        ] {
            let r = run_experiment(&exp, &mut ctx(attrs), None);
            assert!(!r.in_experiment);
            assert_eq!(r.hash_value, "");
        }
        let r = run_experiment(&exp, &mut ctx(json!({"id": 42})), None);
        assert_eq!(r.hash_value, "42");
    }

    #[test]
    fn sticky_assignment_survives_a_weight_change_and_version_bump_blocks() {
        let mut exp = two_way("exp");
        let mut c = ctx(json!({"id": "u7"}));
        c.sticky = Some(StickyBuckets::new([]));
        let first = run_experiment(&exp, &mut c, None);
        let saved = c
            .sticky
            .as_ref()
            .map(StickyBuckets::changed)
            .unwrap_or_default();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].key(), "id||u7");
        assert_eq!(
            saved[0].assignments.get("exp__0"),
            Some(&first.key),
            "the variation key is stored"
        );
        // Everyone to the other variation: the sticky unit stays.
        exp.weights = Some(if first.variation_id == 0 {
            vec![0.0, 1.0]
        } else {
            vec![1.0, 0.0]
        });
        let mut again = ctx(json!({"id": "u7"}));
        again.sticky = Some(StickyBuckets::new(saved.clone()));
        let second = run_experiment(&exp, &mut again, None);
        assert_eq!(second.variation_id, first.variation_id);
        assert!(second.sticky_bucket_used);
        // Version 1 with minimum 1: the version-0 bucket blocks the unit.
        exp.bucket_version = Some(1);
        exp.min_bucket_version = Some(1);
        let mut blocked = ctx(json!({"id": "u7"}));
        blocked.sticky = Some(StickyBuckets::new(saved));
        let third = run_experiment(&exp, &mut blocked, None);
        assert!(!third.in_experiment && third.sticky_bucket_used);
    }

    #[test]
    fn kazi_v1_walks_integer_weights() {
        let mut exp = two_way("welcome-v1");
        exp.hash_algorithm = HashAlgorithm::KaziV1;
        exp.weights = Some(vec![50.0, 50.0]);
        // Coverage does not apply to kazi-v1.
        exp.coverage = Some(0.0);
        let r = run_experiment(&exp, &mut ctx(json!({"id": "user-1"})), None);
        let b = kazi::bucket("user-1");
        assert!(r.in_experiment);
        assert_eq!(r.variation_id, usize::from(b >= 50));
        assert_eq!(r.bucket, Some(f64::from(b) / 100.0));
    }

    #[test]
    fn kazi_weights_are_whole_percentages() {
        assert_eq!(kazi_weights(Some(&[50.0, 50.4]), 2), vec![50, 50]);
        assert_eq!(kazi_weights(Some(&[-3.0, 300.0]), 2), vec![0, 100]);
        assert_eq!(kazi_weights(None, 3), vec![33, 33, 33]);
    }
}
