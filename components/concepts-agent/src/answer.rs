//! Writes the reply: the explanation at the learner's level, the checked example and what
//! the sandbox printed, or a note that no example could be checked.

use crate::examples::Shown;
use crate::level::Level;
use crate::library::Topic;

/// Why no example is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Every candidate failed or printed something else.
    NoneRan,
    /// The sandbox could not run anything.
    Unavailable,
}

/// The reply text.
pub fn compose(
    topic: &Topic,
    level: Level,
    explanation: &str,
    example: Result<&Shown, Missing>,
) -> String {
    let mut out = format!(
        "**{}** ({} level)\n\n{explanation}",
        capitalised(topic.name),
        level.name()
    );
    match example {
        Ok(shown) => out.push_str(&format!(
            "\n\n**Example**\n\n```python\n{}\n```\n\nRunning it prints:\n\n```text\n{}\n```",
            shown.code.trim_end(),
            shown.output
        )),
        Err(Missing::Unavailable) => out.push_str(
            "\n\n_I couldn't run an example in the sandbox just now, so I've left it out \
             rather than show one I haven't checked._",
        ),
        Err(Missing::NoneRan) => {}
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Suggested next prompts: a question one step further, and an exercise on the topic.
pub fn follow_ups(topic: &Topic, level: Level) -> Vec<String> {
    let next = if level == Level::Advanced {
        crate::library::next_after(topic).map_or_else(
            || "What should I learn next?".to_owned(),
            |t| format!("How do {} work in Python?", t.name),
        )
    } else {
        topic.deeper.to_owned()
    };
    vec![next, format!("Give me an exercise on {}", topic.name)]
}
