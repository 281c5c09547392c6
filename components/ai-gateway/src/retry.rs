//! How a failed attempt is classified and what happens next: retry the same model after a
//! backoff, or fall over to the next model of the route. Pure: the glue supplies the
//! attempt number, the failure and a random number, and does the sleeping.
//!
//! Policy (config value `retry`, JSON `{"max_attempts":3,"base_ms":200,"max_backoff_ms":5000}`):
//! - 429, 5xx (Anthropic's 529 included), connection errors and timeouts are retried on
//!   the same model, up to `max_attempts` attempts in all;
//! - the wait is full-jitter exponential backoff, a random time in
//!   `[0, min(max_backoff_ms, base_ms·2ⁿ)]` before retry `n + 1` — unless the provider sent
//!   `Retry-After`, which is honoured instead; a `Retry-After` longer than
//!   `max_backoff_ms` is not waited for: the next model of the route is tried;
//! - other 4xx and malformed replies are not retried on the same model (asking again would
//!   get the same answer) but do fall over to the next model.

use serde_json::Value;

/// The retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Attempts per model, the first included (1 = no retries).
    pub max_attempts: u32,
    /// Backoff base: retry `n + 1` waits at most `base_ms · 2ⁿ`.
    pub base_ms: u64,
    /// Cap of a backoff, and the longest `Retry-After` waited for.
    pub max_backoff_ms: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 3,
            base_ms: 200,
            max_backoff_ms: 5000,
        }
    }
}

/// Most attempts per model accepted in config.
pub const MAX_ATTEMPTS_LIMIT: u32 = 10;

impl Policy {
    /// Parses config value `retry`; absent fields keep their defaults, unknown fields are
    /// errors (a typo never silently means the default).
    pub fn parse(json_text: &str) -> Result<Policy, String> {
        let v: Value = serde_json::from_str(json_text)
            .map_err(|e| format!("retry: not a JSON object: {e}"))?;
        let map = v.as_object().ok_or("retry: a JSON object is required")?;
        let mut policy = Policy::default();
        for (key, value) in map {
            let n = || {
                value
                    .as_u64()
                    .ok_or_else(|| format!("retry.{key}: a whole number is required"))
            };
            match key.as_str() {
                "max_attempts" => {
                    let n = n()?;
                    if !(1..=u64::from(MAX_ATTEMPTS_LIMIT)).contains(&n) {
                        return Err(format!(
                            "retry.max_attempts: must be from 1 to {MAX_ATTEMPTS_LIMIT}"
                        ));
                    }
                    policy.max_attempts = n as u32;
                }
                "base_ms" => policy.base_ms = n()?,
                "max_backoff_ms" => policy.max_backoff_ms = n()?,
                other => {
                    return Err(format!(
                        "retry.{other}: unknown field (max_attempts, base_ms, max_backoff_ms)"
                    ));
                }
            }
        }
        Ok(policy)
    }

    /// The full-jitter backoff before retry `n + 1` (`n` = failed attempts so far, minus
    /// one): `random` reduced to `[0, min(max_backoff_ms, base_ms·2ⁿ)]`.
    pub fn backoff_ms(&self, n: u32, random: u64) -> u64 {
        let ceiling = self
            .base_ms
            .saturating_mul(1u64.checked_shl(n.min(63)).unwrap_or(u64::MAX))
            .min(self.max_backoff_ms);
        if ceiling == 0 {
            0
        } else {
            random % (ceiling + 1)
        }
    }
}

/// Why one attempt failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// HTTP 429; `Retry-After` in milliseconds when the provider sent one.
    RateLimited {
        /// `Retry-After`, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// HTTP 5xx or 529 (overloaded): an outage.
    Server {
        /// The status.
        status: u16,
        /// `Retry-After`, in milliseconds.
        retry_after_ms: Option<u64>,
        /// The error body's message.
        message: Option<String>,
    },
    /// No answer within `attempt_timeout_ms` (connect, first byte or between bytes).
    Timeout,
    /// The connection failed (refused, reset, TLS, DNS).
    Connection(String),
    /// Another status (4xx other than 429, an unexpected 1xx/3xx): the provider refused
    /// this request; asking again would get the same answer.
    Rejected {
        /// The status.
        status: u16,
        /// The error body's message.
        message: Option<String>,
    },
    /// A 2xx whose body is not the provider's reply format.
    Malformed(String),
    /// The request could not be made at all (the host refused the destination, a bad
    /// `base_url`): configuration, not the provider's health.
    Refused(String),
    /// The provider's circuit breaker is open: no request was sent.
    CircuitOpen,
}

