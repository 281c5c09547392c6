//! Text helpers shared by the offline model's writers: a stable hash for deterministic
//! choices, sentence and word splitting, stop words, and the learner's topic.

/// FNV-1a over `parts`, with a separator after each part (so `["ab", "c"]` and
/// `["a", "bc"]` differ). A fixed, tiny hash keeps every choice identical across runs,
/// builds and platforms, which `std`'s randomly seeded hasher would not.
pub(crate) fn fnv(parts: &[&str]) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

/// `items[seed % len]`, or `""` for an empty table.
pub(crate) fn pick<'a>(items: &[&'a str], seed: u64) -> &'a str {
    if items.is_empty() {
        return "";
    }
    items[(seed % items.len() as u64) as usize]
}

/// Typographic apostrophes and quotes as ASCII, so word rules match either spelling.
pub(crate) fn ascii_quotes(text: &str) -> String {
    text.replace(['\u{2019}', '\u{2018}'], "'")
}

/// Whether `c` can be part of a word.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Word tokens of `s` as (byte offset, word): letters, digits and `_`, joined across a
/// single `'`, `-` or `.` between two of them (`don't`, `built-in`, `list.append`, `3.5`).
pub(crate) fn words(s: &str) -> Vec<(usize, &str)> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i].1) {
            i += 1;
            continue;
        }
        let start = chars[i].0;
        let mut j = i + 1;
        loop {
            if j < chars.len() && is_word_char(chars[j].1) {
                j += 1;
            } else if j + 1 < chars.len()
                && matches!(chars[j].1, '\'' | '\u{2019}' | '-' | '.')
                && is_word_char(chars[j + 1].1)
            {
                j += 2;
            } else {
                break;
            }
        }
        let end = chars.get(j).map_or(s.len(), |(at, _)| *at);
        out.push((start, &s[start..end]));
        i = j;
    }
    out
}

/// Whether `hay` holds `needle` (already lower case) as whole words, case-insensitively.
pub(crate) fn has_phrase(hay_lower: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(found) = hay_lower[from..].find(needle_lower) {
        let at = from + found;
        let end = at + needle_lower.len();
        let before = hay_lower[..at].chars().next_back();
        let after = hay_lower[end..].chars().next();
        if !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char) {
            return true;
        }
        from = at + needle_lower.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Strips a list marker or heading mark from the start of a line (`- `, `* `, `1. `, `## `,
/// `> `), returning the rest and whether a marker was found.
fn strip_marker(line: &str) -> (&str, bool) {
    let t = line.trim_start();
    for marker in ["- ", "* ", "+ ", "\u{2022} ", "> "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return (rest.trim(), true);
        }
    }
    if t.starts_with('#') {
        return (t.trim_start_matches('#').trim(), true);
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 4 {
        let rest = &t[digits..];
        if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return (rest.trim(), true);
        }
    }
    (t.trim(), false)
}

/// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "prof.", "approx.", "no.", "fig.",
];

/// The sentences of `text`: paragraphs and list items are blocks (wrapped lines are joined),
/// and a block splits after `.`, `!` or `?` (with closing quotes) followed by a space.
pub(crate) fn sentences(text: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            continue;
        }
        let (rest, marker) = strip_marker(line);
        if marker && !current.is_empty() {
            blocks.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(rest);
        if line.trim_start().starts_with('#') {
            blocks.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    let mut out = Vec::new();
    for block in &blocks {
        split_block(block, &mut out);
    }
    out
}

fn split_block(block: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = block.chars().collect();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        current.push(c);
        if matches!(c, '.' | '!' | '?') {
            while i + 1 < chars.len()
                && matches!(
                    chars[i + 1],
                    '.' | '!' | '?' | '"' | '\'' | ')' | ']' | '\u{201d}' | '\u{2019}'
                )
            {
                i += 1;
                current.push(chars[i]);
            }
            let at_break = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
            if at_break && !ends_with_abbreviation(&current) {
                push_sentence(&mut current, out);
            }
        }
        i += 1;
    }
    push_sentence(&mut current, out);
}

fn ends_with_abbreviation(s: &str) -> bool {
    let last = s
        .split_whitespace()
        .next_back()
        .unwrap_or("")
        .to_lowercase();
    ABBREVIATIONS.contains(&last.as_str())
}

