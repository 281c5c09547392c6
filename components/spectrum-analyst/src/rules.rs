//! Candidate insights from the aggregates, and the numbers they are allowed to use.
//!
//! In order of usefulness, at most [`MAX_INSIGHTS`]:
//! 1. the biggest **fall** of a distortion against the previous period (`trend`);
//! 2. the most frequent distortion, when it came up at least [`PATTERN_MIN`] times
//!    (`pattern`);
//! 3. a **suggestion** tied to the most frequent distortion;
//! 4. actions completed (`win`);
//! 5. the biggest **rise** of a distortion (`trend`);
//! 6. active days, at least [`ACTIVE_DAYS_WIN`] (`win`);
//! 7. Turns saved (`win`);
//! 8. with no distortion found, a general suggestion (open actions, or Mirror).
//!
//! A distortion rose or fell when its count changed by at least [`TREND_MIN_CHANGE`] and by
//! at least [`TREND_MIN_SHARE`] of the previous count (any rise of at least 2 from none).
//! An empty period gets one gentle "nothing yet" insight.

use std::collections::BTreeSet;

use crate::{Distortion, Insight, Kind, Period, PeriodKind};

/// At most this many insights.
pub const MAX_INSIGHTS: usize = 5;
/// A trend changes a count by at least this much…
pub const TREND_MIN_CHANGE: u32 = 2;
/// …and by at least this share of the previous count.
pub const TREND_MIN_SHARE: f64 = 0.30;
/// A pattern is a distortion found at least this often.
pub const PATTERN_MIN: u32 = 2;
/// Active days that make a win.
pub const ACTIVE_DAYS_WIN: u32 = 2;

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

/// The insights and every number they may state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// 1 to 5 insights, most useful first.
    pub insights: Vec<Insight>,
    /// Every aggregate count of both periods, and every total, difference and
    /// percentage the rules computed: a rephrasing may state these numbers and no other.
    pub numbers: BTreeSet<u64>,
}

fn this(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Week => "this week",
        PeriodKind::Month => "this month",
    }
}

