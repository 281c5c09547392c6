//! Feature flags from a GrowthBook **features payload** (`{"features": {key: {"defaultValue":
//! …, "rules": […]}}}`, what GrowthBook's SDK endpoint serves), evaluated for one unit as the
//! SDKs' `evalFeature`: the first rule that applies decides the value.
//!
//! Rules, in order: prerequisites (`parentConditions`), `condition`, `filters`; then a
//! **force** rule returns its value if the unit is in its rollout (`coverage` or `range` of a
//! hash with `seed`, `hashAttribute`, `hashVersion`), and an **experiment** rule runs an
//! experiment (`variations`, `weights`, `key`, `namespace`, `coverage`, …) and returns the
//! unit's variation if it is in (and the variation is not a passthrough). No rule: the
//! `defaultValue`.
//!
//! [`FeaturesPayload::parse`] is strict where GrowthBook's SDKs are lenient, so the host can
//! check a payload an admin writes: a rule or feature field this crate does not know is
//! refused (a typo would otherwise be ignored), as is a field of the wrong type, and the error
//! names the field. Top-level fields besides `features` (`status`, `dateUpdated`,
//! `experiments`, `savedGroups`, …) are accepted and ignored. Contextual bandit rules are not
//! supported (their fields are refused).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::buckets::{BucketRange, Namespace, in_range};
use crate::condition::eval_condition;
use crate::error::Error;
use crate::experiment::{
    Context, Experiment, ExperimentResult, Filter, VariationMeta, filtered_out, hash_value_for,
    present, run_experiment,
};
use crate::{hash, js};

/// A GrowthBook features payload.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeaturesPayload {
    /// Feature key → definition.
    pub features: BTreeMap<String, FeatureDefinition>,
}

/// One feature: its default value and its rules.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeatureDefinition {
    /// The value when no rule applies (`null` when absent).
    #[serde(default)]
    pub default_value: Value,
    /// Rules, tried in order.
    #[serde(default)]
    pub rules: Option<Vec<FeatureRule>>,
}

/// A prerequisite: another feature whose value must meet `condition` (evaluated as
/// `{"value": <its value>}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParentCondition {
    /// The prerequisite feature's key.
    pub id: String,
    /// Condition over `{"value": …}`; none means it always passes.
    #[serde(default)]
    pub condition: Option<Value>,
    /// A failing gate makes the whole feature evaluate to `null` (source `prerequisite`);
    /// a failing non-gate only skips this rule.
    #[serde(default)]
    pub gate: bool,
}

/// One rule of a feature, GrowthBook's `FeatureRule`. A rule with `force` is a force
/// (rollout) rule; one with `variations` an experiment rule; one with neither is skipped.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeatureRule {
    /// The rule's id, reported as `ruleId`.
    pub id: Option<String>,
    /// Experiment key; the feature's key when absent or empty.
    pub key: Option<String>,
    /// Targeting condition over the unit's attributes.
    pub condition: Option<Value>,
    /// Prerequisite features.
    pub parent_conditions: Option<Vec<ParentCondition>>,
    /// The value a force rule returns (`null` counts as absent, as in the Python SDK).
    pub force: Option<Value>,
    /// An experiment rule's variation values.
    pub variations: Option<Vec<Value>>,
    /// An experiment rule's weights.
    pub weights: Option<Vec<f64>>,
    /// Share of units included (a force rule's rollout, an experiment's coverage).
    pub coverage: Option<f64>,
    /// Namespace slice (experiment rules).
    pub namespace: Option<Namespace>,
    /// The attribute hashed; `id` when absent.
    pub hash_attribute: Option<String>,
    /// Attribute hashed when `hash_attribute` has none (rollouts; experiments with sticky
    /// bucketing on).
    pub fallback_attribute: Option<String>,
    /// Hash version, 1 when absent.
    pub hash_version: Option<u32>,
    /// A force rule's hash range, instead of `coverage`.
    pub range: Option<BucketRange>,
    /// An experiment rule's explicit bucket ranges.
    pub ranges: Option<Vec<BucketRange>>,
    /// Per-variation metadata.
    pub meta: Option<Vec<VariationMeta>>,
    /// Hash-range filters.
    pub filters: Option<Vec<Filter>>,
    /// Hash seed; the feature key (force) or experiment key when absent.
    pub seed: Option<String>,
    /// Experiment name (informational).
    pub name: Option<String>,
    /// Experiment phase (informational).
    pub phase: Option<String>,
    /// Never use sticky buckets for this rule.
    #[serde(default)]
    pub disable_sticky_bucketing: bool,
    /// Sticky bucket version.
    pub bucket_version: Option<u32>,
    /// Minimum sticky bucket version still honoured.
    pub min_bucket_version: Option<u32>,
    /// Pre-evaluated tracking calls of remote evaluation; accepted and ignored.
    pub tracks: Option<Value>,
}

