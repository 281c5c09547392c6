//! `tessera.toml`: the same settings as the flags, in a file. Keys are flag names
//! (`database_url` or `database-url`); precedence is flag > environment variable > file >
//! default. The file is `$TESSERA_CONFIG`, else `./tessera.toml` when it exists.
//!
//! Applied by turning the file's keys into flags for the subcommand being run, skipping
//! any given on the command line or through its environment variable.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::CommandFactory;

use crate::cli::Cli;

/// The config file to read, if any.
fn path() -> Option<PathBuf> {
    match std::env::var_os("TESSERA_CONFIG") {
        Some(p) => Some(PathBuf::from(p)),
        None => Some(PathBuf::from("tessera.toml")).filter(|p| p.is_file()),
    }
}

fn flag_value(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(flag_value)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(",")),
        _ => None,
    }
}

/// The process arguments with the config file's settings added.
pub fn args() -> anyhow::Result<Vec<String>> {
    let argv: Vec<String> = std::env::args().collect();
    let Some(path) = path() else {
        return Ok(argv);
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let command = Cli::command();
    let known: BTreeSet<String> = command
        .get_subcommands()
        .flat_map(|c| c.get_arguments())
        .filter_map(|a| a.get_long().map(str::to_owned))
        .collect();
    let Some(sub) = argv.get(1).and_then(|name| command.find_subcommand(name)) else {
        return Ok(argv);
    };
    let mut extra = Vec::new();
    for (key, value) in &table {
        let long = key.replace('_', "-");
        if !known.contains(&long) {
            bail!(
                "{}: unknown setting `{key}` (see docs/configuration.md)",
                path.display()
            );
        }
        let Some(arg) = sub
            .get_arguments()
            .find(|a| a.get_long() == Some(long.as_str()))
        else {
            continue; // a setting of another subcommand
        };
        let given = argv
            .iter()
            .any(|a| a == &format!("--{long}") || a.starts_with(&format!("--{long}=")));
        let in_env = arg.get_env().is_some_and(|e| std::env::var_os(e).is_some());
        if given || in_env {
            continue;
        }
        let Some(text) = flag_value(value) else {
            bail!(
                "{}: `{key}` must be a string, number, boolean or list",
                path.display()
            );
        };
        let takes_value = arg.get_action().takes_values();
        if takes_value {
            extra.push(format!("--{long}={text}"));
        } else if text == "true" {
            extra.push(format!("--{long}"));
        }
    }
    let mut out = argv;
    let at = 2.min(out.len());
    out.splice(at..at, extra);
    Ok(out)
}
