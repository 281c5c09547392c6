//! The set of loaded plugins. Readers take a snapshot (`Arc`) per request, so a reload
//! swaps in a new set atomically while calls in flight finish on the versions they started
//! with, and no call ever mixes two versions.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::Serialize;

use crate::plugins::contract::World;
use crate::plugins::published::{self, Canary};
use crate::runtime::cache::CacheOutcome;
use crate::runtime::loader::fingerprint;
use crate::runtime::{LoadError, LoadedPlugin, Runtime};
use crate::store::plugin_registry::RolloutRow;
use crate::store::{Db, StoreError};

/// File name of a plugin manifest.
pub const MANIFEST_FILE: &str = "plugin.toml";

/// A plugin that could not be loaded, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoadFailure {
    /// The manifest that failed (`published:<id>` for a version from the registry).
    #[schema(value_type = String)]
    pub manifest: PathBuf,
    /// The plugin id, when the manifest got far enough to name it.
    pub plugin: Option<String>,
    /// What went wrong, for operators.
    pub reason: String,
}

/// One consistent set of plugins.
#[derive(Default)]
pub struct Snapshot {
    /// Loaded plugins by id.
    pub plugins: BTreeMap<String, Arc<LoadedPlugin>>,
    /// Graders by the question kind they claim.
    pub graders: HashMap<String, Arc<LoadedPlugin>>,
    /// Code runners (sandboxes) by the language they run.
    pub runners: HashMap<String, Arc<LoadedPlugin>>,
    /// Safety filters; every one screens, the strictest verdict wins.
    pub safety: Vec<Arc<LoadedPlugin>>,
    /// The AI gateway (one `llm-plugin`).
    pub llm: Option<Arc<LoadedPlugin>>,
    /// The lesson engine (one `lesson-engine-plugin`).
    pub lesson_engine: Option<Arc<LoadedPlugin>>,
    /// Tutor agents by the intent they answer.
    pub agents: HashMap<String, Arc<LoadedPlugin>>,
    /// Triage (one `triage-plugin`).
    pub triage: Option<Arc<LoadedPlugin>>,
    /// The experiment assigner (one `assigner-plugin`).
    pub assigner: Option<Arc<LoadedPlugin>>,
    /// Kalei's fragment detector (one `fragment-detector-plugin`).
    pub fragment_detector: Option<Arc<LoadedPlugin>>,
    /// Kalei's reframer (one `reframer-plugin`).
    pub reframer: Option<Arc<LoadedPlugin>>,
    /// Kalei's lens coach (one `lens-coach-plugin`).
    pub lens_coach: Option<Arc<LoadedPlugin>>,
    /// Kalei's spectrum analyst (one `spectrum-analyst-plugin`).
    pub spectrum_analyst: Option<Arc<LoadedPlugin>>,
    /// Plugins that failed to load.
    pub failures: Vec<LoadFailure>,
    /// Canary versions by plugin id: each serves its share of users instead of the plugin
    /// in `plugins` ([`Snapshot::serving`]).
    pub canaries: HashMap<String, Canary>,
    /// The versions the plugin folders hold, by plugin id (whether or not a published
    /// version replaces them).
    pub folder_versions: BTreeMap<String, String>,
    /// The published rollouts this set was loaded from.
    pub rollouts: Vec<RolloutRow>,
}

impl Snapshot {
    /// The version of `plugin` that serves `unit` (a user id): its canary for the canary's
    /// share of users, else `plugin` itself (and always for calls on no one's behalf).
    pub fn serving(&self, plugin: &Arc<LoadedPlugin>, unit: Option<&str>) -> Arc<LoadedPlugin> {
        match (self.canaries.get(&plugin.manifest.id), unit) {
            (Some(canary), Some(unit))
                if published::in_canary(&plugin.manifest.id, unit, canary.percent) =>
            {
                canary.plugin.clone()
            }
            _ => plugin.clone(),
        }
    }
}

