//! The rules stage: phrase patterns per distortion, each with a confidence.
//!
//! A match ([`crate::pattern`]) becomes a candidate whose span grows from the match to its
//! clause: back to the clause's start when that is at most [`MAX_BACK`] words away, and on
//! to the clause's end (`.`, `,`, `;`, `!`, `?`, a line break or a conjunction) when that is
//! at most [`MAX_FORWARD`] words away. So the highlight shows the thought, not the trigger
//! word. A match is dropped when:
//! - a `not` sits in the three words before it (same clause), for rules that a negation
//!   reverses (`it's not my fault`, `I don't think everyone hates me`);
//! - the word right before it is one the rule excludes (`I think I'm stupid` is labelling,
//!   not mind-reading: `think` may not follow `I`);
//! - its sentence holds a phrase that disowns or reports the thought (`used to think`,
//!   `just because`), or one the rule lists (`disaster movie`).
//!
//! Overlapping candidates keep the most confident ([`crate::resolve_overlaps`]); below
//! [`MIN_CONFIDENCE`] a candidate is not reported. The rules and their confidences were
//! written and tuned on the labelled set's train and dev splits only (README).

use std::sync::OnceLock;

use crate::pattern::Pattern;
use crate::text::{self, Kind, Token};
use crate::{Distortion, FoundBy, Fragment, resolve_overlaps};

/// Words a span grows back over to reach its clause's start.
pub const MAX_BACK: usize = 6;
/// Words a span grows on over to reach its clause's end.
pub const MAX_FORWARD: usize = 12;
/// Candidates below this confidence are not reported (weak cues such as `got lucky`
/// without a `but` stay silent).
pub const MIN_CONFIDENCE: f32 = 0.5;
/// A rule fragment this confident settles its sentence (see [`sure_about_all`]).
pub const SURE: f32 = 0.8;

/// Words that end a clause inside a sentence.
const CONJUNCTIONS: &[&str] = &[
    "but", "and", "so", "because", "although", "though", "while", "whereas", "yet", "since",
    "cause", "cos",
];

/// Phrases that, anywhere in a sentence, mean the writer reports or disowns the thought
/// rather than holds it.
const DISOWNED: &[&str] = &[
    "used to think",
    "used to believe",
    "used to feel",
    "i tend to",
    "just because",
    "learning that",
    "told myself",
];

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The distortion it shows.
    pub kind: Distortion,
    /// Its pattern ([`crate::pattern`]).
    pub pattern: &'static str,
    /// How often a match is right, roughly (0-1).
    pub confidence: f32,
    /// Phrases that cancel a match anywhere in its sentence.
    pub unless: &'static [&'static str],
    /// Words that may not come right before the match.
    pub not_after: &'static [&'static str],
    /// Whether a `not` just before the match cancels it.
    pub negatable: bool,
}

const fn rule(kind: Distortion, confidence: f32, pattern: &'static str) -> Rule {
    Rule {
        kind,
        pattern,
        confidence,
        unless: &[],
        not_after: &[],
        negatable: true,
    }
}

impl Rule {
    const fn unless(mut self, phrases: &'static [&'static str]) -> Rule {
        self.unless = phrases;
        self
    }

    const fn not_after(mut self, words: &'static [&'static str]) -> Rule {
        self.not_after = words;
        self
    }

    const fn through_negation(mut self) -> Rule {
        self.negatable = false;
        self
    }
}

use Distortion::{
    AllOrNothing, Catastrophising, DiscountingThePositive, EmotionalReasoning, FortuneTelling,
    Labelling, MindReading, Overgeneralisation, Personalisation, ShouldStatements,
};

/// Someone's own subject words: a rule about other minds may not follow them.
const SELF: &[&str] = &["i", "we", "not"];

