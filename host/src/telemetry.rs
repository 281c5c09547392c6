//! Logs and traces (docs/operations.md): log lines to stderr as text or JSON
//! (`TESSERA_LOG_FORMAT=json`), filtered by `RUST_LOG`; with `--otlp-endpoint`, trace spans
//! to an OpenTelemetry collector over OTLP/HTTP.
//!
//! A trace follows one request: the `request` span (request id, route, status) →
//! `plugin.call` → `model.call` (a plugin's `llm` import, or an AI route) → the gateway's
//! `plugin.call` …, and a `db.query` span for every SQL statement. sqlx times each
//! statement and reports it as a `sqlx::query` event when it finishes; [`DbSpans`] turns
//! that event into a span with the statement's real start and end, under whatever span was
//! current (sqlx carries the caller's span to SQLite's worker thread), so the store needs
//! no instrumentation of its own.

use std::time::{Duration, SystemTime};

use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, SpanKind, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The default log filter when `RUST_LOG` is unset.
const DEFAULT_LOG_FILTER: &str = "info,wasmtime=warn,cranelift=warn";

/// What goes into traces, whatever `RUST_LOG` says: the host's spans, sqlx's statements,
/// and nothing from the exporter's own HTTP stack (which would trace its own exports).
const TRACE_FILTER: &str = "info,sqlx::query=trace,wasmtime=off,cranelift=off,\
    opentelemetry=off,opentelemetry_sdk=off,opentelemetry_otlp=off,reqwest=off,hyper=off,\
    hyper_util=off,h2=off";

/// The target of sqlx's statement events.
const SQLX_TARGET: &str = "sqlx::query";

/// Keeps the trace exporter alive; dropping it flushes the spans not yet sent.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("warning: trace spans not flushed: {e}");
        }
    }
}

/// Where OTLP/HTTP trace spans go for the collector at `endpoint`: `<endpoint>/v1/traces`,
/// unless the path is already given.
pub fn traces_url(endpoint: &str) -> String {
    let base = endpoint.trim_end_matches('/');
    if base.ends_with("/v1/traces") {
        base.to_owned()
    } else {
        format!("{base}/v1/traces")
    }
}

/// Installs the global subscriber: logs to stderr (JSON lines when `json`), and trace spans
/// to `otlp_endpoint` when one is given.
pub fn init(json: bool, otlp_endpoint: Option<&str>) -> anyhow::Result<Telemetry> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let logs = if json {
        fmt.json().boxed()
    } else {
        fmt.compact().boxed()
    }
    .with_filter(filter);
    let Some(endpoint) = otlp_endpoint else {
        tracing_subscriber::registry().with(logs).try_init()?;
        return Ok(Telemetry { provider: None });
    };
    use opentelemetry_otlp::{Protocol, WithExportConfig};
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces_url(endpoint))
        .build()?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("tessera")
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build();
    let tracer = provider.tracer("tessera");
    let traces = tracing_opentelemetry::layer()
        .with_tracer(tracer.clone())
        .and_then(DbSpans { tracer })
        .with_filter(EnvFilter::new(TRACE_FILTER));
    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init()?;
    Ok(Telemetry {
        provider: Some(provider),
    })
}

/// Turns sqlx's statement events into `db.query` spans.
struct DbSpans {
    tracer: SdkTracer,
}

/// The fields of a `sqlx::query` event.
#[derive(Default)]
struct Statement {
    summary: String,
    sql: String,
    elapsed_secs: f64,
    rows_affected: u64,
    rows_returned: u64,
}

impl Visit for Statement {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_owned(),
            "db.statement" => self.sql = value.trim().to_owned(),
            _ => {}
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_secs = value;
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "rows_affected" => self.rows_affected = value,
            "rows_returned" => self.rows_returned = value,
            _ => {}
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S> Layer<S> for DbSpans
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != SQLX_TARGET {
            return;
        }
        let mut statement = Statement::default();
        event.record(&mut statement);
        let end = SystemTime::now();
        let elapsed = Duration::try_from_secs_f64(statement.elapsed_secs).unwrap_or_default();
        let start = end.checked_sub(elapsed).unwrap_or(end);
        let parent = tracing::Span::current().context();
        let text = if statement.sql.is_empty() {
            statement.summary.clone()
        } else {
            statement.sql
        };
        let mut span = self
            .tracer
            .span_builder("db.query")
            .with_kind(SpanKind::Client)
            .with_start_time(start)
            .with_attributes([
                KeyValue::new("db.query.summary", statement.summary),
                KeyValue::new("db.query.text", text),
                KeyValue::new("db.response.returned_rows", statement.rows_returned as i64),
                KeyValue::new("db.response.affected_rows", statement.rows_affected as i64),
            ])
            .start_with_context(&self.tracer, &parent);
        span.end_with_timestamp(end);
    }
}

#[cfg(test)]
mod tests {
    use super::traces_url;

    #[test]
    fn the_traces_path_is_added_once() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318"),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(traces_url("http://c:4318/"), "http://c:4318/v1/traces");
        assert_eq!(
            traces_url("http://c:4318/v1/traces"),
            "http://c:4318/v1/traces"
        );
    }
}