/// What a reload did.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ReloadReport {
    /// Plugins loaded for the first time.
    pub added: Vec<String>,
    /// Plugins whose manifest or component changed and were swapped.
    pub updated: Vec<String>,
    /// Plugins kept as they were.
    pub unchanged: Vec<String>,
    /// Plugins that disappeared from the plugin folders.
    pub removed: Vec<String>,
    /// Plugins that failed; a failing update keeps the old version serving.
    pub failures: Vec<LoadFailure>,
}

/// The registry.
pub struct Registry {
    runtime: Arc<Runtime>,
    dirs: Vec<PathBuf>,
    current: ArcSwap<Snapshot>,
    reload_lock: tokio::sync::Mutex<()>,
    /// Where published versions are kept, once the server has a database.
    published: std::sync::OnceLock<Db>,
}

impl Registry {
    /// An empty registry reading manifests from `dirs`.
    pub fn new(runtime: Arc<Runtime>, dirs: Vec<PathBuf>) -> Self {
        Self {
            runtime,
            dirs,
            current: ArcSwap::from_pointee(Snapshot::default()),
            reload_lock: tokio::sync::Mutex::new(()),
            published: std::sync::OnceLock::new(),
        }
    }

    /// Loads published versions (the plugin registry's rollouts) from `db` at every
    /// reload from now on; they replace the plugin folders' versions of the same ids.
    pub fn load_published_from(&self, db: Db) {
        let _ = self.published.set(db);
    }

    /// Whether the plugin folders hold a version of `plugin_id`.
    pub fn in_folders(&self, plugin_id: &str) -> bool {
        self.snapshot().folder_versions.contains_key(plugin_id)
    }

    /// Reloads when the published rollouts differ from those loaded (another replica
    /// changed one).
    pub async fn reload_if_published_changed(&self) -> Result<(), StoreError> {
        let Some(db) = self.published.get() else {
            return Ok(());
        };
        if db.plugin_rollouts().await? != self.snapshot().rollouts {
            let report = self.reload().await;
            tracing::info!(updated = ?report.updated, added = ?report.added, removed = ?report.removed,
                "plugins reloaded after a registry change");
        }
        Ok(())
    }

