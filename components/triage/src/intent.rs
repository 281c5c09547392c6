//! The intent rules: each intent collects weighted signals (phrases in the text, pasted code,
//! an error box, a traceback), the highest total wins, and the rules are sure only when the
//! winner is strong and clearly ahead (see `crate::decide`).

use std::sync::OnceLock;

use crate::text::{PhraseSet, find_phrase};

/// What the learner wants, which decides the agent that answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Intent {
    /// An explanation of a Python idea.
    Concepts,
    /// Feedback on code the learner believes works.
    CodeReview,
    /// Something fails and the learner wants it fixed.
    Debug,
    /// Practice: an exercise, quiz or challenge.
    Exercise,
    /// An intent an installed agent declares (see `ExtraIntent`).
    Extra(String),
}

impl Intent {
    /// The built-in intents, in a fixed order.
    pub const BUILT_IN: [Intent; 4] = [
        Intent::Concepts,
        Intent::CodeReview,
        Intent::Debug,
        Intent::Exercise,
    ];

    /// The intent's name as the labels and the agents spell it.
    pub fn as_str(&self) -> &str {
        match self {
            Intent::Concepts => "concepts",
            Intent::CodeReview => "code-review",
            Intent::Debug => "debug",
            Intent::Exercise => "exercise",
            Intent::Extra(name) => name,
        }
    }

    /// The built-in intent of that name, or an extra one.
    pub fn from_name(name: &str) -> Intent {
        match name {
            "concepts" => Intent::Concepts,
            "code-review" => Intent::CodeReview,
            "debug" => Intent::Debug,
            "exercise" => Intent::Exercise,
            other => Intent::Extra(other.to_owned()),
        }
    }
}

/// A running total for one intent, remembering its strongest signal for `decided_by`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    /// Sum of the signal weights (negative weights are counter-signals).
    pub score: i32,
    strongest: i32,
    /// The rule behind the strongest positive signal.
    pub rule: &'static str,
}

impl Tally {
    /// Adds a signal.
    pub fn add(&mut self, weight: i32, rule: &'static str) {
        self.score += weight;
        if weight > self.strongest {
            self.strongest = weight;
            self.rule = rule;
        }
    }
}

/// The query after lowercasing, with what the rules look at.
pub struct Prepared<'a> {
    /// The text, lowercased (curly apostrophes made straight).
    pub text: &'a str,
    /// The code box, lowercased ("" when absent).
    pub code: &'a str,
    /// The error box, lowercased ("" when absent).
    pub error: &'a str,
    /// Whether the text holds pasted code lines.
    pub inline_code: bool,
}

impl Prepared<'_> {
    /// Whether any code came with the query, in the code box or in the text.
    pub fn has_code(&self) -> bool {
        !self.code.trim().is_empty() || self.inline_code
    }
}

/// Failure described in words, without an error message.
#[rustfmt::skip]
const SYMPTOMS: &[(&str, i32)] = &[
    ("doesn't work", 3), ("doesnt work", 3), ("don't work", 3), ("dont work", 3),
    ("does not work", 3), ("not working", 3), ("isn't working", 3), ("wrong output", 4),
    ("wrong answer", 3), ("the wrong", 2), ("is wrong", 2), 
    ("answer is wrong", 3), ("infinite loop", 4), ("never stops", 4), ("don't stop", 4),
    ("doesn't stop", 4), ("never finishes", 4), ("hangs", 3), ("freezes", 4), ("crash", 3),
    ("crashes", 4), ("crashing", 3), ("prints none", 3), ("print none", 2), ("returns none", 3),
    ("return always none", 4), ("always returns none", 4), ("a none", 2), ("nothing happens", 3),
    ("isn't catching", 4), ("isnt catching", 4), ("not catching", 4), ("doesn't catch", 4),
    ("doesn't change", 3), ("don't change", 3), ("doesnt change", 3), ("wont change", 3),
    ("won't change", 3), ("doesn't run", 2), ("still prints", 3), ("only gives", 2),
    ("only keeps", 3), ("only removes", 2), ("i expected", 3), ("expected", 1),
    ("instead of", 1), ("should be", 1), ("but i get", 3), ("i get", 1), ("i keep getting", 3),
    ("i obtain", 2), ("gives me", 1), ("why does this print", 3), ("why does it print", 3),
    ("error", 2), ("bug", 1), ("fix", 1), ("help", 1), ("frustrated", 2), ("not visible", 2),
    ("never happens", 3), ("always runs", 3), 
    ("not found", 2), 
    ("not sorting", 3), ("isn't sorting", 3), ("what am i doing wrong", 3), ("what did i do", 2),
    ("stuck", 1), ("why??", 2), ("pourquoi", 1), ("what happen", 2), 
    ("seems to", 1), ("fails", 3), ("failing", 2), ("not defined", 3), ("raises", 2),
    ("gives", 1), ("give me", -1),
    ("i only want", 1), ("i just want", 1), ("i want only", 1),
    ("only one", 1),
    
    
    ("wtf", 2), ("never", 1), ("always", 1), ("changed", 1), ("but only", 1), ("doesn't exist", 2), ("help me", 1), 
];

