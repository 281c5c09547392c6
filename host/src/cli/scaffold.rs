//! `tessera plugin new` (a plugin folder that builds and passes its tests unchanged) and
//! `tessera plugin build` (its component, by the folder's language). The templates live in
//! `sdk/<lang>/template/<world>/` (plus `common/` for what every world of a language
//! shares), the author's cases in `sdk/cases/<world>/` (the same in every language) and
//! the contract in `wit/<version>/`, all embedded in the binary, so a new plugin needs
//! nothing but `tessera` and its language's tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use rust_embed::RustEmbed;

use super::Outcome;
use crate::plugins::registry::MANIFEST_FILE;

#[derive(RustEmbed)]
#[folder = "../wit/0.1.0/"]
struct Contract010;

#[derive(RustEmbed)]
#[folder = "../wit/0.2.0/"]
struct Contract020;

#[derive(RustEmbed)]
#[folder = "../sdk/cases/"]
struct Cases;

#[derive(RustEmbed)]
#[folder = "../sdk/rust/template/"]
struct RustTemplate;

#[derive(RustEmbed)]
#[folder = "../sdk/extism/rust-template/"]
struct ExtismRustTemplate;

#[derive(RustEmbed)]
#[folder = "../sdk/python/template/"]
struct PythonTemplate;

#[derive(RustEmbed)]
#[folder = "../sdk/python/lib/"]
struct PythonSdk;

#[derive(RustEmbed)]
#[folder = "../sdk/js/template/"]
struct JsTemplate;

#[derive(RustEmbed)]
#[folder = "../sdk/js/lib/"]
struct JsSdk;

/// The contract version a manifest without `contract` is written against.
const CONTRACT: &str = "0.1.0";
/// componentize-py, as `./dev` pins it.
const COMPONENTIZE_PY_VERSION: &str = "0.25.1";
/// componentize-js (npm), which `plugin build` installs for JavaScript plugins.
const COMPONENTIZE_JS_VERSION: &str = "0.23.0";

/// A plugin's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Rust, with the `tessera-plugin-sdk` crate (cargo, wasm32-wasip2).
    Rust,
    /// Python, with `tessera_sdk.py` (componentize-py, CPython).
    Python,
    /// JavaScript, with `tessera_sdk.js` (componentize-js, StarlingMonkey).
    Js,
}

/// The binary interface a new plugin is built to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NewAbi {
    /// A WebAssembly component on the WIT contract (every language).
    Component,
    /// An Extism plugin, JSON in and out (Rust, with Extism's PDK; docs/plugins/extism.md).
    Extism,
}

/// The worlds `plugin new` lays out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NewWorld {
    /// `grader-plugin`: grades answers to the question kinds it claims (contract 0.1.0).
    Grader,
    /// `agent-plugin`: a tutor agent answering an intent of its own (contract 0.2.0).
    Agent,
    /// `triage-plugin`: decides each query's intent and topic (contract 0.2.0).
    Triage,
}

impl NewWorld {
    /// Its template folder and `sdk/cases/` folder.
    fn folder(self) -> &'static str {
        match self {
            NewWorld::Grader => "grader",
            NewWorld::Agent => "agent",
            NewWorld::Triage => "triage",
        }
    }

    /// The contract version its template is written against: the released one where it
    /// serves the world (agents and triage are served from 0.2.0 on).
    fn contract(self) -> &'static str {
        match self {
            NewWorld::Grader => "0.1.0",
            NewWorld::Agent | NewWorld::Triage => "0.2.0",
        }
    }

    /// The contract's WIT files.
    fn wit(self) -> Vec<(String, Vec<u8>)> {
        match self.contract() {
            "0.1.0" => embedded::<Contract010>(),
            _ => embedded::<Contract020>(),
        }
    }

    /// What the scaffold's message calls the plugin.
    fn what(self, id: &str) -> String {
        let krate = id.replace('-', "_");
        match self {
            NewWorld::Grader => format!("grader for kind `{krate}`"),
            NewWorld::Agent => format!("agent for intent `{id}`"),
            NewWorld::Triage => "triage plugin".to_owned(),
        }
    }
}