    /// The runtime plugins run on.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// The current set of plugins.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Every manifest under the plugin folders: `<dir>/plugin.toml` and
    /// `<dir>/<plugin>/plugin.toml`, sorted for a stable load order.
    pub fn manifests(&self) -> (Vec<PathBuf>, Vec<LoadFailure>) {
        let mut found = Vec::new();
        let mut failures = Vec::new();
        for dir in &self.dirs {
            let direct = dir.join(MANIFEST_FILE);
            if direct.is_file() {
                found.push(direct);
                continue;
            }
            match std::fs::read_dir(dir) {
                Ok(entries) => {
                    let mut paths: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.path().join(MANIFEST_FILE))
                        .filter(|p| p.is_file())
                        .collect();
                    paths.sort();
                    found.extend(paths);
                }
                Err(e) => failures.push(LoadFailure {
                    manifest: dir.clone(),
                    plugin: None,
                    reason: format!("cannot read plugin folder {}: {e}", dir.display()),
                }),
            }
        }
        (found, failures)
    }

    /// (Re)loads every plugin from the plugin folders and the published versions, and
    /// swaps the new set in atomically. Unchanged plugins are kept as they are; a plugin
    /// whose new version fails to load keeps its old version serving. A published stable
    /// version replaces the plugin folder's version of the same id.
    pub async fn reload(&self) -> ReloadReport {
        let _guard = self.reload_lock.lock().await;
        let old = self.snapshot();
        let (paths, mut failures) = self.manifests();
        let loads = self.load_all(&old, &paths).await;
        let mut from_folders: Vec<(PathBuf, Arc<LoadedPlugin>)> = Vec::new();
        for (path, loaded) in paths.into_iter().zip(loads) {
            match loaded {
                Ok(plugin) => from_folders.push((path, plugin)),
                Err(error) => {
                    let plugin = error.plugin_id().map(str::to_owned);
                    tracing::error!(manifest = %path.display(), %error, "plugin failed to load");
                    // Keep the old version of a plugin whose update is broken.
                    if let Some(previous) = old.plugins.values().find(|p| p.manifest_path == path) {
                        from_folders.push((path.clone(), previous.clone()));
                    }
                    failures.push(LoadFailure {
                        manifest: path,
                        plugin,
                        reason: error.to_string(),
                    });
                }
            }
        }
        let mut next = Snapshot {
            folder_versions: from_folders
                .iter()
                .map(|(_, p)| (p.manifest.id.clone(), p.manifest.version.clone()))
                .collect(),
            ..Snapshot::default()
        };
        let published = match self.published.get() {
            Some(db) => {
                let reuse = |path: &Path| {
                    old.plugins
                        .values()
                        .chain(old.canaries.values().map(|c| &c.plugin))
                        .find(|p| p.manifest_path == path)
                        .cloned()
                };
                match published::load(self, db, reuse).await {
                    Ok(loaded) => Some(loaded),
                    Err(e) => {
                        // The database is away: keep serving what was published before.
                        tracing::error!(error = %e, "could not read the plugin registry; keeping the published versions loaded");
                        None
                    }
                }
            }
            None => None,
        };
        let (stable, canaries, rollouts) = match published {
            Some(p) => {
                for (plugin, reason) in p.failures {
                    failures.push(LoadFailure {
                        manifest: PathBuf::from(format!("published:{plugin}")),
                        plugin: Some(plugin),
                        reason,
                    });
                }
                (p.stable, p.canaries, p.rollouts)
            }
            None => {
                let stable = old
                    .plugins
                    .iter()
                    .filter(|(_, p)| p.manifest_path.starts_with("published:"))
                    .map(|(id, p)| (id.clone(), p.clone()))
                    .collect();
                (stable, old.canaries.clone(), old.rollouts.clone())
            }
        };
        let mut candidates: Vec<(PathBuf, Arc<LoadedPlugin>)> = from_folders
            .into_iter()
            .filter(|(_, p)| !stable.contains_key(&p.manifest.id))
            .collect();
        candidates.extend(stable.into_values().map(|p| (p.manifest_path.clone(), p)));
        for (path, plugin) in candidates {
            let id = plugin.manifest.id.clone();
            if let Err(clash) = admit(&mut next, plugin) {
                failures.push(LoadFailure {
                    manifest: path,
                    plugin: Some(id),
                    reason: clash.to_string(),
                });
            }
        }
        // A canary serves only in place of a plugin of its world that is serving.
        next.canaries = canaries
            .into_iter()
            .filter(|(id, c)| {
                next.plugins
                    .get(id)
                    .is_some_and(|p| p.manifest.world == c.plugin.manifest.world)
            })
            .collect();
        next.rollouts = rollouts;
        let mut report = ReloadReport::default();
        for (id, plugin) in &next.plugins {
            match old.plugins.get(id) {
                None => report.added.push(id.clone()),
                Some(before) if before.fingerprint == plugin.fingerprint => {
                    report.unchanged.push(id.clone());
                }
                Some(_) => report.updated.push(id.clone()),
            }
        }
        report.removed = old
            .plugins
            .keys()
            .filter(|id| !next.plugins.contains_key(*id))
            .cloned()
            .collect();
        next.failures = failures.clone();
        report.failures = failures;
        let metrics = self.runtime.metrics();
        metrics.plugins_loaded.set(next.plugins.len() as i64);
        metrics.plugins_failed.set(next.failures.len() as i64);
        self.current.store(Arc::new(next));
        report
    }

    /// Loads the plugins at `paths` (in their order), reusing those unchanged since `old`.
    /// Loads run a few at a time, one per core, so one plugin's reading, checking and
    /// linking overlaps another's compile (a component missing from the compile cache, on a
    /// first start or after a new build, takes up to ~11 s; the compiles themselves share
    /// wasmtime's pool of compiler threads). Each compile is logged, so a first start that
    /// takes half a minute says why; on a terminal a progress bar counts the plugins
    /// loaded from the first compile on.
    async fn load_all(
        &self,
        old: &Snapshot,
        paths: &[PathBuf],
    ) -> Vec<Result<Arc<LoadedPlugin>, LoadError>> {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let turns = tokio::sync::Semaphore::new(cores);
        let compiled = std::sync::atomic::AtomicUsize::new(0);
        let total = paths.len();
        let progress = CompileProgress::new(total);
        let loads = paths.iter().map(|path| async {
            if let Some(plugin) = self.reuse_if_unchanged(old, path) {
                progress.loaded(None);
                return Ok(plugin);
            }
            // The semaphore is never closed, so a turn always comes.
            let _turn = turns.acquire().await;
            let started = std::time::Instant::now();
            let loaded = self.runtime.load_plugin(path).await.map(Arc::new);
            let missed = loaded.as_ref().ok().filter(|l| l.cache == CacheOutcome::Miss);
            progress.loaded(missed.map(|l| l.manifest.id.as_str()));
            let loaded = loaded?;
            if loaded.cache == CacheOutcome::Miss {
                let n = compiled.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                tracing::info!(
                    plugin = %loaded.manifest.id,
                    compile_ms = started.elapsed().as_millis() as u64,
                    compiled = n,
                    manifests = total,
                    cache = %self.runtime.cache().dir().display(),
                    "compiled a plugin missing from the compile cache (later starts read it from there)"
                );
            }
            Ok(loaded)
        });
        let loaded = futures_util::future::join_all(loads).await;
        progress.done();
        loaded
    }

    fn reuse_if_unchanged(&self, old: &Snapshot, path: &Path) -> Option<Arc<LoadedPlugin>> {
        let existing = old.plugins.values().find(|p| p.manifest_path == path)?;
        let text = std::fs::read(path).ok()?;
        let bytes = std::fs::read(existing.manifest.component_path(path.parent()?)).ok()?;
        // The manifest text is part of the fingerprint, so a changed `component` path
        // (or anything else) is caught here too.
        (fingerprint(&text, &bytes) == existing.fingerprint).then(|| existing.clone())
    }

    /// Loads one manifest without registering it (for `tessera plugin validate`).
    pub async fn validate(&self, manifest: &Path) -> Result<LoadedPlugin, LoadError> {
        self.runtime.load_plugin(manifest).await
    }
}

