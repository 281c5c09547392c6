//! Errors about values of the wrong kind: `TypeError`, `AttributeError`, `ValueError`.

use super::{Case, Diagnosis, tick};
use crate::edit;

/// List methods that change the list in place and return `None`.
const IN_PLACE: &[&str] = &[
    "append", "sort", "extend", "insert", "reverse", "remove", "clear",
];

pub(super) fn type_error(case: &Case<'_>) -> Option<Diagnosis> {
    let m = case.error.message.as_str();
    let at = case.where_();
    let meaning = format!(
        "A `TypeError` means an operation got a value of a type it can't work with. Python \
         never converts between text and numbers on its own. Look at the values used on {at}."
    );
    if m.starts_with("can only concatenate str") {
        return Some(concatenation(case, meaning));
    }
    if m.starts_with("unsupported operand type(s)") && m.contains("'str'") {
        return Some(text_as_number(case, meaning));
    }
    if m.ends_with("object is not callable") {
        let kind = edit::first_quoted(m).unwrap_or("value");
        return Some(Diagnosis::new(
            meaning,
            format!(
                "On {at}, something followed by `( )` is a `{kind}`, not a function. Usually a \
                 variable has the same name as a function (for example `sum = 0` and later \
                 `sum(numbers)`, or `str = \"hi\"` and later `str(5)`), so the name no longer \
                 means the function."
            ),
            format!(
                "Which name on {at} is being called? Did you assign a value to that same name \
                 somewhere earlier? (A missing `*`, as in `2(x + 1)`, is the other usual \
                 suspect.)"
            ),
            "Rename the variable so it no longer hides the function (e.g. `total` instead of \
             `sum`), or add the missing `*` operator."
                .to_owned(),
        ));
    }
    if m.contains("required positional argument") || m.contains("positional argument") {
        return Some(Diagnosis::new(
            meaning,
            format!(
                "The function was called with a different number of arguments than its `def` \
                 line has parameters: {m}."
            ),
            format!(
                "Count the parameters in the function's `def` line and the values passed on \
                 {at}. For a method, remember that `self` is passed for you."
            ),
            "Make the call pass one value per parameter (or give the parameter a default in \
             the `def` line); a method needs `self` as its first parameter."
                .to_owned(),
        ));
    }
    if m.contains("'NoneType' object is not subscriptable")
        || m.contains("'NoneType' object is not iterable")
    {
        return Some(none_value(case, meaning));
    }
    if m.contains("object does not support item assignment") && m.contains("'str'") {
        return Some(Diagnosis::new(
            meaning,
            format!(
                "On {at}, the code changes one character of a string with `text[i] = …`. \
                 Strings can't be changed in place: every string operation makes a new one."
            ),
            "How could you build a new string from the old one, with the character you want \
             at that position?"
                .to_owned(),
            "Build a new string instead, e.g. `text = text[:i] + \"X\" + text[i + 1:]`, or \
             turn it into a list, change the list, and `\"\".join(...)` it back."
                .to_owned(),
        ));
    }
    None
}

/// `"text" + number`.
fn concatenation(case: &Case<'_>, meaning: String) -> Diagnosis {
    let m = case.error.message.as_str();
    let at = case.where_();
    // Text read with `input()` and added to a number is meant as arithmetic more often
    // than as text: converting the input comes first.
    let line = case.code_line().unwrap_or("");
    let mut candidates: Vec<Option<String>> = from_input_as_int(case)
        .into_iter()
        .filter(|c| c.as_deref().is_some_and(|c| input_used_on(c, line)))
        .collect();
    let from_input = !candidates.is_empty();
    candidates.extend(wrapped_operands(case, '+', "str"));
    if from_input {
        return Diagnosis::new(
            meaning,
            format!(
                "On {at}, `+` mixes text and a number. The text comes from `input()`: \
                 everything `input()` returns is a string, even when you type digits, and \
                 Python won't guess whether `+` should add numbers or join text."
            ),
            "What type does `input()` give you back? If you want to do arithmetic with it, \
             which function turns `\"42\"` into the number `42`?"
                .to_owned(),
            "Convert the text to a number where you read it, e.g. \
             `age = int(input(\"Age? \"))`; or, if you wanted text, turn the number into text \
             with `str(...)`."
                .to_owned(),
        )
        .with(candidates);
    }
    Diagnosis::new(
        meaning,
        format!(
            "On {at}, `+` joins a string with something that is not a string (here a \
             value of type `{kind}`). `+` between two strings glues text together, but \
             Python won't guess that you want the number turned into text.",
            kind = edit::first_quoted(m).unwrap_or("int")
        ),
        format!(
            "Which value on {at} is not text? How can you turn a number into a string \
             before joining it, or let Python put it into the text for you?"
        ),
        "Turn the number into text with `str(...)` before joining it, or write the whole \
         message as an f-string, e.g. `f\"Total: {total}\"`."
            .to_owned(),
    )
    .with(candidates)
}

