//! The second line behind the host's safety gate: a short list of unmistakable first-person
//! self-harm phrases. The gate screens every text before this plugin is called (crisis
//! content is answered with its crisis response, never reframed); this list only catches
//! what slips past it, so it favours phrases that are never anything else.

use crate::text::normalise;

/// Phrases (normalised: lower case, straight apostrophes) matched on word boundaries.
const PHRASES: &[&str] = &[
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "end it all",
    "take my own life",
    "taking my own life",
    "want to die",
    "wanna die",
    "wish i was dead",
    "wish i were dead",
    "better off dead",
    "better off without me",
    "commit suicide",
    "suicidal",
    "hurt myself",
    "hurting myself",
    "harm myself",
    "harming myself",
    "self harm",
    "self-harm",
    "cut myself",
    "cutting myself",
    "don't want to live",
    "do not want to live",
    "don't want to be alive",
    "no reason to live",
    "not worth living",
];

/// Whether `text` holds one of the phrases, on word boundaries.
pub fn is_crisis(text: &str) -> bool {
    let t = normalise(text);
    PHRASES.iter().any(|p| {
        t.match_indices(p).any(|(i, _)| {
            let before = t[..i].chars().next_back();
            let after = t[i + p.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_first_person_phrases_on_word_boundaries() {
        assert!(is_crisis("Sometimes I want to die."));
        assert!(is_crisis("I DON’T want to live like this"));
        assert!(is_crisis("everyone would be better off without me"));
        assert!(!is_crisis("I could kill for a coffee"));
        assert!(!is_crisis("I want to diet"));
        assert!(!is_crisis("I failed the exam and I'm a loser"));
    }
}