/// Every rule.
pub const RULES: &[Rule] = &[
    // --- catastrophising: the worst outcome, at a catastrophic scale.
    rule(Catastrophising, 0.85, "my|our|the? whole|entire? @big_thing ~2 @ruined"),
    rule(Catastrophising, 0.85, "is|was|be|been|am|are|were ~3 @extreme")
        .unless(&["disaster movie", "disaster film", "nightmare before"]),
    rule(Catastrophising, 0.8, "most humiliating|embarrassing|painful|awful|terrible ~2 of_my_life"),
    rule(Catastrophising, 0.8, "worst ~2 of_my_life|that_could|that_can|imaginable|possible"),
    rule(Catastrophising, 0.75, "what if ~4 dying|die|cancer|tumour|tumor|heart_attack|stroke|serious|fired|homeless|everything"),
    rule(Catastrophising, 0.75, "probably|definitely|must_be|it_is ~2 brain_tumour|tumour|tumor|cancer|heart_attack|stroke|dying|something_serious"),
    rule(Catastrophising, 0.75, "something terrible|awful|horrible|serious|bad ~2 wrong|happening|coming|going_to_happen|will_happen"),
    rule(Catastrophising, 0.8, "never live_it_down|recover|survive"),
    rule(Catastrophising, 0.8, "will|would|can|could not survive"),
    rule(Catastrophising, 0.8, "end up ~2 on_the_street|homeless|with_nothing|broke|dead|in_hospital|with_no_future|no_future|in_prison|alone_forever"),
    rule(Catastrophising, 0.8, "no future|ruined forever|forever ruined|go_under|goes_under"),
    rule(Catastrophising, 0.6, "will|is_going_to|are_going_to ~5 forever"),
    rule(Catastrophising, 0.6, "can not take|stand|bear|handle it|this|anymore|any_more"),
    // --- all-or-nothing: one flaw condemns the whole, two categories only.
    rule(AllOrNothing, 0.86, "whole|entire ~1 @unit is|was|has_been|will_be|is_now|is_basically ~2 @worthless"),
    rule(AllOrNothing, 0.7, "the|this|my|that|today @unit is|was|is_now ~2 @worthless").not_after(&["of"]),
    rule(AllOrNothing, 0.86, "either ~10 or ~5 @fail_word"),
    rule(AllOrNothing, 0.8, "if|unless ~6 not ~3 perfect|flawless|the_best|first|100%|properly|perfectly|right|everything|the_full|all ~8 @fail_word|no_point|at_all|terrible|nothing"),
    rule(AllOrNothing, 0.75, "if ~4 not ~3 everything ~4 not ~3 at_all"),
    rule(AllOrNothing, 0.85, "single|one ~2 bug|mistake|error|flaw|slip|typo|thing|question|problem|bad ~8 @fail_word|useless|terrible|worthless|ruined|a_waste|no_good"),
    rule(AllOrNothing, 0.8, "anything|everything less than ~3 perfect|first|the_best|100%|an_a|a_plus|an_a+|excellent"),
    rule(AllOrNothing, 0.75, "same as|as_good_as|no_better_than ~2 failing|failure|a_fail|nothing|losing|a_failure"),
    rule(AllOrNothing, 0.8, "has_to|have_to|must|needs_to|need_to be ~2 100%|perfect|flawless ~3 or"),
    rule(AllOrNothing, 0.75, "no middle_ground|in_between|grey_area|gray_area"),
    rule(AllOrNothing, 0.75, "all_or_nothing|black_and_white"),
    rule(AllOrNothing, 0.7, "might as well ~1 quit|give_up|stop|not_bother|throw"),
    rule(AllOrNothing, 0.65, "it|this|that|everything is|was ~1 completely|totally|utterly|entirely|now ~1 useless|worthless|ruined|pointless|meaningless|wasted|garbage|rubbish"),
    rule(AllOrNothing, 0.75, "unless everyone|everybody|all ~6 @fail_word"),
    rule(AllOrNothing, 0.7, "no point ~4 at_all|unless|if_it_is_not"),
    // --- mind-reading: what others think, without evidence.
    rule(MindReading, 0.85, "think|thinks|thought|believe|believes|see|sees|saw ~1 that? i|i_am|i_was|me ~2 @judgement").not_after(SELF),
    rule(MindReading, 0.85, "think|thinks|thought|saw less_of_me|badly_of_me|poorly_of_me|little_of_me").not_after(SELF),
    rule(MindReading, 0.8, "think|thinks|thought ~1 that? i do_not|did_not|will_not|can_not|am_not|was_not|would_not ~1 deserve|belong|fit|matter|try|measure|cut_it|care|know|good|smart").not_after(SELF),
    rule(MindReading, 0.85, "@attitude me|my|myself").not_after(&["i", "am", "was", "myself"]),
    rule(MindReading, 0.75, "does_not|do_not|did_not ~1 like|want|respect|trust|love|rate|care_about|value me|me_there|me_here|me_around|to_come|to_see_me|to_be_here|to_be_there|to_talk_to_me|to_be_with_me|to_hang_out").not_after(&["i", "we"]),
    rule(MindReading, 0.8, "@others|everyone_else is|are? must|probably|obviously|clearly|definitely|secretly ~5 me|with_me|of_me|at_me|about_me|my"),
    rule(MindReading, 0.75, "i could_tell|can_tell|can_see|could_see|just_know|know|bet|am_sure|am_certain ~3 everyone|everybody|they|he|she|people|my|the ~6 bored|annoyed|angry|upset|disappointed|hate|hates|thinking|thinks|think|thought|judging|laughing|wanted|want|wants|cringing|cringe|sick|tired|embarrassed|pitied"),
    rule(MindReading, 0.75, "everyone|everybody|they|people|class|room|whole ~3 noticed|saw|could_see|could_tell|was_thinking|were_thinking|is_thinking|are_thinking|staring|stared|cringed|cringing"),
    // --- fortune-telling: a gloomy forecast stated as fact.
    rule(FortuneTelling, 0.8, "will|going_to|gonna ~2 @bad_future").not_after(&["if", "when"]),
    rule(FortuneTelling, 0.8, "will|going_to|gonna never @never_future"),
    rule(FortuneTelling, 0.8, "never going_to|gonna ~1 @never_future|@bad_future"),
    rule(FortuneTelling, 0.75, "will_not|is_not_going_to|are_not_going_to|am_not_going_to ~1 @good_future").through_negation(),
    rule(FortuneTelling, 0.8, "only a_matter_of_time|bound_to ~3 fail|go_wrong|happen|notice|find_out|leave|end|lose|fire|realise|realize|see"),
    rule(FortuneTelling, 0.8, "nobody|no_one will|is_going_to ~1 ever? ~2 want|come|love|hire|like|care|help|notice|show|remember|date|marry|choose|pick|listen|understand|read|buy|turn_up|show_up"),
    // --- should-statements: rigid rules for oneself or others.
    rule(ShouldStatements, 0.85, "should|must|ought_to never|always"),
    rule(ShouldStatements, 0.8, "should|must|ought_to|have_to|has_to|need_to|needs_to|got_to be ~2 able|over|happy|perfect|better|thinner|stronger|further|more|productive|liked|loved|good|fine|grateful|calm|braver|smarter|okay|ok|doing|coping|strong|successful|in_control|on_top|thin|fitter|married|past|tougher|the_best|perfectly|positive|confident|there_for|enough"),
    rule(ShouldStatements, 0.8, "should|ought_to have ~1 known|realised|realized|seen|noticed|said|done|stopped|called|listened|tried|been|asked|told|helped|prevented|worked|studied|spoken|fought|left|gone|trusted|cared|checked|thought|warned|protected|saved|handled|acted|caught|guessed|figured|texted|replied|apologised|apologized|answered"),
    rule(ShouldStatements, 0.8, "should|must|ought_to not|never feel|need|cry|be|want|complain|mind|care|get_upset|let|struggle|ask|rely|make_mistakes|have_to").through_negation(),
    rule(ShouldStatements, 0.75, "should|ought_to know|understand|realise|realize|see|appreciate ~1 better|what|that|how|without|by_now"),
    rule(ShouldStatements, 0.8, "have_to|must|need_to|has_to|got_to get|do|make|keep|please ~1 everything|everyone|everybody|all ~2 right|perfect|happy|perfectly"),
    // --- labelling: a global verdict on a person.
    rule(Labelling, 0.85, "i_am|i_was|i_will_always_be|i_have_always_been|i_am_just @intensifier? @label_noun|@label_adj"),
    rule(Labelling, 0.85, "i_am|i_was @intensifier? @bad_adj @role"),
    rule(Labelling, 0.8, "what a|an ~1 @label_noun"),
    rule(Labelling, 0.75, "is|are|was|were @intensifier? loser|idiot|jerk|liar|moron|coward|fool|fraud|waste_of_space|hypocrite|narcissist|psycho|monster|freak|dumbass|parasite|bully|creep|snake|pig|failure|disgrace|lost_cause").not_after(&["it", "that", "this", "there", "what"]),
    rule(Labelling, 0.75, "he|she|they|you is|are|was|were @intensifier? selfish|lazy|useless|stupid|pathetic|worthless|evil|toxic|heartless|hopeless|disgusting|an_idiot"),
    // --- personalisation: blame for what one does not control.
    rule(Personalisation, 0.85, "my fault|my_own_fault").unless(&["my fault that i", "my own fault that i"]),
    rule(Personalisation, 0.85, "because of me|due_to_me"),
    rule(Personalisation, 0.8, "is|it_is|that_is|all ~1 on me").unless(&["dinner is on me", "lunch is on me", "drinks are on me", "round is on me", "coffee is on me", "this one is on me", "next one is on me"]),
    rule(Personalisation, 0.85, "i_am|i_was the_one_to_blame|to_blame|the_reason|the_cause|the_problem|responsible_for_their|responsible_for_his|responsible_for_her"),
    rule(Personalisation, 0.8, "i feel|felt responsible|to_blame"),
    rule(Personalisation, 0.8, "i must|probably have|would? ~1 done|said|made|caused|upset|annoyed|offended|hurt ~3 something|it|them|him|her|awkward|wrong"),
    rule(Personalisation, 0.8, "because i am_a_bad|was_not|did_not|made|am_not|picked|chose|forgot|was_too|said|pushed|let|failed"),
    rule(Personalisation, 0.75, "if i had|would ~8 would|wouldn't|could_have|might_not"),
    rule(Personalisation, 0.75, "i caused it|this|that|them|their|his|her|the"),
    rule(Personalisation, 0.7, "i ruined|spoiled|wrecked ~4 by|for|when"),
    rule(Personalisation, 0.7, "blame myself"),
    // --- overgeneralisation: one event read as a never-ending pattern.
    rule(Overgeneralisation, 0.85, "i am? always|never|constantly|keep ~1 @mess_up"),
    rule(Overgeneralisation, 0.85, "nothing ever? goes|go|works|work|turns|turned|went ~1 right|out|well|my_way"),
    rule(Overgeneralisation, 0.85, "things|it|life|plans|this|that never|always ~1 work|works|go|goes|turn|turns|happen|happens|fall|falls|end|ends ~1 out|right|well|apart|wrong|to_me|my_way|badly|like_this"),
    rule(Overgeneralisation, 0.75, "it_never_does|how_it_always_goes|as_always|like_always|story_of_my_life|same_thing_every_time"),
    rule(Overgeneralisation, 0.85, "can_not|never|can_never do|get ~1 anything|everything|nothing right|wrong"),
    rule(Overgeneralisation, 0.75, "can never|always_have_to|never_can say_no|stand_up|speak_up|finish|stick|keep|win|relax"),
    rule(Overgeneralisation, 0.8, "never get|have|catch a? break|chance|rest"),
    rule(Overgeneralisation, 0.85, "nobody|no_one ever? @never_for_me"),
    rule(Overgeneralisation, 0.8, "never @never_for_me").not_after(&["i", "we", "you"]),
    rule(Overgeneralisation, 0.8, "always @done_to_me").not_after(&["i", "we", "you"]),
    rule(Overgeneralisation, 0.8, "every_time|whenever|each_time ~8 @mess_up|@done_to_me|hurting_me|rejected|ignored|go_wrong"),
    rule(Overgeneralisation, 0.8, "every|all ~3 relationship*|job*|friendship*|date|dates|plan*|attempt* ~5 end*|fail*|go_wrong|goes_wrong|fall_apart|falls_apart|disaster|lose|lost|ruin*"),
    rule(Overgeneralisation, 0.8, "lose|fail|ruin|mess_up|screw_up every|all ~2 argument*|time|thing|relationship*|test*|job*|single|game*"),
    rule(Overgeneralisation, 0.8, "everything i ~2 touch|do|try goes|turns|is|falls ~1 wrong|bad|apart|to_dust|to_ruin|a_disaster"),
    rule(Overgeneralisation, 0.8, "i ruin|wreck|spoil|mess_up|screw_up everything|it_all|all"),
    rule(Overgeneralisation, 0.85, "are all_the_same|all_alike"),
    // --- emotional reasoning: a feeling taken as evidence.
    rule(EmotionalReasoning, 0.85, "@feeling ~8 @so_it_is").through_negation(),
    rule(EmotionalReasoning, 0.8, "because|since|if i feel|am ~5 the|it|this|that|everyone|i|he|she|they ~2 must|clearly|obviously").through_negation(),
    rule(EmotionalReasoning, 0.8, "gut|instinct|heart says|tells_me ~6 so|must|therefore"),
    rule(EmotionalReasoning, 0.75, "@feeling ~4 therefore|so_it_is_true|proof"),
    // --- discounting the positive: what went well does not count.
    rule(DiscountingThePositive, 0.85, "but ~3 just|only|pure|sheer|probably|a? luck|lucky|a_fluke|fluke|a_one-off|one-off|pity|nothing_special|beginner_'s_luck|beginners"),
    rule(DiscountingThePositive, 0.7, "was|is|just|a fluke|one-off|a_one-off"),
    rule(DiscountingThePositive, 0.8, "only|just ~6 to_be_nice|to_be_polite|being_nice|being_polite|being_kind|saying_that|say_that|to_make_me_feel_better|out_of_pity|because"),
    rule(DiscountingThePositive, 0.8, "anyone|anybody|any_idiot|any_fool|a_child|a_monkey|any_moron could|can ~1 have? done|do ~2 that|it|what|this"),
    rule(DiscountingThePositive, 0.8, "does_not|did_not|do_not|would_not|will_not|does_not_really count").through_negation(),
    rule(DiscountingThePositive, 0.75, "does_not|did_not|do_not mean_anything|mean_much|really_mean_anything").through_negation(),
    rule(DiscountingThePositive, 0.6, "so|but it|that does_not|did_not matter").through_negation(),
    rule(DiscountingThePositive, 0.75, "which|that|it is|was nothing ~1 really|much|special"),
    rule(DiscountingThePositive, 0.8, "has|have|had|paid|supposed to say_that|be_nice"),
    rule(DiscountingThePositive, 0.8, "say|says that to_everyone|to_everybody"),
    rule(DiscountingThePositive, 0.75, "but ~4 desperate|weak|easy|polite|being_kind|feel_sorry|a_long_way_to_go|long_way_to_go|nothing_special"),
    rule(DiscountingThePositive, 0.75, "but ~2 do_not_really_know_me|do_not_know_me|do_not_know_the_real_me").through_negation(),
];

