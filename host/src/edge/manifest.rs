//! `spin.toml`, manifest version 2, read as Spin reads it: the application, its
//! `[variables]`, the `[[trigger.http]]` routes and the `[component.<id>]` tables.
//!
//! Fields Spin accepts but that change nothing here (`build`, `description`, `tool`,
//! `targets`, `exclude_files`, `profile`) are accepted and ignored; fields whose meaning
//! `tessera edge serve` cannot honour (mounted `files`, SQLite databases, AI models,
//! component dependencies, remote sources, Wagi, static responses) are refused at start-up
//! with the field's name, rather than served differently from Spin. Unknown fields are
//! errors, as in Spin, so a typo is not silently ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::variables::{Template, VariableDecl};

/// A manifest that cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The manifest's path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not TOML, or not the shape of a version 2 manifest.
    #[error("{} is not a valid Spin manifest: {message}", path.display())]
    Syntax {
        /// The manifest's path.
        path: PathBuf,
        /// The parser's message (it names the line and the field).
        message: String,
    },
    /// Well-formed, but inconsistent (a route naming no component, a bad identifier).
    #[error("{0}")]
    Invalid(String),
    /// A Spin feature this host does not serve.
    #[error("{what} is not supported by `tessera edge serve` (docs/edge.md)")]
    Unsupported {
        /// The field or feature, with where it appears.
        what: String,
    },
}

/// A parsed and checked manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The folder the manifest is in: component sources are relative to it.
    pub dir: PathBuf,
    /// `[application]`.
    pub application: Application,
    /// `[variables]`, by name.
    pub variables: BTreeMap<String, VariableDecl>,
    /// The routable `[[trigger.http]]` entries, in manifest order (the router breaks ties
    /// by it, as Spin's does).
    pub http_triggers: Vec<HttpTrigger>,
    /// `[component.<id>]`, by id.
    pub components: BTreeMap<String, Component>,
}

/// `[application]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The application's name.
    pub name: String,
    /// Its version (free text).
    #[serde(default)]
    pub version: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// Its authors.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Deployment targets (`spin deploy`); ignored.
    #[serde(default, rename = "targets")]
    _targets: Vec<toml::Value>,
    /// Global trigger settings (`[application.trigger.http]`); ignored.
    #[serde(default, rename = "trigger")]
    _trigger: toml::Table,
    /// Settings for other tools; ignored.
    #[serde(default, rename = "tool")]
    _tool: toml::Table,
}

/// One routable `[[trigger.http]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpTrigger {
    /// The route as written (`/api/...`, `/badges/:id`, `/`).
    pub route: String,
    /// The component it runs.
    pub component: String,
}

