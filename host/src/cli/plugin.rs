//! `tessera plugin list | validate | call | new | build | test | publish`: tools for plugin
//! authors and operators.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;

use super::Outcome;
use super::shared::{RuntimeArgs, registry};
use crate::plugins::contract::{self, World};
use crate::plugins::manifest::{Abi, Manifest};
use crate::plugins::registry::MANIFEST_FILE;
use crate::runtime::LoadedPlugin;
use crate::runtime::capabilities::grants::{self, ImportVerdict};

/// Plugin subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// List the plugins in the plugin folders from their manifests, and whether each is
    /// compiled in the cache already (`plugin validate` compiles and links one).
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
    /// Create a plugin folder (manifest, source, tests.json, the contract's WIT, a README)
    /// that builds and passes its tests unchanged (docs/plugins/README.md).
    New {
        /// The plugin id (lowercase letters, digits, dashes); also the folder's name.
        id: String,
        /// Its world.
        #[arg(long, value_enum, default_value = "grader")]
        world: super::scaffold::NewWorld,
        /// Its language.
        #[arg(long, value_enum)]
        lang: super::scaffold::Lang,
        /// Its binary interface: a WIT component, or an Extism plugin (Rust only;
        /// docs/plugins/extism.md).
        #[arg(long, value_enum, default_value = "component")]
        abi: super::scaffold::NewAbi,
        /// Where to create the folder.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The Rust SDK crate (default: TESSERA_SDK, else this Tessera checkout's sdk/rust).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
    /// Build a plugin folder's component where its manifest says: cargo for Rust
    /// (wasm32-wasip2; wasm32-unknown-unknown for `abi = "extism"`), componentize-py for
    /// Python (installed when missing), componentize-js for JavaScript.
    Build {
        /// The plugin folder.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Load a plugin folder as the server would, run its world's conformance kit and the
    /// author's own cases (`tests.json` beside plugin.toml), and print a report; exits
    /// non-zero when a case fails (docs/plugins/README.md).
    Test {
        /// The plugin folder (with plugin.toml) or its plugin.toml.
        path: PathBuf,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Publish a plugin folder (its plugin.toml and the component it names) to a running
    /// server's registry: checked there, stored, live at once for a new plugin or the
    /// canary over a serving one (docs/plugins/registry.md).
    Publish(PublishArgs),
}

/// `tessera plugin publish` settings.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The plugin folder (with plugin.toml) or its plugin.toml.
    pub path: PathBuf,
    /// The server's address.
    #[arg(long, env = "TESSERA_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// A super admin's access token (or sign in with --email).
    #[arg(long, env = "TESSERA_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Sign in as this super admin; the password is read from TESSERA_PASSWORD, else from
    /// standard input.
    #[arg(long, conflicts_with = "token")]
    pub email: Option<String>,
    /// Over a plugin already serving: the share of users (0-100) the new version serves at
    /// once as the canary (0: stored, serving nobody until promoted or given a share).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub canary_percent: u8,
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
        PluginCommand::New {
            id,
            world,
            lang,
            abi,
            dir,
            sdk,
        } => super::scaffold::new_plugin(&id, world, lang, abi, &dir, sdk.as_deref()),
        PluginCommand::Build { path } => super::scaffold::build(&path),
        PluginCommand::Test { path, runtime } => test(&path, &runtime).await,
        PluginCommand::Publish(args) => publish(&args).await,
    }
}

/// The `id` a manifest declares, read without checking the rest.
fn manifest_id(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    table.get("id")?.as_str().map(str::to_owned)
}

/// The author's cases file, beside plugin.toml.
pub const CASES_FILE: &str = "tests.json";

