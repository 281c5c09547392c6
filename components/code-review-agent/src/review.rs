//! The review as the learner reads it: the rating, what is good, the findings grouped, the
//! model's correctness remarks, and one concrete next step.

use std::collections::BTreeMap;

use crate::checker::Checked;
use crate::finding::{Finding, Group, Severity};
use crate::remarks::Remarks;

/// Findings of one code listed one by one before the rest are summed up.
const LISTED_PER_CODE: usize = 3;

/// The review in Markdown. `checked` is `Err(why)` when the checker could not run.
pub fn render(
    checked: &Result<Checked, String>,
    rating: Option<f32>,
    remarks: Option<&Remarks>,
) -> String {
    let mut out = String::from("## Code review\n\n");
    match checked {
        Err(why) => {
            out.push_str(&format!(
                "I could not run the automatic style and correctness checks: {why}. \
                 There is no quality rating this time; ask again in a moment.\n"
            ));
        }
        Ok(c) => {
            out.push_str(&summary(c, rating));
            if !c.syntax_error {
                out.push_str("\n**What's good**\n");
                for good in strengths(c) {
                    out.push_str(&format!("- {good}\n"));
                }
            }
            out.push_str(&groups(&c.findings));
            if c.truncated {
                out.push_str("\n(Only the first 60 findings are listed.)\n");
            }
        }
    }
    if let Some(r) = remarks.filter(|r| !r.remarks.is_empty()) {
        out.push_str(&format!(
            "\n**Correctness notes** (from the model `{}`)\n",
            r.model
        ));
        for remark in &r.remarks {
            if remark.line > 0 {
                out.push_str(&format!("- Line {}: {}\n", remark.line, remark.remark));
            } else {
                out.push_str(&format!("- {}\n", remark.remark));
            }
        }
    }
    if let Ok(c) = checked {
        out.push_str(&format!("\n**Next step:** {}\n", next_step(c)));
    }
    out
}

fn summary(c: &Checked, rating: Option<f32>) -> String {
    let count = |s: Severity| c.findings.iter().filter(|f| f.severity == s).count();
    let rating = rating.map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}"));
    if c.syntax_error {
        return format!(
            "Quality: **{rating} / 1**: the code does not parse yet, so nothing else could be checked.\n"
        );
    }
    let parts: Vec<String> = [
        (count(Severity::Warning), "warning"),
        (count(Severity::Style), "style note"),
        (count(Severity::Info), "suggestion"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}{}", if *n == 1 { "" } else { "s" }))
    .collect();
    let found = if parts.is_empty() {
        "nothing to flag".to_owned()
    } else {
        parts.join(", ")
    };
    format!(
        "Quality: **{rating} / 1** ({found} in {} line{}).\n",
        c.stats.lines,
        if c.stats.lines == 1 { "" } else { "s" }
    )
}

/// Up to three things the checks found nothing wrong with.
fn strengths(c: &Checked) -> Vec<String> {
    let none_in = |group: Group| !c.findings.iter().any(|f| Group::of(&f.code) == group);
    let none_of = |codes: &[&str]| !c.findings.iter().any(|f| codes.contains(&f.code.as_str()));
    let s = c.stats;
    let mut good = Vec::new();
    if none_in(Group::Bugs) {
        good.push("None of the common pitfalls: no bare `except:`, no `== None`, no mutable default arguments, no shadowed builtins.".to_owned());
    }
    if s.functions > 0 && none_of(&["complex-function", "deep-nesting"]) {
        good.push(format!(
            "Functions stay simple (at most {} decision point{}, nesting {} deep).",
            s.max_complexity,
            if s.max_complexity == 1 { "" } else { "s" },
            s.max_nesting
        ));
    }
    if none_in(Group::Naming) {
        good.push(
            "Names follow PEP 8 (snake_case functions and variables, CapWords classes).".to_owned(),
        );
    }
    if none_of(&["unused-import", "unused-variable"]) {
        good.push("No unused imports or variables.".to_owned());
    }
    if s.public_functions > 0 && none_of(&["missing-docstring"]) {
        good.push("Every public function has a docstring.".to_owned());
    }
    if none_in(Group::Layout) {
        good.push("Layout follows PEP 8: line length, indentation and whitespace.".to_owned());
    }
    if good.is_empty() {
        good.push("It parses cleanly: every finding below is a small, fixable habit.".to_owned());
    }
    good.truncate(3);
    good
}

fn groups(findings: &[Finding]) -> String {
    let mut by_group: BTreeMap<Group, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_group.entry(Group::of(&f.code)).or_default().push(f);
    }
    let mut out = String::new();
    for (group, items) in by_group {
        out.push_str(&format!("\n**{}**\n", group.heading()));
        let mut per_code: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &items {
            let seen = per_code.entry(f.code.as_str()).or_insert(0);
            *seen += 1;
            if *seen <= LISTED_PER_CODE {
                out.push_str(&format!("- {}\n", line_item(f)));
            }
        }
        for (code, n) in per_code {
            if n > LISTED_PER_CODE {
                out.push_str(&format!(
                    "- …and {} more like this (`{code}`)\n",
                    n - LISTED_PER_CODE
                ));
            }
        }
    }
    out
}

fn line_item(f: &Finding) -> String {
    if f.line > 0 && f.code != "syntax-error" {
        format!("Line {}: {}", f.line, f.message)
    } else {
        capitalised(&f.message)
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// The one thing to do first: fix the most severe finding (the earliest of those).
pub fn next_step(c: &Checked) -> String {
    let first = c
        .findings
        .iter()
        .min_by_key(|f| (f.severity, Group::of(&f.code), f.line));
    match first {
        None => "the checks found nothing to fix. Add a test for an edge case (an empty input, \
                 a zero, a negative number) and make sure your code handles it."
            .to_owned(),
        Some(f) if f.severity == Severity::Error => format!(
            "fix the {}, then ask for a review again so the other checks can run.",
            f.message
        ),
        Some(f) => format!(
            "start with line {}: {}.",
            f.line,
            f.message.trim_end_matches('.')
        ),
    }
}
