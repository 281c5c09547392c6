//! Where a request's time went: the part spent inside models (the AI gateway's calls, the
//! safety gate's meaning encoder) and the rest, the platform's own share (routing, tokens,
//! limits, the gate's rules, plugins, sealing, the database).
//!
//! The API's request layer opens a [`scope`] around each request; the model paths hold an
//! [`InModel`] guard while they run. Model spans that overlap (two calls at once in one
//! request) count once toward the platform's share, so `platform + in models = total`
//! holds whatever the handler does. Work a handler hands to another task is not seen: it is
//! counted as the platform's.
//!
//! The split feeds `tessera_http_platform_duration_seconds` and, when the operator turns it
//! on (`--server-timing`), the response's `Server-Timing` header (W3C Server Timing), which
//! browsers' developer tools show beside each request.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

// tokio's clock: the same as std's in a server, and the one paused tests control.
use tokio::time::Instant;

/// A kind of model time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// A call through the AI gateway (the provider's wait, or the offline model).
    Ai,
    /// The safety gate's meaning stage (the sentence encoder).
    Meaning,
}

#[derive(Default)]
struct Split {
    /// Model spans running now.
    open: u32,
    /// When the current run of model spans began.
    since: Option<Instant>,
    /// The union of model spans so far.
    in_models: Duration,
    ai: Duration,
    meaning: Duration,
}

tokio::task_local! {
    static SPLIT: Mutex<Split>;
}

/// How a finished request's time split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    /// The whole request, from the scope's start to its response head.
    pub total: Duration,
    /// Inside the AI gateway (summed over calls).
    pub ai: Duration,
    /// Inside the safety gate's meaning stage (summed over texts).
    pub meaning: Duration,
    /// Outside every model span: the platform's own time.
    pub platform: Duration,
}

impl Report {
    /// The `Server-Timing` header's value: durations in milliseconds, models only when
    /// they ran.
    pub fn server_timing(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mut parts = Vec::with_capacity(4);
        if !self.ai.is_zero() {
            parts.push(format!("ai;dur={:.3};desc=\"AI gateway\"", ms(self.ai)));
        }
        if !self.meaning.is_zero() {
            parts.push(format!(
                "meaning;dur={:.3};desc=\"safety meaning stage\"",
                ms(self.meaning)
            ));
        }
        parts.push(format!(
            "platform;dur={:.3};desc=\"outside models\"",
            ms(self.platform)
        ));
        parts.push(format!("total;dur={:.3}", ms(self.total)));
        parts.join(", ")
    }
}

/// Runs `request` in a fresh split and reports where its time went.
pub async fn scope<F: Future>(request: F) -> (F::Output, Report) {
    let started = Instant::now();
    SPLIT
        .scope(Mutex::new(Split::default()), async move {
            let output = request.await;
            let total = started.elapsed();
            let report = SPLIT
                .try_with(|split| {
                    let mut split = split.lock().unwrap_or_else(|e| e.into_inner());
                    // A span still open (a future dropped mid-call has closed its guard,
                    // so this is a span the response outlives) counts up to now.
                    let open_run = split.since.map(|s| s.elapsed()).unwrap_or_default();
                    split.in_models += open_run;
                    split.since = None;
                    Report {
                        total,
                        ai: split.ai,
                        meaning: split.meaning,
                        platform: total.saturating_sub(split.in_models),
                    }
                })
                .unwrap_or(Report {
                    total,
                    ai: Duration::ZERO,
                    meaning: Duration::ZERO,
                    platform: total,
                });
            (output, report)
        })
        .await
}

/// Held while a model runs for the current request; outside a request it records nothing.
#[must_use = "the span ends when the guard is dropped"]
pub struct InModel {
    kind: Model,
    started: Instant,
}

impl InModel {
    /// Opens a model span of `kind`.
    pub fn start(kind: Model) -> Self {
        let started = Instant::now();
        let _ = SPLIT.try_with(|split| {
            let mut split = split.lock().unwrap_or_else(|e| e.into_inner());
            if split.open == 0 {
                split.since = Some(started);
            }
            split.open += 1;
        });
        Self { kind, started }
    }
}

impl Drop for InModel {
    fn drop(&mut self) {
        // One reading of the clock for the span and the union, so sequential spans add up
        // to the union exactly.
        let now = Instant::now();
        let spent = now - self.started;
        let _ = SPLIT.try_with(|split| {
            let mut split = split.lock().unwrap_or_else(|e| e.into_inner());
            match self.kind {
                Model::Ai => split.ai += spent,
                Model::Meaning => split.meaning += spent,
            }
            split.open = split.open.saturating_sub(1);
            if split.open == 0
                && let Some(since) = split.since.take()
            {
                split.in_models += now - since;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sleep(ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    /// Paused time: sleeps advance the clock exactly, so the split is known.
    #[tokio::test(start_paused = true)]
    async fn model_spans_are_taken_out_of_the_platform_share() {
        let ((), report) = scope(async {
            sleep(5).await;
            {
                let _ai = InModel::start(Model::Ai);
                sleep(100).await;
            }
            {
                let _meaning = InModel::start(Model::Meaning);
                sleep(30).await;
            }
            sleep(2).await;
        })
        .await;
        assert_eq!(report.ai, Duration::from_millis(100));
        assert_eq!(report.meaning, Duration::from_millis(30));
        assert_eq!(report.platform, Duration::from_millis(7));
        assert_eq!(report.total, Duration::from_millis(137));
        assert_eq!(
            report.server_timing(),
            "ai;dur=100.000;desc=\"AI gateway\", meaning;dur=30.000;desc=\"safety meaning stage\", platform;dur=7.000;desc=\"outside models\", total;dur=137.000"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn overlapping_model_calls_count_once_against_the_platform() {
        let ((), report) = scope(async {
            let call = |ms| async move {
                let _ai = InModel::start(Model::Ai);
                sleep(ms).await;
            };
            tokio::join!(call(40), call(60));
            sleep(3).await;
        })
        .await;
        // Each call's own time, summed; the request waited 60 ms on models.
        assert_eq!(report.ai, Duration::from_millis(100));
        assert_eq!(report.platform, Duration::from_millis(3));
        assert_eq!(report.total, Duration::from_millis(63));
    }

    #[tokio::test(start_paused = true)]
    async fn outside_a_request_a_span_records_nothing_and_a_bare_request_is_all_platform() {
        {
            let _ai = InModel::start(Model::Ai);
            sleep(10).await;
        }
        let ((), report) = scope(sleep(4)).await;
        assert_eq!(report.ai, Duration::ZERO);
        assert_eq!(report.platform, Duration::from_millis(4));
        assert_eq!(
            report.server_timing(),
            "platform;dur=4.000;desc=\"outside models\", total;dur=4.000"
        );
    }
}
