//! Text helpers shared by the intent and topic rules: word-bounded phrase search (one phrase,
//! or a whole table at once with `PhraseSet`), splitting into word tokens, and telling a
//! pasted code line from prose. Nothing here allocates per query.

use std::collections::HashMap;

/// Whether `b` can be part of a word (ASCII letters, digits, `_`, and any non-ASCII byte, so
/// that "café" is one word).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Whether `needle` occurs in `hay` with word boundaries at the ends that are word
/// characters ("fix" matches "fix it" but not "prefix"; "?? " needs no boundary).
pub fn has_phrase(hay: &str, needle: &str) -> bool {
    find_phrase(hay, needle).is_some()
}

/// Byte offset of the first word-bounded occurrence of `needle` in `hay`.
pub fn find_phrase(hay: &str, needle: &str) -> Option<usize> {
    let bytes = hay.as_bytes();
    let n = needle.as_bytes();
    let (Some(&first), Some(&last)) = (n.first(), n.last()) else {
        return None;
    };
    let check_start = is_word_byte(first);
    let check_end = is_word_byte(last);
    let mut from = 0;
    while let Some(pos) = hay.get(from..)?.find(needle) {
        let start = from + pos;
        let end = start + n.len();
        let ok_start = !check_start || start == 0 || !is_word_byte(bytes[start - 1]);
        let ok_end = !check_end || end == bytes.len() || !is_word_byte(bytes[end]);
        if ok_start && ok_end {
            return Some(start);
        }
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Most phrases a `PhraseSet` holds (the size of its per-query "seen" bit set).
pub const MAX_PHRASES: usize = 1024;

/// A table of phrases searched in one pass over the text: each word of the text looks up
/// the phrases that start with it, so the cost grows with the text, not with the table.
pub struct PhraseSet<T> {
    by_first_word: HashMap<&'static str, Vec<(usize, &'static str, T)>>,
    /// Phrases that do not start with a word character, searched one by one.
    other: Vec<(usize, &'static str, T)>,
}

impl<T: Copy> PhraseSet<T> {
    /// A set of `(phrase, payload)`; phrases are lowercase.
    pub fn new(phrases: impl IntoIterator<Item = (&'static str, T)>) -> Self {
        let mut set = PhraseSet {
            by_first_word: HashMap::new(),
            other: Vec::new(),
        };
        for (i, (phrase, payload)) in phrases.into_iter().enumerate() {
            assert!(i < MAX_PHRASES, "too many phrases for one set");
            let first = phrase
                .split(|c: char| !is_word_char(c))
                .next()
                .unwrap_or("");
            if first.is_empty() {
                set.other.push((i, phrase, payload));
            } else {
                set.by_first_word
                    .entry(first)
                    .or_default()
                    .push((i, phrase, payload));
            }
        }
        set
    }

    /// Calls `found` once for each phrase that occurs in `text` on word boundaries.
    pub fn each_match(&self, text: &str, mut found: impl FnMut(&'static str, T)) {
        let mut seen = [0u64; MAX_PHRASES / 64];
        let mut mark = |i: usize| {
            let (word, bit) = (i / 64, 1u64 << (i % 64));
            let new = seen[word] & bit == 0;
            seen[word] |= bit;
            new
        };
        let bytes = text.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            if !is_word_byte(bytes[start]) {
                start += 1;
                continue;
            }
            let mut end = start;
            while end < bytes.len() && is_word_byte(bytes[end]) {
                end += 1;
            }
            if let Some(candidates) = self.by_first_word.get(&text[start..end]) {
                for &(i, phrase, payload) in candidates {
                    if text[start..].starts_with(phrase)
                        && ends_on_boundary(bytes, start, phrase)
                        && mark(i)
                    {
                        found(phrase, payload);
                    }
                }
            }
            start = end;
        }
        for &(i, phrase, payload) in &self.other {
            if has_phrase(text, phrase) && mark(i) {
                found(phrase, payload);
            }
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()
}

/// Whether `phrase`, found at `start` of `bytes`, ends on a word boundary (when it ends
/// with a word character).
fn ends_on_boundary(bytes: &[u8], start: usize, phrase: &str) -> bool {
    let end = start + phrase.len();
    let last_is_word = phrase.as_bytes().last().is_some_and(|&b| is_word_byte(b));
    !last_is_word || end == bytes.len() || !is_word_byte(bytes[end])
}

/// The word tokens of `s`: maximal runs of word bytes (see `is_word_byte`).
pub fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !is_word_char(c))
        .filter(|t| !t.is_empty())
}

/// Line starts that only code has.
const CODE_STARTS: &[&str] = &[
    "print(", "#", ">>>", "```", "@", "else:", "try:", "finally:",
];

/// Keywords that start a code line when the line also looks like code (see `looks_like_code`).
const KEYWORD_STARTS: &[&str] = &[
    "def ", "class ", "for ", "while ", "if ", "elif ", "with ", "except", "return ", "import ",
    "from ", "raise ",
];

/// Whether a line of the learner's text looks like pasted code rather than prose.
pub fn looks_like_code(line: &str) -> bool {
    let trimmed = line.trim_start();
    if trimmed.is_empty() {
        return false;
    }
    if line.len() - trimmed.len() >= 2 || CODE_STARTS.iter().any(|s| trimmed.starts_with(s)) {
        return true;
    }
    let t = trimmed.trim_end();
    let words = t.split(' ').count();
    let prose = t.contains("? ") || t.ends_with('?') || words > 12;
    if KEYWORD_STARTS.iter().any(|s| t.starts_with(s)) {
        let short = words <= 4 && (t.starts_with("import ") || t.starts_with("return "));
        let from_import = t.starts_with("from ") && t.contains(" import ");
        let shaped = t.ends_with(':') || t.contains('(') || t.contains(" = ");
        return !prose && (short || from_import || shaped);
    }
    let assignment = t.contains(" = ") || t.contains("+=") || t.contains("-=");
    let call_or_block = (t.ends_with(')') || t.ends_with(':') || t.ends_with(']'))
        && (t.contains('(') || t.contains('['));
    (assignment || call_or_block) && !prose
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_respect_word_boundaries() {
        assert!(has_phrase("can you fix it", "fix"));
        assert!(!has_phrase("a prefix here", "fix"));
        assert!(has_phrase("why??", "??"));
        assert!(has_phrase("café au lait", "café"));
        assert!(!has_phrase("", "x"));
        assert!(has_phrase("fixing prefix fix", "fix"));
    }

    #[test]
    fn a_phrase_set_finds_each_phrase_once_on_word_boundaries() {
        let set = PhraseSet::new([("fix", 1), ("fix it", 2), ("??", 3), ("what's", 4)]);
        let mut got = Vec::new();
        set.each_match("prefix: fix it, fix it?? what's", |_, p| got.push(p));
        got.sort_unstable();
        assert_eq!(got, [1, 2, 3, 4]);
        let mut none = Vec::new();
        set.each_match("prefixed fixture", |_, p| none.push(p));
        assert!(none.is_empty());
    }

    #[test]
    fn tokens_split_on_punctuation() {
        let t: Vec<&str> = tokens("os.path(x) __init__ f-string").collect();
        assert_eq!(t, ["os", "path", "x", "__init__", "f", "string"]);
    }

    #[test]
    fn code_lines_are_told_from_prose() {
        assert!(looks_like_code("    return x"));
        assert!(looks_like_code("nums = [3, 1, 2]"));
        assert!(looks_like_code("print(total)"));
        assert!(!looks_like_code("why does this print None"));
        assert!(!looks_like_code("is this good? it works = fine"));
        assert!(looks_like_code("for i in range(10):"));
        assert!(looks_like_code("import random"));
        assert!(!looks_like_code(
            "for interview preparation, give me a question."
        ));
        assert!(!looks_like_code("if you can, explain loops"));
    }
}
