//! Feature flags on the assignment engine (seed 000's "spaced repetition" and "multi-model
//! routing", seed 004's `tutorial.v2_enabled`): each flag is a GrowthBook feature
//! definition (a default value and rules: conditions on attributes, percentage rollouts,
//! experiments). Clients fetch them as GrowthBook's features payload from
//! `GET /api/features/{client_key}` and evaluate them with any GrowthBook SDK; the host
//! evaluates them server-side through the assigner component, with the same rules.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::assign::unit_attributes;
use super::{Device, ExperimentError, Experiments, Unit, check_id, check_text, invalid};
use crate::kept::Fresh;
use crate::plugins::contract::assigner::FeatureResult;
use crate::runtime::LoadedPlugin;
use crate::store::experiments::FlagRow;
use crate::store::{now_ms, rfc3339};

/// The flag gating `/v2/tutorial/config` (seed 004 §7, §9).
pub const TUTORIAL_V2: &str = "tutorial.v2_enabled";
/// The flag gating the review queue of today's lesson (seed 000).
pub const SPACED_REPETITION: &str = "spaced-repetition";

/// How long a replica reuses the payload it built (flags change rarely; a change made on
/// another replica is seen within this).
const PAYLOAD_TTL: Duration = Duration::from_secs(2);

/// A flag as an administrator writes it: GrowthBook's feature definition.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FlagSpec {
    /// The value when no rule applies (any JSON).
    pub default_value: Value,
    /// GrowthBook rules, in order: `condition`, `force` with `coverage`/`hashAttribute`
    /// (a rollout), or `variations`/`weights`/`key` (an experiment).
    #[serde(default)]
    pub rules: Option<Vec<Value>>,
    /// What the flag gates (at most 500 characters).
    #[serde(default)]
    pub description: Option<String>,
}

/// A stored flag.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagView {
    /// Its key.
    pub key: String,
    /// The value when no rule applies.
    pub default_value: Value,
    /// Its rules.
    pub rules: Vec<Value>,
    /// What it gates.
    pub description: String,
    /// When last changed (RFC 3339).
    pub updated_at: String,
}

/// GrowthBook's SDK payload (`GET /api/features/{client_key}`).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeaturesPayload {
    /// 200, as GrowthBook's API says it.
    pub status: u16,
    /// Every flag's definition by key.
    pub features: BTreeMap<String, Value>,
    /// When a flag last changed (RFC 3339).
    pub date_updated: String,
}

/// One flag evaluated for the caller.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvaluatedFlag {
    /// The value.
    pub value: Value,
    /// Whether it is truthy.
    pub on: bool,
    /// `defaultValue`, `force`, `experiment`, `unknownFeature`, … (`error`: its rules could
    /// not be evaluated; the value is then `null`).
    pub source: String,
}

/// The payload a replica built, rebuilt ahead of [`PAYLOAD_TTL`] by one request.
pub(super) struct PayloadCache(Fresh<Arc<Payload>>);

impl Default for PayloadCache {
    fn default() -> Self {
        Self(Fresh::new(PAYLOAD_TTL))
    }
}

/// The flags as the assigner and the SDKs read them.
pub(super) struct Payload {
    /// GrowthBook's features payload, as JSON: what the assigner is given.
    text: String,
    /// The same, parsed.
    parsed: FeaturesPayload,
}

/// How long the assigner's answer for a flag and a unit's attributes is reused while the
/// flags and the assigner stay the same (a unit's persona, one of its attributes, is
/// itself read at most once a minute).
pub(super) const ANSWER_TTL: Duration = Duration::from_secs(60);

/// An answer of the assigner, with what it was given: reused only while the payload (the
/// same [`Arc`], kept across rebuilds that change nothing) and the assigner (the same
/// loaded plugin) are.
#[derive(Clone)]
pub(super) struct FlagAnswer {
    payload: Arc<Payload>,
    assigner: Weak<LoadedPlugin>,
    result: FeatureResult,
}

