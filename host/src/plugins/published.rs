//! Plugins published over HTTP (`POST /api/v1/plugins`) rather than dropped in a plugin
//! folder: versions kept in the database, so every replica loads the same bytes, and
//! rolled out safely.
//!
//! - **Upload**: the manifest is parsed and checked (world, contract, limits within the
//!   operator's ceilings, grants within the [`UploadPolicy`]), the component is compiled,
//!   linked and smoke-called exactly as at start-up, and its world's conformance kit
//!   (`super::conformance`) must pass; only then is the version stored.
//! - **Rollout**: each plugin has a stable version (none: the plugin folder's version
//!   serves) and may have a canary serving `percent` of users, picked by the experiment
//!   assigner's hash (GrowthBook v2, seed `canary:<plugin>`), so a user stays on one
//!   version across calls and replicas. `promote` makes the canary stable (remembering the
//!   version it replaced); `rollback` drops the canary, or without one returns to the
//!   version the last promotion replaced. The canary guard ([`CanaryGuard`]) rolls a
//!   canary back by itself when its error rate passes the stable version's by a margin.
//! - **Replicas** load rollouts from the database at every reload; a change is announced
//!   on the shared store (Redis pub/sub channel `<prefix>plugins`) and each replica also
//!   compares the rollouts with what it loaded every few seconds, in case it missed one.
//!   A reload swaps the whole set atomically; calls in flight finish on their version.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::manifest::{Manifest, OutboundGrant};
use super::registry::Registry;
use crate::runtime::loader::fingerprint;
use crate::runtime::{LoadError, LoadedPlugin};
use crate::store::plugin_registry::{NewVersion, RolloutRow, VersionDeletion};
use crate::store::{Db, StoreError};

/// Largest component accepted, bytes (the CPython sandbox is about 19 MiB).
pub const MAX_COMPONENT_BYTES: usize = 64 << 20;
/// Largest manifest accepted, bytes.
pub const MAX_MANIFEST_BYTES: usize = 64 << 10;

/// What uploaded plugins may be granted, beyond what any manifest may ask for: an upload
/// comes from a person over HTTP, not from the operator's disk, so network access is the
/// operator's to give (`--plugin-upload-hosts`).
#[derive(Debug, Clone, Default)]
pub struct UploadPolicy {
    /// Hosts uploaded plugins may be granted in `grants.outbound_hosts` (exact entries).
    pub outbound_hosts: Vec<String>,
}

impl UploadPolicy {
    /// Parses `--plugin-upload-hosts` (comma-separated `host:port` or bare hosts).
    pub fn parse(hosts: &str) -> Result<Self, String> {
        let mut outbound_hosts = Vec::new();
        for entry in hosts.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            OutboundGrant::parse(entry)
                .map_err(|why| format!("--plugin-upload-hosts: `{entry}` {why}"))?;
            outbound_hosts.push(entry.to_ascii_lowercase());
        }
        Ok(Self { outbound_hosts })
    }

    fn check(&self, manifest: &Manifest) -> Result<(), PublishError> {
        if let Some(host) = manifest
            .grants
            .outbound_hosts
            .iter()
            .find(|h| !self.outbound_hosts.contains(&h.to_ascii_lowercase()))
        {
            return Err(PublishError::Invalid {
                field: "manifest.grants.outbound_hosts".into(),
                message: format!(
                    "`{host}` is not a host uploaded plugins may reach (the operator allows: {}; \
                     --plugin-upload-hosts)",
                    if self.outbound_hosts.is_empty() {
                        "none".to_owned()
                    } else {
                        self.outbound_hosts.join(", ")
                    }
                ),
            });
        }
        Ok(())
    }
}

