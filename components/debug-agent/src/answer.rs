//! Writes the reply: the rung's heading and text, where to look, and on the last rung the
//! fix, with the corrected lines when a corrected program ran clean.

use crate::ladder::RUNGS;
use crate::rules::Case;
use crate::verify::Verified;

/// What the last rung shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix<'a> {
    /// A corrected program ran without the error: show the change.
    Checked(&'a Verified),
    /// Corrected programs were built but none ran clean (or the sandbox was not there):
    /// describe the change only.
    Unchecked,
    /// No corrected program could be built: describe the change.
    Described,
}

fn heading(rung: u8) -> String {
    let what = match rung {
        1 => "what the error means",
        2 => "the likely cause",
        3 => "a closer look",
        _ => "the fix",
    };
    format!("**Hint {rung} of {RUNGS}: {what}**")
}

/// A short opener for the learner's tone on the first rung.
fn opener(tone: Option<&str>) -> Option<&'static str> {
    match tone? {
        "friendly" => Some("Errors are part of programming. Let's track this one down together."),
        "playful" => Some("Bug hunt time! Let's corner this one."),
        "socratic" => Some("Let's reason about this step by step."),
        _ => None,
    }
}

/// The reply for a rung below the last.
pub fn hint(rung: u8, case: &Case<'_>, text: &str, tone: Option<&str>) -> String {
    let mut out = String::new();
    if rung == 1
        && let Some(o) = opener(tone)
    {
        out.push_str(o);
        out.push_str("\n\n");
    }
    out.push_str(&heading(rung));
    out.push_str("\n\n");
    out.push_str(text);
    if rung == 1 {
        let place = match (case.error.line, case.source.as_deref()) {
            (Some(n), Some(s)) => Some(format!("line {n}: `{s}`")),
            (Some(n), None) => Some(format!("line {n}")),
            (None, Some(s)) => Some(format!("`{s}`")),
            (None, None) => None,
        };
        if let Some(p) = place {
            out.push_str(&format!("\n\nWhere to look: {p}"));
        }
    }
    if tone != Some("concise") {
        out.push_str("\n\nTry it yourself first. If you're still stuck, ask for another hint.");
    }
    out
}

/// The reply for the last rung.
pub fn fix(case: &Case<'_>, text: &str, fix: &Fix<'_>) -> String {
    let mut out = heading(RUNGS);
    out.push_str("\n\n");
    out.push_str(text);
    match fix {
        Fix::Checked(v) => {
            let shown = changed_lines(case.code.unwrap_or(""), &v.code);
            out.push_str(&format!("\n\n```python\n{shown}\n```\n\n"));
            if case.error.error_type == crate::failure::TIMEOUT {
                out.push_str(
                    "I ran the corrected program in the sandbox: it now finishes in time.",
                );
            } else {
                out.push_str(&format!(
                    "I ran the corrected program in the sandbox: it no longer raises `{}`.",
                    case.error.error_type
                ));
            }
            if let Some(note) = &v.note {
                out.push(' ');
                out.push_str(note);
            }
        }
        Fix::Unchecked => out.push_str(
            "\n\nI couldn't confirm a corrected version in the sandbox, so this is the change \
             to make rather than finished code. Run it again after the change.",
        ),
        Fix::Described => {}
    }
    out
}

/// The part of `fixed` that differs from `original`, with a line of context either side;
/// the whole program when it is short or the original is unknown.
pub fn changed_lines(original: &str, fixed: &str) -> String {
    let old: Vec<&str> = original.lines().collect();
    let new: Vec<&str> = fixed.lines().collect();
    if old.is_empty() || new.len() <= 12 {
        return new.join("\n");
    }
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take_while(|(a, b)| a == b)
        .count()
        .min(old.len().min(new.len()) - prefix);
    let start = prefix.saturating_sub(1);
    let end = (new.len() - suffix + 1).min(new.len());
    let mut shown: Vec<String> = Vec::new();
    if start > 0 {
        shown.push("# …".to_owned());
    }
    shown.extend(new[start..end].iter().map(|l| (*l).to_owned()));
    if end < new.len() {
        shown.push("# …".to_owned());
    }
    shown.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_program_shows_only_the_change() {
        let original: String = (1..=20).map(|i| format!("x{i} = {i}\n")).collect();
        let fixed = original.replace("x10 = 10", "x10 = 11");
        assert_eq!(
            changed_lines(&original, &fixed),
            "# …\nx9 = 9\nx10 = 11\nx11 = 11\n# …"
        );
        assert_eq!(changed_lines("a\n", "b\n"), "b");
    }
}