fn flag_view(row: FlagRow) -> Result<FlagView, ExperimentError> {
    let definition: Value = serde_json::from_str(&row.definition)
        .map_err(|e| crate::store::StoreError::Corrupt(format!("flag {}: {e}", row.key)))?;
    Ok(FlagView {
        key: row.key,
        default_value: definition
            .get("defaultValue")
            .cloned()
            .unwrap_or(Value::Null),
        rules: definition
            .get("rules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        description: row.description,
        updated_at: rfc3339(row.updated_at),
    })
}

impl Experiments {
    /// Every flag.
    pub async fn flags(&self) -> Result<Vec<FlagView>, ExperimentError> {
        self.db.flags().await?.into_iter().map(flag_view).collect()
    }

    /// Creates or replaces a flag, after checking its definition as GrowthBook's SDKs
    /// will read it (the error names the field, e.g. `rules[0].coverage`).
    pub async fn put_flag(&self, key: &str, spec: FlagSpec) -> Result<FlagView, ExperimentError> {
        check_id("key", key)?;
        let description = spec.description.unwrap_or_default();
        check_text("description", &description, 500)?;
        let mut definition = serde_json::json!({ "defaultValue": spec.default_value });
        if let Some(rules) = spec.rules {
            definition["rules"] = Value::Array(rules);
        }
        let payload = serde_json::json!({ "features": { key: definition } }).to_string();
        assignment::features::FeaturesPayload::parse(&payload).map_err(|e| {
            let message = e.to_string();
            // The crate names the field within the payload (`features.<key>.rules[0]…`).
            let field = message
                .split_once(": ")
                .map(|(path, _)| path.trim_start_matches(&format!("features.{key}.")))
                .filter(|p| !p.is_empty() && !p.contains(' '))
                .unwrap_or("rules")
                .to_owned();
            invalid(field, message)
        })?;
        let row = FlagRow {
            key: key.to_owned(),
            definition: definition.to_string(),
            description,
            updated_at: now_ms(),
        };
        self.db.upsert_flag(&row).await?;
        self.forget_payload();
        flag_view(row)
    }

    /// Deletes a flag.
    pub async fn delete_flag(&self, key: &str) -> Result<(), ExperimentError> {
        if !self.db.delete_flag(key).await? {
            return Err(ExperimentError::NotFound {
                what: "flag",
                field: "key",
                id: key.to_owned(),
            });
        }
        self.forget_payload();
        Ok(())
    }

    /// Creates an SDK connection's client key (`sdk-` and 16 random hex digits).
    pub async fn create_client_key(&self, name: &str) -> Result<String, ExperimentError> {
        if name.trim().is_empty() {
            return Err(invalid("name", "may not be empty"));
        }
        check_text("name", name, 200)?;
        let key = format!("sdk-{}", hex::encode(rand::random::<[u8; 8]>()));
        self.db
            .insert_client_key(&key, name.trim(), now_ms())
            .await?;
        Ok(key)
    }

    /// GrowthBook's features payload for an SDK connection.
    pub async fn features_payload(
        &self,
        client_key: &str,
    ) -> Result<FeaturesPayload, ExperimentError> {
        if !self.db.client_key_exists(client_key).await? {
            return Err(ExperimentError::NotFound {
                what: "client key",
                field: "client_key",
                id: client_key.to_owned(),
            });
        }
        Ok(self.payload().await?.parsed.clone())
    }

    /// The payload, rebuilt at most every [`PAYLOAD_TTL`].
    async fn payload(&self) -> Result<Arc<Payload>, ExperimentError> {
        self.payloads.0.get(|| self.build_payload()).await
    }

    async fn build_payload(&self) -> Result<Arc<Payload>, ExperimentError> {
        let rows = self
            .db
            .read_aside(|db| async move { db.flags().await })
            .await?;
        let updated = rows.iter().map(|r| r.updated_at).max().unwrap_or(0);
        let mut features = BTreeMap::new();
        for row in rows {
            let definition: Value = serde_json::from_str(&row.definition)
                .map_err(|e| crate::store::StoreError::Corrupt(format!("flag {}: {e}", row.key)))?;
            features.insert(row.key, definition);
        }
        let parsed = FeaturesPayload {
            status: 200,
            features,
            date_updated: rfc3339(updated),
        };
        let text = serde_json::to_string(&parsed).unwrap_or_default();
        // A rebuild that finds the same flags keeps the payload's identity, so the
        // assigner's answers given under it stay good.
        Ok(match self.payloads.0.last() {
            Some(kept) if kept.text == text => kept,
            _ => Arc::new(Payload { text, parsed }),
        })
    }

    fn forget_payload(&self) {
        self.payloads.0.forget();
    }

    /// Evaluates flag `key` for `unit` through the assigner.
    pub async fn evaluate_flag(
        &self,
        key: &str,
        unit: &Unit,
        device: Device,
    ) -> Result<FeatureResult, ExperimentError> {
        let payload = self.payload().await?;
        let (persona, _) = self.persona_of(unit).await?;
        let plugin = self.assigner()?;
        let attributes = unit_attributes(unit, device, &persona);
        // The assigner answers from what it is given alone (GrowthBook's evaluation has no
        // clock), so a lesson start does not call it again for the same question.
        let asked = (key.to_owned(), attributes.attributes.clone());
        if let Some(answer) = self.flag_answers.get(&asked)
            && Arc::ptr_eq(&answer.payload, &payload)
            && std::ptr::eq(answer.assigner.as_ptr(), Arc::as_ptr(&plugin))
        {
            return Ok(answer.result);
        }
        let result = self
            .registry
            .runtime()
            .evaluate_feature(&plugin, &payload.text, key, &attributes)
            .await?
            .map_err(|e| ExperimentError::Refused {
                field: "rules",
                message: format!("{e:?}"),
            })?;
        // An answer that would save sticky buckets is a decision with an effect: asked
        // again each time.
        if result.save_sticky_docs.is_empty() {
            self.flag_answers.put(
                asked,
                FlagAnswer {
                    payload,
                    assigner: Arc::downgrade(&plugin),
                    result: result.clone(),
                },
            );
        }
        Ok(result)
    }

    /// Every flag evaluated for `unit`.
    pub async fn evaluate_flags(
        &self,
        unit: &Unit,
        device: Device,
    ) -> Result<BTreeMap<String, EvaluatedFlag>, ExperimentError> {
        let payload = self.payload().await?;
        let mut out = BTreeMap::new();
        for key in payload.parsed.features.keys() {
            // One flag the assigner cannot evaluate must not hide the others.
            let r = match self.evaluate_flag(key, unit, device).await {
                Ok(r) => r,
                Err(ExperimentError::Refused { message, .. }) => {
                    tracing::warn!(flag = %key, %message, "a flag could not be evaluated");
                    out.insert(
                        key.clone(),
                        EvaluatedFlag {
                            value: Value::Null,
                            on: false,
                            source: "error".into(),
                        },
                    );
                    continue;
                }
                Err(e) => return Err(e),
            };
            out.insert(
                key.clone(),
                EvaluatedFlag {
                    value: serde_json::from_str(&r.value).unwrap_or(Value::Null),
                    on: r.on,
                    source: serde_json::to_value(r.source)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                },
            );
        }
        Ok(out)
    }

    /// Whether flag `key` is on for a signed-in `unit` (device `web`); `fallback` when it
    /// cannot be evaluated (no assigner installed, rules it refuses, the database down),
    /// so a flag problem never takes the feature it gates down with it.
    pub async fn flag_on(&self, key: &str, unit: &Unit, fallback: bool) -> bool {
        // A flag nobody defined is its fallback: the assigner would answer
        // `unknown-feature`, so neither it nor the learner's persona is asked (the daily
        // lesson checks `spaced-repetition` on every request).
        if let Ok(payload) = self.payload().await
            && !payload.parsed.features.contains_key(key)
        {
            return fallback;
        }
        match self.evaluate_flag(key, unit, Device::Web).await {
            Ok(r)
                if r.source
                    == crate::plugins::contract::assigner::FeatureSource::UnknownFeature =>
            {
                fallback
            }
            Ok(r) => r.on,
            Err(e) => {
                tracing::debug!(flag = key, error = %e, "flag not evaluated: its fallback applies");
                fallback
            }
        }
    }

    /// Whether the flag `tutorial.v2_enabled` is on for `unit` (off when its rules cannot
    /// be evaluated).
    pub async fn v2_enabled(&self, unit: &Unit, device: Device) -> Result<bool, ExperimentError> {
        match self.evaluate_flag(TUTORIAL_V2, unit, device).await {
            Ok(r) => Ok(r.on),
            Err(ExperimentError::Refused { message, .. }) => {
                tracing::warn!(flag = TUTORIAL_V2, %message, "the flag could not be evaluated: off");
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
}
