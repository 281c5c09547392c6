//! The learning core (the daily loop of docs/requirements.md#r-000-4, progress of #r-002-3.6,
//! mastery of #r-003-fr-026): the host keeps the data and serves it; every decision is a
//! component's. The lesson engine plugin plans the day and turns each outcome into reviews, XP,
//! streak, mastery, achievements and certificate eligibility; grader plugins grade quiz answers,
//! code and projects; the AI gateway rewrites texts in a tone.
//!
//! REST (`api::learning`) and GraphQL (`api::graphql`) both call [`Learning`].
//!
//! - `catalog`: content in memory; `clock`: now and local days; `engine`: the lesson
//!   engine's input built from stored data;
//! - `daily`: today's lesson and step views; `answers`: quiz, explanation and code steps;
//! - `tone`: tone switching; `projects`: mini-project grading jobs; `badges`: signed share
//!   links and the badge page; `progress`: progress, mastery, a class's progress;
//!   `classes`: classes by consent (invitations, join codes, leaving).

pub mod activity;
pub mod analytics;
pub mod answers;
pub mod badges;
pub mod catalog;
pub mod classes;
pub mod clock;
pub mod daily;
pub mod engine;
pub mod error;
pub mod progress;
pub mod projects;
pub mod struggle;
pub mod tone;
pub mod tutor_context;
pub mod views;

use std::sync::Arc;

use crate::ai::Ai;
use crate::plugins::Registry;
use crate::store::Db;

pub use clock::Now;
pub use error::LearningError;

crate::store::codec::text_enum! {
    // Stored in `users.tone`; the doc comment is the GraphQL enum's description.
    /// A lesson tone (docs/requirements.md#r-000-4).
    #[derive(async_graphql::Enum)]
    pub enum Tone as "tone" {
        /// Warm and encouraging (the authored text).
        Friendly = "friendly",
        /// Precise and neutral.
        Formal = "formal",
        /// Teaching by questions.
        Socratic = "socratic",
        /// Short.
        Concise = "concise",
        /// Light and fun.
        Playful = "playful",
    }
}

/// The tone content packs are written in: no rewrite needed.
pub const AUTHORED_TONE: Tone = Tone::Friendly;

/// Largest code submission, bytes.
pub const MAX_CODE_BYTES: usize = 64 * 1024;

/// Largest mini-project payload, bytes.
pub const MAX_PROJECT_BYTES: usize = 64 * 1024;

/// Operator settings of the learning core.
#[derive(Debug, Clone)]
pub struct LearningSettings {
    /// Honour `X-Tessera-Now` (tests and demos only).
    pub test_clock: bool,
    /// Key that signs badge links (derived from the token secret by the caller).
    pub badge_key: Vec<u8>,
    /// Base URL of public links (`https://learn.example.com`); `serve` falls back to its
    /// listen address. Never the request's `Host`, which the client chooses.
    pub public_url: Option<String>,
    /// Members (and pending invitations) per class; 0 means
    /// [`classes::DEFAULT_MAX_MEMBERS`].
    pub class_max_members: u32,
    /// Project submissions one learner may have waiting for grading.
    pub max_queued_projects: i64,
    /// Latest attempts kept per learner and step (besides the first and the first
    /// correct one).
    pub max_attempts_per_step: i64,
    /// How long a grading worker's claim on a project job lasts unrenewed, ms.
    pub project_lease_ms: i64,
}

impl Default for LearningSettings {
    fn default() -> Self {
        Self {
            test_clock: false,
            badge_key: Vec::new(),
            public_url: None,
            class_max_members: 0,
            max_queued_projects: 3,
            max_attempts_per_step: 50,
            project_lease_ms: 30_000,
        }
    }
}

/// The learning services.
pub struct Learning {
    db: Db,
    registry: Arc<Registry>,
    /// Where answers and submissions are reported (staged in the outbox with each write).
    bus: crate::events::Bus,
    ai: Arc<Ai>,
    catalog: catalog::CatalogCache,
    settings: LearningSettings,
    jobs: Arc<tokio::sync::Notify>,
    /// Feature flags (seed 000's `spaced-repetition` gates the review queue).
    flags: Arc<crate::experiments::Experiments>,
    /// Lessons' content as every learner sees it, per catalog stamp.
    contents: daily::LessonContents,
}

impl Learning {
    /// Services over `db`, the plugins in `registry`, the AI gateway and the flags.
    pub fn new(
        db: Db,
        registry: Arc<Registry>,
        ai: Arc<Ai>,
        bus: crate::events::Bus,
        settings: LearningSettings,
        flags: Arc<crate::experiments::Experiments>,
    ) -> Self {
        Learning {
            flags,
            catalog: catalog::CatalogCache::new(db.clone()),
            db,
            registry,
            ai,
            bus,
            settings,
            jobs: Arc::new(tokio::sync::Notify::new()),
            contents: daily::LessonContents::default(),
        }
    }

    /// Whether `X-Tessera-Now` is honoured.
    pub fn test_clock(&self) -> bool {
        self.settings.test_clock
    }

    /// The base URL of public links (badges), without a trailing slash.
    pub fn public_url(&self) -> &str {
        self.settings
            .public_url
            .as_deref()
            .unwrap_or("http://localhost")
            .trim_end_matches('/')
    }

    /// The content catalog.
    pub async fn catalog(&self) -> Result<Arc<catalog::Catalog>, LearningError> {
        Ok(self.catalog.get().await?)
    }

    /// Reloads the catalog now, after this process imported content (a published course),
    /// so the importer's next request sees it without waiting for the periodic check.
    pub async fn content_changed(&self) -> Result<(), LearningError> {
        Ok(self.catalog.refresh().await?)
    }
}

/// SHA-256 of `bytes`, hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
