//! Strings for a schema's `pattern`: the gateway validates replies with `regex-lite`, so
//! an offline answer must match it. Checking uses the gateway's own compiled patterns
//! (the `json-schema` crate); writing a matching string uses a small sampler for the common
//! subset (literals, classes, `\d \w \s .`, groups with alternation, quantifiers).
//! Patterns outside it (look-around, back-references, Unicode classes) get `None` and the
//! caller falls back.

/// Whether `s` matches `pattern` (unanchored, as JSON Schema says); `true` for a pattern
/// that does not compile (not enforced here: the gateway refuses such a schema anyway).
pub(crate) fn is_match(pattern: &str, s: &str) -> bool {
    json_schema::regex(pattern).map_or(true, |re| re.is_match(s))
}

/// A string matching `pattern`, taking each unbounded or ranged repetition `extra` times
/// more than its minimum (callers retry with larger `extra` to meet a `minLength`), and the
/// `choice`-th member of the first character class or alternation (callers vary it for
/// distinct strings: `^[A-D]$` gives `A`, `B`, ...).
pub(crate) fn sample(pattern: &str, extra: usize, choice: usize) -> Option<String> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
        depth: 0,
        extra,
        choice,
    };
    let out = parser.alternation()?;
    (parser.pos == parser.chars.len()).then_some(out)
}