/// Why a publish or a rollout change was refused.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Bad input: the field and what is wrong (HTTP 422).
    #[error("{field}: {message}")]
    Invalid {
        /// The field, e.g. `manifest.world`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The component did not load (compile, link, grants, smoke call): HTTP 422.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The conformance kit of its world failed (HTTP 422, each failed case named).
    #[error("the conformance kit failed: {}", .0.failures().map(|c| format!("{} ({})", c.name, c.detail.as_deref().unwrap_or(""))).collect::<Vec<_>>().join("; "))]
    Conformance(super::conformance::Report),
    /// The version exists already (HTTP 409).
    #[error("{plugin} {version} is already published; versions are immutable, bump `version`")]
    Exists {
        /// The plugin.
        plugin: String,
        /// The version.
        version: String,
    },
    /// No such plugin or version (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The change does not apply to the rollout as it is (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A canary: the version serving `percent` of users instead of the stable one.
#[derive(Clone)]
pub struct Canary {
    /// The canary version, loaded.
    pub plugin: Arc<LoadedPlugin>,
    /// Percent of users (0-100).
    pub percent: u8,
}

/// Whether `unit` (a user id) is among the `percent` whose calls of `plugin_id` the canary
/// serves: the assigner's GrowthBook v2 hash, so the split is sticky and the same on
/// every replica.
pub fn in_canary(plugin_id: &str, unit: &str, percent: u8) -> bool {
    assignment::hash::hash(&format!("canary:{plugin_id}"), unit, 2)
        .is_some_and(|h| h * 100.0 < f64::from(percent))
}

/// The synthetic manifest path of a published version (where load failures point).
fn published_path(plugin_id: &str, version: &str) -> PathBuf {
    PathBuf::from(format!("published:{plugin_id}@{version}"))
}

/// What the database says should serve: per plugin, its stable and canary versions.
pub(crate) struct Loaded {
    /// Stable versions replacing the plugin folders' (by id).
    pub stable: HashMap<String, Arc<LoadedPlugin>>,
    /// Canaries (by id).
    pub canaries: HashMap<String, Canary>,
    /// The rollouts these came from.
    pub rollouts: Vec<RolloutRow>,
    /// Versions that failed to load: (plugin, reason).
    pub failures: Vec<(String, String)>,
}

/// Loads the published versions the rollouts name, reusing those `reuse` finds already
/// loaded (a version's bytes never change).
pub(crate) async fn load(
    registry: &Registry,
    db: &Db,
    reuse: impl Fn(&std::path::Path) -> Option<Arc<LoadedPlugin>>,
) -> Result<Loaded, StoreError> {
    let rollouts = db.plugin_rollouts().await?;
    let mut loaded = Loaded {
        stable: HashMap::new(),
        canaries: HashMap::new(),
        rollouts: rollouts.clone(),
        failures: Vec::new(),
    };
    for r in &rollouts {
        let mut get = async |version: &str| -> Option<Arc<LoadedPlugin>> {
            let path = published_path(&r.plugin_id, version);
            if let Some(plugin) = reuse(&path) {
                return Some(plugin);
            }
            match load_version(registry, db, &r.plugin_id, version).await {
                Ok(plugin) => Some(plugin),
                Err(e) => {
                    tracing::error!(plugin = %r.plugin_id, %version, error = %e, "published plugin failed to load");
                    loaded
                        .failures
                        .push((r.plugin_id.clone(), format!("{version}: {e}")));
                    None
                }
            }
        };
        if let Some(v) = &r.stable_version
            && let Some(plugin) = get(v).await
        {
            loaded.stable.insert(r.plugin_id.clone(), plugin);
        }
        if let Some(v) = &r.canary_version
            && r.canary_percent > 0
            && let Some(plugin) = get(v).await
        {
            loaded.canaries.insert(
                r.plugin_id.clone(),
                Canary {
                    plugin,
                    percent: r.canary_percent.clamp(0, 100) as u8,
                },
            );
        }
    }
    Ok(loaded)
}

async fn load_version(
    registry: &Registry,
    db: &Db,
    plugin_id: &str,
    version: &str,
) -> Result<Arc<LoadedPlugin>, PublishError> {
    let (text, bytes) = db
        .plugin_version_files(plugin_id, version)
        .await?
        .ok_or_else(|| PublishError::NotFound(format!("{plugin_id} {version} is not stored")))?;
    let path = published_path(plugin_id, version);
    let runtime = registry.runtime();
    let manifest = Manifest::parse(&text, &path, runtime.ceilings()).map_err(LoadError::from)?;
    let print = fingerprint(text.as_bytes(), &bytes);
    Ok(Arc::new(
        runtime
            .load_component(manifest, path.clone(), &path, &bytes, print)
            .await?,
    ))
}

/// A publish's outcome.
#[derive(Debug, Clone)]
pub struct Published {
    /// The manifest as stored.
    pub manifest: Manifest,
    /// SHA-256 of the component.
    pub sha256: String,
    /// The rollout after it.
    pub rollout: RolloutRow,
}

/// The registry's settings (`tessera serve --plugin-upload-hosts …`).
#[derive(Debug, Clone, Default)]
pub struct RegistrySettings {
    /// What uploads may be granted.
    pub policy: UploadPolicy,
    /// When a canary is rolled back by itself.
    pub canary: CanaryPolicy,
    /// Redis (URL, key prefix) to announce changes on; `None` on one node.
    pub redis: Option<(String, String)>,
}

/// Publishes versions and changes rollouts, then has every replica reload.
pub struct Publisher {
    registry: Arc<Registry>,
    db: Db,
    policy: UploadPolicy,
    announcer: Option<Announcer>,
}

/// Announces changes on Redis (`PUBLISH <prefix>plugins <generation>`).
struct Announcer {
    client: redis::Client,
    channel: String,
}

/// The Redis channel replicas hear of plugin changes on.
pub fn channel(prefix: &str) -> String {
    format!("{prefix}plugins")
}

impl Publisher {
    /// A publisher over `registry`, which from now on loads published versions from
    /// `db`; with Redis in `settings`, changes are announced to the other replicas.
    pub fn new(registry: Arc<Registry>, db: Db, settings: &RegistrySettings) -> Self {
        registry.load_published_from(db.clone());
        let announcer = settings.redis.as_ref().and_then(|(url, prefix)| {
            match redis::Client::open(url.as_str()) {
                Ok(client) => Some(Announcer {
                    client,
                    channel: channel(prefix),
                }),
                Err(e) => {
                    tracing::warn!(error = %e, "plugin changes will not be announced on Redis; replicas poll for them");
                    None
                }
            }
        });
        Self {
            registry,
            db,
            policy: settings.policy.clone(),
            announcer,
        }
    }

    /// Checks, loads and stores a version. A plugin not serving yet goes live at once;
    /// over a serving one, the version becomes the canary at `canary_percent` (0: stored,
    /// serving nobody until a canary share is set or it is promoted).
    pub async fn publish(
        &self,
        manifest_text: &str,
        component: &[u8],
        canary_percent: u8,
        actor: Option<&str>,
    ) -> Result<Published, PublishError> {
        if manifest_text.len() > MAX_MANIFEST_BYTES {
            return Err(PublishError::Invalid {
                field: "manifest".into(),
                message: format!(
                    "is {} bytes; at most {MAX_MANIFEST_BYTES}",
                    manifest_text.len()
                ),
            });
        }
        if component.len() > MAX_COMPONENT_BYTES {
            return Err(PublishError::Invalid {
                field: "component".into(),
                message: format!(
                    "is {} bytes; at most {MAX_COMPONENT_BYTES}",
                    component.len()
                ),
            });
        }
        check_percent(canary_percent)?;
        let runtime = self.registry.runtime();
        let probe = PathBuf::from("upload:plugin.toml");
        let manifest = Manifest::parse(manifest_text, &probe, runtime.ceilings()).map_err(|e| {
            PublishError::Invalid {
                field: "manifest".into(),
                message: e.to_string(),
            }
        })?;
        self.policy.check(&manifest)?;
        let serving = self.registry.snapshot().plugins.get(&manifest.id).cloned();
        if let Some(current) = &serving
            && current.manifest.world != manifest.world
        {
            return Err(PublishError::Invalid {
                field: "manifest.world".into(),
                message: format!(
                    "`{}` serves as {}; a new version must implement the same world, not {}",
                    manifest.id, current.manifest.world, manifest.world
                ),
            });
        }
        // Compile, link and smoke-call it now: a version that would not load is refused
        // before anything is stored.
        let path = published_path(&manifest.id, &manifest.version);
        let loaded = runtime
            .load_component(
                manifest.clone(),
                path.clone(),
                &path,
                component,
                fingerprint(manifest_text.as_bytes(), component),
            )
            .await?;
        // And what every plugin of its world must do beyond loading.
        let kit = super::conformance::run(runtime, &loaded, None).await;
        if !kit.passed() {
            return Err(PublishError::Conformance(kit));
        }
        let sha256 = hex::encode(Sha256::digest(component));
        let version = manifest.version.clone();
        let id = manifest.id.clone();
        let rollout = self
            .db
            .store_plugin_version(
                NewVersion {
                    plugin_id: &id,
                    version: &version,
                    world: &manifest.world.to_string(),
                    manifest: manifest_text,
                    component,
                    sha256: &sha256,
                },
                |current| {
                    let mut row = current.unwrap_or_else(|| empty_rollout(&id));
                    if serving.is_none() && row.stable_version.is_none() {
                        row.stable_version = Some(version.clone());
                    } else {
                        row.canary_version = Some(version.clone());
                        row.canary_percent = i64::from(canary_percent);
                    }
                    row
                },
                actor,
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => PublishError::Exists {
                    plugin: id.clone(),
                    version: version.clone(),
                },
                other => other.into(),
            })?;
        self.changed().await;
        Ok(Published {
            manifest,
            sha256,
            rollout,
        })
    }

    /// Serves `version` (stored) to `percent` of users as the canary.
    pub async fn set_canary(
        &self,
        plugin_id: &str,
        version: &str,
        percent: u8,
        actor: Option<&str>,
    ) -> Result<RolloutRow, PublishError> {
        check_percent(percent)?;
        let versions = self.db.plugin_versions(plugin_id).await?;
        if !versions.iter().any(|v| v.version == version) {
            return Err(PublishError::NotFound(format!(
                "{plugin_id} has no stored version {version}"
            )));
        }
        let row = self
            .db
            .change_rollout(plugin_id, "plugin.canary_set", actor, |current| {
                let mut row = current.unwrap_or_else(|| empty_rollout(plugin_id));
                if row.stable_version.as_deref() == Some(version) {
                    return Err(PublishError::Conflict(format!(
                        "{version} is {plugin_id}'s stable version already"
                    )));
                }
                row.canary_version = Some(version.to_owned());
                row.canary_percent = i64::from(percent);
                Ok(row)
            })
            .await?;
        self.changed().await;
        Ok(row)
    }

    /// Makes the canary the stable version.
    pub async fn promote(
        &self,
        plugin_id: &str,
        actor: Option<&str>,
    ) -> Result<RolloutRow, PublishError> {
        let row = self
            .db
            .change_rollout(plugin_id, "plugin.promoted", actor, |current| {
                let mut row = current.ok_or_else(|| not_published(plugin_id))?;
                let Some(canary) = row.canary_version.take() else {
                    return Err(PublishError::Conflict(format!(
                        "{plugin_id} has no canary to promote"
                    )));
                };
                row.previous_version = row.stable_version.replace(canary);
                row.canary_percent = 0;
                Ok(row)
            })
            .await?;
        self.changed().await;
        Ok(row)
    }

    /// Deletes a stored version no rollout role names (its bytes are the bulk of the
    /// registry's tables); serving is unchanged, so replicas need not hear of it.
    pub async fn delete_version(
        &self,
        plugin_id: &str,
        version: &str,
        actor: Option<&str>,
    ) -> Result<(), PublishError> {
        match self
            .db
            .delete_plugin_version(plugin_id, version, actor)
            .await?
        {
            VersionDeletion::Deleted => Ok(()),
            VersionDeletion::NotFound => Err(PublishError::NotFound(format!(
                "{plugin_id} has no stored version {version}"
            ))),
            VersionDeletion::InUse(role) => Err(PublishError::Conflict(format!(
                "{version} is {plugin_id}'s {role} version; roll back or promote another version before deleting it"
            ))),
        }
    }

    /// Drops the canary; without one, returns to the version the last promotion replaced.
    pub async fn rollback(
        &self,
        plugin_id: &str,
        actor: Option<&str>,
        automatic: bool,
    ) -> Result<RolloutRow, PublishError> {
        let kind = if automatic {
            "plugin.canary_rolled_back_automatically"
        } else {
            "plugin.rolled_back"
        };
        let row = self
            .db
            .change_rollout(plugin_id, kind, actor, |current| {
                let mut row = current.ok_or_else(|| not_published(plugin_id))?;
                if row.canary_version.take().is_some() {
                    row.canary_percent = 0;
                } else if automatic {
                    return Err(PublishError::Conflict("the canary is gone already".into()));
                } else if row.stable_version.is_some()
                    && (row.previous_version.is_some() || self.registry.in_folders(plugin_id))
                {
                    row.stable_version = row.previous_version.take();
                } else {
                    return Err(PublishError::Conflict(format!(
                        "{plugin_id} has no canary and no earlier version to return to"
                    )));
                }
                Ok(row)
            })
            .await?;
        self.changed().await;
        Ok(row)
    }

    /// Reloads here and tells the other replicas.
    async fn changed(&self) {
        let report = self.registry.reload().await;
        if !report.failures.is_empty() {
            tracing::warn!(failures = ?report.failures, "plugins failed to load after a registry change");
        }
        if let Some(a) = &self.announcer {
            let sent = async {
                let mut conn = a.client.get_multiplexed_async_connection().await?;
                redis::cmd("PUBLISH")
                    .arg(&a.channel)
                    .arg("changed")
                    .query_async::<i64>(&mut conn)
                    .await
            };
            if let Err(e) = sent.await {
                // The other replicas' poll picks the change up within its interval.
                tracing::warn!(error = %e, "could not announce a plugin change on Redis");
            }
        }
    }
}

