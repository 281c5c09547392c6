//! The deterministic pass's patterns (the table is in `rules.rs`), prepared at build time
//! (`build.rs`: collapsed like the text, `kill` → `kil`, with their trigger words) and
//! compiled on first use.

use regex_lite::Regex;

use crate::rules::{IDIOMS, TABLE};
pub use crate::rules::{NEGATIONS, Severity};

// PREPARED: (collapsed source, trigger words) per TABLE row; PREPARED_IDIOMS likewise;
// TRIGGER_INDEX: every row trigger, sorted.
include!(concat!(env!("OUT_DIR"), "/prepared.rs"));

/// One pattern, compiled on first use: every call runs in a fresh instance, so compiling
/// all of them up front would cost more than screening; most texts trigger none.
pub struct Pattern {
    /// `suicide`, `self-harm`, `harm-to-others`, `abuse` or `distress`.
    pub category: &'static str,
    /// How serious a match is.
    pub severity: Severity,
    /// Whether a negation just before it ("I would never …") cancels it.
    pub negatable: bool,
    /// Words of the pattern (3+ letters, not stop words); a text containing none of them
    /// cannot match, so the pattern is not even compiled.
    pub triggers: &'static [&'static str],
    source: &'static str,
    regex: std::sync::OnceLock<Regex>,
}

impl Pattern {
    /// The compiled expression.
    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| compile_one(self.source))
    }
}

/// One idiom, compiled on first use (only when some pattern matched and one of its
/// trigger words occurs).
pub struct Idiom {
    /// Words of the idiom, as for a pattern.
    pub triggers: &'static [&'static str],
    source: &'static str,
    regex: std::sync::OnceLock<Regex>,
}

impl Idiom {
    /// The compiled expression.
    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| compile_one(self.source))
    }
}

/// The patterns and idioms.
pub struct Compiled {
    /// The patterns.
    pub patterns: Vec<Pattern>,
    /// The idioms.
    pub idioms: Vec<Idiom>,
}

fn compile_one(source: &str) -> Regex {
    Regex::new(source).unwrap_or_else(|e| panic!("pattern {source} does not compile: {e}"))
}

/// The patterns, ready to compile (the table is fixed, so a pattern that does not
/// compile is a bug the unit tests catch).
pub fn compile() -> Compiled {
    debug_assert_eq!(TABLE.len(), PREPARED.len());
    debug_assert_eq!(IDIOMS.len(), PREPARED_IDIOMS.len());
    Compiled {
        patterns: TABLE
            .iter()
            .zip(PREPARED)
            .map(
                |(&(category, severity, negatable, _), &(source, triggers))| Pattern {
                    category,
                    severity,
                    negatable,
                    triggers,
                    source,
                    regex: std::sync::OnceLock::new(),
                },
            )
            .collect(),
        idioms: PREPARED_IDIOMS
            .iter()
            .map(|&(source, triggers)| Idiom {
                triggers,
                source,
                regex: std::sync::OnceLock::new(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{STOP_WORDS, collapse};

    #[test]
    fn stop_words_are_written_collapsed() {
        for w in STOP_WORDS.iter().chain(crate::rules::EVERYDAY_WORDS) {
            assert_eq!(collapse(w), *w);
        }
    }

    #[test]
    fn trigger_words_know_whole_words_from_word_starts() {
        use crate::rules::literal_words;
        // A word every match contains is enough (the longest: longer words are rarer),
        // but an everyday word only when the pattern has no other.
        assert_eq!(literal_words(r"\bnumb inside\b"), ["=numb"]);
        assert_eq!(literal_words(r"\bdesperately lonely\b"), ["=desperately"]);
        assert_eq!(literal_words(r"\bkil(?:ing|ed)? ?my ?self\b"), ["kil"]);
        assert_eq!(literal_words(r"until (?:it|they) bleeds?\b"), ["=until"]);
        // Otherwise every word of the pattern; a word after an optional space may be glued
        // to the one before, so both forms count.
        assert_eq!(literal_words(r"\bun ?alive\b"), ["alive", "unalive"]);
        // Or a mandatory group at word boundaries: one word for each of its alternatives
        // (the group with fewest everyday words, then whose shortest word is longest: the
        // verbs, not "voy a").
        assert_eq!(
            literal_words(r"\b(?:hopeles|numb) (?:inside|empty)\b"),
            ["=hopeles", "=numb"]
        );
        assert_eq!(
            literal_words(r"\b(?:quiero|voy a) (?:matarme|tirarme (?:por|de) (?:la )?ventana)\b"),
            ["=matarme", "=tirarme"]
        );
        // A group glued to a word gives word starts (`mor(?:ir|irme)` is no candidate).
        assert_eq!(literal_words(r"\bmor(?:ir|irme)\b"), ["mor"]);
        assert_eq!(
            literal_words(r"\bya (?:morir|matar)(?:me)?\b"),
            ["matar", "morir"]
        );
        assert_eq!(literal_words(r"\bkms\b|\bkys\b"), ["=kms", "=kys"]);
        // A word before an optional space may be glued to the next: only a word start.
        assert_eq!(literal_words(r"\bjusqu ?au sang\b"), ["jusqu"]);
        assert_eq!(
            literal_words(r"\b(?:m ?ouvrir|couper) les\b"),
            ["=couper", "mouvrir", "ouvrir"]
        );
    }

    #[test]
    fn every_pattern_compiles_and_has_triggers() {
        for p in compile().patterns {
            p.regex();
            assert!(!p.triggers.is_empty(), "{}", p.source);
        }
        for i in &compile().idioms {
            i.regex();
            assert!(!i.triggers.is_empty(), "{}", i.source);
        }
        assert_eq!(compile().idioms.len(), IDIOMS.len());
    }
}
