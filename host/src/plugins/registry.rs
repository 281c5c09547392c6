//! The set of loaded plugins. Readers take a snapshot (`Arc`) per request, so a reload
//! swaps in a new set atomically while calls in flight finish on the versions they started
//! with, and no call ever mixes two versions.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::Serialize;

use crate::plugins::contract::World;
use crate::runtime::loader::fingerprint;
use crate::runtime::{LoadError, LoadedPlugin, Runtime};

/// File name of a plugin manifest.
pub const MANIFEST_FILE: &str = "plugin.toml";

/// A plugin that could not be loaded, and why.
#[derive(Debug, Clone, Serialize)]
pub struct LoadFailure {
    /// The manifest that failed.
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
    /// Plugins that failed to load.
    pub failures: Vec<LoadFailure>,
}

/// What a reload did.
#[derive(Debug, Default, Serialize)]
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
}

impl Registry {
    /// An empty registry reading manifests from `dirs`.
    pub fn new(runtime: Arc<Runtime>, dirs: Vec<PathBuf>) -> Self {
        Self {
            runtime,
            dirs,
            current: ArcSwap::from_pointee(Snapshot::default()),
            reload_lock: tokio::sync::Mutex::new(()),
        }
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

    /// (Re)loads every plugin from the plugin folders and swaps the new set in atomically.
    /// Unchanged plugins are kept as they are; a plugin whose new version fails to load keeps
    /// its old version serving.
    pub async fn reload(&self) -> ReloadReport {
        let _guard = self.reload_lock.lock().await;
        let old = self.snapshot();
        let (paths, mut failures) = self.manifests();
        let mut report = ReloadReport::default();
        let mut next = Snapshot::default();
        for path in paths {
            let loaded = match self.reuse_if_unchanged(&old, &path) {
                Some(plugin) => {
                    report.unchanged.push(plugin.manifest.id.clone());
                    Ok(plugin)
                }
                None => self.runtime.load_plugin(&path).await.map(Arc::new),
            };
            match loaded {
                Ok(plugin) => {
                    let id = plugin.manifest.id.clone();
                    if let Err(clash) = admit(&mut next, plugin.clone()) {
                        failures.push(LoadFailure {
                            manifest: path,
                            plugin: Some(id),
                            reason: clash.to_string(),
                        });
                        continue;
                    }
                    if report.unchanged.last() != Some(&id) {
                        if old.plugins.contains_key(&id) {
                            report.updated.push(id);
                        } else {
                            report.added.push(id);
                        }
                    }
                }
                Err(error) => {
                    let plugin = error.plugin_id().map(str::to_owned);
                    tracing::error!(manifest = %path.display(), %error, "plugin failed to load");
                    // Keep the old version of a plugin whose update is broken.
                    if let Some(previous) = old.plugins.values().find(|p| p.manifest_path == path) {
                        let _ = admit(&mut next, previous.clone());
                    }
                    failures.push(LoadFailure {
                        manifest: path,
                        plugin,
                        reason: error.to_string(),
                    });
                }
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