/// The manifest and component of a plugin folder packed as `.tar.gz`: `plugin.toml` at
/// the top or in the one folder at the top, and the file its `component` names beside it.
/// What is unpacked is bounded (a small archive may inflate to gigabytes).
pub fn unpack_folder(archive: &[u8]) -> Result<(String, Vec<u8>), PublishError> {
    use std::io::Read;
    let invalid = |message: String| PublishError::Invalid {
        field: "archive".into(),
        message,
    };
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    let mut budget = (MAX_COMPONENT_BYTES + MAX_MANIFEST_BYTES) as u64;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let entries = tar
        .entries()
        .map_err(|e| invalid(format!("not a .tar.gz: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| invalid(format!("not a .tar.gz: {e}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map_err(|e| invalid(format!("a file name is not readable: {e}")))?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        let wanted = path.ends_with(super::registry::MANIFEST_FILE) || path.ends_with(".wasm");
        if !wanted {
            continue;
        }
        let mut bytes = Vec::new();
        entry
            .by_ref()
            .take(budget + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| invalid(format!("{path}: {e}")))?;
        if bytes.len() as u64 > budget {
            return Err(PublishError::Invalid {
                field: "component".into(),
                message: format!(
                    "the archive unpacks to more than {MAX_COMPONENT_BYTES} bytes of component"
                ),
            });
        }
        budget -= bytes.len() as u64;
        files.insert(path, bytes);
    }
    let manifest_path = files
        .keys()
        .filter(|p| {
            *p == super::registry::MANIFEST_FILE
                || p.strip_suffix(super::registry::MANIFEST_FILE)
                    .is_some_and(|dir| dir.ends_with('/') && dir.matches('/').count() == 1)
        })
        .min_by_key(|p| p.len())
        .cloned()
        .ok_or_else(|| invalid("no plugin.toml at its top or in its one top folder".into()))?;
    let dir = manifest_path
        .strip_suffix(super::registry::MANIFEST_FILE)
        .unwrap_or_default()
        .to_owned();
    let manifest = String::from_utf8(files.remove(&manifest_path).unwrap_or_default())
        .map_err(|_| invalid(format!("{manifest_path} is not UTF-8 text")))?;
    let component = toml::from_str::<toml::Table>(&manifest)
        .ok()
        .and_then(|t| t.get("component")?.as_str().map(str::to_owned))
        .ok_or_else(|| PublishError::Invalid {
            field: "manifest.component".into(),
            message: "the manifest names no component file".into(),
        })?;
    let mut wanted = format!("{dir}{}", component.trim_start_matches("./"));
    // `a/../b.wasm` and the like: only plain relative paths inside the folder.
    if component.split('/').any(|part| part == "..") {
        wanted.clear();
    }
    let bytes = files.remove(&wanted).ok_or_else(|| PublishError::Invalid {
        field: "manifest.component".into(),
        message: format!(
            "`{component}` is not in the archive (a .wasm file beside plugin.toml, named by a path inside the folder)"
        ),
    })?;
    Ok((manifest, bytes))
}

fn empty_rollout(plugin_id: &str) -> RolloutRow {
    RolloutRow {
        plugin_id: plugin_id.to_owned(),
        stable_version: None,
        previous_version: None,
        canary_version: None,
        canary_percent: 0,
        generation: 0,
        updated_by: None,
        updated_at: 0,
    }
}

fn not_published(plugin_id: &str) -> PublishError {
    PublishError::NotFound(format!("{plugin_id} has no published versions"))
}

fn check_percent(percent: u8) -> Result<(), PublishError> {
    if percent > 100 {
        return Err(PublishError::Invalid {
            field: "canary_percent".into(),
            message: format!("must be 0-100, not {percent}"),
        });
    }
    Ok(())
}

/// How often a replica compares the rollouts with what it loaded (the safety net under
/// the Redis announcements, and the only channel without Redis).
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Keeps this replica's plugins in step with the database: reloads when a change is
/// announced on Redis (`redis`: URL and key prefix) or when a poll finds the rollouts
/// differ from those loaded.
pub fn spawn_watcher(registry: Arc<Registry>, redis: Option<(String, String)>) {
    let wake = Arc::new(tokio::sync::Notify::new());
    if let Some((url, prefix)) = redis {
        let wake = wake.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = listen(&url, &channel(&prefix), &wake).await {
                    tracing::warn!(error = %e, "plugin change announcements: Redis subscription lost; retrying");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL_INTERVAL) => {}
            }
            if let Err(e) = registry.reload_if_published_changed().await {
                tracing::warn!(error = %e, "could not read the plugin registry");
            }
        }
    });
}

