//! A new author's path, per language, from nothing to a live plugin: `tessera plugin new`
//! lays out a grader that `tessera plugin build` builds (cargo for Rust, componentize-py
//! for Python, componentize-js for JavaScript) and `tessera plugin test` passes unchanged
//! (the grader conformance kit and the scaffold's tests.json); a case made wrong fails the
//! test naming it; `tessera plugin publish` sends it to a running server, which grades the
//! new kind at once, no restart. The agent and triage templates take the same path in
//! every language (their unit tests, build, kit and cases), and a published agent answers
//! its intent through the tutor at once.

use std::path::Path;
use std::process::Output;

use serde_json::json;

use crate::support::{
    PASSWORD, Server, binary, client_with_token, create_user, data_dir, eventually, plugins_dir,
    repo, unique,
};

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

/// `tessera plugin build` then `tessera plugin test` in `dir`, both passing; the report.
fn build_and_test(dir: &Path, what: &str) -> String {
    let out = tessera(&["plugin", "build", "."], dir);
    assert!(
        out.status.success(),
        "{what}: build failed:\n{}",
        text(&out)
    );
    let data = data_dir();
    let out = tessera(
        &["plugin", "test", ".", "--data-dir", data.to_str().unwrap()],
        dir,
    );
    let report = text(&out);
    assert!(out.status.success(), "{what}: {report}");
    report
}

