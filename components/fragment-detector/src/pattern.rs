//! A small pattern language over [`crate::text`] tokens, so the rules read like the phrases
//! they look for.
//!
//! A pattern is elements separated by spaces:
//! - `word`: that normalised word; `word*`: any word starting with `word`;
//! - `a|b|c`: any one of them; an alternative may be a phrase written with underscores
//!   (`a_waste|ruined`) or a word class (`@others`, see [`class`]);
//! - a trailing `?` makes the element optional (`so|which?`);
//! - `~N`: a gap of 0 to N tokens (words or commas, never a sentence end, never `not` or
//!   `but`: skipping a negation or a turn of the sentence would change its meaning).
//!
//! One comma may sit before any element without the pattern saying so (`If it isn't
//! perfect, it's a failure` matches `if it is not perfect it is a failure`).

use crate::text::{Kind, Token};

/// Words a gap never skips.
const GAP_STOP: &[&str] = &["not", "but"];

// Words borrow the pattern's source: a plugin instance lives for one call, so the rules
// are parsed on every call, and parsing without copying a string keeps that cheap.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Word<'a> {
    Exact(&'a str),
    Prefix(&'a str),
}

impl<'a> Word<'a> {
    fn parse(s: &'a str) -> Word<'a> {
        match s.strip_suffix('*') {
            Some(p) => Word::Prefix(p),
            None => Word::Exact(s),
        }
    }

    fn matches(&self, token: &Token) -> bool {
        token.kind == Kind::Word
            && match self {
                Word::Exact(w) => token.word == *w,
                Word::Prefix(p) => token.word.starts_with(p),
            }
    }
}

/// A phrase of words joined by `sep` (`_` in a pattern, a space in a class), split as it
/// is matched rather than stored word by word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Phrase<'a> {
    text: &'a str,
    sep: char,
}

impl<'a> Phrase<'a> {
    /// Where the phrase ends when it matches at `pos`.
    fn end_at(self, tokens: &[Token], pos: usize) -> Option<usize> {
        // Most alternatives fail on their first letter: settle those before splitting.
        let first = tokens.get(pos)?;
        if first.kind != Kind::Word
            || (first.word.as_bytes().first() != self.text.as_bytes().first()
                && !self.text.starts_with('*'))
        {
            return None;
        }
        if !self.text.contains(self.sep) {
            return Word::parse(self.text)
                .matches(tokens.get(pos)?)
                .then_some(pos + 1);
        }
        let mut p = pos;
        for w in self.text.split(self.sep).map(Word::parse) {
            if !w.matches(tokens.get(p)?) {
                return None;
            }
            p += 1;
        }
        Some(p)
    }
}

/// One alternative of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Alt<'a> {
    Phrase(Phrase<'a>),
    /// A word class: any of its phrases. Kept as the class's own list, not copied into
    /// each pattern that names it, since the rules are parsed afresh on every call.
    Class(&'static [&'static str]),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Elem<'a> {
    /// Any of these alternatives.
    Alts { alts: Vec<Alt<'a>>, optional: bool },
    /// Up to this many tokens.
    Gap(usize),
}

/// A parsed pattern, borrowing its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern<'a> {
    elems: Vec<Elem<'a>>,
}