struct Compiled {
    rule: &'static Rule,
    pattern: Pattern<'static>,
}

/// The rules, parsed once. A pattern that does not parse is left out (a unit test
/// checks that every pattern parses).
fn compiled() -> &'static [Compiled] {
    static COMPILED: OnceLock<Vec<Compiled>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        RULES
            .iter()
            .filter_map(|rule| {
                let pattern = Pattern::parse(rule.pattern).ok()?;
                Some(Compiled { rule, pattern })
            })
            .collect()
    })
}

/// Whether the tokens from `at` on start with `phrase` (consecutive words).
fn phrase_at(tokens: &[Token], at: usize, phrase: &str) -> bool {
    phrase
        .split(' ')
        .enumerate()
        .all(|(i, w)| tokens.get(at + i).is_some_and(|t| t.is(w)))
}

/// The sentence (token range) holding token `i`.
fn sentence(tokens: &[Token], i: usize) -> (usize, usize) {
    let start = tokens[..i]
        .iter()
        .rposition(|t| t.kind == Kind::Stop)
        .map_or(0, |p| p + 1);
    let end = tokens[i..]
        .iter()
        .position(|t| t.kind == Kind::Stop)
        .map_or(tokens.len(), |p| i + p);
    (start, end)
}

fn is_break(t: &Token) -> bool {
    t.kind != Kind::Word || CONJUNCTIONS.contains(&t.word.as_str())
}

