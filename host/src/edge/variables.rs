//! Spin's application variables: `[variables]` declarations, the `{{ name }}` templates
//! components and `allowed_outbound_hosts` use, and the providers that give them values.
//!
//! Providers are asked in Spin's order (`spin up` with no runtime config): values given
//! with `--variable` first, then the environment (`SPIN_VARIABLE_<NAME>`, the name
//! upper-cased), then the manifest's `default`. Every required variable must have a value
//! before anything is served (Spin checks this at start-up too), and the error names each
//! one missing. Values are read once, at start-up: Spin's environment provider reads the
//! environment of the same process, which does not change under it either.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// A variable problem found at start-up.
#[derive(Debug, thiserror::Error)]
pub enum VariableError {
    /// Required variables nobody gave a value.
    #[error(
        "required variable(s) without a value: {}; give each with `--variable <name>=<value>` or the environment variable SPIN_VARIABLE_<NAME>",
        names.join(", ")
    )]
    MissingRequired {
        /// Their names.
        names: Vec<String>,
    },
    /// A template that does not parse.
    #[error("invalid template {template:?}: {reason}")]
    InvalidTemplate {
        /// The template.
        template: String,
        /// Why.
        reason: String,
    },
    /// A template naming a variable `[variables]` does not declare.
    #[error("unknown variable {name:?} in template {template:?}")]
    Unknown {
        /// The name.
        name: String,
        /// The template.
        template: String,
    },
    /// A `--variable` flag that is not `name=value`, `name=@file` or `@file.json|toml`.
    #[error("--variable {flag:?}: {reason}")]
    BadFlag {
        /// The flag's value.
        flag: String,
        /// Why.
        reason: String,
    },
    /// A file named by `--variable` that cannot be read or parsed.
    #[error("--variable: cannot read {}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `SPIN_VARIABLE_<NAME>` holds bytes that are not UTF-8.
    #[error("environment variable {0} is not valid UTF-8")]
    NotUnicode(String),
}

/// One `[variables]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether a provider must give it a value (then it has no default).
    #[serde(default)]
    pub required: bool,
    /// The value when no provider gives one.
    #[serde(default)]
    pub default: Option<String>,
    /// Never logged (Spin's `secret`: it changes how a value is shown, not who may read it).
    #[serde(default)]
    pub secret: bool,
}

/// A string with `{{ name }}` expressions, Spin's template syntax: the expression is
/// everything up to the next `}}`, trimmed; there is no escape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Variable(String),
}

impl Template {
    /// Parses `text`; an unclosed `{{` is an error.
    pub fn parse(text: &str) -> Result<Self, VariableError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(expr) = rest.strip_prefix("{{") {
                let Some((name, after)) = expr.split_once("}}") else {
                    return Err(VariableError::InvalidTemplate {
                        template: text.to_owned(),
                        reason: "unmatched '{{'".into(),
                    });
                };
                parts.push(Part::Variable(name.trim().to_owned()));
                rest = after;
            } else {
                let end = rest.find("{{").unwrap_or(rest.len());
                parts.push(Part::Literal(rest[..end].to_owned()));
                rest = &rest[end..];
            }
        }
        Ok(Self { parts })
    }

    /// The variable names it uses.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Variable(name) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The text with every expression replaced by its value in `values`.
    pub fn render(&self, values: &AppVariables) -> Result<String, VariableError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Variable(name) => match values.values.get(name) {
                    Some(value) => out.push_str(value),
                    None => {
                        return Err(VariableError::Unknown {
                            name: name.clone(),
                            template: self.to_string(),
                        });
                    }
                },
            }
        }
        Ok(out)
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal(text) => f.write_str(text)?,
                Part::Variable(name) => write!(f, "{{{{ {name} }}}}")?,
            }
        }
        Ok(())
    }
}

/// Reads an environment variable: `Ok(None)` when unset.
pub type EnvReader = Box<dyn Fn(&str) -> Result<Option<String>, VariableError> + Send + Sync>;

