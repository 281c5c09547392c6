//! The per-provider circuit breaker's state machine. Pure: time is an argument (`now_ms`,
//! wall-clock milliseconds, so replicas sharing the store agree on it) and the glue loads
//! and stores the state (`wasi:keyvalue` bucket `breakers`, key = provider name, value =
//! [`State::to_json`]) so every replica sharing the store sees one breaker per provider.
//!
//! - **closed**: requests go through; `failures` consecutive failed attempts (default 5)
//!   open it.
//! - **open**: requests fail fast, nothing is sent, for `open_ms` (default 60 000); then
//!   the next request finds it **half-open**.
//! - **half-open**: one request at a time goes through as a probe (a lease, so concurrent
//!   replicas do not all probe; it expires if the prober dies); `successes` consecutive
//!   successes (default 3) close it, a failure reopens it for a new `open_ms`.
//!
//! What counts as a failure is [`crate::retry::Failure::trips_breaker`]: outages (5xx, 529,
//! timeouts, connection errors) and malformed replies; a 429 and other 4xx are
//! [`Outcome::Neutral`]. Each attempt counts, retries included: the breaker measures the
//! provider, not the caller's requests.
//!
//! The key-value store has no compare-and-swap, so concurrent updates are last-writer-wins;
//! a lost update costs at most a few extra requests to a failing provider.

use serde_json::{Value, json};

/// Thresholds (config value `breaker`, JSON `{"failures":5,"open_ms":60000,"successes":3}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Consecutive failures that open a closed breaker.
    pub failures: u32,
    /// How long an open breaker fails fast before letting a probe through.
    pub open_ms: u64,
    /// Consecutive successes that close a half-open breaker.
    pub successes: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            failures: 5,
            open_ms: 60_000,
            successes: 3,
        }
    }
}

impl Config {
    /// Parses config value `breaker`; absent fields keep their defaults, unknown fields are
    /// errors.
    pub fn parse(json_text: &str) -> Result<Config, String> {
        let v: Value = serde_json::from_str(json_text)
            .map_err(|e| format!("breaker: not a JSON object: {e}"))?;
        let map = v.as_object().ok_or("breaker: a JSON object is required")?;
        let mut config = Config::default();
        for (key, value) in map {
            let n = || {
                value
                    .as_u64()
                    .ok_or_else(|| format!("breaker.{key}: a whole number is required"))
            };
            let positive = || {
                n().and_then(|n| match u32::try_from(n) {
                    Ok(n) if n >= 1 => Ok(n),
                    _ => Err(format!("breaker.{key}: must be at least 1")),
                })
            };
            match key.as_str() {
                "failures" => config.failures = positive()?,
                "successes" => config.successes = positive()?,
                "open_ms" => config.open_ms = n()?,
                other => {
                    return Err(format!(
                        "breaker.{other}: unknown field (failures, open_ms, successes)"
                    ));
                }
            }
        }
        Ok(config)
    }
}

/// A breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Requests go through; `failures` consecutive failures so far.
    Closed {
        /// Consecutive failures.
        failures: u32,
    },
    /// Failing fast until `until_ms`.
    Open {
        /// When it turns half-open.
        until_ms: u64,
    },
    /// Probing: `successes` consecutive successes so far; a probe is in flight until
    /// `probe_until_ms` (its lease).
    HalfOpen {
        /// Consecutive successful probes.
        successes: u32,
        /// The in-flight probe's lease, if one is out.
        probe_until_ms: Option<u64>,
    },
}

impl Default for State {
    fn default() -> Self {
        State::Closed { failures: 0 }
    }
}

impl State {
    /// The state's name, as logged and stored.
    pub fn name(&self) -> &'static str {
        match self {
            State::Closed { .. } => "closed",
            State::Open { .. } => "open",
            State::HalfOpen { .. } => "half-open",
        }
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        match self {
            State::Closed { failures } => json!({ "state": "closed", "failures": failures }),
            State::Open { until_ms } => json!({ "state": "open", "until_ms": until_ms }),
            State::HalfOpen {
                successes,
                probe_until_ms,
            } => json!({ "state": "half-open", "successes": successes, "probe_until_ms": probe_until_ms }),
        }
        .to_string()
    }

    /// Reads the stored form; an error says what is wrong (the glue then treats the
    /// breaker as closed).
    pub fn from_json(bytes: &[u8]) -> Result<State, String> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let n = |f: &str| v[f].as_u64().ok_or_else(|| format!("no `{f}`"));
        let small = |f: &str| n(f).map(|n| n.min(u64::from(u32::MAX)) as u32);
        match v["state"].as_str() {
            Some("closed") => Ok(State::Closed {
                failures: small("failures")?,
            }),
            Some("open") => Ok(State::Open {
                until_ms: n("until_ms")?,
            }),
            Some("half-open") => Ok(State::HalfOpen {
                successes: small("successes")?,
                probe_until_ms: v["probe_until_ms"].as_u64(),
            }),
            _ => Err("no known `state`".into()),
        }
    }
}

