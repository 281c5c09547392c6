//! Socratic questions from templates (study sessions, docs/requirements.md#r-002-3.3: the tutor
//! asks rather than tells). The learner's topic fills a template chosen by a hash of the
//! conversation, so a conversation always gets the same question and different ones get varied
//! ones.

use super::text::{self, fnv};

/// Openers before the question.
const OPENERS: &[&str] = &[
    "Let's work through it together.",
    "Good thing to dig into.",
    "Let's think about this step by step.",
    "Nice, let's explore that.",
];

/// Guiding questions about `{topic}`.
const QUESTIONS: &[&str] = &[
    "What do you already know about {topic}? If you put it in one sentence, where exactly do you get stuck?",
    "If you had to teach {topic} to a friend, what example would you start with?",
    "Which part of {topic} feels clear to you, and which part feels fuzzy?",
    "Can you think of a small example where {topic} shows up, and walk me through it step by step?",
    "What is the simplest example of {topic} you can think of, and what happens in it?",
    "How is {topic} similar to something you already know well, and how is it different?",
    "What question would you ask to check whether someone really understands {topic}?",
    "What would convince you that your idea about {topic} is right? What could you try to test it?",
];

/// The `n`-th guiding question for `topic` in the order `seed` starts at; `n` below the
/// number of templates gives distinct questions.
pub(crate) fn question(topic: &str, seed: u64, n: usize) -> String {
    let template = text::pick(QUESTIONS, seed.wrapping_add(n as u64));
    template.replace("{topic}", topic)
}

/// A hint that points back at what the learner knows.
pub(crate) fn hint(topic: &str) -> String {
    format!(
        "Start from what you already know about {topic}, and try the smallest example you can think of."
    )
}

/// A tutor's reply: an opener and one guiding question.
pub(crate) fn reply(topic: &str, seed: u64) -> String {
    let opener = text::pick(OPENERS, fnv(&[&seed.to_string(), "opener"]));
    format!("{opener} {}", question(topic, seed, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_distinct_and_about_the_topic() {
        let qs: Vec<String> = (0..QUESTIONS.len())
            .map(|n| question("for loops", 5, n))
            .collect();
        for q in &qs {
            assert!(q.contains("for loops") && q.ends_with('?'), "{q}");
        }
        let mut unique = qs.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), qs.len());
        assert_eq!(reply("lists", 9), reply("lists", 9));
    }
}
