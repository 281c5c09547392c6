//! Errors Python finds before running anything: `SyntaxError`, `IndentationError`,
//! `TabError`.

use super::{Case, Diagnosis, capitalised, tick};
use crate::edit;

/// Statements that open a block and end with a colon.
const BLOCK_KEYWORDS: &[&str] = &[
    "if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with",
];

pub(super) fn syntax_error(case: &Case<'_>) -> Option<Diagnosis> {
    let at = case.where_();
    let meaning = format!(
        "A `SyntaxError` means Python couldn't read your code as Python, so it didn't run any \
         of it. The error is on {at} or just before it (look at the end of the previous line \
         too)."
    );
    let site = Site {
        message: case.error.message.as_str(),
        at,
        code: case.code.unwrap_or(""),
        line_no: case.error.line.unwrap_or(0),
        line: case.code_line(),
    };
    missing_colon(&site, &meaning)
        .or_else(|| never_closed(&site, &meaning))
        .or_else(|| assignment_in_condition(&site, &meaning))
        .or_else(|| unterminated_string(&site, &meaning))
        .or_else(|| print_statement(&site, &meaning))
}

/// Where a syntax error is.
struct Site<'a> {
    message: &'a str,
    at: String,
    code: &'a str,
    line_no: u32,
    line: Option<&'a str>,
}

fn missing_colon(site: &Site<'_>, meaning: &str) -> Option<Diagnosis> {
    let Site {
        message: m,
        at,
        code,
        line_no,
        line,
    } = site;
    let (code, line_no, line) = (*code, *line_no, *line);
    let meaning = meaning.to_owned();
    let header = line.filter(|l| {
        let first = l.trim_start().split([' ', ':', '(']).next().unwrap_or("");
        BLOCK_KEYWORDS.contains(&first) && !edit::code_part(l).ends_with(':')
    });
    if !(*m == "expected ':'" || (m.starts_with("invalid syntax") && header.is_some())) {
        return None;
    }
    let candidate = line.and_then(|l| {
        let fixed = format!("{}:", edit::code_part(l));
        edit::replace_line(code, line_no, &fixed)
    });
    Some(
        Diagnosis::new(
            meaning,
            format!(
                "{start} starts a block (an `if`, a loop, a `def` …). Every line that starts \
                 a block has to end with a particular character, and this one doesn't.",
                start = capitalised(at)
            ),
            format!(
                "Compare {at} with another `if` or `for` line that works. What is at the \
                 very end of the working one?"
            ),
            format!("Add a colon `:` at the end of {at}."),
        )
        .with([candidate]),
    )
}

fn never_closed(site: &Site<'_>, meaning: &str) -> Option<Diagnosis> {
    let Site {
        message: m,
        at,
        code,
        line_no,
        line,
    } = site;
    let (code, line_no, line) = (*code, *line_no, *line);
    let meaning = meaning.to_owned();
    let open = m.strip_suffix(" was never closed")?;
    let open = open.trim_matches('\'');
    let close = match open {
        "(" => ")",
        "[" => "]",
        "{" => "}",
        _ => return None,
    };
    let candidate = line.and_then(|l| {
        let fixed = format!("{}{close}", edit::code_part(l));
        edit::replace_line(code, line_no, &fixed)
    });
    Some(
        Diagnosis::new(
            meaning,
            format!(
                "A bracket {o} opened on {at} is never closed, so Python reads on into the \
                 next lines looking for its partner.",
                o = tick(open)
            ),
            format!("Count the opening and closing brackets on {at}. Do the numbers match?"),
            format!("Add the missing {c} at the end of {at}.", c = tick(close)),
        )
        .with([candidate]),
    )
}