/// Arithmetic on text that looks like a number, usually from `input()`.
fn text_as_number(case: &Case<'_>, meaning: String) -> Diagnosis {
    let m = case.error.message.as_str();
    let at = case.where_();
    let mut candidates = from_input_as_int(case);
    candidates.extend(wrapped_operands(case, operator_of(m), "int"));
    Diagnosis::new(
        meaning,
        format!(
            "On {at}, an arithmetic operator got a string (`str`) and a number. A \
             string that looks like a number, such as `\"42\"`, is still text: \
             everything `input()` returns is a string, even when you type digits."
        ),
        format!(
            "Where does the string used on {at} come from? If it was read with \
             `input()`, which function turns `\"42\"` into the number `42`?"
        ),
        "Convert the text to a number where you read it, e.g. \
         `age = int(input(\"Age? \"))` (or `float(...)` for decimals)."
            .to_owned(),
    )
    .with(candidates)
}

pub(super) fn attribute_error(case: &Case<'_>) -> Option<Diagnosis> {
    let m = case.error.message.as_str();
    let at = case.where_();
    let attr = m
        .split("has no attribute ")
        .nth(1)
        .and_then(edit::first_quoted)?
        .to_owned();
    let a = tick(&format!(".{attr}"));
    let meaning = format!(
        "An `AttributeError` means you used {a} on a value that has no such method or \
         attribute. What you can do with a value depends on its type. Look at {at}."
    );
    if m.starts_with("'NoneType'") {
        return Some(none_value(case, meaning));
    }
    if let Some(right) = m
        .split("Did you mean: ")
        .nth(1)
        .and_then(edit::first_quoted)
        .map(str::to_owned)
    {
        let candidate = case.code_line().and_then(|l| {
            let fixed = l.replacen(&format!(".{attr}"), &format!(".{right}"), 1);
            (fixed != l).then_some(())?;
            edit::replace_line(case.code?, case.error.line?, &fixed)
        });
        return Some(
            Diagnosis::new(
                meaning,
                format!(
                    "The value does have a method with a very similar name: {a} is spelled \
                     slightly differently from it."
                ),
                format!("Check the spelling of {a} on {at}, letter by letter."),
                format!("Write {r} instead of {a}.", r = tick(&format!(".{right}"))),
            )
            .with([candidate]),
        );
    }
    if m.starts_with("'str'") && attr == "append" {
        let candidate = case.code_line().and_then(|l| {
            let t = l.trim();
            let (target, rest) = t.split_once(".append(")?;
            let arg = rest.strip_suffix(')')?;
            let fixed = format!("{}{target} += {arg}", edit::indent(l));
            edit::replace_line(case.code?, case.error.line?, &fixed)
        });
        return Some(
            Diagnosis::new(
                meaning,
                format!(
                    "On {at}, the value is a string, and strings have no `.append`: that is a \
                     list method. Strings can't be changed in place."
                ),
                "Do you want a list of pieces here, or one longer string? If it's a string, \
                 which operator joins two strings into a new one?"
                    .to_owned(),
                "For a string, build a new one with `+=` (e.g. `text += piece`); if you meant \
                 a list, create it with `[]` instead of `\"\"`."
                    .to_owned(),
            )
            .with([candidate]),
        );
    }
    let kind = edit::first_quoted(m).unwrap_or("value").to_owned();
    Some(Diagnosis::new(
        meaning,
        format!(
            "On {at}, the value is a `{kind}`, and a `{kind}` has no {a}. Either the variable \
             holds a different type than you think, or the method belongs to another type."
        ),
        format!(
            "Print `type(...)` of the value just before {at}. Is it the type you expected? \
             Which methods does a `{kind}` have (try `dir()` on it)?"
        ),
        format!(
            "Use a method that `{kind}` has, or make sure the variable holds the type whose \
             method {a} is."
        ),
    ))
}