async fn test(path: &Path, args: &RuntimeArgs) -> anyhow::Result<Outcome> {
    let manifest = if path.is_dir() {
        path.join(MANIFEST_FILE)
    } else {
        path.to_owned()
    };
    let cases_path = manifest.parent().unwrap_or(Path::new(".")).join(CASES_FILE);
    let cases = match std::fs::read_to_string(&cases_path) {
        Ok(text) => Some(
            serde_json::from_str::<serde_json::Value>(&text)
                .with_context(|| format!("{} is not JSON", cases_path.display()))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", cases_path.display())),
    };
    let registry = registry(args)?;
    let plugin = match registry.validate(&manifest).await {
        Ok(plugin) => plugin,
        Err(e) => {
            println!("FAIL loads: {e}");
            return Ok(Outcome(false));
        }
    };
    let report =
        crate::plugins::conformance::run(registry.runtime(), &plugin, cases.as_ref()).await;
    println!(
        "{} {} ({}), conformance kit{}:",
        plugin.manifest.id,
        plugin.manifest.version,
        plugin.manifest.world,
        if cases.is_some() {
            format!(" and {CASES_FILE}")
        } else {
            format!(" (no {CASES_FILE}: the kit only)")
        }
    );
    print!("{}", report.render());
    Ok(Outcome(report.passed()))
}

async fn publish(args: &PublishArgs) -> anyhow::Result<Outcome> {
    let manifest_path = if args.path.is_dir() {
        args.path.join(MANIFEST_FILE)
    } else {
        args.path.clone()
    };
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let component = toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| t.get("component")?.as_str().map(str::to_owned))
        .with_context(|| format!("{}: no `component` file named", manifest_path.display()))?;
    let dir = manifest_path.parent().unwrap_or(Path::new("."));
    let component_path = dir.join(&component);
    let bytes = std::fs::read(&component_path).with_context(|| {
        format!(
            "cannot read the component {} (build the plugin first)",
            component_path.display()
        )
    })?;
    let server = args.server.trim_end_matches('/');
    let client = reqwest::Client::new();
    let token = match (&args.token, &args.email) {
        (Some(token), _) => token.clone(),
        (None, Some(email)) => sign_in(&client, server, email).await?,
        (None, None) => bail!("give --token (or TESSERA_TOKEN) or --email of a super admin"),
    };
    let form = reqwest::multipart::Form::new().text("manifest", text).part(
        "component",
        reqwest::multipart::Part::bytes(bytes).file_name(component.clone()),
    );
    let response = client
        .post(format!("{server}/api/v1/plugins"))
        .query(&[("canary_percent", args.canary_percent)])
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if !status.is_success() {
        let error = &body["error"];
        let field = error["details"]["field"]
            .as_str()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        bail!(
            "{server} refused the plugin: {status}{field}: {}",
            error["message"].as_str().unwrap_or("no error message")
        );
    }
    let rollout = &body["rollout"];
    let live = if rollout["stable_version"] == body["version"] {
        "live for every user".to_owned()
    } else {
        match rollout["canary_percent"].as_i64() {
            Some(0) | None => {
                "stored; serving nobody yet (set a canary share or promote it)".into()
            }
            Some(p) => format!("the canary for {p} % of users"),
        }
    };
    println!(
        "published {} {} ({}, sha256 {}): {live}",
        body["plugin_id"].as_str().unwrap_or_default(),
        body["version"].as_str().unwrap_or_default(),
        body["world"].as_str().unwrap_or_default(),
        &body["sha256"]
            .as_str()
            .unwrap_or_default()
            .get(..12)
            .unwrap_or_default(),
    );
    Ok(Outcome(true))
}

/// A super admin's access token for `email`; the password from TESSERA_PASSWORD or stdin.
async fn sign_in(client: &reqwest::Client, server: &str, email: &str) -> anyhow::Result<String> {
    let password = match std::env::var("TESSERA_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password for {email}:");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let response = client
        .post(format!("{server}/api/v1/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    match body["access_token"].as_str() {
        Some(token) if status.is_success() => Ok(token.to_owned()),
        _ => bail!(
            "signing in as {email} failed: {status}: {}",
            body["error"]["message"]
                .as_str()
                .unwrap_or("no error message")
        ),
    }
}

/// Lists the plugin folders from their manifests alone: compiling every component (two of
/// them CPython, ~19 MB each) to print a table took over a minute on a fresh data folder.
/// `COMPILED` says whether the compile cache already holds the component, i.e. whether
/// `serve` will start it without compiling; `plugin validate` compiles and links.
async fn list(args: &RuntimeArgs) -> anyhow::Result<Outcome> {
    let registry = registry(args)?;
    let runtime = registry.runtime();
    let (paths, failures) = registry.manifests();
    let mut broken: Vec<(PathBuf, String)> = failures
        .into_iter()
        .map(|f| (f.manifest, f.reason))
        .collect();
    println!(
        "{:<24} {:<10} {:<26} {:<8} {:<8} KINDS",
        "ID", "VERSION", "WORLD", "CONTRACT", "COMPILED"
    );
    for path in paths {
        let read = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read it: {e}"))
            .and_then(|text| {
                Manifest::parse(&text, &path, runtime.ceilings()).map_err(|e| e.to_string())
            })
            .and_then(|manifest| {
                let component = manifest.component_path(path.parent().unwrap_or(Path::new(".")));
                std::fs::read(&component)
                    .map(|bytes| (manifest, bytes))
                    .map_err(|e| format!("component {}: {e}", component.display()))
            });
        let (manifest, bytes) = match read {
            Ok(read) => read,
            Err(reason) => {
                broken.push((path, reason));
                continue;
            }
        };
        let compiled = match manifest.abi {
            // Extism modules are compiled by Extism's own runtime, outside this cache.
            Abi::Extism => "-",
            Abi::Component if runtime.cache().holds(&bytes) => "yes",
            Abi::Component => "no",
        };
        println!(
            "{:<24} {:<10} {:<26} {:<8} {:<8} {}",
            manifest.id,
            manifest.version,
            manifest.world.wit_name(),
            manifest.contract,
            compiled,
            manifest.routing.kinds.join(",")
        );
    }
    for (path, reason) in &broken {
        println!("BROKEN {}: {reason}", path.display());
    }
    Ok(Outcome(broken.is_empty()))
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
    // Only the plugin asked for is loaded (compiling every plugin in the folders, CPython
    // among them, would cost a fresh data folder half a minute).
    let (paths, _) = registry.manifests();
    let Some(path) = paths
        .into_iter()
        .find(|p| manifest_id(p).as_deref() == Some(id))
    else {
        bail!(
            "no plugin `{id}` in the plugin folders ({})",
            args.plugins_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let plugin = registry
        .validate(&path)
        .await
        .map_err(|e| anyhow::anyhow!("plugin `{id}` does not load: {e}"))?;
    let (result, stdout, stderr) = registry
        .runtime()
        .call_json_capturing(&plugin, function, &input)
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
