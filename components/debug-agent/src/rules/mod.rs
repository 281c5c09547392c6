//! What the agent knows about common Python errors: for an error and the code, the text
//! of each rung and the candidate corrected programs. A rule that recognises the case
//! fills [`Diagnosis`] with `known` set; any other error gets the general text of its
//! type ([`general`]), which a real model may rephrase.
//!
//! Rungs 1 to 3 must never state the fix: they name the error, the cause, then ask a
//! pointed question. Only [`Diagnosis::fix`] and the candidates carry the change.

mod general;
mod lookups;
mod names;
mod runtime;
mod syntax;
mod values;

use crate::failure::Failure;

/// An error and what is known around it.
#[derive(Debug, Clone)]
pub struct Case<'a> {
    /// The error.
    pub error: &'a Failure,
    /// The learner's code, when at hand.
    pub code: Option<&'a str>,
    /// The offending source line, trimmed, from the code or the traceback.
    pub source: Option<String>,
}

impl Case<'_> {
    /// The quoted name or value in the message (`totl` in `name 'totl' is not defined`).
    pub fn quoted(&self) -> Option<&str> {
        crate::edit::first_quoted(&self.error.message)
    }

    /// "line 3" or "the line the traceback points at".
    pub fn where_(&self) -> String {
        match self.error.line {
            Some(n) => format!("line {n}"),
            None => "the line the traceback points at".to_owned(),
        }
    }

    /// The offending line of the code (untrimmed), when both code and line are known.
    pub fn code_line(&self) -> Option<&str> {
        crate::edit::line(self.code?, self.error.line?)
    }
}

/// A corrected program to try; the reply shows the lines it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The whole corrected program.
    pub code: String,
}

/// The ladder's content for one error.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// Whether a rule recognised this case (else the text is only the type's general one).
    pub known: bool,
    /// Rung 1: what the error means.
    pub meaning: String,
    /// Rung 2: the likely cause in this code.
    pub cause: String,
    /// Rung 3: a pointed question or hint, close to the fix but not it.
    pub nudge: String,
    /// Rung 4: the fix as a described change.
    pub fix: String,
    /// Corrected programs, most likely first; the first that runs clean is shown.
    pub candidates: Vec<Candidate>,
}

impl Diagnosis {
    fn new(meaning: String, cause: String, nudge: String, fix: String) -> Self {
        Diagnosis {
            known: true,
            meaning,
            cause,
            nudge,
            fix,
            candidates: Vec::new(),
        }
    }

    fn with(mut self, candidates: impl IntoIterator<Item = Option<String>>) -> Self {
        for code in candidates.into_iter().flatten() {
            if !self.candidates.iter().any(|c| c.code == code) {
                self.candidates.push(Candidate { code });
            }
        }
        self
    }
}

/// The diagnosis of `case`.
pub fn diagnose(case: &Case<'_>) -> Diagnosis {
    let specific = match case.error.error_type.as_str() {
        "NameError" => names::name_error(case),
        "UnboundLocalError" => names::unbound_local(case),
        "ModuleNotFoundError" | "ImportError" => names::module_not_found(case),
        "TypeError" => values::type_error(case),
        "AttributeError" => values::attribute_error(case),
        "ValueError" => values::value_error(case),
        "IndexError" => lookups::index_error(case),
        "KeyError" => lookups::key_error(case),
        "SyntaxError" => syntax::syntax_error(case),
        "IndentationError" | "TabError" => syntax::indentation_error(case),
        "ZeroDivisionError" => runtime::zero_division(case),
        "RecursionError" => runtime::recursion(case),
        "FileNotFoundError" => runtime::file_not_found(case),
        crate::failure::TIMEOUT => runtime::timeout(case),
        _ => None,
    };
    specific.unwrap_or_else(|| general::of_type(case))
}

/// `code` in backticks for Markdown, single-line.
fn tick(code: &str) -> String {
    let one_line = code.replace('\n', " ");
    if one_line.contains('`') {
        format!("`` {one_line} ``")
    } else {
        format!("`{one_line}`")
    }
}

/// `text` with its first letter in upper case, for a sentence starting with "line 3".
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
