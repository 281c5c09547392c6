//! Words of a message, normalised for matching, each remembering where it is in the
//! ORIGINAL text (in characters, the unit of the WIT's spans).
//!
//! Normalisation: lower case; curly apostrophes (’ ‘ ʼ) straightened; contractions expanded
//! into the words they stand for (`can't` → `can not`, `I'm` → `i am`, `should've` →
//! `should have`, `she's` → `she is`, `mum's` → `mum 's`), including the common spellings
//! without an apostrophe (`im`, `dont`, `cant`). Every word of an expansion keeps the span
//! of the word it came from, so a match always maps back to whole original words.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A (normalised) word.
    Word,
    /// A soft break inside a sentence: `,`, `:`, a dash, a bracket.
    Comma,
    /// The end of a sentence or clause: `.`, `!`, `?`, `;`, a line break.
    Stop,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The normalised word (empty for punctuation).
    pub word: String,
    /// What it is.
    pub kind: Kind,
    /// Character offset of the original word's first character.
    pub start: usize,
    /// Character offset one past the original word's last character.
    pub end: usize,
}

impl Token {
    /// Whether this is a word equal to `w`.
    pub fn is(&self, w: &str) -> bool {
        self.kind == Kind::Word && self.word == w
    }
}

/// Straightens the apostrophes people type on phones.
fn straight(c: char) -> char {
    match c {
        '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`' | '\u{00b4}' => '\'',
        c => c,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Characters that belong to a word when they sit between word characters (`can't`,
/// `in-laws`) or, for `+` and `%`, right after one (`B+`, `100%`).
fn joins(c: char) -> bool {
    matches!(c, '\'' | '-')
}

/// Subjects whose `'s` is `is` rather than a possessive.
const IS_SUBJECTS: &[&str] = &[
    "it",
    "he",
    "she",
    "that",
    "there",
    "what",
    "who",
    "where",
    "here",
    "this",
    "everything",
    "everyone",
    "everybody",
    "nobody",
    "nothing",
    "someone",
    "something",
    "somebody",
    "life",
    "how",
    "one",
];

/// Spellings without an apostrophe, and other fused forms.
const FUSED: &[(&str, &[&str])] = &[
    ("im", &["i", "am"]),
    ("ive", &["i", "have"]),
    ("dont", &["do", "not"]),
    ("doesnt", &["does", "not"]),
    ("didnt", &["did", "not"]),
    ("cant", &["can", "not"]),
    ("cannot", &["can", "not"]),
    ("wont", &["will", "not"]),
    ("isnt", &["is", "not"]),
    ("arent", &["are", "not"]),
    ("wasnt", &["was", "not"]),
    ("werent", &["were", "not"]),
    ("shouldnt", &["should", "not"]),
    ("couldnt", &["could", "not"]),
    ("wouldnt", &["would", "not"]),
    ("mustnt", &["must", "not"]),
    ("havent", &["have", "not"]),
    ("hasnt", &["has", "not"]),
    ("thats", &["that", "is"]),
    ("theyre", &["they", "are"]),
    ("youre", &["you", "are"]),
    ("gonna", &["going", "to"]),
    ("gotta", &["got", "to"]),
    ("wanna", &["want", "to"]),
    ("shouldve", &["should", "have"]),
    ("couldve", &["could", "have"]),
    ("wouldve", &["would", "have"]),
];

/// The words a lower-cased word with straight apostrophes stands for.
pub fn expand(word: &str) -> Vec<String> {
    let owned = |ws: &[&str]| ws.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    if let Some((_, ws)) = FUSED.iter().find(|(f, _)| *f == word) {
        return owned(ws);
    }
    if !word.contains('\'') {
        return vec![word.to_owned()];
    }
    match word {
        "can't" => return owned(&["can", "not"]),
        "won't" => return owned(&["will", "not"]),
        "shan't" => return owned(&["shall", "not"]),
        "ain't" => return owned(&["is", "not"]),
        "let's" => return owned(&["let", "us"]),
        "y'all" => return owned(&["you", "all"]),
        _ => {}
    }
    if let Some(base) = word.strip_suffix("n't") {
        return vec![base.to_owned(), "not".to_owned()];
    }
    let suffixes: &[(&str, &str)] = &[
        ("'m", "am"),
        ("'re", "are"),
        ("'ve", "have"),
        ("'ll", "will"),
        ("'d", "would"),
    ];
    for (suffix, full) in suffixes {
        if let Some(base) = word.strip_suffix(suffix).filter(|b| !b.is_empty()) {
            return vec![base.to_owned(), (*full).to_owned()];
        }
    }
    if let Some(base) = word.strip_suffix("'s") {
        if IS_SUBJECTS.contains(&base) {
            return vec![base.to_owned(), "is".to_owned()];
        }
        return vec![base.to_owned(), "'s".to_owned()];
    }
    // A stray apostrophe (`parents'`, `'cause`): drop it.
    vec![word.trim_matches('\'').to_owned()]
}

/// The tokens of `text`.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().map(straight).collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_word_char(c) {
            let start = i;
            let mut j = i + 1;
            while j < chars.len() {
                let d = chars[j];
                if is_word_char(d) {
                    j += 1;
                } else if joins(d) && chars.get(j + 1).is_some_and(|n| is_word_char(*n)) {
                    j += 2;
                } else if matches!(d, '+' | '%') {
                    j += 1;
                    break;
                } else {
                    break;
                }
            }
            let word: String = chars[start..j]
                .iter()
                .flat_map(|c| c.to_lowercase())
                .collect();
            for w in expand(&word) {
                if !w.is_empty() {
                    tokens.push(Token {
                        word: w,
                        kind: Kind::Word,
                        start,
                        end: j,
                    });
                }
            }
            i = j;
            continue;
        }
        let kind = match c {
            '.' | '!' | '?' | ';' | '\n' | '…' => Some(Kind::Stop),
            ',' | ':' | '(' | ')' | '\u{2014}' | '\u{2013}' => Some(Kind::Comma),
            // A dash between spaces is a break; inside a word it was taken above.
            '-' if chars.get(i + 1).is_none_or(|n| n.is_whitespace()) => Some(Kind::Comma),
            _ => None,
        };
        if let Some(kind) = kind {
            // Runs of the same punctuation (`...`, `!!`) are one token.
            let same_as_last = tokens
                .last()
                .is_some_and(|t: &Token| t.kind == kind && t.end == i);
            if same_as_last {
                if let Some(last) = tokens.last_mut() {
                    last.end = i + 1;
                }
            } else {
                tokens.push(Token {
                    word: String::new(),
                    kind,
                    start: i,
                    end: i + 1,
                });
            }
        }
        i += 1;
    }
    tokens
}

