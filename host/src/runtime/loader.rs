//! Loading a plugin: manifest, contract version, component file, world, imports against
//! grants, linking, and a smoke call. Every refusal is a [`LoadError`] naming the plugin.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};

use super::Runtime;
use super::cache::CacheOutcome;
use super::capabilities::grants::{self, ImportVerdict};
use super::capabilities::{self, PluginServices};
use super::error::PluginRef;
use super::state::PluginState;
use super::worlds::{self, WorldPre};
use crate::plugins::contract::{self, Version, World};
use crate::plugins::manifest::{Abi, Manifest, ManifestError};

/// A plugin ready to be called.
pub struct LoadedPlugin {
    /// Its manifest.
    pub manifest: Manifest,
    /// Where the manifest was read from.
    pub manifest_path: PathBuf,
    /// SHA-256 of manifest text + component bytes: equal hashes mean nothing changed.
    pub fingerprint: String,
    /// Services shared by its calls.
    pub services: Arc<PluginServices>,
    /// The linked, not yet instantiated, component, typed by its world and contract version.
    pub pre: WorldPre,
    /// The imports the component declares (for listings).
    pub imports: Vec<String>,
    /// Whether the compiled artifact came from the cache.
    pub cache: CacheOutcome,
    /// Linear memory the component needs before doing any work, in bytes, measured by the
    /// smoke call at load (a code runner's interpreter baseline); 0 when not measured.
    pub baseline_memory_bytes: u64,
}

impl LoadedPlugin {
    /// The plugin's id and version.
    pub fn plugin_ref(&self) -> &PluginRef {
        &self.services.plugin
    }
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The manifest is unreadable or invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The plugin targets a contract version this host cannot serve.
    #[error(
        "plugin {plugin}: built against tessera:platform@{contract}, but this host serves {supported}; rebuild it against this host's wit/ or upgrade the host"
    )]
    UnsupportedContract {
        /// The plugin.
        plugin: String,
        /// The version it declared.
        contract: String,
        /// What the host serves.
        supported: String,
    },
    /// The manifest names a world its contract version marks unstable (declared, not yet
    /// served by any host).
    #[error(
        "plugin {plugin}: world `{world}` is unstable in tessera:platform@{contract}: this host does not serve it yet (see wit/README.md)"
    )]
    UnstableWorld {
        /// The plugin.
        plugin: String,
        /// The world.
        world: World,
        /// The contract version.
        contract: String,
    },
    /// The component file is missing or unreadable.
    #[error("plugin {plugin}: cannot read component {path}: {reason}")]
    MissingComponent {
        /// The plugin.
        plugin: String,
        /// The resolved path.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// The file is not a WebAssembly component.
    #[error("plugin {plugin}: {path} is not a WebAssembly component: {reason}")]
    NotAComponent {
        /// The plugin.
        plugin: String,
        /// The resolved path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The file is not a WebAssembly core module (an `abi = "extism"` plugin).
    #[error(
        "plugin {plugin}: {path} is not a WebAssembly core module (abi = \"extism\"): {reason}"
    )]
    NotAModule {
        /// The plugin.
        plugin: String,
        /// The resolved path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The component does not export the manifest's world.
    #[error("plugin {plugin}: manifest says world `{world}` but the component {found}")]
    WrongWorld {
        /// The plugin.
        plugin: String,
        /// The world the manifest names.
        world: World,
        /// What the component exports instead.
        found: String,
    },
    /// The component imports something it was not granted.
    #[error("plugin {plugin}: imports `{import}`, which {reason}")]
    DeniedImport {
        /// The plugin.
        plugin: String,
        /// The import's full name.
        import: String,
        /// Why it is refused and what would allow it.
        reason: String,
    },
    /// The component could not be linked or its smoke call failed.
    #[error("plugin {plugin}: {reason}")]
    Link {
        /// The plugin.
        plugin: String,
        /// What failed.
        reason: String,
    },
}

impl LoadError {
    /// The plugin id the error is about, when known.
    pub fn plugin_id(&self) -> Option<&str> {
        match self {
            LoadError::Manifest(_) => None,
            LoadError::UnsupportedContract { plugin, .. }
            | LoadError::UnstableWorld { plugin, .. }
            | LoadError::MissingComponent { plugin, .. }
            | LoadError::NotAComponent { plugin, .. }
            | LoadError::NotAModule { plugin, .. }
            | LoadError::WrongWorld { plugin, .. }
            | LoadError::DeniedImport { plugin, .. }
            | LoadError::Link { plugin, .. } => Some(plugin),
        }
    }
}

