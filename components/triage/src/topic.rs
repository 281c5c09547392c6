//! The topic rules: words and identifiers in the text, the code box and the error box vote
//! for a topic. Prose counts twice as much as code, and code's votes per topic are capped so
//! one long snippet cannot drown what the learner wrote. An exception's name votes for
//! `python.errors` when the learner asks what it means, and for the area of the code
//! otherwise (a `KeyError` in a debug query is `python.dicts`).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::intent::{Intent, Prepared};
use crate::text::{PhraseSet, looks_like_code, tokens};

/// The topics, in label order.
pub const TOPICS: [&str; 13] = [
    "python.variables",
    "python.numbers",
    "python.strings",
    "python.conditionals",
    "python.loops",
    "python.functions",
    "python.lists",
    "python.dicts",
    "python.oop",
    "python.files",
    "python.errors",
    "python.modules",
    "general",
];

const VARIABLES: usize = 0;
const NUMBERS: usize = 1;
const STRINGS: usize = 2;
const CONDITIONALS: usize = 3;
const LOOPS: usize = 4;
const FUNCTIONS: usize = 5;
const LISTS: usize = 6;
const DICTS: usize = 7;
const OOP: usize = 8;
const FILES: usize = 9;
const ERRORS: usize = 10;
const MODULES: usize = 11;
/// Index of `general` in `TOPICS`.
pub const GENERAL: usize = 12;

