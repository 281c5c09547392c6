//! Rule-based tone rewrites (tone switching, docs/requirements.md#r-000-4: friendly, formal,
//! socratic, concise, playful). Without a model the rewrite can only change the surface: word and
//! phrase tables, punctuation, an opener, sentence selection. The meaning stays the
//! learner's text; nothing is invented beyond an opener.

use super::Turn;
use super::text::{self, ascii_quotes, capitalize, decapitalize, is_word_char};

/// A lesson tone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tone {
    Friendly,
    Formal,
    Socratic,
    Concise,
    Playful,
}

impl Tone {
    /// Every tone, in the order of docs/requirements.md#r-000-4.
    #[cfg(test)]
    pub(crate) const ALL: [Tone; 5] = [
        Tone::Friendly,
        Tone::Formal,
        Tone::Socratic,
        Tone::Concise,
        Tone::Playful,
    ];

    /// The tone's name as the product spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tone::Friendly => "friendly",
            Tone::Formal => "formal",
            Tone::Socratic => "socratic",
            Tone::Concise => "concise",
            Tone::Playful => "playful",
        }
    }

    /// A tone from its name or a common synonym, any case ("Formal", "professional").
    pub(crate) fn parse(name: &str) -> Option<Tone> {
        let first = name
            .split(|c: char| !is_word_char(c))
            .find(|w| !w.is_empty())?
            .to_lowercase();
        Some(match first.as_str() {
            "friendly" | "casual" | "warm" | "informal" => Tone::Friendly,
            "formal" | "professional" | "academic" => Tone::Formal,
            "socratic" | "questioning" => Tone::Socratic,
            "concise" | "brief" | "short" | "terse" => Tone::Concise,
            "playful" | "fun" | "funny" | "humorous" => Tone::Playful,
            _ => return None,
        })
    }

    /// The tone a conversation asks for: the last `Tone: <name>` line in any message
    /// (newest message first), friendly when there is none or the name is unknown.
    pub(crate) fn from_turns(turns: &[Turn<'_>]) -> Tone {
        turns
            .iter()
            .rev()
            .find_map(|(_, content)| content.lines().rev().find_map(tone_line))
            .and_then(Tone::parse)
            .unwrap_or(Tone::Friendly)
    }

    /// What the rewrite changes, for schemas that ask for notes.
    pub(crate) fn notes(self) -> &'static [&'static str] {
        match self {
            Tone::Friendly => &["Added a warm opener", "Used contractions"],
            Tone::Formal => &[
                "Expanded contractions",
                "Replaced informal words",
                "Removed exclamation marks",
            ],
            Tone::Socratic => &["Turned key statements into guiding questions"],
            Tone::Concise => &[
                "Removed filler words and hedges",
                "Kept the first sentences",
            ],
            Tone::Playful => &["Added a playful opener", "Ended on an exclamation"],
        }
    }
}

/// The value of a `Tone:` line (any case, markdown emphasis allowed), if `line` is one.
fn tone_line(line: &str) -> Option<&str> {
    let t = line
        .trim()
        .trim_start_matches(['*', '_', '-', '#', '>', ' ']);
    let head = t.get(..5)?;
    if !head.eq_ignore_ascii_case("tone:") {
        return None;
    }
    Some(
        t[5..]
            .trim()
            .trim_matches(['*', '_', '"', '\'', '`', '.', ' ']),
    )
}