/// The token range a match `s..e` grows to (module docs).
fn clause(tokens: &[Token], s: usize, e: usize) -> (usize, usize) {
    let mut b = s;
    let mut back = 0;
    while b > 0 && !is_break(&tokens[b - 1]) {
        b -= 1;
        back += 1;
        if back > MAX_BACK {
            b = s;
            break;
        }
    }
    let mut f = e;
    let mut forward = 0;
    while f < tokens.len() && !is_break(&tokens[f]) {
        f += 1;
        forward += 1;
        if forward > MAX_FORWARD {
            f = e;
            break;
        }
    }
    (b, f)
}

/// Whether a `not` sits in the three words before token `s`, in the same clause.
fn negated(tokens: &[Token], s: usize) -> bool {
    tokens[..s]
        .iter()
        .rev()
        .take_while(|t| t.kind == Kind::Word)
        .take(3)
        .any(|t| t.word == "not")
}

/// Every candidate the rules find in `text` (overlapping, unfiltered by confidence).
pub fn candidates(text: &str) -> Vec<Fragment> {
    let tokens = text::tokenize(text);
    let mut found: Vec<Fragment> = Vec::new();
    for c in compiled() {
        for s in 0..tokens.len() {
            let Some(e) = c.pattern.match_at(&tokens, s) else {
                continue;
            };
            if c.rule.negatable && negated(&tokens, s) {
                continue;
            }
            if s > 0
                && tokens[s - 1].kind == Kind::Word
                && c.rule.not_after.contains(&tokens[s - 1].word.as_str())
            {
                continue;
            }
            let (ss, se) = sentence(&tokens, s);
            let disowned = (ss..se)
                .any(|i| (c.rule.unless.iter().chain(DISOWNED)).any(|p| phrase_at(&tokens, i, p)));
            if disowned {
                continue;
            }
            let (b, f) = clause(&tokens, s, e);
            let (start, end) = (tokens[b].start, tokens[f - 1].end);
            let fragment = Fragment {
                start,
                end,
                text: text::char_slice(text, start, end),
                kind: c.rule.kind,
                confidence: c.rule.confidence,
                found_by: FoundBy::Rules,
            };
            // One candidate per rule and place: a later start inside the same span adds
            // nothing.
            let repeated = found.iter().any(|f| {
                f.kind == fragment.kind
                    && f.overlaps(&fragment)
                    && f.confidence >= fragment.confidence
            });
            if !repeated {
                found.push(fragment);
            }
        }
    }
    found
}

