//! The JSON-Schema validator (the AI gateway's) against the official JSON-Schema-Test-Suite
//! (draft 2020-12, `../shared/reference/json-schema-test-suite/` beside the repository).
//!
//! Every case runs. The cases the validator gets wrong are exactly the ones listed in
//! `json_schema_suite_skips.txt` (keywords and forms it does not support, documented in
//! docs/ai-gateway.md): a failing case missing from the list fails this test, and so does
//! a listed case that passes, so the list cannot go stale.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use json_schema::Schema;
use serde_json::Value;

const SKIPS: &str = include_str!("json_schema_suite_skips.txt");

/// The suite's draft 2020-12 folder: `$JSON_SCHEMA_TEST_SUITE`, else
/// `shared/reference/json-schema-test-suite/draft2020-12` beside the repository (or beside
/// one of its parent folders, as for a git worktree).
fn suite_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("JSON_SCHEMA_TEST_SUITE") {
        return Some(PathBuf::from(dir));
    }
    // At run time, not compile time: builds share one target directory (~/.cache/tessera), so
    // this binary may have been built in another clone of the repository, since deleted.
    let manifest =
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
    let repo = Path::new(&manifest).join("../..");
    repo.ancestors()
        .map(|a| a.join("../shared/reference/json-schema-test-suite/draft2020-12"))
        .find(|p| p.is_dir())
}

/// One case's name: `file :: group description :: test description`.
fn case_name(file: &str, group: &Value, test: &Value) -> String {
    format!(
        "{file} :: {} :: {}",
        group["description"].as_str().unwrap_or("?"),
        test["description"].as_str().unwrap_or("?")
    )
}

/// Whether the validator agrees with the suite on one case. A schema it refuses to compile
/// gets every case of its group wrong.
fn agrees(schema: &Result<Schema, String>, test: &Value) -> bool {
    let expected = test["valid"].as_bool().expect("a test has `valid`");
    match schema {
        Ok(schema) => schema.is_valid(&test["data"]) == expected,
        Err(_) => false,
    }
}

#[test]
fn the_validator_passes_the_suite_except_the_listed_cases() {
    let Some(dir) = suite_dir() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the JSON-Schema-Test-Suite is missing: CI needs ../shared/reference/json-schema-test-suite/ \
             beside the clone (or JSON_SCHEMA_TEST_SUITE set to its draft2020-12 folder)"
        );
        eprintln!(
            "SKIPPED: no JSON-Schema-Test-Suite beside the repository (set JSON_SCHEMA_TEST_SUITE)"
        );
        return;
    };
    let skips: BTreeSet<&str> = SKIPS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();

    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no test files", dir.display());

    let mut seen = BTreeSet::new();
    let mut unexpected_failures = Vec::new();
    let mut now_passing = Vec::new();
    let (mut passed, mut skipped) = (0, 0);
    for path in &files {
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a file name");
        let text = std::fs::read_to_string(path).expect("a readable test file");
        let groups: Vec<Value> = serde_json::from_str(&text).expect("a test file is a JSON list");
        for group in &groups {
            let schema = Schema::compile(group["schema"].clone());
            for test in group["tests"].as_array().expect("a group has `tests`") {
                let name = case_name(file, group, test);
                let listed = skips.contains(name.as_str());
                seen.insert(name.clone());
                match (agrees(&schema, test), listed) {
                    (true, false) => passed += 1,
                    (false, true) => skipped += 1,
                    (false, false) => unexpected_failures.push(format!(
                        "{name} (expected valid={}; {})",
                        test["valid"],
                        schema.as_ref().err().map_or("validated", |e| e.as_str())
                    )),
                    (true, true) => now_passing.push(name),
                }
            }
        }
    }
    let unknown: Vec<&&str> = skips.iter().filter(|s| !seen.contains(**s)).collect();
    eprintln!("JSON-Schema-Test-Suite: {passed} cases pass, {skipped} listed as unsupported");
    assert!(
        unexpected_failures.is_empty() && now_passing.is_empty() && unknown.is_empty(),
        "failing cases not in the skip list:\n  {}\n\nlisted cases that now pass (remove them from \
         json_schema_suite_skips.txt):\n  {}\n\nlisted cases the suite does not have:\n  {:?}",
        unexpected_failures.join("\n  "),
        now_passing.join("\n  "),
        unknown
    );
}
