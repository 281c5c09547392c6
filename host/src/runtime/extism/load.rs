//! Loading an Extism plugin: the file must be a core module exporting the world's
//! functions and importing only what its grants link; it is then compiled by Extism with
//! the manifest's limits.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{ExtismPre, export_name, host_functions};
use crate::plugins::contract::{Version, World};
use crate::plugins::manifest::Manifest;
use crate::runtime::Runtime;
use crate::runtime::cache::CacheOutcome;
use crate::runtime::capabilities::PluginServices;
use crate::runtime::loader::{LoadError, LoadedPlugin, WasmKind, wasm_kind};
use crate::runtime::worlds::WorldPre;

/// The functions an Extism plugin of `world` must export (WIT names; the export is
/// [`export_name`] of each).
pub fn world_functions(world: World) -> &'static [&'static str] {
    match world {
        World::Grader => &["kinds", "grade"],
        World::Agent => &["describe", "respond"],
        World::Triage => &["classify"],
        World::Assigner => &["assign", "evaluate-feature"],
        World::FragmentDetector => &["detect"],
        World::Reframer => &["reframe"],
        World::LensCoach => &["suggest-actions", "affirmation"],
        World::SpectrumAnalyst => &["insights"],
        _ => &[],
    }
}

/// Module names a core module may import from: Extism's kernel and user functions, and
/// WASI preview 1 (Extism gives it no directories, environment or standard streams).
const EXTISM_ENV: &str = "extism:host/env";
const EXTISM_USER: &str = "extism:host/user";
const WASI_P1: &str = "wasi_snapshot_preview1";

