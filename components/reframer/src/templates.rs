//! Deterministic reframes: three per distortion, each from its own angle, the first ones
//! quoting the thought briefly (`{t}`, [`crate::text::brief`]); and micro-actions suited to
//! the distortion, one picked by a hash of the thought (the same thought always gets the
//! same action). With several distortions the reframes come from each in turn; with none,
//! the general evidence / perspective / compassion set.

use crate::text::{brief, fnv1a, normalise, pick};
use crate::{Distortion, Reframe, Reframing, TEMPLATE_MODEL};

/// (angle, text) with `{t}` for the brief quote.
type Template = (&'static str, &'static str);

const GENERAL: &[Template] = &[
    (
        "evidence",
        "When you think \"{t}\", what facts support it, and which ones don't quite fit? Both are worth a look.",
    ),
    (
        "perspective",
        "How might someone who cares about you see this situation? They may notice things the thought leaves out.",
    ),
    (
        "compassion",
        "It makes sense that this feels hard. What would you say to a friend who told you \"{t}\"?",
    ),
];

const CATASTROPHISING: &[Template] = &[
    (
        "probability",
        "\"{t}\" pictures the worst case. How likely is it to happen exactly like that, and what is the most likely way this goes?",
    ),
    (
        "coping",
        "Even if part of it did go wrong, you have got through hard things before. What would help you cope if it happened?",
    ),
    (
        "future-self",
        "Imagine looking back on this a year from now. How big does it look from there?",
    ),
];

const ALL_OR_NOTHING: &[Template] = &[
    (
        "middle-ground",
        "\"{t}\" leaves only two options. What would a point in between look like: partly done, partly good?",
    ),
    (
        "evidence",
        "What part of this went okay, even a little? Something can be imperfect and still worth something.",
    ),
    (
        "progress",
        "Progress rarely arrives in perfect pieces. What would \"good enough\" look like here?",
    ),
];

const MIND_READING: &[Template] = &[
    (
        "evidence",
        "\"{t}\" is a guess about what's in someone else's mind. What have they actually said or done that supports it, and what doesn't?",
    ),
    (
        "alternatives",
        "What else could explain how they acted? Tiredness, their own worries or plain distraction are often part of it.",
    ),
    (
        "curiosity",
        "Instead of guessing, you could ask. A simple, friendly question often tells you more than the worry can.",
    ),
];

const FORTUNE_TELLING: &[Template] = &[
    (
        "evidence",
        "\"{t}\" is a prediction, not a fact yet. What has actually happened in situations like this before?",
    ),
    (
        "other-outcomes",
        "What are two other ways this could turn out, including one where it goes fine?",
    ),
    (
        "control",
        "What is one thing within your control that would make a better outcome more likely?",
    ),
];

const SHOULD_STATEMENTS: &[Template] = &[
    (
        "flexible-preference",
        "What if \"{t}\" were a preference instead of a rule? \"I'd like to\" leaves room to be human; \"I should\" only leaves room to fall short.",
    ),
    (
        "compassion",
        "Would you hold a good friend to this rule? What would you expect of them instead?",
    ),
    (
        "values",
        "Behind the rule there is probably something you care about. What is it, and what is one kind way to move towards it?",
    ),
];

const LABELLING: &[Template] = &[
    (
        "behaviour-not-identity",
        "\"{t}\" turns one moment into a verdict on a whole person. How would you describe what happened as an event, without the label?",
    ),
    (
        "full-picture",
        "A label leaves out everything else that is true. What are three other things you know about this person, or about yourself?",
    ),
    (
        "compassion",
        "You would likely be gentler with a friend who said this about themselves. What would you tell them?",
    ),
];

const PERSONALISATION: &[Template] = &[
    (
        "shared-causes",
        "Many things shaped what happened. If you drew a pie of every cause, how big would your slice honestly be?",
    ),
    (
        "control",
        "\"{t}\": which parts of this were in your control, and which were not?",
    ),
    (
        "compassion",
        "Caring this much shows how seriously you take the people around you. Could you offer yourself some of that care too?",
    ),
];

const OVERGENERALISATION: &[Template] = &[
    (
        "exceptions",
        "\"{t}\" sounds like always or never. Can you think of one time it went differently?",
    ),
    (
        "this-time",
        "What happened this time, specifically? One event is information, not a rule for everything after it.",
    ),
    (
        "perspective",
        "If a friend told you this about their life, would you agree it is always so?",
    ),
];

const EMOTIONAL_REASONING: &[Template] = &[
    (
        "feelings-not-facts",
        "The feeling behind \"{t}\" is real, but a feeling is not proof. What would the facts say if you set it aside for a moment?",
    ),
    (
        "evidence",
        "What would you need to see to know this is true, and what would show it isn't?",
    ),
    (
        "compassion",
        "It makes sense to feel this way. The feeling can be here without deciding what is true.",
    ),
];

