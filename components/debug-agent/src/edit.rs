//! Small edits on the learner's code, line by line (1-based line numbers, as tracebacks
//! count), for building candidate fixes. Every edit returns `None` when it does not apply,
//! so a rule can try several.

/// The code's lines.
pub fn lines(code: &str) -> Vec<&str> {
    code.lines().collect()
}

/// Line `n` of `code`.
pub fn line(code: &str, n: u32) -> Option<&str> {
    let i = usize::try_from(n).ok()?.checked_sub(1)?;
    code.lines().nth(i)
}

/// `code` with line `n` replaced by `new` (which may hold several lines).
pub fn replace_line(code: &str, n: u32, new: &str) -> Option<String> {
    let i = usize::try_from(n).ok()?.checked_sub(1)?;
    let mut all: Vec<String> = code.lines().map(str::to_owned).collect();
    *all.get_mut(i)? = new.to_owned();
    Some(join(&all))
}

/// `code` with `new` inserted before line `n` (`n` = one past the last line appends).
pub fn insert_before(code: &str, n: u32, new: &str) -> Option<String> {
    let i = usize::try_from(n).ok()?.checked_sub(1)?;
    let mut all: Vec<String> = code.lines().map(str::to_owned).collect();
    if i > all.len() {
        return None;
    }
    all.insert(i, new.to_owned());
    Some(join(&all))
}

fn join(lines: &[String]) -> String {
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The leading whitespace of `line`.
pub fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Whether `c` can be part of a Python name.
pub fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The byte ranges of `word` in `text` as a whole name (not part of a longer one), outside
/// string literals.
pub fn word_positions(text: &str, word: &str) -> Vec<usize> {
    let mut found = Vec::new();
    if word.is_empty() {
        return found;
    }
    let mut quote: Option<char> = None;
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) => {
                if c == q && prev != Some('\\') {
                    quote = None;
                }
            }
            None if c == '#' => break,
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {
                let starts = text[i..].starts_with(word)
                    && !prev.is_some_and(|p| is_name_char(p) || p == '.')
                    && !text[i + word.len()..].starts_with(is_name_char);
                if starts {
                    found.push(i);
                }
            }
        }
        prev = Some(c);
    }
    found
}

/// `text` with every whole-name `old` outside strings replaced by `new`.
pub fn replace_word(text: &str, old: &str, new: &str) -> Option<String> {
    let at = word_positions(text, old);
    if at.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + new.len());
    let mut from = 0;
    for i in at {
        out.push_str(&text[from..i]);
        out.push_str(new);
        from = i + old.len();
    }
    out.push_str(&text[from..]);
    Some(out)
}

/// The names in `code` (outside strings and comments), each once, in order of appearance.
pub fn names(code: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in code.lines() {
        let mut quote: Option<char> = None;
        let mut current = String::new();
        let mut after_dot = false;
        for c in l.chars().chain(std::iter::once(' ')) {
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                continue;
            }
            if is_name_char(c) {
                current.push(c);
                continue;
            }
            let starts_ok = current.chars().next().is_some_and(|f| !f.is_ascii_digit());
            if starts_ok && !after_dot && !out.contains(&current) {
                out.push(current.clone());
            }
            after_dot = c == '.';
            current.clear();
            if c == '#' {
                break;
            }
            if c == '\'' || c == '"' {
                quote = Some(c);
            }
        }
    }
    out
}

/// The first line (1-based) on which `name` is assigned, defined or imported.
pub fn binding_line(code: &str, name: &str) -> Option<u32> {
    code.lines().enumerate().find_map(|(i, l)| {
        let t = l.trim_start();
        let bound = [
            format!("def {name}("),
            format!("class {name}"),
            format!("import {name}"),
        ]
        .iter()
        .any(|p| t.starts_with(p.as_str()))
            || t.starts_with(&format!("for {name} "))
            || assigns(t, name)
            || (t.starts_with("def ") && t.contains('(') && params(t).iter().any(|p| p == name));
        bound.then(|| u32::try_from(i + 1).unwrap_or(u32::MAX))
    })
}

/// Whether the statement `t` assigns to `name` (`name = …`, `name += …`, `a, name = …`).
fn assigns(t: &str, name: &str) -> bool {
    let Some(eq) = t.find('=') else {
        return false;
    };
    let target = t[..eq].trim_end_matches(['+', '-', '*', '/', '%']);
    if t[eq..].starts_with("==") || target.contains(['(', '[', '<', '>', '!']) {
        return false;
    }
    target.split(',').any(|part| part.trim() == name)
}

/// The parameter names of a `def` line.
fn params(def: &str) -> Vec<String> {
    let Some(open) = def.find('(') else {
        return Vec::new();
    };
    let close = def.rfind(')').unwrap_or(def.len());
    def.get(open + 1..close)
        .unwrap_or("")
        .split(',')
        .filter_map(|p| {
            let name = p.split([':', '=']).next()?.trim().trim_start_matches('*');
            (!name.is_empty()).then(|| name.to_owned())
        })
        .collect()
}

/// The edit distance between `a` and `b` (insertions, deletions, substitutions, and a
/// swap of neighbours counting one), for "did you mean".
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The name among `candidates` closest to `name`, if close enough to be a typo of it.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = if name.chars().count() <= 3 { 1 } else { 2 };
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            let d = if c.eq_ignore_ascii_case(name) {
                0
            } else {
                distance(name, c)
            };
            (d, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The first `'…'` (or `"…"`) quoted part of `text`.
pub fn first_quoted(text: &str) -> Option<&str> {
    let (start, q) = text.char_indices().find(|(_, c)| *c == '\'' || *c == '"')?;
    let rest = &text[start + 1..];
    let end = rest.find(q)?;
    Some(&rest[..end])
}

/// The text of `line` without a trailing comment (a `#` outside strings).
pub fn code_part(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' => return line[..i].trim_end(),
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {}
        }
    }
    line.trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_outside_strings() {
        assert_eq!(
            replace_word("print('totl', totl, totlx) # totl", "totl", "total").as_deref(),
            Some("print('totl', total, totlx) # totl")
        );
        assert_eq!(replace_word("x.totl", "totl", "a"), None);
    }

    #[test]
    fn names_bindings_and_typos() {
        let code = "total = 0\nfor n in nums:\n    total += n\nprint(totl)\n";
        assert_eq!(
            names(code),
            ["total", "for", "n", "in", "nums", "print", "totl"]
        );
        assert_eq!(binding_line(code, "total"), Some(1));
        assert_eq!(binding_line(code, "n"), Some(2));
        assert_eq!(binding_line("def f(a, b=2):\n", "b"), Some(1));
        assert_eq!(closest("totl", ["total", "print"]), Some("total"));
        assert_eq!(closest("pritn", ["print"]), Some("print"));
        assert_eq!(closest("zz", ["total"]), None);
    }

    #[test]
    fn line_edits() {
        let code = "a = 1\nb = 2\n";
        assert_eq!(
            replace_line(code, 2, "b = 3").as_deref(),
            Some("a = 1\nb = 3\n")
        );
        assert_eq!(
            insert_before(code, 3, "c = 4").as_deref(),
            Some("a = 1\nb = 2\nc = 4\n")
        );
        assert_eq!(replace_line(code, 0, "x"), None);
        assert_eq!(code_part("if x > 3  # check"), "if x > 3");
        assert_eq!(first_quoted("No such file: 'data.txt'"), Some("data.txt"));
    }
}