/// `tessera plugin new <id> --world grader|agent|triage --lang rust|python|js [--abi extism]
/// [--dir parent]`.
pub fn new_plugin(
    id: &str,
    world: NewWorld,
    lang: Lang,
    abi: NewAbi,
    parent: &Path,
    sdk: Option<&Path>,
) -> anyhow::Result<Outcome> {
    if abi == NewAbi::Extism && world != NewWorld::Grader {
        bail!(
            "`--abi extism` lays out a grader; an Extism {0} reads and writes the {0} world's records as JSON (docs/plugins/extism.md), or lay out a component with `--world {0}`",
            world.folder()
        );
    }
    if abi == NewAbi::Extism && lang != Lang::Rust {
        bail!(
            "`--abi extism` lays out Rust (Extism's Rust PDK); an Extism plugin in another language is built with that language's Extism PDK and its own tooling, then loaded with `abi = \"extism\"` in plugin.toml (docs/plugins/extism.md)"
        );
    }
    let valid = !id.is_empty()
        && id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.ends_with('-')
        && !id.contains("--");
    if !valid {
        bail!(
            "`{id}`: a plugin id is lowercase letters, digits and single dashes, starting with a letter (e.g. keyword-grader)"
        );
    }
    let dir = parent.join(id);
    if dir.exists() {
        bail!("{} exists already; pick another id or --dir", dir.display());
    }
    let krate = id.replace('-', "_");
    let sdk_path = match (lang, abi) {
        (Lang::Rust, NewAbi::Component) => Some(rust_sdk(sdk)?),
        _ => None,
    };
    let fill = |text: &str| {
        text.replace("{{id}}", id)
            .replace("{{crate}}", &krate)
            .replace("{{kind}}", &krate)
            .replace("{{intent}}", id)
            .replace(
                "{{sdk_path}}",
                &sdk_path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            )
    };
    let mut files: Vec<(String, Vec<u8>)> = match lang {
        Lang::Rust if abi == NewAbi::Extism => embedded::<ExtismRustTemplate>(),
        Lang::Rust => for_world::<RustTemplate>(world),
        Lang::Python => {
            let mut files = for_world::<PythonTemplate>(world);
            files.extend(embedded::<PythonSdk>());
            files
        }
        Lang::Js => {
            let mut files = for_world::<JsTemplate>(world);
            files.extend(embedded::<JsSdk>());
            files
        }
    };
    files.extend(for_world::<Cases>(world));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, bytes) in files {
        let target = dir.join(destination(&name));
        let text = String::from_utf8(bytes).context("a template is not UTF-8")?;
        write(&target, fill(&text).as_bytes())?;
    }
    // An Extism plugin speaks JSON: no WIT to generate bindings from.
    if abi == NewAbi::Component {
        for (name, bytes) in world.wit() {
            write(&dir.join("wit").join(&name), &bytes)?;
        }
    }
    let (test, build) = match lang {
        Lang::Rust if abi == NewAbi::Extism => {
            ("cargo test", "target/wasm32-unknown-unknown/release")
        }
        Lang::Rust => ("cargo test", "target/wasm32-wasip2/release"),
        Lang::Python => ("python3 -m unittest", "build"),
        Lang::Js => ("node --test", "build"),
    };
    println!(
        "created {} ({lang:?} {}{}, contract {}); next, in that folder:\n  \
         {test}\n  tessera plugin build .      # the plugin, in {build}/\n  \
         tessera plugin test .       # the conformance kit and tests.json\n  \
         tessera plugin publish . --server http://127.0.0.1:8080 --email <super admin>",
        dir.display(),
        world.what(id),
        if abi == NewAbi::Extism {
            ", an Extism plugin"
        } else {
            ""
        },
        world.contract()
    );
    Ok(Outcome(true))
}

