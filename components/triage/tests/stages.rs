//! The stages together, with fakes for the host's services: which stage decides, what the
//! model is asked and when its reply counts, and how the examples' vectors are cached
//! within the embeddings limits.

use std::collections::HashMap;

use tessera_plugin_sdk::model::{ChatRequest, ChatResponse, Llm, LlmError, OFFLINE_MODEL};
use tessera_plugin_sdk::sandbox::Clock;
use triage::Query;
use triage::meaning::{EmbedError, Embedder, Limits};
use triage::pipeline::{self, Decision, IntentOption, InvalidInput, Request, Services, Stage};

/// Words hashed into 384 buckets, normalised: texts sharing words are similar, the same
/// text has similarity 1.
struct Words {
    available: bool,
    per_call: usize,
    requests: Vec<usize>,
}

impl Words {
    fn new() -> Self {
        Words {
            available: true,
            per_call: 1024,
            requests: Vec::new(),
        }
    }

    fn texts(&self) -> usize {
        self.requests.iter().sum()
    }
}

fn bag(text: &str) -> Vec<f32> {
    let mut v = vec![0.0_f32; 384];
    for word in text.to_lowercase().split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            let h = word
                .bytes()
                .fold(7_u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
            v[usize::try_from(h % 384).unwrap_or(0)] += 1.0;
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter().map(|x| x / norm).collect()
}

impl Embedder for Words {
    fn model(&mut self) -> Option<Limits> {
        self.available.then(|| Limits {
            model: "words".into(),
            dimensions: 384,
            max_texts: 64,
            max_text_bytes: 32 << 10,
            max_texts_per_call: self.per_call,
        })
    }

    fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        assert!(texts.len() <= 64, "a request of {} texts", texts.len());
        self.requests.push(texts.len());
        assert!(self.texts() <= self.per_call, "past the per-call budget");
        Ok(texts.iter().map(|t| bag(t)).collect())
    }
}

/// A model answering `content` as `model`, remembering what it was asked.
struct Fake {
    model: &'static str,
    content: String,
    asked: Vec<ChatRequest>,
    fail: bool,
}

impl Fake {
    fn answering(model: &'static str, content: &str) -> Self {
        Fake {
            model,
            content: content.to_owned(),
            asked: Vec::new(),
            fail: false,
        }
    }
}

impl Llm for Fake {
    fn complete(&mut self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        self.asked.push(request.clone());
        if self.fail {
            return Err(LlmError::Unavailable("no provider".into()));
        }
        Ok(ChatResponse {
            content: self.content.clone(),
            model: self.model.to_owned(),
        })
    }
}

struct At(u64);

impl Clock for At {
    fn elapsed_ms(&self) -> u64 {
        self.0
    }
}

fn built_in() -> Vec<IntentOption> {
    ["concepts", "code-review", "debug", "exercise"]
        .iter()
        .map(|n| IntentOption::built_in(n))
        .collect()
}

fn career() -> IntentOption {
    IntentOption {
        name: "career-advice".into(),
        description: "questions about jobs, CVs and salaries".into(),
        keywords: vec!["cv".into(), "salary".into()],
        examples: vec![
            "should i become a data engineer or a web developer".into(),
            "which job pays better for someone who knows python".into(),
            "how do i get hired as a junior developer".into(),
        ],
    }
}

fn run(
    query: Query<'_>,
    intents: &[IntentOption],
    embedder: Option<&mut Words>,
    store: &mut HashMap<String, Vec<u8>>,
    llm: Option<&mut Fake>,
) -> Result<Decision, InvalidInput> {
    let request = Request {
        query,
        history: &[],
        intents,
    };
    let services = Services {
        embedder: embedder.map(|e| e as &mut dyn Embedder),
        store,
        llm: llm.map(|l| l as &mut dyn Llm),
        clock: &At(0),
    };
    pipeline::classify(&request, services)
}

/// A query the rules are not sure of (question words against a failure word).
const UNSURE: &str = "why does python crash";