/// `[component.<id>]`, with its `source` resolved against the manifest's folder.
#[derive(Debug, Clone)]
pub struct Component {
    /// The component's id (the table's key).
    pub id: String,
    /// The Wasm file.
    pub source: PathBuf,
    /// `source` as written, for messages.
    pub source_as_written: String,
    /// `description`.
    pub description: String,
    /// `allowed_outbound_hosts`, as written (they may hold `{{ variable }}` templates).
    pub allowed_outbound_hosts: Vec<String>,
    /// `key_value_stores`: the store labels it may open.
    pub key_value_stores: Vec<String>,
    /// `[component.<id>.variables]`: the keys it may read, as templates over the
    /// application's variables.
    pub variables: BTreeMap<String, String>,
    /// `environment`: WASI environment variables.
    pub environment: BTreeMap<String, String>,
    /// The first of `build.command`, to say how to build a missing `source`.
    pub build_command: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    spin_manifest_version: toml::Value,
    application: Application,
    #[serde(default)]
    variables: BTreeMap<String, VariableDecl>,
    #[serde(default)]
    trigger: BTreeMap<String, Vec<toml::Table>>,
    #[serde(default)]
    component: BTreeMap<String, RawComponent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttpTrigger {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    component: Option<toml::Value>,
    route: toml::Value,
    #[serde(default)]
    executor: Option<toml::Table>,
    #[serde(default)]
    static_response: Option<toml::Value>,
    #[serde(default)]
    components: Option<toml::Value>,
    #[serde(default)]
    dependencies: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    source: toml::Value,
    #[serde(default)]
    description: String,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    files: Vec<toml::Value>,
    #[serde(default, rename = "exclude_files")]
    _exclude_files: Vec<String>,
    #[serde(default)]
    allowed_http_hosts: Vec<String>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
    #[serde(default, alias = "key-value-stores")]
    key_value_stores: Vec<String>,
    #[serde(default, alias = "sqlite-databases")]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    ai_models: Vec<String>,
    #[serde(default, rename = "targets")]
    _targets: Option<toml::Value>,
    #[serde(default)]
    build: Option<RawBuild>,
    #[serde(default, rename = "tool")]
    _tool: toml::Table,
    #[serde(default, rename = "dependencies_inherit_configuration")]
    _dependencies_inherit_configuration: Option<bool>,
    #[serde(default)]
    dependencies: toml::Table,
    #[serde(default, rename = "profile")]
    _profile: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuild {
    command: toml::Value,
    #[serde(default, rename = "workdir")]
    _workdir: Option<String>,
    #[serde(default, rename = "watch")]
    _watch: Vec<String>,
}

impl Manifest {
    /// Reads and checks the manifest at `path`.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_owned(),
            source,
        })?;
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        Self::parse(&text, path, dir)
    }

    /// Parses and checks manifest `text`; `path` is only for messages, `dir` is the folder
    /// sources are relative to.
    pub fn parse(text: &str, path: &Path, dir: PathBuf) -> Result<Self, ManifestError> {
        let syntax = |message: String| ManifestError::Syntax {
            path: path.to_owned(),
            message,
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| syntax(e.to_string()))?;
        if raw.spin_manifest_version.as_integer() != Some(2) {
            return Err(syntax(format!(
                "spin_manifest_version is {}, and only version 2 is served (a version 1 manifest can be upgraded with `spin doctor`)",
                raw.spin_manifest_version
            )));
        }
        for (name, decl) in &raw.variables {
            check_id(name, '_', true)
                .map_err(|why| invalid(format!("variable name {name:?}: {why}")))?;
            if decl.required == decl.default.is_some() {
                return Err(invalid(format!(
                    "variable {name:?} must be `required` OR have a `default`"
                )));
            }
        }
        let http_triggers = http_triggers(&raw.trigger, &raw.component)?;
        let mut components = BTreeMap::new();
        for (id, component) in raw.component {
            let component = checked_component(&id, component, &dir, &raw.variables)?;
            components.insert(id, component);
        }
        Ok(Self {
            dir,
            application: raw.application,
            variables: raw.variables,
            http_triggers,
            components,
        })
    }

    /// The components at least one route runs, in id order: the ones to load.
    pub fn served_components(&self) -> Vec<&Component> {
        let routed: BTreeSet<&str> = self
            .http_triggers
            .iter()
            .map(|t| t.component.as_str())
            .collect();
        self.components
            .values()
            .filter(|c| routed.contains(c.id.as_str()))
            .collect()
    }
}

fn invalid(message: String) -> ManifestError {
    ManifestError::Invalid(message)
}

fn unsupported(what: String) -> ManifestError {
    ManifestError::Unsupported { what }
}

/// The `[[trigger.http]]` entries that route somewhere; `{ private = true }` routes are
/// left out (Spin reaches them only by service chaining, which is not served here).
fn http_triggers(
    triggers: &BTreeMap<String, Vec<toml::Table>>,
    components: &BTreeMap<String, RawComponent>,
) -> Result<Vec<HttpTrigger>, ManifestError> {
    if let Some(other) = triggers.keys().find(|t| t.as_str() != "http") {
        return Err(unsupported(format!(
            "the `{other}` trigger (only `[[trigger.http]]` is served)"
        )));
    }
    let mut out = Vec::new();
    for (index, table) in triggers.get("http").into_iter().flatten().enumerate() {
        let at = format!("[[trigger.http]] #{}", index + 1);
        let raw: RawHttpTrigger = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e| invalid(format!("{at}: {e}")))?;
        let at = match &raw.id {
            Some(id) => format!("[[trigger.http]] {id:?}"),
            None => at,
        };
        if raw.static_response.is_some() {
            return Err(unsupported(format!("`static_response` in {at}")));
        }
        if raw.components.is_some() || raw.dependencies.is_some() {
            return Err(unsupported(format!("component dependencies in {at}")));
        }
        if let Some(executor) = &raw.executor {
            match executor.get("type").and_then(toml::Value::as_str) {
                Some("http") => {}
                other => {
                    return Err(unsupported(format!(
                        "executor type {:?} in {at} (only \"http\", the wasi:http incoming handler)",
                        other.unwrap_or("")
                    )));
                }
            }
        }
        let component = match raw.component {
            Some(toml::Value::String(id)) => id,
            Some(_) => return Err(unsupported(format!("an inline component in {at}"))),
            None => return Err(invalid(format!("{at} names no `component`"))),
        };
        if !components.contains_key(&component) {
            return Err(invalid(format!(
                "{at} runs component {component:?}, which has no [component.{component}] table"
            )));
        }
        match raw.route {
            toml::Value::String(route) => out.push(HttpTrigger { route, component }),
            toml::Value::Table(t) if t.len() == 1 && t.get("private") == Some(&true.into()) => {
                tracing::info!(%component, "private route: not reachable over HTTP (service chaining is not served)");
            }
            other => {
                return Err(invalid(format!(
                    "{at}: route must be a string pattern or `{{ private = true }}`, not {other}"
                )));
            }
        }
    }
    Ok(out)
}

