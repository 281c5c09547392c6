//! An error's signature: what makes two reports "the same error" for the hint ladder.
//!
//! It is the error type and the message with what varies between runs of the same bug
//! taken out: numbers (line numbers, indices, sizes) always, Python 3.10+'s
//! `Did you mean: …?` suggestion, and the quoted values of errors whose quotes are data
//! (a missing key, an unparsable literal, a file name), so `KeyError: 'age'` and
//! `KeyError: 'name'` on the same lookup climb one ladder. Quoted identifiers stay: a
//! NameError about a different name is a different bug.

use crate::failure::Failure;

/// Errors whose quoted parts are data, not names.
const QUOTES_ARE_DATA: &[&str] = &[
    "KeyError",
    "ValueError",
    "FileNotFoundError",
    "IndexError",
    "ZeroDivisionError",
    "UnicodeDecodeError",
    "JSONDecodeError",
];

/// The signature of `failure`, e.g. `NameError: name 'totl' is not defined`.
pub fn of(failure: &Failure) -> String {
    let mut message = failure.message.clone();
    if let Some(at) = message.find(". Did you mean") {
        message.truncate(at);
    }
    let message = if QUOTES_ARE_DATA.contains(&failure.error_type.as_str()) {
        blank_quotes(&message)
    } else {
        message
    };
    let message = blank_numbers(&message);
    format!("{}: {}", failure.error_type, message.trim())
}

/// `message` with each `'…'` or `"…"` quote's content replaced by `…`.
fn blank_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in message.chars() {
        match open {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '\'' || c == '"' {
                    open = Some(c);
                }
            }
        }
    }
    out
}

/// `message` with each run of digits replaced by `N`.
fn blank_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_number = false;
    for c in message.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(t: &str, m: &str, line: u32) -> Failure {
        Failure {
            error_type: t.into(),
            message: m.into(),
            line: Some(line),
        }
    }

    #[test]
    fn line_numbers_suggestions_and_data_quotes_do_not_count() {
        assert_eq!(
            of(&failure(
                "NameError",
                "name 'totl' is not defined. Did you mean: 'total'?",
                3
            )),
            of(&failure("NameError", "name 'totl' is not defined", 9)),
        );
        assert_eq!(
            of(&failure("KeyError", "'age'", 3)),
            of(&failure("KeyError", "'name'", 4))
        );
        assert_eq!(
            of(&failure("SyntaxError", "'(' was never closed", 1)),
            "SyntaxError: '(' was never closed"
        );
        assert_eq!(
            of(&failure(
                "IndentationError",
                "expected an indented block after 'for' statement on line 12",
                13
            )),
            "IndentationError: expected an indented block after 'for' statement on line N"
        );
    }

    #[test]
    fn a_different_name_or_type_is_a_different_error() {
        assert_ne!(
            of(&failure("NameError", "name 'totl' is not defined", 3)),
            of(&failure("NameError", "name 'cnt' is not defined", 3))
        );
        assert_ne!(
            of(&failure("KeyError", "'age'", 3)),
            of(&failure("IndexError", "'age'", 3))
        );
    }
}