/// Identifies a plugin's exact files: equal fingerprints mean nothing changed.
pub fn fingerprint(manifest_text: &[u8], component: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(manifest_text);
    h.update(component);
    hex::encode(h.finalize())
}

/// The component model's binary header: magic, then layer 1 (component) encoding.
const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

impl Runtime {
    /// Loads the plugin whose manifest is at `manifest_path`.
    pub async fn load_plugin(&self, manifest_path: &Path) -> Result<LoadedPlugin, LoadError> {
        let text =
            std::fs::read_to_string(manifest_path).map_err(|source| ManifestError::Read {
                path: manifest_path.to_owned(),
                source,
            })?;
        let manifest = Manifest::parse(&text, manifest_path, self.ceilings())?;
        let dir = manifest_path.parent().unwrap_or(Path::new("."));
        let path = manifest.component_path(dir);
        let bytes = std::fs::read(&path).map_err(|e| LoadError::MissingComponent {
            plugin: manifest.id.clone(),
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let fingerprint = fingerprint(text.as_bytes(), &bytes);
        self.load_component(
            manifest,
            manifest_path.to_owned(),
            &path,
            &bytes,
            fingerprint,
        )
        .await
    }

    /// Checks and links `bytes` as the component of `manifest`.
    pub async fn load_component(
        &self,
        manifest: Manifest,
        manifest_path: PathBuf,
        path: &Path,
        bytes: &[u8],
        fingerprint: String,
    ) -> Result<LoadedPlugin, LoadError> {
        let id = manifest.id.clone();
        let Some(version) = Version::parse(&manifest.contract) else {
            return Err(LoadError::UnsupportedContract {
                plugin: id,
                contract: manifest.contract.clone(),
                supported: contract::SUPPORTED_CONTRACTS.join(", "),
            });
        };
        if !version.serves(manifest.world) {
            return Err(LoadError::UnstableWorld {
                plugin: id,
                world: manifest.world,
                contract: manifest.contract.clone(),
            });
        }
        if manifest.abi == Abi::Extism {
            return self
                .load_extism(manifest, manifest_path, path, bytes, fingerprint)
                .await;
        }
        let not_component = |reason: String| LoadError::NotAComponent {
            plugin: id.clone(),
            path: path.to_owned(),
            reason,
        };
        match wasm_kind(bytes) {
            Err(reason) => return Err(not_component(reason)),
            Ok(WasmKind::Module) => {
                return Err(not_component(
                    "it is a core WebAssembly module; build for wasm32-wasip2 or wrap it with `wasm-tools component new` (or, for a module built with an Extism PDK, set `abi = \"extism\"`)".into(),
                ));
            }
            Ok(WasmKind::Component) => {}
        }
        let engine = self.engine().clone();
        let cache = self.cache().clone();
        let owned = bytes.to_vec();
        // Compiling can take seconds for a large component: keep it off the async workers.
        let (component, cache_outcome) =
            tokio::task::spawn_blocking(move || cache.load(&engine, &owned))
                .await
                .map_err(|e| not_component(format!("compilation task failed: {e}")))?
                .map_err(|e| not_component(format!("{e:#}")))?;

        let imports = check_world_and_imports(self, &manifest, &component)?;
        let linker = build_linker(self, &manifest, version).map_err(|e| LoadError::Link {
            plugin: id.clone(),
            reason: format!("cannot build linker: {e:#}"),
        })?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Link {
                plugin: id.clone(),
                reason: format!("cannot link: {e:#}"),
            })?;
        let pre = WorldPre::new(manifest.world, version, instance_pre).map_err(|e| {
            LoadError::WrongWorld {
                plugin: id.clone(),
                world: manifest.world,
                found: format!("does not match its types: {e:#}"),
            }
        })?;
        self.smoke_tested(LoadedPlugin {
            services: Arc::new(PluginServices::from_manifest(&manifest, &self.backends)),
            manifest,
            manifest_path,
            fingerprint,
            pre,
            imports,
            cache: cache_outcome,
            baseline_memory_bytes: 0,
        })
        .await
    }

    /// The plugin once its world's smoke call passed (with the memory that call measured),
    /// whichever ABI it uses.
    pub(crate) async fn smoke_tested(
        &self,
        mut plugin: LoadedPlugin,
    ) -> Result<LoadedPlugin, LoadError> {
        plugin.baseline_memory_bytes =
            worlds::smoke_call(self, &plugin)
                .await
                .map_err(|reason| LoadError::Link {
                    plugin: plugin.manifest.id.clone(),
                    reason,
                })?;
        Ok(plugin)
    }
}

/// What a WebAssembly binary is, by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WasmKind {
    /// A component (layer 1).
    Component,
    /// A core module (version 1).
    Module,
}