/// Whether a request may go to the provider now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Closed: go ahead.
    Allow,
    /// Half-open: go ahead as the probe; its outcome decides the breaker's fate.
    Probe,
    /// Open (or a probe is already out): fail fast without sending anything.
    Reject,
}

/// Asks to send a request at `now_ms`; a probe holds its lease for `probe_lease_ms` (the
/// longest an attempt can take). Returns the admission and the state to store.
pub fn admit(state: State, now_ms: u64, probe_lease_ms: u64) -> (Admission, State) {
    let lease = Some(now_ms.saturating_add(probe_lease_ms));
    match state {
        State::Closed { .. } => (Admission::Allow, state),
        State::Open { until_ms } if now_ms < until_ms => (Admission::Reject, state),
        State::Open { .. } => (
            Admission::Probe,
            State::HalfOpen {
                successes: 0,
                probe_until_ms: lease,
            },
        ),
        State::HalfOpen {
            probe_until_ms: Some(until),
            ..
        } if now_ms < until => (Admission::Reject, state),
        State::HalfOpen { successes, .. } => (
            Admission::Probe,
            State::HalfOpen {
                successes,
                probe_until_ms: lease,
            },
        ),
    }
}

/// How an admitted attempt went, for the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The provider answered usably.
    Success,
    /// An outage-like failure ([`crate::retry::Failure::trips_breaker`]).
    Failure,
    /// Neither (a 429, another 4xx): changes no count, but ends a probe's lease.
    Neutral,
}

/// The state after an attempt admitted earlier ended with `outcome` at `now_ms`.
pub fn record(state: State, config: &Config, now_ms: u64, outcome: Outcome) -> State {
    let open = State::Open {
        until_ms: now_ms.saturating_add(config.open_ms),
    };
    match (state, outcome) {
        (State::Closed { .. }, Outcome::Success) => State::Closed { failures: 0 },
        (State::Closed { failures }, Outcome::Failure) => {
            let failures = failures.saturating_add(1);
            if failures >= config.failures {
                open
            } else {
                State::Closed { failures }
            }
        }
        (State::HalfOpen { successes, .. }, Outcome::Success) => {
            let successes = successes.saturating_add(1);
            if successes >= config.successes {
                State::Closed { failures: 0 }
            } else {
                State::HalfOpen {
                    successes,
                    probe_until_ms: None,
                }
            }
        }
        (State::HalfOpen { .. }, Outcome::Failure) => open,
        (State::HalfOpen { successes, .. }, Outcome::Neutral) => State::HalfOpen {
            successes,
            probe_until_ms: None,
        },
        // Open: another replica opened it while this attempt was out; its outcome changes
        // nothing until the open period ends. Closed and neutral: nothing to count.
        (state, _) => state,
    }
}