/// Why a feature has its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FeatureSource {
    /// The payload has no such feature (value `null`).
    UnknownFeature,
    /// No rule applied.
    DefaultValue,
    /// A force rule applied.
    Force,
    /// An experiment rule assigned the unit.
    Experiment,
    /// A gating prerequisite failed (value `null`).
    Prerequisite,
    /// Prerequisites form a cycle (value `null`).
    CyclicPrerequisite,
}

impl FeatureSource {
    /// GrowthBook's name for the source (`defaultValue`, `force`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FeatureSource::UnknownFeature => "unknownFeature",
            FeatureSource::DefaultValue => "defaultValue",
            FeatureSource::Force => "force",
            FeatureSource::Experiment => "experiment",
            FeatureSource::Prerequisite => "prerequisite",
            FeatureSource::CyclicPrerequisite => "cyclicPrerequisite",
        }
    }
}

/// A feature's value for a unit, GrowthBook's `FeatureResult`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureResult {
    /// The value.
    pub value: Value,
    /// Whether the value is truthy (JavaScript's rules: `0`, `""`, `false`, `null` are off).
    pub on: bool,
    /// `!on`.
    pub off: bool,
    /// Why the feature has this value.
    pub source: FeatureSource,
    /// The deciding rule's id; empty for none.
    pub rule_id: String,
    /// The experiment an experiment rule ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<Experiment>,
    /// The unit's result in that experiment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment_result: Option<ExperimentResult>,
}

impl FeatureResult {
    /// A result without an experiment.
    fn plain(value: Value, source: FeatureSource, rule_id: Option<&str>) -> Self {
        let on = js::truthy(&value);
        FeatureResult {
            value,
            on,
            off: !on,
            source,
            rule_id: rule_id.unwrap_or_default().to_owned(),
            experiment: None,
            experiment_result: None,
        }
    }
}

impl FeaturesPayload {
    /// Parses and checks a payload's JSON text.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first offending field (`features.x.rules[0].coverage`,
    /// `features.x.rules[1].condition`): malformed JSON, a field of the wrong type, a field
    /// this crate does not know inside a feature or rule, or a condition that is not a JSON
    /// object.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let payload: FeaturesPayload = serde_path_to_error::deserialize(de).map_err(|e| {
            // `.` is the document itself, `?` a place the parser never reached (cut-off
            // text): both mean "the payload" rather than a field of it.
            let path = e.path().to_string();
            let field = if path == "." || path == "?" {
                String::new()
            } else {
                path
            };
            Error::invalid(field, e.into_inner().to_string())
        })?;
        payload.check()?;
        Ok(payload)
    }

    /// Checks what serde's types cannot: conditions are objects, numbers are sensible.
    fn check(&self) -> Result<(), Error> {
        for (key, feature) in &self.features {
            for (i, rule) in feature.rules.iter().flatten().enumerate() {
                let at = |field: &str| format!("features.{key}.rules[{i}].{field}");
                if let Some(c) = &rule.condition
                    && !c.is_object()
                {
                    return Err(Error::invalid(at("condition"), "must be a JSON object"));
                }
                for (j, p) in rule.parent_conditions.iter().flatten().enumerate() {
                    if let Some(c) = &p.condition
                        && !c.is_object()
                    {
                        return Err(Error::invalid(
                            at(&format!("parentConditions[{j}].condition")),
                            "must be a JSON object",
                        ));
                    }
                }
                if let Some(c) = rule.coverage
                    && !(0.0..=1.0).contains(&c)
                {
                    return Err(Error::invalid(at("coverage"), "must be between 0 and 1"));
                }
                if let Some(w) = &rule.weights
                    && w.iter().any(|x| *x < 0.0)
                {
                    return Err(Error::invalid(at("weights"), "must not be negative"));
                }
            }
        }
        Ok(())
    }
}

