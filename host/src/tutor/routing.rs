//! Which intents triage is offered and which agent answers each: the built-in intents
//! that an installed agent answers, plus every intent an installed agent declares with
//! its `[routing.triage.<intent>]` hints. A new agent is routed to without a host change.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::plugins::contract::triage::IntentOption;
use crate::plugins::manifest::BUILT_IN_INTENTS;
use crate::plugins::registry::Snapshot;
use crate::runtime::LoadedPlugin;

/// The topics triage tags queries with (seed 003's Python curriculum), `general` last.
pub const TOPICS: [&str; 13] = [
    "python.variables",
    "python.numbers",
    "python.strings",
    "python.conditionals",
    "python.loops",
    "python.functions",
    "python.lists",
    "python.dicts",
    "python.oop",
    "python.files",
    "python.errors",
    "python.modules",
    "general",
];

/// Whether `topic` is one of [`TOPICS`].
pub fn is_topic(topic: &str) -> bool {
    TOPICS.contains(&topic)
}

/// What the built-in intents ask for, for a triage plugin's model stage.
pub fn built_in_description(intent: &str) -> &'static str {
    match intent {
        "concepts" => "Explain a Python concept or how something works",
        "code-review" => "Review code the learner wrote: style, naming, correctness",
        "debug" => "Help with an error, a traceback or code that does not work",
        "exercise" => "Give the learner an exercise to practise on",
        _ => "",
    }
}

/// The intents to offer triage, in a stable order: built-in ones first.
pub fn offered_intents(snapshot: &Snapshot) -> Vec<IntentOption> {
    let mut options: Vec<IntentOption> = BUILT_IN_INTENTS
        .iter()
        .filter(|i| snapshot.agents.contains_key(**i))
        .map(|i| IntentOption {
            name: (*i).to_owned(),
            description: built_in_description(i).to_owned(),
            keywords: Vec::new(),
            examples: Vec::new(),
        })
        .collect();
    let mut declared: Vec<(&String, &Arc<LoadedPlugin>)> = snapshot
        .agents
        .iter()
        .filter(|(intent, _)| !BUILT_IN_INTENTS.contains(&intent.as_str()))
        .collect();
    declared.sort_by(|a, b| a.0.cmp(b.0));
    for (intent, agent) in declared {
        let hints = agent.manifest.routing.triage.get(intent);
        options.push(IntentOption {
            name: intent.clone(),
            description: hints.map(|h| h.description.clone()).unwrap_or_default(),
            keywords: hints.map(|h| h.keywords.clone()).unwrap_or_default(),
            examples: hints.map(|h| h.examples.clone()).unwrap_or_default(),
        });
    }
    options
}

/// The decision a route makes when it names the intent itself (exercise generation).
pub fn forced_decision(intent: &str, topic: &str) -> Value {
    json!({
        "intent": intent,
        "topic": topic,
        "confidence": 1.0,
        "topic_confidence": 1.0,
        "decided_by": "route",
        "reason": "the route names the intent",
    })
}