/// A bar on standard error counting plugins loaded, shown on a terminal once a plugin had
/// to be compiled (a first start, or the first after a new build: some 30 s for the shipped
/// plugins on 2 cores). Hidden otherwise: logs and CI read the `compiled` lines.
struct CompileProgress {
    bar: indicatif::ProgressBar,
    shown: std::sync::atomic::AtomicBool,
}

impl CompileProgress {
    fn new(total: usize) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total as u64),
            indicatif::ProgressDrawTarget::hidden(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "loading plugins {bar:30} {pos}/{len} ({elapsed}) {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Self {
            bar,
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// One more plugin loaded (or failed); `compiled` names it when it was compiled.
    fn loaded(&self, compiled: Option<&str>) {
        use std::io::IsTerminal;
        if let Some(id) = compiled {
            self.bar.set_message(format!("compiled {id}"));
            if !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
                && std::io::stderr().is_terminal()
            {
                self.bar
                    .set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
            }
        }
        self.bar.inc(1);
    }

    fn done(&self) {
        self.bar.finish_and_clear();
    }
}

/// Why a loaded plugin cannot join the others; the message is its load failure's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Clash {
    /// Another manifest uses the id.
    #[error("plugin id `{id}` is already used by {}", .other.display())]
    Id { id: String, other: PathBuf },
    /// A second AI gateway.
    #[error("an AI gateway is already installed: plugin `{0}`")]
    Gateway(String),
    /// A second lesson engine.
    #[error("a lesson engine is already installed: plugin `{0}`")]
    LessonEngine(String),
    /// A second triage plugin.
    #[error("a triage plugin is already installed: plugin `{0}`")]
    Triage(String),
    /// A second experiment assigner.
    #[error("an experiment assigner is already installed: plugin `{0}`")]
    Assigner(String),
    /// A second plugin of a world served by one (a reflection world): a partner's plugin
    /// replaces the first-party one by taking its id, or once that one's folder is gone.
    #[error("a {world} is already installed: plugin `{other}`")]
    OnlyOne { world: World, other: String },
    /// A question kind or language another plugin claims.
    #[error("{what} `{claim}` is already claimed by plugin `{other}`")]
    Claim {
        what: &'static str,
        claim: String,
        other: String,
    },
}