/// The rules' fragments of `text`: confident enough, no overlaps, sorted by start.
pub fn detect(text: &str) -> Vec<Fragment> {
    resolve_overlaps(
        candidates(text)
            .into_iter()
            .filter(|f| f.confidence >= MIN_CONFIDENCE)
            .collect(),
    )
}

/// Whether `fragments` settle every sentence of `text`: each sentence with words overlaps
/// a fragment of confidence at least [`SURE`]. Then a model call would add nothing the
/// rules are not already sure of; otherwise (a sentence with no sure fragment, which may
/// hide a distortion the rules do not know) the model is asked.
pub fn sure_about_all(text: &str, fragments: &[Fragment]) -> bool {
    let tokens = text::tokenize(text);
    let mut i = 0;
    let mut any = false;
    while i < tokens.len() {
        let (s, e) = sentence(&tokens, i);
        if (s..e).any(|k| tokens[k].kind == Kind::Word) {
            any = true;
            let (from, to) = (tokens[s].start, tokens[e - 1].end);
            let settled = fragments
                .iter()
                .any(|f| f.confidence >= SURE && f.start < to && from < f.end);
            if !settled {
                return false;
            }
        }
        i = e + 1;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(&'static str, String)> {
        detect(text)
            .into_iter()
            .map(|f| (f.kind.name(), f.text))
            .collect()
    }

    #[test]
    fn every_pattern_parses() {
        for r in RULES {
            assert!(Pattern::parse(r.pattern).is_ok(), "{}", r.pattern);
            assert!((0.0..=1.0).contains(&r.confidence));
        }
        assert_eq!(compiled().len(), RULES.len());
    }

    #[test]
    fn spans_cover_the_clause_and_index_the_original_characters() {
        let text = "Honestly, I’m such a loser, but whatever.";
        let found = detect(text);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.kind, Distortion::Labelling);
        assert_eq!(f.text, "I’m such a loser");
        assert_eq!(text::char_slice(text, f.start, f.end), f.text);
        assert_eq!((f.start, f.end), (10, 26));
    }

    #[test]
    fn finds_each_kind() {
        assert_eq!(
            kinds("I always mess everything up."),
            [("overgeneralisation", "I always mess everything up".into())]
        );
        assert_eq!(
            kinds("They all think I'm stupid"),
            [("mind-reading", "They all think I'm stupid".into())]
        );
        assert_eq!(
            kinds("I should have known better."),
            [("should-statements", "I should have known better".into())]
        );
        assert_eq!(
            kinds("I passed, but it was just luck."),
            [("discounting-the-positive", "but it was just luck".into())]
        );
        assert_eq!(
            kinds("I feel stupid, so I must be stupid."),
            [(
                "emotional-reasoning",
                "I feel stupid, so I must be stupid".into()
            )]
        );
        assert_eq!(
            kinds("It's my fault they split up."),
            [("personalisation", "It's my fault they split up".into())]
        );
        assert_eq!(
            kinds("I'm going to fail the exam."),
            [("fortune-telling", "I'm going to fail the exam".into())]
        );
        assert_eq!(
            kinds("The whole day is ruined."),
            [("all-or-nothing", "The whole day is ruined".into())]
        );
        assert_eq!(
            kinds("My life is over."),
            [("catastrophising", "My life is over".into())]
        );
    }

    #[test]
    fn hard_negatives_stay_silent() {
        for text in [
            "I should buy milk",
            "Everyone at the party was kind.",
            "I'm not a loser.",
            "It's not my fault it rained.",
            "I don't think everyone hates me.",
            "I used to think I was a failure.",
            "I'm going to the gym, then I'll call mum.",
            "I feel like having pasta tonight.",
        ] {
            assert_eq!(kinds(text), [], "{text}");
        }
    }

    #[test]
    fn the_rules_are_sure_only_when_every_sentence_is_settled() {
        let one = "I'm such a loser.";
        assert!(sure_about_all(one, &detect(one)));
        let two = "I'm such a loser. Work was fine.";
        assert!(!sure_about_all(two, &detect(two)));
        assert!(!sure_about_all("Nothing here.", &[]));
    }
}