impl Failure {
    /// Classifies a non-2xx status.
    pub fn from_status(status: u16, retry_after_ms: Option<u64>, message: Option<String>) -> Self {
        match status {
            429 => Failure::RateLimited { retry_after_ms },
            500..=599 => Failure::Server {
                status,
                retry_after_ms,
                message,
            },
            _ => Failure::Rejected { status, message },
        }
    }

    /// Whether the same model may be asked again.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Failure::RateLimited { .. }
                | Failure::Server { .. }
                | Failure::Timeout
                | Failure::Connection(_)
        )
    }

    /// Whether it counts as a failure for the provider's circuit breaker: outages (5xx,
    /// 529, timeouts, connection errors) and malformed replies do; a 429 does not (a rate
    /// limit is the provider working as intended, not an outage, and tripping on it would
    /// shut out every replica over one noisy caller); other 4xx are our request's fault.
    pub fn trips_breaker(&self) -> bool {
        matches!(
            self,
            Failure::Server { .. }
                | Failure::Timeout
                | Failure::Connection(_)
                | Failure::Malformed(_)
        )
    }

    /// Whether the provider answered, but with something unusable (the request's outcome
    /// is then `provider-error` rather than `unavailable` if every model did so).
    pub fn unusable_answer(&self) -> bool {
        matches!(self, Failure::Rejected { .. } | Failure::Malformed(_))
    }

    /// `Retry-After`, if the provider sent one.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            Failure::RateLimited { retry_after_ms } | Failure::Server { retry_after_ms, .. } => {
                *retry_after_ms
            }
            _ => None,
        }
    }

    /// A short description for logs and the `unavailable` summary.
    pub fn describe(&self) -> String {
        let with = |head: String, message: &Option<String>| match message {
            Some(m) => format!("{head}: {m}"),
            None => head,
        };
        match self {
            Failure::RateLimited { .. } => "HTTP 429".into(),
            Failure::Server {
                status, message, ..
            } => with(format!("HTTP {status}"), message),
            Failure::Timeout => "timeout".into(),
            Failure::Connection(m) => format!("connection error: {m}"),
            Failure::Rejected { status, message } => with(format!("HTTP {status}"), message),
            Failure::Malformed(m) => format!("malformed reply: {m}"),
            Failure::Refused(m) => format!("request refused: {m}"),
            Failure::CircuitOpen => "circuit open".into(),
        }
    }
}

/// What to do after attempt `attempt` (1-based) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Wait this long, then ask the same model again.
    Retry {
        /// Milliseconds to sleep.
        wait_ms: u64,
    },
    /// Give up on this model: try the route's next one.
    NextModel,
}

/// Decides what follows a failed attempt; `random` feeds the jitter.
pub fn next(policy: &Policy, attempt: u32, failure: &Failure, random: u64) -> Next {
    if !failure.retryable() || attempt >= policy.max_attempts {
        return Next::NextModel;
    }
    match failure.retry_after_ms() {
        Some(ms) if ms > policy.max_backoff_ms => Next::NextModel,
        Some(ms) => Next::Retry { wait_ms: ms },
        None => Next::Retry {
            wait_ms: policy.backoff_ms(attempt.saturating_sub(1), random),
        },
    }
}

