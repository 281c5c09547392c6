//! Which models answer a request, in order. Config value `routes` (a JSON object, optional)
//! names, per feature, the primary model and then its fallbacks:
//! `{"tutor": ["gpt-4o-mini", "claude-haiku-4-5", "tessera-offline"], "default": ["gpt-4o-mini"]}`.
//! `default` serves features not listed. Without an entry for the feature and without
//! `default`, the first model of the first provider serving one answers, else the offline
//! model (so a gateway without providers answers offline). A request naming a `model` gets
//! just that model, no fallbacks. `tessera-offline` never fails, so it may only close a
//! route.

use crate::providers::{self, Provider};
use offline_model as offline;

/// The route table, validated against the providers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Routes {
    entries: Vec<(String, Vec<String>)>,
}

/// The feature whose route serves features without their own.
pub const DEFAULT: &str = "default";

/// Every model the gateway serves: the providers' then the offline model.
pub fn served(providers: &[Provider]) -> Vec<&str> {
    let mut all = providers::served_models(providers);
    all.push(offline::MODEL);
    all
}

fn is_served(providers: &[Provider], model: &str) -> bool {
    model == offline::MODEL || providers::for_model(providers, model).is_some()
}

impl Routes {
    /// Parses config value `routes`; every model must be served by a provider (or be the
    /// offline model). Errors name the entry: `routes.tutor[1]: unknown model …`.
    pub fn parse(json_text: &str, providers: &[Provider]) -> Result<Routes, String> {
        let v: serde_json::Value = serde_json::from_str(json_text)
            .map_err(|e| format!("routes: not a JSON object: {e}"))?;
        let map = v
            .as_object()
            .ok_or("routes: a JSON object of feature → list of models is required")?;
        let mut entries = Vec::with_capacity(map.len());
        for (feature, list) in map {
            let list = list.as_array().filter(|l| !l.is_empty()).ok_or_else(|| {
                format!("routes.{feature}: a non-empty list of models is required")
            })?;
            let mut models = Vec::with_capacity(list.len());
            for (i, m) in list.iter().enumerate() {
                let m = m
                    .as_str()
                    .ok_or_else(|| format!("routes.{feature}[{i}]: a model name is required"))?;
                if !is_served(providers, m) {
                    return Err(format!(
                        "routes.{feature}[{i}]: unknown model `{m}`; this gateway serves {}",
                        served(providers).join(", ")
                    ));
                }
                if i + 1 < list.len() && m == offline::MODEL {
                    return Err(format!(
                        "routes.{feature}[{i}]: `{m}` never fails, so it must be the route's last model"
                    ));
                }
                models.push(m.to_owned());
            }
            entries.push((feature.clone(), models));
        }
        Ok(Routes { entries })
    }

    /// The route configured for `feature` (or `default`), if any.
    pub fn get(&self, feature: &str) -> Option<&[String]> {
        let find = |f: &str| {
            self.entries
                .iter()
                .find(|(name, _)| name == f)
                .map(|(_, m)| m.as_slice())
        };
        find(feature).or_else(|| find(DEFAULT))
    }

    /// The models to try for a request, in order. An explicit `model` the gateway does not
    /// serve is the caller's mistake: the error (for `invalid-request`, field `model`)
    /// lists what it serves.
    pub fn resolve(
        &self,
        providers: &[Provider],
        feature: &str,
        model: Option<&str>,
    ) -> Result<Vec<String>, String> {
        if let Some(model) = model {
            return if is_served(providers, model) {
                Ok(vec![model.to_owned()])
            } else {
                Err(format!(
                    "unknown model `{model}`; this gateway serves {}",
                    served(providers).join(", ")
                ))
            };
        }
        if let Some(route) = self.get(feature) {
            return Ok(route.to_vec());
        }
        let first = providers::served_models(providers)
            .first()
            .copied()
            .unwrap_or(offline::MODEL);
        Ok(vec![first.to_owned()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::Kind;

    fn providers() -> Vec<Provider> {
        let p = |name: &str, kind, models: &[&str]| Provider {
            name: name.into(),
            kind,
            base_url: "http://x".into(),
            api_key: None,
            models: models.iter().map(|m| m.to_string()).collect(),
        };
        vec![
            p("empty", Kind::OpenAi, &[]),
            p("openai", Kind::OpenAi, &["gpt-4o-mini", "gpt-4o"]),
            p("anthropic", Kind::Anthropic, &["claude-haiku-4-5"]),
        ]
    }

    #[test]
    fn features_use_their_route_then_default() {
        let p = providers();
        let r = Routes::parse(
            r#"{"tutor":["gpt-4o-mini","claude-haiku-4-5","tessera-offline"],"default":["gpt-4o"]}"#,
            &p,
        )
        .unwrap();
        assert_eq!(
            r.resolve(&p, "tutor", None).unwrap(),
            ["gpt-4o-mini", "claude-haiku-4-5", "tessera-offline"]
        );
        assert_eq!(r.resolve(&p, "tone", None).unwrap(), ["gpt-4o"]);
    }

    #[test]
    fn an_explicit_model_is_used_alone() {
        let p = providers();
        let r = Routes::parse(r#"{"tutor":["gpt-4o-mini","claude-haiku-4-5"]}"#, &p).unwrap();
        assert_eq!(
            r.resolve(&p, "tutor", Some("claude-haiku-4-5")).unwrap(),
            ["claude-haiku-4-5"]
        );
        assert_eq!(
            r.resolve(&p, "tutor", Some("tessera-offline")).unwrap(),
            ["tessera-offline"]
        );
        let err = r.resolve(&p, "tutor", Some("gpt-5")).unwrap_err();
        assert!(
            err.contains("`gpt-5`")
                && err.contains("gpt-4o-mini, gpt-4o, claude-haiku-4-5, tessera-offline"),
            "{err}"
        );
    }

    #[test]
    fn without_routes_the_first_provider_model_else_offline() {
        let p = providers();
        let none = Routes::default();
        assert_eq!(none.resolve(&p, "tutor", None).unwrap(), ["gpt-4o-mini"]);
        assert_eq!(
            none.resolve(&[], "tutor", None).unwrap(),
            ["tessera-offline"]
        );
        // A route table without the feature and without `default` changes nothing.
        let r = Routes::parse(r#"{"quiz":["gpt-4o"]}"#, &p).unwrap();
        assert_eq!(r.resolve(&p, "tutor", None).unwrap(), ["gpt-4o-mini"]);
        assert_eq!(r.resolve(&p, "quiz", None).unwrap(), ["gpt-4o"]);
    }

    #[test]
    fn bad_routes_name_the_entry() {
        let p = providers();
        let err = |t: &str| Routes::parse(t, &p).unwrap_err();
        let e = err(r#"{"tutor":["gpt-4o-mini","gpt-9"]}"#);
        assert!(
            e.starts_with("routes.tutor[1]: unknown model `gpt-9`"),
            "{e}"
        );
        assert!(err(r#"{"tutor":[]}"#).starts_with("routes.tutor:"));
        assert!(err(r#"{"tutor":"gpt-4o"}"#).starts_with("routes.tutor:"));
        assert!(err(r#"{"tutor":[3]}"#).starts_with("routes.tutor[0]:"));
        assert!(err(r#"{"tutor":["tessera-offline","gpt-4o"]}"#).starts_with("routes.tutor[0]:"));
        assert!(err(r#"["gpt-4o"]"#).starts_with("routes:"));
        assert!(err("{").starts_with("routes:"));
    }
}
