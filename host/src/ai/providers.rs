//! The AI providers as the console shows them: each provider the gateway plugin is
//! configured with (`[grants.config] providers`) and the state of its circuit breaker.
//!
//! The breakers live inside the gateway component, which stores each one in its
//! `wasi:keyvalue` bucket `breakers` (key: provider name; value: JSON
//! `{"state":"closed","failures":n}`, `{"state":"open","until_ms":t}` or
//! `{"state":"half-open","successes":n,"probe_until_ms":t}`, see
//! `components/ai-gateway/src/breaker.rs`). The host reads that bucket the way the plugin
//! does, so every replica sharing the store reports the same states, and the plugin
//! contract stays as it is.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::runtime::LoadedPlugin;

/// The gateway's bucket of breakers (as `components/ai-gateway` names it).
const BREAKER_BUCKET: &str = "breakers";

/// The providers and their breakers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvidersReport {
    /// The gateway plugin (`id@version`); null when none is installed.
    pub gateway: Option<String>,
    /// The configured providers, in the gateway's order. Empty: every request is
    /// answered by the offline model `tessera-offline`.
    pub providers: Vec<ProviderStatus>,
}

/// One provider.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderStatus {
    /// Its name (the breaker's key, and `x-tessera-provider` on answers).
    pub name: String,
    /// Its wire format (`openai`, `anthropic`, …) as configured.
    pub kind: Option<String>,
    /// The models routed to it.
    pub models: Vec<String>,
    /// Its circuit breaker.
    pub breaker: BreakerView,
}

/// A circuit breaker as the next request meets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BreakerView {
    /// `closed` (requests go through), `open` (requests fail over without reaching the
    /// provider) or `half-open` (one probe at a time decides). An open breaker whose
    /// wait is over is reported `half-open`: the next request is its probe.
    pub state: String,
    /// Consecutive failures counted while closed.
    pub failures: u32,
    /// Consecutive successful probes while half-open.
    pub successes: u32,
    /// While open: when it lets a probe through (RFC 3339).
    pub open_until: Option<String>,
    /// Whether a probe is out now (half-open).
    pub probing: bool,
    /// Why the stored state could not be read, if so (it is then shown closed, as the
    /// gateway treats it).
    pub problem: Option<String>,
}

impl BreakerView {
    fn closed(failures: u32) -> Self {
        BreakerView {
            state: "closed".into(),
            failures,
            successes: 0,
            open_until: None,
            probing: false,
            problem: None,
        }
    }

    /// The view of a stored state (`None`: never written, so closed) at `now_ms`.
    pub fn from_stored(stored: Option<&[u8]>, now_ms: u64) -> Self {
        let Some(bytes) = stored else {
            return Self::closed(0);
        };
        let unreadable = |why: String| BreakerView {
            problem: Some(why),
            ..Self::closed(0)
        };
        let v: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => return unreadable(format!("not JSON: {e}")),
        };
        let small = |f: &str| v[f].as_u64().map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        match v["state"].as_str() {
            Some("closed") => Self::closed(small("failures").unwrap_or(0)),
            Some("open") => match v["until_ms"].as_u64() {
                Some(until) if now_ms < until => BreakerView {
                    state: "open".into(),
                    open_until: Some(rfc3339(until)),
                    ..Self::closed(0)
                },
                Some(_) => BreakerView {
                    state: "half-open".into(),
                    ..Self::closed(0)
                },
                None => unreadable("an open state without `until_ms`".into()),
            },
            Some("half-open") => BreakerView {
                state: "half-open".into(),
                successes: small("successes").unwrap_or(0),
                probing: v["probe_until_ms"].as_u64().is_some_and(|t| now_ms < t),
                ..Self::closed(0)
            },
            _ => unreadable("no known `state`".into()),
        }
    }
}

fn rfc3339(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(i64::MAX))
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The providers of the gateway's `providers` config value (name, kind, models; never
/// the keys). A value the gateway itself would refuse lists what it can.
fn configured(gateway: &LoadedPlugin) -> Vec<(String, Option<String>, Vec<String>)> {
    let Some(text) = gateway.services.config.get("providers") else {
        return Vec::new();
    };
    let list: Vec<Value> = serde_json::from_str(text).unwrap_or_default();
    list.iter()
        .filter_map(|p| {
            let name = p["name"].as_str()?.to_owned();
            let kind = p["kind"].as_str().map(str::to_owned);
            let models = p["models"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Some((name, kind, models))
        })
        .collect()
}

/// The report for `gateway` (none installed: an empty one).
pub async fn report(gateway: Option<&LoadedPlugin>) -> Result<ProvidersReport, crate::kv::KvError> {
    let Some(gateway) = gateway else {
        return Ok(ProvidersReport {
            gateway: None,
            providers: Vec::new(),
        });
    };
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    let mut providers = Vec::new();
    for (name, kind, models) in configured(gateway) {
        let stored = gateway
            .services
            .keyvalue
            .read(BREAKER_BUCKET, &name)
            .await?;
        providers.push(ProviderStatus {
            breaker: BreakerView::from_stored(stored.as_deref(), now_ms),
            name,
            kind,
            models,
        });
    }
    let plugin = gateway.plugin_ref();
    Ok(ProvidersReport {
        gateway: Some(format!("{}@{}", plugin.id, plugin.version)),
        providers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(stored: &str, now_ms: u64) -> BreakerView {
        BreakerView::from_stored(Some(stored.as_bytes()), now_ms)
    }

    #[test]
    fn stored_states_read_as_the_next_request_meets_them() {
        assert_eq!(BreakerView::from_stored(None, 5).state, "closed");
        let closed = view(r#"{"state":"closed","failures":3}"#, 5);
        assert_eq!((closed.state.as_str(), closed.failures), ("closed", 3));

        let open = view(r#"{"state":"open","until_ms":1000}"#, 999);
        assert_eq!(open.state, "open");
        assert_eq!(open.open_until.as_deref(), Some("1970-01-01T00:00:01Z"));
        // The wait is over: the next request is the probe.
        let waited = view(r#"{"state":"open","until_ms":1000}"#, 1000);
        assert_eq!(
            (waited.state.as_str(), waited.open_until),
            ("half-open", None)
        );

        let probing = view(
            r#"{"state":"half-open","successes":1,"probe_until_ms":50}"#,
            10,
        );
        assert_eq!(
            (probing.state.as_str(), probing.successes, probing.probing),
            ("half-open", 1, true)
        );
        let lease_over = view(
            r#"{"state":"half-open","successes":1,"probe_until_ms":50}"#,
            60,
        );
        assert!(!lease_over.probing);
    }

    #[test]
    fn an_unreadable_state_is_shown_closed_with_the_reason() {
        for (stored, why) in [
            ("{", "not JSON"),
            (r#"{"state":"ajar"}"#, "no known `state`"),
            (r#"{"state":"open"}"#, "until_ms"),
        ] {
            let v = view(stored, 0);
            assert_eq!(v.state, "closed", "{stored}");
            assert!(
                v.problem.as_deref().unwrap_or("").contains(why),
                "{stored}: {v:?}"
            );
        }
    }
}
