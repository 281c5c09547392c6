//! `./dev bench compare` (issue 21): each headline path next to its peer, in the same run.
//!
//! Absolute times on these machines swing several-fold from day to day, so a figure here
//! means something only beside a peer measured minutes apart on the same cores. Each row
//! runs the two sides in alternating rounds (so drift hits both alike), prints p50/p99 of
//! each and their ratio, and the table goes to `target/bench/compare.json` so runs can be
//! compared over time.
//!
//! Rows so far:
//! - **plugin call vs bare wasmtime**: Tessera's call path (`Runtime::grader_kinds`: limits,
//!   fuel and epoch deadline, the plugin's state and WASI context, a fresh instance from the
//!   `InstancePre`, the call, the drop) against the same component's `kinds()` instantiated
//!   from an `InstancePre` on a bare engine (pooling allocator, no limits, every import a
//!   trap) in the same process. Goal: within 2×.
//! - **Python run vs a process per run**: the sandbox's fresh CPython instance against a
//!   fresh `python3 -I -S` process with `resource` limits, the same program. Goal: ≥ 10×
//!   faster.
//!
//! Still to come (issue 21): the AI gateway against LiteLLM, and the daily lesson against
//! a static file from the same HTTP stack.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

use tessera::metrics::Metrics;
use tessera::plugins::Registry;
use tessera::runtime::Runtime;
use tessera::sandbox::{RunStatus, Sandbox, SandboxSettings};

use super::{bench_runtime, percentile, repo, sandbox_spec};

/// A latency in the unit that reads best.
fn show(d: Duration) -> String {
    if d >= Duration::from_millis(1) {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.1} us", d.as_secs_f64() * 1e6)
    }
}

/// Rounds per row; each side runs `PER_ROUND` times in each (`PYTHON_PER_ROUND` for the
/// sandbox row, whose runs take milliseconds).
const ROUNDS: usize = 10;
const PER_ROUND: usize = 2_000;
const PYTHON_PER_ROUND: usize = 50;

/// One side's latencies.
struct Side {
    label: &'static str,
    samples: Vec<Duration>,
}

impl Side {
    fn new(label: &'static str) -> Self {
        Self {
            label,
            samples: Vec::new(),
        }
    }

    fn p(&mut self, q: f64) -> Duration {
        self.samples.sort_unstable();
        percentile(&self.samples, q)
    }
}

/// One row of the table: ours against the peer.
struct Row {
    what: &'static str,
    goal: &'static str,
    ours: Side,
    peer: Side,
}

impl Row {
    /// Warms both sides up, then runs them in `ROUNDS` alternating rounds of `per_round`
    /// calls each, so drift on the machine hits both alike.
    async fn measure(&mut self, per_round: usize, ours: impl AsyncFn(), peer: impl AsyncFn()) {
        for _ in 0..per_round {
            ours().await;
            peer().await;
        }
        for _ in 0..ROUNDS {
            for _ in 0..per_round {
                let t = Instant::now();
                ours().await;
                self.ours.samples.push(t.elapsed());
            }
            for _ in 0..per_round {
                let t = Instant::now();
                peer().await;
                self.peer.samples.push(t.elapsed());
            }
        }
    }

    fn print(&mut self) {
        let (o50, o99) = (self.ours.p(0.5), self.ours.p(0.99));
        let (p50, p99) = (self.peer.p(0.5), self.peer.p(0.99));
        println!("{}:", self.what);
        println!(
            "  {:<36} p50 {}  p99 {}",
            self.ours.label,
            show(o50),
            show(o99)
        );
        println!(
            "  {:<36} p50 {}  p99 {}",
            self.peer.label,
            show(p50),
            show(p99)
        );
        println!(
            "  {:<36} p50 {:.2}x  p99 {:.2}x   goal: {}",
            "ratio (ours / peer)",
            o50.as_secs_f64() / p50.as_secs_f64(),
            o99.as_secs_f64() / p99.as_secs_f64(),
            self.goal
        );
    }

    fn report(&mut self) -> serde_json::Value {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let (o50, o99) = (self.ours.p(0.5), self.ours.p(0.99));
        let (p50, p99) = (self.peer.p(0.5), self.peer.p(0.99));
        json!({
            "what": self.what,
            "goal": self.goal,
            "ours": { "label": self.ours.label, "p50_us": us(o50), "p99_us": us(o99) },
            "peer": { "label": self.peer.label, "p50_us": us(p50), "p99_us": us(p99) },
            "ratio_p50": o50.as_secs_f64() / p50.as_secs_f64(),
            "ratio_p99": o99.as_secs_f64() / p99.as_secs_f64(),
        })
    }
}