async fn listen(
    url: &str,
    channel: &str,
    wake: &tokio::sync::Notify,
) -> Result<(), redis::RedisError> {
    use futures_util::StreamExt;
    let client = redis::Client::open(url)?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    let mut messages = pubsub.on_message();
    while messages.next().await.is_some() {
        wake.notify_one();
    }
    Ok(())
}

/// When the canary guard rolls a canary back.
#[derive(Debug, Clone, Copy)]
pub struct CanaryPolicy {
    /// Calls the canary must have served (on this replica) before it is judged.
    pub min_calls: u64,
    /// How far the canary's error rate may pass the stable version's, in percentage
    /// points, before it is rolled back.
    pub margin_points: f64,
    /// How often canaries are judged.
    pub interval: Duration,
}

impl Default for CanaryPolicy {
    fn default() -> Self {
        Self {
            min_calls: 100,
            margin_points: 2.0,
            interval: Duration::from_secs(2),
        }
    }
}

/// Whether a canary with `canary` (calls, errors) does worse than the stable version's
/// `stable` (calls, errors) by more than the policy's margin.
pub fn canary_fails(policy: &CanaryPolicy, canary: (u64, u64), stable: (u64, u64)) -> bool {
    let rate = |(calls, errors): (u64, u64)| {
        if calls == 0 {
            0.0
        } else {
            errors as f64 * 100.0 / calls as f64
        }
    };
    canary.0 >= policy.min_calls && rate(canary) > rate(stable) + policy.margin_points
}