fn push_sentence(current: &mut String, out: &mut Vec<String>) {
    let s = current.split_whitespace().collect::<Vec<_>>().join(" ");
    if !s.is_empty() {
        out.push(s);
    }
    current.clear();
}

/// Common English function words and very general verbs: never quiz terms, never topics.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "either",
    "else",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "getting",
    "give",
    "given",
    "gives",
    "go",
    "goes",
    "going",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "let",
    "lets",
    "like",
    "made",
    "make",
    "makes",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "need",
    "needs",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "others",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "put",
    "quite",
    "rather",
    "really",
    "same",
    "say",
    "says",
    "see",
    "seen",
    "she",
    "should",
    "so",
    "some",
    "something",
    "such",
    "take",
    "takes",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "two",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "use",
    "used",
    "uses",
    "using",
    "usually",
    "very",
    "want",
    "was",
    "way",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Whether `word` (any case) is a stop word. Contractions ("you're", "don't", "it's") are
/// function words too; a possessive of another word ("Python's") is not.
pub(crate) fn is_stop(word: &str) -> bool {
    let lower = ascii_quotes(&word.to_lowercase());
    if let Some((stem, suffix)) = lower.split_once('\'') {
        return suffix != "s" || STOP_WORDS.contains(&stem);
    }
    STOP_WORDS.contains(&lower.as_str())
}