fn last(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Week => "last week",
        PeriodKind::Month => "last month",
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `n` times, in words for 1 and 2.
fn times(n: u32) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

/// `n` `noun`s (`1 action`, `3 actions`).
fn count_of(n: u32, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Rounded percentage of `part` in `whole`.
fn percent(part: u32, whole: u32) -> u32 {
    if whole == 0 {
        return 0;
    }
    let p = (u64::from(part) * 200 + u64::from(whole)) / (2 * u64::from(whole));
    u32::try_from(p).unwrap_or(u32::MAX)
}

fn all_counts(p: &Period, numbers: &mut BTreeSet<u64>) {
    for n in [
        p.active_days,
        p.mirror_sessions,
        p.mirror_messages,
        p.fragment_reframes,
        p.turns,
        p.turns_saved,
        p.actions_completed,
        p.actions_open,
        p.total_fragments(),
    ] {
        numbers.insert(u64::from(n));
    }
    for d in ALL {
        numbers.insert(u64::from(p.count(d)));
    }
}

/// A change of one distortion between the periods.
#[derive(Debug, Clone, Copy)]
struct Change {
    kind: Distortion,
    before: u32,
    now: u32,
}

impl Change {
    fn delta(&self) -> u32 {
        self.before.abs_diff(self.now)
    }

    fn share(&self) -> u32 {
        percent(self.delta(), self.before)
    }

    fn is_trend(&self) -> bool {
        let d = self.delta();
        #[allow(clippy::cast_precision_loss)] // small counts
        let big = self.before == 0 || f64::from(d) >= TREND_MIN_SHARE * f64::from(self.before);
        d >= TREND_MIN_CHANGE && big
    }
}

/// The biggest change among `changes` (by size, then share, then the WIT's order).
fn biggest(changes: impl Iterator<Item = Change>) -> Option<Change> {
    changes
        .filter(Change::is_trend)
        .fold(None, |best: Option<Change>, c| match best {
            Some(b) if (b.delta(), b.share()) >= (c.delta(), c.share()) => Some(b),
            _ => Some(c),
        })
}

fn nothing_yet(current: &Period) -> Insight {
    let body = if current.actions_open > 0 {
        format!(
            "There's no activity {} yet, and that's okay. Your {} will be here whenever you're ready.",
            this(current.kind),
            count_of(current.actions_open, "open Lens action")
        )
    } else {
        format!(
            "There's no activity {} yet, and that's okay. When you write in Mirror or take a Turn, your patterns will start to show here.",
            this(current.kind)
        )
    };
    Insight {
        kind: Kind::Suggestion,
        title: "Nothing to see yet".into(),
        body,
    }
}

fn fall_insight(c: Change, kind: PeriodKind, numbers: &mut BTreeSet<u64>) -> Insight {
    numbers.extend([u64::from(c.delta()), u64::from(c.share())]);
    let (now, before) = (this(kind), last(kind));
    let now_text = if c.now == 0 {
        "not at all".to_owned()
    } else {
        times(c.now)
    };
    Insight {
        kind: Kind::Trend,
        title: format!("Less {} than {before}", c.kind.phrase()),
        body: format!(
            "Mirror noticed {} {now_text} {now}, down from {} {before} ({}% fewer). That's a real shift.",
            c.kind.phrase(),
            times(c.before),
            c.share()
        ),
    }
}

fn rise_insight(c: Change, kind: PeriodKind, numbers: &mut BTreeSet<u64>) -> Insight {
    numbers.extend([u64::from(c.delta()), u64::from(c.share())]);
    let (now, before) = (this(kind), last(kind));
    let from = if c.before == 0 {
        format!("none {before}")
    } else {
        format!("{} {before}", times(c.before))
    };
    Insight {
        kind: Kind::Trend,
        title: format!("More {} {now}", c.kind.phrase()),
        body: format!(
            "{} came up {} {now}, up from {from}. Harder weeks often bring it out; noticing it already helps.",
            capitalised(c.kind.phrase()),
            times(c.now)
        ),
    }
}

/// The pattern insight for the most frequent distortions `tops` (one, or several tied).
fn pattern_insight(
    current: &Period,
    tops: &[Distortion],
    numbers: &mut BTreeSet<u64>,
) -> Option<Insight> {
    let now = this(current.kind);
    let top_count = current.count(*tops.first()?);
    let share = percent(top_count, current.total_fragments());
    numbers.insert(u64::from(share));
    let (title, body) = match tops {
        [one] => (
            format!("{} came up most", capitalised(one.phrase())),
            format!(
                "Mirror noticed {} ({}) {} {now}, {share}% of the patterns it found.",
                one.phrase(),
                one.gloss(),
                times(top_count)
            ),
        ),
        [a, b, ..] => (
            format!(
                "{} and {} came up most",
                capitalised(a.phrase()),
                b.phrase()
            ),
            format!(
                "Mirror noticed {} and {} {} each {now}. Spotting them is the first step to loosening them.",
                a.phrase(),
                b.phrase(),
                times(top_count)
            ),
        ),
        [] => return None,
    };
    Some(Insight {
        kind: Kind::Pattern,
        title,
        body,
    })
}

fn actions_win(current: &Period) -> Option<Insight> {
    (current.actions_completed > 0).then(|| Insight {
        kind: Kind::Win,
        title: "Steps towards your goals".into(),
        body: format!(
            "You completed {} {}. Small steps add up.",
            count_of(current.actions_completed, "Lens action"),
            this(current.kind)
        ),
    })
}

fn active_days_win(current: &Period) -> Option<Insight> {
    (current.active_days >= ACTIVE_DAYS_WIN).then(|| Insight {
        kind: Kind::Win,
        title: "You kept showing up".into(),
        body: format!(
            "You took time for yourself on {} {}.",
            count_of(current.active_days, "day"),
            this(current.kind)
        ),
    })
}

fn saved_turns_win(current: &Period) -> Option<Insight> {
    (current.turns_saved > 0).then(|| Insight {
        kind: Kind::Win,
        title: "Reframes worth keeping".into(),
        body: format!(
            "You saved {} to your gallery {}, reframes you can come back to.",
            count_of(current.turns_saved, "Turn"),
            this(current.kind)
        ),
    })
}

/// A suggestion when no distortion was found: the open actions, or Mirror.
fn general_suggestion(current: &Period) -> Option<Insight> {
    if current.actions_open > 0 {
        Some(Insight {
            kind: Kind::Suggestion,
            title: "Pick one small step".into(),
            body: format!(
                "You have {} open. Choosing the smallest one for tomorrow keeps things moving.",
                count_of(current.actions_open, "Lens action")
            ),
        })
    } else if current.mirror_sessions == 0 {
        Some(Insight {
            kind: Kind::Suggestion,
            title: "A few minutes in Mirror".into(),
            body:
                "Writing in Mirror for a few minutes can help you notice patterns in how you think."
                    .into(),
        })
    } else {
        None
    }
}

/// The rule insights for `current`, compared with `previous` when given.
pub fn insights(current: &Period, previous: Option<&Period>) -> Facts {
    let mut numbers = BTreeSet::new();
    all_counts(current, &mut numbers);
    if let Some(p) = previous {
        all_counts(p, &mut numbers);
    }
    if current.is_empty() {
        return Facts {
            insights: vec![nothing_yet(current)],
            numbers,
        };
    }
    let top_count = ALL.iter().map(|d| current.count(*d)).max().unwrap_or(0);
    let tops: Vec<Distortion> = ALL
        .into_iter()
        .filter(|d| top_count > 0 && current.count(*d) == top_count)
        .collect();
    let changes: Vec<Change> = previous
        .map(|p| {
            ALL.iter()
                .map(|d| Change {
                    kind: *d,
                    before: p.count(*d),
                    now: current.count(*d),
                })
                .collect()
        })
        .unwrap_or_default();
    let fall = biggest(changes.iter().copied().filter(|c| c.now < c.before));
    let rise = biggest(changes.iter().copied().filter(|c| c.now > c.before));

    let mut out: Vec<Insight> = Vec::new();
    out.extend(fall.map(|c| fall_insight(c, current.kind, &mut numbers)));
    if top_count >= PATTERN_MIN {
        out.extend(pattern_insight(current, &tops, &mut numbers));
    }
    out.extend(tops.first().map(|top| Insight {
        kind: Kind::Suggestion,
        title: format!("Something to try with {}", top.phrase()),
        body: top.try_this().to_owned(),
    }));
    out.extend(actions_win(current));
    out.extend(rise.map(|c| rise_insight(c, current.kind, &mut numbers)));
    out.extend(active_days_win(current));
    out.extend(saved_turns_win(current));
    if tops.is_empty() {
        out.extend(general_suggestion(current));
    }
    if out.is_empty() {
        out.push(Insight {
            kind: Kind::Win,
            title: "You showed up".into(),
            body: format!(
                "You made time for reflection {}, and that matters.",
                this(current.kind)
            ),
        });
    }
    out.truncate(MAX_INSIGHTS);
    Facts {
        insights: out,
        numbers,
    }
}

/// The integers written in `s` (maximal runs of ASCII digits); `None` when one does not
/// fit in a `u64`.
pub fn integers(s: &str) -> Option<Vec<u64>> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .map(|r| r.parse::<u64>().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week() -> Period {
        Period::empty(PeriodKind::Week, "2025-03-03", "2025-03-09")
    }

    fn kinds(f: &Facts) -> Vec<&'static str> {
        f.insights.iter().map(|i| i.kind.as_str()).collect()
    }

    fn every_number_allowed(f: &Facts) {
        for i in &f.insights {
            assert!(i.title.chars().count() <= 80, "{}", i.title);
            assert!(!i.body.trim().is_empty());
            for n in integers(&format!("{} {}", i.title, i.body)).unwrap_or_default() {
                assert!(f.numbers.contains(&n), "{n} in {i:?}");
            }
        }
    }

    #[test]
    fn an_empty_period_gets_one_gentle_insight() {
        let f = insights(&week(), None);
        assert_eq!(kinds(&f), ["suggestion"]);
        assert_eq!(f.insights[0].title, "Nothing to see yet");
        let mut open = week();
        open.actions_open = 3;
        let f = insights(&open, None);
        assert!(f.insights[0].body.contains("3 open Lens actions"));
        every_number_allowed(&f);
    }

    #[test]
    fn a_full_week_is_ordered_and_capped() {
        let mut cur = week();
        cur.active_days = 5;
        cur.mirror_sessions = 4;
        cur.distortions = vec![
            (Distortion::Catastrophising, 2),
            (Distortion::MindReading, 6),
            (Distortion::Labelling, 4),
        ];
        cur.actions_completed = 3;
        cur.turns_saved = 2;
        let mut prev = week();
        prev.distortions = vec![
            (Distortion::Catastrophising, 7),
            (Distortion::MindReading, 3),
            (Distortion::Labelling, 1),
        ];
        let f = insights(&cur, Some(&prev));
        assert_eq!(
            kinds(&f),
            ["trend", "pattern", "suggestion", "win", "trend"]
        );
        assert_eq!(f.insights[0].title, "Less catastrophising than last week");
        assert!(
            f.insights[0]
                .body
                .contains("twice this week, down from 7 times last week (71% fewer)")
        );
        assert_eq!(f.insights[1].title, "Mind-reading came up most");
        assert!(
            f.insights[1]
                .body
                .contains("6 times this week, 50% of the patterns")
        );
        assert!(f.insights[2].title.contains("mind-reading"));
        assert_eq!(f.insights[4].title, "More labelling this week");
        every_number_allowed(&f);
    }

    #[test]
    fn trends_need_two_and_thirty_percent() {
        let mut prev = week();
        prev.active_days = 1;
        prev.distortions = vec![(Distortion::Labelling, 10)];
        let mut cur = week();
        cur.active_days = 1;
        cur.distortions = vec![(Distortion::Labelling, 8)];
        assert!(!kinds(&insights(&cur, Some(&prev))).contains(&"trend"));
        cur.distortions = vec![(Distortion::Labelling, 7)];
        assert_eq!(kinds(&insights(&cur, Some(&prev)))[0], "trend");
        let mut from_none = week();
        from_none.active_days = 1;
        from_none.distortions = vec![(Distortion::Labelling, 2)];
        let f = insights(&from_none, Some(&week()));
        assert!(
            f.insights
                .iter()
                .any(|i| i.body.contains("up from none last week"))
        );
        every_number_allowed(&f);
    }

    #[test]
    fn ties_and_quiet_periods() {
        let mut cur = Period::empty(PeriodKind::Month, "2025-03-01", "2025-03-31");
        cur.turns = 1;
        cur.distortions = vec![(Distortion::Labelling, 3), (Distortion::Personalisation, 3)];
        let f = insights(&cur, None);
        assert_eq!(
            f.insights[0].title,
            "Labelling and personalisation came up most"
        );
        assert!(f.insights[0].body.contains("this month"));
        let mut quiet = week();
        quiet.mirror_sessions = 1;
        let f = insights(&quiet, None);
        assert_eq!(kinds(&f), ["win"]);
        every_number_allowed(&f);
    }

    #[test]
    fn integers_are_read_from_text() {
        assert_eq!(integers("3 of 10, 50%"), Some(vec![3, 10, 50]));
        assert_eq!(integers("none"), Some(vec![]));
        assert_eq!(integers("99999999999999999999999"), None);
    }
}