/// Judges every canary on this replica's metrics every `policy.interval`, rolling back
/// (audited as `plugin.canary_rolled_back_automatically`) the ones that fail.
pub fn spawn_canary_guard(publisher: Arc<Publisher>, policy: CanaryPolicy) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(policy.interval).await;
            let snapshot = publisher.registry.snapshot();
            let metrics = publisher.registry.runtime().metrics();
            for (id, canary) in &snapshot.canaries {
                let Some(stable) = snapshot.plugins.get(id) else {
                    continue;
                };
                let of = |p: &LoadedPlugin| {
                    let c = metrics.plugin_version_calls(id, &p.manifest.version);
                    (c.calls, c.errors)
                };
                let (c, s) = (of(&canary.plugin), of(stable));
                if canary_fails(&policy, c, s) {
                    tracing::warn!(plugin = %id, canary = %canary.plugin.manifest.version,
                        canary_calls = c.0, canary_errors = c.1, stable_calls = s.0, stable_errors = s.1,
                        "the canary fails more often than the stable version: rolling it back");
                    if let Err(e) = publisher.rollback(id, None, true).await {
                        tracing::error!(plugin = %id, error = %e, "could not roll the canary back");
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canary_split_is_sticky_and_near_its_share() {
        for percent in [0u8, 10, 50, 100] {
            let inside = (0..10_000)
                .filter(|i| in_canary("quiz-grader", &format!("user-{i}"), percent))
                .count();
            let expected = usize::from(percent) * 100;
            assert!(
                inside.abs_diff(expected) <= 200,
                "{percent} %: {inside} of 10 000 users in the canary"
            );
        }
        // Sticky: the same user gets the same answer; a larger share keeps those it had.
        let users: Vec<String> = (0..1000).map(|i| format!("u{i}")).collect();
        for u in &users {
            assert_eq!(in_canary("g", u, 30), in_canary("g", u, 30));
            if in_canary("g", u, 30) {
                assert!(in_canary("g", u, 60), "{u} left the canary when it grew");
            }
        }
    }

    #[test]
    fn a_canary_is_judged_only_after_enough_calls_and_by_the_margin() {
        let p = CanaryPolicy {
            min_calls: 20,
            margin_points: 10.0,
            interval: Duration::from_secs(1),
        };
        assert!(!canary_fails(&p, (19, 19), (100, 0)), "too few calls");
        assert!(canary_fails(&p, (20, 3), (100, 0)), "15 % against 0 %");
        assert!(
            !canary_fails(&p, (20, 2), (100, 0)),
            "10 % is within the margin"
        );
        assert!(!canary_fails(&p, (100, 30), (100, 25)), "as bad as stable");
        assert!(
            canary_fails(&p, (100, 40), (0, 0)),
            "no stable calls count as 0 %"
        );
    }

    #[test]
    fn the_upload_policy_names_the_host_it_refuses() {
        let policy = UploadPolicy::parse("api.example.com:443, 127.0.0.1:9000").unwrap();
        assert_eq!(
            policy.outbound_hosts,
            ["api.example.com:443", "127.0.0.1:9000"]
        );
        assert!(UploadPolicy::parse("http://x").is_err());
    }
}