/// Where a template file goes: `.tmpl` dropped, dot-files named without their dot (so
/// nothing hides them in the repository), the Python world in `world/`.
fn destination(name: &str) -> PathBuf {
    let name = name.strip_suffix(".tmpl").unwrap_or(name);
    match name {
        "gitignore" => PathBuf::from(".gitignore"),
        "cargo-config.toml" => PathBuf::from(".cargo/config.toml"),
        "world.wit" => PathBuf::from("world/world.wit"),
        other => PathBuf::from(other),
    }
}

/// The files of `world`'s folder and of `common/` in an embedded template, named relative
/// to that folder.
fn for_world<E: RustEmbed>(world: NewWorld) -> Vec<(String, Vec<u8>)> {
    let own = format!("{}/", world.folder());
    embedded::<E>()
        .into_iter()
        .filter_map(|(name, bytes)| {
            let rest = name
                .strip_prefix(&own)
                .or_else(|| name.strip_prefix("common/"))?;
            Some((rest.to_owned(), bytes))
        })
        .collect()
}

fn embedded<E: RustEmbed>() -> Vec<(String, Vec<u8>)> {
    E::iter()
        .filter_map(|name| Some((name.to_string(), E::get(&name)?.data.into_owned())))
        .collect()
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// The Rust SDK crate a new plugin depends on: `--sdk`, `TESSERA_SDK`, or the one in the
/// Tessera checkout this binary was built from.
fn rust_sdk(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let candidate = match given {
        Some(p) => p.to_owned(),
        None => match std::env::var_os("TESSERA_SDK") {
            Some(p) => PathBuf::from(p),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/rust"),
        },
    };
    let path = candidate.canonicalize().with_context(|| {
        format!(
            "the Rust SDK is not at {} (pass --sdk <tessera checkout>/sdk/rust)",
            candidate.display()
        )
    })?;
    if !path.join("Cargo.toml").is_file() {
        bail!("{} holds no Cargo.toml: not the Rust SDK", path.display());
    }
    Ok(path)
}

/// `tessera plugin build <dir>`: the component its manifest names, by the folder's
/// language (Cargo.toml: Rust; app.py: Python; app.js: JavaScript).
pub fn build(dir: &Path) -> anyhow::Result<Outcome> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let table: toml::Table = toml::from_str(&text)
        .with_context(|| format!("{} is not TOML", manifest_path.display()))?;
    let component = table
        .get("component")
        .and_then(|c| c.as_str())
        .with_context(|| format!("{}: no `component`", manifest_path.display()))?;
    let world = table
        .get("world")
        .and_then(|w| w.as_str())
        .unwrap_or("grader-plugin");
    let contract = table
        .get("contract")
        .and_then(|w| w.as_str())
        .unwrap_or(CONTRACT);
    let out = dir.join(component);
    let extism = table.get("abi").and_then(|a| a.as_str()) == Some("extism");
    if extism {
        if !dir.join("Cargo.toml").is_file() {
            bail!(
                "{}: an Extism plugin without a Cargo.toml: build it with its PDK's own tooling and point `component` at the .wasm (docs/plugins/extism.md)",
                dir.display()
            );
        }
        build_rust(dir, "wasm32-unknown-unknown")?;
    } else if dir.join("Cargo.toml").is_file() {
        build_rust(dir, "wasm32-wasip2")?;
    } else if dir.join("app.py").is_file() {
        build_python(dir, world, contract, &out)?;
    } else if dir.join("app.js").is_file() {
        build_js(dir, &out)?;
    } else {
        bail!(
            "{}: no Cargo.toml (Rust), app.py (Python) or app.js (JavaScript); build the component yourself and point `component` at it",
            dir.display()
        );
    }
    let size = std::fs::metadata(&out)
        .with_context(|| format!("the build made no {}", out.display()))?
        .len();
    println!("built {} ({} KiB)", out.display(), size / 1024);
    Ok(Outcome(true))
}

fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot run {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// `cargo build --release --target <target>` in the plugin's folder, adding the target to
/// the folder's toolchain when it is missing.
fn build_rust(dir: &Path, target: &str) -> anyhow::Result<()> {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(dir)
        .output();
    if targets.is_ok_and(|o| {
        !String::from_utf8_lossy(&o.stdout)
            .lines()
            .any(|l| l.trim() == target)
    }) {
        run(
            Command::new("rustup")
                .args(["target", "add", target])
                .current_dir(dir),
            &format!("rustup target add {target}"),
        )?;
    }
    // Its own target folder, whatever CARGO_TARGET_DIR says: the manifest names the
    // component inside it.
    run(
        Command::new("cargo")
            .args(["build", "--release", "--target", target])
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(dir.join("target"))
            .current_dir(dir),
        &format!("cargo build --release --target {target}"),
    )
}

/// componentize-py: `$COMPONENTIZE_PY`, else the pinned one in `$TESSERA_VENV` (default
/// `~/.cache/tessera/venv`), installed there when missing.
fn componentize_py() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("COMPONENTIZE_PY") {
        return Ok(PathBuf::from(p));
    }
    let venv = match std::env::var_os("TESSERA_VENV") {
        Some(v) => PathBuf::from(v),
        None => {
            let home = std::env::var_os("HOME").context("HOME is not set")?;
            PathBuf::from(home).join(".cache/tessera/venv")
        }
    };
    let bin = venv.join("bin/componentize-py");
    let current = Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(COMPONENTIZE_PY_VERSION));
    if !current {
        eprintln!(
            "installing componentize-py {COMPONENTIZE_PY_VERSION} into {}",
            venv.display()
        );
        run(
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
            "python3 -m venv",
        )?;
        run(
            Command::new(venv.join("bin/pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                &format!("componentize-py=={COMPONENTIZE_PY_VERSION}"),
            ]),
            "pip install componentize-py",
        )?;
    }
    Ok(bin)
}

fn build_python(dir: &Path, world: &str, contract: &str, out: &Path) -> anyhow::Result<()> {
    let tool = componentize_py()?;
    // Only the modules the component imports go in: not the tests, not caches.
    let scratch = tempfile::tempdir()?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.extension().is_some_and(|e| e == "py") && !name.starts_with("test_") {
            std::fs::copy(&path, scratch.path().join(name))?;
        }
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut command = Command::new(&tool);
    command
        .arg("-d")
        .arg(dir.join("wit"))
        .args(["-w", &format!("tessera:platform/{world}@{contract}")]);
    // The part of the world the plugin imports (world/world.wit), when it says so.
    let subset = dir.join("world");
    let narrowed = std::fs::read_to_string(subset.join("world.wit"))
        .ok()
        .and_then(|wit| subset_world(&wit));
    if narrowed.is_some() {
        command.arg("-d").arg(&subset);
    }
    command.args(["componentize", "app"]);
    if let Some(name) = &narrowed {
        command.args(["-i", name]);
    }
    command.arg("-p").arg(scratch.path()).arg("-o").arg(out);
    run(&mut command, "componentize-py")
}

