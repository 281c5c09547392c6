//! Errors of a program that runs but goes wrong: `ZeroDivisionError`, `RecursionError`,
//! `FileNotFoundError`, and a program that never ends.

use super::{Case, Diagnosis, tick};
use crate::edit;

pub(super) fn zero_division(case: &Case<'_>) -> Option<Diagnosis> {
    let at = case.where_();
    let divisor = case.code_line().and_then(divisor_of);
    let d = divisor.clone().unwrap_or_else(|| "the divisor".to_owned());
    let candidate = case.code_line().zip(divisor.as_ref()).and_then(|(l, div)| {
        let indent = edit::indent(l);
        let guarded = format!("{indent}if {div} != 0:\n{indent}    {}", l.trim_start());
        edit::replace_line(case.code?, case.error.line?, &guarded)
    });
    Some(
        Diagnosis::new(
            format!(
                "A `ZeroDivisionError` means the program divided by zero (with `/`, `//` or \
                 `%`), which has no answer, so Python stops. Look at the division on {at}."
            ),
            format!(
                "When {at} runs, `{d}` is 0. A divisor is often a count or the `len()` of a \
                 list, and it is 0 when the list is empty or nothing was counted yet."
            ),
            format!(
                "What should your program do when `{d}` is 0: skip the division, print a \
                 message, or use another value? Where would you check for that case?"
            ),
            format!(
                "Check the divisor before dividing, e.g. `if {d} != 0:` around the division (and \
                 decide what happens otherwise), or make sure `{d}` can't be 0 there."
            ),
        )
        .with([candidate]),
    )
}

/// The operand after the first `/`, `//` or `%` of `line`.
fn divisor_of(line: &str) -> Option<String> {
    let code = edit::code_part(line);
    let at = code.find(['/', '%'])?;
    let rest = code[at..].trim_start_matches(['/', '%']).trim_start();
    let mut depth = 0i32;
    let end = rest
        .char_indices()
        .find(|(_, c)| match c {
            '(' | '[' => {
                depth += 1;
                false
            }
            ')' | ']' if depth > 0 => {
                depth -= 1;
                false
            }
            c => depth == 0 && !(edit::is_name_char(*c) || *c == '.'),
        })
        .map_or(rest.len(), |(i, _)| i);
    let divisor = rest[..end].trim();
    (!divisor.is_empty()).then(|| divisor.to_owned())
}

pub(super) fn recursion(case: &Case<'_>) -> Option<Diagnosis> {
    let function = case.code.and_then(recursive_function);
    let f = function
        .as_deref()
        .map_or_else(|| "the function".to_owned(), |f| format!("`{f}`"));
    Some(Diagnosis::new(
        "A `RecursionError` means a function kept calling itself so many times (about a \
         thousand levels deep) that Python gave up. Recursion needs a case where the function \
         stops calling itself."
            .to_owned(),
        format!(
            "{f} calls itself, but the calls never reach a stopping case: either there is no \
             base case (an `if` that returns without calling {f} again), or each call doesn't \
             get any closer to it."
        ),
        format!(
            "What is the smallest input {f} can answer without calling itself? And in each \
             recursive call, does the argument move toward that input?"
        ),
        format!(
            "Give {f} a base case at its top, e.g. `if n <= 1: return 1` (whatever the answer \
             is for the smallest input), and make the recursive call use a smaller argument, \
             such as `n - 1`."
        ),
    ))
}

/// The name of the first function in `code` that calls itself.
fn recursive_function(code: &str) -> Option<String> {
    let lines = edit::lines(code);
    lines.iter().enumerate().find_map(|(i, l)| {
        let name = l
            .trim_start()
            .strip_prefix("def ")?
            .split('(')
            .next()?
            .trim();
        let own = edit::indent(l).len();
        let calls_itself = lines
            .iter()
            .skip(i + 1)
            .take_while(|b| b.trim().is_empty() || edit::indent(b).len() > own)
            .any(|b| b.contains(&format!("{name}(")));
        calls_itself.then(|| name.to_owned())
    })
}