/// Words that vote wherever they appear, per topic (index into `TOPICS`) with a weight.
#[rustfmt::skip]
const WORDS: &[(usize, &[(&str, i32)])] = &[
    (VARIABLES, &[
        ("variable", 3), ("variables", 3), ("assignment", 3), ("assign", 2), ("global", 3),
        ("globals", 3), ("scope", 3), ("none", 1), ("nonetype", 2), ("types", 2), ("mutable", 2),
        ("immutable", 1), ("shadow", 3), ("shadowing", 3), ("constant", 2), ("legb", 4),
        ("declare", 2), ("swap", 3), ("augmented", 3), ("reassignment", 3), ("conversion", 2),
        ("convert", 1), ("true", 1), ("false", 1),
    ]),
    (NUMBERS, &[
        ("int", 2), ("float", 3), ("floats", 3), ("integer", 3), ("integers", 3), ("decimal", 3),
        ("decimals", 3), ("round", 3), ("rounding", 3), ("division", 3), ("divide", 2),
        ("modulo", 4), ("number", 2), ("numbers", 2), ("numeric", 3), ("overflow", 3),
        ("prime", 3), ("fractions", 3), ("fraction", 2), ("complex", 1), ("arithmetic", 3),
        ("maths", 3), ("math", 2), ("mathy", 3), ("celsius", 2), ("fahrenheit", 2),
        ("hypotenuse", 3), ("sqrt", 2), ("bin", 2), ("hex", 3), ("binary", 2), ("inf", 3),
        ("divisor", 3), ("calculator", 2), ("interest", 2), ("tax", 2), ("multiply", 2),
        ("temperature", 2), ("bases", 2), ("iva", 2), ("price", 1), ("bill", 1),
    ]),
    (STRINGS, &[
        ("string", 3), ("strings", 3), ("str", 2), ("fstring", 3), ("format", 2),
        ("formatting", 3), ("slice", 2), ("slicing", 2), ("split", 2), ("join", 2),
        ("upper", 2), ("lower", 2), ("strip", 3), ("replace", 2), ("concatenate", 2),
        ("concat", 2), ("vowel", 3), ("vowels", 3), ("char", 2), ("character", 2),
        ("characters", 2), ("reverse", 1), ("reversing", 1), ("anagram", 3), ("padding", 3),
        ("repr", 3), ("quotes", 2), ("substring", 3), ("immutables", 2), ("lowercase", 2),
        ("uppercase", 2), ("email", 1), ("text", 1), ("dashes", 1), ("comparison", 1),
    ]),
    (CONDITIONALS, &[
        ("elif", 3), ("condition", 3), ("conditions", 3), ("conditional", 3),
        ("conditionals", 3), ("boolean", 3), ("booleans", 3), ("bool", 2), ("truthy", 4),
        ("falsy", 4), ("truthiness", 4), ("comparison", 3), ("compare", 2), ("leap", 2),
        ("bisiesto", 3), ("circuit", 3), ("eligible", 1), ("grade", 1), ("branches", 2),
    ]),
    (LOOPS, &[
        ("loop", 4), ("loops", 4), ("while", 3), ("range", 3), ("break", 3), ("continue", 3),
        ("enumerate", 4), ("zip", 4), ("iterate", 3), ("iteration", 3), ("iterable", 3),
        ("iterating", 3), ("infinite", 2), ("fizzbuzz", 3), ("sentinel", 3),
        ("multiplication", 2), ("triangle", 1), ("hangs", 1), ("halve", 1),
    ]),
    (FUNCTIONS, &[
        ("function", 2), ("functions", 2), ("def", 2), ("return", 2), ("returns", 1),
        ("parameter", 3), ("parameters", 3), ("argument", 3), ("arguments", 3), ("args", 3),
        ("kwargs", 3), ("lambda", 4), ("recursion", 4), ("recursive", 4), ("generator", 4),
        ("yield", 4), ("decorator", 4), ("decorators", 4), ("closure", 4), ("closures", 4),
        ("nonlocal", 4), ("docstring", 3), ("map", 2), ("filter", 2), ("keyword", 2),
        ("helper", 1),
    ]),
    (LISTS, &[
        ("list", 2), ("lists", 2), ("append", 3), ("extend", 3), ("comprehension", 3),
        ("comprehensions", 2), ("sort", 3), ("sorted", 2), ("sorting", 2), ("index", 1),
        ("matrix", 3), ("copy", 2), ("remove", 2), ("pop", 2), ("insert", 2), ("array", 2),
        ("flatten", 3), ("grid", 2), ("elements", 1), ("element", 1), ("brackets", 1),
        ("shallow", 2), ("maximum", 1),
    ]),
    (DICTS, &[
        ("dict", 4), ("dicts", 4), ("dictionary", 4), ("dictionaries", 4), ("keys", 3),
        ("key", 2), ("values", 2), ("items", 2), ("sets", 3), ("tuple", 4), ("tuples", 4),
        ("unpacking", 3), ("unpack", 2), ("union", 3), ("intersection", 3), ("phonebook", 3),
        ("frequencies", 2), ("dic", 3), ("settings", 1), ("config", 1),
    ]),
    (OOP, &[
        ("class", 3), ("classes", 4), ("object", 2), ("objects", 2), ("self", 2),
        ("__init__", 3), ("method", 3), ("methods", 3), ("attribute", 3), ("attributes", 3),
        ("inheritance", 4), ("inherit", 3), ("inherits", 3), ("subclass", 4),
        ("subclasses", 4), ("parent", 2), ("instance", 3), ("instances", 3), ("dunder", 4),
        ("__str__", 3), ("__eq__", 3), ("__lt__", 3), ("__len__", 3), ("property", 3),
        ("getters", 3), ("setters", 3), ("abstraction", 4), ("mro", 4), ("duck", 3),
        ("constructor", 3), ("oop", 5), ("objet", 3), ("super", 3), ("overriding", 3),
        ("isinstance", 3), ("account", 1),
    ]),
    (FILES, &[
        ("file", 3), ("files", 3), ("open", 2), ("read", 2), ("write", 2), ("readline", 3),
        ("readlines", 3), ("csv", 4), ("json", 3), ("encoding", 4), ("utf", 3), ("path", 2),
        ("paths", 2), ("pathlib", 4), ("folder", 1), ("directory", 2), ("log", 1),
        ("notepad", 2), ("rb", 3), ("wb", 3), ("txt", 2), ("excel", 1), ("spreadsheet", 1),
    ]),
    (ERRORS, &[
        ("exception", 4), ("exceptions", 4), ("try", 3), ("except", 3), ("finally", 4),
        ("raise", 3), ("raising", 3), ("raised", 2), ("traceback", 3), ("tracebacks", 3),
        ("catch", 2), ("catching", 2), ("handling", 2), ("bare", 2), ("retrying", 2),
    ]),
    (MODULES, &[
        ("module", 4), ("modules", 4), ("import", 3), ("imports", 3), ("importing", 3),
        ("package", 3), ("packages", 3), ("pip", 4), ("venv", 4), ("virtual", 2),
        ("__name__", 4), ("__main__", 3), ("sys", 3), ("os", 2), ("argv", 3), ("argparse", 4),
        ("random", 2), ("datetime", 3), ("collections", 3), ("library", 2), ("install", 2),
        ("installed", 2), ("numpy", 2), ("pygame", 2), ("anaconda", 2), ("requests", 1),
    ]),
    (GENERAL, &[
        ("learn", 2), ("study", 3), ("interview", 2), ("topic", 1), ("topics", 2),
        ("career", 2), ("course", 1), ("programmers", 2), ("pep", 3), ("games", 2),
        ("debugging", 2), ("senior", 2), ("internship", 2), ("exam", 1),
    ]),
];