fn checked_component(
    id: &str,
    raw: RawComponent,
    dir: &Path,
    variables: &BTreeMap<String, VariableDecl>,
) -> Result<Component, ManifestError> {
    let at = format!("[component.{id}]");
    check_id(id, '-', false).map_err(|why| invalid(format!("component id {id:?}: {why}")))?;
    let source_as_written = match raw.source {
        toml::Value::String(path) => path,
        _ => {
            return Err(unsupported(format!(
                "a remote or registry `source` in {at} (give a local file path)"
            )));
        }
    };
    let refused = [
        ("files", !raw.files.is_empty()),
        ("sqlite_databases", !raw.sqlite_databases.is_empty()),
        ("ai_models", !raw.ai_models.is_empty()),
        ("dependencies", !raw.dependencies.is_empty()),
    ];
    if let Some((field, _)) = refused.iter().find(|(_, set)| *set) {
        return Err(unsupported(format!("`{field}` in {at}")));
    }
    if !raw.allowed_http_hosts.is_empty() {
        return Err(invalid(format!(
            "{at}: `allowed_http_hosts` is Spin 1's field; use `allowed_outbound_hosts` with a scheme (https://example.com)"
        )));
    }
    for label in &raw.key_value_stores {
        check_id(label, '-', false)
            .or_else(|_| check_id(label, '_', false))
            .map_err(|why| invalid(format!("{at}: key-value store label {label:?}: {why}")))?;
    }
    for (key, value) in &raw.variables {
        check_id(key, '_', true)
            .map_err(|why| invalid(format!("{at}: variable {key:?}: {why}")))?;
        check_template(value, variables, &format!("{at} variable {key:?}"))?;
    }
    for host in &raw.allowed_outbound_hosts {
        check_template(host, variables, &format!("{at} allowed_outbound_hosts"))?;
    }
    let build_command = raw.build.as_ref().and_then(|b| match &b.command {
        toml::Value::String(c) => Some(c.clone()),
        toml::Value::Array(cs) => cs.first().and_then(toml::Value::as_str).map(str::to_owned),
        _ => None,
    });
    Ok(Component {
        id: id.to_owned(),
        source: dir.join(&source_as_written),
        source_as_written,
        description: raw.description,
        allowed_outbound_hosts: raw.allowed_outbound_hosts,
        key_value_stores: raw.key_value_stores,
        variables: raw.variables,
        environment: raw.environment,
        build_command,
    })
}

/// A template must parse and name only declared variables (Spin checks this at load, not
/// when the value is first read).
fn check_template(
    text: &str,
    variables: &BTreeMap<String, VariableDecl>,
    at: &str,
) -> Result<(), ManifestError> {
    let template = Template::parse(text).map_err(|e| invalid(format!("{at}: {e}")))?;
    if let Some(unknown) = template.names().find(|n| !variables.contains_key(*n)) {
        return Err(invalid(format!(
            "{at}: unknown variable {unknown:?} in {text:?} (declare it under [variables])"
        )));
    }
    Ok(())
}