/// Where values come from, before the manifest's defaults.
pub struct Providers {
    /// `--variable` values, by name (a later flag for the same name wins, as in Spin).
    pub cli: BTreeMap<String, String>,
    /// The environment (a function, so tests need not change the process's).
    pub env: EnvReader,
}

impl Providers {
    /// `cli` values, then the process environment.
    pub fn with_process_env(cli: BTreeMap<String, String>) -> Self {
        Self {
            cli,
            env: Box::new(|name| match std::env::var(name) {
                Ok(value) => Ok(Some(value)),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(VariableError::NotUnicode(name.to_owned()))
                }
            }),
        }
    }
}

/// The environment variable Spin's environment provider reads for `name`.
pub fn env_name(name: &str) -> String {
    format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase())
}

/// Every application variable's value. (`secret` changes nothing here: no value is ever
/// logged.)
#[derive(Debug, Clone, Default)]
pub struct AppVariables {
    values: BTreeMap<String, String>,
}

impl AppVariables {
    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// Gives every declared variable its value from the first provider that has one, else its
/// default; an error names every required variable left without a value.
pub fn resolve(
    decls: &BTreeMap<String, VariableDecl>,
    providers: &Providers,
) -> Result<AppVariables, VariableError> {
    for name in providers.cli.keys() {
        if !decls.contains_key(name) {
            // Spin ignores a value for an undeclared variable; say so, since it is
            // usually a typo.
            tracing::warn!(variable = %name, "--variable names a variable spin.toml does not declare; ignored");
        }
    }
    let mut values = BTreeMap::new();
    let mut missing = Vec::new();
    for (name, decl) in decls {
        let value = match providers.cli.get(name) {
            Some(value) => Some(value.clone()),
            None => (providers.env)(&env_name(name))?,
        }
        .or_else(|| decl.default.clone());
        match value {
            Some(value) => {
                values.insert(name.clone(), value);
            }
            None => missing.push(name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(VariableError::MissingRequired { names: missing });
    }
    Ok(AppVariables { values })
}

/// A component's `[component.<id>.variables]`, each template rendered: what its
/// `wasi:config/store` reads. Keys outside the table are not there, so reading them gives
/// `none`, as in Spin.
pub fn component_values(
    table: &BTreeMap<String, String>,
    app: &AppVariables,
) -> Result<BTreeMap<String, String>, VariableError> {
    table
        .iter()
        .map(|(key, template)| Ok((key.clone(), Template::parse(template)?.render(app)?)))
        .collect()
}

/// Parses one `--variable` flag, as `spin up` does: `name=value`, `name=@file` (the file's
/// text is the value), or `@file.json` / `@file.toml` (a table of names to string values).
pub fn parse_flag(flag: &str) -> Result<Vec<(String, String)>, VariableError> {
    let bad = |reason: &str| VariableError::BadFlag {
        flag: flag.to_owned(),
        reason: reason.to_owned(),
    };
    if let Some(path) = flag.strip_prefix('@') {
        let path = PathBuf::from(path);
        let read_err = |reason: String| VariableError::File {
            path: path.clone(),
            reason,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| read_err(e.to_string()))?;
        let table: BTreeMap<String, String> = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => serde_json::from_str(&text).map_err(|e| read_err(e.to_string()))?,
            Some("toml") => toml::from_str(&text).map_err(|e| read_err(e.to_string()))?,
            _ => return Err(bad("variable files must end in .json or .toml")),
        };
        return Ok(table.into_iter().collect());
    }
    let Some((name, value)) = flag.split_once('=') else {
        return Err(bad("variables must be in the form 'name=value' or '@file'"));
    };
    let value = match value.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| VariableError::File {
            path: PathBuf::from(path),
            reason: e.to_string(),
        })?,
        None => value.to_owned(),
    };
    Ok(vec![(name.to_owned(), value)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(entries: &[(&str, Option<&str>)]) -> BTreeMap<String, VariableDecl> {
        entries
            .iter()
            .map(|(name, default)| {
                (
                    (*name).to_owned(),
                    VariableDecl {
                        required: default.is_none(),
                        default: default.map(str::to_owned),
                        ..VariableDecl::default()
                    },
                )
            })
            .collect()
    }

    fn providers(cli: &[(&str, &str)], env: &'static [(&'static str, &'static str)]) -> Providers {
        Providers {
            cli: cli
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            env: Box::new(move |name| {
                Ok(env
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned()))
            }),
        }
    }

    #[test]
    fn the_flag_beats_the_environment_which_beats_the_default() {
        let d = decls(&[("a", Some("da")), ("b", Some("db")), ("c", Some("dc"))]);
        let p = providers(
            &[("a", "flag")],
            &[("SPIN_VARIABLE_A", "env-a"), ("SPIN_VARIABLE_B", "env-b")],
        );
        let v = resolve(&d, &p).unwrap();
        assert_eq!(v.get("a"), Some("flag"));
        assert_eq!(v.get("b"), Some("env-b"));
        assert_eq!(v.get("c"), Some("dc"));
    }

    #[test]
    fn the_environment_provider_upper_cases_the_name() {
        assert_eq!(env_name("origin_url"), "SPIN_VARIABLE_ORIGIN_URL");
        let d = decls(&[("origin_url", None)]);
        let p = providers(&[], &[("SPIN_VARIABLE_ORIGIN_URL", "http://o")]);
        assert_eq!(resolve(&d, &p).unwrap().get("origin_url"), Some("http://o"));
    }

    #[test]
    fn every_missing_required_variable_is_named() {
        let d = decls(&[
            ("origin_url", None),
            ("edge_secret", None),
            ("ttl", Some("3")),
        ]);
        let err = resolve(&d, &providers(&[], &[])).unwrap_err();
        match &err {
            VariableError::MissingRequired { names } => {
                assert_eq!(names, &["edge_secret", "origin_url"]);
            }
            other => panic!("{other}"),
        }
        assert!(err.to_string().contains("--variable"));
    }

    #[test]
    fn templates_render_and_a_component_sees_only_its_table() {
        let d = decls(&[("host", Some("example.com")), ("port", Some("8080"))]);
        let app = resolve(&d, &providers(&[], &[])).unwrap();
        let t = Template::parse("https://{{ host }}:{{port}}/x").unwrap();
        assert_eq!(t.names().collect::<Vec<_>>(), ["host", "port"]);
        assert_eq!(t.render(&app).unwrap(), "https://example.com:8080/x");
        let table = BTreeMap::from([("url".to_owned(), "{{ host }}".to_owned())]);
        let values = component_values(&table, &app).unwrap();
        assert_eq!(values.get("url").map(String::as_str), Some("example.com"));
        assert!(!values.contains_key("port"));
        assert!(Template::parse("{{ open").is_err());
        let unknown = Template::parse("{{ nope }}").unwrap().render(&app);
        assert!(matches!(unknown, Err(VariableError::Unknown { .. })));
    }

    #[test]
    fn flags_take_spin_forms() {
        assert_eq!(
            parse_flag("a=b=c").unwrap(),
            [("a".to_owned(), "b=c".to_owned())]
        );
        assert!(parse_flag("novalue").is_err());
        assert!(parse_flag("@vars.txt").is_err());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "s3cret").unwrap();
        assert_eq!(
            parse_flag(&format!("k=@{}", file.display())).unwrap(),
            [("k".to_owned(), "s3cret".to_owned())]
        );
        let json = dir.path().join("vars.json");
        std::fs::write(&json, r#"{"a": "1", "b": "2"}"#).unwrap();
        assert_eq!(
            parse_flag(&format!("@{}", json.display())).unwrap().len(),
            2
        );
    }
}
