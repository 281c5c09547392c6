//! Assertion tests, judged by the host.
//!
//! An assertion used to be evaluated, and its truth decided, inside the learner's own
//! interpreter, where an object whose `==` is always true, a rebound `bool` or a printed
//! record could pass it. Now:
//!
//! 1. The host splits the assertion ([`shape`]) into parts joined by `and`, each `a == b`,
//!    `a != b` or a truth test, each maybe under `not`. What it cannot split safely
//!    (`or`, `<`, `in`, a lambda, an f-string …) stays one truth test of the whole.
//! 2. The expected sides (`b`) are evaluated first, in a fresh instance that runs no
//!    learner code at all ([`Plan::expected_side`]). When they need the program's names,
//!    they are evaluated with the actual sides instead, in the learner's run.
//! 3. The learner's run evaluates the actual sides as one tuple ([`Plan::learner_side`]),
//!    guarded (only built-in values enter its comparisons, arithmetic and truth tests) and
//!    reports each value in a format of exact built-in types (`super::values`).
//! 4. The host compares those values with Python's rules for built-in types
//!    ([`Plan::judge`]); the runner's own `passed` is ignored.
//!
//! So an expected value evaluated in step 2 never enters the learner's interpreter: a
//! program cannot read it, and can only pass by producing it. The guards of step 3 hold
//! against what a program can do from Python (rebinding builtins, defining `__eq__`,
//! printing), but a program that rewrites the sandbox's own code could forge the values it
//! reports; that only helps it where it knows what is expected.

use serde_json::Value as Json;

use super::values::PyValue;

/// Longest display text taken from a runner's report, in bytes.
const MAX_SHOWN: usize = 4 * 1024;

/// One part of an assertion; the assertion holds when every part does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// `left == right` (`want_equal`), or `left != right`.
    Compare {
        /// The actual side's source.
        left: String,
        /// The expected side's source.
        right: String,
        /// Whether the sides must be equal (or unequal).
        want_equal: bool,
    },
    /// The truth of `expr` (`want_true`), or of `not expr`.
    Truth {
        /// The expression's source.
        expr: String,
        /// Whether it must be true (or false).
        want_true: bool,
    },
}

/// How an assertion is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// As parts joined by `and`.
    Parts(Vec<Part>),
    /// As one truth test of the whole expression, evaluated as written.
    Whole,
}

/// Keywords that end a part or make the assertion unsplittable when met outside brackets.
const UNSPLITTABLE_WORDS: &[&str] = &[
    "or", "if", "else", "lambda", "for", "async", "await", "yield", "in", "is", "from", "import",
    "def", "class", "return", "del", "pass", "with", "as", "global", "nonlocal", "assert", "raise",
    "try", "except", "finally", "while", "break", "continue", "elif",
];

