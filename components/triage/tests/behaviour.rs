//! Behaviour a learner or a partner agent would notice.

use triage::{ExtraIntent, Intent, Query, classify, classify_with};

#[test]
fn a_traceback_is_debug() {
    let text = "help\nTraceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n    print(d['x'])\nKeyError: 'x'";
    let d = classify(&Query::new(text));
    assert_eq!(d.intent, Intent::Debug);
    assert_eq!(d.decided_by, "rule:traceback");
    assert!(d.sure);
    assert_eq!(
        d.topic, "python.dicts",
        "a KeyError in dict code is about dicts"
    );
}

#[test]
fn an_error_box_alone_is_debug() {
    let d = classify(&Query::new("why??").with_error("ValueError: invalid literal for int()"));
    assert_eq!(d.intent, Intent::Debug);
    assert!(d.sure);
}

#[test]
fn a_pasted_function_with_review_my_code_is_code_review() {
    let text = "review my code please\n\ndef total(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t";
    let d = classify(&Query::new(text));
    assert_eq!(d.intent, Intent::CodeReview);
    assert_eq!(d.decided_by, "rule:code-block+review-words");
    assert!(d.sure);
}

#[test]
fn crashing_code_with_a_style_question_is_debug_first() {
    let d = classify(
        &Query::new("it crashes, also is the style ok?")
            .with_code("def f(x):\n    return x[3]")
            .with_error("IndexError: list index out of range"),
    );
    assert_eq!(d.intent, Intent::Debug);
}

#[test]
fn a_harder_loops_exercise_is_exercise_about_loops() {
    let d = classify(&Query::new("give me a harder loops exercise"));
    assert_eq!(d.intent, Intent::Exercise);
    assert_eq!(d.topic, "python.loops");
    assert_eq!(d.decided_by, "rule:exercise-request");
    assert!(d.sure);
}

#[test]
fn a_follow_up_without_a_topic_is_general() {
    let d = classify(&Query::new("too easy. harder one pls"));
    assert_eq!(d.intent, Intent::Exercise);
    assert_eq!(d.topic, "general");
}

#[test]
fn what_an_exception_means_is_a_concept_about_errors() {
    let d = classify(&Query::new("what even is a KeyError"));
    assert_eq!(d.intent, Intent::Concepts);
    assert_eq!(d.topic, "python.errors");
}

#[test]
fn a_concept_question_is_concepts() {
    let d = classify(&Query::new(
        "what is the difference between a list and a tuple?",
    ));
    assert_eq!(d.intent, Intent::Concepts);
    assert!(d.sure);
}

#[test]
fn a_partner_intent_routes_by_its_keywords() {
    let career = ExtraIntent::new("career-advice", ["career", "CV", "job interview", "salary"]);
    let d = classify_with(
        &Query::new("How should I prepare my CV for a junior developer career?"),
        std::slice::from_ref(&career),
    );
    assert_eq!(d.intent, Intent::Extra("career-advice".into()));
    assert_eq!(d.intent.as_str(), "career-advice");
    assert_eq!(d.decided_by, "rule:partner-keywords");
    // Without the partner installed, the same words do not route there.
    let d = classify_with(&Query::new("give me a loops exercise"), &[career]);
    assert_eq!(d.intent, Intent::Exercise);
}

#[test]
fn an_empty_text_is_general_and_not_sure() {
    for text in ["", "   ", "\n"] {
        let d = classify(&Query::new(text));
        assert_eq!(d.topic, "general");
        assert!(!d.sure);
        assert!(!d.topic_sure);
        assert_eq!(d.decided_by, "default");
        assert!(d.intent_confidence.abs() < f32::EPSILON);
    }
}

#[test]
fn conflicting_signals_are_not_sure() {
    // A question word and a failure word, nothing else: the meaning stage decides.
    let d = classify(&Query::new("why does python crash"));
    assert!(!d.sure);
}

#[test]
fn confidence_is_between_zero_and_one() {
    for text in [
        "quiz me",
        "it doesn't work",
        "explain decorators",
        "review this",
    ] {
        let d = classify(&Query::new(text));
        assert!((0.0..=1.0).contains(&d.intent_confidence), "{text}");
        assert!((0.0..=1.0).contains(&d.topic_confidence), "{text}");
    }
}
