//! The code sandbox as a service: learner code in a fresh instance of the code-runner
//! plugin for its language (the Python sandbox: CPython as a component), under per-run
//! limits within the operator's maximums, behind a bounded pool and queue.
//!
//! - `request`: what a client may ask for, validated field by field;
//! - `admission`: the worker pool and the bounded queue in front of it;
//! - `outcome`: turning what a run left behind into a status the host vouches for;
//! - `test_cases`: test-case runs, one fresh instance per test, in parallel;
//! - `plugin_runs`: runs other plugins ask for through their `code-runner` import.
//!
//! The plugin's own report is untrusted (learner code runs in the same interpreter):
//! timeouts, memory and output limits, exits and crashes are decided here from what the
//! host saw, and every string taken from the plugin is bounded.

pub mod admission;
pub mod assertions;
pub mod outcome;
pub mod plugin_runs;
pub mod request;
pub mod test_cases;
pub mod values;

use std::sync::Arc;

use crate::plugins::Registry;
use crate::plugins::contract::code_runner::{RunLimits, RunRequest, TestCase};
use crate::plugins::manifest::Limits;
use crate::runtime::LoadedPlugin;
use admission::{Admission, Refusal};
pub use outcome::{RunReport, RunStatus};
pub use request::{RunSpec, SandboxLimits, TestSpec, TestsSpec};
pub use test_cases::TestsReport;

/// The operator's settings for sandboxed runs.
#[derive(Debug, Clone, Copy)]
pub struct SandboxSettings {
    /// Largest (and default) wall-clock deadline of a run, in ms.
    pub max_timeout_ms: u64,
    /// Largest (and default) memory for learner code, in MiB, on top of the interpreter's
    /// own baseline.
    pub max_memory_mb: u64,
    /// Largest (and default) cap on each of stdout and stderr, in bytes.
    pub max_output_bytes: u64,
    /// Runs executing at once.
    pub workers: usize,
    /// Runs waiting for a worker before new ones are refused with 503.
    pub queue: usize,
    /// Runs one user may have admitted (running and waiting) at once; past it, 429.
    pub max_runs_per_user: usize,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            max_timeout_ms: 5_000,
            max_memory_mb: 50,
            max_output_bytes: 64 * 1024,
            workers: default_workers(),
            queue: 64,
            max_runs_per_user: request::MAX_TESTS,
        }
    }
}

/// Two workers per core: runs are CPU-bound, but one sleeping or waiting on its deadline
/// should not idle a core, and the epoch ticker lets the others take turns every 2 ms.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

/// Why a run was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The request is unacceptable at `field`.
    #[error("{field}: {message}")]
    Invalid {
        /// Dotted path of the field.
        field: String,
        /// Why.
        message: String,
    },
    /// No installed code runner runs the language.
    #[error("no sandbox for language `{0}` is installed")]
    NoRunner(String),
    /// Every worker is busy and the queue is full.
    #[error("the sandbox queue is full ({0} runs waiting); retry shortly")]
    QueueFull(usize),
    /// The caller already has their share of the pool and queue.
    #[error(
        "you already have {0} runs running or waiting, the most one user may have; retry when one has finished"
    )]
    UserBusy(usize),
}

impl From<Refusal> for SandboxError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::QueueFull(waiting) => SandboxError::QueueFull(waiting),
            Refusal::UserBusy(share) => SandboxError::UserBusy(share),
        }
    }
}

/// Runs learner code.
pub struct Sandbox {
    registry: Arc<Registry>,
    settings: SandboxSettings,
    admission: Arc<Admission>,
}

impl Sandbox {
    /// A sandbox running code through the code runners in `registry`.
    pub fn new(registry: Arc<Registry>, settings: SandboxSettings) -> Self {
        Self {
            admission: Arc::new(Admission::new(
                settings.workers,
                settings.queue,
                settings.max_runs_per_user,
            )),
            registry,
            settings,
        }
    }

    /// The operator's settings.
    pub fn settings(&self) -> &SandboxSettings {
        &self.settings
    }

    /// Runs `spec` once for `user` (none: a run not attributed to a user).
    pub async fn run(&self, spec: &RunSpec, user: Option<&str>) -> Result<RunReport, SandboxError> {
        let runner = self.runner(&spec.language)?;
        let ticket = self.admission.reserve(user, 1)?;
        let _worker = ticket.worker().await;
        Ok(self.run_one(&runner, spec, &spec.stdin, None).await)
    }