/// Python's own error wording, without the exception name.
#[rustfmt::skip]
const ERROR_WORDS: &[(&str, i32)] = &[
    ("object is not", 3), ("has no attribute", 3), ("is not defined", 3), ("out of range", 3),
    ("invalid syntax", 3), ("no module named", 3), ("not subscriptable", 3),
    ("not iterable", 3), ("unexpected indent", 3), ("command not found", 3),
    ("referenced before assignment", 3), ("invalid literal", 3), ("could not convert", 3),
    ("too many values to unpack", 3), ("can only concatenate", 3),
    ("does not support item assignment", 3), ("not callable", 3),
];

/// Requests for feedback on code.
#[rustfmt::skip]
const REVIEW: &[(&str, i32)] = &[
    ("review", 4), ("feedback", 4), ("critique", 4), ("roast", 4), ("pep 8", 3), ("pep8", 3),
    ("style", 3), ("stylistically", 3), ("pythonic", 3), ("idiomatic", 3),
    ("readable", 3), ("readability", 3), ("clean", 3), ("cleaner", 3), ("cleaned", 3),
    ("improve", 3), ("better", 2), ("elegant", 3), ("is this good", 3), ("is it good", 2),
    ("is it ok", 2), ("is this ok", 2), ("is ok", 2), ("look ok", 3), ("looks ok", 3),
    ("look better", 3), ("better now", 3), ("well written", 3), ("good practice", 3),
    ("bad practice", 3), ("best practice", 3), ("best practices", 3), ("acceptable practice", 3),
    ("naming", 3), ("names", 1), ("it works", 3), ("works fine", 3), ("works but", 3),
    ("it runs", 2), ("runs", 1), ("all works", 3), ("both works", 3), ("is correct", 2),
    ("output is correct", 3), ("passes all the tests", 3), ("honest", 3), ("opinion", 3),
    ("opinions", 3), ("thoughts", 3), ("what do you think", 3), ("how did i do", 4),
    ("can this be", 2), ("the right way", 2), ("rate my", 4), ("check my code", 3),
    ("can you check", 2), ("approve", 3), ("overkill", 3), ("simplify", 3), ("reduce it", 3),
    ("its long", 2), ("too long", 2), ("ugly", 3), ("bad style", 3), ("structure", 2),
    ("suggestions", 2), ("any tips", 3), ("tips", 1), ("anything you'd change", 4),
    ("what would you change", 4), ("would you write", 3), ("is fine", 2), 
    ("too complex", 2), ("too clever", 3), ("maintainable", 3), ("maintain", 2),
    ("reasonable", 2), ("sensible", 2), ("is it correct", 2),
    ("nicer", 3), ("or ok", 2), ("is it fine", 2), ("it's good", 2), ("is this how", 2), ("is there a better", 3), ("which version", 3), ("more readable", 3),
    ("not broken", 3), ("not asking for a fix", 5), ("bad idea", 2), ("good idea", 2),
    ("here's my solution", 4), ("my solution", 3),
    ("is it acceptable", 3), ("is this right", 2), 
    ("is it a problem", 2), ("style only", 4), ("docstring", 1), ("the style", 2),
    ("comments", 1), 
    ("more", 1), ("edge cases", 1), 
    ("tested", 2), ("i tested", 2), ("match", 1), ("correct for", 2), 
    ("organise", 1), ("organize", 1),
];

/// Requests for practice.
#[rustfmt::skip]
const EXERCISE: &[(&str, i32)] = &[
    ("exercise", 5), ("exercises", 5), ("exercice", 5), ("ejercicio", 5), ("quiz", 5),
    ("challenge", 4), ("challenges", 4), ("challenging", 3), ("practice", 3), ("practise", 3),
    ("practising", 3), ("practicing", 3), ("kata", 5), ("drills", 5), ("test me", 5),
    ("test my understanding", 5), ("harder", 3), ("easier", 3), ("another one", 4),
    ("one more", 3), ("next level", 4), ("give me a problem", 5), ("practice problem", 3),
    ("a problem where", 4), ("a problem about", 4), ("a problem with", 4),
    ("a problem of", 4), ("problem about", 2), ("problems on", 4), ("give me something", 4),
    ("give me somthing", 4), ("something to practice", 4), ("mini project", 4),
    ("small project", 4), ("project to do", 4), ("interview question", 4), ("leetcode", 5),
    ("give me", 1), ("can i have", 1), ("make me", 1), ("gimme", 1), ("something different", 3),
    ("too easy", 3), ("by doing", 2), ("give me one", 3), ("same topic", 3),
    
    ("bad practice", -3), ("best practice", -3), ("good practice", -3),
    ("acceptable practice", -3), ("best practices", -3), ("the exercise you gave", -4),
    ("solution of the exercise", -4), ("solution to the exercise", -4), ("the exercise was", -4),
    ("i finished", -1), ("version of the exercise", 2),
    ("harder version", 2), 
];

