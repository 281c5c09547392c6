//! Errors looking into a collection: `IndexError`, `KeyError`.

use super::{Case, Diagnosis, tick};
use crate::edit;

pub(super) fn index_error(case: &Case<'_>) -> Option<Diagnosis> {
    let m = case.error.message.as_str();
    if !m.contains("index out of range") {
        return None;
    }
    let kind = m.split_whitespace().next().unwrap_or("list");
    let at = case.where_();
    let meaning = format!(
        "An `IndexError` means you asked for a position the {kind} doesn't have. Positions \
         start at 0, so a {kind} with 3 items has positions 0, 1 and 2, and no position 3. \
         Look at {at}."
    );
    let nudge = "If a list has `len(xs)` items, what is the largest position you may use? \
                 And where does `range(n)` stop: at `n`, or just before it?"
        .to_owned();
    let code = case.code.unwrap_or("");
    if let Some(d) = range_past_end_case(code, &meaning, &nudge) {
        return Some(d);
    }
    // `xs[len(xs)]`: one past the last item.
    if let Some(l) = case.code_line() {
        if let Some(collection) = index_by_len(l) {
            let candidate = edit::replace_line(
                code,
                case.error.line.unwrap_or(0),
                &l.replace(
                    &format!("[len({collection})]"),
                    &format!("[len({collection}) - 1]"),
                ),
            );
            return Some(
                Diagnosis::new(
                    meaning,
                    format!(
                        "On {at}, `{collection}[len({collection})]` asks for the position just \
                         past the last item: with positions starting at 0, `len({collection})` \
                         is one too many."
                    ),
                    nudge,
                    format!(
                        "The last item is at `len({collection}) - 1`, or simply \
                         `{collection}[-1]`."
                    ),
                )
                .with([candidate]),
            );
        }
        if let Some(fixed) = while_less_or_equal(l) {
            let candidate = edit::replace_line(code, case.error.line.unwrap_or(0), &fixed);
            return Some(
                Diagnosis::new(
                    meaning,
                    format!(
                        "The condition on {at} lets the index reach `len(...)` itself, one past \
                         the last position."
                    ),
                    nudge,
                    "Stop while the index is still smaller than the length: `<` instead of `<=`."
                        .to_owned(),
                )
                .with([candidate]),
            );
        }
    }
    Some(Diagnosis::new(
        meaning,
        format!(
            "On {at}, the index is at least as large as the {kind}'s length, or the {kind} is \
             empty. Both usually come from a loop that runs one step too many, or from a {kind} \
             that has fewer items than the code assumes."
        ),
        format!(
            "{nudge} Print the index and `len(...)` just before {at}: which one is bigger than \
             you thought?"
        ),
        format!(
            "Keep every index between 0 and `len(...) - 1`: loop with `range(len(...))` or over \
             the items directly, and check `if xs:` before reading from a {kind} that may be \
             empty."
        ),
    ))
}

/// `range(len(xs) + 1)` and `range(1, len(xs) + 1)`: the loop goes one step too far.
fn range_past_end_case(code: &str, meaning: &str, nudge: &str) -> Option<Diagnosis> {
    // `range(len(xs) + 1)` and `range(1, len(xs) + 1)`: the loop goes one step too far.
    for (n, l) in code.lines().enumerate() {
        let Some((collection, whole)) = range_past_end(l) else {
            continue;
        };
        let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let candidate = edit::replace_line(
            code,
            line,
            &l.replace(&whole, &format!("range(len({collection}))")),
        );
        return Some(
            Diagnosis::new(
                meaning.to_owned(),
                format!(
                    "The loop on line {line} uses {w}. That produces one index more than \
                     `{collection}` has, so the last pass asks for a position past the end.",
                    w = tick(&whole)
                ),
                nudge.to_owned(),
                format!(
                    "Loop over `range(len({collection}))`, which stops at the last valid index \
                     (or loop over the items directly: `for item in {collection}:`)."
                ),
            )
            .with([candidate]),
        );
    }
    None
}

/// `(collection, the range call)` when `line` has `range(len(x) + 1)` or
/// `range(1, len(x) + 1)`.
fn range_past_end(line: &str) -> Option<(String, String)> {
    let start = line.find("range(")?;
    let rest = &line[start..];
    let end = rest.find("+ 1)").or_else(|| rest.find("+1)"))?;
    let whole = &rest[..end + rest[end..].find(')')? + 1];
    let inner = whole.split("len(").nth(1)?;
    let collection = inner.split(')').next()?.trim();
    let compact: String = whole.chars().filter(|c| !c.is_whitespace()).collect();
    let shapes = [
        format!("range(len({collection})+1)"),
        format!("range(0,len({collection})+1)"),
        format!("range(1,len({collection})+1)"),
    ];
    shapes
        .contains(&compact)
        .then(|| (collection.to_owned(), whole.to_owned()))
}

/// The collection of an `x[len(x)]` in `line`.
fn index_by_len(line: &str) -> Option<String> {
    let at = line.find("[len(")?;
    let name: String = line[..at]
        .chars()
        .rev()
        .take_while(|c| edit::is_name_char(*c))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let inside = line[at + 5..].split(')').next()?;
    (!name.is_empty() && inside == name && line[at..].starts_with(&format!("[len({name})]")))
        .then_some(name)
}

