//! The gateway's settings: the plugin's `wasi:config` values (the manifest's
//! `[grants.config]`), all optional, read on every call (a call is one instance):
//!
//! | key | format | default |
//! |---|---|---|
//! | `providers` | JSON list (see [`crate::providers`]) | `[]`: offline only |
//! | `routes` | JSON object feature → models (see [`crate::routes`]) | none |
//! | `retry` | JSON `{"max_attempts":3,"base_ms":200,"max_backoff_ms":5000}` | those |
//! | `breaker` | JSON `{"failures":5,"open_ms":60000,"successes":3}` | those |
//! | `cache_ttl_ms` | whole milliseconds | `3600000` |
//! | `attempt_timeout_ms` | whole milliseconds, at least 1 | `20000` |
//! | `deadline_ms` | whole milliseconds, at least 1: the whole call's budget | `25000` |
//!
//! An empty value counts as absent. Errors name the key and the path inside it
//! (`routes.tutor[1]: unknown model …`); the glue answers them as `unavailable`, since the
//! caller can do nothing about them.

use crate::providers::{self, Provider};
use crate::routes::Routes;
use crate::{breaker, cache, retry};

/// Default per-attempt timeout (connect, first byte, between bytes).
pub const DEFAULT_ATTEMPT_TIMEOUT_MS: u64 = 20_000;
/// Default budget of a whole call across attempts and fallbacks: under the shipped
/// manifest's 30 s `limits.timeout_ms`, so the gateway answers (with the fallbacks' fate)
/// before the host ends the call as a timeout.
pub const DEFAULT_DEADLINE_MS: u64 = 25_000;

/// Every setting, parsed and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `providers`.
    pub providers: Vec<Provider>,
    /// `routes`, checked against the providers.
    pub routes: Routes,
    /// `retry`.
    pub retry: retry::Policy,
    /// `breaker`.
    pub breaker: breaker::Config,
    /// `cache_ttl_ms`.
    pub cache_ttl_ms: u64,
    /// `attempt_timeout_ms`.
    pub attempt_timeout_ms: u64,
    /// `deadline_ms`: no attempt starts, and none outlasts, this long after the call began.
    pub deadline_ms: u64,
}

impl Config {
    /// Reads every key through `get` (`Ok(None)`: not configured).
    pub fn load(get: impl Fn(&str) -> Result<Option<String>, String>) -> Result<Config, String> {
        let value = |key: &str| -> Result<Option<String>, String> {
            Ok(get(key)
                .map_err(|e| format!("config value `{key}` cannot be read: {e}"))?
                .filter(|v| !v.trim().is_empty()))
        };
        let millis = |key: &str, default: u64, min: u64| -> Result<u64, String> {
            match value(key)? {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if n >= min => Ok(n),
                    _ => Err(format!(
                        "{key}: `{v}` is not a whole number of milliseconds{}",
                        if min > 0 {
                            format!(" of at least {min}")
                        } else {
                            String::new()
                        }
                    )),
                },
            }
        };
        let providers = match value("providers")? {
            Some(text) => providers::parse(&text)?,
            None => Vec::new(),
        };
        let routes = match value("routes")? {
            Some(text) => Routes::parse(&text, &providers)?,
            None => Routes::default(),
        };
        let retry = match value("retry")? {
            Some(text) => retry::Policy::parse(&text)?,
            None => retry::Policy::default(),
        };
        let breaker = match value("breaker")? {
            Some(text) => breaker::Config::parse(&text)?,
            None => breaker::Config::default(),
        };
        Ok(Config {
            cache_ttl_ms: millis("cache_ttl_ms", cache::DEFAULT_TTL_MS, 0)?,
            attempt_timeout_ms: millis("attempt_timeout_ms", DEFAULT_ATTEMPT_TIMEOUT_MS, 1)?,
            deadline_ms: millis("deadline_ms", DEFAULT_DEADLINE_MS, 1)?,
            providers,
            routes,
            retry,
            breaker,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load(|key| Ok(pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())))
    }

    #[test]
    fn nothing_configured_is_all_defaults() {
        let c = load(&[("providers", "[]"), ("routes", " ")]).unwrap();
        assert!(c.providers.is_empty());
        assert_eq!(c.routes, Routes::default());
        assert_eq!(c.retry, retry::Policy::default());
        assert_eq!(c.breaker, breaker::Config::default());
        assert_eq!(c.cache_ttl_ms, 3_600_000);
        assert_eq!(c.attempt_timeout_ms, 20_000);
        assert_eq!(c.deadline_ms, 25_000);
    }

    #[test]
    fn every_key_is_read() {
        let c = load(&[
            (
                "providers",
                r#"[{"name":"a","kind":"anthropic","base_url":"http://x/v1","models":["claude"]}]"#,
            ),
            ("routes", r#"{"default":["claude","tessera-offline"]}"#),
            ("retry", r#"{"max_attempts":2}"#),
            ("breaker", r#"{"open_ms":100}"#),
            ("cache_ttl_ms", "0"),
            ("attempt_timeout_ms", " 250 "),
        ])
        .unwrap();
        assert_eq!(
            c.routes.resolve(&c.providers, "x", None).unwrap(),
            ["claude", "tessera-offline"]
        );
        assert_eq!(c.retry.max_attempts, 2);
        assert_eq!(c.breaker.open_ms, 100);
        assert_eq!(c.cache_ttl_ms, 0);
        assert_eq!(c.attempt_timeout_ms, 250);
    }

    #[test]
    fn errors_name_the_key_and_path() {
        let err = |pairs: &[(&str, &str)]| load(pairs).unwrap_err();
        assert!(
            err(&[("routes", r#"{"tutor":["gpt"]}"#)])
                .starts_with("routes.tutor[0]: unknown model `gpt`")
        );
        assert!(err(&[("retry", r#"{"max_attempts":0}"#)]).starts_with("retry.max_attempts"));
        assert!(err(&[("breaker", "[]")]).starts_with("breaker"));
        assert!(err(&[("cache_ttl_ms", "1h")]).starts_with("cache_ttl_ms: `1h`"));
        assert!(err(&[("attempt_timeout_ms", "0")]).starts_with("attempt_timeout_ms: `0`"));
        assert!(err(&[("providers", "{}")]).starts_with("providers"));
        let broken = Config::load(|_| Err("store down".into())).unwrap_err();
        assert!(broken.contains("`providers` cannot be read"), "{broken}");
    }
}