/// A token met outside brackets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Top<'a> {
    /// A word (name, keyword or number).
    Word(&'a str),
    /// `==` or `!=`.
    Compare(&'a str),
    /// Anything else that is not plain arithmetic or punctuation inside a part.
    Other,
}

/// Splits `assertion` into parts, or says it must be checked whole. Conservative: anything
/// the scanner is not sure of (a string prefix with `f`/`t`, an unbalanced bracket, a
/// newline outside brackets) means [`Shape::Whole`].
pub fn shape(assertion: &str) -> Shape {
    scan(assertion.trim()).unwrap_or(Shape::Whole)
}

/// The scanner: tokens outside brackets, with their byte ranges, cut into parts at `and`.
fn scan(src: &str) -> Option<Shape> {
    let bytes = src.as_bytes();
    let mut depth: usize = 0;
    let mut i = 0;
    // Tokens outside brackets: (start, end, kind).
    let mut top: Vec<(usize, usize, Top<'_>)> = Vec::new();
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\x0c' => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if bytes.get(i + 1) == Some(&b'\r') => {
                i += if bytes.get(i + 2) == Some(&b'\n') {
                    3
                } else {
                    2
                };
            }
            b'\n' | b'\r' => {
                // Outside brackets a newline ends an eval'd expression: invalid Python,
                // which splitting must not make valid.
                if depth == 0 {
                    return None;
                }
                i += 1;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b'\'' | b'"' => i = skip_string(bytes, i)?,
            _ if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &src[start..i];
                if matches!(bytes.get(i), Some(b'\'' | b'"')) {
                    // A string prefix: plain (`r`, `b`, `u`, `rb` …) strings are scanned;
                    // f- and t-strings hold code of their own: not split.
                    let prefix = word.to_ascii_lowercase();
                    if prefix.len() > 2 || !prefix.chars().all(|p| matches!(p, 'r' | 'b' | 'u')) {
                        return None;
                    }
                    i = skip_string(bytes, i)?;
                    continue;
                }
                if word.as_bytes()[0].is_ascii_digit() && !plain_number(word) {
                    // `1if x else y`: a keyword glued to a number.
                    return None;
                }
                if depth == 0 {
                    top.push((start, i, Top::Word(word)));
                }
            }
            _ => {
                let two = bytes.get(i..i + 2).unwrap_or(&[]);
                let (len, kind) = match two {
                    b"==" | b"!=" => (2, Top::Compare(&src[i..i + 2])),
                    b"<=" | b">=" | b":=" | b"->" | b"<>" => (2, Top::Other),
                    b"**" | b"//" | b"<<" | b">>" => (2, Top::Word("")),
                    _ => match c {
                        b'<' | b'>' | b'=' | b',' | b';' | b':' | b'!' | b'@' => (1, Top::Other),
                        b'*' => (1, Top::Word("*")),
                        _ => (1, Top::Word("")),
                    },
                };
                if depth == 0 {
                    top.push((i, i + len, kind));
                }
                i += len;
            }
        }
    }
    if depth != 0 {
        return None;
    }
    // Cut at `and`, then read each part.
    let mut parts = Vec::new();
    let mut start = 0;
    let mut tokens: Vec<(usize, usize, Top<'_>)> = Vec::new();
    for token in top
        .into_iter()
        .chain([(src.len(), src.len(), Top::Word("and"))])
    {
        if token.2 == Top::Word("and") {
            parts.push(part(&src[start..token.0], start, &tokens)?);
            start = token.1;
            tokens.clear();
        } else {
            tokens.push(token);
        }
    }
    Some(Shape::Parts(parts))
}