impl Runtime {
    /// Checks and compiles `bytes` as the Extism plugin of `manifest`.
    pub(crate) async fn load_extism(
        &self,
        manifest: Manifest,
        manifest_path: PathBuf,
        path: &Path,
        bytes: &[u8],
        fingerprint: String,
    ) -> Result<LoadedPlugin, LoadError> {
        let id = manifest.id.clone();
        let not_module = |reason: String| LoadError::NotAModule {
            plugin: id.clone(),
            path: path.to_owned(),
            reason,
        };
        match wasm_kind(bytes) {
            Err(reason) => return Err(not_module(reason)),
            Ok(WasmKind::Component) => {
                return Err(not_module(
                    "it is a WebAssembly component; remove `abi = \"extism\"` from plugin.toml to load it as one".into(),
                ));
            }
            Ok(WasmKind::Module) => {}
        }
        let needs_0_2 = !Version::V0_1_0.serves(manifest.world);
        if needs_0_2 && Version::parse(&manifest.contract).is_some_and(|v| v < Version::V0_2_0) {
            return Err(LoadError::UnsupportedContract {
                plugin: id,
                contract: manifest.contract.clone(),
                supported: format!("0.2.0 or later for world `{}`", manifest.world),
            });
        }
        let (imports, exports) = check_module(&manifest, bytes).map_err(|e| match e {
            ModuleCheck::Unreadable(reason) => not_module(reason),
            ModuleCheck::Denied { import, reason } => LoadError::DeniedImport {
                plugin: id.clone(),
                import,
                reason,
            },
            ModuleCheck::Missing(missing) => LoadError::WrongWorld {
                plugin: id.clone(),
                world: manifest.world,
                found: format!(
                    "does not export {} (an Extism plugin of this world exports {})",
                    missing.join(", "),
                    world_functions(manifest.world)
                        .iter()
                        .map(|f| export_name(f))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        })?;

        let builder = ::extism::PluginBuilder::new(extism_manifest(&manifest, bytes))
            // WASI only for modules that import it (Go's and JavaScript's PDKs do): linking it
            // is part of what every call of an Extism plugin pays for its fresh instance.
            .with_wasi(imports.iter().any(|i| i.starts_with(WASI_P1)))
            .with_cache_disabled()
            .with_functions(host_functions::for_plugin(
                manifest.grants.keyvalue,
                manifest.grants.llm,
            ));
        let builder = match manifest.limits.fuel {
            Some(fuel) => builder.with_fuel_limit(fuel),
            None => builder,
        };
        // Compiling is CPU work: keep it off the async workers.
        let compiled = tokio::task::spawn_blocking(move || ::extism::CompiledPlugin::new(builder))
            .await
            .map_err(|e| not_module(format!("compilation task failed: {e}")))?
            .map_err(|e| not_module(format!("{e:#}")))?;

        self.smoke_tested(LoadedPlugin {
            services: Arc::new(PluginServices::from_manifest(&manifest, &self.backends)),
            pre: WorldPre::Extism(Box::new(ExtismPre {
                world: manifest.world,
                compiled,
                exports,
            })),
            manifest,
            manifest_path,
            fingerprint,
            imports,
            cache: CacheOutcome::Miss,
            baseline_memory_bytes: 0,
        })
        .await
    }
}

/// Extism's manifest for the plugin: its module, its limits, its config values. Outbound
/// HTTP is the host's own function (`host_functions`), so `allowed_hosts` stays empty.
fn extism_manifest(manifest: &Manifest, bytes: &[u8]) -> ::extism::Manifest {
    let limits = &manifest.limits;
    let pages = u32::try_from(limits.memory_mb.saturating_mul(16)).unwrap_or(u32::MAX);
    ::extism::Manifest::new([::extism::Wasm::data(bytes.to_vec())])
        .with_memory_max(pages)
        .with_timeout(std::time::Duration::from_millis(limits.timeout_ms))
        .with_config(
            manifest
                .grants
                .config
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        )
}

/// Why a module was refused.
enum ModuleCheck {
    Unreadable(String),
    Denied { import: String, reason: String },
    Missing(Vec<String>),
}

/// The module's imports (as `module::name`) and exported function names, once every
/// import is one its grants link and every function of the world is exported.
fn check_module(
    manifest: &Manifest,
    bytes: &[u8],
) -> Result<(Vec<String>, Vec<String>), ModuleCheck> {
    use wasmparser::{ExternalKind, Parser, Payload, TypeRef};
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| ModuleCheck::Unreadable(e.to_string()))? {
            Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    let import = import.map_err(|e| ModuleCheck::Unreadable(e.to_string()))?;
                    let name = format!("{}::{}", import.module, import.name);
                    if !matches!(import.ty, TypeRef::Func(_)) {
                        return Err(ModuleCheck::Denied {
                            import: name,
                            reason:
                                "is not a function; an Extism plugin imports only host functions"
                                    .into(),
                        });
                    }
                    check_import(manifest, import.module, import.name).map_err(|reason| {
                        ModuleCheck::Denied {
                            import: name.clone(),
                            reason,
                        }
                    })?;
                    imports.push(name);
                }
            }
            Payload::ExportSection(section) => {
                for export in section {
                    let export = export.map_err(|e| ModuleCheck::Unreadable(e.to_string()))?;
                    if export.kind == ExternalKind::Func {
                        exports.push(export.name.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    let missing: Vec<String> = world_functions(manifest.world)
        .iter()
        .map(|f| export_name(f))
        .filter(|f| !exports.contains(f))
        .collect();
    if !missing.is_empty() {
        return Err(ModuleCheck::Missing(missing));
    }
    Ok((imports, exports))
}

/// Whether the plugin may import `module::name`; the error says why not.
fn check_import(manifest: &Manifest, module: &str, name: &str) -> Result<(), String> {
    match module {
        EXTISM_ENV | WASI_P1 => Ok(()),
        EXTISM_USER if host_functions::KV_FUNCTIONS.contains(&name) => {
            if manifest.grants.keyvalue {
                Ok(())
            } else {
                Err("its manifest does not grant (add `keyvalue = true` under [grants] in plugin.toml to allow it)".into())
            }
        }
        EXTISM_USER if name == host_functions::LLM_FUNCTION => {
            if manifest.grants.llm {
                Ok(())
            } else {
                Err("its manifest does not grant (add `llm = true` under [grants] in plugin.toml to allow it)".into())
            }
        }
        EXTISM_USER => Err(format!(
            "is not a host function this host offers Extism plugins (it offers {}, {})",
            host_functions::KV_FUNCTIONS.join(", "),
            host_functions::LLM_FUNCTION
        )),
        _ => Err(format!(
            "comes from module `{module}`; an Extism plugin may import only from {EXTISM_ENV}, {EXTISM_USER} and {WASI_P1}"
        )),
    }
}