/// `while i <= len(xs):` with `<` instead.
fn while_less_or_equal(line: &str) -> Option<String> {
    let t = line.trim_start();
    (t.starts_with("while ") && t.contains("<= len("))
        .then(|| line.replacen("<= len(", "< len(", 1))
}

pub(super) fn key_error(case: &Case<'_>) -> Option<Diagnosis> {
    let key = case.error.message.trim().to_owned();
    let k = tick(&key);
    let at = case.where_();
    let meaning = format!(
        "A `KeyError` means you looked up a key the dictionary doesn't have: {k} is not one \
         of its keys when {at} runs. Keys must match exactly, upper and lower case and spaces \
         included."
    );
    let nudge = format!(
        "How can you look up a key without crashing when it's missing? Dictionaries have a \
         method that takes a default value, and `{key} in d` tells you whether it is there."
    );
    let code = case.code.unwrap_or("");
    if let Some(l) = case.code_line() {
        // `counts[word] += 1`: the first time a key is seen there is nothing to add to.
        if let Some((target, value)) = l.trim().split_once(" += ")
            && let Some((dict, index)) = subscript(target)
        {
            let fixed = format!(
                "{}{target} = {dict}.get({index}, 0) + {value}",
                edit::indent(l)
            );
            return Some(
                Diagnosis::new(
                    meaning,
                    format!(
                        "{t} on {at} reads `{target}` before it writes it. The first time \
                         a key is seen, it isn't in `{dict}` yet, so there is nothing to add \
                         to.",
                        t = tick(l.trim())
                    ),
                    format!(
                        "{nudge} What should the count of a key be before it was ever \
                         counted?"
                    ),
                    format!(
                        "Start missing keys at 0: `{target} = {dict}.get({index}, 0) + \
                         {value}` (or check `if {index} not in {dict}:` first, or use \
                         `collections.Counter`)."
                    ),
                )
                .with([edit::replace_line(
                    code,
                    case.error.line.unwrap_or(0),
                    &fixed,
                )]),
            );
        }
        let read = format!("[{key}]");
        if l.contains(&read) && !is_assignment_target(l, &read) {
            let dict = name_before(l, &read);
            let candidate = dict.as_ref().and_then(|d| {
                let fixed = l.replacen(&format!("{d}{read}"), &format!("{d}.get({key})"), 1);
                edit::replace_line(code, case.error.line?, &fixed)
            });
            let d = dict.unwrap_or_else(|| "the dictionary".to_owned());
            let similar = similar_key(code, &key)
                .map(|s| format!(" Your code does use a similar key, `{s}`: compare them closely."))
                .unwrap_or_default();
            return Some(
                Diagnosis::new(
                    meaning,
                    format!(
                        "On {at}, `{d}` has no key {k} at that moment: it was never added, it \
                         is added later, or it is spelled differently.{similar}"
                    ),
                    nudge,
                    format!(
                        "If the key may be missing, read it with `{d}.get({key})` (or \
                         `{d}.get({key}, default)`), or check `if {key} in {d}:` first. If it \
                         should be there, fix its spelling where the dictionary is built."
                    ),
                )
                .with([candidate]),
            );
        }
    }
    Some(Diagnosis::new(
        meaning.clone(),
        format!(
            "On {at}, the dictionary has no key {k} at that moment: it was never added, it is \
             added later, or it is spelled differently."
        ),
        nudge,
        format!(
            "Read the key with `.get({key}, default)`, or check `if {key} in d:` before looking \
             it up."
        ),
    ))
}

/// `(dict, index)` of `d[k]`.
fn subscript(target: &str) -> Option<(String, String)> {
    let (dict, rest) = target.split_once('[')?;
    let index = rest.strip_suffix(']')?;
    (!dict.is_empty() && dict.chars().all(|c| edit::is_name_char(c) || c == '.'))
        .then(|| (dict.to_owned(), index.to_owned()))
}

fn is_assignment_target(line: &str, read: &str) -> bool {
    line.split_once(read).is_some_and(|(_, after)| {
        let after = after.trim_start();
        after.starts_with('=') && !after.starts_with("==")
    })
}

/// The name just before `part` in `line` (`d` of `d['age']`).
fn name_before(line: &str, part: &str) -> Option<String> {
    let at = line.find(part)?;
    let name: Vec<char> = line[..at]
        .chars()
        .rev()
        .take_while(|c| edit::is_name_char(*c) || *c == '.')
        .collect();
    let name: String = name.into_iter().rev().collect();
    (!name.is_empty()).then_some(name)
}

/// A quoted key in `code` that differs from `key` only a little.
fn similar_key(code: &str, key: &str) -> Option<String> {
    let bare = key.trim_matches(['\'', '"']);
    let mut quoted = Vec::new();
    let mut rest = code;
    while let Some(q) = edit::first_quoted(rest) {
        quoted.push(q.to_owned());
        let at = rest.find(q).unwrap_or(0) + q.len() + 1;
        rest = rest.get(at..).unwrap_or("");
    }
    edit::closest(bare, quoted.iter().map(String::as_str)).map(|s| format!("'{s}'"))
}