pub(super) fn file_not_found(case: &Case<'_>) -> Option<Diagnosis> {
    let file = case.quoted().map_or_else(|| "the file".to_owned(), tick);
    Some(Diagnosis::new(
        format!(
            "A `FileNotFoundError` means `open()` looked for {file} and it isn't there. (This \
             platform's sandbox has no files at all, so there a program can only read files it \
             wrote itself.)"
        ),
        format!(
            "A name like {file} without a folder is looked for in the current working \
             directory: the folder you ran the program from, which isn't always the folder \
             the program is saved in. The name may also be misspelled (extension included)."
        ),
        "Print `os.getcwd()` just before `open()`: is the file in that folder, with exactly \
         that name? Or should the program cope with a missing file?"
            .to_owned(),
        format!(
            "Give `open()` the right path (e.g. build it from the program's folder with \
             `pathlib.Path(__file__).parent / \"…\"`), or handle a missing file with `try:` … \
             `except FileNotFoundError:` around the `open()` of {file}."
        ),
    ))
}

pub(super) fn timeout(case: &Case<'_>) -> Option<Diagnosis> {
    let meaning = "The program didn't finish in time. Almost always that is a loop whose \
                   condition never becomes false, or a program waiting for input."
        .to_owned();
    let code = case.code.unwrap_or("");
    if let Some(stuck) = stuck_while(code) {
        let v = tick(&stuck.variable);
        let candidate = edit::insert_before(
            code,
            // After the body's last line (`body_end` counts from 0, lines from 1).
            u32::try_from(stuck.body_end + 2).unwrap_or(u32::MAX),
            &format!("{}{} {}= 1", stuck.indent, stuck.variable, stuck.step),
        );
        return Some(
            Diagnosis::new(
                meaning,
                format!(
                    "The `while` loop on line {l} checks {v}, but nothing inside the loop \
                     changes {v}, so the condition is true forever.",
                    l = stuck.line
                ),
                format!(
                    "After one pass through the loop on line {l}, is {v} any different? Which \
                     line inside the loop should move it toward the end?",
                    l = stuck.line
                ),
                format!(
                    "Change {v} inside the loop so the condition eventually becomes false: add \
                     `{var} {s}= 1` as the loop's last line.",
                    var = stuck.variable,
                    s = stuck.step
                ),
            )
            .with([candidate]),
        );
    }
    if code
        .lines()
        .any(|l| l.trim_start().starts_with("while True"))
        && !code.contains("break")
    {
        return Some(Diagnosis::new(
            meaning,
            "The program has a `while True:` loop and no `break`, so nothing ever ends it."
                .to_owned(),
            "Under which condition should the loop stop? Where in the loop can you check it?"
                .to_owned(),
            "Inside the loop, check the stopping condition and leave with `break` (e.g. \
             `if answer == \"quit\": break`), or write the condition into the `while` line."
                .to_owned(),
        ));
    }
    None
}

/// A `while` loop whose condition's variable the body never changes.
struct Stuck {
    line: usize,
    variable: String,
    step: char,
    /// The index (0-based) of the body's last line.
    body_end: usize,
    indent: String,
}

fn stuck_while(code: &str) -> Option<Stuck> {
    let lines = edit::lines(code);
    lines.iter().enumerate().find_map(|(i, l)| {
        let condition = edit::code_part(l)
            .trim_start()
            .strip_prefix("while ")?
            .strip_suffix(':')?;
        let (left, op) = ["<=", ">=", "<", ">", "!="]
            .iter()
            .find_map(|op| condition.split_once(op).map(|(left, _)| (left.trim(), *op)))?;
        if !left.chars().all(edit::is_name_char) || left.is_empty() {
            return None;
        }
        let own = edit::indent(l).len();
        let body: Vec<(usize, &&str)> = lines
            .iter()
            .enumerate()
            .skip(i + 1)
            .take_while(|(_, b)| b.trim().is_empty() || edit::indent(b).len() > own)
            .filter(|(_, b)| !b.trim().is_empty())
            .collect();
        let (body_end, first) = (body.last()?.0, body.first()?.1);
        let changed = body.iter().any(|(_, b)| {
            let t = b.trim_start();
            t.starts_with(&format!("{left} "))
                && t[left.len()..]
                    .trim_start()
                    .split_once('=')
                    .is_some_and(|(before, _)| !before.contains(['<', '>', '!', '=']))
                || t.starts_with(&format!("{left}="))
                || t.contains("break")
                || t.contains("return")
        });
        (!changed).then(|| Stuck {
            line: i + 1,
            variable: left.to_owned(),
            step: if op.starts_with('>') { '-' } else { '+' },
            body_end,
            indent: edit::indent(first).to_owned(),
        })
    })
}
