//! Template reframes (Turn, docs/requirements.md#r-001-10.2: another way to look at a thought, plus
//! one small action). The thought is quoted back so the reframe is about what the person wrote.
//! The safety gate screens messages before the gateway, so crisis content never gets here.

use super::text;

/// Reframes of `{thought}`.
const REFRAMES: &[&str] = &[
    "Another way to see it: \"{thought}\" describes one moment, not the whole story. What is one thing that went even a little better than expected?",
    "What would you tell a friend who said \"{thought}\"? Could some of that kindness apply to you too?",
    "It makes sense to feel this way. If \"{thought}\" were only partly true, what would the other part be?",
    "You noticed \"{thought}\", and noticing is a first step. What is within your control right now?",
    "Imagine looking back on \"{thought}\" a month from now. What do you think you would see differently?",
];

/// The lens each reframe looks through, in `REFRAMES` order.
const LENSES: &[&str] = &[
    "Perspective",
    "Self-compassion",
    "Evidence",
    "Control",
    "Time",
];

/// Small actions to pair with a reframe.
const ACTIONS: &[&str] = &[
    "Write down one thing that went okay today, however small.",
    "Take a five-minute walk and notice three things around you.",
    "Send a short message to someone you trust.",
    "Pick the smallest next step and do only that for ten minutes.",
    "Take three slow breaths before deciding what to do next.",
];

/// The thought to reframe: the message's first sentence, at most 25 words.
pub(crate) fn thought(message: &str) -> String {
    let first = text::sentences(message)
        .into_iter()
        .next()
        .unwrap_or_default();
    let first = text::first_words(&first, 25);
    first.trim_end_matches(['.', '!', '?']).replace('"', "'")
}

/// The `n`-th reframe of `message` in the order `seed` starts at.
pub(crate) fn reframe(message: &str, seed: u64, n: usize) -> String {
    let thought = thought(message);
    let thought = if thought.is_empty() {
        "this".to_owned()
    } else {
        thought
    };
    text::pick(REFRAMES, seed.wrapping_add(n as u64)).replace("{thought}", &thought)
}

/// The lens of the `n`-th reframe in the order `seed` starts at.
pub(crate) fn lens(seed: u64, n: usize) -> &'static str {
    text::pick(LENSES, seed.wrapping_add(n as u64))
}

/// The `n`-th small action in the order `seed` starts at.
pub(crate) fn action(seed: u64, n: usize) -> &'static str {
    text::pick(ACTIONS, seed.wrapping_add(n as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reframes_quote_the_thought() {
        let r = reframe("I always fail at maths. Nothing works.", 3, 0);
        assert!(r.contains("\"I always fail at maths\""), "{r}");
        assert_ne!(r, reframe("I always fail at maths. Nothing works.", 3, 1));
        assert!(reframe("", 0, 0).contains("\"this\""));
        assert_eq!(REFRAMES.len(), LENSES.len());
        assert!(reframe("x", 1, 0).contains("a friend") && lens(1, 0) == "Self-compassion");
    }
}
