//! Finds a model's quote in the message, so a fragment's span is computed here, never
//! taken from the model: first the exact characters, then ignoring case, runs of
//! whitespace and curly versus straight quotes. Surrounding quote marks, whitespace and an
//! ellipsis the model added are trimmed first; a quote ending in `.`, `,`, `;`, `!` or `?`
//! that the message does not have there is tried without it. A quote found nowhere is
//! dropped by the caller: the WIT's fragment text must equal the message's characters.

/// A way of finding a quote: character spans of its occurrences.
type Finder = fn(&str, &str) -> Vec<(usize, usize)>;

/// Whether the spans `a` and `b` share a character.
fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Straightens quotes and apostrophes.
fn straight(c: char) -> char {
    match c {
        '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`' | '\u{00b4}' => '\'',
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{00ab}' | '\u{00bb}' => '"',
        c => c,
    }
}

/// The normalised characters of `text`, each with the original character offset it came
/// from: lower case, straight quotes, every run of whitespace one space.
fn normalise(text: &str) -> Vec<(char, usize)> {
    let mut out: Vec<(char, usize)> = Vec::new();
    for (k, c) in text.chars().enumerate() {
        if c.is_whitespace() {
            if out.last().is_some_and(|(p, _)| *p != ' ') {
                out.push((' ', k));
            }
            continue;
        }
        for l in straight(c).to_lowercase() {
            out.push((l, k));
        }
    }
    if out.last().is_some_and(|(p, _)| *p == ' ') {
        out.pop();
    }
    out
}

/// The quote without what a model wraps around it.
fn trim_quote(quote: &str) -> &str {
    let mut q = quote.trim();
    loop {
        let before = q;
        q = q
            .trim_start_matches([
                '"', '\'', '\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}', '«', '»',
            ])
            .trim_end_matches([
                '"', '\'', '\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}', '«', '»',
            ])
            .trim_end_matches('…')
            .trim_end_matches("...")
            .trim_start_matches('…')
            .trim_start_matches("...")
            .trim();
        if q == before {
            return q;
        }
    }
}

/// Character spans of the exact occurrences of `quote` in `text`.
fn exact(text: &str, quote: &str) -> Vec<(usize, usize)> {
    let len = quote.chars().count();
    text.match_indices(quote)
        .map(|(b, _)| {
            let start = text[..b].chars().count();
            (start, start + len)
        })
        .collect()
}

/// Character spans of the occurrences of `quote` in `text`, ignoring case, whitespace
/// runs and quote styles.
fn loose(text: &str, quote: &str) -> Vec<(usize, usize)> {
    let hay = normalise(text);
    let needle: Vec<char> = normalise(quote).into_iter().map(|(c, _)| c).collect();
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len())
        .filter(|&i| {
            hay[i..i + needle.len()]
                .iter()
                .map(|(c, _)| *c)
                .eq(needle.iter().copied())
        })
        .map(|i| (hay[i].1, hay[i + needle.len() - 1].1 + 1))
        .collect()
}

/// Where `quote` is in `text` (character offsets), avoiding the spans in `taken` when
/// another occurrence is free; `None` when it is nowhere.
pub fn locate(text: &str, quote: &str, taken: &[(usize, usize)]) -> Option<(usize, usize)> {
    let q = trim_quote(quote);
    if q.is_empty() {
        return None;
    }
    let without_end = q.trim_end_matches(['.', ',', ';', '!', '?']).trim_end();
    let tries: [(Finder, &str); 4] = [
        (exact, q),
        (loose, q),
        (exact, without_end),
        (loose, without_end),
    ];
    for (find, q) in tries {
        if q.is_empty() {
            continue;
        }
        let spans = find(text, q);
        if let Some(free) = spans
            .iter()
            .find(|s| !taken.iter().any(|t| overlaps(**s, *t)))
            .or(spans.first())
        {
            return Some(*free);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::char_slice;

    fn found(text: &str, quote: &str) -> Option<String> {
        locate(text, quote, &[]).map(|(s, e)| char_slice(text, s, e))
    }

    #[test]
    fn exact_then_loose() {
        let text = "Ça va. I’m  SUCH a loser, honestly.";
        assert_eq!(found(text, "SUCH a loser"), Some("SUCH a loser".into()));
        assert_eq!(
            found(text, "i'm such a loser"),
            Some("I’m  SUCH a loser".into())
        );
        assert_eq!(
            found(text, "“I'm such a loser...”"),
            Some("I’m  SUCH a loser".into())
        );
        assert_eq!(
            found(text, "I'm such a loser."),
            Some("I’m  SUCH a loser".into())
        );
        assert_eq!(found(text, "I am such a loser"), None);
        assert_eq!(found(text, "  "), None);
    }

    #[test]
    fn a_taken_occurrence_gives_way_to_a_free_one() {
        let text = "I fail. I fail.";
        assert_eq!(locate(text, "I fail", &[]), Some((0, 6)));
        assert_eq!(locate(text, "I fail", &[(0, 6)]), Some((8, 14)));
    }
}