/// How a rule's prerequisites came out.
enum Prerequisites {
    /// All met.
    Pass,
    /// One not met: skip the rule.
    Fail,
    /// A gate not met: the feature is `null`.
    Gate,
    /// A cycle.
    Cyclic,
}

/// Evaluates feature `key` of `payload` for the unit in `ctx`, as GrowthBook's `evalFeature`.
/// Experiment rules record new sticky assignments in `ctx.sticky`.
pub fn eval_feature(payload: &FeaturesPayload, key: &str, ctx: &mut Context) -> FeatureResult {
    eval_inner(payload, key, ctx, &mut BTreeSet::new())
}

/// `evalFeature` with the stack of features being evaluated (for prerequisite cycles).
fn eval_inner(
    payload: &FeaturesPayload,
    key: &str,
    ctx: &mut Context,
    stack: &mut BTreeSet<String>,
) -> FeatureResult {
    let Some(feature) = payload.features.get(key) else {
        return FeatureResult::plain(Value::Null, FeatureSource::UnknownFeature, None);
    };
    if stack.contains(key) {
        return FeatureResult::plain(Value::Null, FeatureSource::CyclicPrerequisite, None);
    }
    stack.insert(key.to_owned());
    let evaluated = stack.clone();

    for rule in feature.rules.iter().flatten() {
        stack.clone_from(&evaluated);
        if let Some(parents) = rule.parent_conditions.as_deref().filter(|p| !p.is_empty()) {
            match prerequisites(payload, parents, ctx, stack) {
                Prerequisites::Gate => {
                    return FeatureResult::plain(Value::Null, FeatureSource::Prerequisite, None);
                }
                Prerequisites::Cyclic => {
                    return FeatureResult::plain(
                        Value::Null,
                        FeatureSource::CyclicPrerequisite,
                        None,
                    );
                }
                Prerequisites::Fail => continue,
                Prerequisites::Pass => {}
            }
        }
        if let Some(condition) = present(rule.condition.as_ref())
            && !eval_condition(&ctx.attributes, condition)
        {
            continue;
        }
        if let Some(filters) = rule.filters.as_deref().filter(|f| !f.is_empty())
            && filtered_out(filters, ctx)
        {
            continue;
        }
        let fallback = if rule.disable_sticky_bucketing {
            None
        } else {
            rule.fallback_attribute.as_deref()
        };
        if let Some(force) = &rule.force {
            let seed = rule
                .seed
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or(key);
            if !in_rollout(rule, seed, fallback, ctx) {
                continue;
            }
            return FeatureResult::plain(force.clone(), FeatureSource::Force, rule.id.as_deref());
        }
        let Some(variations) = &rule.variations else {
            continue;
        };
        let experiment = Experiment {
            key: rule
                .key
                .as_deref()
                .filter(|k| !k.is_empty())
                .unwrap_or(key)
                .to_owned(),
            variations: variations.clone(),
            weights: rule.weights.clone(),
            coverage: rule.coverage,
            condition: rule.condition.clone(),
            namespace: rule.namespace.clone(),
            hash_attribute: rule.hash_attribute.clone(),
            fallback_attribute: fallback.map(str::to_owned),
            hash_version: rule.hash_version,
            ranges: rule.ranges.clone(),
            meta: rule.meta.clone(),
            filters: rule.filters.clone(),
            seed: rule.seed.clone(),
            disable_sticky_bucketing: rule.disable_sticky_bucketing,
            bucket_version: rule.bucket_version,
            min_bucket_version: rule.min_bucket_version,
            ..Experiment::default()
        };
        let result = run_experiment(&experiment, ctx, Some(key));
        if !result.in_experiment || result.passthrough {
            continue;
        }
        let mut out = FeatureResult::plain(
            result.value.clone(),
            FeatureSource::Experiment,
            rule.id.as_deref(),
        );
        out.experiment = Some(experiment);
        out.experiment_result = Some(result);
        return out;
    }
    FeatureResult::plain(
        feature.default_value.clone(),
        FeatureSource::DefaultValue,
        None,
    )
}

