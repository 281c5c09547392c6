//! Prometheus metrics served at `/metrics`.

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::runtime::{PluginErrorKind, PluginRef};

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
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let registry = Registry::new();
        let plugin_calls = IntCounterVec::new(
            Opts::new(
                "tessera_plugin_calls_total",
                "Plugin calls by plugin, version and function",
            ),
            &["plugin", "version", "function"],
        )
        .expect("static metric definition");
        let plugin_errors = IntCounterVec::new(
            Opts::new(
                "tessera_plugin_errors_total",
                "Failed plugin calls by plugin and error kind",
            ),
            &["plugin", "version", "kind"],
        )
        .expect("static metric definition");
        let plugin_latency = HistogramVec::new(
            HistogramOpts::new(
                "tessera_plugin_call_duration_seconds",
                "Wall-clock time of plugin calls, instantiation included",
            )
            .buckets(vec![
                0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01,
                0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["plugin", "function"],
        )
        .expect("static metric definition");
        let plugins_loaded = IntGauge::new("tessera_plugins_loaded", "Plugins loaded and serving")
            .expect("static metric definition");
        let plugins_failed = IntGauge::new(
            "tessera_plugins_failed",
            "Plugins that failed to load at the last (re)load",
        )
        .expect("static metric definition");
        let http_requests = IntCounterVec::new(
            Opts::new(
                "tessera_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["route", "status"],
        )
        .expect("static metric definition");
        let plugin_log_dropped = IntCounterVec::new(
            Opts::new(
                "tessera_plugin_log_lines_dropped_total",
                "Plugin log lines dropped, by plugin and reason (over_cap: past the per-call cap; code_runner: code runners never log)",
            ),
            &["plugin", "reason"],
        )
        .expect("static metric definition");
        for collector in [
            Box::new(plugin_calls.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(plugin_errors.clone()),
            Box::new(plugin_latency.clone()),
            Box::new(plugins_loaded.clone()),
            Box::new(plugins_failed.clone()),
            Box::new(http_requests.clone()),
            Box::new(plugin_log_dropped.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        Self {
            registry,
            plugin_calls,
            plugin_errors,
            plugin_latency,
            plugins_loaded,
            plugins_failed,
            http_requests,
            plugin_log_dropped,
        }
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
            .with_label_values(&[&plugin.id, function])
            .observe(elapsed.as_secs_f64());
        if let Some(kind) = error {
            self.plugin_errors
                .with_label_values(&[&plugin.id, &plugin.version, kind.label()])
                .inc();
        }
    }

    /// Counts `lines` log lines of `plugin` dropped for `reason`.
    pub fn record_dropped_logs(&self, plugin: &PluginRef, reason: &str, lines: u64) {
        self.plugin_log_dropped
            .with_label_values(&[&plugin.id, reason])
            .inc_by(lines);
    }

    /// Records one HTTP response.
    pub fn record_http(&self, route: &str, status: u16) {
        self.http_requests
            .with_label_values(&[route, &status.to_string()])
            .inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for the text format.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
