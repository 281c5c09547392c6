//! Certificate eligibility per track (docs/requirements.md#r-000-4: certificates per track).
//!
//! A learner is eligible for a track's certificate when **every lesson of the track is
//! completed** and **every topic of the track has mastery ≥ 0.7** as of `now-ms`. The
//! track's topics are `track.topics` plus the topics of the track's lessons found in
//! `state.available`. The report lists the lessons not completed (in track order) and the
//! topics below 0.7 with their mastery (sorted by topic). Track lessons need not be in
//! `available` (the track defines them); a track without lessons is refused.
//!
//! Mastery follows [`crate::mastery`], so it can fall after long inactivity (the streak and
//! review recall are part of it): eligibility is decided when asked, and a certificate the
//! host has issued stays issued.

use std::collections::{BTreeSet, HashSet};

use crate::mastery::{self, TopicMastery};
use crate::model::{Checked, Context, InputError, LearnerState};

/// Mastery every topic of a track needs.
pub const REQUIRED_MASTERY: f64 = 0.7;

/// A track.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackRef {
    /// Track id.
    pub track_id: String,
    /// Its lessons.
    pub lesson_ids: Vec<String>,
    /// Its topics.
    pub topics: Vec<String>,
}

/// Eligibility and what is missing.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateReport {
    /// Track id.
    pub track_id: String,
    /// Whether eligible.
    pub eligible: bool,
    /// Lessons not completed, in track order.
    pub missing_lessons: Vec<String>,
    /// Topics below the required mastery, sorted.
    pub weak_topics: Vec<TopicMastery>,
    /// The required mastery.
    pub required_mastery: f64,
}

/// Checks a track reference.
pub fn check_track(track: &TrackRef) -> Checked<()> {
    if track.track_id.trim().is_empty() {
        return Err(InputError::new("track.track_id", "must not be empty"));
    }
    if track.lesson_ids.is_empty() {
        return Err(InputError::new(
            "track.lesson_ids",
            "a track needs at least one lesson",
        ));
    }
    let mut seen = HashSet::new();
    for (i, id) in track.lesson_ids.iter().enumerate() {
        let field = format!("track.lesson_ids[{i}]");
        if id.trim().is_empty() {
            return Err(InputError::new(field, "must not be empty"));
        }
        if !seen.insert(id.as_str()) {
            return Err(InputError::new(
                field,
                format!("lesson `{id}` is listed twice"),
            ));
        }
    }
    for (i, t) in track.topics.iter().enumerate() {
        if t.trim().is_empty() {
            return Err(InputError::new(
                format!("track.topics[{i}]"),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

/// Certificate eligibility of a checked state for a checked track.
pub fn status(state: &LearnerState, ctx: &Context, track: &TrackRef) -> CertificateReport {
    let completed: HashSet<&str> = state.completed.iter().map(String::as_str).collect();
    let missing_lessons: Vec<String> = track
        .lesson_ids
        .iter()
        .filter(|id| !completed.contains(id.as_str()))
        .cloned()
        .collect();
    let topics: BTreeSet<&str> = track
        .topics
        .iter()
        .map(String::as_str)
        .chain(
            state
                .available
                .iter()
                .filter(|l| track.lesson_ids.contains(&l.lesson_id))
                .map(|l| l.topic.as_str()),
        )
        .collect();
    let weak_topics: Vec<TopicMastery> = topics
        .into_iter()
        .map(|t| mastery::of_topic(state, ctx, t))
        .filter(|m| !mastery::reaches(m.mastery, REQUIRED_MASTERY))
        .collect();
    CertificateReport {
        track_id: track.track_id.clone(),
        eligible: missing_lessons.is_empty() && weak_topics.is_empty(),
        missing_lessons,
        weak_topics,
        required_mastery: REQUIRED_MASTERY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    use crate::model::{TopicStats, check_state};

    fn strong(topic: &str) -> TopicStats {
        TopicStats {
            quiz_attempts: 5,
            quiz_score: 1.0,
            exercise_attempts: 5,
            exercises_passed: 5,
            exercise_score: 1.0,
            ..TopicStats::empty(topic)
        }
    }

    fn track(lessons: &[&str], topics: &[&str]) -> TrackRef {
        TrackRef {
            track_id: "python-basics".into(),
            lesson_ids: lessons.iter().map(|s| s.to_string()).collect(),
            topics: topics.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn learner() -> LearnerState {
        let mut s = state();
        s.available = vec![
            lesson("l1", "python.vars", 1, &[]),
            lesson("l2", "python.loops", 2, &["l1"]),
        ];
        s.completed = vec!["l1".into(), "l2".into()];
        s.topic_stats = vec![strong("python.vars"), strong("python.loops")];
        s
    }

    fn report(s: &LearnerState, t: &TrackRef) -> CertificateReport {
        let ctx = check_state(s).expect("valid state");
        check_track(t).expect("valid track");
        status(s, &ctx, t)
    }

    #[test]
    fn all_lessons_done_and_topics_strong_is_eligible() {
        let r = report(&learner(), &track(&["l1", "l2"], &[]));
        assert!(r.eligible, "{r:?}");
        assert!(r.missing_lessons.is_empty() && r.weak_topics.is_empty());
        assert_eq!(r.required_mastery, 0.7);
    }

    #[test]
    fn missing_lessons_are_listed_in_track_order() {
        let mut s = learner();
        s.completed = vec!["l1".into()];
        let r = report(&s, &track(&["l3", "l2", "l1"], &[]));
        assert!(!r.eligible);
        assert_eq!(r.missing_lessons, ["l3", "l2"]);
    }

    #[test]
    fn weak_topics_block_with_their_mastery() {
        let mut s = learner();
        s.topic_stats[1].quiz_score = 0.3;
        s.topic_stats[1].exercise_score = 0.4;
        let r = report(&s, &track(&["l1", "l2"], &["python.extra"]));
        assert!(!r.eligible);
        let weak: Vec<&str> = r.weak_topics.iter().map(|m| m.topic.as_str()).collect();
        // Explicit topic without evidence, and the weak lesson topic, sorted.
        assert_eq!(weak, ["python.extra", "python.loops"]);
        assert!(r.weak_topics.iter().all(|m| m.mastery < 0.69));
        assert!(r.missing_lessons.is_empty());
    }

    #[test]
    fn mastery_exactly_at_the_threshold_passes() {
        let mut s = learner();
        // Quiz-only evidence: (0.35 q + 0.15·0) / 0.5 = 0.7 q; q = 1 gives 0.7.
        s.topic_stats = vec![TopicStats {
            quiz_attempts: 3,
            quiz_score: 1.0,
            ..TopicStats::empty("python.vars")
        }];
        let r = report(&s, &track(&["l1"], &[]));
        assert!(r.eligible, "{r:?}");
    }

    #[test]
    fn bad_tracks_are_named() {
        let field = |t: TrackRef| check_track(&t).expect_err("invalid").field;
        assert_eq!(field(track(&[], &[])), "track.lesson_ids");
        assert_eq!(field(track(&["a", "a"], &[])), "track.lesson_ids[1]");
        assert_eq!(field(track(&["a", ""], &[])), "track.lesson_ids[1]");
        assert_eq!(field(track(&["a"], &[" "])), "track.topics[0]");
        let mut t = track(&["a"], &[]);
        t.track_id = String::new();
        assert_eq!(field(t), "track.track_id");
    }
}
