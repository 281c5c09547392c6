//! Prometheus metrics served at `/metrics` (the list, with the alert rules built on them,
//! is in docs/operations.md).

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

use crate::runtime::{PluginErrorKind, PluginRef};
use crate::timing::Report;

/// Distinct values kept for a label whose values come from outside the host's own code
/// (a client's feature or model name, a provider named in a plugin's configuration);
/// later ones are counted under [`OTHER`], so no caller can grow the series without bound.
const MAX_LABEL_VALUES: usize = 64;

/// The label value that stands for every value past [`MAX_LABEL_VALUES`].
pub const OTHER: &str = "other";

/// Latency buckets for requests and model calls, seconds: fine below a second, and a
/// boundary at 3 s, the lesson-start objective the p99 alert compares against.
const REQUEST_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0,
];

/// A label's values seen so far, capped at [`MAX_LABEL_VALUES`].
#[derive(Default)]
struct Bounded(Mutex<HashSet<String>>);

impl Bounded {
    /// `value`, or [`OTHER`] once the cap is reached by other values.
    fn label<'a>(&self, value: &'a str) -> &'a str {
        let Ok(mut seen) = self.0.lock() else {
            return OTHER;
        };
        if seen.contains(value) {
            value
        } else if seen.len() < MAX_LABEL_VALUES {
            seen.insert(value.to_owned());
            value
        } else {
            OTHER
        }
    }
}

/// The host's metrics.
pub struct Metrics {
    registry: Registry,
    plugin_calls: IntCounterVec,
    plugin_errors: IntCounterVec,
    plugin_latency: HistogramVec,
    /// Plugins currently loaded and serving.
    pub plugins_loaded: IntGauge,
    /// Plugins that failed to load at the last (re)load.
    pub plugins_failed: IntGauge,
    http_requests: IntCounterVec,
    plugin_log_dropped: IntCounterVec,
    http_latency: HistogramVec,
    platform_latency: HistogramVec,
    model_latency: HistogramVec,
    meaning_latency: HistogramVec,
    models: Bounded,
    features: Bounded,
    rate_limited: IntCounterVec,
    budget_refusals: IntCounterVec,
    safety_escalations: IntCounterVec,
    breaker_transitions: IntCounterVec,
    providers: Bounded,
    sandbox_runs: IntCounterVec,
    ai_tokens: IntCounterVec,
    tutorial_steps: IntCounterVec,
    ai_cost: prometheus::CounterVec,
    /// The month's AI spend, US dollars (set when `/metrics` is read).
    pub ai_spend_usd: Gauge,
    /// The monthly AI spend cap, US dollars; 0 without one.
    pub ai_cap_usd: Gauge,
    /// The month's spend as a share of the cap (1 = the cap); 0 without one.
    pub ai_spend_ratio: Gauge,
    /// Requests waiting for a handler's turn (`--max-requests-in-flight`) now.
    pub http_waiting_for_turn: IntGauge,
    /// How long requests waited for a handler's turn, seconds.
    pub http_turn_wait: prometheus::Histogram,
}

/// One plugin's calls since this process started.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct PluginCalls {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed (trap, timeout, limit, bad output…).
    pub errors: u64,
    /// Mean wall-clock time of a call, instantiation included, in ms; `None` before any.
    pub mean_ms: Option<f64>,
}

fn counter(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help), labels).expect("static metric definition")
}

fn histogram(name: &str, help: &str, buckets: &[f64], labels: &[&str]) -> HistogramVec {
    HistogramVec::new(
        HistogramOpts::new(name, help).buckets(buckets.to_vec()),
        labels,
    )
    .expect("static metric definition")
}