/// A value that is unexpectedly `None`, usually from assigning the result of a method
/// that changes a list in place.
fn none_value(case: &Case<'_>, meaning: String) -> Diagnosis {
    let at = case.where_();
    let reassigned = case.code.and_then(|code| {
        code.lines().enumerate().find_map(|(i, l)| {
            let t = l.trim();
            let (target, call) = t.split_once(" = ")?;
            let method = IN_PLACE
                .iter()
                .find(|m| call.starts_with(&format!("{target}.{m}(")))?;
            Some((
                i + 1,
                target.to_owned(),
                *method,
                call.to_owned(),
                edit::indent(l).to_owned(),
            ))
        })
    });
    if let Some((line, target, method, call, indent)) = reassigned {
        let candidate = case.code.and_then(|code| {
            edit::replace_line(code, u32::try_from(line).ok()?, &format!("{indent}{call}"))
        });
        return Diagnosis::new(
            meaning,
            format!(
                "The value is `None`. Line {line} assigns the result of `{target}.{method}(…)` \
                 back to `{target}`, and `.{method}()` returns `None`."
            ),
            format!(
                "Does `.{method}()` give you back a new list, or change the list you already \
                 have? What is left in `{target}` after line {line}?"
            ),
            format!(
                "`.{method}()` changes the list in place: call it on its own line, \
                 `{call}`, without assigning its result."
            ),
        )
        .with([candidate]);
    }
    Diagnosis::new(
        meaning,
        format!(
            "The value used on {at} is `None`, Python's \"nothing\". It usually comes from a \
             function that ends without `return` (so it returns `None`), or from a method like \
             `.append()` or `.sort()` that changes a list and returns `None`."
        ),
        format!(
            "Where did the variable used on {at} get its value? If it came from a function, \
             does every path through that function `return` something?"
        ),
        "Make the function `return` its result, and don't assign the result of in-place \
         methods like `.sort()` (use `sorted(...)` when you need a new list)."
            .to_owned(),
    )
}

pub(super) fn value_error(case: &Case<'_>) -> Option<Diagnosis> {
    let m = case.error.message.as_str();
    let at = case.where_();
    if let Some(rest) = m.strip_prefix("invalid literal for int() with base 10: ") {
        let value = rest.trim();
        let decimal = value.trim_matches(['\'', '"']).parse::<f64>().is_ok();
        return Some(Diagnosis::new(
            format!(
                "A `ValueError` means a function got a value of the right type but the wrong \
                 content. Here `int()` got the text {value}, which isn't a whole number \
                 written in digits. Look at {at}."
            ),
            if decimal {
                format!(
                    "The text {value} has a decimal point: `int()` only reads whole numbers \
                     written as digits."
                )
            } else {
                format!(
                    "The text passed to `int()` on {at} is {value}. It usually comes from \
                     `input()` or from a line of a file, and contains letters, spaces or \
                     nothing at all."
                )
            },
            if decimal {
                "Which conversion function reads numbers with a decimal point?".to_owned()
            } else {
                "What should your program do when the text isn't a number? How could you \
                 check it, or catch the error, before using it?"
                    .to_owned()
            },
            if decimal {
                "Use `float(...)` for numbers with a decimal point (then `int(...)` of that if \
                 you need a whole number)."
                    .to_owned()
            } else {
                "Check the text first (`text.strip().isdigit()`), or wrap the conversion in \
                 `try:` … `except ValueError:` and ask again or skip the value."
                    .to_owned()
            },
        ));
    }
    if m.starts_with("too many values to unpack") || m.starts_with("not enough values to unpack") {
        return Some(Diagnosis::new(
            format!(
                "A `ValueError` while unpacking means the number of names on the left of `=` \
                 (or after `for`) differs from the number of values on the right. Look at {at}."
            ),
            format!("On {at}: {m}."),
            "How many items does the value on the right really have? Print it just before \
             that line."
                .to_owned(),
            "Use as many names as there are values, or unpack a value with the right shape \
             (e.g. `for key, value in d.items():` rather than `in d:`)."
                .to_owned(),
        ));
    }
    None
}