/// GrowthBook's `eval_prereqs`.
fn prerequisites(
    payload: &FeaturesPayload,
    parents: &[ParentCondition],
    ctx: &mut Context,
    stack: &mut BTreeSet<String>,
) -> Prerequisites {
    let evaluated = stack.clone();
    for parent in parents {
        stack.clone_from(&evaluated);
        let result = eval_inner(payload, &parent.id, ctx, stack);
        if result.source == FeatureSource::CyclicPrerequisite {
            return Prerequisites::Cyclic;
        }
        let Some(condition) = &parent.condition else {
            continue;
        };
        if !eval_condition(&json!({ "value": result.value }), condition) {
            return if parent.gate {
                Prerequisites::Gate
            } else {
                Prerequisites::Fail
            };
        }
    }
    Prerequisites::Pass
}

/// GrowthBook's `isIncludedInRollout` for a force rule.
fn in_rollout(rule: &FeatureRule, seed: &str, fallback: Option<&str>, ctx: &Context) -> bool {
    if rule.coverage.is_none() && rule.range.is_none() {
        return true;
    }
    if rule.coverage == Some(0.0) && rule.range.is_none() {
        return false;
    }
    let attr = rule.hash_attribute.as_deref().unwrap_or("id");
    let value = hash_value_for(ctx, Some(attr), fallback);
    if value.is_empty() {
        return false;
    }
    let version = rule.hash_version.filter(|v| *v != 0).unwrap_or(1);
    let Some(n) = hash::hash(seed, &value, version) else {
        return false;
    };
    match (rule.range, rule.coverage) {
        (Some(range), _) => in_range(n, range),
        (None, Some(coverage)) => n < coverage,
        (None, None) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(text: &str) -> FeaturesPayload {
        FeaturesPayload::parse(text).expect("valid payload")
    }

    #[test]
    fn unknown_default_and_force() {
        let p = payload(
            r#"{"features": {
                "f": {"defaultValue": 1, "rules": [{"id": "r1", "condition": {"country": "DE"}, "force": 2}]}
            }}"#,
        );
        let mut de = Context::new(json!({"id": "u", "country": "DE"})).expect("object");
        let mut us = Context::new(json!({"id": "u", "country": "US"})).expect("object");
        let r = eval_feature(&p, "f", &mut de);
        assert_eq!(
            (r.value, r.source, r.rule_id.as_str()),
            (json!(2), FeatureSource::Force, "r1")
        );
        let r = eval_feature(&p, "f", &mut us);
        assert_eq!((r.value, r.source), (json!(1), FeatureSource::DefaultValue));
        let r = eval_feature(&p, "nope", &mut us);
        assert_eq!(
            (r.value, r.source, r.on),
            (Value::Null, FeatureSource::UnknownFeature, false)
        );
    }

    #[test]
    fn parse_names_the_offending_field() {
        let err = FeaturesPayload::parse(r#"{"features": {"f": {"rules": [{"coverage": "x"}]}}}"#)
            .expect_err("bad coverage");
        let Error::InvalidInput { field, .. } = err;
        assert_eq!(field, "features.f.rules[0].coverage");

        let err = FeaturesPayload::parse(r#"{"features": {"f": {"rules": [{"forse": 1}]}}}"#)
            .expect_err("typo");
        let Error::InvalidInput { field, message } = err;
        assert_eq!(field, "features.f.rules[0].forse");
        assert!(message.contains("unknown field"), "{message}");

        let err = FeaturesPayload::parse(r#"{"features": {"f": {"rules": [{"condition": []}]}}}"#)
            .expect_err("array condition");
        let Error::InvalidInput { field, .. } = err;
        assert_eq!(field, "features.f.rules[0].condition");

        let err = FeaturesPayload::parse("{").expect_err("not json");
        assert!(matches!(err, Error::InvalidInput { .. }));
        // Unknown top-level fields are GrowthBook's own (status, dateUpdated…): accepted.
        payload(r#"{"status": 200, "features": {}, "dateUpdated": "2024-01-01"}"#);
    }

    #[test]
    fn prerequisite_cycles_are_reported() {
        let p = payload(
            r#"{"features": {
                "a": {"defaultValue": 1, "rules": [{"parentConditions": [{"id": "b", "condition": {"value": 1}}], "force": 2}]},
                "b": {"defaultValue": 1, "rules": [{"parentConditions": [{"id": "a", "condition": {"value": 1}}], "force": 2}]}
            }}"#,
        );
        let mut c = Context::new(json!({"id": "u"})).expect("object");
        assert_eq!(
            eval_feature(&p, "a", &mut c).source,
            FeatureSource::CyclicPrerequisite
        );
    }
}