/// The characters `start..end` of `text` (character offsets).
pub fn char_slice(text: &str, start: usize, end: usize) -> String {
    text.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

/// `s`, cut to at most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text)
            .into_iter()
            .map(|t| match t.kind {
                Kind::Word => t.word,
                Kind::Comma => ",".into(),
                Kind::Stop => ".".into(),
            })
            .collect()
    }

    #[test]
    fn contractions_expand_and_keep_the_original_span() {
        assert_eq!(words("I can't"), ["i", "can", "not"]);
        assert_eq!(words("I’m sure"), ["i", "am", "sure"]);
        assert_eq!(
            words("She's my mum's friend"),
            ["she", "is", "my", "mum", "'s", "friend"]
        );
        assert_eq!(
            words("I should've, im dont"),
            ["i", "should", "have", ",", "i", "am", "do", "not"]
        );
        let t = tokenize("Oh, I won’t!");
        let not = &t[4];
        assert_eq!((not.word.as_str(), not.start, not.end), ("not", 6, 11));
        assert_eq!(char_slice("Oh, I won’t!", not.start, not.end), "won’t");
    }

    #[test]
    fn punctuation_becomes_breaks() {
        assert_eq!(
            words("Wait... what?! in-laws, B+ 100%"),
            ["wait", ".", "what", ".", "in-laws", ",", "b+", "100%"]
        );
        assert_eq!(words("fine - really"), ["fine", ",", "really"]);
    }

    #[test]
    fn offsets_are_characters_not_bytes() {
        let t = tokenize("Ça va, I’m fine");
        let fine = t.last().map(|t| (t.start, t.end));
        assert_eq!(fine, Some((11, 15)));
    }

    #[test]
    fn clip_cuts_on_characters() {
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("hé", 2), "hé");
    }
}