/// Reads the header of `bytes`; the error says why it is not WebAssembly.
pub(crate) fn wasm_kind(bytes: &[u8]) -> Result<WasmKind, String> {
    if bytes.len() < 8 || bytes[..4] != COMPONENT_HEADER[..4] {
        return Err(
            "it does not start with the WebAssembly magic bytes (truncated or not wasm)".into(),
        );
    }
    if bytes[4..8] == COMPONENT_HEADER[4..8] {
        Ok(WasmKind::Component)
    } else if bytes[4..8] == [0x01, 0x00, 0x00, 0x00] {
        Ok(WasmKind::Module)
    } else {
        Err(format!(
            "its header names an unknown WebAssembly version {:02x?}",
            &bytes[4..8]
        ))
    }
}

/// The component must export the manifest's world interface at the declared contract
/// version, and import nothing it was not granted. Returns the import names.
fn check_world_and_imports(
    runtime: &Runtime,
    manifest: &Manifest,
    component: &Component,
) -> Result<Vec<String>, LoadError> {
    let engine = runtime.engine();
    let ty = component.component_type();
    let exports: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_owned()).collect();
    let wanted = contract::export_name(manifest.world, &manifest.contract);
    if !exports.contains(&wanted) {
        let platform: Vec<&String> = exports
            .iter()
            .filter(|e| e.starts_with(contract::PACKAGE))
            .collect();
        let found = if platform.is_empty() {
            format!(
                "exports no tessera:platform interface (exports: {})",
                if exports.is_empty() {
                    "nothing".to_owned()
                } else {
                    exports.join(", ")
                }
            )
        } else {
            format!(
                "exports {} instead of {wanted}",
                platform
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(LoadError::WrongWorld {
            plugin: manifest.id.clone(),
            world: manifest.world,
            found,
        });
    }
    let mut imports = Vec::new();
    for (name, item) in ty.imports(engine) {
        if !matches!(item.ty, ComponentItem::ComponentInstance(_)) {
            return Err(LoadError::DeniedImport {
                plugin: manifest.id.clone(),
                import: name.to_owned(),
                reason: "is not an interface; plugins may import only WIT interfaces".into(),
            });
        }
        let reason = match grants::check_import(
            manifest.world,
            &manifest.contract,
            &manifest.grants,
            name,
        ) {
            ImportVerdict::Allowed => {
                imports.push(name.to_owned());
                continue;
            }
            ImportVerdict::NotGranted(grant) => {
                format!("its manifest does not grant (add {grant} to plugin.toml to allow it)")
            }
            ImportVerdict::NotInWorld => format!(
                "is not available to world `{}` on this host",
                manifest.world
            ),
            ImportVerdict::WrongContract => format!(
                "belongs to another contract version than the declared tessera:platform@{}",
                manifest.contract
            ),
        };
        return Err(LoadError::DeniedImport {
            plugin: manifest.id.clone(),
            import: name.to_owned(),
            reason,
        });
    }
    Ok(imports)
}

/// A linker offering the base WASI interfaces plus exactly the capabilities the plugin's
/// world allows and its manifest grants.
fn build_linker(
    runtime: &Runtime,
    manifest: &Manifest,
    version: Version,
) -> wasmtime::Result<Linker<PluginState>> {
    let mut linker = Linker::<PluginState>::new(runtime.engine());
    capabilities::link_base(&mut linker, version)?;
    capabilities::link_granted(&mut linker, version, manifest.world, &manifest.grants)?;
    Ok(linker)
}