fn assignment_in_condition(site: &Site<'_>, meaning: &str) -> Option<Diagnosis> {
    let Site {
        message: m,
        at,
        code,
        line_no,
        line,
    } = site;
    let (code, line_no, line) = (*code, *line_no, *line);
    let meaning = meaning.to_owned();
    if !(m.contains("Maybe you meant '==' or ':=' instead of '='")) {
        return None;
    }
    let candidate = line.and_then(|l| {
        let i = single_equals(l)?;
        let fixed = format!("{}=={}", &l[..i], &l[i + 1..]);
        edit::replace_line(code, line_no, &fixed)
    });
    Some(
        Diagnosis::new(
            meaning,
            format!(
                "The condition on {at} uses `=`. In Python a single `=` stores a value in \
                 a variable; it doesn't compare two values."
            ),
            "Which operator asks \"are these two values equal?\"".to_owned(),
            format!("Use `==` instead of `=` in the condition on {at}."),
        )
        .with([candidate]),
    )
}

fn unterminated_string(site: &Site<'_>, meaning: &str) -> Option<Diagnosis> {
    let Site {
        message: m,
        at,
        code,
        line_no,
        line,
    } = site;
    let (code, line_no, line) = (*code, *line_no, *line);
    let meaning = meaning.to_owned();
    if !(m.starts_with("unterminated string literal")) {
        return None;
    }
    let candidates = line.map(close_string).unwrap_or_default();
    Some(
        Diagnosis::new(
            meaning,
            format!(
                "A string on {at} starts with a quote but never ends, so Python reads the \
                 rest of the line as text."
            ),
            format!(
                "Find each quote on {at}. Does every opening quote have a matching closing \
                 one of the same kind?"
            ),
            format!("Close the string with the same quote it starts with, on {at}."),
        )
        .with(
            candidates
                .into_iter()
                .map(|l| edit::replace_line(code, line_no, &l)),
        ),
    )
}

fn print_statement(site: &Site<'_>, meaning: &str) -> Option<Diagnosis> {
    let Site {
        message: m,
        at,
        code,
        line_no,
        line,
    } = site;
    let (code, line_no, line) = (*code, *line_no, *line);
    let meaning = meaning.to_owned();
    if !(m.starts_with("Missing parentheses in call to 'print'")) {
        return None;
    }
    let candidate = line.and_then(|l| {
        let t = edit::code_part(l.trim_start());
        let args = t.strip_prefix("print")?.trim();
        edit::replace_line(code, line_no, &format!("{}print({args})", edit::indent(l)))
    });
    Some(
        Diagnosis::new(
            meaning,
            "`print` is a function in Python 3, not a statement as in Python 2, so it \
             needs what every function call needs."
                .to_owned(),
            format!("How do you call any other function, say `len`? Compare with {at}."),
            "Put what you print in parentheses: `print(...)`.".to_owned(),
        )
        .with([candidate]),
    )
}