#[test]
fn an_empty_query_or_no_intents_is_refused_naming_the_field() {
    let mut store = HashMap::new();
    let e = run(Query::new("  "), &built_in(), None, &mut store, None);
    assert_eq!(e.map_err(|e| e.field), Err("text".to_owned()));
    let e = run(Query::new("hi"), &[], None, &mut store, None);
    assert_eq!(e.map_err(|e| e.field), Err("intents".to_owned()));
    let mut twice = built_in();
    twice.push(IntentOption::built_in("debug"));
    let e = run(Query::new("hi"), &twice, None, &mut store, None);
    assert_eq!(e.map_err(|e| e.field), Err("intents[4].name".to_owned()));
    // A code box alone is a query.
    let d = run(
        Query::new("").with_code("print(x"),
        &built_in(),
        None,
        &mut store,
        None,
    );
    assert!(d.is_ok());
}

#[test]
fn sure_rules_decide_and_name_their_rule() {
    let mut store = HashMap::new();
    let mut llm = Fake::answering("gpt", r#"{"intent": "concepts", "topic": "general"}"#);
    let text = "help\nTraceback (most recent call last):\n  File \"a.py\", line 3\nKeyError: 'x'";
    let d = run(
        Query::new(text),
        &built_in(),
        None,
        &mut store,
        Some(&mut llm),
    );
    let d = d.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((d.intent.as_str(), d.decided_by), ("debug", Stage::Rules));
    assert_eq!(d.reason, "rule:traceback");
    assert!(
        llm.asked.is_empty(),
        "the model is asked only when nothing is sure"
    );
}

#[test]
fn the_examples_are_embedded_once_then_read_from_the_bucket() {
    let mut store = HashMap::new();
    let mut words = Words::new();
    let d = run(
        Query::new(UNSURE),
        &built_in(),
        Some(&mut words),
        &mut store,
        None,
    );
    assert!(d.is_ok());
    let first = words.texts();
    assert!(first > 300, "the query and the training examples: {first}");
    assert!(words.requests.iter().all(|&n| n <= 64));
    assert!(!store.is_empty());
    assert!(
        store.values().map(Vec::len).sum::<usize>() < 200 << 10,
        "compact"
    );

    let mut words = Words::new();
    let d = run(
        Query::new(UNSURE),
        &built_in(),
        Some(&mut words),
        &mut store,
        None,
    );
    assert!(d.is_ok());
    assert_eq!(words.texts(), 1, "later calls embed only the query");
}

#[test]
fn a_set_too_large_for_one_call_is_completed_by_the_next_calls() {
    let mut store = HashMap::new();
    let chunks = 313_usize.div_ceil(triage::vectors::CHUNK);
    let mut calls = 0;
    while store.len() < chunks {
        calls += 1;
        assert!(calls < 5);
        let mut words = Words::new();
        words.per_call = 150;
        let d = run(
            Query::new(UNSURE),
            &built_in(),
            Some(&mut words),
            &mut store,
            None,
        );
        let d = d.unwrap_or_else(|e| panic!("{e:?}"));
        assert!(words.texts() <= 150);
        if store.len() < chunks {
            assert_ne!(d.decided_by, Stage::Meaning, "a partial set never votes");
        }
    }
    assert_eq!(
        calls, 3,
        "313 examples at eighteen chunks of 8 (144 texts) a call"
    );
    let mut words = Words::new();
    let d = run(
        Query::new(UNSURE),
        &built_in(),
        Some(&mut words),
        &mut store,
        None,
    );
    assert!(d.is_ok());
    assert_eq!(words.texts(), 1);
}

#[test]
fn past_the_fill_deadline_no_example_is_embedded() {
    let mut store = HashMap::new();
    let mut words = Words::new();
    let intents = built_in();
    let request = Request {
        query: Query::new(UNSURE),
        history: &[],
        intents: &intents,
    };
    let services = Services {
        embedder: Some(&mut words),
        store: &mut store,
        llm: None,
        clock: &At(pipeline::FILL_UNTIL_MS),
    };
    let d = pipeline::classify(&request, services).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(d.decided_by, Stage::Fallback);
    assert_eq!(words.texts(), 1, "only the query");
}

#[test]
fn without_embeddings_the_meaning_stage_is_skipped() {
    let mut store = HashMap::new();
    let mut words = Words::new();
    words.available = false;
    let d = run(
        Query::new(UNSURE),
        &built_in(),
        Some(&mut words),
        &mut store,
        None,
    );
    let d = d.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(d.decided_by, Stage::Fallback);
    assert!(d.reason.starts_with("best guess"), "{}", d.reason);
    assert!(words.requests.is_empty());
}

#[test]
fn an_agents_examples_vote_by_meaning() {
    let mut store = HashMap::new();
    let mut words = Words::new();
    let mut intents = built_in();
    intents.push(career());
    let d = run(
        Query::new("how do i get hired as a junior python developer"),
        &intents,
        Some(&mut words),
        &mut store,
        None,
    );
    let d = d.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(d.intent, "career-advice");
    assert_eq!(d.decided_by, Stage::Meaning);
    assert!(
        d.reason.starts_with("nearest: career-advice (0."),
        "{}",
        d.reason
    );
}

#[test]
fn the_model_decides_only_when_both_are_unsure_and_its_reply_is_an_option() {
    let mut store = HashMap::new();
    let mut intents = built_in();
    intents.push(career());
    let mut llm = Fake::answering(
        "gpt-4o-mini",
        r#"{"intent": "career-advice", "topic": "general"}"#,
    );
    let d = run(
        Query::new(UNSURE),
        &intents,
        None,
        &mut store,
        Some(&mut llm),
    );
    let d = d.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (d.intent.as_str(), d.decided_by),
        ("career-advice", Stage::Model)
    );
    assert_eq!(d.reason, "model: gpt-4o-mini");
    assert_eq!(llm.asked.len(), 1, "one call");
    let asked = &llm.asked[0];
    assert_eq!(asked.feature, "triage");
    let schema = &asked.response_schema;
    assert_eq!(
        schema["properties"]["intent"]["enum"],
        serde_json::json!([
            "concepts",
            "code-review",
            "debug",
            "exercise",
            "career-advice"
        ])
    );
    assert_eq!(schema["properties"]["topic"]["enum"][0], "python.variables");
    assert!(asked.messages[0].content.contains("jobs, CVs and salaries"));
    assert!(asked.messages[1].content.contains(UNSURE));
}