/// componentize-js: `$COMPONENTIZE_JS`, else the pinned one under
/// `~/.cache/tessera/componentize-js`, installed there with npm when missing.
fn componentize_js() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("COMPONENTIZE_JS") {
        return Ok(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let root = PathBuf::from(home).join(".cache/tessera/componentize-js");
    let bin = root.join("node_modules/.bin/componentize-js");
    // Written last, after a whole install: a folder without it is partial (another build
    // installing at this moment, or one killed halfway) and is never used.
    let marker = root.join(format!(".installed-{COMPONENTIZE_JS_VERSION}"));
    if !marker.exists() || !bin.exists() {
        eprintln!(
            "installing componentize-js {COMPONENTIZE_JS_VERSION} into {} (npm, once)",
            root.display()
        );
        let parent = root.parent().context("the cache folder has no parent")?;
        std::fs::create_dir_all(parent)?;
        // Installed into a folder of its own and moved into place whole, so two builds
        // installing at once (parallel tests on a new machine) never see each other's half.
        let staging = tempfile::Builder::new()
            .prefix("componentize-js.")
            .tempdir_in(parent)?;
        run(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
                .arg(staging.path())
                .arg(format!(
                    "@bytecodealliance/componentize-js@{COMPONENTIZE_JS_VERSION}"
                )),
            "npm install @bytecodealliance/componentize-js",
        )?;
        std::fs::write(
            staging.path().join(marker.file_name().unwrap_or_default()),
            "",
        )?;
        // Another build may have finished first: its install is as good as this one.
        if !marker.exists() {
            let _ = std::fs::remove_dir_all(&root);
            if let Err(e) = std::fs::rename(staging.path(), &root)
                && !marker.exists()
            {
                return Err(e).context(format!("moving componentize-js into {}", root.display()));
            }
        }
    }
    Ok(bin)
}

fn build_js(dir: &Path, out: &Path) -> anyhow::Result<()> {
    let tool = componentize_js()?;
    let scratch = tempfile::tempdir()?;
    // The WIT componentize-js reads: the plugin's own world (world/world.wit) with the
    // contract and its WASI dependencies as its deps.
    let wit = scratch.path().join("wit");
    let deps = wit.join("deps");
    std::fs::create_dir_all(deps.join("platform"))?;
    std::fs::copy(dir.join("world/world.wit"), wit.join("world.wit"))
        .context("world/world.wit: the part of the world this plugin imports")?;
    for entry in std::fs::read_dir(dir.join("wit"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wit") {
            std::fs::copy(
                &path,
                deps.join("platform")
                    .join(path.file_name().unwrap_or_default()),
            )?;
        }
    }
    for entry in std::fs::read_dir(dir.join("wit/deps"))? {
        let path = entry?.path();
        let target = deps.join(path.file_name().unwrap_or_default());
        std::fs::create_dir_all(&target)?;
        for file in std::fs::read_dir(&path)? {
            let file = file?.path();
            std::fs::copy(&file, target.join(file.file_name().unwrap_or_default()))?;
        }
    }
    // Only the modules the component imports: not the tests.
    let src = scratch.path().join("src");
    std::fs::create_dir_all(&src)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.extension().is_some_and(|e| e == "js") && !name.ends_with(".test.js") {
            std::fs::copy(&path, src.join(name))?;
        }
    }
    let world = std::fs::read_to_string(wit.join("world.wit"))
        .ok()
        .and_then(|w| subset_world(&w))
        .and_then(|w| w.rsplit('/').next().map(str::to_owned))
        .unwrap_or_else(|| "no-services".into());
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // No WASI features the host would have to grant: stdio, clocks, random, HTTP off.
    run(
        Command::new(&tool)
            .arg(src.join("app.js"))
            .arg("--wit")
            .arg(&wit)
            .args(["--world-name", &world])
            .args(["-d", "stdio", "random", "clocks", "http", "fetch-event"])
            .arg("-o")
            .arg(out),
        "componentize-js",
    )
}

/// `package:name/world` of the first world in a WIT file.
fn subset_world(wit: &str) -> Option<String> {
    let word = |prefix: &str| {
        wit.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|rest| {
                rest.trim_end_matches(['{', ';', ' '])
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
    };
    Some(format!("{}/{}", word("package ")?, word("world ")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_narrowed_world_is_read_from_the_wit() {
        let wit = "/// doc\npackage plugin:grader;\n\nworld no-services {\n  export x;\n}\n";
        assert_eq!(
            subset_world(wit).as_deref(),
            Some("plugin:grader/no-services")
        );
        assert_eq!(subset_world("nothing"), None);
    }

    #[test]
    fn template_files_land_where_their_tools_look() {
        assert_eq!(
            destination("cargo-config.toml.tmpl"),
            Path::new(".cargo/config.toml")
        );
        assert_eq!(destination("gitignore.tmpl"), Path::new(".gitignore"));
        assert_eq!(destination("src/lib.rs.tmpl"), Path::new("src/lib.rs"));
        assert_eq!(destination("world.wit.tmpl"), Path::new("world/world.wit"));
        assert_eq!(destination("tessera_sdk.py"), Path::new("tessera_sdk.py"));
        assert_eq!(
            destination("grader.test.js.tmpl"),
            Path::new("grader.test.js")
        );
    }
}