/// `text` without its `Tone:` lines: they instruct, they are not text to rewrite.
pub(crate) fn strip_tone_lines(text: &str) -> String {
    text.lines()
        .filter(|line| tone_line(line).is_none())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// `text` rewritten in `tone`; `seed` picks the opener.
pub(crate) fn rewrite(text: &str, tone: Tone, seed: u64) -> String {
    let source = ascii_quotes(text.trim());
    if source.is_empty() {
        return String::new();
    }
    // A Markdown heading stays a heading (lesson texts start with one): the opener and the
    // rewrite go into the prose under it.
    if source.starts_with('#') {
        let (heading, body) = source.split_once('\n').unwrap_or((source.as_str(), ""));
        let body = rewrite(body, tone, seed);
        return if body.is_empty() {
            heading.to_owned()
        } else {
            format!("{heading}\n\n{body}")
        };
    }
    match tone {
        Tone::Formal => formal(&source),
        Tone::Concise => concise(&source),
        Tone::Friendly => friendly(&source, seed),
        Tone::Playful => playful(&source, seed),
        Tone::Socratic => socratic(&source, seed),
    }
}

// --- formal ---------------------------------------------------------------------------

/// Contractions and their long forms. "'s" is expanded only after pronouns, where it is
/// "is" rather than a possessive.
const CONTRACTIONS: &[(&str, &str)] = &[
    ("can't", "cannot"),
    ("won't", "will not"),
    ("shan't", "shall not"),
    ("ain't", "is not"),
    ("don't", "do not"),
    ("doesn't", "does not"),
    ("didn't", "did not"),
    ("isn't", "is not"),
    ("aren't", "are not"),
    ("wasn't", "was not"),
    ("weren't", "were not"),
    ("hasn't", "has not"),
    ("haven't", "have not"),
    ("hadn't", "had not"),
    ("wouldn't", "would not"),
    ("shouldn't", "should not"),
    ("couldn't", "could not"),
    ("mustn't", "must not"),
    ("needn't", "need not"),
    ("mightn't", "might not"),
    ("let's", "let us"),
    ("it's", "it is"),
    ("that's", "that is"),
    ("what's", "what is"),
    ("there's", "there is"),
    ("here's", "here is"),
    ("he's", "he is"),
    ("she's", "she is"),
    ("who's", "who is"),
    ("where's", "where is"),
    ("how's", "how is"),
    ("i'm", "I am"),
    ("i've", "I have"),
    ("i'll", "I will"),
    ("i'd", "I would"),
    ("you're", "you are"),
    ("you've", "you have"),
    ("you'll", "you will"),
    ("you'd", "you would"),
    ("we're", "we are"),
    ("we've", "we have"),
    ("we'll", "we will"),
    ("we'd", "we would"),
    ("they're", "they are"),
    ("they've", "they have"),
    ("they'll", "they will"),
    ("they'd", "they would"),
    ("it'll", "it will"),
    ("that'll", "that will"),
    ("there'll", "there will"),
    ("y'all", "you all"),
];

/// Informal words and their formal replacements (greetings included: "Hi" -> "Hello").
const SLANG: &[(&str, &str)] = &[
    ("gonna", "going to"),
    ("wanna", "want to"),
    ("gotta", "have to"),
    ("kinda", "somewhat"),
    ("sorta", "somewhat"),
    ("dunno", "do not know"),
    ("gimme", "give me"),
    ("lemme", "let me"),
    ("yeah", "yes"),
    ("yep", "yes"),
    ("yup", "yes"),
    ("nope", "no"),
    ("hey there", "hello"),
    ("hi there", "hello"),
    ("hiya", "hello"),
    ("hey", "hello"),
    ("hi", "hello"),
    ("guys", "everyone"),
    ("folks", "everyone"),
    ("awesome", "excellent"),
    ("cool", "good"),
    ("super", "very"),
    ("stuff", "material"),
    ("lots of", "a great deal of"),
    ("a lot of", "a great deal of"),
    ("tons of", "a great deal of"),
    ("thanks", "thank you"),
    ("totally", "entirely"),
    ("pretty much", "largely"),
    ("kids", "children"),
    ("okay", "acceptable"),
    ("lol", ""),
    ("haha", ""),
    ("wow", ""),
    ("yay", ""),
];

fn formal(source: &str) -> String {
    let s = strip_emoji(source);
    let s = replace_phrases(&s, CONTRACTIONS, false);
    let s = replace_phrases(&s, SLANG, false);
    let s = no_exclamations(&s);
    capitalize_sentences(&tidy(&s))
}

/// `!` becomes `.` (`?!` becomes `?`); a `!` inside code (`!=`, `!x`) stays.
fn no_exclamations(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c != '!' {
            out.push(c);
            continue;
        }
        let next = chars.get(i + 1).copied();
        if next.is_some_and(|n| n == '=' || is_word_char(n)) {
            out.push(c);
            continue;
        }
        let prev = out.chars().next_back();
        if matches!(prev, Some('.' | '?' | '!')) {
            continue;
        }
        if next == Some('?') {
            continue;
        }
        out.push('.');
    }
    out
}

// --- concise --------------------------------------------------------------------------