/// The word classes: an `@name` alternative stands for the phrases (space-separated
/// normalised words) of its entry.
const CLASSES: &[(&str, &[&str])] = &[
    // Someone other than the writer (mind-reading is about others' minds).
    (
        "others",
        &[
            "they",
            "he",
            "she",
            "everyone",
            "everybody",
            "people",
            "someone",
            "somebody",
            "nobody",
            "no one",
            "you",
        ],
    ),
    // Evaluative, negative judgements of a person.
    (
        "judgement",
        &[
            "stupid",
            "an idiot",
            "a idiot",
            "idiot",
            "a burden",
            "a loser",
            "a failure",
            "a fraud",
            "a joke",
            "weird",
            "boring",
            "annoying",
            "useless",
            "pathetic",
            "desperate",
            "lazy",
            "incompetent",
            "unreliable",
            "not good enough",
            "a bad",
            "a terrible",
            "an awful",
            "ugly",
            "fat",
            "crazy",
            "a mess",
            "cheated",
            "worthless",
            "too much",
            "annoying",
            "played terribly",
            "a nuisance",
            "rubbish",
            "less of me",
        ],
    ),
    // Attitudes towards the writer that only the other person knows.
    (
        "attitude",
        &[
            "hate",
            "hates",
            "hated",
            "dislike",
            "dislikes",
            "can not stand",
            "resent",
            "resents",
            "judging",
            "judge",
            "judges",
            "laughing at",
            "laugh at",
            "laughed at",
            "talking about",
            "sick of",
            "tired of",
            "bored of",
            "bored with",
            "fed up with",
            "annoyed with",
            "annoyed at",
            "angry with",
            "angry at",
            "mad at",
            "disappointed in",
            "disappointed with",
            "ashamed of",
            "embarrassed by",
            "feel sorry for",
            "feels sorry for",
            "pity",
            "pities",
            "avoiding",
            "ignoring",
        ],
    ),
    // A global label for a person.
    (
        "label_noun",
        &[
            "loser",
            "idiot",
            "failure",
            "fraud",
            "moron",
            "jerk",
            "coward",
            "liar",
            "fool",
            "joke",
            "waste of space",
            "nobody",
            "freak",
            "screw-up",
            "screwup",
            "disappointment",
            "hypocrite",
            "monster",
            "embarrassment",
            "weirdo",
            "wreck",
            "mess",
            "disaster",
            "burden",
            "nuisance",
            "dumbass",
            "bitch",
            "narcissist",
            "psycho",
            "parasite",
            "write-off",
            "lost cause",
            "letdown",
            "let-down",
        ],
    ),
    (
        "label_adj",
        &[
            "worthless",
            "useless",
            "hopeless",
            "pathetic",
            "stupid",
            "unlovable",
            "unloveable",
            "dumb",
            "incompetent",
            "selfish",
            "disgusting",
            "a mess",
            "broken",
            "weak",
            "lazy",
            "spineless",
            "clueless",
            "defective",
            "inadequate",
            "unlikeable",
            "unlikable",
            "repulsive",
            "evil",
        ],
    ),
    // An adjective that, before a role noun, makes a global verdict on the person.
    (
        "bad_adj",
        &[
            "bad",
            "terrible",
            "awful",
            "horrible",
            "lousy",
            "useless",
            "hopeless",
            "rubbish",
            "crap",
            "crappy",
            "weak",
            "lazy",
            "worthless",
            "pathetic",
            "shit",
            "shitty",
            "failure of a",
            "disaster of a",
            "poor excuse for a",
        ],
    ),
    (
        "role",
        &[
            "person",
            "human",
            "human being",
            "friend",
            "mother",
            "mum",
            "mom",
            "father",
            "dad",
            "parent",
            "partner",
            "wife",
            "husband",
            "boyfriend",
            "girlfriend",
            "son",
            "daughter",
            "sister",
            "brother",
            "student",
            "employee",
            "worker",
            "boss",
            "manager",
            "programmer",
            "teacher",
            "writer",
            "cook",
            "colleague",
            "leader",
            "human",
        ],
    ),
    (
        "intensifier",
        &[
            "such",
            "so",
            "just",
            "a",
            "an",
            "such a",
            "such an",
            "complete",
            "a complete",
            "total",
            "a total",
            "an utter",
            "utter",
            "a real",
            "really",
            "really a",
            "basically",
            "basically a",
            "nothing but a",
            "nothing but",
            "the biggest",
            "a massive",
            "a huge",
            "an absolute",
            "absolutely",
            "completely",
            "totally",
            "literally",
            "literally a",
            "a bit of a",
            "pretty much",
            "pretty much a",
            "officially",
            "officially a",
            "still",
            "still a",
            "always",
            "always a",
            "clearly",
            "clearly a",
        ],
    ),
    // Outcomes a prediction can dread.
    (
        "bad_future",
        &[
            "fail",
            "fail me",
            "reject me",
            "mess up",
            "mess it up",
            "mess this up",
            "screw up",
            "screw it up",
            "screw this up",
            "blow it",
            "ruin",
            "hate",
            "refuse",
            "say no",
            "laugh at me",
            "leave me",
            "dump me",
            "fire me",
            "break up with me",
            "freeze",
            "freeze up",
            "forget everything",
            "get lost",
            "go wrong",
            "go badly",
            "end badly",
            "let me down",
            "let them down",
            "let everyone down",
            "disappoint",
            "embarrass myself",
            "make a fool of myself",
            "pick someone else",
            "choose someone else",
            "be awful",
            "be terrible",
            "be horrible",
            "be a mess",
            "be bad",
            "be a failure",
            "be miserable",
            "be just as miserable",
            "be just as bad",
            "be alone",
            "be alone forever",
            "be bankrupt",
            "be rejected",
            "be fired",
            "be pointless",
            "be a waste",
            "be boring",
            "be the worst",
            "be too hard",
            "be too much",
            "not be enough",
            "hate me",
            "hate it",
            "think i am",
            "notice",
            "find out",
            "get worse",
            "go under",
            "lose",
            "lose it",
            "crash",
            "die",
            "struggle",
        ],
    ),
    // Things that, when predicted not to happen, make a gloomy forecast.
    (
        "good_future",
        &[
            "work out",
            "work",
            "get better",
            "get any better",
            "improve",
            "change",
            "like it",
            "like me",
            "love me",
            "want me",
            "want to",
            "come",
            "help",
            "care",
            "hire me",
            "accept me",
            "understand",
            "last",
            "pass",
            "be enough",
            "be good enough",
            "make it",
            "succeed",
            "be able to",
            "ever",
            "find",
            "get",
            "be happy",
            "recover",
            "forgive me",
            "listen",
        ],
    ),
    // What "never" + verb predicts as a gloomy forecast.
    (
        "never_future",
        &[
            "find", "be", "get", "have", "make", "succeed", "pass", "learn", "manage", "improve",
            "change", "love", "amount", "fit", "feel", "finish", "meet", "afford", "own",
        ],
    ),
    // Catastrophic scales.
    (
        "extreme",
        &[
            "disaster",
            "catastrophe",
            "catastrophic",
            "nightmare",
            "disastrous",
            "unbearable",
            "the end of the world",
            "the end of everything",
            "the end of me",
            "the end of my",
            "the end of our",
            "the end of us",
            "the worst thing",
            "a tragedy",
            "tragic",
            "hell",
            "horrific",
        ],
    ),
    // The big things a catastrophe destroys.
    (
        "big_thing",
        &[
            "life",
            "career",
            "future",
            "marriage",
            "relationship",
            "reputation",
            "world",
            "everything",
            "family",
            "business",
            "health",
        ],
    ),
    (
        "ruined",
        &[
            "over",
            "ruined",
            "finished",
            "destroyed",
            "wrecked",
            "done for",
            "doomed",
            "falling apart",
            "collapsing",
            "collapsed",
            "going to collapse",
            "in ruins",
            "fell apart",
        ],
    ),
    // Small units a single flaw condemns whole.
    (
        "unit",
        &[
            "day",
            "week",
            "month",
            "year",
            "diet",
            "test",
            "exam",
            "thing",
            "party",
            "essay",
            "evening",
            "night",
            "project",
            "trip",
            "holiday",
            "weekend",
            "meal",
            "dinner",
            "date",
            "talk",
            "presentation",
            "performance",
            "match",
            "game",
            "report",
            "streak",
            "effort",
            "morning",
            "afternoon",
            "workout",
            "plan",
            "course",
            "semester",
            "term",
            "book",
            "painting",
            "piece",
            "work",
            "speech",
            "interview",
            "wedding",
            "event",
        ],
    ),
    // What a single flaw turns a unit into.
    (
        "worthless",
        &[
            "ruined",
            "a waste",
            "a complete waste",
            "a total waste",
            "wasted",
            "a write-off",
            "a total write-off",
            "a complete write-off",
            "worthless",
            "pointless",
            "meaningless",
            "useless",
            "a failure",
            "a complete failure",
            "a total failure",
            "a flop",
            "a disaster",
            "a total disaster",
            "a complete disaster",
            "garbage",
            "rubbish",
            "a bust",
            "spoiled",
            "spoilt",
            "over",
            "for nothing",
            "a joke",
            "no good",
            "trash",
        ],
    ),
    // A verdict of total failure.
    (
        "fail_word",
        &[
            "nobody",
            "nothing",
            "fail",
            "failed",
            "failing",
            "a failure",
            "failure",
            "a waste",
            "wasted",
            "worthless",
            "useless",
            "a loser",
            "lost",
            "garbage",
            "rubbish",
            "pointless",
            "a disaster",
            "disaster",
            "a flop",
            "no point",
            "terrible",
            "ruined",
            "trash",
            "a fraud",
            "falls apart",
            "fall apart",
            "falling apart",
        ],
    ),
    // Verbs of doing things badly, for "I always …".
    (
        "mess_up",
        &[
            "mess",
            "messes",
            "messed",
            "ruin",
            "ruins",
            "ruined",
            "screw",
            "screws",
            "fail",
            "fails",
            "get it wrong",
            "get things wrong",
            "get everything wrong",
            "say the wrong thing",
            "say something stupid",
            "do something stupid",
            "do it wrong",
            "do everything wrong",
            "make mistakes",
            "make a mess",
            "make things worse",
            "embarrass myself",
            "let people down",
            "let everyone down",
            "let them down",
            "disappoint",
            "lose",
            "end up",
            "blow it",
            "choose wrong",
            "pick the wrong",
            "get hurt",
            "get rejected",
            "get left out",
            "get dumped",
            "get ignored",
            "get blamed",
            "the one who",
            "the last",
            "the odd one out",
            "alone",
            "on my own",
            "behind",
            "wrong",
            "late",
            "too much",
            "fall apart",
            "falls apart",
            "go wrong",
            "goes wrong",
            "fall through",
            "break",
            "breaks",
            "backfire",
            "backfires",
        ],
    ),
    // What other people "always" or "never" do to the writer.
    (
        "done_to_me",
        &[
            "leave me",
            "leaves me",
            "forget about me",
            "forgets about me",
            "forget me",
            "forgets me",
            "ignore me",
            "ignores me",
            "reject me",
            "rejects me",
            "hurt me",
            "hurts me",
            "let me down",
            "lets me down",
            "criticise me",
            "criticises me",
            "criticize me",
            "criticizes me",
            "blame me",
            "blames me",
            "use me",
            "uses me",
            "cheat on me",
            "cheats on me",
            "lie to me",
            "lies to me",
            "laugh at me",
            "laughs at me",
            "walk all over me",
            "walks all over me",
            "take advantage of me",
            "takes advantage of me",
            "interrupt me",
            "interrupts me",
            "overlook me",
            "overlooks me",
            "pick on me",
            "picks on me",
            "leave",
            "leaves",
            "end up hurting me",
            "end up leaving",
            "end up leaving me",
            "get bored of me",
            "gets bored of me",
        ],
    ),
    // What other people "never" do for the writer.
    (
        "never_for_me",
        &[
            "listen",
            "listens",
            "listen to me",
            "listens to me",
            "take me seriously",
            "takes me seriously",
            "understand",
            "understands",
            "understand me",
            "understands me",
            "care",
            "cares",
            "call",
            "calls",
            "call me",
            "calls me",
            "invite me",
            "invites me",
            "help",
            "helps",
            "help me",
            "helps me",
            "notice me",
            "notices me",
            "ask me",
            "asks me",
            "choose me",
            "chooses me",
            "pick me",
            "picks me",
            "text back",
            "texts back",
            "reply",
            "replies",
            "appreciate me",
            "appreciates me",
            "believe me",
            "believes me",
            "stay",
            "stays",
            "want me",
            "wants me",
            "thank me",
            "thanks me",
            "include me",
            "includes me",
            "support me",
            "supports me",
        ],
    ),
    // A feeling taken as evidence.
    (
        "feeling",
        &[
            "feel",
            "feels",
            "felt",
            "feeling",
            "am anxious",
            "am scared",
            "am afraid",
            "am nervous",
            "am worried",
            "am terrified",
            "am ashamed",
            "am jealous",
            "am frightened",
            "gut says",
            "gut tells me",
            "gut feeling",
            "instinct says",
            "instinct tells me",
            "sense",
        ],
    ),
    // Words that turn a feeling into a conclusion.
    (
        "so_it_is",
        &[
            "so i must",
            "so i probably am",
            "so it must",
            "so it is",
            "so he must",
            "so she must",
            "so they must",
            "so everyone must",
            "so nobody does",
            "so no one does",
            "so i am not",
            "so i clearly",
            "so i obviously",
            "so i should not",
            "so i should not even",
            "so i can not",
            "so something bad",
            "so something terrible",
            "so something awful",
            "so something is",
            "so it must mean",
            "so that means",
            "which means",
            "which must mean",
            "that means",
            "it must mean",
            "this must mean",
            "that must mean",
            "must mean",
            "which proves",
            "that proves",
            "it proves",
            "this proves",
            "which shows",
            "that shows",
            "it shows",
            "which is proof",
            "that is proof",
            "therefore",
            "so clearly",
            "so obviously",
            "so it is true",
            "i must",
            "i must be",
            "it must be",
            "must be true",
            "so i probably",
            "so probably",
            "that i must",
            "that i am",
            "so he is",
            "so she is",
            "so they are",
        ],
    ),
];