const DISCOUNTING_THE_POSITIVE: &[Template] = &[
    (
        "credit",
        "\"{t}\" skips over your part in it. What did you do that helped this go well?",
    ),
    (
        "friend",
        "If a friend had done the same, would you call it luck, or would you be pleased for them?",
    ),
    (
        "balanced",
        "Luck, help and your own effort can all play a part at once. Which part was yours?",
    ),
];

fn templates(d: Distortion) -> &'static [Template] {
    match d {
        Distortion::Catastrophising => CATASTROPHISING,
        Distortion::AllOrNothing => ALL_OR_NOTHING,
        Distortion::MindReading => MIND_READING,
        Distortion::FortuneTelling => FORTUNE_TELLING,
        Distortion::ShouldStatements => SHOULD_STATEMENTS,
        Distortion::Labelling => LABELLING,
        Distortion::Personalisation => PERSONALISATION,
        Distortion::Overgeneralisation => OVERGENERALISATION,
        Distortion::EmotionalReasoning => EMOTIONAL_REASONING,
        Distortion::DiscountingThePositive => DISCOUNTING_THE_POSITIVE,
    }
}

const GENERAL_ACTIONS: &[&str] = &[
    "Write the thought down, then one fact for it and one against it.",
    "Take three slow breaths and drink a glass of water.",
    "Step outside for two minutes and notice five things you can see.",
];

const CATASTROPHISING_ACTIONS: &[&str] = &[
    "Write down the worst, the best and the most likely outcome, one line each.",
    "Take five slow breaths, then name one thing you can do in the next hour.",
    "Set a five-minute timer and write what you would do if the worst happened, and what you would do next.",
];

const ALL_OR_NOTHING_ACTIONS: &[&str] = &[
    "Rate how it went on a scale from 0 to 10 instead of pass or fail.",
    "Write one thing that went okay and one thing to try next time.",
    "Spend five minutes on a \"good enough\" version of the next step.",
];

const MIND_READING_ACTIONS: &[&str] = &[
    "Write down two other explanations for what they did.",
    "Send a short, friendly message asking how they are.",
    "Note what they actually said or did, word for word, without interpreting it.",
];

const FORTUNE_TELLING_ACTIONS: &[&str] = &[
    "Write your prediction down so you can check it against what really happens.",
    "Pick one small step that makes a good outcome more likely, and do it now.",
    "Name two other ways this could turn out, and write them down.",
];

const SHOULD_STATEMENTS_ACTIONS: &[&str] = &[
    "Rewrite one \"should\" as \"I would like to\" and read it back.",
    "Write down one thing you did today that was enough.",
    "Ask yourself what a kind friend would expect of you, and write their answer.",
];

const LABELLING_ACTIONS: &[&str] = &[
    "Write three things from this week that the label leaves out.",
    "Describe what happened in one sentence, without any label.",
    "Put a hand on your chest and say one kind sentence to yourself.",
];

const PERSONALISATION_ACTIONS: &[&str] = &[
    "Sketch a quick pie chart of everything that contributed, and shade your real share.",
    "List what was in your control and what was not, two columns, two minutes.",
    "Ask the person how they are doing instead of assuming it is about you.",
];

const OVERGENERALISATION_ACTIONS: &[&str] = &[
    "Write down one time it went differently.",
    "Replace \"always\" or \"never\" with \"this time\" and read the thought again.",
    "Note one small thing that went right today.",
];

const EMOTIONAL_REASONING_ACTIONS: &[&str] = &[
    "Name the feeling, rate it from 0 to 10, and write one fact next to it.",
    "Take a two-minute walk and notice whether the feeling shifts.",
    "Write \"I feel …\" and \"The facts are …\" side by side.",
];

const DISCOUNTING_THE_POSITIVE_ACTIONS: &[&str] = &[
    "Write down one thing you did that helped it go well.",
    "Add this to a list of things that went well this month.",
    "Next time someone compliments you, say \"thank you\" and nothing else.",
];

fn actions(d: Distortion) -> &'static [&'static str] {
    match d {
        Distortion::Catastrophising => CATASTROPHISING_ACTIONS,
        Distortion::AllOrNothing => ALL_OR_NOTHING_ACTIONS,
        Distortion::MindReading => MIND_READING_ACTIONS,
        Distortion::FortuneTelling => FORTUNE_TELLING_ACTIONS,
        Distortion::ShouldStatements => SHOULD_STATEMENTS_ACTIONS,
        Distortion::Labelling => LABELLING_ACTIONS,
        Distortion::Personalisation => PERSONALISATION_ACTIONS,
        Distortion::Overgeneralisation => OVERGENERALISATION_ACTIONS,
        Distortion::EmotionalReasoning => EMOTIONAL_REASONING_ACTIONS,
        Distortion::DiscountingThePositive => DISCOUNTING_THE_POSITIVE_ACTIONS,
    }
}

