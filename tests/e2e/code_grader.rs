//! The code grader: a Python exercise graded by hidden tests run in the sandbox through the
//! grader's `code-runner` import, with per-test results in `details`.

use serde_json::{Value, json};

use crate::support::{Server, plugins_dir};

#[tokio::test]
async fn code_exercises_are_graded_test_by_test_in_the_sandbox() {
    let server = Server::start(&[
        plugins_dir().join("python-sandbox"),
        plugins_dir().join("code-grader"),
    ])
    .await;
    // Tests in the content packs' shape (no `kind`).
    let question = json!({ "kind": "code_exercise", "prompt": "Write add(a, b) and print add(2, 3).",
        "answer_key": { "language": "python", "tests": [
            { "name": "prints five", "expected_stdout": "5\n" },
            { "name": "adds", "assert": "add(2, 3) == 5" },
            { "name": "negative", "assert": "add(-1, -1) == -2" } ] } });
    let grade =
        |code: &str| server.grade(json!({ "question": question, "answer": { "code": code } }));

    let (status, r) = grade("def add(a, b):\n    return a + b\nprint(add(2, 3))\n").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["score"].as_f64(), r["correct"].as_bool()),
        (Some(1.0), Some(true)),
        "{r}"
    );
    assert_eq!(r["details"]["passed"], 3, "{r}");

    let (status, r) = grade("def add(a, b):\n    return a - b\nprint(5)\n").await;
    assert_eq!(status, 200, "{r}");
    assert!(
        (r["score"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9,
        "{r}"
    );
    assert_eq!(r["correct"], false);
    let tests = r["details"]["tests"].as_array().unwrap();
    let adds = tests.iter().find(|t| t["name"] == "adds").unwrap();
    assert_eq!(adds["passed"], false);
    assert_eq!(adds["expected"], "5", "{adds}");
    assert_eq!(adds["actual"], "-1", "{adds}");
    assert!(r["feedback"].as_str().unwrap().contains("adds"), "{r}");

    // The learner's errors are failed tests, not grader errors.
    let (status, r) = grade("def add(a, b) return a + b\n").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["score"], 0.0);
    let first: &Value = &r["details"]["tests"][0];
    assert!(
        first["error"]["type"]
            .as_str()
            .unwrap()
            .contains("SyntaxError"),
        "{r}"
    );

    // Bad input names the field.
    let (status, r) = grade(&"x = 1\n".repeat(20_000)).await;
    assert_eq!(status, 422, "{r}");
    assert_eq!(r["error"]["details"]["field"], "answer.code");
}