pub(super) fn indentation_error(case: &Case<'_>) -> Option<Diagnosis> {
    let m = case.error.message.as_str();
    let at = case.where_();
    let meaning = format!(
        "An `IndentationError` means the spaces at the start of a line don't fit the code's \
         structure. Python uses indentation to know which lines belong to an `if`, a loop or \
         a function, so it must be consistent. Look at {at}."
    );
    let code = case.code.unwrap_or("");
    let line_no = case.error.line.unwrap_or(0);
    let previous = previous_code_line(code, line_no);
    if m.starts_with("expected an indented block") {
        let candidates = case.code_line().zip(previous).map(|(l, prev)| {
            let body = format!("{}    {}", edit::indent(prev), l.trim_start());
            let one = edit::replace_line(code, line_no, &body);
            let block = indent_block(code, line_no, edit::indent(prev));
            vec![one, block]
        });
        return Some(
            Diagnosis::new(
                meaning,
                format!(
                    "The line before {at} ends with `:`, so it opens a block, but the block is \
                     empty: {at} isn't indented further than the line that opens it."
                ),
                "Which lines should belong to the block that line opens? How does Python see \
                 that a line is inside a block?"
                    .to_owned(),
                format!(
                    "Indent {at} (and the other lines of the block) by four spaces more than \
                     the line ending in `:`."
                ),
            )
            .with(candidates.unwrap_or_default()),
        );
    }
    if m.starts_with("unexpected indent") || m.starts_with("unindent does not match") {
        let unexpected = m.starts_with("unexpected");
        let candidate = case.code_line().and_then(|l| {
            let levels = outer_levels(code, line_no);
            let own = edit::indent(l).len();
            let target = if unexpected {
                previous.map(|p| edit::indent(p).len())?
            } else {
                levels.into_iter().filter(|n| *n <= own).max()?
            };
            edit::replace_line(
                code,
                line_no,
                &format!("{}{}", " ".repeat(target), l.trim_start()),
            )
        });
        return Some(
            Diagnosis::new(
                meaning,
                if unexpected {
                    format!(
                        "{start} is indented more than the line before it, but that line \
                         doesn't open a block (it doesn't end with `:`).",
                        start = capitalised(&at)
                    )
                } else {
                    format!(
                        "{start} is indented by a number of spaces that matches none of the \
                         blocks around it, so Python can't tell which block it belongs to.",
                        start = capitalised(&at)
                    )
                },
                format!(
                    "Which block should {at} belong to? Count the spaces in front of it and in \
                     front of the other lines of that block."
                ),
                format!(
                    "Align {at} exactly with the other lines of its block (same number of \
                     spaces; don't mix tabs and spaces)."
                ),
            )
            .with([candidate]),
        );
    }
    if case.error.error_type == "TabError" || m.contains("inconsistent use of tabs") {
        let candidate = (!code.is_empty()).then(|| code.replace('\t', "    "));
        return Some(
            Diagnosis::new(
                meaning,
                "Some lines are indented with tab characters and others with spaces. They look \
                 alike in an editor, but Python counts them differently."
                    .to_owned(),
                "Turn on \"show whitespace\" in your editor: which lines use tabs?".to_owned(),
                "Indent every line with spaces only, four per level.".to_owned(),
            )
            .with([candidate]),
        );
    }
    None
}

/// The last non-blank line before line `n`.
fn previous_code_line(code: &str, n: u32) -> Option<&str> {
    let n = usize::try_from(n).ok()?.checked_sub(1)?;
    code.lines().take(n).filter(|l| !l.trim().is_empty()).last()
}

/// `code` with line `n` and the lines after it, up to a blank line or a dedent below
/// `header`'s level, indented one level under `header`.
fn indent_block(code: &str, n: u32, header: &str) -> Option<String> {
    let start = usize::try_from(n).ok()?.checked_sub(1)?;
    let mut lines: Vec<String> = code.lines().map(str::to_owned).collect();
    for l in lines.iter_mut().skip(start) {
        if l.trim().is_empty() || edit::indent(l).len() < header.len() {
            break;
        }
        if l.starts_with(header) && edit::indent(l).len() == header.len() {
            *l = format!("{header}    {}", l.trim_start());
        } else {
            break;
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Some(out)
}

/// The indentation levels of the lines before line `n`.
fn outer_levels(code: &str, n: u32) -> Vec<usize> {
    code.lines()
        .take(usize::try_from(n).unwrap_or(0).saturating_sub(1))
        .filter(|l| !l.trim().is_empty())
        .map(|l| edit::indent(l).len())
        .collect()
}

/// The byte index of a lone `=` (not `==`, `<=`, `>=`, `!=`) in `line`.
fn single_equals(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    (0..b.len()).find(|&i| {
        b[i] == b'='
            && b.get(i + 1) != Some(&b'=')
            && (i == 0 || !matches!(b[i - 1], b'=' | b'<' | b'>' | b'!'))
    })
}

/// `line` with its unterminated string closed: before a final `)` first, else at the end.
fn close_string(line: &str) -> Vec<String> {
    let mut open: Option<char> = None;
    for c in line.chars() {
        match open {
            Some(q) if c == q => open = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => open = Some(c),
            None => {}
        }
    }
    let Some(q) = open else {
        return Vec::new();
    };
    let trimmed = line.trim_end();
    let mut out = Vec::new();
    if let Some(body) = trimmed.strip_suffix(')') {
        out.push(format!("{body}{q})"));
    }
    out.push(format!("{trimmed}{q}"));
    out
}
