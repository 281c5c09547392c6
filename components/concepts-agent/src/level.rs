//! The level an explanation is pitched at, from the learner's mastery of the topic.

/// How much the learner already knows of the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// New to it: plain words, one idea at a time.
    Beginner,
    /// Knows the basics: the details and idioms that come next.
    Intermediate,
    /// Fluent: how it works underneath, trade-offs, advanced features.
    Advanced,
}

/// Mastery below this is beginner level.
pub const INTERMEDIATE_FROM: f32 = 0.4;
/// Mastery from this on is advanced level.
pub const ADVANCED_FROM: f32 = 0.75;

impl Level {
    /// The level for `mastery` (0.0 to 1.0); no record yet, or a value that is not a
    /// number, is beginner level.
    pub fn of(mastery: Option<f32>) -> Level {
        match mastery {
            Some(m) if m >= ADVANCED_FROM => Level::Advanced,
            Some(m) if m >= INTERMEDIATE_FROM => Level::Intermediate,
            _ => Level::Beginner,
        }
    }

    /// The level's name, as the reply and its data say it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }

    /// The level's position in a topic's lessons.
    pub fn index(self) -> usize {
        match self {
            Level::Beginner => 0,
            Level::Intermediate => 1,
            Level::Advanced => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastery_picks_the_level() {
        assert_eq!(Level::of(None), Level::Beginner);
        assert_eq!(Level::of(Some(0.0)), Level::Beginner);
        assert_eq!(Level::of(Some(0.39)), Level::Beginner);
        assert_eq!(Level::of(Some(0.4)), Level::Intermediate);
        assert_eq!(Level::of(Some(0.74)), Level::Intermediate);
        assert_eq!(Level::of(Some(0.75)), Level::Advanced);
        assert_eq!(Level::of(Some(1.0)), Level::Advanced);
        assert_eq!(Level::of(Some(f32::NAN)), Level::Beginner);
    }
}