/// Tessera's plugin call against a bare wasmtime instantiate-and-call of the same component.
async fn plugin_call(data: &Path) -> Row {
    let runtime = bench_runtime(data);
    let manifest = repo().join("plugins/quiz-grader/plugin.toml");
    let plugin = Arc::new(runtime.load_plugin(&manifest).await.unwrap());
    let bytes = std::fs::read(
        repo()
            .join("plugins/quiz-grader")
            .join(&plugin.manifest.component),
    )
    .unwrap();

    let mut config = Config::new();
    config.wasm_component_model(true);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(
        PoolingAllocationConfig::default(),
    ));
    let engine = Engine::new(&config).unwrap();
    let component = Component::new(&engine, &bytes).unwrap();
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.define_unknown_imports_as_traps(&component).unwrap();
    let pre = linker.instantiate_pre(&component).unwrap();
    let interface = component
        .get_export_index(None, "tessera:platform/grader@0.1.0")
        .unwrap();
    let kinds = component
        .get_export_index(Some(&interface), "kinds")
        .unwrap();
    let bare = async || {
        let mut store = Store::new(&engine, ());
        let instance = pre.instantiate_async(&mut store).await.unwrap();
        let func = instance
            .get_typed_func::<(), (Vec<String>,)>(&mut store, &kinds)
            .unwrap();
        func.call_async(&mut store, ()).await.unwrap().0
    };

    // Both answer the same.
    assert_eq!(
        bare().await,
        runtime.grader_kinds(&plugin).await.unwrap(),
        "the bare call and Tessera's disagree"
    );
    let mut row = Row {
        what: "plugin call vs bare wasmtime (quiz-grader kinds(): fresh instance, call, drop; 1 task)",
        goal: "within 2x",
        ours: Side::new("tessera (Runtime::grader_kinds)"),
        peer: Side::new("bare wasmtime (InstancePre)"),
    };
    row.measure(
        PER_ROUND,
        async || {
            runtime.grader_kinds(&plugin).await.unwrap();
        },
        async || {
            bare().await;
        },
    )
    .await;
    row
}

/// The Python sandbox (a fresh CPython instance per run, through `Sandbox::run`) against a
/// fresh `python3 -I -S` process per run with `resource` limits on its address space and
/// CPU time: what a process-based judge does at its core, before any container or isolate.
async fn python_vs_process(data: &Path) -> Row {
    let runtime = Runtime::new(
        &tessera::runtime::RuntimeSettings {
            engine: tessera::runtime::engine::EngineSettings::default(),
            cache_dir: data.join("cache"),
            plugin_kv_memory_bytes:
                tessera::runtime::capabilities::keyvalue::DEFAULT_KV_MEMORY_BYTES,
        },
        Arc::new(Metrics::new()),
    )
    .unwrap();
    let registry = Arc::new(Registry::new(runtime, vec![repo().join("plugins")]));
    let report = registry.reload().await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let sandbox = Sandbox::new(registry, SandboxSettings::default());
    let program = "print(sum(i * i for i in range(1000)))";
    let spec = sandbox_spec(program, 5_000);
    let expected = format!("{}\n", (0..1000u64).map(|i| i * i).sum::<u64>());
    let ours = async || {
        let out = sandbox.run(&spec, None).await.unwrap();
        assert_eq!(
            (out.status, out.stdout.as_str()),
            (RunStatus::Ok, expected.as_str())
        );
    };
    // The interpreter itself, not pyenv's shell shim in front of it.
    let python = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    let python = String::from_utf8(python.stdout).unwrap().trim().to_owned();
    let limited = format!(
        "import resource\n\
         resource.setrlimit(resource.RLIMIT_AS, (256 << 20, 256 << 20))\n\
         resource.setrlimit(resource.RLIMIT_CPU, (5, 5))\n\
         {program}\n"
    );
    let process = || {
        let out = std::process::Command::new(&python)
            .args(["-I", "-S", "-c", &limited])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    };
    let mut row = Row {
        what: "python run vs a process per run (1 task, same program)",
        goal: "ours >= 10x faster (ratio <= 0.1)",
        ours: Side::new("tessera sandbox (fresh CPython)"),
        peer: Side::new("python3 -I -S process, rlimits"),
    };
    row.measure(PYTHON_PER_ROUND, ours, async || process())
        .await;
    row
}

/// Runs every row, prints the table and writes `target/bench/compare.json`.
pub async fn compare(data: &Path) {
    println!("side by side (issue 21; each row's two sides alternate in {ROUNDS} rounds):");
    let mut rows = vec![plugin_call(data).await, python_vs_process(data).await];
    for row in &mut rows {
        row.print();
    }
    let out = repo().join("target/bench");
    std::fs::create_dir_all(&out).unwrap();
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let report = json!({
        "measured_at_unix": at,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "rows": rows.iter_mut().map(Row::report).collect::<Vec<_>>(),
    });
    let path = out.join("compare.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
    println!("  (written to {})", path.display());
}
