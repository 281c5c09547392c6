//! What the checker reports: findings, their severities and the group each is shown in.

use serde::{Deserialize, Serialize};

/// How much a finding matters (the checker's `severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The code does not parse.
    Error,
    /// A likely bug or a habit that causes them.
    Warning,
    /// PEP 8 layout and naming.
    Style,
    /// A mild suggestion (a missing docstring); anything the checker names otherwise too.
    #[serde(other)]
    Info,
}

impl Severity {
    /// The finding's weight in the rating's penalty (README, "Rating").
    pub fn weight(self) -> f64 {
        match self {
            Severity::Error => 0.0,
            Severity::Warning => 1.0,
            Severity::Style => 0.4,
            Severity::Info => 0.15,
        }
    }
}

/// One thing the checker found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// 1-based line in the learner's code (0 when unknown).
    #[serde(default)]
    pub line: u32,
    /// 0-based column.
    #[serde(default)]
    pub col: u32,
    /// Stable code, e.g. `bare-except`.
    pub code: String,
    /// One sentence for the learner.
    pub message: String,
    /// How much it matters.
    pub severity: Severity,
}

/// The groups a review shows, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Syntax errors and patterns that cause bugs.
    Bugs,
    /// Unused code, complexity, idioms, docstrings.
    Structure,
    /// PEP 8 names.
    Naming,
    /// PEP 8 layout.
    Layout,
}

impl Group {
    /// The group's heading.
    pub fn heading(self) -> &'static str {
        match self {
            Group::Bugs => "Likely bugs",
            Group::Structure => "Structure and clarity",
            Group::Naming => "Naming (PEP 8)",
            Group::Layout => "Layout (PEP 8)",
        }
    }

    /// The group of a finding code (codes the agent does not know go with structure).
    pub fn of(code: &str) -> Self {
        match code {
            "syntax-error" | "bare-except" | "none-comparison" | "mutable-default"
            | "shadowed-builtin" => Group::Bugs,
            "function-name" | "class-name" | "variable-name" => Group::Naming,
            "line-too-long"
            | "trailing-whitespace"
            | "tab-indentation"
            | "indentation"
            | "blank-lines" => Group::Layout,
            _ => Group::Structure,
        }
    }
}

/// What the checker measured about the code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Non-blank lines.
    pub lines: u32,
    /// Functions and methods.
    pub functions: u32,
    /// Classes.
    pub classes: u32,
    /// Public (not `_`-prefixed) functions at module level and in classes.
    pub public_functions: u32,
    /// The highest decision-point count of a function.
    pub max_complexity: u32,
    /// The deepest nesting of blocks in a function.
    pub max_nesting: u32,
}
