//! Content packs: `tessera content import` checks a pack completely, names the file and
//! field of every problem, imports all or nothing, and is idempotent.

use std::path::Path;

use serde_json::json;

use crate::support::{Server, backends, binary, data_dir};

/// A two-lesson pack in `dir`.
fn write_pack(dir: &Path, version: &str) {
    let lessons = dir.join("lessons");
    std::fs::create_dir_all(lessons.join("intro")).unwrap();
    std::fs::write(
        dir.join("pack.json"),
        json!({ "id": "tiny", "version": version, "title": "Tiny", "tracks": [
            { "id": "tiny-track", "title": "Tiny track", "courses": [
                { "id": "tiny-course", "title": "Tiny course", "modules": [
                    { "id": "tiny-module", "title": "Basics", "lessons": ["intro", "next"] } ] } ] } ] })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        lessons.join("intro/text.md"),
        "# Hello\nPython prints with `print`.\n",
    )
    .unwrap();
    std::fs::write(lessons.join("intro/task.md"), "Print `hi`.\n").unwrap();
    std::fs::write(
        lessons.join("intro.json"),
        json!({ "id": "intro", "title": "Intro", "topic": "python.print", "steps": [
            { "id": "intro.text", "kind": "explanation", "text_file": "intro/text.md" },
            { "id": "intro.q1", "kind": "quiz", "question": { "kind": "true_false", "prompt": "print shows text",
              "answer_key": { "correct": true } }, "explanation": "It does." },
            { "id": "intro.ex1", "kind": "code_exercise", "prompt_file": "intro/task.md",
              "tests": [ { "name": "prints hi", "expected_stdout": "hi\n" }, { "name": "no x", "assert": "'x' not in dir()" } ] } ] })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        lessons.join("next.json"),
        json!({ "id": "next", "title": "Next", "topic": "python.print", "prerequisites": ["intro"], "steps": [
            { "id": "next.q1", "kind": "quiz", "question": { "kind": "multiple_choice", "prompt": "Pick",
              "options": ["a", "b"], "answer_key": { "correct": 0 } } } ] })
        .to_string(),
    )
    .unwrap();
}

fn content(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = binary()
        .arg("content")
        .args(args)
        .args(["--database-url", database_url])
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

#[tokio::test]
async fn packs_import_idempotently_and_broken_ones_change_nothing() {
    for backend in backends() {
        let quiz = crate::support::plugins_dir().join("quiz-grader");
        let server = Server::start_on(backend, &[quiz], &["--content-dir", "/nonexistent"]).await;
        let db = server.database_url.clone();
        let dir = tempfile::tempdir().unwrap();
        write_pack(dir.path(), "1.0.0");
        let pack = dir.path().to_str().unwrap();

        let (ok, out, err) = content(&db, &["import", "--dry-run", pack]);
        assert!(ok, "{err}");
        assert!(
            out.contains("tiny 1.0.0: valid (2 lessons, 4 steps)"),
            "{out}"
        );
        let (_, out, _) = content(&db, &["list"]);
        assert!(
            out.contains("no content packs"),
            "{backend:?}: a dry run stored something: {out}"
        );

        let (ok, out, err) = content(&db, &["import", pack]);
        assert!(ok, "{err}");
        assert!(
            out.contains("tiny 1.0.0: imported (2 lessons, 4 steps)"),
            "{out}"
        );
        let (_, out, _) = content(&db, &["import", pack]);
        assert!(out.contains("tiny 1.0.0: unchanged"), "{out}");

        // A new version replaces the pack's rows.
        write_pack(dir.path(), "1.1.0");
        let (_, out, _) = content(&db, &["import", pack]);
        assert!(out.contains("tiny 1.1.0: updated"), "{out}");

        // Every problem is named by file and field; nothing is stored.
        std::fs::remove_file(dir.path().join("lessons/intro/task.md")).unwrap();
        let intro = std::fs::read_to_string(dir.path().join("lessons/intro.json")).unwrap();
        std::fs::write(
            dir.path().join("lessons/intro.json"),
            intro.replace(
                r#""expected_stdout":"hi\n""#,
                r#""expected_stdout":"hi\n","assert":"True""#,
            ),
        )
        .unwrap();
        let mut next: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("lessons/next.json")).unwrap(),
        )
        .unwrap();
        next["steps"][0]["question"]
            .as_object_mut()
            .unwrap()
            .remove("answer_key");
        next["steps"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "id": "intro.q1", "kind": "quiz",
            "question": { "kind": "true_false", "prompt": "again", "answer_key": {} } }));
        next["prerequisites"] = json!(["missing-lesson"]);
        std::fs::write(dir.path().join("lessons/next.json"), next.to_string()).unwrap();
        std::fs::write(
            dir.path().join("pack.json"),
            std::fs::read_to_string(dir.path().join("pack.json"))
                .unwrap()
                .replace("1.1.0", "2.0.0"),
        )
        .unwrap();
        let (ok, _, err) = content(&db, &["import", pack]);
        assert!(!ok);
        for expected in [
            "lessons/intro.json: steps[2].prompt_file: cannot read `lessons/intro/task.md`",
            "lessons/next.json: steps[0].question.answer_key: an object is required",
            "lessons/next.json: steps[1].id: `intro.q1` is used twice in this pack",
            "lessons/next.json: prerequisites[0]: `missing-lesson` is not a lesson of this pack",
            "lessons/intro.json: steps[2].tests[0]: has both `expected_stdout` and `assert`",
        ] {
            assert!(
                err.contains(expected),
                "{backend:?}: missing `{expected}` in:\n{err}"
            );
        }
        let (_, out, _) = content(&db, &["list"]);
        assert!(
            out.contains("tiny 1.1.0"),
            "{backend:?}: the broken import lost the pack: {out}"
        );

        // Malformed JSON names the place too.
        std::fs::write(
            dir.path().join("pack.json"),
            r#"{"id": "tiny", "version": 3}"#,
        )
        .unwrap();
        let (ok, _, err) = content(&db, &["import", pack]);
        assert!(!ok);
        assert!(err.contains("pack.json: version: invalid type"), "{err}");

        // Another pack may not take ids this one owns.
        let other = tempfile::tempdir().unwrap();
        write_pack(other.path(), "1.0.0");
        let text = std::fs::read_to_string(other.path().join("pack.json")).unwrap();
        std::fs::write(
            other.path().join("pack.json"),
            text.replace("\"tiny\"", "\"other\""),
        )
        .unwrap();
        let (ok, _, err) = content(&db, &["import", other.path().to_str().unwrap()]);
        assert!(!ok);
        assert!(
            err.contains("lesson `intro` belongs to pack `tiny`"),
            "{err}"
        );
    }
}

/// The shipped starter pack is valid, and `tessera serve` imports it at start-up.
#[tokio::test]
async fn the_starter_pack_is_imported_at_start_up() {
    let shipped = crate::support::repo().join("content");
    let quiz = crate::support::plugins_dir().join("quiz-grader");
    let server = Server::start_with(&[quiz], &["--content-dir", shipped.to_str().unwrap()]).await;
    let (ok, out, err) = content(&server.database_url, &["list"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("python-basics 1.1.0 \"Python basics\": 7 lessons, 48 steps"),
        "{out}"
    );
    let (_, out, _) = content(&server.database_url, &["import", shipped.to_str().unwrap()]);
    assert!(out.contains("python-basics 1.1.0: unchanged"), "{out}");
}