/// Longest sample written.
const MAX_SAMPLE: usize = 10_000;

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    extra: usize,
    /// Which member the next class or alternation picks; used once, then 0.
    choice: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    /// Alternatives: the chosen one (normally the first) is written, the rest only parsed.
    /// The choice goes to whichever comes first: a class in the first alternative, or the
    /// alternation itself.
    fn alternation(&mut self) -> Option<String> {
        let choice = self.choice;
        let mut alternatives = vec![self.sequence()?];
        let unused = choice > 0 && self.choice == choice;
        while self.peek() == Some('|') {
            self.pos += 1;
            alternatives.push(self.sequence()?);
        }
        let at = if alternatives.len() > 1 && unused {
            self.choice = 0;
            choice % alternatives.len()
        } else {
            0
        };
        Some(alternatives.swap_remove(at))
    }

    fn sequence(&mut self) -> Option<String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let (min, max) = self.quantifier()?;
            let wanted = min.saturating_add(self.extra);
            let times = max.map_or(wanted, |max| wanted.min(max)).min(MAX_SAMPLE);
            for _ in 0..times {
                out.push_str(&atom);
                if out.len() > MAX_SAMPLE {
                    return None;
                }
            }
        }
        Some(out)
    }

    fn atom(&mut self) -> Option<String> {
        match self.next()? {
            '^' | '$' => Some(String::new()),
            '.' => Some("a".to_owned()),
            '(' => self.group(),
            '[' => self.class(),
            '\\' => self.escape(),
            '*' | '+' | '?' | '{' | ')' | '|' => None,
            c => Some(c.to_string()),
        }
    }

    fn group(&mut self) -> Option<String> {
        self.depth += 1;
        if self.depth > 32 {
            return None;
        }
        if self.peek() == Some('?') {
            self.pos += 1;
            match self.peek()? {
                ':' => self.pos += 1,
                'P' | '<' => while self.next()? != '>' {},
                _ => {
                    // Flags: `(?i)` or `(?i:...)`.
                    loop {
                        match self.next()? {
                            ')' => {
                                self.depth -= 1;
                                return Some(String::new());
                            }
                            ':' => break,
                            c if c.is_ascii_alphabetic() || c == '-' => {}
                            _ => return None,
                        }
                    }
                }
            }
        }
        let inner = self.alternation()?;
        (self.next()? == ')').then_some(())?;
        self.depth -= 1;
        Some(inner)
    }

    fn escape(&mut self) -> Option<String> {
        let c = self.next()?;
        let s = match c {
            'd' => "0",
            'w' => "a",
            's' => " ",
            'D' | 'S' => "a",
            'W' => "-",
            'b' | 'B' | 'A' | 'z' => "",
            'n' => "\n",
            't' => "\t",
            c if c.is_ascii_alphanumeric() => return None,
            c => return Some(c.to_string()),
        };
        Some(s.to_owned())
    }

    /// A character class: its first member, or for a negated class a common character
    /// outside it.
    fn class(&mut self) -> Option<String> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut ranges: Vec<(char, char)> = Vec::new();
        let mut first = true;
        loop {
            let c = self.next()?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = match c {
                '\\' => match self.next()? {
                    'd' => {
                        ranges.push(('0', '9'));
                        continue;
                    }
                    'w' => {
                        ranges.extend([('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]);
                        continue;
                    }
                    's' => {
                        ranges.push((' ', ' '));
                        continue;
                    }
                    'n' => '\n',
                    't' => '\t',
                    e if e.is_ascii_alphanumeric() => return None,
                    e => e,
                },
                '[' if self.peek() == Some(':') => return None,
                c => c,
            };
            let range_follows =
                self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|n| *n != ']');
            if range_follows {
                self.pos += 1;
                let hi = match self.next()? {
                    '\\' => self.next()?,
                    hi => hi,
                };
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        if !negated {
            let wanted = std::mem::take(&mut self.choice);
            let members = ranges
                .iter()
                .flat_map(|(lo, hi)| (*lo..=*hi).take(64))
                .take(256)
                .collect::<Vec<char>>();
            if members.is_empty() {
                return None;
            }
            return Some(members[wanted % members.len()].to_string());
        }
        ['a', 'x', '0', 'A', '-', '_', ' ', '.']
            .into_iter()
            .find(|c| !ranges.iter().any(|(lo, hi)| lo <= c && c <= hi))
            .map(|c| c.to_string())
    }

    /// `(min, max)` repetitions of the atom just read (`max` `None`: unbounded).
    fn quantifier(&mut self) -> Option<(usize, Option<usize>)> {
        let q = match self.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => {
                self.pos += 1;
                let min = self.number()?;
                let max = if self.peek() == Some(',') {
                    self.pos += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if self.next()? != '}' {
                    return None;
                }
                if self.peek() == Some('?') {
                    self.pos += 1;
                }
                return Some((min, max));
            }
            _ => return Some((1, Some(1))),
        };
        self.pos += 1;
        if self.peek() == Some('?') {
            self.pos += 1;
        }
        Some(q)
    }

    fn number(&mut self) -> Option<usize> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        digits.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_match_their_patterns() {
        let patterns = [
            "^[A-D]$",
            "^q[0-9]+$",
            "^[a-z]{3,8}-\\d{2}$",
            "^(foo|bar)+_(?:x|y)?baz$",
            "^[^0-9]+$",
            "\\w+@\\w+\\.com",
            "^(?i)[a-f]{4}$",
            "^[A-Z][a-z]*( [A-Z][a-z]*)*$",
            "^\\d{4}-\\d{2}-\\d{2}$",
            "^[\\w.-]+$",
        ];
        for pattern in patterns {
            for extra in [0, 1, 5] {
                for choice in [0, 1, 7] {
                    let s = sample(pattern, extra, choice).unwrap_or_else(|| panic!("{pattern}"));
                    assert!(is_match(pattern, &s), "{pattern} -> {s:?}");
                }
            }
        }
        assert_eq!(sample("^[A-D]$", 3, 0).as_deref(), Some("A"));
        assert_eq!(sample("^[A-D]$", 0, 2).as_deref(), Some("C"));
        assert_eq!(sample("^(yes|no)$", 0, 1).as_deref(), Some("no"));
        assert_eq!(sample("^q[0-9]+$", 2, 0).as_deref(), Some("q000"));
    }

    #[test]
    fn unsupported_patterns_are_declined() {
        for pattern in ["(?=x)x", "\\p{Greek}+", "(a", "[a-", "a{2", "*a", "\\1"] {
            let _ = sample(pattern, 0, 3);
        }
        assert!(sample("\\p{Greek}", 0, 0).is_none());
        assert!(
            is_match("(", "anything"),
            "uncompilable patterns are not enforced"
        );
    }
}