/// Reads one part: leading `not`s, then one `==`/`!=` or none; anything else refuses.
fn part(text: &str, offset: usize, tokens: &[(usize, usize, Top<'_>)]) -> Option<Part> {
    let mut negations = 0;
    let mut body_start = 0;
    let mut compare: Option<(usize, usize, &str)> = None;
    for (index, &(start, end, kind)) in tokens.iter().enumerate() {
        let (start, end) = (start - offset, end - offset);
        match kind {
            Top::Word("not") if index == negations => {
                negations += 1;
                body_start = end;
            }
            Top::Word("not") => return None,
            // A star opening the body would unpack once the body sits in a tuple.
            Top::Word("*") if index == negations => return None,
            Top::Word(word) if UNSPLITTABLE_WORDS.contains(&word) => return None,
            Top::Word(_) => {}
            Top::Compare(op) if compare.is_none() => compare = Some((start, end, op)),
            Top::Compare(_) | Top::Other => return None,
        }
    }
    let want = negations % 2 == 0;
    match compare {
        Some((op_start, op_end, op)) => {
            let left = text[body_start..op_start].trim();
            let right = text[op_end..].trim();
            if left.is_empty() || right.is_empty() {
                return None;
            }
            Some(Part::Compare {
                left: left.to_owned(),
                right: right.to_owned(),
                want_equal: (op == "==") == want,
            })
        }
        None => {
            let expr = text[body_start..].trim();
            if expr.is_empty() {
                return None;
            }
            Some(Part::Truth {
                expr: expr.to_owned(),
                want_true: want,
            })
        }
    }
}

/// Whether `word` (starting with a digit) is a number and nothing glued to it.
fn plain_number(word: &str) -> bool {
    word.chars()
        .all(|c| c.is_ascii_hexdigit() || matches!(c, '_' | 'x' | 'X' | 'o' | 'O' | 'j' | 'J'))
}

/// The index after the string literal whose opening quote is at `at`.
fn skip_string(bytes: &[u8], at: usize) -> Option<usize> {
    let quote = bytes[at];
    let triple = bytes.get(at..at + 3) == Some(&[quote, quote, quote][..]);
    let mut i = at + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            // In every kind of string a backslash keeps the next character from closing it.
            b'\\' => i += 2,
            b'\n' if !triple => return None,
            q if q == quote => {
                if !triple {
                    return Some(i + 1);
                }
                if bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]) {
                    return Some(i + 3);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// Python source of a tuple of `exprs`, each on lines of its own so a trailing comment in
/// one cannot swallow the rest.
pub fn tuple(exprs: &[&str]) -> String {
    let mut out = String::from("(\n");
    for e in exprs {
        out.push_str(e);
        out.push_str("\n,\n");
    }
    out.push(')');
    out
}

/// One value the runner reported: in the comparison format, or why not, and its repr.
#[derive(Debug, Clone)]
pub struct Reported {
    /// The value, or why it cannot be compared (e.g. `an object of type A`).
    pub value: Result<PyValue, String>,
    /// Its repr, for people.
    pub shown: String,
}

impl Reported {
    fn from_json(json: &Json) -> Reported {
        let shown = json["shown"].as_str().unwrap_or_default();
        let shown = super::outcome::bounded(shown.to_owned(), MAX_SHOWN);
        let value = match (json.get("value"), json["uncomparable"].as_str()) {
            (Some(v), _) => PyValue::from_json(v)
                .ok_or_else(|| "a value not in the comparison format".to_owned()),
            (None, Some(why)) => Err(super::outcome::bounded(why.to_owned(), 200)),
            (None, None) => Err("no value was reported".to_owned()),
        };
        Reported { value, shown }
    }

    /// What a failed test shows as the value.
    fn describe(&self) -> String {
        match &self.value {
            Ok(_) => self.shown.clone(),
            Err(why) => format!(
                "{} ({why}: checks compare built-in values only)",
                self.shown
            ),
        }
    }
}

/// A runner's report of an evaluated assertion: the value, and each item of a tuple.
#[derive(Debug, Clone)]
pub struct Report {
    /// The whole value.
    pub whole: Reported,
    /// The items, when the value was a tuple.
    pub items: Option<Vec<Reported>>,
}

impl Report {
    /// Reads a runner's `actual`; `None` when it is not a report (the program exited
    /// before the check, or a runner that does not report values).
    pub fn parse(text: &str) -> Option<Report> {
        let json: Json = serde_json::from_str(text).ok()?;
        if !json.is_object() {
            return None;
        }
        Some(Report {
            whole: Reported::from_json(&json),
            items: json["items"]
                .as_array()
                .map(|items| items.iter().map(Reported::from_json).collect()),
        })
    }
}

/// The outcome of an assertion test, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether it held.
    pub passed: bool,
    /// What was expected: the expected side of a single `==`, else the assertion.
    pub expected: String,
    /// What the program produced: the actual side of a single `==`, else the value.
    pub actual: String,
}

/// How one assertion is checked.
#[derive(Debug, Clone)]
pub struct Plan {
    assertion: String,
    shape: Shape,
}

impl Plan {
    /// The plan for `assertion`.
    pub fn new(assertion: &str) -> Self {
        Self {
            assertion: assertion.trim().to_owned(),
            shape: shape(assertion),
        }
    }

    fn rights(&self) -> Vec<&str> {
        match &self.shape {
            Shape::Parts(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Part::Compare { right, .. } => Some(right.as_str()),
                    Part::Truth { .. } => None,
                })
                .collect(),
            Shape::Whole => Vec::new(),
        }
    }

    /// What a fresh instance without the program evaluates first: the expected sides as
    /// a tuple; `None` when there are none.
    pub fn expected_side(&self) -> Option<String> {
        let rights = self.rights();
        (!rights.is_empty()).then(|| tuple(&rights))
    }

    /// The expected sides' values, from the report of [`Plan::expected_side`]'s run: all of
    /// them comparable, or `None` (then they are evaluated in the learner's run).
    pub fn trusted_values(&self, report: Option<&Report>) -> Option<Vec<Reported>> {
        let items = report?.items.clone()?;
        (items.len() == self.rights().len() && items.iter().all(|i| i.value.is_ok()))
            .then_some(items)
    }

    /// What the learner's run evaluates: every part's sides as one tuple (the expected
    /// sides too unless `trusted`), or the assertion itself when it is checked whole.
    pub fn learner_side(&self, trusted: bool) -> String {
        match &self.shape {
            Shape::Whole => self.assertion.clone(),
            Shape::Parts(parts) => {
                let mut exprs = Vec::new();
                for p in parts {
                    match p {
                        Part::Compare { left, right, .. } => {
                            exprs.push(left.as_str());
                            if !trusted {
                                exprs.push(right.as_str());
                            }
                        }
                        Part::Truth { expr, .. } => exprs.push(expr.as_str()),
                    }
                }
                tuple(&exprs)
            }
        }
    }

    /// Judges the learner's `report` (of [`Plan::learner_side`]) against `trusted`
    /// expected values (from [`Plan::trusted_values`]), or against the expected sides the
    /// learner's run evaluated.
    pub fn judge(&self, trusted: Option<&[Reported]>, report: &Report) -> Verdict {
        let parts = match &self.shape {
            Shape::Whole => {
                let r = &report.whole;
                return Verdict {
                    passed: r.value.as_ref().is_ok_and(PyValue::truthy),
                    expected: self.assertion.clone(),
                    actual: r.describe(),
                };
            }
            Shape::Parts(parts) => parts,
        };
        let Some(items) = &report.items else {
            // A guard stopped the evaluation before any value: the report says why.
            return self.failed(report.whole.describe());
        };
        let mut items = items.iter();
        let mut expected = trusted.map(|t| t.iter());
        let mut passed = true;
        let mut single: Option<(String, String)> = None;
        for p in parts {
            let held = match p {
                Part::Compare { want_equal, .. } => {
                    let left = items.next();
                    let right = match &mut expected {
                        Some(t) => t.next(),
                        None => items.next(),
                    };
                    let (Some(left), Some(right)) = (left, right) else {
                        return self.failed("the sandbox reported too few values".into());
                    };
                    if parts.len() == 1 && *want_equal {
                        single = Some((right.describe(), left.describe()));
                    }
                    match (&left.value, &right.value) {
                        (Ok(l), Ok(r)) => l.py_eq(r) == *want_equal,
                        _ => false,
                    }
                }
                Part::Truth { want_true, .. } => {
                    let Some(item) = items.next() else {
                        return self.failed("the sandbox reported too few values".into());
                    };
                    if parts.len() == 1 && *want_true {
                        single = Some((self.assertion.clone(), item.describe()));
                    }
                    item.value.as_ref().is_ok_and(|v| v.truthy() == *want_true)
                }
            };
            passed &= held;
        }
        let (expected, actual) = single.unwrap_or_else(|| {
            (
                self.assertion.clone(),
                if passed { "True" } else { "False" }.to_owned(),
            )
        });
        Verdict {
            passed,
            expected,
            actual,
        }
    }

    /// A failed check that produced no comparable value; `actual` says what happened.
    pub fn failed(&self, actual: String) -> Verdict {
        Verdict {
            passed: false,
            expected: self.assertion.clone(),
            actual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(left: &str, right: &str, want_equal: bool) -> Part {
        Part::Compare {
            left: left.into(),
            right: right.into(),
            want_equal,
        }
    }

    fn truth(expr: &str, want_true: bool) -> Part {
        Part::Truth {
            expr: expr.into(),
            want_true,
        }
    }

    #[test]
    fn equalities_truth_tests_and_their_negations_split() {
        assert_eq!(
            shape("add(2, 3) == 5"),
            Shape::Parts(vec![cmp("add(2, 3)", "5", true)])
        );
        assert_eq!(
            shape("  f(x)!=[1, 2]  "),
            Shape::Parts(vec![cmp("f(x)", "[1, 2]", false)])
        );
        assert_eq!(
            shape("not a == b"),
            Shape::Parts(vec![cmp("a", "b", false)])
        );
        assert_eq!(
            shape("is_prime(7) and not is_prime(8) and s.pop() == 'x == y'"),
            Shape::Parts(vec![
                truth("is_prime(7)", true),
                truth("is_prime(8)", false),
                cmp("s.pop()", "'x == y'", true),
            ])
        );
        assert_eq!(
            shape("d[\"and\"] == {'a': (1, 2)}  # note == 3"),
            Shape::Parts(vec![cmp("d[\"and\"]", "{'a': (1, 2)}  # note == 3", true)])
        );
        assert_eq!(
            shape("(a or b) == (c if d else e)"),
            Shape::Parts(vec![cmp("(a or b)", "(c if d else e)", true)])
        );
        assert_eq!(
            shape("f(\n  1,\n  2) == r'\\'' and -x == 2 ** 3 // 1"),
            Shape::Parts(vec![
                cmp("f(\n  1,\n  2)", "r'\\''", true),
                cmp("-x", "2 ** 3 // 1", true),
            ])
        );
        assert_eq!(
            shape("x == '''a\n== b'''"),
            Shape::Parts(vec![cmp("x", "'''a\n== b'''", true)])
        );
        assert_eq!(shape("True"), Shape::Parts(vec![truth("True", true)]));
        assert_eq!(
            shape("a == \\\n  b"),
            Shape::Parts(vec![cmp("a", "\\\n  b", true)])
        );
    }

    #[test]
    fn anything_else_is_checked_whole() {
        for whole in [
            "a == b or c",
            "a == b == c",
            "a < b",
            "x in xs",
            "x not in xs",
            "x is None",
            "a == b if c else d",
            "lambda: 1",
            "f'{x}' == 'x'",
            "x == t'{y}'",
            "a == b, c",
            "(y := 2) == 2 and y := 3",
            "1if x else 2 == 3",
            "a ==",
            "== b",
            "and a",
            "a and",
            "*a",
            "not *a",
            "x == 1\n== 1",
            "f(1 == 2",
            "f(1)) == 2",
            "'unterminated == 1",
            "a = 1",
            "a <> b",
            "not",
            "",
            "yield x",
            "await f() == 1",
        ] {
            assert_eq!(shape(whole), Shape::Whole, "{whole:?}");
        }
    }

    #[test]
    fn the_learner_side_holds_no_trusted_expected_side() {
        let plan = Plan::new("add(2, 3) == 5 and ok()");
        assert_eq!(plan.expected_side().as_deref(), Some("(\n5\n,\n)"));
        assert_eq!(plan.learner_side(true), "(\nadd(2, 3)\n,\nok()\n,\n)");
        assert_eq!(
            plan.learner_side(false),
            "(\nadd(2, 3)\n,\n5\n,\nok()\n,\n)"
        );
        let whole = Plan::new("a < b");
        assert_eq!(whole.expected_side(), None);
        assert_eq!(whole.learner_side(false), "a < b");
    }

    fn report(json: &str) -> Report {
        Report::parse(json).unwrap_or_else(|| panic!("not a report: {json}"))
    }

    fn items(json: &str) -> Vec<Reported> {
        report(json).items.unwrap()
    }

    #[test]
    fn the_host_compares_reported_values() {
        let plan = Plan::new("add(2, 3) == 5");
        let five = items(
            r#"{"value": {"tuple": [5]}, "shown": "(5,)", "items": [{"value": 5, "shown": "5"}]}"#,
        );
        let trusted = plan.trusted_values(Some(&report(
            r#"{"value": {"tuple": [5]}, "shown": "(5,)", "items": [{"value": 5, "shown": "5"}]}"#,
        )));
        assert!(trusted.is_some());
        let verdict = plan.judge(trusted.as_deref(), &report(r#"{"value": {"tuple": [5.0]}, "shown": "(5.0,)", "items": [{"value": 5.0, "shown": "5.0"}]}"#));
        assert_eq!(
            verdict,
            Verdict {
                passed: true,
                expected: "5".into(),
                actual: "5.0".into()
            }
        );
        let verdict = plan.judge(Some(&five), &report(r#"{"uncomparable": "an object of type A", "shown": "<A>", "items": [{"uncomparable": "an object of type A", "shown": "<A>"}]}"#));
        assert!(!verdict.passed);
        assert_eq!(
            verdict.actual,
            "<A> (an object of type A: checks compare built-in values only)"
        );
        // A runner's claim that the test passed is not a value.
        let verdict = plan.judge(Some(&five), &report(r#"{"passed": true}"#));
        assert!(!verdict.passed, "{verdict:?}");
    }

    #[test]
    fn truth_tests_and_negations_are_judged_on_values() {
        let plan = Plan::new("is_prime(7) and not is_prime(8) and xs != []");
        let r = report(
            r#"{"value": null, "shown": "", "items": [
                {"value": true, "shown": "True"}, {"value": false, "shown": "False"},
                {"value": [1], "shown": "[1]"}, {"value": [], "shown": "[]"}]}"#,
        );
        let verdict = plan.judge(None, &r);
        assert!(verdict.passed, "{verdict:?}");
        assert_eq!(verdict.actual, "True");
        let r = report(
            r#"{"value": null, "shown": "", "items": [
                {"value": true, "shown": "True"}, {"value": 1, "shown": "1"},
                {"value": [1], "shown": "[1]"}, {"value": [], "shown": "[]"}]}"#,
        );
        assert!(!plan.judge(None, &r).passed);
        let whole = Plan::new("a < b");
        assert!(
            whole
                .judge(None, &report(r#"{"value": true, "shown": "True"}"#))
                .passed
        );
        assert!(
            !whole
                .judge(None, &report(r#"{"value": 0, "shown": "0"}"#))
                .passed
        );
        assert!(
            !whole
                .judge(
                    None,
                    &report(r#"{"uncomparable": "an object of type T", "shown": "t"}"#)
                )
                .passed
        );
        assert!(Report::parse("the program called exit() before the assertion ran").is_none());
    }
}