/// Words too common in English to count outside code lines.
#[rustfmt::skip]
const CODE_ONLY: &[(&str, usize, i32)] = &[
    ("for", LOOPS, 1), ("if", CONDITIONALS, 1), ("else", CONDITIONALS, 1),
    ("with", FILES, 1), ("get", DICTS, 1), ("set", DICTS, 2), ("match", CONDITIONALS, 1),
    ("case", CONDITIONALS, 1), ("type", VARIABLES, 1),
];

/// Phrases, searched in the text, with the topic they vote for.
#[rustfmt::skip]
const PHRASES: &[(&str, usize, i32)] = &[
    ("with open", FILES, 3), ("f-string", STRINGS, 3), ("f-strings", STRINGS, 3),
    ("__init__.py", MODULES, 4), ("__init__.py", OOP, -3), ("context manager", FILES, 3),
    ("dictionary comprehension", DICTS, 3), ("os.path", FILES, 2), ("sys.argv", MODULES, 2),
    ("short circuit", CONDITIONALS, 4), ("floating point", NUMBERS, 3),
    ("standard library", MODULES, 3), ("virtual environment", MODULES, 4),
    ("type hints", FUNCTIONS, 2), ("duck typing", OOP, 2), ("any topic", GENERAL, 6),
    ("try/except", ERRORS, 3), ("try except", ERRORS, 3), ("command line", MODULES, 2),
    ("deep copy", LISTS, 2), ("== and is", VARIABLES, 4), ("== vs is", VARIABLES, 4),
    ("if statement", CONDITIONALS, 3), ("if/else", CONDITIONALS, 3), ("if else", CONDITIONALS, 3),
    ("if/elif", CONDITIONALS, 3), ("nested if", CONDITIONALS, 3), ("for loop", LOOPS, 2),
    ("for loops", LOOPS, 2), ("error handling", ERRORS, 3), ("own error", ERRORS, 3),
    ("which except", ERRORS, 3), ("list of lists", LISTS, 2), ("list and a tuple", DICTS, -2),
    ("'w'", FILES, 3), ("the file", FILES, 2), ("a file", FILES, 2), ("pep 8", GENERAL, 2),
    ("what should i learn", GENERAL, 4), ("learn next", GENERAL, 3), ("any exercise", GENERAL, 4),
];

/// Exception names, with the area they point to in code (`None`: no area of its own).
#[rustfmt::skip]
const EXCEPTIONS: &[(&str, Option<usize>)] = &[
    ("keyerror", Some(DICTS)), ("indexerror", Some(LISTS)), ("filenotfounderror", Some(FILES)),
    ("modulenotfounderror", Some(MODULES)), ("importerror", Some(MODULES)),
    ("zerodivisionerror", Some(NUMBERS)), ("attributeerror", Some(OOP)),
    ("nameerror", Some(VARIABLES)), ("unboundlocalerror", Some(VARIABLES)),
    ("recursionerror", Some(FUNCTIONS)), ("valueerror", Some(NUMBERS)), ("typeerror", None),
    ("syntaxerror", None), ("indentationerror", None), ("oserror", Some(FILES)),
    ("stopiteration", Some(LOOPS)), ("keyboardinterrupt", Some(ERRORS)),
    ("exception", None), ("runtimeerror", None), ("overflowerror", Some(NUMBERS)),
];