    /// Runs `spec`'s code once per test for `user`, in parallel, each in a fresh instance.
    pub async fn run_tests(
        self: &Arc<Self>,
        spec: &TestsSpec,
        user: Option<&str>,
    ) -> Result<TestsReport, SandboxError> {
        let runner = self.runner(&spec.run.language)?;
        let share = self.admission.per_user();
        if user.is_some() && spec.tests.len() > share {
            // Could never be admitted: say so once, rather than 429 forever.
            return Err(SandboxError::Invalid {
                field: "tests".into(),
                message: format!(
                    "holds {} tests; this server runs at most {share} at once for one user",
                    spec.tests.len()
                ),
            });
        }
        let ticket = Arc::new(self.admission.reserve(user, spec.tests.len())?);
        Ok(test_cases::run_all(self, runner, ticket, spec).await)
    }

    fn runner(&self, language: &str) -> Result<Arc<LoadedPlugin>, SandboxError> {
        self.registry
            .snapshot()
            .runners
            .get(language)
            .cloned()
            .ok_or_else(|| SandboxError::NoRunner(language.to_owned()))
    }

    /// One run in a fresh instance; the caller holds a worker.
    async fn run_one(
        &self,
        runner: &LoadedPlugin,
        spec: &RunSpec,
        stdin: &str,
        test: Option<&TestSpec>,
    ) -> RunReport {
        let limits = self.call_limits(runner, &spec.limits);
        let request = RunRequest {
            language: spec.language.clone(),
            code: spec.code.clone(),
            stdin: stdin.to_owned(),
            tests: test.map(TestSpec::to_case).into_iter().collect(),
            limits: RunLimits {
                timeout_ms: u32::try_from(spec.limits.timeout_ms).ok(),
                memory_mb: u32::try_from(spec.limits.memory_mb).ok(),
                max_output_bytes: u32::try_from(spec.limits.max_output_bytes).ok(),
            },
        };
        let run = self
            .registry
            .runtime()
            .run_code(runner, &limits, &request)
            .await;
        let report = outcome::judge(run, &spec.limits);
        let metrics = self.registry.runtime().metrics();
        metrics.record_sandbox_run(report.status.label());
        report
    }

    /// One assertion test: its expected sides first, in a fresh instance without the
    /// program, then the program and the actual sides; the host judges the values (see
    /// `assertions`). The caller holds a worker for both runs.
    async fn run_assertion(
        &self,
        runner: &LoadedPlugin,
        spec: &RunSpec,
        test: &TestSpec,
        assertion: &str,
    ) -> (RunReport, assertions::Verdict) {
        let plan = assertions::Plan::new(assertion);
        let trusted = match plan.expected_side() {
            Some(expected) => {
                let alone = RunSpec {
                    code: String::new(),
                    stdin: String::new(),
                    ..spec.clone()
                };
                let probe = TestSpec {
                    assertion: Some(expected),
                    stdin: String::new(),
                    ..test.clone()
                };
                let run = self.run_one(runner, &alone, "", Some(&probe)).await;
                let report = run
                    .assertion
                    .as_ref()
                    .filter(|_| run.status == RunStatus::Ok)
                    .and_then(|seen| assertions::Report::parse(&seen.report));
                plan.trusted_values(report.as_ref())
            }
            None => None,
        };
        let learner = TestSpec {
            assertion: Some(plan.learner_side(trusted.is_some())),
            ..test.clone()
        };
        let run = self
            .run_one(runner, spec, &test.stdin, Some(&learner))
            .await;
        let seen = run.assertion.as_ref().map(|seen| seen.report.as_str());
        let verdict = match (run.status, seen.and_then(assertions::Report::parse)) {
            (RunStatus::Ok, Some(report)) => plan.judge(trusted.as_deref(), &report),
            // The program failed, exited before the check, or the runner said something
            // that is not a value: the test fails with what it said.
            _ => plan.failed(seen.unwrap_or_default().to_owned()),
        };
        (run, verdict)
    }

    /// The store limits of one run: the request's deadline and output cap, and memory for
    /// learner code on top of the interpreter's measured baseline, never above the
    /// plugin's manifest.
    fn call_limits(&self, runner: &LoadedPlugin, wanted: &SandboxLimits) -> Limits {
        let manifest = &runner.services.limits;
        let baseline_mb = runner.baseline_memory_bytes.div_ceil(1 << 20);
        Limits {
            timeout_ms: wanted.timeout_ms.min(manifest.timeout_ms),
            memory_mb: (baseline_mb + wanted.memory_mb).min(manifest.memory_mb),
            fuel: manifest.fuel,
            max_output_bytes: wanted.max_output_bytes.min(manifest.max_output_bytes),
            ..manifest.clone()
        }
    }
}

impl TestSpec {
    fn to_case(&self) -> TestCase {
        TestCase {
            name: self.name.clone(),
            stdin: self.stdin.clone(),
            expected_stdout: self.expected_stdout.clone(),
            assertion: self.assertion.clone(),
        }
    }
}