/// The distortions in the order given, without repeats.
fn distinct(distortions: &[Distortion]) -> Vec<Distortion> {
    let mut out: Vec<Distortion> = Vec::new();
    for d in distortions {
        if !out.contains(d) {
            out.push(*d);
        }
    }
    out
}

/// Three templated reframes of `thought` and a micro-action. With distortions, their
/// reframes are taken in turn (the first distortion's first, the second's first, …, then
/// each one's second), skipping an angle already used, then the general set fills any gap.
pub fn reframe(thought: &str, distortions: &[Distortion]) -> Reframing {
    let t = brief(thought);
    let kinds = distinct(distortions);
    let mut ordered: Vec<Template> = Vec::new();
    for round in 0..3 {
        for d in &kinds {
            if let Some(tpl) = templates(*d).get(round) {
                ordered.push(*tpl);
            }
        }
    }
    ordered.extend_from_slice(GENERAL);
    let mut reframes: Vec<Reframe> = Vec::new();
    for (angle, text) in ordered {
        if reframes.len() == 3 {
            break;
        }
        if reframes.iter().any(|r| r.angle == angle) {
            continue;
        }
        reframes.push(Reframe {
            angle: angle.to_owned(),
            text: text.replace("{t}", &t),
        });
    }
    let hash = fnv1a(&normalise(thought));
    let list = kinds.first().map_or(GENERAL_ACTIONS, |d| actions(*d));
    let micro_action = pick(list, hash)
        .copied()
        .unwrap_or(GENERAL_ACTIONS[0])
        .to_owned();
    Reframing {
        reframes,
        micro_action,
        model: TEMPLATE_MODEL.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Distortion; 10] = [
        Distortion::Catastrophising,
        Distortion::AllOrNothing,
        Distortion::MindReading,
        Distortion::FortuneTelling,
        Distortion::ShouldStatements,
        Distortion::Labelling,
        Distortion::Personalisation,
        Distortion::Overgeneralisation,
        Distortion::EmotionalReasoning,
        Distortion::DiscountingThePositive,
    ];

    fn valid(r: &Reframing) {
        assert_eq!(r.reframes.len(), 3);
        let mut angles: Vec<&str> = r.reframes.iter().map(|x| x.angle.as_str()).collect();
        angles.sort_unstable();
        angles.dedup();
        assert_eq!(angles.len(), 3, "{r:?}");
        assert!(r.reframes.iter().all(|x| !x.text.contains("{t}")));
        assert!(!r.micro_action.is_empty());
        assert_eq!(r.model, "template");
        assert!(
            crate::model::validate(r.reframes.clone(), r.micro_action.clone(), "template").is_ok()
        );
    }

    #[test]
    fn every_distortion_and_pair_gives_three_distinct_valid_reframes() {
        valid(&reframe("I feel bad.", &[]));
        for a in ALL {
            valid(&reframe("This will ruin everything.", &[a]));
            for b in ALL {
                valid(&reframe("This will ruin everything.", &[a, b, a]));
            }
            assert_eq!(templates(a).len(), 3);
            assert_eq!(actions(a).len(), 3);
        }
    }

    #[test]
    fn distortion_aware_and_quoting_the_thought() {
        let r = reframe(
            "If I fail this exam my life is over. Everyone will know.",
            &[Distortion::Catastrophising],
        );
        assert_eq!(r.reframes[0].angle, "probability");
        assert!(
            r.reframes[0]
                .text
                .starts_with("\"If I fail this exam my life is over\" pictures the worst case")
        );
        let s = reframe(
            "I should never make mistakes",
            &[Distortion::ShouldStatements],
        );
        assert_eq!(s.reframes[0].angle, "flexible-preference");
        assert!(actions(Distortion::ShouldStatements).contains(&s.micro_action.as_str()));
        let none = reframe("I feel bad", &[]);
        let angles: Vec<&str> = none.reframes.iter().map(|x| x.angle.as_str()).collect();
        assert_eq!(angles, ["evidence", "perspective", "compassion"]);
    }

    #[test]
    fn a_huge_thought_still_gives_valid_templates() {
        for d in ALL {
            valid(&reframe(&"x".repeat(4000), &[d]));
            valid(&reframe(&"word ".repeat(800), &[d]));
        }
    }

    #[test]
    fn the_same_thought_always_gets_the_same_answer() {
        let a = reframe("They all think I'm stupid", &[Distortion::MindReading]);
        let b = reframe("  they all think I’m STUPID ", &[Distortion::MindReading]);
        assert_eq!(a.micro_action, b.micro_action);
        assert_eq!(
            a,
            reframe("They all think I'm stupid", &[Distortion::MindReading])
        );
    }
}
