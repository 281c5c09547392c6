//! The plugin author's CLI: list (manifests only), validate, call.

use crate::support::{binary, component, data_dir, plugins_dir};

fn run(args: &[&str]) -> (bool, String, String) {
    let out = binary()
        .args(args)
        .arg("--data-dir")
        .arg(data_dir())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn list_shows_the_quiz_grader() {
    let dir = plugins_dir().display().to_string();
    let (ok, stdout, stderr) = run(&["plugin", "list", "--plugins-dir", &dir]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("quiz-grader"), "{stdout}");
    assert!(stdout.contains("multiple_choice"), "{stdout}");
}

/// `plugin list` on a fresh data folder reads manifests and compiles nothing: the cache
/// stays empty and every component shows as not compiled; once `plugin validate` has
/// compiled one into that folder's cache, the list says so. A broken manifest is named
/// and fails the command without hiding the others.
#[test]
fn list_reads_manifests_without_compiling() {
    let fresh = tempfile::tempdir().unwrap();
    let data = fresh.path().join("data");
    let list = |plugins: &str| {
        let out = binary()
            .args(["plugin", "list", "--plugins-dir", plugins, "--data-dir"])
            .arg(&data)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let row = |stdout: &str, id: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_default()
            .split_whitespace()
            .nth(4)
            .unwrap_or_default()
            .to_owned()
    };
    let plugins = plugins_dir().display().to_string();
    let (ok, stdout) = list(&plugins);
    assert!(ok, "{stdout}");
    assert!(stdout.contains("COMPILED"), "{stdout}");
    assert_eq!(row(&stdout, "quiz-grader"), "no", "{stdout}");
    assert_eq!(row(&stdout, "python-sandbox"), "no", "{stdout}");
    let cached = std::fs::read_dir(data.join("cache")).map_or(0, Iterator::count);
    assert_eq!(cached, 0, "listing compiled something");

    let quiz = plugins_dir().join("quiz-grader").display().to_string();
    let out = binary()
        .args(["plugin", "validate", &quiz, "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (ok, stdout) = list(&plugins);
    assert!(ok, "{stdout}");
    assert_eq!(row(&stdout, "quiz-grader"), "yes", "{stdout}");
    assert_eq!(row(&stdout, "python-sandbox"), "no", "{stdout}");

    // Another data folder sharing that cache sees the same artifact.
    let out = binary()
        .args(["plugin", "list", "--plugins-dir", &plugins, "--data-dir"])
        .arg(fresh.path().join("other"))
        .arg("--compile-cache-dir")
        .arg(data.join("cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(row(&stdout, "quiz-grader"), "yes", "{stdout}");

    let broken = fresh.path().join("plugins");
    std::fs::create_dir_all(broken.join("bad")).unwrap();
    std::fs::write(broken.join("bad/plugin.toml"), "id = ").unwrap();
    let (ok, stdout) = list(&format!("{plugins},{}", broken.display()));
    assert!(!ok, "a broken manifest passed: {stdout}");
    assert!(
        stdout.contains("BROKEN") && stdout.contains("bad"),
        "{stdout}"
    );
    assert_eq!(row(&stdout, "quiz-grader"), "yes", "{stdout}");
}

#[test]
fn validate_accepts_a_plugin_folder_and_a_bare_component() {
    let dir = plugins_dir().join("quiz-grader").display().to_string();
    let (ok, stdout, stderr) = run(&["plugin", "validate", &dir]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("grader-plugin"), "{stdout}");
    assert!(stdout.contains("grade"), "{stdout}");

    let wasm = component("quiz_grader.wasm").display().to_string();
    let (ok, stdout, stderr) = run(&["plugin", "validate", &wasm]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("grader-plugin (tessera:platform@0.1.0)"),
        "{stdout}"
    );
}

#[test]
fn validate_rejects_a_non_component_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("junk.wasm");
    std::fs::write(&file, b"not wasm").unwrap();
    let (ok, _, stderr) = run(&["plugin", "validate", &file.display().to_string()]);
    assert!(!ok);
    assert!(stderr.contains("invalid"), "{stderr}");
}

#[test]
fn call_runs_a_function_with_json_input() {
    let dir = plugins_dir().display().to_string();
    let input = r#"{"submission":{"question":{"kind":"true_false","prompt":"Sky is blue?","options":[],"answer_key":"{\"correct\":true}"},"answer":"{\"value\":true}"}}"#;
    let (ok, stdout, stderr) = run(&[
        "plugin",
        "call",
        "quiz-grader",
        "grade",
        "--input",
        input,
        "--plugins-dir",
        &dir,
    ]);
    assert!(ok, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(out["ok"]["score"], 1.0, "{out}");

    let (ok, stdout, _) = run(&[
        "plugin",
        "call",
        "quiz-grader",
        "kinds",
        "--plugins-dir",
        &dir,
    ]);
    assert!(ok);
    assert!(stdout.contains("numeric"), "{stdout}");

    let (ok, _, stderr) = run(&[
        "plugin",
        "call",
        "quiz-grader",
        "nope",
        "--plugins-dir",
        &dir,
    ]);
    assert!(!ok);
    assert!(stderr.contains("nope"), "{stderr}");
}

/// `tessera plugin call` runs code in the Python sandbox directly (the HTTP API is
/// tests/e2e/sandbox.rs).
#[test]
fn the_python_sandbox_runs_code_in_a_fresh_interpreter() {
    let dir = plugins_dir().display().to_string();
    let run = |code: &str| {
        let input = serde_json::json!({"request": {"language": "python", "code": code, "stdin": "",
            "tests": [], "limits": {"timeout_ms": null, "memory_mb": null, "max_output_bytes": null}}});
        let (ok, stdout, stderr) = run(&[
            "plugin",
            "call",
            "python-sandbox",
            "run",
            "--input",
            &input.to_string(),
            "--plugins-dir",
            &dir,
        ]);
        assert!(ok, "{stderr}");
        (
            serde_json::from_str::<serde_json::Value>(&stdout).unwrap(),
            stderr,
        )
    };
    // The program's output streams out of the instance; the CLI shows it on stderr.
    let (out, printed) = run("print('hi')\nx = 1/0");
    assert_eq!(out["status"], "runtime_error", "{out}");
    assert_eq!(out["error"]["error_type"], "ZeroDivisionError");
    assert_eq!(out["error"]["line"], 2);
    assert!(printed.contains("--- plugin stdout ---\nhi\n"), "{printed}");
    assert!(printed.contains("Traceback"), "{printed}");

    let (out, _) = run("def f(:\n  pass");
    assert_eq!(out["status"], "syntax_error", "{out}");
    assert_eq!(out["error"]["line"], 1);

    let (out, printed) = run("print(sum(range(10)))");
    assert_eq!(out["status"], "ok", "{out}");
    assert!(printed.contains("45\n"), "{printed}");
}

/// `tessera.toml` supplies settings; flags and environment variables win over it; an
/// unknown key is refused by name.
#[test]
fn a_config_file_supplies_settings_below_flags_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let from_file = dir.path().join("from-file.db");
    let from_env = dir.path().join("from-env.db");
    let config = dir.path().join("tessera.toml");
    std::fs::write(
        &config,
        format!("database_url = \"sqlite://{}\"\n", from_file.display()),
    )
    .unwrap();
    let migrate = |env_url: Option<&std::path::Path>| {
        let mut cmd = crate::support::binary();
        cmd.args(["migrate"]).env("TESSERA_CONFIG", &config);
        if let Some(p) = env_url {
            cmd.env("DATABASE_URL", format!("sqlite://{}", p.display()));
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    migrate(None);
    assert!(from_file.exists(), "the file's database_url was used");
    migrate(Some(&from_env));
    assert!(from_env.exists(), "DATABASE_URL wins over the file");

    std::fs::write(&config, "databse_url = \"sqlite://x.db\"\n").unwrap();
    let out = crate::support::binary()
        .args(["migrate"])
        .env("TESSERA_CONFIG", &config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown setting `databse_url`"), "{stderr}");
}
