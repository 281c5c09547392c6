//! The quiz grader, through the runtime and over HTTP, for every kind it serves.

use serde_json::{Value, json};

use crate::support::{Server, plugins_dir};

fn request(kind: &str, options: &[&str], answer_key: Value, answer: Value) -> Value {
    json!({
        "question": {"kind": kind, "prompt": "?", "options": options, "answer_key": answer_key},
        "answer": answer
    })
}

#[tokio::test]
async fn every_kind_grades_with_feedback() {
    let server = Server::start(&[plugins_dir()]).await;
    let abc = ["a", "b", "c", "d"];
    // (request, expected score, expected correct)
    let cases = [
        (
            request(
                "multiple_choice",
                &["3", "4", "5"],
                json!({"correct": [1]}),
                json!({"selected": [1]}),
            ),
            1.0,
            true,
        ),
        (
            request(
                "multiple_choice",
                &["3", "4", "5"],
                json!({"correct": [1]}),
                json!({"selected": [0]}),
            ),
            0.0,
            false,
        ),
        // Two of three right, one wrong: (2 - 1) / 3.
        (
            request(
                "multiple_choice",
                &abc,
                json!({"correct": [0, 1, 2]}),
                json!({"selected": [0, 1, 3]}),
            ),
            1.0 / 3.0,
            false,
        ),
        (
            request(
                "multiple_choice",
                &abc,
                json!({"correct": [0, 1, 2], "partial_credit": false}),
                json!({"selected": [0, 1]}),
            ),
            0.0,
            false,
        ),
        (
            request(
                "true_false",
                &[],
                json!({"correct": true}),
                json!({"value": true}),
            ),
            1.0,
            true,
        ),
        (
            request(
                "true_false",
                &[],
                json!({"correct": true}),
                json!({"value": "FALSE"}),
            ),
            0.0,
            false,
        ),
        (
            request(
                "short_answer",
                &[],
                json!({"accepted": ["Paris"]}),
                json!({"text": "  paris. "}),
            ),
            1.0,
            true,
        ),
        (
            request(
                "short_answer",
                &[],
                json!({"accepted": ["São Paulo"]}),
                json!({"text": "sao   paulo"}),
            ),
            1.0,
            true,
        ),
        (
            request(
                "short_answer",
                &[],
                json!({"accepted": ["Paris"], "regex": "^paris( city)?$"}),
                json!({"text": "Paris City"}),
            ),
            1.0,
            true,
        ),
        (
            request(
                "short_answer",
                &[],
                json!({"accepted": ["Paris"], "case_sensitive": true}),
                json!({"text": "paris"}),
            ),
            0.0,
            false,
        ),
        (
            request(
                "numeric",
                &[],
                json!({"value": 9.81, "tolerance": 0.05}),
                json!({"value": 9.8}),
            ),
            1.0,
            true,
        ),
        (
            request(
                "numeric",
                &[],
                json!({"value": 100.0, "tolerance": 0.01, "tolerance_mode": "relative"}),
                json!({"value": 102}),
            ),
            0.0,
            false,
        ),
        (
            request(
                "numeric",
                &[],
                json!({"value": 9.81, "tolerance": 0.01, "unit": "m/s^2", "units": {"m/s^2": 1.0, "cm/s^2": 0.01}}),
                json!({"text": "981 cm/s^2"}),
            ),
            1.0,
            true,
        ),
    ];
    for (body, score, correct) in cases {
        let (status, reply) = server.grade(body.clone()).await;
        assert_eq!(status, 200, "{body} -> {reply}");
        let got = reply["score"].as_f64().unwrap();
        assert!(
            (got - score).abs() < 1e-9,
            "{body}: score {got}, expected {score}"
        );
        assert_eq!(reply["correct"], correct, "{body} -> {reply}");
        assert!(!reply["feedback"].as_str().unwrap().is_empty(), "{reply}");
        assert_eq!(reply["grader"]["id"], "quiz-grader");
        assert_eq!(reply["grader"]["version"], "0.1.0");
    }
}

#[tokio::test]
async fn malformed_answers_and_keys_are_422_naming_the_field() {
    let server = Server::start(&[plugins_dir()]).await;
    let cases = [
        (
            request(
                "multiple_choice",
                &["3", "4"],
                json!({"correct": [1]}),
                json!({"selected": [7]}),
            ),
            "answer.selected",
        ),
        (
            request(
                "multiple_choice",
                &["3", "4"],
                json!({"correct": [1]}),
                json!({"chosen": [1]}),
            ),
            "answer.selected",
        ),
        (
            request(
                "multiple_choice",
                &["3", "4"],
                json!({"correct": []}),
                json!({"selected": [1]}),
            ),
            "question.answer_key.correct",
        ),
        (
            request(
                "true_false",
                &[],
                json!({"correct": true}),
                json!({"value": "maybe"}),
            ),
            "answer.value",
        ),
        (
            request(
                "short_answer",
                &[],
                json!({"accepted": ["x"], "regex": "(("}),
                json!({"text": "x"}),
            ),
            "question.answer_key.regex",
        ),
        (
            request(
                "numeric",
                &[],
                json!({"value": 1.0}),
                json!({"value": "lots"}),
            ),
            "answer.value",
        ),
    ];
    for (body, field) in cases {
        let (status, reply) = server.grade(body.clone()).await;
        assert_eq!(status, 422, "{body} -> {reply}");
        assert_eq!(reply["error"]["code"], "VALIDATION_ERROR");
        assert_eq!(
            reply["error"]["details"]["field"], field,
            "{body} -> {reply}"
        );
    }
}