/// Filler words and hedges that a concise text drops.
const FILLERS: &[(&str, &str)] = &[
    ("to be honest", ""),
    ("as a matter of fact", ""),
    ("in my opinion", ""),
    ("needless to say", ""),
    ("it is important to note that", ""),
    ("it's important to note that", ""),
    ("it should be noted that", ""),
    ("i think that", ""),
    ("i think", ""),
    ("i guess", ""),
    ("i believe", ""),
    ("you know", ""),
    ("a little bit", ""),
    ("more or less", ""),
    ("basically", ""),
    ("actually", ""),
    ("really", ""),
    ("very", ""),
    ("just", ""),
    ("simply", ""),
    ("quite", ""),
    ("literally", ""),
    ("totally", ""),
    ("honestly", ""),
    ("essentially", ""),
    ("definitely", ""),
    ("certainly", ""),
    ("perhaps", ""),
    ("somewhat", ""),
    ("in order to", "to"),
    ("due to the fact that", "because"),
    ("at this point in time", "now"),
    ("for the purpose of", "for"),
    ("in the event that", "if"),
    ("a large number of", "many"),
    ("is able to", "can"),
    ("are able to", "can"),
    ("has the ability to", "can"),
];

/// Greetings that make up a whole sentence ("Hi there!"), dropped by concise.
const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "greetings",
    "welcome",
    "there",
    "everyone",
    "all",
    "friends",
    "folks",
    "team",
    "guys",
    "you",
];

