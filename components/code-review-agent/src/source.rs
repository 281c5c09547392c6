//! Which code to review: the query's code box, else a fenced block of the learner's last
//! message, else that message itself when it reads as code.

use tessera_plugin_sdk::model::{Message, Role};

use crate::agent::{AgentError, invalid};

/// Most code reviewed, in bytes: the sandbox's stdin takes more, but a review of more
/// than a few hundred lines helps nobody, and code exercises stop at the same size.
pub const MAX_CODE_BYTES: usize = 64 * 1024;

/// The code came from the code box.
pub const CODE_BOX: &str = "code";
/// The code came from a fenced block of the last message.
pub const FENCED: &str = "fenced";
/// The code is the last message itself (from its first line that reads as code): prose
/// may have been taken for code, so a syntax error in it earns no rating.
pub const MESSAGE: &str = "message";

/// How a line of Python usually starts; one such line makes an unfenced message code.
const CODE_STARTS: [&str; 14] = [
    "def ", "class ", "import ", "from ", "for ", "while ", "if ", "elif ", "else:", "try:",
    "except", "return", "print(", "with ",
];

/// The code to review, and where it came from: [`CODE_BOX`], [`FENCED`] or [`MESSAGE`].
pub fn find(
    code: Option<&str>,
    messages: &[Message],
) -> Result<(String, &'static str), AgentError> {
    let last = messages
        .last()
        .ok_or_else(|| invalid("messages", "must hold the learner's query"))?;
    if last.role != Role::User {
        return Err(invalid(
            "messages",
            "the last message must be the learner's query",
        ));
    }
    let (found, source) = match code.filter(|c| !c.trim().is_empty()) {
        Some(code) => (code.to_owned(), CODE_BOX),
        None => match fenced(&last.content)
            .map(|c| (c, FENCED))
            .or_else(|| unfenced(&last.content).map(|c| (c, MESSAGE)))
        {
            Some(found) => found,
            None => {
                return Err(invalid(
                    "code",
                    "there is no code to review: paste it in the code box, or in a ``` block \
                     of your message",
                ));
            }
        },
    };
    let field = if source == CODE_BOX {
        "code"
    } else {
        "messages"
    };
    if found.len() > MAX_CODE_BYTES {
        return Err(invalid(
            field,
            format!(
                "the code is {} bytes; at most {MAX_CODE_BYTES} bytes (64 KiB) are reviewed",
                found.len()
            ),
        ));
    }
    if found.contains('\0') {
        return Err(invalid(field, "the code contains a NUL character"));
    }
    Ok((found, source))
}

/// The longest fenced code block of `text` (a ``` fence, with or without a language).
pub fn fenced(text: &str) -> Option<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut current, fence) {
            (None, true) => current = Some(Vec::new()),
            (Some(lines), true) => {
                blocks.push(lines.join("\n"));
                current = None;
            }
            (Some(lines), false) => lines.push(line),
            (None, false) => {}
        }
    }
    // An unclosed fence runs to the end of the message.
    if let Some(lines) = current {
        blocks.push(lines.join("\n"));
    }
    blocks
        .into_iter()
        .filter(|b| !b.trim().is_empty())
        .max_by_key(String::len)
        .map(|b| format!("{b}\n"))
}

/// The message from its first line that starts like Python, when one does.
fn unfenced(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.iter().position(|line| {
        let line = line.trim_start();
        CODE_STARTS.iter().any(|start| line.starts_with(start))
    })?;
    Some(lines[first..].join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Vec<Message> {
        vec![Message {
            role: Role::User,
            content: text.into(),
        }]
    }

    #[test]
    fn the_code_box_comes_first() {
        let (code, field) = find(Some("x = 1\n"), &user("```\ny = 2\n```")).unwrap();
        assert_eq!((code.as_str(), field), ("x = 1\n", CODE_BOX));
    }

    #[test]
    fn a_fenced_block_of_the_last_message_is_reviewed() {
        let text = "Can you review this?\n```python\ndef f():\n    return 1\n```\nthanks";
        let (code, field) = find(Some("  "), &user(text)).unwrap();
        assert_eq!((code.as_str(), field), ("def f():\n    return 1\n", FENCED));
        // Unclosed fences run to the end; the longest block wins.
        assert_eq!(
            fenced("```\na\n```\n```py\nbbb\nccc").unwrap(),
            "bbb\nccc\n"
        );
    }

    #[test]
    fn a_message_that_reads_as_code_is_reviewed_whole() {
        let (code, from) = find(None, &user("Is this right?\ndef f():\n    return 1")).unwrap();
        assert_eq!((code.as_str(), from), ("def f():\n    return 1\n", MESSAGE));
    }

    #[test]
    fn no_code_names_the_field() {
        let e = find(None, &user("Is my code good?")).unwrap_err();
        assert!(
            matches!(e, AgentError::Invalid { ref field, .. } if field == "code"),
            "{e:?}"
        );
        let e = find(Some("x"), &[]).unwrap_err();
        assert!(matches!(e, AgentError::Invalid { ref field, .. } if field == "messages"));
        let big = "#".repeat(MAX_CODE_BYTES + 1);
        let e = find(Some(&big), &user("review")).unwrap_err();
        assert!(matches!(e, AgentError::Invalid { ref field, .. } if field == "code"));
        let e = find(Some("x = '\0'"), &user("review")).unwrap_err();
        assert!(matches!(e, AgentError::Invalid { ref field, .. } if field == "code"));
    }
}
