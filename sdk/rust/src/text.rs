//! Matching words in a learner's text, as rules-based agents and triage plugins do.

/// Whether `text` mentions `phrase` as whole words, case-insensitively: `loop` is in
/// "a For Loop" but not in "loophole". With `plural`, `phrase` + `s` counts too ("loops").
/// Linear in the text's length for each phrase.
pub fn mentions(text: &str, phrase: &str, plural: bool) -> bool {
    let phrase = phrase.trim().to_lowercase();
    if phrase.is_empty() {
        return false;
    }
    let text = text.to_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.match_indices(&phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let mut rest = text[at + phrase.len()..].chars();
        let mut after = rest.next();
        if plural && after == Some('s') && !word(rest.clone().next()) {
            after = rest.next();
        }
        !word(before) && !word(after)
    })
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn whole_words_only_in_any_case() {
        assert!(mentions("What is a For LOOP?", "loop", false));
        assert!(!mentions("a loophole", "loop", false));
        assert!(!mentions("two loops", "loop", false));
        assert!(mentions("two loops", "loop", true));
        assert!(mentions("meaning of loop", "meaning of", false));
        assert!(!mentions("anything", "", true));
        assert!(mentions("KeyError: 'x'", "keyerror", false));
    }
}