/// The sentences of `source` without fillers, hedges and greeting-only sentences.
fn plain_sentences(source: &str) -> Vec<String> {
    let trimmed = replace_phrases(source, FILLERS, false);
    text::sentences(&trimmed)
        .into_iter()
        .filter(|s| !is_greeting(s))
        .map(|s| capitalize_sentences(&tidy(&s)))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether a sentence is only a greeting ("Hi there!", "Hey guys!").
fn is_greeting(sentence: &str) -> bool {
    text::words(sentence)
        .iter()
        .all(|(_, w)| GREETINGS.contains(&w.to_lowercase().as_str()))
}

fn concise(source: &str) -> String {
    let kept = plain_sentences(source);
    let total: usize = kept.iter().map(|s| s.chars().count() + 1).sum();
    let budget = total * 3 / 5;
    let mut out = String::new();
    for s in &kept {
        let len = out.chars().count() + s.chars().count() + 1;
        if !out.is_empty() && len > budget {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(s);
    }
    if out.is_empty() || out.chars().count() > source.chars().count() {
        source.to_owned()
    } else {
        out
    }
}

// --- friendly and playful -------------------------------------------------------------

/// Long forms and their contractions, applied only before another word ("it is here" ->
/// "it's here", but "what it is." stays).
const CONTRACT: &[(&str, &str)] = &[
    ("do not", "don't"),
    ("does not", "doesn't"),
    ("did not", "didn't"),
    ("is not", "isn't"),
    ("are not", "aren't"),
    ("was not", "wasn't"),
    ("were not", "weren't"),
    ("cannot", "can't"),
    ("can not", "can't"),
    ("will not", "won't"),
    ("would not", "wouldn't"),
    ("should not", "shouldn't"),
    ("could not", "couldn't"),
    ("have not", "haven't"),
    ("has not", "hasn't"),
    ("it is", "it's"),
    ("that is", "that's"),
    ("there is", "there's"),
    ("let us", "let's"),
    ("you are", "you're"),
    ("we are", "we're"),
    ("they are", "they're"),
    ("i am", "I'm"),
    ("you will", "you'll"),
    ("we will", "we'll"),
    ("i will", "I'll"),
];

/// Greetings a friendly text says casually.
const CASUAL_GREETINGS: &[(&str, &str)] = &[("hello", "hi"), ("greetings", "hi")];

const FRIENDLY_OPENERS: &[&str] = &[
    "Hey there! ",
    "Hi! ",
    "Great to have you here! ",
    "Let's take a look together! ",
];

const PLAYFUL_OPENERS: &[&str] = &[
    "Fun fact time! ",
    "Ready for a fun one? ",
    "Ooh, here's a neat one! ",
    "Buckle up, this is a good one! ",
];

fn starts_with_greeting(s: &str) -> bool {
    let first = text::words(s)
        .first()
        .map(|(_, w)| w.to_lowercase())
        .unwrap_or_default();
    ["hi", "hello", "hey", "hiya", "greetings"].contains(&first.as_str())
}

fn friendly(source: &str, seed: u64) -> String {
    let body = replace_phrases(source, CONTRACT, true);
    let body = tidy(&replace_phrases(&body, CASUAL_GREETINGS, false));
    if starts_with_greeting(&body) {
        return body;
    }
    format!("{}{body}", text::pick(FRIENDLY_OPENERS, seed))
}

fn playful(source: &str, seed: u64) -> String {
    let body = strip_emoji(source);
    let body = tidy(&replace_phrases(&body, CONTRACT, true));
    // The opener greets; a greeting-only first sentence would repeat it.
    let sentences = text::sentences(&body);
    let mut body = match sentences.first() {
        Some(first) if sentences.len() > 1 && is_greeting(first) => sentences[1..].join(" "),
        _ => body.trim_end().to_owned(),
    };
    if body.ends_with('.') {
        body.pop();
        body.push('!');
    } else if !body.ends_with(['!', '?']) {
        body.push('!');
    }
    format!("{}{body}", text::pick(PLAYFUL_OPENERS, seed))
}

// --- socratic -------------------------------------------------------------------------

const SOCRATIC_FORMS: &[&str] = &[
    "What do you think it means that {s}?",
    "Why might it be true that {s}?",
    "How could you check that {s}?",
    "What example would show that {s}?",
    "What would change if it were not true that {s}?",
];

/// Key statements become guiding questions: up to three, those with the most content
/// words (less for ones that address the reader or exclaim, which are rarely the point),
/// in text order; fillers and greetings go first, and questions in the text are kept.
fn socratic(source: &str, seed: u64) -> String {
    let sentences = plain_sentences(source);
    let lower_words: Vec<&str> = text::words(source)
        .into_iter()
        .map(|(_, w)| w)
        .filter(|w| w.starts_with(char::is_lowercase))
        .collect();
    let mut scored: Vec<(usize, i64)> = sentences
        .iter()
        .enumerate()
        .filter(|(_, s)| text::words(s).len() >= 3)
        .map(|(i, s)| {
            let words = text::words(s);
            let content = words.iter().filter(|(_, w)| !text::is_stop(w)).count() as i64;
            let personal = words.iter().any(|(_, w)| {
                let stem = w.split('\'').next().unwrap_or("").to_lowercase();
                ["i", "you", "your", "we", "our"].contains(&stem.as_str())
            });
            let score = content - 2 * i64::from(personal) - i64::from(s.ends_with('!'));
            // The text's own questions are already guiding questions.
            (
                i,
                if s.ends_with('?') {
                    score.max(2)
                } else {
                    score
                },
            )
        })
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let best = scored.first().map_or(0, |(_, score)| *score);
    let mut chosen: Vec<usize> = scored
        .into_iter()
        .filter(|(_, score)| *score >= 2.min(best))
        .take(3)
        .map(|(i, _)| i)
        .collect();
    chosen.sort_unstable();
    let mut out: Vec<String> = Vec::new();
    for (n, i) in chosen.into_iter().enumerate() {
        let s = sentences[i].trim();
        if s.ends_with('?') {
            out.push(s.to_owned());
            continue;
        }
        let body = continue_sentence(s.trim_end_matches(['.', '!', ';', ':', ' ']), &lower_words);
        let form = text::pick(SOCRATIC_FORMS, seed.wrapping_add(n as u64));
        out.push(form.replace("{s}", &body));
    }
    if out.is_empty() {
        return "What do you think this means, and how could you check it?".to_owned();
    }
    out.join(" ")
}

/// `s` ready to continue a sentence: its first letter lower case when its first word is
/// ordinary, a stop word or a word `lower_words` (the text's lower-case words) also has,
/// singular or plural ("Lists" when the text says "list"). Names and acronyms stay.
fn continue_sentence(s: &str, lower_words: &[&str]) -> String {
    let first = text::words(s).first().map_or("", |(_, w)| *w);
    let lower = first.to_lowercase();
    let singular = lower.strip_suffix('s').unwrap_or(&lower);
    let common = lower_words
        .iter()
        .any(|w| *w == lower || *w == singular || w.strip_suffix('s') == Some(singular));
    let acronym = first.chars().skip(1).any(char::is_uppercase);
    if common && !acronym && first != "I" {
        let mut chars = s.chars();
        return match chars.next() {
            Some(c) => c.to_lowercase().chain(chars).collect(),
            None => String::new(),
        };
    }
    decapitalize(s)
}

// --- shared rules ---------------------------------------------------------------------

/// Replaces whole-word phrases from `table` (ASCII, lower case), keeping a capital first
/// letter. With `before_word`, a phrase is replaced only when another word follows it.
fn replace_phrases(s: &str, table: &[(&str, &str)], before_word: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let at_start = !s[..i].chars().next_back().is_some_and(word_or_apostrophe);
        let found = if at_start {
            table
                .iter()
                .find(|(from, _)| matches_at(s, i, from, before_word))
        } else {
            None
        };
        match found {
            Some((from, to)) => {
                let matched = &s[i..i + from.len()];
                out.push_str(&match_case(matched, to));
                i += from.len();
            }
            None => {
                let c = s[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

fn word_or_apostrophe(c: char) -> bool {
    is_word_char(c) || c == '\''
}

fn matches_at(s: &str, i: usize, from: &str, before_word: bool) -> bool {
    let Some(candidate) = s.get(i..i + from.len()) else {
        return false;
    };
    if !candidate.eq_ignore_ascii_case(from) {
        return false;
    }
    let rest = &s[i + from.len()..];
    if rest.chars().next().is_some_and(word_or_apostrophe) {
        return false;
    }
    if before_word {
        let mut chars = rest.chars();
        return chars.next() == Some(' ') && chars.next().is_some_and(char::is_alphanumeric);
    }
    true
}

/// `to` in the case of `matched`: capitalised when `matched` starts with a capital.
fn match_case(matched: &str, to: &str) -> String {
    if to.starts_with("I ") || to.starts_with("I'") {
        return to.to_owned();
    }
    if matched.chars().next().is_some_and(char::is_uppercase) {
        capitalize(to)
    } else {
        to.to_owned()
    }
}

/// Emoji and text emoticons removed (no tone here uses them).
fn strip_emoji(s: &str) -> String {
    let mut out: String = s
        .chars()
        .filter(|c| {
            let n = u32::from(*c);
            !((0x1F000..=0x1FAFF).contains(&n)
                || (0x2600..=0x27BF).contains(&n)
                || n == 0xFE0F
                || n == 0x200D)
        })
        .collect();
    for emoticon in [":-)", ":)", ":-(", ":(", ":D", ";-)", ";)", "<3"] {
        out = out.replace(emoticon, "");
    }
    out
}

/// Collapses runs of spaces, removes spaces before punctuation and doubled commas left by
/// removed words, and leading punctuation of a sentence; keeps line breaks.
fn tidy(s: &str) -> String {
    let lines: Vec<String> = s.lines().map(tidy_line).collect();
    lines.join("\n").trim().to_owned()
}

fn tidy_line(line: &str) -> String {
    let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = collapsed.chars().collect();
    let mut out = String::with_capacity(collapsed.len());
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        // Punctuation that closes a phrase (not `!=` or `3.5`) sits on the word before it.
        let closing = matches!(c, ',' | '.' | ';' | ':' | '!' | '?')
            && !next.is_some_and(|n| n == '=' || is_word_char(n));
        if closing && out.ends_with(' ') {
            out.pop();
        }
        if c == ',' && (out.is_empty() || out.ends_with([',', '.', '!', '?', ';', ':'])) {
            continue;
        }
        if closing && matches!(c, '.' | '!' | '?') && out.ends_with(',') {
            out.pop();
        }
        out.push(c);
    }
    out.trim_start_matches([',', ';', ':', ' ']).to_owned()
}

/// Upper case at the start of the text and after `.`, `!` or `?` and a space.
fn capitalize_sentences(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    let mut after_end = false;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            start = false;
            after_end = false;
            continue;
        }
        if c.is_alphanumeric() {
            start = false;
        }
        if matches!(c, '.' | '!' | '?') {
            after_end = true;
        } else if c.is_whitespace() {
            start |= after_end;
        } else {
            after_end = false;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Hey guys! I think you're gonna love Python lists, they're really \
        flexible! A list can't be used as a dictionary key. It's basically an ordered \
        collection, and you can change it whenever you want. Lists are very common in \
        real code.";

    #[test]
    fn a_leading_markdown_heading_stays_a_heading() {
        let text = "# Lists\nLists are very common in real code. You can change them.";
        for tone in Tone::ALL {
            let out = rewrite(text, tone, 7);
            assert!(out.starts_with("# Lists\n\n"), "{tone:?}: {out}");
            assert!(out.len() > "# Lists\n\n".len(), "{tone:?}: {out}");
        }
        assert_eq!(
            rewrite("# Only a heading", Tone::Playful, 1),
            "# Only a heading"
        );
    }

    fn contractions_in(s: &str) -> Vec<String> {
        text::words(s)
            .into_iter()
            .map(|(_, w)| w.to_lowercase())
            .filter(|w| CONTRACTIONS.iter().any(|(c, _)| c == w))
            .collect()
    }

    #[test]
    fn formal_expands_contractions_and_drops_exclamations_and_slang() {
        let out = rewrite(TEXT, Tone::Formal, 1);
        assert!(!out.contains('!'), "{out}");
        assert!(contractions_in(&out).is_empty(), "{out}");
        let lower = out.to_lowercase();
        for slang in ["gonna", "guys", "hey"] {
            assert!(!text::has_phrase(&lower, slang), "{slang} in {out}");
        }
        assert!(out.starts_with("Hello everyone."), "{out}");
        assert!(out.contains("cannot be used"), "{out}");
        assert!(out.contains("It is basically"), "{out}");
    }

    #[test]
    fn concise_is_shorter_and_drops_fillers() {
        let out = rewrite(TEXT, Tone::Concise, 1);
        assert!(out.len() < TEXT.len() * 7 / 10, "{out}");
        let lower = out.to_lowercase();
        for filler in ["really", "basically", "i think", "very"] {
            assert!(!text::has_phrase(&lower, filler), "{filler} in {out}");
        }
        assert!(!lower.starts_with("hey"), "{out}");
        assert!(out.starts_with(char::is_uppercase), "{out}");
        // One sentence stays as it is (nothing to drop but fillers).
        assert_eq!(
            rewrite("Lists are ordered.", Tone::Concise, 1),
            "Lists are ordered."
        );
    }

    #[test]
    fn friendly_opens_warmly_and_contracts() {
        let out = rewrite(
            "Hello. It is not hard. You are doing well.",
            Tone::Friendly,
            3,
        );
        assert_eq!(out, "Hi. It's not hard. You're doing well.");
        let out = rewrite("It is a list. I know what it is.", Tone::Friendly, 0);
        assert!(FRIENDLY_OPENERS.iter().any(|o| out.starts_with(o)), "{out}");
        assert!(out.contains("It's a list."), "{out}");
        assert!(out.ends_with("what it is."), "{out}");
    }

    #[test]
    fn playful_opens_and_exclaims_without_emoji() {
        let out = rewrite(
            "Lists keep order. You can change them \u{1F600}.",
            Tone::Playful,
            2,
        );
        assert!(PLAYFUL_OPENERS.iter().any(|o| out.starts_with(o)), "{out}");
        assert!(out.ends_with('!'), "{out}");
        assert!(!out.contains('\u{1F600}'), "{out}");
    }

    #[test]
    fn socratic_turns_statements_into_questions() {
        let out = rewrite(
            "A list is an ordered collection. Tuples cannot change. Why use either?",
            Tone::Socratic,
            0,
        );
        assert!(out.contains("a list is an ordered collection?"), "{out}");
        assert!(out.contains("Tuples cannot change?"), "{out}");
        assert!(out.ends_with("Why use either?"), "{out}");
        assert_eq!(out.matches('?').count(), 3, "{out}");
    }

    #[test]
    fn tone_lines_name_the_tone() {
        assert_eq!(Tone::from_turns(&[]), Tone::Friendly);
        let turns = [
            ("system", "You rewrite lessons.\nTone: Formal"),
            ("user", "hi"),
        ];
        assert_eq!(Tone::from_turns(&turns), Tone::Formal);
        let turns = [
            ("system", "Tone: formal"),
            ("user", "**Tone:** playful\n\nText"),
        ];
        assert_eq!(Tone::from_turns(&turns), Tone::Playful);
        assert_eq!(
            Tone::from_turns(&[("user", "Tone: sarcastic")]),
            Tone::Friendly
        );
        assert_eq!(
            strip_tone_lines("Tone: formal\n\nLists are ordered."),
            "Lists are ordered."
        );
    }

    #[test]
    fn every_tone_handles_empty_and_odd_text() {
        for tone in Tone::ALL {
            assert_eq!(rewrite("  ", tone, 0), "");
            for odd in ["!!!", "?", "x != y!", "\u{1F600}", "a", "'", "don't"] {
                let _ = rewrite(odd, tone, 7);
            }
        }
        assert_eq!(rewrite("x != y!", Tone::Formal, 0), "X != y.");
    }
}
