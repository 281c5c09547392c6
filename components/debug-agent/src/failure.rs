//! Reads an error out of what the learner pasted: a full traceback, the last line of one,
//! or a sentence quoting it ("I get NameError: name 'x' is not defined on line 3"), and
//! the code out of a fenced block when the code box is empty.

use serde::{Deserialize, Serialize};

/// The error a program raised, as far as the learner's text tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Exception type without its module (`JSONDecodeError`, not `json.decoder.…`), or
    /// `Timeout` for a program that never ended.
    #[serde(rename = "type")]
    pub error_type: String,
    /// The exception's message.
    pub message: String,
    /// Line in the learner's code, when the text names one.
    pub line: Option<u32>,
}

/// The pseudo error type of a program that did not finish (what the sandbox reports too).
pub const TIMEOUT: &str = "Timeout";

/// What learners write about a program that never ends.
const HANG_WORDS: &[&str] = &[
    "infinite loop",
    "endless loop",
    "never ends",
    "never stops",
    "never finishes",
    "runs forever",
    "keeps running",
    "loops forever",
    "timed out",
    "time out",
    "timeout",
    "hangs",
    "freezes",
];

/// The error in `text`: the last line that looks like `SomeError: message` (the last one,
/// because a traceback ends with the error and chained tracebacks end with the one that
/// surfaced), with the line number of the innermost frame in the learner's file.
pub fn find(text: &str) -> Option<Failure> {
    let lines: Vec<&str> = text.lines().collect();
    let found = lines
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, l)| error_line(l).map(|e| (i, e)));
    match found {
        Some((at, (error_type, message))) => {
            let line = frame_line(&lines[..at])
                .or_else(|| mentioned_line(lines[at]))
                .or_else(|| mentioned_line(text));
            Some(Failure {
                error_type,
                message: strip_line_mention(&message),
                line,
            })
        }
        None => {
            let lower = text.to_lowercase();
            HANG_WORDS
                .iter()
                .any(|w| lower.contains(w))
                .then(|| Failure {
                    error_type: TIMEOUT.to_owned(),
                    message: "the program did not finish".to_owned(),
                    line: mentioned_line(text),
                })
        }
    }
}

/// `(type, message)` when `line` names an exception: a dotted name ending in `Error`,
/// `Exception`, `Warning`, `Interrupt` or `Exit` (or `StopIteration`), followed by a
/// colon or the end of the line, and not in an `except` clause.
fn error_line(line: &str) -> Option<(String, String)> {
    let bytes = line.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let is_start = (bytes[start].is_ascii_alphabetic() || bytes[start] == b'_')
            && (start == 0 || !is_name_byte(bytes[start - 1]));
        if !is_start {
            start += 1;
            continue;
        }
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| is_name_byte(**b) || **b == b'.')
                .count();
        let name = line[start..end].trim_end_matches('.');
        let short = name.rsplit('.').next().unwrap_or(name);
        let rest = line[start + name.len()..].trim_start();
        let before = line[..start].trim_end();
        if is_exception_name(short)
            && (rest.is_empty() || rest.starts_with(':'))
            && !before.ends_with("except")
            && !before.ends_with("raise")
        {
            let message = rest.strip_prefix(':').unwrap_or(rest).trim();
            return Some((short.to_owned(), message.to_owned()));
        }
        start = end.max(start + 1);
    }
    None
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_exception_name(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
        && [
            "Error",
            "Exception",
            "Warning",
            "Interrupt",
            "Exit",
            "StopIteration",
        ]
        .iter()
        .any(|s| name.ends_with(s) && name.len() >= s.len())
}

/// The line number of the last `File "…", line N` frame that is not the standard
/// library's: where the learner's code went wrong.
fn frame_line(lines: &[&str]) -> Option<u32> {
    lines
        .iter()
        .rev()
        .filter(|l| l.contains("File \""))
        .filter(|l| {
            !["/lib/python", "site-packages", "<frozen"]
                .iter()
                .any(|p| l.contains(p))
        })
        .find_map(|l| mentioned_line(l))
}

