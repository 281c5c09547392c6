//! Small text helpers: normalising for comparison and hashing, quoting a thought briefly.

/// Lower case, straight apostrophes, every run of whitespace one space, trimmed.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`' => '\'',
            c => c,
        };
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out.trim_end().to_owned()
}

/// FNV-1a, 64 bits: a stable hash (the same in every build), for deterministic choices.
pub fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Picks one of `items` by `hash`.
pub fn pick<T>(items: &[T], hash: u64) -> Option<&T> {
    if items.is_empty() {
        return None;
    }
    let n = u64::try_from(items.len()).unwrap_or(1);
    let i = usize::try_from(hash % n).unwrap_or(0);
    items.get(i)
}

/// `s`, cut to at most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", s[..end].trim_end()),
        None => s.to_owned(),
    }
}

/// Words of the thought quoted back in a template.
pub const QUOTE_WORDS: usize = 14;
/// Characters of the thought quoted back in a template (long words, no spaces).
pub const QUOTE_CHARS: usize = 100;

/// The thought as a template quotes it: its first sentence, at most [`QUOTE_WORDS`] words
/// and [`QUOTE_CHARS`] characters (`…` when cut), without the closing punctuation, double quotes made single so the
/// template's own quotes stay balanced.
pub fn brief(thought: &str) -> String {
    let flat = thought.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = flat
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '.' | '!' | '?') && i > 0 && flat[i + c.len_utf8()..].starts_with(' ')
        })
        .map_or(flat.as_str(), |(i, _)| &flat[..i]);
    let words: Vec<&str> = first.split(' ').collect();
    let mut out = words[..words.len().min(QUOTE_WORDS)].join(" ");
    let cut = words.len() > QUOTE_WORDS;
    out = out
        .trim_end_matches(['.', '!', '?', ',', ';', ':'])
        .replace(['"', '\u{201c}', '\u{201d}'], "'");
    if cut {
        out.push('…');
    }
    if out.chars().count() > QUOTE_CHARS {
        out = clip(out.trim_end_matches('…'), QUOTE_CHARS);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_hashes_stably() {
        assert_eq!(normalise("  I’M   Fine\n"), "i'm fine");
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(pick(&[1, 2, 3], 4), Some(&2));
        assert_eq!(pick::<u8>(&[], 4), None);
    }

    #[test]
    fn the_brief_quote_is_the_first_sentence_trimmed() {
        assert_eq!(brief("I always fail. Nothing works!"), "I always fail");
        assert_eq!(brief("He said \"no\" again..."), "He said 'no' again");
        let long = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen";
        assert_eq!(
            brief(long),
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen…"
        );
        assert_eq!(brief("3.5 out of 10 is a fail"), "3.5 out of 10 is a fail");
        let blob = "x".repeat(4000);
        assert_eq!(brief(&blob).chars().count(), QUOTE_CHARS + 1);
    }
}