/// `s` with its first character upper case.
pub(crate) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `s` with its first character lower case when its first word is an ordinary word (a
/// stop word such as "The" or "It"), so it can continue a sentence; names stay as written.
pub(crate) fn decapitalize(s: &str) -> String {
    let first = words(s).first().map_or("", |(_, w)| *w);
    let stem = first.split(['\'', '\u{2019}']).next().unwrap_or("");
    if stem == "I" || !is_stop(first) {
        return s.to_owned();
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// At most `n` words of `s`.
pub(crate) fn first_words(s: &str, n: usize) -> String {
    s.split_whitespace().take(n).collect::<Vec<_>>().join(" ")
}

/// Question and request openings stripped to find what a message is about, longest first
/// within each family so "how do i" wins over "how".
const LEADS: &[&str] = &[
    "i don't understand",
    "i do not understand",
    "i don't get",
    "i do not get",
    "i'm confused about",
    "i am confused about",
    "i'm stuck on",
    "i am stuck on",
    "i'm struggling with",
    "i am struggling with",
    "can you help me understand",
    "can you help me with",
    "can you explain",
    "could you explain",
    "help me understand",
    "help me with",
    "please explain",
    "explain to me",
    "explain",
    "tell me about",
    "give me a summary of",
    "give me an overview of",
    "give me",
    "show me",
    "summarise",
    "summarize",
    "define",
    "describe",
    "teach me about",
    "teach me",
    "i want to learn about",
    "i want to learn",
    "i want to understand",
    "what is",
    "what are",
    "what's",
    "whats",
    "what does",
    "what do",
    "how do i",
    "how do you",
    "how do",
    "how does",
    "how can i",
    "how to",
    "how",
    "why do",
    "why does",
    "why is",
    "why are",
    "why",
    "when should i use",
    "when do i use",
    "can you",
    "could you",
    "please",
    "so",
    "ok",
    "okay",
    "hi",
    "hello",
    "hey",
];

/// Trailing verbs dropped from a topic ("for loops work" -> "for loops"), as are trailing
/// stop words ("photosynthesis for me" -> "photosynthesis").
const TRAILS: &[&str] = &[
    "work", "works", "mean", "means", "do", "does", "happen", "happens", "learn", "learns",
    "function", "operate", "matter", "exactly", "again", "please", "here", "actually", "me",
];

/// What `message` is about: its first clause that names a subject, with question and
/// request openings ("How do", "Can you explain") and trailing verbs removed, at most
/// eight words. `None` when the message names nothing ("I am lost", "ok").
pub(crate) fn topic(message: &str) -> Option<String> {
    let text = ascii_quotes(message);
    for clause in text.split(['.', '?', '!', '\n', ';', ',', ':']) {
        if let Some(found) = clause_topic(clause) {
            return Some(found);
        }
    }
    None
}

fn clause_topic(clause: &str) -> Option<String> {
    let mut rest = clause.trim();
    let mut stripped = false;
    loop {
        let lower = rest.to_lowercase();
        let lead = LEADS.iter().find(|lead| {
            lower.starts_with(**lead)
                && !lower[lead.len()..].chars().next().is_some_and(is_word_char)
        });
        match lead {
            Some(lead) => {
                rest = rest[lead.len()..].trim_start_matches(|c: char| !is_word_char(c));
                stripped = true;
            }
            None => break,
        }
    }
    let mut ws: Vec<&str> = rest.split_whitespace().collect();
    while ws.len() > 1
        && ws
            .last()
            .is_some_and(|w| TRAILS.contains(&w.to_lowercase().as_str()) || is_stop(w))
    {
        ws.pop();
    }
    let first = ws.first().map(|w| w.to_lowercase()).unwrap_or_default();
    let personal = ["i", "i'm", "im", "my", "me", "it", "this", "that"].contains(&first.as_str());
    if ws.is_empty() || ws.iter().all(|w| is_stop(w)) || (personal && !stripped) {
        return None;
    }
    ws.truncate(8);
    let joined = ws.join(" ");
    let trimmed = joined.trim_matches(|c: char| !is_word_char(c) && !")]\"'`".contains(c));
    (!trimmed.is_empty()).then(|| decapitalize(trimmed))
}

/// A count of questions the conversation asks for ("5 questions", "questionCount": 5),
/// 1 to 20 (the bounds of docs/requirements.md#r-002-5.3).
pub(crate) fn requested_count(texts: &[&str]) -> Option<usize> {
    const KEYS: &[&str] = &[
        "questioncount",
        "question_count",
        "num_questions",
        "number_of_questions",
        "questions_count",
        "count",
    ];
    for text in texts.iter().rev() {
        let lower = text.to_lowercase();
        let ws: Vec<&str> = words(&lower).into_iter().map(|(_, w)| w).collect();
        for (i, w) in ws.iter().enumerate() {
            let Ok(n) = w.parse::<usize>() else {
                continue;
            };
            let follows = ws
                .iter()
                .skip(i + 1)
                .take(4)
                .any(|n| n.starts_with("question"));
            let keyed = i > 0 && KEYS.contains(&ws[i - 1]);
            if follows || keyed {
                return Some(n.clamp(1, 20));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_terminators_and_keep_abbreviations() {
        let s = sentences(
            "Lists are ordered, e.g. [1, 2]. They change!\n- A tuple is fixed.\n# Heading\nOne\nline.",
        );
        assert_eq!(
            s,
            [
                "Lists are ordered, e.g. [1, 2].",
                "They change!",
                "A tuple is fixed.",
                "Heading",
                "One line."
            ]
        );
    }

    #[test]
    fn words_join_contractions_and_dotted_names() {
        let ws: Vec<&str> = words("Don't call list.append() twice - ok?")
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        assert_eq!(ws, ["Don't", "call", "list.append", "twice", "ok"]);
    }

    #[test]
    fn topics_drop_question_openings() {
        assert_eq!(
            topic("How do for loops work? I am lost.").as_deref(),
            Some("for loops")
        );
        assert_eq!(
            topic("I don't understand how neural networks learn").as_deref(),
            Some("neural networks")
        );
        assert_eq!(
            topic("What is a Python dictionary?").as_deref(),
            Some("a Python dictionary")
        );
        assert_eq!(topic("I am lost."), None);
        assert_eq!(
            topic("Summarise photosynthesis for me").as_deref(),
            Some("photosynthesis")
        );
        assert_eq!(
            topic("What is the difference between a list and a tuple?").as_deref(),
            Some("the difference between a list and a tuple")
        );
        assert_eq!(topic(""), None);
    }

    #[test]
    fn counts_come_from_the_request() {
        assert_eq!(
            requested_count(&["Write 5 multiple choice questions."]),
            Some(5)
        );
        assert_eq!(requested_count(&["{\"questionCount\": 40}"]), Some(20));
        assert_eq!(requested_count(&["Lists hold 3 items."]), None);
    }

    #[test]
    fn phrase_search_respects_word_boundaries() {
        assert!(has_phrase("pick the advanced level", "advanced"));
        assert!(!has_phrase("unadvanced", "advanced"));
        assert!(has_phrase("a multiple choice quiz", "multiple choice"));
    }
}
