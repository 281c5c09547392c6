//! The one error type every entry point returns.
//!
//! Its variants are cut along the answer the host gives the store, not along where in this
//! crate the problem was found: a store retries a push that was answered with a 5xx (Apple
//! for about three days, Pub/Sub until the message's retention ends), so telling "retrying
//! will help" apart from "retrying will never help" matters more than the exact cause.

/// Why a notification could not be turned into a subscription change.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// The request is not provably from the store: a bad or missing signature, a certificate
    /// chain that does not end at a trusted root, a certificate outside its validity period
    /// or without Apple's marker extension, a JWS `alg` other than the one expected, or a
    /// Google OIDC token that is expired, for another audience or from another issuer.
    /// The host answers 401.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),

    /// The request is authentic (or not yet checkable) but a field is missing or has the
    /// wrong shape. `field` is the JSON path as the store spells it (e.g. `signedPayload`,
    /// `message.data`, `data.signedTransactionInfo`). The host answers 400 (or 422).
    #[error("malformed `{field}`: {reason}")]
    Malformed {
        /// JSON path of the offending field, in the store's own spelling.
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Authentic and well-formed, but for another app or another environment than this
    /// server is configured for (Apple `bundleId` / `appAppleId` / `environment`, Google
    /// `packageName`). Usually a misrouted webhook URL: retrying cannot help. The host
    /// answers 422 and should alert, since it means a store console points at the wrong
    /// server.
    #[error("`{field}` is {actual:?} but this server expects {expected:?}")]
    WrongApp {
        /// The store's field name that did not match.
        field: String,
        /// What the configuration says.
        expected: String,
        /// What the notification carried.
        actual: String,
    },

    /// Google Play does not know the purchase token (404) or no longer keeps it (410, a
    /// subscription expired long ago). Permanent: the host should acknowledge the push
    /// (answer 2xx) after logging it, or answer 422 if it wants it in the dead-letter topic.
    #[error("Google Play has no purchase for this token (HTTP {status})")]
    PurchaseNotFound {
        /// The status Google answered with (404 or 410).
        status: u16,
    },

    /// A Google endpoint (token endpoint, JWKS, Play Developer API) answered with an error
    /// status. 5xx and 429 are worth retrying; 401/403 mean the service account lacks the
    /// Play Console permission. The host answers 502.
    #[error("Google answered HTTP {status}: {message}")]
    Upstream {
        /// The HTTP status Google answered with.
        status: u16,
        /// Google's error message (or the start of its body).
        message: String,
    },

    /// A Google endpoint could not be reached (connection refused, DNS, timeout) or sent a
    /// body this crate could not read. The host answers 503 so the push is retried.
    #[error("Google unreachable: {0}")]
    Unavailable(String),

    /// The configuration itself is unusable (an unparsable root certificate or service
    /// account key). Raised when a verifier is built, not per request.
    #[error("billing configuration: {0}")]
    Config(String),
}

impl BillingError {
    /// The HTTP status the host should answer the store's push with, so every route maps
    /// errors the same way.
    pub fn http_status(&self) -> u16 {
        match self {
            BillingError::Unauthenticated(_) => 401,
            BillingError::Malformed { .. } => 400,
            BillingError::WrongApp { .. } | BillingError::PurchaseNotFound { .. } => 422,
            BillingError::Upstream { .. } => 502,
            BillingError::Unavailable(_) => 503,
            BillingError::Config(_) => 500,
        }
    }

    /// Whether the same push could succeed later, so the host can decide between letting
    /// the store retry and dropping the message after logging it.
    pub fn is_retryable(&self) -> bool {
        match self {
            BillingError::Unavailable(_) => true,
            BillingError::Upstream { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    pub(crate) fn unauthenticated(reason: impl Into<String>) -> Self {
        BillingError::Unauthenticated(reason.into())
    }

    pub(crate) fn malformed(field: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        BillingError::Malformed {
            field: field.into(),
            reason: reason.to_string(),
        }
    }
}

/// Shorthand used throughout the crate.
pub type Result<T, E = BillingError> = std::result::Result<T, E>;
