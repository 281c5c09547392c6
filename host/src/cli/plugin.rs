//! `tessera plugin list | validate | call`: tools for plugin authors and operators.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;

use super::Outcome;
use super::shared::{RuntimeArgs, registry};
use crate::plugins::contract::{self, World};
use crate::plugins::registry::MANIFEST_FILE;
use crate::runtime::LoadedPlugin;
use crate::runtime::capabilities::grants::{self, ImportVerdict};

/// Plugin subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// List the plugins in the plugin folders and whether each loads.
    List(RuntimeArgs),
    /// Check a plugin folder (with plugin.toml), a plugin.toml, or a bare .wasm component.
    /// Exits non-zero with the reason when it would not load.
    Validate {
        /// Folder, manifest or component to check.
        path: PathBuf,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Call one function of a plugin with JSON input and print the JSON result.
    Call {
        /// Plugin id.
        id: String,
        /// Function of the plugin's world interface, e.g. `grade` or `kinds`.
        function: String,
        /// Input as JSON: an object keyed by parameter name (or the bare value for a
        /// one-parameter function).
        #[arg(long, default_value = "{}")]
        input: String,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
}

/// Runs a plugin subcommand.
pub async fn run(cmd: PluginCommand) -> anyhow::Result<Outcome> {
    match cmd {
        PluginCommand::List(args) => list(&args).await,
        PluginCommand::Validate { path, runtime } => validate(&path, &runtime).await,
        PluginCommand::Call {
            id,
            function,
            input,
            runtime,
        } => call(&id, &function, &input, &runtime).await,
    }
}

async fn list(args: &RuntimeArgs) -> anyhow::Result<Outcome> {
    let registry = registry(args)?;
    let report = registry.reload().await;
    let snapshot = registry.snapshot();
    println!(
        "{:<24} {:<10} {:<20} {:<8} KINDS",
        "ID", "VERSION", "WORLD", "CONTRACT"
    );
    for p in snapshot.plugins.values() {
        println!(
            "{:<24} {:<10} {:<20} {:<8} {}",
            p.manifest.id,
            p.manifest.version,
            p.manifest.world.wit_name(),
            p.manifest.contract,
            p.manifest.routing.kinds.join(",")
        );
    }
    for f in &report.failures {
        println!("BROKEN {}: {}", f.manifest.display(), f.reason);
    }
    Ok(Outcome(report.failures.is_empty()))
}

fn describe(p: &LoadedPlugin, functions: &[String]) {
    println!("ok: plugin {}@{}", p.manifest.id, p.manifest.version);
    println!(
        "  world:     {} (tessera:platform@{})",
        p.manifest.world, p.manifest.contract
    );
    println!("  functions: {}", functions.join(", "));
    println!(
        "  imports:   {}",
        if p.imports.is_empty() {
            "none".into()
        } else {
            p.imports.join(", ")
        }
    );
    println!(
        "  limits:    timeout {} ms, memory {} MiB, output {} bytes{}",
        p.manifest.limits.timeout_ms,
        p.manifest.limits.memory_mb,
        p.manifest.limits.max_output_bytes,
        p.manifest
            .limits
            .fuel
            .map(|f| format!(", fuel {f}"))
            .unwrap_or_default()
    );
    if !p.manifest.routing.kinds.is_empty() {
        println!("  kinds:     {}", p.manifest.routing.kinds.join(", "));
    }
}

async fn validate(path: &Path, args: &RuntimeArgs) -> anyhow::Result<Outcome> {
    let registry = registry(args)?;
    let manifest: PathBuf = if path.is_dir() {
        path.join(MANIFEST_FILE)
    } else if path.extension().is_some_and(|e| e == "wasm") {
        return validate_component(path, args);
    } else {
        path.to_owned()
    };
    match registry.validate(&manifest).await {
        Ok(plugin) => {
            describe(&plugin, &registry.runtime().exported_functions(&plugin));
            Ok(Outcome(true))
        }
        Err(e) => {
            eprintln!("invalid: {e}");
            Ok(Outcome(false))
        }
    }
}

/// A bare component has no manifest: report which world and contract it implements, what it
/// imports and which grants a manifest would need.
fn validate_component(path: &Path, args: &RuntimeArgs) -> anyhow::Result<Outcome> {
    let registry = registry(args)?;
    let runtime = registry.runtime();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let component = match runtime.cache().load(runtime.engine(), &bytes) {
        Ok((c, _)) => c,
        Err(e) => {
            eprintln!(
                "invalid: {} is not a loadable WebAssembly component: {e:#}",
                path.display()
            );
            return Ok(Outcome(false));
        }
    };
    let ty = component.component_type();
    let engine = runtime.engine();
    let export = ty.exports(engine).find_map(|(name, _)| {
        let (iface, version) = contract::split_version(name);
        let world = World::by_export(iface.strip_prefix("tessera:platform/")?)?;
        Some((world, version.unwrap_or("").to_owned()))
    });
    let Some((world, version)) = export else {
        eprintln!(
            "invalid: {} exports no tessera:platform capability interface",
            path.display()
        );
        return Ok(Outcome(false));
    };
    println!("component {}", path.display());
    println!("  world:    {world} (tessera:platform@{version})");
    let mut ok = true;
    if !contract::is_supported(&version) {
        eprintln!(
            "invalid: built against tessera:platform@{version}; this host serves {}",
            contract::SUPPORTED_CONTRACTS.join(", ")
        );
        ok = false;
    }
    let everything = crate::plugins::manifest::Grants {
        llm: true,
        embeddings: true,
        code_runner: true,
        keyvalue: true,
        config: [("any".to_owned(), String::new())].into(),
        outbound_hosts: vec!["any".into()],
    };
    for (name, _) in ty.imports(engine) {
        let needs = match grants::check_import(
            world,
            &version,
            &crate::plugins::manifest::Grants::default(),
            name,
        ) {
            ImportVerdict::Allowed => "always granted".to_owned(),
            ImportVerdict::NotGranted(grant) => format!("needs {grant}"),
            _ => match grants::check_import(world, &version, &everything, name) {
                ImportVerdict::Allowed => "needs a grant".to_owned(),
                _ => {
                    ok = false;
                    "NOT AVAILABLE to this world: the plugin would be refused".to_owned()
                }
            },
        };
        println!("  import:   {name} ({needs})");
    }
    if !ok {
        bail!("{} would be refused", path.display());
    }
    Ok(Outcome(true))
}

async fn call(
    id: &str,
    function: &str,
    input: &str,
    args: &RuntimeArgs,
) -> anyhow::Result<Outcome> {
    let input: serde_json::Value =
        serde_json::from_str(input).context("--input is not valid JSON")?;
    let registry = registry(args)?;
    let report = registry.reload().await;
    let snapshot = registry.snapshot();
    let Some(plugin) = snapshot.plugins.get(id) else {
        let why = report
            .failures
            .iter()
            .find(|f| f.plugin.as_deref() == Some(id))
            .map(|f| format!(": {}", f.reason))
            .unwrap_or_else(|| " in the plugin folders".to_owned());
        bail!("no loadable plugin `{id}`{why}");
    };
    let (result, stdout, stderr) = registry
        .runtime()
        .call_json_capturing(plugin, function, &input)
        .await;
    // What the plugin printed goes to stderr, so stdout stays the result's JSON alone.
    for (name, output) in [("stdout", &stdout), ("stderr", &stderr)] {
        if !output.bytes.is_empty() {
            eprintln!("--- plugin {name} ---");
            eprint!("{}", String::from_utf8_lossy(&output.bytes));
            if !output.bytes.ends_with(b"\n") {
                eprintln!();
            }
        }
    }
    match result {
        Ok(output) => {
            println!("{}", serde_json::to_string_pretty(&output)?);
            Ok(Outcome(true))
        }
        Err(e) => {
            eprintln!("call failed: {e}");
            Ok(Outcome(false))
        }
    }
}