/// Installs `plugin` in a world's one slot (`slot` picks it), refusing a second one.
fn only_one(
    next: &mut Snapshot,
    slot: fn(&mut Snapshot) -> &mut Option<Arc<LoadedPlugin>>,
    plugin: Arc<LoadedPlugin>,
    clash: fn(String) -> Clash,
) -> Result<(), Clash> {
    if let Some(other) = slot(next) {
        return Err(clash(other.manifest.id.clone()));
    }
    *slot(next) = Some(plugin.clone());
    next.plugins.insert(plugin.manifest.id.clone(), plugin);
    Ok(())
}

/// Adds `plugin` to `next`, refusing duplicate ids and kinds or languages claimed twice.
fn admit(next: &mut Snapshot, plugin: Arc<LoadedPlugin>) -> Result<(), Clash> {
    let id = &plugin.manifest.id;
    if let Some(other) = next.plugins.get(id) {
        return Err(Clash::Id {
            id: id.clone(),
            other: other.manifest_path.clone(),
        });
    }
    let (table, claims, what) = match plugin.manifest.world {
        World::Grader => (
            &mut next.graders,
            &plugin.manifest.routing.kinds,
            "question kind",
        ),
        World::CodeRunner => (
            &mut next.runners,
            &plugin.manifest.routing.languages,
            "language",
        ),
        World::Agent => (&mut next.agents, &plugin.manifest.routing.intents, "intent"),
        World::Triage => return only_one(next, |s| &mut s.triage, plugin, Clash::Triage),
        World::Llm => return only_one(next, |s| &mut s.llm, plugin, Clash::Gateway),
        World::LessonEngine => {
            return only_one(next, |s| &mut s.lesson_engine, plugin, Clash::LessonEngine);
        }
        World::Assigner => return only_one(next, |s| &mut s.assigner, plugin, Clash::Assigner),
        World::FragmentDetector => {
            return only_one(
                next,
                |s| &mut s.fragment_detector,
                plugin,
                |other| Clash::OnlyOne {
                    world: World::FragmentDetector,
                    other,
                },
            );
        }
        World::Reframer => {
            return only_one(
                next,
                |s| &mut s.reframer,
                plugin,
                |other| Clash::OnlyOne {
                    world: World::Reframer,
                    other,
                },
            );
        }
        World::LensCoach => {
            return only_one(
                next,
                |s| &mut s.lens_coach,
                plugin,
                |other| Clash::OnlyOne {
                    world: World::LensCoach,
                    other,
                },
            );
        }
        World::SpectrumAnalyst => {
            return only_one(
                next,
                |s| &mut s.spectrum_analyst,
                plugin,
                |other| Clash::OnlyOne {
                    world: World::SpectrumAnalyst,
                    other,
                },
            );
        }
        World::Safety => {
            next.safety.push(plugin.clone());
            next.plugins.insert(id.clone(), plugin);
            return Ok(());
        }
    };
    if let Some((claim, other)) = claims
        .iter()
        .find_map(|c| table.get(c).map(|other| (c, other)))
    {
        return Err(Clash::Claim {
            what,
            claim: claim.clone(),
            other: other.manifest.id.clone(),
        });
    }
    for claim in claims {
        table.insert(claim.clone(), plugin.clone());
    }
    next.plugins.insert(id.clone(), plugin);
    Ok(())
}