/// What a token votes for: topic and weight, whether only in code, or an exception's area.
#[derive(Clone, Copy)]
enum Vote {
    Word(usize, i32),
    CodeOnly(usize, i32),
    Exception(Option<usize>),
}

fn votes() -> &'static HashMap<&'static str, Vec<Vote>> {
    static VOTES: OnceLock<HashMap<&'static str, Vec<Vote>>> = OnceLock::new();
    VOTES.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<Vote>> = HashMap::new();
        for &(topic, words) in WORDS {
            for &(word, weight) in words {
                map.entry(word).or_default().push(Vote::Word(topic, weight));
            }
        }
        for &(word, topic, weight) in CODE_ONLY {
            map.entry(word)
                .or_default()
                .push(Vote::CodeOnly(topic, weight));
        }
        for &(name, area) in EXCEPTIONS {
            map.entry(name).or_default().push(Vote::Exception(area));
        }
        map
    })
}

fn phrases() -> &'static PhraseSet<(usize, i32)> {
    static SET: OnceLock<PhraseSet<(usize, i32)>> = OnceLock::new();
    SET.get_or_init(|| PhraseSet::new(PHRASES.iter().map(|&(p, t, w)| (p, (t, w)))))
}

/// Most votes code can give one topic.
const CODE_CAP: i32 = 5;

/// Votes per topic, prose and code apart.
#[derive(Default)]
struct Ballot {
    prose: [i32; 13],
    code: [i32; 13],
}

impl Ballot {
    fn vote(&mut self, line: &str, in_code: bool, concept: bool) {
        for token in tokens(line) {
            let Some(votes) = votes().get(token) else {
                continue;
            };
            for &vote in votes {
                match (vote, in_code) {
                    (Vote::Word(topic, w), false) => self.prose[topic] += 2 * w,
                    (Vote::Word(topic, w) | Vote::CodeOnly(topic, w), true) => {
                        // Nearly every snippet defines a function: `def` alone says little.
                        self.code[topic] += if topic == FUNCTIONS { 1 } else { w };
                    }
                    (Vote::CodeOnly(..), false) => {}
                    (Vote::Exception(area), _) => {
                        if concept && !in_code {
                            self.prose[ERRORS] += 8;
                        } else if let Some(area) = area {
                            self.prose[area] += 4;
                        }
                    }
                }
            }
        }
    }
}

/// The topic's index in `TOPICS`, its score and the runner-up's score.
pub fn score(q: &Prepared<'_>, intent: &Intent) -> (usize, i32, i32) {
    let concept = *intent == Intent::Concepts;
    let mut ballot = Ballot::default();
    for line in q.text.lines() {
        ballot.vote(line, looks_like_code(line), concept);
    }
    for line in q.code.lines().chain(q.error.lines()) {
        ballot.vote(line, true, false);
    }
    phrases().each_match(q.text, |_, (topic, weight)| {
        ballot.prose[topic] += 2 * weight
    });
    let mut best = (GENERAL, 0, 0);
    for topic in 0..TOPICS.len() {
        let cap = if topic == FUNCTIONS { 2 } else { CODE_CAP };
        let total = ballot.prose[topic] + ballot.code[topic].min(cap);
        if total > best.1 {
            best = (topic, total, best.1);
        } else if total > best.2 {
            best.2 = total;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_table_names_a_topic() {
        assert!(WORDS.iter().all(|(t, _)| *t < TOPICS.len()));
        assert_eq!(TOPICS[GENERAL], "general");
    }
}