/// Questions about an idea.
#[rustfmt::skip]
const QUESTION: &[(&str, i32)] = &[
    ("what is", 3), ("what's", 3), ("whats", 3), ("wats", 3), ("what does", 3), ("what are", 3),
    ("what means", 3), ("what signify", 3), ("what even is", 4), ("why", 2), ("how does", 3),
    ("how do", 2), ("how works", 3), ("difference between", 4), ("difference", 3),
    ("diff", 2), ("vs", 2), ("versus", 2), ("explain", 4), ("explanation", 4), ("clarify", 3),
    ("understand", 1), ("concept", 3), ("concepts", 3), ("mean", 2), ("meaning", 2),
    ("in general", 3), ("just curious", 4), ("curious", 2), ("not asking about my code", 6),
    ("not stuck on a bug", 6), ("no code needed", 6), ("just trying to understand", 4),
    ("when should i", 3), ("when would i", 3), ("should i use", 2), ("is it true", 3),
    ("what happens", 3), ("what should i learn", 4), ("how should i study", 4),
    ("learn next", 3), ("is python good", 3), ("c'est quoi", 4), ("whats the point", 4),
    ("what's the point", 4), ("what is the purpose", 4), ("is there a reason", 3),
    ("is it a bug that", 4), ("how does python know", 4),
    ("in normal words", 4), ("the rule", 2), ("for??", 2), ("for?", 2), ("stand for", 3),
    ("short for", 3), ("prioritise", 2),
    ("the best way to learn", 4), ("is a thing", 3), ("how to study", 4), ("study", 2),
    ("what it is", 3), ("mean?", 2),
    
    ("i don't understand", 2), ("i dont get", 1), 
];

/// Which tally a phrase adds to.
#[derive(Clone, Copy)]
enum Which {
    Concepts,
    Review,
    Debug,
    Exercise,
}

/// A phrase table: phrase and weight.
type Table = &'static [(&'static str, i32)];

/// Every phrase table, with its tally, weight and rule name, in one set.
fn phrases() -> &'static PhraseSet<(Which, i32, &'static str)> {
    static SET: OnceLock<PhraseSet<(Which, i32, &'static str)>> = OnceLock::new();
    SET.get_or_init(|| {
        let tables: [(Table, Which, &'static str); 5] = [
            (ERROR_WORDS, Which::Debug, "rule:error-message"),
            (SYMPTOMS, Which::Debug, "rule:symptom"),
            (REVIEW, Which::Review, "rule:review-words"),
            (EXERCISE, Which::Exercise, "rule:exercise-request"),
            (QUESTION, Which::Concepts, "rule:question-words"),
        ];
        PhraseSet::new(tables.into_iter().flat_map(|(table, which, rule)| {
            table
                .iter()
                .map(move |&(phrase, weight)| (phrase, (which, weight, rule)))
        }))
    })
}

/// Whether the text holds an exception name followed by its message ("keyerror: 'name'").
fn exception_message(text: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = text.get(from..).and_then(|t| t.find("error:")) {
        let at = from + pos;
        let named = at > 0 && text.as_bytes()[at - 1].is_ascii_alphabetic();
        let rest = text[at + "error:".len()..].trim_start();
        if named && !rest.is_empty() {
            return true;
        }
        from = at + 1;
    }
    false
}

/// Tallies the built-in intents, in the order of `Intent::BUILT_IN`.
pub fn tally(q: &Prepared<'_>) -> [Tally; 4] {
    let [mut concepts, mut review, mut debug, mut exercise] = [Tally::default(); 4];
    let traceback = "traceback (most recent call last)";
    if q.text.contains(traceback) || q.error.contains(traceback) {
        debug.add(6, "rule:traceback");
    } else if !q.error.trim().is_empty() {
        debug.add(5, "rule:error-field");
    }
    if exception_message(q.text) {
        debug.add(4, "rule:exception-message");
    }
    phrases().each_match(q.text, |_, (which, weight, rule)| {
        let tally = match which {
            Which::Concepts => &mut concepts,
            Which::Review => &mut review,
            Which::Debug => &mut debug,
            Which::Exercise => &mut exercise,
        };
        tally.add(weight, rule);
    });
    if q.has_code() {
        if review.score > 0 {
            review.add(3, "");
            review.rule = "rule:code-block+review-words";
        }
        // Practice requests rarely come with code; code with exercise words is a solution.
        exercise.score -= 3;
        concepts.score -= 1;
    } else {
        // Feedback needs something to look at.
        review.score -= 3;
    }
    if find_phrase(q.text, "debugging").is_some() && exercise.score > 0 {
        // "give me a debugging exercise" asks for practice, not a fix.
        debug.score -= 2;
    }
    [concepts, review, debug, exercise]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_messages_need_a_name_and_a_message() {
        assert!(exception_message("typeerror: 'int' object is not iterable"));
        assert!(!exception_message("error:"));
        assert!(!exception_message("what is a keyerror"));
    }
}