/// `tessera plugin publish` of `dir` to `server`, as a new super admin.
fn publish(server: &Server, dir: &Path) -> Output {
    let email = format!("{}@example.com", unique("author"));
    create_user(&server.database_url, &email, "super_admin");
    binary()
        .args(["plugin", "publish", "."])
        .args(["--server", &server.base, "--email", &email])
        .env("TESSERA_PASSWORD", PASSWORD)
        .current_dir(dir)
        .output()
        .unwrap()
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

    let report = build_and_test(&dir, lang);
    let data = data_dir();
    let data = data.to_str().unwrap();
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
    let out = publish(&server, &dir);
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

/// Runs a scaffold's own unit tests with its language's runner.
fn unit_tests(lang: &str, dir: &Path) -> Output {
    let mut command = match lang {
        "rust" => {
            let mut c = std::process::Command::new("cargo");
            c.args(["test", "--quiet", "--target-dir", "target"]);
            c
        }
        "python" => {
            let mut c = std::process::Command::new("python3");
            c.args(["-m", "unittest"])
                .env("PYTHONDONTWRITEBYTECODE", "1");
            c
        }
        _ => {
            let mut c = std::process::Command::new("node");
            c.arg("--test");
            c
        }
    };
    command
        .current_dir(dir)
        .output()
        .expect("run the unit tests")
}

/// `plugin new --world <world>` in `lang`: its unit tests, build, kit and cases pass
/// unchanged, and a case made wrong fails naming what came back. The plugin's folder.
fn world_path(lang: &str, world: &str, work: &Path) -> std::path::PathBuf {
    let id = format!("{lang}-{world}-demo");
    let out = tessera(
        &["plugin", "new", &id, "--world", world, "--lang", lang],
        work,
    );
    assert!(out.status.success(), "{lang} {world}: {}", text(&out));
    let dir = work.join(&id);
    for file in ["plugin.toml", "tests.json", "README.md"] {
        assert!(dir.join(file).is_file(), "{lang} {world}: no {file}");
    }
    assert!(dir.join(format!("wit/{world}.wit")).is_file());
    let manifest = std::fs::read_to_string(dir.join("plugin.toml")).unwrap();
    assert!(manifest.contains("contract = \"0.2.0\""), "{manifest}");

    let out = unit_tests(lang, &dir);
    assert!(
        out.status.success(),
        "{lang} {world}: unit tests:\n{}",
        text(&out)
    );
    let report = build_and_test(&dir, &format!("{lang} {world}"));
    let data = data_dir();
    let data = data.to_str().unwrap();
    assert!(report.contains(" passed, 0 failed"), "{report}");
    assert_eq!(report.matches("ok   case: ").count(), 5, "{report}");
    let kit_line = match world {
        "agent" => "ok   describe() names the agent and the intents its manifest routes to it",
        _ => "ok   a query gets one of the intents offered",
    };
    assert!(report.contains(kit_line), "{report}");

    let cases = std::fs::read_to_string(dir.join("tests.json")).unwrap();
    let (wrong, failed, said) = match world {
        "agent" => (
            cases.replacen("\"A list is\"", "\"A set is\"", 1),
            "FAIL case: a term explained earlier is not explained again",
            "expected the reply to contain [\"A set is\"]",
        ),
        _ => (
            cases.replacen("\"intent\": \"exercise\"", "\"intent\": \"debug\"", 1),
            "FAIL case: asking for practice is an exercise",
            "expected intent debug",
        ),
    };
    assert_ne!(wrong, cases);
    std::fs::write(dir.join("tests.json"), wrong).unwrap();
    let out = tessera(&["plugin", "test", ".", "--data-dir", data], &dir);
    let report = text(&out);
    assert!(!out.status.success(), "{report}");
    assert!(report.contains(failed) && report.contains(said), "{report}");
    std::fs::write(dir.join("tests.json"), cases).unwrap();
    dir
}

/// The Rust agent and triage templates, and the agent live on a running server: the
/// first-party triage routes a query with the agent's keyword to it at once.
#[tokio::test]
async fn a_rust_agent_and_triage_go_from_nothing_to_live() {
    let work = tempfile::tempdir().unwrap();
    world_path("rust", "triage", work.path());
    let dir = world_path("rust", "agent", work.path());

    // The agent kit catches a reply whose data the host could not hand back as `earlier`.
    let source = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let broken = source.replacen(
        "reply.data = json!({ \"explained\": explained });",
        "reply.data = json!(explained);",
        1,
    );
    assert_ne!(broken, source);
    std::fs::write(dir.join("src/lib.rs"), broken).unwrap();
    assert!(tessera(&["plugin", "build", "."], &dir).status.success());
    let data = data_dir();
    let out = tessera(
        &["plugin", "test", ".", "--data-dir", data.to_str().unwrap()],
        &dir,
    );
    let report = text(&out);
    assert!(!out.status.success(), "{report}");
    assert!(
        report.contains("FAIL rust-agent-demo: an ordinary turn gets a reply or a typed error")
            && report.contains("expected data to be a JSON object"),
        "{report}"
    );
    std::fs::write(dir.join("src/lib.rs"), source).unwrap();
    build_and_test(&dir, "the agent restored");

    let content = repo().join("content");
    let server = Server::start_with(
        &[plugins_dir()],
        &["--content-dir", content.to_str().unwrap()],
    )
    .await;
    let out = publish(&server, &dir);
    assert!(out.status.success(), "{}", text(&out));

    let account = server.register("student").await;
    let client = client_with_token(account["access_token"].as_str().unwrap());
    let (status, q) = server
        .post_as(
            &client,
            "/api/v1/tutor/queries",
            &json!({"text": "Glossary, please: define loop"}),
        )
        .await;
    assert_eq!(status, 202, "{q}");
    let path = format!("/api/v1/tutor/queries/{}", q["id"].as_str().unwrap());
    let q = eventually(
        "the agent's answer",
        std::time::Duration::from_secs(90),
        async || {
            let (_, q) = server.get_as(&client, &path).await;
            if q["status"] == "queued" {
                Err(q)
            } else {
                Ok(q)
            }
        },
    )
    .await;
    assert_eq!(q["answer"]["agent"], "rust-agent-demo", "{q}");
    assert_eq!(q["triage"]["intent"], "rust-agent-demo", "{q}");
    assert!(
        q["answer"]["content"]
            .as_str()
            .unwrap()
            .contains("A loop repeats code"),
        "{q}"
    );
}

#[test]
fn a_python_agent_and_triage_pass_their_tests_and_kits() {
    let work = tempfile::tempdir().unwrap();
    world_path("python", "agent", work.path());
    world_path("python", "triage", work.path());
}

#[test]
fn a_javascript_agent_and_triage_pass_their_tests_and_kits() {
    let work = tempfile::tempdir().unwrap();
    world_path("js", "agent", work.path());
    world_path("js", "triage", work.path());
}

#[test]
fn only_graders_are_laid_out_as_extism_plugins() {
    let work = tempfile::tempdir().unwrap();
    let out = tessera(
        &[
            "plugin", "new", "x-agent", "--world", "agent", "--lang", "rust", "--abi", "extism",
        ],
        work.path(),
    );
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains("docs/plugins/extism.md") && said.contains("--world agent"),
        "{said}"
    );
    assert!(!work.path().join("x-agent").exists());
}

/// The assigner kit catches an assigner that passes the smoke call at load but ignores the
/// hash and the experiment's state (tests/fixtures/assigners/).
#[test]
fn the_assigner_kit_catches_a_skewed_assigner() {
    let data = data_dir();
    let out = binary()
        .args(["plugin", "test"])
        .arg(repo().join("tests/fixtures/assigners/fixture-skewed-assigner"))
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    let report = text(&out);
    assert!(!out.status.success(), "{report}");
    for line in [
        "ok   loads: manifest, contract, imports within its grants, smoke call",
        "ok   the same unit gets the same variation twice",
        "FAIL an inactive experiment assigns nobody",
        "FAIL 500 units split 50/50 land within 40-60 % each",
        "expected 40-60 % each, got [1.0, 0.0]",
        "ok   a feature the payload lacks is unknown-feature, not an error",
    ] {
        assert!(report.contains(line), "no `{line}` in:\n{report}");
    }
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