/// The number after the first `line ` in `text`.
fn mentioned_line(text: &str) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    lower.match_indices("line ").find_map(|(i, m)| {
        let digits: String = lower[i + m.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

/// A message quoted in a sentence may go on with where it happened ("… on line 3").
fn strip_line_mention(message: &str) -> String {
    // ASCII lowering keeps byte offsets, so they index `message` too.
    let lower = message.to_ascii_lowercase();
    let cut = [" on line ", " at line ", " in line ", ", line "]
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        .unwrap_or(message.len());
    message[..cut].trim().to_owned()
}

/// The source line a traceback quotes under its last learner frame, if it quotes one.
pub fn quoted_source(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.trim_start().starts_with("File ") && l.contains("line "))?;
    let next = lines.get(at + 1)?.trim();
    let marker = next.chars().all(|c| matches!(c, '^' | '~' | ' '));
    (!next.is_empty() && !marker && error_line(next).is_none()).then(|| next.to_owned())
}

/// The code of the first fenced block in `text` that is not a traceback or an error
/// message, and `text` without it (where the error is then looked for).
pub fn fenced_code(text: &str) -> (Option<String>, String) {
    let mut rest = String::new();
    let mut code = None;
    let mut block: Option<Vec<&str>> = None;
    for line in text.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut block, fence) {
            (None, true) => block = Some(Vec::new()),
            (None, false) => {
                rest.push_str(line);
                rest.push('\n');
            }
            (Some(b), false) => b.push(line),
            (Some(b), true) => {
                let body = b.join("\n");
                // A pasted error ends with its `SomeError: …` line at the margin; code
                // does not (an indented `raise` or `except` is not an error line).
                let last = b.iter().rev().find(|l| !l.trim().is_empty());
                let is_error = body.trim_start().starts_with("Traceback")
                    || last.is_some_and(|l| {
                        !l.starts_with(char::is_whitespace) && error_line(l).is_some()
                    });
                if code.is_none() && !is_error && !body.trim().is_empty() {
                    code = Some(format!("{body}\n"));
                } else {
                    rest.push_str(&body);
                    rest.push('\n');
                }
                block = None;
            }
        }
    }
    if let Some(b) = block {
        // An unclosed fence: the learner's paste ran to the end.
        rest.push_str(&b.join("\n"));
    }
    (code, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_traceback() {
        let tb = "Traceback (most recent call last):\n  File \"main.py\", line 7, in <module>\n    print(average(marks))\n  File \"main.py\", line 3, in average\n    return totl / len(xs)\n           ^^^^\nNameError: name 'totl' is not defined. Did you mean: 'total'?\n";
        let f = find(tb).unwrap();
        assert_eq!(f.error_type, "NameError");
        assert_eq!(
            f.message,
            "name 'totl' is not defined. Did you mean: 'total'?"
        );
        assert_eq!(f.line, Some(3));
        assert_eq!(quoted_source(tb).as_deref(), Some("return totl / len(xs)"));
    }

    #[test]
    fn a_syntax_error_and_a_sentence() {
        let tb =
            "  File \"main.py\", line 2\n    if x > 3\n            ^\nSyntaxError: expected ':'";
        let f = find(tb).unwrap();
        assert_eq!(
            (f.error_type.as_str(), f.message.as_str(), f.line),
            ("SyntaxError", "expected ':'", Some(2))
        );
        let f = find("why do I get KeyError: 'age' on line 4??").unwrap();
        assert_eq!(
            (f.error_type.as_str(), f.message.as_str(), f.line),
            ("KeyError", "'age'", Some(4))
        );
        let f = find("json.decoder.JSONDecodeError: Expecting value").unwrap();
        assert_eq!(f.error_type, "JSONDecodeError");
    }

    #[test]
    fn except_clauses_and_plain_words_are_not_errors() {
        assert_eq!(find("try:\n    x()\nexcept ValueError:\n    pass"), None);
        assert_eq!(find("what is an Error anyway"), None);
        let f = find("my while loop runs forever").unwrap();
        assert_eq!(f.error_type, TIMEOUT);
    }

    #[test]
    fn code_comes_from_the_first_fence_that_is_not_a_traceback() {
        let text = "help\n```\nTraceback (most recent call last):\nZeroDivisionError: division by zero\n```\n```python\nx = 1 / 0\n```\n";
        let (code, rest) = fenced_code(text);
        assert_eq!(code.as_deref(), Some("x = 1 / 0\n"));
        assert!(rest.contains("ZeroDivisionError"));
        assert!(!rest.contains("x = 1 / 0"));
    }
}
