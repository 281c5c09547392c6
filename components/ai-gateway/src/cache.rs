//! The response cache: when a request allows it (`allow-cache`), an identical earlier
//! answer is served again instead of paying a provider for it. Stored by the glue in the
//! `wasi:keyvalue` bucket `cache` under [`key`], as [`Entry::to_json`], for `cache_ttl_ms`
//! (default one hour) of wall-clock time; an expired entry is deleted when read.
//!
//! "Identical" is decided on a normalised request: the models it may be answered by (the
//! resolved route, or the explicit model), the feature, each message's role and content
//! with whitespace runs collapsed and ends trimmed (so reflowed text hits), `max_tokens`,
//! `temperature` and the response schema in canonical JSON (keys sorted). Only successful,
//! schema-valid provider answers are stored; offline answers are free and deterministic, so
//! they are never cached.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::providers::Turn;

/// Default time to live: one hour.
pub const DEFAULT_TTL_MS: u64 = 3_600_000;

/// What a request's cache key is made of.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The models that may answer, in route order.
    pub models: &'a [String],
    /// The calling feature.
    pub feature: &'a str,
    /// The conversation.
    pub turns: &'a [Turn<'a>],
    /// `max-tokens`.
    pub max_tokens: Option<u32>,
    /// `temperature`.
    pub temperature: Option<f32>,
    /// `response-schema`, parsed.
    pub schema: Option<&'a Value>,
}

/// Collapses whitespace runs to one space and trims the ends.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// JSON text with every object's keys sorted, so equal documents written in different
/// key orders give one text.
pub fn canonical(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&map[k]));
                }
                Value::Object(out)
            }
            Value::Array(list) => Value::Array(list.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    // `serde_json::Map` keeps insertion order when its `preserve_order` feature is on and
    // sorts otherwise; inserting in sorted order gives sorted text either way.
    sorted(v).to_string()
}

/// The cache key: SHA-256 (hex) of the normalised request.
pub fn key(r: &Request<'_>) -> String {
    let messages: Vec<Value> = r
        .turns
        .iter()
        .map(|(role, content)| json!([role, normalise(content)]))
        .collect();
    let doc = json!({
        "v": 1,
        "models": r.models,
        "feature": r.feature,
        "messages": messages,
        "max_tokens": r.max_tokens,
        "temperature": r.temperature,
        "schema": r.schema,
    });
    let digest = Sha256::digest(canonical(&doc).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A cached answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The answer's content.
    pub content: String,
    /// The model that produced it.
    pub model: String,
    /// The provider that served it.
    pub provider: String,
    /// Prompt tokens, as originally reported.
    pub input_tokens: u32,
    /// Generated tokens, as originally reported.
    pub output_tokens: u32,
    /// Wall-clock milliseconds since the Unix epoch after which it is stale.
    pub expires_at_ms: u64,
}

impl Entry {
    /// The stored form.
    pub fn to_json(&self) -> String {
        json!({
            "content": self.content,
            "model": self.model,
            "provider": self.provider,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "expires_at_ms": self.expires_at_ms,
        })
        .to_string()
    }

    /// Reads the stored form (`None` if it is not one: treated as a miss).
    pub fn from_json(bytes: &[u8]) -> Option<Entry> {
        let v: Value = serde_json::from_slice(bytes).ok()?;
        let s = |f: &str| v[f].as_str().map(str::to_owned);
        let n = |f: &str| v[f].as_u64();
        Some(Entry {
            content: s("content")?,
            model: s("model")?,
            provider: s("provider")?,
            input_tokens: u32::try_from(n("input_tokens")?).ok()?,
            output_tokens: u32::try_from(n("output_tokens")?).ok()?,
            expires_at_ms: n("expires_at_ms")?,
        })
    }

    /// Whether it may still be served at `now_ms`.
    pub fn fresh(&self, now_ms: u64) -> bool {
        now_ms < self.expires_at_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models() -> Vec<String> {
        vec!["gpt-4o-mini".into(), "tessera-offline".into()]
    }

    fn base<'a>(models: &'a [String], turns: &'a [Turn<'a>]) -> Request<'a> {
        Request {
            models,
            feature: "tutor",
            turns,
            max_tokens: Some(100),
            temperature: Some(0.2),
            schema: None,
        }
    }

    #[test]
    fn whitespace_differences_hit_the_same_key() {
        let m = models();
        let a = [("system", "Be kind."), ("user", "What is\n  recursion?")];
        let b = [("system", "  Be kind. "), ("user", "What is recursion?\n")];
        assert_eq!(key(&base(&m, &a)), key(&base(&m, &b)));
        assert_eq!(key(&base(&m, &a)).len(), 64);
        assert_eq!(normalise("  a \t b\n\nc "), "a b c");
    }

    #[test]
    fn any_other_difference_misses() {
        let m = models();
        let t = [("user", "What is recursion?")];
        let k = key(&base(&m, &t));
        let changed = [
            Request {
                temperature: Some(0.3),
                ..base(&m, &t)
            },
            Request {
                temperature: None,
                ..base(&m, &t)
            },
            Request {
                max_tokens: Some(101),
                ..base(&m, &t)
            },
            Request {
                feature: "quiz",
                ..base(&m, &t)
            },
        ];
        for r in changed {
            assert_ne!(key(&r), k, "{r:?}");
        }
        let other_models = vec!["gpt-4o-mini".to_owned()];
        assert_ne!(key(&base(&other_models, &t)), k);
        assert_ne!(key(&base(&m, &[("system", "What is recursion?")])), k);
        assert_ne!(key(&base(&m, &[("user", "What is recursion!")])), k);
        let schema = json!({"type": "object"});
        assert_ne!(
            key(&Request {
                schema: Some(&schema),
                ..base(&m, &t)
            }),
            k
        );
    }

    #[test]
    fn schemas_compare_canonically() {
        let m = models();
        let t = [("user", "quiz me")];
        let a: Value =
            serde_json::from_str(r#"{"type":"object","properties":{"b":{},"a":{}}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"properties":{"a":{},"b":{}},"type":"object"}"#).unwrap();
        let with = |s| Request {
            schema: Some(s),
            ..base(&m, &t)
        };
        assert_eq!(key(&with(&a)), key(&with(&b)));
        assert_eq!(
            canonical(&b),
            r#"{"properties":{"a":{},"b":{}},"type":"object"}"#
        );
    }

    #[test]
    fn entries_round_trip_and_expire() {
        let e = Entry {
            content: "hi".into(),
            model: "gpt-4o-mini".into(),
            provider: "openai".into(),
            input_tokens: 7,
            output_tokens: 4,
            expires_at_ms: 1_000,
        };
        assert_eq!(Entry::from_json(e.to_json().as_bytes()), Some(e.clone()));
        assert!(e.fresh(999) && !e.fresh(1_000));
        assert_eq!(Entry::from_json(b"{}"), None);
        assert_eq!(Entry::from_json(b"garbage"), None);
    }
}