/// The operator an `unsupported operand type(s) for -: …` message names.
fn operator_of(message: &str) -> char {
    message
        .split("for ")
        .nth(1)
        .and_then(|s| s.chars().next())
        .unwrap_or('+')
}

/// Programs with an operand of `op` on the offending line wrapped in `wrapper(...)`, one
/// operand at a time (string literals left alone).
fn wrapped_operands(case: &Case<'_>, op: char, wrapper: &str) -> Vec<Option<String>> {
    let (Some(code), Some(line), Some(text)) = (case.code, case.error.line, case.code_line())
    else {
        return Vec::new();
    };
    operands(text, op)
        .into_iter()
        .take(3)
        .map(|(start, end)| {
            let fixed = format!(
                "{}{wrapper}({}){}",
                &text[..start],
                &text[start..end],
                &text[end..]
            );
            edit::replace_line(code, line, &fixed)
        })
        .collect()
}

/// `x = input(…)` read as text and used as a number: programs converting it with `int`.
fn from_input_as_int(case: &Case<'_>) -> Vec<Option<String>> {
    let Some(code) = case.code else {
        return Vec::new();
    };
    code.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let (target, call) = l.split_once(" = ")?;
            let call = call.trim_end();
            call.starts_with("input(").then(|| {
                edit::replace_line(
                    code,
                    u32::try_from(i + 1).ok()?,
                    &format!("{target} = int({call})"),
                )
            })
        })
        .collect()
}

/// Whether a variable assigned from `input()` in `program` is used on `line`.
fn input_used_on(program: &str, line: &str) -> bool {
    program.lines().any(|l| {
        l.split_once(" = ").is_some_and(|(target, call)| {
            call.contains("input(") && !edit::word_positions(line, target.trim()).is_empty()
        })
    })
}

/// The byte ranges of the operands next to each `op` in `line` that are not string
/// literals (names, calls, subscripts, attribute chains).
fn operands(line: &str, op: char) -> Vec<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            continue;
        }
        if b == b'\'' || b == b'"' {
            quote = Some(b);
            continue;
        }
        if char::from(b) != op || bytes.get(i + 1) == Some(&b'=') {
            continue;
        }
        for span in [atom_before(bytes, i), atom_after(bytes, i + 1)]
            .into_iter()
            .flatten()
        {
            if !spans.contains(&span) {
                spans.push(span);
            }
        }
    }
    spans
}

fn is_atom_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

fn atom_before(bytes: &[u8], op: usize) -> Option<(usize, usize)> {
    let mut end = op;
    while end > 0 && bytes[end - 1] == b' ' {
        end -= 1;
    }
    let mut start = end;
    while start > 0 {
        let b = bytes[start - 1];
        if is_atom_byte(b) {
            start -= 1;
        } else if b == b')' || b == b']' {
            start = matching_open(bytes, start - 1)?;
        } else {
            break;
        }
    }
    (start < end && bytes[start] != b'.').then_some((start, end))
}

fn atom_after(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut start = from;
    while start < bytes.len() && bytes[start] == b' ' {
        start += 1;
    }
    let mut end = start;
    while end < bytes.len() {
        let b = bytes[end];
        if is_atom_byte(b) {
            end += 1;
        } else if b == b'(' || b == b'[' {
            end = matching_close(bytes, end)? + 1;
        } else {
            break;
        }
    }
    // `f"…"` and other prefixed literals are strings too.
    let literal = bytes.get(end).is_some_and(|b| *b == b'\'' || *b == b'"');
    (start < end && !literal).then_some((start, end))
}

fn matching_open(bytes: &[u8], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..=close).rev() {
        match bytes[i] {
            b')' | b']' => depth += 1,
            b'(' | b'[' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn matching_close(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operands_skip_string_literals() {
        let line = "    print(\"Total: \" + total + \" items in \" + str(n) + len(xs))";
        let found: Vec<&str> = operands(line, '+')
            .iter()
            .map(|(s, e)| &line[*s..*e])
            .collect();
        assert_eq!(found, ["total", "str(n)", "len(xs)"]);
        let line = "msg = name + 5";
        let found: Vec<&str> = operands(line, '+')
            .iter()
            .map(|(s, e)| &line[*s..*e])
            .collect();
        assert_eq!(found, ["name", "5"]);
    }
}
