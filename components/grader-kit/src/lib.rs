//! What the first-party Rust graders (`quiz-grader`, `code-grader`, `project-grader`) share, compiled into
//! each component (a plain library: no WIT, no exports). The grading rules stay in each
//! grader; this holds the parts that are the same for every grader:
//!
//! - [`fields`]: reads a JSON object field by field, so every refusal names the exact field
//!   (or, with [`fields::deserialize`], into a serde type, naming the field serde reports);
//! - [`outcome`]: plain-Rust grade, part and error types, independent of the WIT bindings so
//!   the rules are unit-testable natively (each component's glue maps them to its bindings);
//! - [`sandbox`] and [`model`]: the `code-runner` and `llm` imports as plain types and
//!   traits, with a macro each ([`code_runner_import!`], [`llm_import!`]) that backs the
//!   trait with the component's generated import. Agents use them too.

pub mod fields;
pub mod model;
pub mod outcome;
pub mod sandbox;