fn gauge(name: &str, help: &str) -> Gauge {
    Gauge::new(name, help).expect("static metric definition")
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let registry = Registry::new();
        let metrics = Self {
            plugin_calls: counter(
                "tessera_plugin_calls_total",
                "Plugin calls by plugin, version and function",
                &["plugin", "version", "function"],
            ),
            plugin_errors: counter(
                "tessera_plugin_errors_total",
                "Failed plugin calls by plugin and error kind",
                &["plugin", "version", "kind"],
            ),
            plugin_latency: histogram(
                "tessera_plugin_call_duration_seconds",
                "Wall-clock time of plugin calls, instantiation included",
                &[
                    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01,
                    0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
                &["plugin", "version", "function"],
            ),
            plugins_loaded: IntGauge::new("tessera_plugins_loaded", "Plugins loaded and serving")
                .expect("static metric definition"),
            plugins_failed: IntGauge::new(
                "tessera_plugins_failed",
                "Plugins that failed to load at the last (re)load",
            )
            .expect("static metric definition"),
            http_requests: counter(
                "tessera_http_requests_total",
                "HTTP requests by route and status",
                &["route", "status"],
            ),
            plugin_log_dropped: counter(
                "tessera_plugin_log_lines_dropped_total",
                "Plugin log lines dropped, by plugin and reason (over_cap: past the per-call cap; code_runner: code runners never log)",
                &["plugin", "reason"],
            ),
            http_waiting_for_turn: IntGauge::new(
                "tessera_http_requests_waiting_for_turn",
                "Requests waiting for one of --max-requests-in-flight handler turns now",
            )
            .expect("static metric definition"),
            http_turn_wait: prometheus::Histogram::with_opts(
                HistogramOpts::new(
                    "tessera_http_turn_wait_seconds",
                    "Time requests waited for a handler turn (--max-requests-in-flight) before \
                     their handler ran",
                )
                .buckets(REQUEST_BUCKETS.to_vec()),
            )
            .expect("static metric definition"),
            http_latency: histogram(
                "tessera_http_request_duration_seconds",
                "Time from a request's arrival to its response head, by matched route, method \
                 and status class (2xx, 4xx, 5xx …)",
                REQUEST_BUCKETS,
                &["route", "method", "status_class"],
            ),
            platform_latency: histogram(
                "tessera_http_platform_duration_seconds",
                "A request's time outside models (the AI gateway's calls and the safety \
                 gate's meaning stage taken out): the platform's own share, by matched route \
                 and method",
                REQUEST_BUCKETS,
                &["route", "method"],
            ),
            model_latency: histogram(
                "tessera_model_call_duration_seconds",
                "AI gateway calls by answering model, feature and outcome (ok, cached, \
                 templated, or the error kind)",
                REQUEST_BUCKETS,
                &["model", "feature", "outcome"],
            ),
            meaning_latency: histogram(
                "tessera_safety_meaning_duration_seconds",
                "The safety gate's meaning stage per text it had not screened lately: \
                 `embedded` (a window embedded), `reused` (every window's vector \
                 remembered), `cached` (the score remembered)",
                REQUEST_BUCKETS,
                &["outcome"],
            ),
            models: Bounded::default(),
            features: Bounded::default(),
            rate_limited: counter(
                "tessera_rate_limited_total",
                "Requests refused with 429 by a rate limit, by class of route",
                &["class"],
            ),
            budget_refusals: counter(
                "tessera_ai_budget_refusals_total",
                "AI requests refused by the cost guard, by refusal code",
                &["code"],
            ),
            safety_escalations: counter(
                "tessera_safety_escalations_total",
                "Messages the safety gate rated concern or crisis, by level and product surface",
                &["level", "surface"],
            ),
            breaker_transitions: counter(
                "tessera_ai_breaker_transitions_total",
                "Circuit-breaker transitions the AI gateway reported, by provider and states",
                &["provider", "from", "to"],
            ),
            providers: Bounded::default(),
            sandbox_runs: counter(
                "tessera_sandbox_runs_total",
                "Learner code runs by status (ok, runtime_error, timeout, memory_limit …)",
                &["status"],
            ),
            ai_tokens: counter(
                "tessera_ai_tokens_total",
                "Model tokens charged, by feature and direction (input, output); cached \
                 answers charge none",
                &["feature", "direction"],
            ),
            tutorial_steps: counter(
                "tutorial_step_events_total",
                "Tutorial step pings stored (seed 004 §7), by tutorial, step (`other`: an id \
                 no definition names), status and variant (`default`: no experiment)",
                &["tutorial", "step", "status", "variant"],
            ),
            ai_cost: prometheus::CounterVec::new(
                Opts::new(
                    "tessera_ai_cost_usd_total",
                    "AI spend by feature, US dollars, at the operator's prices",
                ),
                &["feature"],
            )
            .expect("static metric definition"),
            ai_spend_usd: gauge(
                "tessera_ai_monthly_spend_usd",
                "The month's AI spend so far, US dollars",
            ),
            ai_cap_usd: gauge(
                "tessera_ai_monthly_cap_usd",
                "The monthly AI spend cap, US dollars (0: no cap)",
            ),
            ai_spend_ratio: gauge(
                "tessera_ai_monthly_spend_ratio",
                "The month's AI spend as a share of the cap (1 = the cap; 0: no cap)",
            ),
            registry,
        };
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(metrics.plugin_calls.clone()),
            Box::new(metrics.plugin_errors.clone()),
            Box::new(metrics.plugin_latency.clone()),
            Box::new(metrics.plugins_loaded.clone()),
            Box::new(metrics.plugins_failed.clone()),
            Box::new(metrics.http_requests.clone()),
            Box::new(metrics.plugin_log_dropped.clone()),
            Box::new(metrics.http_latency.clone()),
            Box::new(metrics.platform_latency.clone()),
            Box::new(metrics.model_latency.clone()),
            Box::new(metrics.meaning_latency.clone()),
            Box::new(metrics.rate_limited.clone()),
            Box::new(metrics.budget_refusals.clone()),
            Box::new(metrics.safety_escalations.clone()),
            Box::new(metrics.breaker_transitions.clone()),
            Box::new(metrics.sandbox_runs.clone()),
            Box::new(metrics.ai_tokens.clone()),
            Box::new(metrics.tutorial_steps.clone()),
            Box::new(metrics.ai_cost.clone()),
            Box::new(metrics.ai_spend_usd.clone()),
            Box::new(metrics.ai_cap_usd.clone()),
            Box::new(metrics.ai_spend_ratio.clone()),
            Box::new(metrics.http_waiting_for_turn.clone()),
            Box::new(metrics.http_turn_wait.clone()),
        ];
        for collector in collectors {
            metrics
                .registry
                .register(collector)
                .expect("metric names are unique");
        }
        metrics
    }

    /// Records one plugin call.
    pub fn record_call(
        &self,
        plugin: &PluginRef,
        function: &str,
        elapsed: Duration,
        error: Option<&PluginErrorKind>,
    ) {
        self.plugin_calls
            .with_label_values(&[&plugin.id, &plugin.version, function])
            .inc();
        self.plugin_latency
            .with_label_values(&[&plugin.id, &plugin.version, function])
            .observe(elapsed.as_secs_f64());
        if let Some(kind) = error {
            self.plugin_errors
                .with_label_values(&[&plugin.id, &plugin.version, kind.label()])
                .inc();
        }
    }

    /// `plugin`'s calls since start-up (all versions and functions), as the operators'
    /// console shows them next to the plugin.
    pub fn plugin_calls(&self, plugin: &str) -> PluginCalls {
        self.calls_where(plugin, None)
    }

    /// The calls of one version of `plugin` since start-up (its errors and mean time), as
    /// the canary guard compares them and the console shows them per version.
    pub fn plugin_version_calls(&self, plugin: &str, version: &str) -> PluginCalls {
        self.calls_where(plugin, Some(version))
    }

    fn calls_where(&self, plugin: &str, version: Option<&str>) -> PluginCalls {
        use prometheus::core::Collector;
        let of_plugin = |m: &prometheus::proto::Metric| {
            let label = |name: &str| {
                m.get_label()
                    .iter()
                    .find(|l| l.name() == name)
                    .map(|l| l.value().to_owned())
            };
            label("plugin").as_deref() == Some(plugin)
                && version.is_none_or(|v| label("version").is_none_or(|have| have == v))
        };
        let sum = |vec: &IntCounterVec| -> u64 {
            vec.collect()
                .iter()
                .flat_map(|f| f.get_metric())
                .filter(|m| of_plugin(m))
                .map(|m| m.get_counter().get_value() as u64)
                .sum()
        };
        let (mut seconds, mut timed) = (0.0, 0u64);
        for m in self
            .plugin_latency
            .collect()
            .iter()
            .flat_map(|f| f.get_metric())
            .filter(|m| of_plugin(m))
        {
            seconds += m.get_histogram().get_sample_sum();
            timed += m.get_histogram().get_sample_count();
        }
        PluginCalls {
            calls: sum(&self.plugin_calls),
            errors: sum(&self.plugin_errors),
            mean_ms: (timed > 0).then(|| seconds * 1000.0 / timed as f64),
        }
    }

    /// Counts `lines` log lines of `plugin` dropped for `reason`.
    pub fn record_dropped_logs(&self, plugin: &PluginRef, reason: &str, lines: u64) {
        self.plugin_log_dropped
            .with_label_values(&[&plugin.id, reason])
            .inc_by(lines);
    }

    /// Records one HTTP response: `route` is the matched route (its template, so ids do not
    /// multiply the series); `split` is where its time went.
    pub fn record_http(&self, route: &str, method: &str, status: u16, split: &Report) {
        let elapsed = split.total;
        self.http_requests
            .with_label_values(&[route, &status.to_string()])
            .inc();
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.http_latency
            .with_label_values(&[route, method, class])
            .observe(elapsed.as_secs_f64());
        self.platform_latency
            .with_label_values(&[route, method])
            .observe(split.platform.as_secs_f64());
    }

    /// Records one call of the AI gateway.
    pub fn record_model_call(&self, model: &str, feature: &str, outcome: &str, elapsed: Duration) {
        self.model_latency
            .with_label_values(&[
                self.models.label(model),
                self.features.label(feature),
                outcome,
            ])
            .observe(elapsed.as_secs_f64());
    }

    /// Records one text through the safety gate's meaning stage (`embedded`, `reused`
    /// or `cached`).
    pub fn record_meaning(&self, outcome: &str, elapsed: Duration) {
        self.meaning_latency
            .with_label_values(&[outcome])
            .observe(elapsed.as_secs_f64());
    }

    /// Counts a completion's tokens and cost (micro-dollars) under its feature.
    pub fn record_ai_usage(&self, feature: &str, input: u32, output: u32, cost_micro_usd: i64) {
        let feature = self.features.label(feature);
        self.ai_tokens
            .with_label_values(&[feature, "input"])
            .inc_by(u64::from(input));
        self.ai_tokens
            .with_label_values(&[feature, "output"])
            .inc_by(u64::from(output));
        self.ai_cost
            .with_label_values(&[feature])
            .inc_by(cost_micro_usd.max(0) as f64 / 1e6);
    }

    /// Counts a 429 from the rate limit of `class` (`auth`, `general`, `ai`).
    pub fn record_rate_limited(&self, class: &str) {
        self.rate_limited.with_label_values(&[class]).inc();
    }

    /// Counts a refusal of the AI cost guard (`AI_BUDGET_EXCEEDED` …).
    pub fn record_budget_refusal(&self, code: &str) {
        self.budget_refusals.with_label_values(&[code]).inc();
    }

    /// Counts a safety verdict of `level`; `none` is not an escalation and is not counted.
    pub fn record_safety(&self, level: &str, surface: &str) {
        if level != "none" {
            self.safety_escalations
                .with_label_values(&[level, surface])
                .inc();
        }
    }

    /// Counts a circuit-breaker transition the gateway reported.
    pub fn record_breaker_transition(&self, provider: &str, from: &str, to: &str) {
        self.breaker_transitions
            .with_label_values(&[self.providers.label(provider), from, to])
            .inc();
    }

    /// Counts a stored tutorial step ping. The caller passes only ids its definitions
    /// name (tutorials, steps and variants an administrator wrote), so the series stay
    /// bounded.
    pub fn record_tutorial_step(&self, tutorial: &str, step: &str, status: &str, variant: &str) {
        self.tutorial_steps
            .with_label_values(&[tutorial, step, status, variant])
            .inc();
    }

    /// Counts a finished learner run by its status.
    pub fn record_sandbox_run(&self, status: &str) {
        self.sandbox_runs.with_label_values(&[status]).inc();
    }

    /// Sets the AI spend gauges: `spent` and `cap` in micro-dollars.
    pub fn set_ai_spend(&self, spent_micro_usd: i64, cap_micro_usd: Option<i64>) {
        self.ai_spend_usd.set(spent_micro_usd as f64 / 1e6);
        let cap = cap_micro_usd.unwrap_or(0);
        self.ai_cap_usd.set(cap as f64 / 1e6);
        self.ai_spend_ratio.set(if cap > 0 {
            spent_micro_usd as f64 / cap as f64
        } else {
            0.0
        });
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for the text format.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_label_values_are_capped() {
        let m = Metrics::new();
        for i in 0..MAX_LABEL_VALUES + 10 {
            m.record_model_call(&format!("model-{i}"), "tutor", "ok", Duration::ZERO);
        }
        let text = m.render();
        assert!(text.contains("model=\"model-0\""));
        assert!(!text.contains(&format!("model=\"model-{}\"", MAX_LABEL_VALUES)));
        assert!(text.contains("model=\"other\""), "{text}");
    }

    #[test]
    fn a_plugins_calls_are_summed_over_versions_and_functions() {
        let m = Metrics::new();
        let v1 = PluginRef {
            id: "g".into(),
            version: "1".into(),
        };
        let v2 = PluginRef {
            version: "2".into(),
            ..v1.clone()
        };
        let other = PluginRef {
            id: "h".into(),
            version: "1".into(),
        };
        let trap = PluginErrorKind::OutputTooLarge {
            limit: 1,
            actual: 2,
        };
        m.record_call(&v1, "grade", Duration::from_millis(10), None);
        m.record_call(&v2, "grade", Duration::from_millis(30), Some(&trap));
        m.record_call(&v2, "describe", Duration::from_millis(20), None);
        m.record_call(&other, "grade", Duration::from_secs(1), Some(&trap));
        let calls = m.plugin_calls("g");
        assert_eq!((calls.calls, calls.errors), (3, 1), "{calls:?}");
        let mean = calls.mean_ms.expect("timed");
        assert!((mean - 20.0).abs() < 0.01, "{mean}");
        assert_eq!(m.plugin_calls("nobody"), PluginCalls::default());
    }

    #[test]
    fn requests_are_timed_by_status_class_and_their_platform_share_apart() {
        let m = Metrics::new();
        let split = Report {
            total: Duration::from_millis(20),
            ai: Duration::from_millis(18),
            meaning: Duration::ZERO,
            platform: Duration::from_millis(2),
        };
        m.record_http("/api/v1/grade", "POST", 503, &split);
        let text = m.render();
        assert!(text.contains(
            "tessera_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/grade\",status_class=\"5xx\"} 1"
        ), "{text}");
        // 2 ms falls in the 2.5 ms bucket, not the 1 ms one; the whole 20 ms would not.
        assert!(text.contains(
            "tessera_http_platform_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/grade\",le=\"0.0025\"} 1"
        ), "{text}");
        assert!(text.contains(
            "tessera_http_platform_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/grade\",le=\"0.001\"} 0"
        ), "{text}");
    }

    /// The metric names `deploy/prometheus/tessera-rules.yml` uses.
    fn names_in_rules() -> Vec<String> {
        let rules = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../deploy/prometheus/tessera-rules.yml"
        ));
        let mut names: Vec<String> = rules
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .filter(|t| t.starts_with("tessera_"))
            .map(|t| {
                ["_bucket", "_count", "_sum"]
                    .iter()
                    .find_map(|s| t.strip_suffix(s))
                    .unwrap_or(t)
                    .to_owned()
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn the_alert_rules_use_only_metrics_the_host_exposes() {
        let m = Metrics::new();
        let plugin = PluginRef {
            id: "p".into(),
            version: "1".into(),
        };
        let failure = PluginErrorKind::OutputTooLarge {
            limit: 1,
            actual: 2,
        };
        m.record_call(&plugin, "f", Duration::ZERO, Some(&failure));
        m.record_http(
            "/r",
            "GET",
            200,
            &Report {
                total: Duration::ZERO,
                ai: Duration::ZERO,
                meaning: Duration::ZERO,
                platform: Duration::ZERO,
            },
        );
        m.record_model_call("m", "f", "ok", Duration::ZERO);
        m.record_rate_limited("ai");
        m.record_budget_refusal("AI_BUDGET_EXCEEDED");
        m.record_safety("crisis", "s");
        m.record_breaker_transition("p", "closed", "open");
        m.record_sandbox_run("ok");
        m.record_ai_usage("f", 1, 1, 1);
        m.set_ai_spend(1, Some(2));
        let text = m.render();
        let names = names_in_rules();
        assert!(names.len() >= 4, "{names:?}");
        for name in names {
            assert!(
                text.contains(&format!("# TYPE {name} ")),
                "the rules use {name}, which the host does not expose"
            );
        }
    }

    #[test]
    fn spend_share_is_zero_without_a_cap() {
        let m = Metrics::new();
        m.set_ai_spend(1_500_000, Some(2_000_000));
        assert_eq!(m.ai_spend_ratio.get(), 0.75);
        m.set_ai_spend(1_500_000, None);
        assert_eq!(m.ai_spend_ratio.get(), 0.0);
        assert_eq!(m.ai_spend_usd.get(), 1.5);
    }
}