/// A log line for a change of state (`None` when the state kept its name).
pub fn transition(old: &State, new: &State, config: &Config) -> Option<String> {
    if old.name() == new.name() {
        return None;
    }
    Some(match (old, new) {
        (State::Closed { .. }, State::Open { .. }) => format!(
            "closed → open after {} consecutive failures; failing fast for {} ms",
            config.failures, config.open_ms
        ),
        (State::Open { .. }, State::HalfOpen { .. }) => {
            "open → half-open: letting a probe through".to_owned()
        }
        (State::HalfOpen { .. }, State::Closed { .. }) => format!(
            "half-open → closed after {} consecutive successes",
            config.successes
        ),
        (State::HalfOpen { .. }, State::Open { .. }) => format!(
            "half-open → open: the probe failed; failing fast for {} ms",
            config.open_ms
        ),
        (old, new) => format!("{} → {}", old.name(), new.name()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: Config = Config {
        failures: 5,
        open_ms: 60_000,
        successes: 3,
    };
    const LEASE: u64 = 21_000;

    #[test]
    fn config_parses_with_defaults_and_field_errors() {
        assert_eq!(Config::parse("{}").unwrap(), Config::default());
        assert_eq!(
            Config::parse(r#"{"open_ms":50,"failures":2}"#).unwrap(),
            Config {
                failures: 2,
                open_ms: 50,
                successes: 3
            }
        );
        assert!(
            Config::parse(r#"{"failures":0}"#)
                .unwrap_err()
                .contains("breaker.failures")
        );
        assert!(
            Config::parse(r#"{"successes":"3"}"#)
                .unwrap_err()
                .contains("breaker.successes")
        );
        assert!(
            Config::parse(r#"{"open":1}"#)
                .unwrap_err()
                .contains("breaker.open: unknown")
        );
        assert!(Config::parse("5").unwrap_err().contains("breaker"));
    }

    #[test]
    fn state_round_trips_through_json() {
        for s in [
            State::Closed { failures: 3 },
            State::Open { until_ms: 12 },
            State::HalfOpen {
                successes: 2,
                probe_until_ms: Some(99),
            },
            State::HalfOpen {
                successes: 0,
                probe_until_ms: None,
            },
        ] {
            assert_eq!(State::from_json(s.to_json().as_bytes()).unwrap(), s);
        }
        assert!(State::from_json(b"nope").is_err());
        assert!(State::from_json(br#"{"state":"ajar"}"#).is_err());
        assert!(State::from_json(br#"{"state":"open"}"#).is_err());
    }

    #[test]
    fn closed_allows_and_counts_consecutive_failures() {
        let s = State::default();
        assert_eq!(admit(s, 0, LEASE), (Admission::Allow, s));
        let mut s = s;
        for i in 1..5 {
            s = record(s, &CFG, 10, Outcome::Failure);
            assert_eq!(s, State::Closed { failures: i });
        }
        // A success resets the count; neutral outcomes change nothing.
        assert_eq!(
            record(s, &CFG, 10, Outcome::Success),
            State::Closed { failures: 0 }
        );
        assert_eq!(record(s, &CFG, 10, Outcome::Neutral), s);
    }

    #[test]
    fn closed_opens_after_the_threshold() {
        let s = record(State::Closed { failures: 4 }, &CFG, 1_000, Outcome::Failure);
        assert_eq!(s, State::Open { until_ms: 61_000 });
        assert!(
            transition(&State::Closed { failures: 4 }, &s, &CFG)
                .unwrap()
                .contains("closed → open after 5 consecutive failures")
        );
    }

    #[test]
    fn open_fails_fast_until_its_time_is_up() {
        let s = State::Open { until_ms: 61_000 };
        assert_eq!(admit(s, 1_000, LEASE), (Admission::Reject, s));
        assert_eq!(admit(s, 60_999, LEASE), (Admission::Reject, s));
        // Outcomes of attempts admitted before it opened change nothing.
        assert_eq!(record(s, &CFG, 2_000, Outcome::Success), s);
        assert_eq!(record(s, &CFG, 2_000, Outcome::Failure), s);
        assert_eq!(record(s, &CFG, 2_000, Outcome::Neutral), s);
    }

    #[test]
    fn open_turns_half_open_and_lets_one_probe_through() {
        let s = State::Open { until_ms: 61_000 };
        let (a, half) = admit(s, 61_000, LEASE);
        assert_eq!(a, Admission::Probe);
        assert_eq!(
            half,
            State::HalfOpen {
                successes: 0,
                probe_until_ms: Some(82_000)
            }
        );
        assert_eq!(
            transition(&s, &half, &CFG).unwrap(),
            "open → half-open: letting a probe through"
        );
        // While the probe is out, others fail fast; once its lease lapses, another probes.
        assert_eq!(admit(half, 70_000, LEASE), (Admission::Reject, half));
        assert_eq!(admit(half, 82_000, LEASE).0, Admission::Probe);
    }

    #[test]
    fn half_open_closes_after_consecutive_successes() {
        let mut s = State::HalfOpen {
            successes: 0,
            probe_until_ms: Some(100),
        };
        for i in 1..3 {
            s = record(s, &CFG, 50, Outcome::Success);
            assert_eq!(
                s,
                State::HalfOpen {
                    successes: i,
                    probe_until_ms: None
                }
            );
            let (a, probing) = admit(s, 60, LEASE);
            assert_eq!(a, Admission::Probe);
            s = probing;
        }
        let closed = record(s, &CFG, 70, Outcome::Success);
        assert_eq!(closed, State::Closed { failures: 0 });
        assert_eq!(
            transition(&s, &closed, &CFG).unwrap(),
            "half-open → closed after 3 consecutive successes"
        );
    }

    #[test]
    fn half_open_failure_reopens_for_a_new_period() {
        let s = State::HalfOpen {
            successes: 2,
            probe_until_ms: Some(100),
        };
        let reopened = record(s, &CFG, 5_000, Outcome::Failure);
        assert_eq!(reopened, State::Open { until_ms: 65_000 });
        assert!(
            transition(&s, &reopened, &CFG)
                .unwrap()
                .starts_with("half-open → open")
        );
    }

    #[test]
    fn half_open_neutral_ends_the_probe_without_counting() {
        let s = State::HalfOpen {
            successes: 1,
            probe_until_ms: Some(100),
        };
        assert_eq!(
            record(s, &CFG, 50, Outcome::Neutral),
            State::HalfOpen {
                successes: 1,
                probe_until_ms: None
            }
        );
    }

    #[test]
    fn a_threshold_of_one_works_both_ways() {
        let one = Config {
            failures: 1,
            open_ms: 0,
            successes: 1,
        };
        let open = record(State::default(), &one, 7, Outcome::Failure);
        assert_eq!(open, State::Open { until_ms: 7 });
        let (a, half) = admit(open, 7, 0);
        assert_eq!(a, Admission::Probe);
        assert_eq!(
            record(half, &one, 8, Outcome::Success),
            State::Closed { failures: 0 }
        );
        assert_eq!(transition(&open, &open, &one), None);
    }
}
