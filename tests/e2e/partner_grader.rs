//! A partner adds a question kind without touching the host: the `ordering` grader is
//! written in Python (plugins/ordering-grader, componentize-py) and graded through the
//! same `POST /api/v1/grade` as the first-party kinds.

use serde_json::json;

use crate::support::{Server, plugins_dir};

#[tokio::test]
async fn a_python_partner_grader_serves_a_new_kind() {
    let server = Server::start(&[plugins_dir().join("ordering-grader")]).await;
    let question = json!({ "kind": "ordering", "prompt": "Order the planets from the Sun",
        "options": ["Earth", "Mercury", "Mars", "Venus"],
        "answer_key": { "order": ["Mercury", "Venus", "Earth", "Mars"], "partial_credit": true } });
    let grade = |order: serde_json::Value| {
        server.grade(json!({ "question": question, "answer": { "order": order } }))
    };

    let (status, r) = grade(json!(["Mercury", "Venus", "Earth", "Mars"])).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["score"].as_f64(), r["correct"].as_bool()),
        (Some(1.0), Some(true))
    );

    // One adjacent swap of four: 5 of 6 pairs in order.
    let (status, r) = grade(json!(["Mercury", "Earth", "Venus", "Mars"])).await;
    assert_eq!(status, 200, "{r}");
    assert!(
        (r["score"].as_f64().unwrap() - 5.0 / 6.0).abs() < 1e-9,
        "{r}"
    );
    assert_eq!(r["correct"], false);
    assert!(r["feedback"].as_str().unwrap().contains("Earth"), "{r}");

    for (bad, issue) in [
        (json!("Mercury, Venus"), "list"),
        (json!(["Mercury", "Venus", "Earth", "Pluto"]), "Pluto"),
        (
            json!(["Mercury", "Venus", "Venus", "Mars"]),
            "more than once",
        ),
    ] {
        let (status, r) = grade(bad).await;
        assert_eq!(status, 422, "{r}");
        assert_eq!(r["error"]["details"]["field"], "answer.order", "{r}");
        assert!(
            r["error"]["message"].as_str().unwrap().contains(issue),
            "{r}"
        );
    }
}
