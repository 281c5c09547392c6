//! The general text for an error no rule recognised: what the type means when it is a
//! common one, and the debugging method that works for any error.

use super::{Case, Diagnosis, tick};

/// One sentence on what each common exception type means.
const MEANINGS: &[(&str, &str)] = &[
    (
        "NameError",
        "Python met a name it doesn't know at that point",
    ),
    (
        "TypeError",
        "an operation got a value of a type it can't work with",
    ),
    (
        "ValueError",
        "a function got a value of the right type but with content it can't use",
    ),
    (
        "IndexError",
        "a position outside the sequence was asked for",
    ),
    (
        "KeyError",
        "a dictionary was asked for a key it doesn't have",
    ),
    (
        "AttributeError",
        "a value was asked for a method or attribute it doesn't have",
    ),
    ("ZeroDivisionError", "a number was divided by zero"),
    (
        "SyntaxError",
        "Python couldn't read the code as Python, so none of it ran",
    ),
    (
        "IndentationError",
        "the indentation doesn't fit the code's block structure",
    ),
    (
        "ImportError",
        "an import found the module but not the name you asked for",
    ),
    (
        "ModuleNotFoundError",
        "an import found no module by that name",
    ),
    (
        "FileNotFoundError",
        "a file that was opened doesn't exist at that path",
    ),
    (
        "RecursionError",
        "a function called itself too many levels deep",
    ),
    (
        "UnboundLocalError",
        "a function read a local variable before assigning it",
    ),
    (
        "StopIteration",
        "`next()` was called on an iterator that has no items left",
    ),
    ("OverflowError", "a number got too large for the operation"),
    (
        "AssertionError",
        "an `assert` statement's condition was false",
    ),
    (
        "EOFError",
        "`input()` was called but there was no more input to read",
    ),
    ("MemoryError", "the program used more memory than it may"),
    (
        "UnicodeDecodeError",
        "bytes couldn't be decoded as text in the given encoding",
    ),
    ("JSONDecodeError", "the text isn't valid JSON"),
    (
        "PermissionError",
        "the program isn't allowed to open that file",
    ),
];

/// The ladder for any error, from its type and message.
pub(super) fn of_type(case: &Case<'_>) -> Diagnosis {
    let t = &case.error.error_type;
    let at = case.where_();
    let message = if case.error.message.is_empty() {
        String::new()
    } else {
        format!(" The message says: {}.", tick(&case.error.message))
    };
    let meaning = MEANINGS.iter().find(|(name, _)| name == t).map_or_else(
        || format!("Python stopped with `{t}`."),
        |(_, means)| format!("A `{t}` means {means}."),
    );
    let source = case
        .source
        .as_deref()
        .map(|s| format!(", {}", tick(s)))
        .unwrap_or_default();
    Diagnosis {
        known: false,
        meaning: format!(
            "{meaning}{message} The last line of a traceback names the error; the lines above \
             it show where it happened, the innermost (lowest) one being yours."
        ),
        cause: format!(
            "The values used on {at}{source} are probably not what you think they are at the \
             moment it runs. Which of them could have an unexpected type or content?"
        ),
        nudge: format!(
            "Add `print(...)` calls just before {at} showing each value used there (and \
             `type(...)` of it). Compare what you see with what you expected: where do they \
             differ first?"
        ),
        fix: format!(
            "Trace the value that differs back to where it was set, and correct it there (or \
             guard {at} against that value). Once you find it, tell me what you saw and I'll \
             help you with the next step."
        ),
        candidates: Vec::new(),
    }
}
