//! The built-in bank: for every topic and difficulty, parameterised templates whose
//! parameters (names, story, constants, test inputs) come from the request's seed, so the
//! platform serves exercises offline and a variation differs from its base. Each template
//! computes its tests' expected values in Rust; the sandbox validates every rendering
//! before it is served, and `cargo test -p exercise-agent -- --ignored` runs every
//! template's reference and trivially wrong solution with the machine's python3.

mod basics;
mod practice;
mod structures;

use crate::exercise::{Difficulty, Draft, Exercise, assertion};
use crate::seed::Picker;

/// The topics the bank covers (the platform's topics).
pub const TOPICS: [&str; 13] = [
    "python.variables",
    "python.numbers",
    "python.strings",
    "python.conditionals",
    "python.loops",
    "python.functions",
    "python.lists",
    "python.dicts",
    "python.oop",
    "python.files",
    "python.errors",
    "python.modules",
    "general",
];

/// A template's output before it becomes a [`Draft`].
#[derive(Debug, Clone, Default)]
pub struct Piece {
    /// The title.
    pub title: String,
    /// The task in Markdown.
    pub prompt: String,
    /// The starter code.
    pub starter: String,
    /// The reference solution.
    pub reference: String,
    /// (name, assertion) of each test.
    pub tests: Vec<(String, String)>,
    /// Hints, gentlest first.
    pub hints: Vec<String>,
}

impl Piece {
    /// A piece with its texts; `$F`-style parameters already substituted.
    pub fn new(title: String, prompt: String, starter: String, reference: String) -> Self {
        Piece {
            title,
            prompt,
            starter,
            reference,
            ..Piece::default()
        }
    }

    /// Adds a test.
    pub fn test(&mut self, expression: String) {
        let name = format!("check {}", self.tests.len() + 1);
        self.tests.push((name, expression));
    }

    /// Adds hints.
    pub fn hints(mut self, hints: &[&str]) -> Self {
        self.hints = hints.iter().map(|h| (*h).to_owned()).collect();
        self
    }
}

/// A template: a piece from a picker.
pub type Template = fn(&mut Picker) -> Piece;

/// The templates of `topic` at `difficulty` (none for a topic outside [`TOPICS`]).
pub fn templates(topic: &str, difficulty: Difficulty) -> &'static [Template] {
    use Difficulty::{Easy, Hard, Medium};
    match (topic, difficulty) {
        ("python.variables", Easy) => &[basics::total_with_fee],
        ("python.variables", Medium) => &[basics::split_units],
        ("python.variables", Hard) => &[basics::running_summary],
        ("python.numbers", Easy) => &[basics::temperature],
        ("python.numbers", Medium) => &[basics::digits],
        ("python.numbers", Hard) => &[basics::primes],
        ("python.strings", Easy) => &[basics::count_chars],
        ("python.strings", Medium) => &[basics::words],
        ("python.strings", Hard) => &[basics::encode_text],
        ("python.conditionals", Easy) => &[basics::age_limit],
        ("python.conditionals", Medium) => &[basics::ticket_price],
        ("python.conditionals", Hard) => &[basics::classify_triangle],
        ("python.loops", Easy) => &[basics::sum_loop],
        ("python.loops", Medium) => &[basics::repeat_until],
        ("python.loops", Hard) => &[basics::pairs_and_runs],
        ("python.functions", Easy) => &[structures::defaults],
        ("python.functions", Medium) => &[structures::tuple_results],
        ("python.functions", Hard) => &[structures::closures],
        ("python.lists", Easy) => &[structures::filter_list],
        ("python.lists", Medium) => &[structures::reshape_list],
        ("python.lists", Hard) => &[structures::flatten_or_merge],
        ("python.dicts", Easy) => &[structures::count_items],
        ("python.dicts", Medium) => &[structures::group_items],
        ("python.dicts", Hard) => &[structures::rank_counts],
        ("python.oop", Easy) => &[structures::shape_class],
        ("python.oop", Medium) => &[structures::account_class],
        ("python.oop", Hard) => &[structures::container_class],
        ("python.files", Easy) => &[practice::count_in_file],
        ("python.files", Medium) => &[practice::totals_from_file],
        ("python.files", Hard) => &[practice::copy_lines],
        ("python.errors", Easy) => &[practice::safe_conversion],
        ("python.errors", Medium) => &[practice::skip_invalid],
        ("python.errors", Hard) => &[practice::checked_call],
        ("python.modules", Easy) => &[practice::math_module],
        ("python.modules", Medium) => &[practice::counter_module],
        ("python.modules", Hard) => &[practice::itertools_module],
        ("general", Easy) => &[practice::fizzbuzz],
        ("general", Medium) => &[practice::word_puzzles],
        ("general", Hard) => &[practice::number_bases],
        _ => &[],
    }
}

/// The bank's exercise for `topic` at `difficulty` from `seed` (`None` for a topic the
/// bank does not cover).
pub fn draft(topic: &str, difficulty: Difficulty, seed: u64) -> Option<Draft> {
    let all = templates(topic, difficulty);
    if all.is_empty() {
        return None;
    }
    let mut picker = Picker::new(seed);
    let template = all[picker.below(all.len())];
    let piece = template(&mut picker);
    Some(Draft {
        exercise: Exercise {
            title: piece.title,
            prompt: piece.prompt,
            topic: topic.into(),
            difficulty: difficulty.label().into(),
            starter_code: piece.starter,
            reference_solution: piece.reference,
            tests: piece
                .tests
                .iter()
                .map(|(name, expression)| assertion(name, expression))
                .collect(),
        },
        hints: piece.hints,
    })
}

/// Candidate seeds tried for a variation before giving up.
const VARIATION_TRIES: u64 = 16;

/// A bank exercise for `topic` at `difficulty` that differs from `base` in what the
/// learner reads (its title and prompt) and in its solution.
pub fn variation(topic: &str, difficulty: Difficulty, seed: u64, base: &Exercise) -> Option<Draft> {
    (0..VARIATION_TRIES)
        .filter_map(|i| draft(topic, difficulty, seed.wrapping_add(i.wrapping_mul(0x9e37))))
        .find(|d| differs(&d.exercise, base))
}

/// Whether `exercise` reads and solves differently from `base`.
pub fn differs(exercise: &Exercise, base: &Exercise) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    norm(&exercise.prompt) != norm(&base.prompt)
        && norm(&exercise.title) != norm(&base.title)
        && norm(&exercise.reference_solution) != norm(&base.reference_solution)
}

/// `text` with each `(from, to)` replaced, in order.
pub fn sub(text: &str, pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .fold(text.to_owned(), |acc, (from, to)| acc.replace(from, to))
}

/// A Python string literal of `text`.
pub fn q(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python list of integers.
pub fn ints(values: &[i64]) -> String {
    let items: Vec<String> = values.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// A Python list of strings.
pub fn strs<S: AsRef<str>>(values: &[S]) -> String {
    let items: Vec<String> = values.iter().map(|v| q(v.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// A Python bool.
pub fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// The starter code for functions with these signatures (`name(args)`).
pub fn starter(signatures: &[&str]) -> String {
    signatures
        .iter()
        .map(|s| format!("def {s}:\n    # Write your code here.\n    pass\n"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests;