/// Spin's identifiers: words separated by `delim`, each starting with an ASCII letter and
/// holding only ASCII letters and digits, each all lowercase or all uppercase (`lower`:
/// lowercase only).
pub(crate) fn check_id(id: &str, delim: char, lower: bool) -> Result<(), String> {
    if id.is_empty() {
        return Err("empty".into());
    }
    let wrong = if delim == '_' { '-' } else { '_' };
    if id.contains(wrong) {
        return Err(format!(
            "words must be separated with {delim:?}, not {wrong:?}"
        ));
    }
    for word in id.split(delim) {
        let mut chars = word.chars();
        let Some(first) = chars.next() else {
            return Err(format!("{delim:?}-separated words must not be empty"));
        };
        if !first.is_ascii_alphabetic() {
            return Err(format!(
                "{delim:?}-separated words must start with an ASCII letter; got {first:?}"
            ));
        }
        let upper = first.is_ascii_uppercase();
        for c in chars {
            if !c.is_ascii_alphanumeric() {
                return Err(format!(
                    "{delim:?}-separated words may only contain alphanumeric ASCII; got {c:?}"
                ));
            }
            if c.is_ascii_alphabetic() && c.is_ascii_uppercase() != upper {
                return Err(format!(
                    "{delim:?}-separated words must be all lowercase or all UPPERCASE; got {word:?}"
                ));
            }
        }
        if lower && upper {
            return Err("must be all lowercase".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(text, Path::new("spin.toml"), PathBuf::from("/app"))
    }

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
"#;

    #[test]
    fn reads_the_repository_spin_toml() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spin.toml");
        let m = Manifest::load(&path).expect("spin.toml parses");
        assert_eq!(m.application.name, "tessera-edge");
        assert_eq!(
            m.http_triggers
                .iter()
                .map(|t| (t.route.as_str(), t.component.as_str()))
                .collect::<Vec<_>>(),
            [
                ("/api/tutorial/...", "edge-tutorials"),
                ("/badges/...", "edge-badges"),
                ("/api/v1/lessons/daily", "edge-content"),
                ("/...", "edge-gateway"),
            ]
        );
        assert_eq!(m.served_components().len(), 4);
        assert!(m.variables["origin_url"].required);
        assert!(m.variables["origin_token"].secret);
        assert_eq!(
            m.variables["definitions_ttl_secs"].default.as_deref(),
            Some("30")
        );
        let badges = &m.components["edge-badges"];
        assert!(badges.source.ends_with("dist/components/edge_badges.wasm"));
        assert_eq!(badges.allowed_outbound_hosts, ["{{ origin_url }}"]);
        assert_eq!(badges.key_value_stores, ["default"]);
        assert_eq!(badges.variables["badge_key"], "{{ badge_key }}");
        assert_eq!(
            badges.build_command.as_deref(),
            Some("./dev component edge-badges")
        );
        assert!(m.components["edge-gateway"].key_value_stores.is_empty());
    }

    #[test]
    fn a_minimal_manifest_resolves_sources_against_its_folder() {
        let m = parse(MINIMAL).unwrap();
        assert_eq!(m.components["web"].source, PathBuf::from("/app/web.wasm"));
        assert_eq!(m.served_components().len(), 1);
    }

    #[test]
    fn version_1_and_unknown_fields_are_refused() {
        let v1 = MINIMAL.replace("spin_manifest_version = 2", "spin_manifest_version = 1");
        assert!(matches!(parse(&v1), Err(ManifestError::Syntax { .. })));
        let typo = MINIMAL.replace("source = ", "sorce = \"a\"\nsource = ");
        let err = parse(&typo).unwrap_err().to_string();
        assert!(err.contains("sorce"), "{err}");
    }

    #[test]
    fn a_route_to_an_undeclared_component_is_an_error() {
        let m = MINIMAL.replace("component = \"web\"", "component = \"api\"");
        let err = parse(&m).unwrap_err().to_string();
        assert!(err.contains("\"api\""), "{err}");
    }

    #[test]
    fn private_routes_are_not_routed() {
        let m = MINIMAL.replace("route = \"/...\"", "route = { private = true }");
        let m = parse(&m).unwrap();
        assert!(m.http_triggers.is_empty());
        assert!(m.served_components().is_empty());
    }

    #[test]
    fn variables_must_be_required_or_defaulted_and_templates_must_name_them() {
        let both = format!("{MINIMAL}\n[variables]\nv = {{ required = true, default = \"x\" }}\n");
        assert!(parse(&both).unwrap_err().to_string().contains("OR"));
        let neither = format!("{MINIMAL}\n[variables]\nv = {{ secret = true }}\n");
        assert!(parse(&neither).is_err());
        let unknown = MINIMAL.replace(
            "source = \"web.wasm\"",
            "source = \"web.wasm\"\nallowed_outbound_hosts = [\"{{ nope }}\"]",
        );
        let err = parse(&unknown).unwrap_err().to_string();
        assert!(err.contains("unknown variable \"nope\""), "{err}");
        let bad_name = format!("{MINIMAL}\n[variables]\nOrigin = {{ default = \"x\" }}\n");
        assert!(parse(&bad_name).is_err());
    }

    #[test]
    fn features_not_served_are_named() {
        let files = MINIMAL.replace(
            "source = \"web.wasm\"",
            "source = \"web.wasm\"\nfiles = [\"static/**\"]",
        );
        let err = parse(&files).unwrap_err().to_string();
        assert!(err.contains("`files`"), "{err}");
        let redis = format!("{MINIMAL}\n[[trigger.redis]]\nchannel = \"c\"\ncomponent = \"web\"\n");
        assert!(parse(&redis).unwrap_err().to_string().contains("redis"));
    }

    #[test]
    fn identifiers_follow_spin() {
        assert!(check_id("edge-gateway", '-', false).is_ok());
        assert!(check_id("edge_gateway", '-', false).is_err());
        assert!(check_id("origin_url", '_', true).is_ok());
        assert!(check_id("ORIGIN_URL", '_', true).is_err());
        assert!(check_id("a2b", '_', true).is_ok());
        assert!(check_id("2b", '_', true).is_err());
        assert!(check_id("a__b", '_', true).is_err());
        assert!(check_id("", '-', false).is_err());
    }
}
