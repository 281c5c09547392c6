//! The crate's error: input it cannot use, naming the field so the caller can answer with a
//! 4xx that says what to fix.

/// What went wrong with the caller's input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A field of the input is malformed: `field` is its dotted path as the caller wrote it
    /// (`features.new-onboarding.rules[0].coverage`), `message` says why.
    #[error("{field}: {message}")]
    InvalidInput {
        /// Dotted path of the offending field.
        field: String,
        /// Why the value is not acceptable, for the person who wrote it.
        message: String,
    },
}

impl Error {
    /// An [`Error::InvalidInput`] for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}