/// The phrases of the word class `name`.
pub fn class(name: &str) -> Option<&'static [&'static str]> {
    CLASSES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, phrases)| *phrases)
}

impl<'a> Pattern<'a> {
    /// Parses `source` (module docs); `Err` names what is wrong.
    pub fn parse(source: &'a str) -> Result<Pattern<'a>, String> {
        let mut elems = Vec::with_capacity(source.bytes().filter(|&b| b == b' ').count() + 1);
        for raw in source.split(' ').filter(|raw| !raw.is_empty()) {
            if let Some(n) = raw.strip_prefix('~') {
                let n = n
                    .parse::<usize>()
                    .map_err(|_| format!("bad gap `{raw}` in `{source}`"))?;
                elems.push(Elem::Gap(n));
                continue;
            }
            let (body, optional) = match raw.strip_suffix('?') {
                Some(b) => (b, true),
                None => (raw, false),
            };
            let mut alts = Vec::with_capacity(body.bytes().filter(|&b| b == b'|').count() + 1);
            for alt in body.split('|') {
                if let Some(name) = alt.strip_prefix('@') {
                    let phrases = class(name)
                        .ok_or_else(|| format!("unknown class `@{name}` in `{source}`"))?;
                    alts.push(Alt::Class(phrases));
                } else if alt.is_empty() {
                    return Err(format!("empty alternative in `{source}`"));
                } else {
                    alts.push(Alt::Phrase(Phrase {
                        text: alt,
                        sep: '_',
                    }));
                }
            }
            elems.push(Elem::Alts { alts, optional });
        }
        if elems.is_empty() {
            return Err("empty pattern".into());
        }
        Ok(Pattern { elems })
    }

    /// The end (exclusive token index) of a match starting exactly at `start`, if any.
    pub fn match_at(&self, tokens: &[Token], start: usize) -> Option<usize> {
        match tokens.get(start) {
            Some(t) if t.kind == Kind::Word => self.rest(tokens, 0, start, true),
            _ => None,
        }
    }

    fn rest(&self, tokens: &[Token], e: usize, pos: usize, first: bool) -> Option<usize> {
        let Some(elem) = self.elems.get(e) else {
            return Some(pos);
        };
        match elem {
            Elem::Gap(n) => {
                let mut p = pos;
                for skipped in 0..=*n {
                    if let Some(end) = self.rest(tokens, e + 1, p, false) {
                        return Some(end);
                    }
                    if skipped == *n {
                        break;
                    }
                    match tokens.get(p) {
                        Some(t) if t.kind == Kind::Comma => p += 1,
                        Some(t) if t.kind == Kind::Word && !GAP_STOP.contains(&t.word.as_str()) => {
                            p += 1;
                        }
                        _ => break,
                    }
                }
                None
            }
            Elem::Alts { alts, optional } => {
                let after_comma = !first && tokens.get(pos).is_some_and(|t| t.kind == Kind::Comma);
                let starts = if after_comma {
                    pos..pos + 2
                } else {
                    pos..pos + 1
                };
                let then = |phrase: Phrase<'_>, s: usize| {
                    phrase
                        .end_at(tokens, s)
                        .and_then(|after| self.rest(tokens, e + 1, after, false))
                };
                for s in starts {
                    for alt in alts {
                        let end = match alt {
                            Alt::Phrase(p) => then(*p, s),
                            Alt::Class(phrases) => phrases
                                .iter()
                                .find_map(|text| then(Phrase { text, sep: ' ' }, s)),
                        };
                        if end.is_some() {
                            return end;
                        }
                    }
                }
                if *optional {
                    return self.rest(tokens, e + 1, pos, first);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn finds(pattern: &str, text: &str) -> Option<String> {
        let p = Pattern::parse(pattern).expect("pattern parses");
        let tokens = tokenize(text);
        (0..tokens.len()).find_map(|s| {
            p.match_at(&tokens, s).map(|e| {
                tokens[s..e]
                    .iter()
                    .filter(|t| t.kind == Kind::Word)
                    .map(|t| t.word.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        })
    }

    #[test]
    fn words_alternatives_phrases_and_classes() {
        assert_eq!(
            finds("i always|never @mess_up", "Honestly I always mess up"),
            Some("i always mess".into())
        );
        assert_eq!(
            finds("it is a_failure|worthless", "It's a failure"),
            Some("it is a failure".into())
        );
        assert_eq!(
            finds("disappoint*", "so disappointing"),
            Some("disappointing".into())
        );
        assert_eq!(finds("i always|never @mess_up", "I always drink tea"), None);
    }

    #[test]
    fn optional_elements_and_commas() {
        assert_eq!(
            finds(
                "if it is not perfect it is a_failure",
                "If it isn't perfect, it's a failure."
            ),
            Some("if it is not perfect it is a failure".into())
        );
        assert_eq!(finds("i really? hate", "I hate"), Some("i hate".into()));
    }

    #[test]
    fn gaps_stop_at_sentence_ends_and_negations() {
        assert_eq!(
            finds("feel ~4 so_i_must", "I feel awful today, so I must be"),
            Some("feel awful today so i must".into())
        );
        assert_eq!(
            finds("feel ~4 so_i_must", "I feel awful. So I must be"),
            None
        );
        assert_eq!(finds("they ~3 hate me", "they do not hate me"), None);
        assert_eq!(
            finds("they ~3 hate me", "they really hate me"),
            Some("they really hate me".into())
        );
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(Pattern::parse("@nope").is_err());
        assert!(Pattern::parse("~x").is_err());
        assert!(Pattern::parse("a||b").is_err());
        assert!(Pattern::parse("  ").is_err());
    }
}
