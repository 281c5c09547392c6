//! Output comparison and the text helpers feedback is written with.

/// Output as compared: trailing whitespace of each line and trailing blank lines dropped
/// (the sandbox's own rule, `host/src/sandbox/test_cases.rs`). `\r\n` counts as `\n`.
pub fn normalise(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    lines[..end].join("\n")
}

/// Whether `actual` output matches `expected`.
pub fn output_matches(expected: &str, actual: &str) -> bool {
    normalise(expected) == normalise(actual)
}

/// `text` cut to at most `max` characters, with `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// `text` cut to at most `max` bytes on a character boundary, and whether it was cut.
pub fn bounded(text: &str, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text.to_owned(), false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_owned(), true)
}

/// A line of output in quotes, escaped so whitespace and line breaks are visible, cut to
/// `max` characters.
pub fn quote(text: &str, max: usize) -> String {
    let escaped: String = text.chars().flat_map(char::escape_debug).collect();
    format!("\"{}\"", clip(&escaped, max))
}

/// Longest quoted line in a difference, in characters.
const SHOWN_LINE: usize = 80;

/// Says how `actual` output differs from `expected` (both compared normalised), naming the
/// first line that differs, e.g. `expected "3" but got "4"` or
/// `line 2: expected "b" but got "c"`.
pub fn describe_difference(expected: &str, actual: &str) -> String {
    let (expected, actual) = (normalise(expected), normalise(actual));
    let q = |s: &str| quote(s, SHOWN_LINE);
    if actual.is_empty() {
        return if expected.contains('\n') {
            format!(
                "expected {} lines starting {} but the program printed nothing",
                expected.lines().count(),
                q(expected.lines().next().unwrap_or(""))
            )
        } else {
            format!("expected {} but the program printed nothing", q(&expected))
        };
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    if e.len() <= 1 && a.len() == 1 {
        return format!("expected {} but got {}", q(&expected), q(&actual));
    }
    let first = (0..e.len().max(a.len()))
        .find(|&i| e.get(i) != a.get(i))
        .unwrap_or(0);
    match (e.get(first), a.get(first)) {
        (Some(want), Some(got)) => format!(
            "line {}: expected {} but got {}",
            first + 1,
            q(want),
            q(got)
        ),
        (Some(want), None) => format!(
            "the output stops after line {}; expected line {}: {}",
            first,
            first + 1,
            q(want)
        ),
        (None, Some(got)) => format!(
            "expected {} line{} but got more; line {}: {}",
            e.len(),
            if e.len() == 1 { "" } else { "s" },
            first + 1,
            q(got)
        ),
        (None, None) => "the output differs".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_whitespace_and_blank_lines_do_not_count() {
        assert!(output_matches("3\n4", "3 \n4\t\n\n\n"));
        assert!(output_matches("a\nb\n", "a\r\nb\r\n"));
        assert!(output_matches("", "\n \n"));
    }

    #[test]
    fn inner_differences_count() {
        assert!(!output_matches("3\n4", "3\n\n4"));
        assert!(!output_matches("3", " 3"));
        assert!(!output_matches("Hello", "hello"));
    }

    #[test]
    fn differences_are_described() {
        assert_eq!(
            describe_difference("3\n", "4\n"),
            r#"expected "3" but got "4""#
        );
        assert_eq!(
            describe_difference("3", ""),
            r#"expected "3" but the program printed nothing"#
        );
        assert_eq!(
            describe_difference("a\nb\n", "  \n"),
            r#"expected 2 lines starting "a" but the program printed nothing"#
        );
        assert_eq!(
            describe_difference("a\nb\nc", "a\nB\nc"),
            r#"line 2: expected "b" but got "B""#
        );
        assert_eq!(
            describe_difference("a\nb\nc", "a\nb"),
            r#"the output stops after line 2; expected line 3: "c""#
        );
        assert_eq!(
            describe_difference("a", "a\nb"),
            r#"expected 1 line but got more; line 2: "b""#
        );
        assert_eq!(describe_difference("", "x"), r#"expected "" but got "x""#);
        // Leading whitespace and tabs are visible.
        assert_eq!(
            describe_difference("3", " 3\t x"),
            r#"expected "3" but got " 3\t x""#
        );
    }

    #[test]
    fn long_lines_are_clipped() {
        let long = "x".repeat(200);
        let d = describe_difference("y", &long);
        assert!(d.ends_with("…\""), "{d}");
        assert!(d.chars().count() < 120, "{d}");
    }

    #[test]
    fn clip_and_bounded_respect_characters() {
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("hé", 2), "hé");
        assert_eq!(bounded("héllo", 2), ("h".to_owned(), true));
        assert_eq!(bounded("hé", 3), ("hé".to_owned(), false));
        assert_eq!(quote("a\"b\n", 10), r#""a\"b\n""#);
    }
}
