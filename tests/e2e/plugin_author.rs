//! A new author's path, per language, from nothing to a live plugin: `tessera plugin new`
//! lays out a grader that `tessera plugin build` builds (cargo for Rust, componentize-py
//! for Python, componentize-js for JavaScript) and `tessera plugin test` passes unchanged (the grader conformance kit and
//! the scaffold's tests.json); a case made wrong fails the test naming it; `tessera plugin
//! publish` sends it to a running server, which grades the new kind at once, no restart.

use std::path::Path;
use std::process::Output;

use serde_json::json;

use crate::support::{PASSWORD, Server, binary, create_user, data_dir, plugins_dir, unique};

fn tessera(args: &[&str], dir: &Path) -> Output {
    binary()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tessera")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn author_path(lang: &str) {
    author_path_with(lang, "component").await;
}

async fn author_path_with(lang: &str, abi: &str) {
    let work = tempfile::tempdir().unwrap();
    let id = format!("{lang}-{abi}-keywords");
    let kind = id.replace('-', "_");
    let out = tessera(
        &["plugin", "new", &id, "--lang", lang, "--abi", abi],
        work.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let dir = work.path().join(&id);
    let contract = if abi == "extism" {
        "src/lib.rs"
    } else {
        "wit/grader.wit"
    };
    for file in ["plugin.toml", "tests.json", "README.md", contract] {
        assert!(dir.join(file).is_file(), "{lang}: no {file}");
    }

    let out = tessera(&["plugin", "build", "."], &dir);
    assert!(
        out.status.success(),
        "{lang}: build failed:\n{}",
        text(&out)
    );
    let data = data_dir();
    let data = data.to_str().unwrap();
    let out = tessera(&["plugin", "test", ".", "--data-dir", data], &dir);
    let report = text(&out);
    assert!(out.status.success(), "{lang}: {report}");
    assert!(report.contains("10 cases, 10 passed, 0 failed"), "{report}");
    assert!(
        report.contains(&format!(
            "ok   {kind}: an answer that is not JSON is invalid-input naming a field"
        )),
        "{report}"
    );

    // A case that expects the wrong mark fails, named, with what came back.
    let cases = std::fs::read_to_string(dir.join("tests.json")).unwrap();
    std::fs::write(
        dir.join("tests.json"),
        cases.replacen("\"score\": 0.5", "\"score\": 0.75", 1),
    )
    .unwrap();
    let out = tessera(&["plugin", "test", ".", "--data-dir", data], &dir);
    let report = text(&out);
    assert!(!out.status.success(), "{report}");
    assert!(
        report.contains("FAIL case: half the keywords is half the mark")
            && report.contains("expected score 0.75")
            && report.contains("got score 0.5"),
        "{report}"
    );
    std::fs::write(dir.join("tests.json"), cases).unwrap();

    // Live on a running server without a restart.
    let server = Server::start(&[plugins_dir().join("quiz-grader")]).await;
    let question = json!({"question": {"kind": kind, "prompt": "How do you repeat code?",
                                       "answer_key": {"keywords": ["loop", "range"]}},
                          "answer": {"text": "A for loop over range(3)"}});
    let (status, _) = server.grade(question.clone()).await;
    assert_eq!(
        status, 422,
        "{lang}: the kind is unknown before the publish"
    );
    let email = format!("{}@example.com", unique("author"));
    create_user(&server.database_url, &email, "super_admin");
    let out = binary()
        .args(["plugin", "publish", "."])
        .args(["--server", &server.base, "--email", &email])
        .env("TESSERA_PASSWORD", PASSWORD)
        .current_dir(&dir)
        .output()
        .unwrap();
    let said = text(&out);
    assert!(out.status.success(), "{lang}: {said}");
    assert!(said.contains("live for every user"), "{said}");
    let (status, reply) = server.grade(question).await;
    assert_eq!(status, 200, "{lang}: {reply}");
    assert_eq!(
        (&reply["score"], &reply["correct"]),
        (&json!(1.0), &json!(true))
    );
    assert_eq!(reply["grader"]["id"], id.as_str());
}

#[tokio::test]
async fn a_rust_grader_goes_from_nothing_to_live() {
    author_path("rust").await;
}

/// The same path for an Extism plugin (`--abi extism`, Extism's Rust PDK): built for
/// wasm32-unknown-unknown, the same kit, published and served.
#[tokio::test]
async fn an_extism_grader_in_rust_goes_from_nothing_to_live() {
    author_path_with("rust", "extism").await;
}

#[test]
fn an_extism_scaffold_in_another_language_is_refused_with_the_way_to_build_one() {
    let work = tempfile::tempdir().unwrap();
    let out = tessera(
        &[
            "plugin",
            "new",
            "py-extism",
            "--lang",
            "python",
            "--abi",
            "extism",
        ],
        work.path(),
    );
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("docs/plugins/extism.md"), "{said}");
    assert!(!work.path().join("py-extism").exists());
}

#[tokio::test]
async fn a_python_grader_goes_from_nothing_to_live() {
    author_path("python").await;
}

#[tokio::test]
async fn a_javascript_grader_goes_from_nothing_to_live() {
    author_path("js").await;
}

/// Every plugin Tessera ships passes its world's conformance kit, as a partner's must.
#[test]
fn every_shipped_plugin_passes_its_conformance_kit() {
    let data = data_dir();
    let mut failed = Vec::new();
    for entry in std::fs::read_dir(plugins_dir()).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("plugin.toml").is_file() {
            continue;
        }
        let out = binary()
            .args(["plugin", "test"])
            .arg(&dir)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap();
        if !out.status.success() {
            failed.push(format!("{}:\n{}", dir.display(), text(&out)));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