/// Parses a `Retry-After` header into milliseconds: a non-negative number of seconds,
/// integer or decimal (`"2"`, `"0.5"`). The HTTP-date form and anything else is `None`
/// (unknown): providers of chat APIs send seconds.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let seconds: f64 = value.parse().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    Some((seconds * 1000.0).ceil().min(u64::MAX as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_parses_with_defaults_and_field_errors() {
        assert_eq!(Policy::parse("{}").unwrap(), Policy::default());
        assert_eq!(
            Policy::parse(r#"{"max_attempts":1,"base_ms":5}"#).unwrap(),
            Policy {
                max_attempts: 1,
                base_ms: 5,
                max_backoff_ms: 5000
            }
        );
        let err = |t: &str| Policy::parse(t).unwrap_err();
        assert!(err(r#"{"max_attempts":0}"#).contains("retry.max_attempts"));
        assert!(err(r#"{"max_attempts":11}"#).contains("retry.max_attempts"));
        assert!(err(r#"{"base_ms":-1}"#).contains("retry.base_ms"));
        assert!(err(r#"{"max_attempt":3}"#).contains("retry.max_attempt: unknown"));
        assert!(err("[]").contains("retry"));
        assert!(err("{").contains("retry"));
    }

    #[test]
    fn backoff_is_full_jitter_within_the_exponential_cap() {
        let p = Policy::default();
        for n in 0..40 {
            let cap = (200u64 << n.min(20)).min(5000);
            for r in [0, 1, 7, 199, 200, 12345, u64::MAX - 1, u64::MAX] {
                let b = p.backoff_ms(n, r);
                assert!(b <= cap, "n={n} r={r} b={b} cap={cap}");
            }
            assert_eq!(p.backoff_ms(n, cap), cap);
            assert_eq!(p.backoff_ms(n, 0), 0);
        }
        assert_eq!(p.backoff_ms(0, 200), 200);
        assert_eq!(p.backoff_ms(0, 201), 0);
        assert_eq!(p.backoff_ms(1, 400), 400);
        assert_eq!(p.backoff_ms(5, 5000), 5000);
        let zero = Policy {
            base_ms: 0,
            ..Policy::default()
        };
        assert_eq!(zero.backoff_ms(3, 99), 0);
    }

    #[test]
    fn retry_after_is_seconds_integer_or_decimal() {
        assert_eq!(parse_retry_after("2"), Some(2000));
        assert_eq!(parse_retry_after(" 0.25 "), Some(250));
        assert_eq!(parse_retry_after("0"), Some(0));
        assert_eq!(parse_retry_after("1.0005"), Some(1001));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(parse_retry_after("1e3"), None);
        assert_eq!(parse_retry_after("."), None);
    }

    #[test]
    fn statuses_classify() {
        assert_eq!(
            Failure::from_status(429, Some(5), None),
            Failure::RateLimited {
                retry_after_ms: Some(5)
            }
        );
        assert!(matches!(
            Failure::from_status(529, None, None),
            Failure::Server { status: 529, .. }
        ));
        assert!(matches!(
            Failure::from_status(503, None, None),
            Failure::Server { status: 503, .. }
        ));
        assert!(matches!(
            Failure::from_status(400, None, None),
            Failure::Rejected { status: 400, .. }
        ));
        assert!(matches!(
            Failure::from_status(301, None, None),
            Failure::Rejected { status: 301, .. }
        ));
        let rate = Failure::from_status(429, None, None);
        assert!(rate.retryable() && !rate.trips_breaker() && !rate.unusable_answer());
        let down = Failure::from_status(500, None, None);
        assert!(down.retryable() && down.trips_breaker());
        assert!(Failure::Timeout.retryable() && Failure::Timeout.trips_breaker());
        let malformed = Failure::Malformed("x".into());
        assert!(!malformed.retryable() && malformed.trips_breaker() && malformed.unusable_answer());
        let bad = Failure::from_status(400, None, Some("no".into()));
        assert!(!bad.retryable() && !bad.trips_breaker() && bad.unusable_answer());
        assert_eq!(bad.describe(), "HTTP 400: no");
        assert!(!Failure::CircuitOpen.retryable() && !Failure::CircuitOpen.trips_breaker());
        assert!(!Failure::Refused("x".into()).retryable());
    }

    #[test]
    fn next_step_follows_the_policy() {
        let p = Policy::default();
        let down = Failure::from_status(503, None, None);
        assert!(matches!(next(&p, 1, &down, 150), Next::Retry { wait_ms } if wait_ms <= 200));
        assert!(matches!(next(&p, 2, &down, 399), Next::Retry { wait_ms } if wait_ms <= 400));
        assert_eq!(next(&p, 3, &down, 1), Next::NextModel);
        // Retry-After replaces the backoff, unless it is longer than the cap.
        let later = Failure::from_status(429, Some(1500), None);
        assert_eq!(next(&p, 1, &later, 0), Next::Retry { wait_ms: 1500 });
        let much_later = Failure::from_status(503, Some(60_000), None);
        assert_eq!(next(&p, 1, &much_later, 0), Next::NextModel);
        // Not retried on the same model.
        assert_eq!(
            next(&p, 1, &Failure::Malformed("x".into()), 0),
            Next::NextModel
        );
        assert_eq!(
            next(&p, 1, &Failure::from_status(401, None, None), 0),
            Next::NextModel
        );
        assert_eq!(next(&p, 1, &Failure::CircuitOpen, 0), Next::NextModel);
        let once = Policy {
            max_attempts: 1,
            ..p
        };
        assert_eq!(next(&once, 1, &Failure::Timeout, 0), Next::NextModel);
    }
}