#[test]
fn a_placeholder_a_stranger_or_a_failure_from_the_model_is_ignored() {
    let replies = [
        (
            OFFLINE_MODEL,
            r#"{"intent": "exercise", "topic": "general"}"#,
            false,
        ),
        (
            "gpt",
            r#"{"intent": "astrology", "topic": "general"}"#,
            false,
        ),
        ("gpt", "not json", false),
        ("gpt", r#"{"intent": "exercise"}"#, true),
    ];
    for (model, content, fail) in replies {
        let mut store = HashMap::new();
        let mut llm = Fake::answering(model, content);
        llm.fail = fail;
        let d = run(
            Query::new(UNSURE),
            &built_in(),
            None,
            &mut store,
            Some(&mut llm),
        );
        let d = d.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(d.decided_by, Stage::Fallback, "{model} {content}");
        assert_eq!(llm.asked.len(), 1);
    }
}

#[test]
fn the_intent_is_always_one_offered() {
    let mut store = HashMap::new();
    let intents = vec![IntentOption::built_in("concepts"), career()];
    let text = "Traceback (most recent call last):\n  File \"a.py\", line 3\nKeyError: 'x'";
    let d = run(Query::new(text), &intents, None, &mut store, None);
    let d = d.unwrap_or_else(|e| panic!("{e:?}"));
    assert!(["concepts", "career-advice"].contains(&d.intent.as_str()));
    assert_eq!(d.decided_by, Stage::Fallback);
}
