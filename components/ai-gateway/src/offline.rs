//! `tessera-offline`: the deterministic model the gateway answers with when no provider is
//! configured (the embedded default), so every AI feature works without a network or a
//! key. It writes from templates and the conversation itself; answers name the model, so
//! nobody mistakes them for a real model's.

/// The model's name.
pub const MODEL: &str = "tessera-offline";

/// A message of the conversation: (role, content).
pub type Turn<'a> = (&'a str, &'a str);

/// Rough token count: words and punctuation runs, as an estimate for usage reports.
pub fn tokens(text: &str) -> u32 {
    text.split_whitespace().count() as u32
}

/// The offline model's reply for `feature`, given the conversation.
pub fn reply(feature: &str, turns: &[Turn<'_>]) -> String {
    let last_user = turns
        .iter()
        .rev()
        .find(|(role, _)| *role == "user")
        .map_or("", |(_, content)| content.trim());
    let topic = topic_of(last_user);
    match feature {
        "tutor" | "socratic" | "study-session" => format!(
            "Let's work through it together. What do you already know about {topic}? \
             Try to explain it in one sentence, then tell me where you get stuck."
        ),
        "tone" => format!("Here it is, rewritten: {last_user}"),
        "reframe" => format!(
            "Another way to look at it: {last_user} — what would you tell a friend who said this?"
        ),
        "quiz-generation" => format!(
            "Question: In your own words, what is {topic}?\nAnswer: (free text; compare with the lesson)"
        ),
        _ => format!(
            "[{MODEL}] I can't reach a language model right now. You asked about {topic}; \
             the lesson notes are the best place to start."
        ),
    }
}

/// A short topic phrase: the last user message's first clause, at most eight words.
fn topic_of(text: &str) -> String {
    let clause = text
        .split(['.', '?', '!', '\n'])
        .find(|c| !c.trim().is_empty())
        .unwrap_or("this")
        .trim();
    let words: Vec<&str> = clause.split_whitespace().take(8).collect();
    if words.is_empty() {
        "this".to_owned()
    } else {
        format!("\"{}\"", words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_deterministic_and_use_the_conversation() {
        let turns = [
            ("system", "be kind"),
            ("user", "How do for loops work? I am lost."),
        ];
        let a = reply("tutor", &turns);
        assert_eq!(a, reply("tutor", &turns));
        assert!(a.contains("\"How do for loops work\""), "{a}");
        assert!(reply("anything", &[]).contains(MODEL));
    }
}
