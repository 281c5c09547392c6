//! Badges (`shareBadge` → `ShareLink`, docs/requirements.md#r-000-4): a learner who holds a track's
//! certificate gets a public link `/badges/{token}`. The token carries the certificate,
//! learner and track ids, signed with HMAC-SHA256 under a key derived from the server's
//! token secret, so anyone can open it and nobody can forge or alter one. The page is HTML
//! with OpenGraph tags (link previews show the badge); `/badges/{token}.svg` is the image.
//! A badge whose certificate is gone (the learner deleted their account) is `410 Gone`.

pub use badge::Badge;
use badge::{Claims, decode, encode};

use super::views::ShareLink;
use super::{Learning, LearningError};
use crate::store::rfc3339;

/// Why a badge cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum BadgeError {
    /// The token is malformed or its signature does not verify.
    #[error("{0}")]
    Invalid(#[from] badge::InvalidToken),
    /// The certificate no longer exists.
    #[error("this badge was withdrawn")]
    Gone,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl Learning {
    /// `shareBadge` (docs/requirements.md#r-000-4): a signed public link to the learner's badge for
    /// `track_id`. 409 `CERTIFICATE_NOT_EARNED` (with what is missing) before the
    /// certificate is earned.
    pub async fn share_badge(
        &self,
        user_id: &str,
        track_id: &str,
        base_url: &str,
    ) -> Result<ShareLink, LearningError> {
        let catalog = self.catalog().await?;
        if catalog.track(track_id).is_none() {
            return Err(LearningError::not_found("track", track_id));
        }
        let Some(certificate) = self.db.certificate(user_id, track_id).await? else {
            let data = self.learner_data(user_id).await?;
            let state = super::engine::learner_state(&data, &catalog, super::Now::real());
            let report = self.certificate_status(&state, &catalog, track_id).await?;
            let mut missing = Vec::new();
            if !report.missing_lessons.is_empty() {
                missing.push(format!(
                    "lessons to complete: {}",
                    report.missing_lessons.join(", ")
                ));
            }
            if !report.weak_topics.is_empty() {
                missing.push(format!(
                    "topics below {:.0} % mastery: {}",
                    report.required_mastery * 100.0,
                    report
                        .weak_topics
                        .iter()
                        .map(|t| format!("{} ({:.0} %)", t.topic, t.mastery * 100.0))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            return Err(LearningError::Conflict {
                code: "CERTIFICATE_NOT_EARNED",
                message: format!(
                    "the certificate of track `{track_id}` is not earned yet; {}",
                    missing.join("; ")
                ),
            });
        };
        let token = encode(
            &self.settings.badge_key,
            &Claims {
                v: 1,
                c: certificate.id.clone(),
                u: user_id.to_owned(),
                t: track_id.to_owned(),
            },
        );
        let base = self
            .settings
            .public_url
            .as_deref()
            .unwrap_or(base_url)
            .trim_end_matches('/');
        Ok(ShareLink {
            url: format!("{base}/badges/{token}"),
            image_url: format!("{base}/badges/{token}.svg"),
            token,
            track_id: track_id.to_owned(),
            certificate_id: certificate.id,
        })
    }

    /// Verifies `token` and loads what its badge shows.
    pub async fn badge(&self, token: &str) -> Result<Badge, BadgeError> {
        let claims = decode(&self.settings.badge_key, token)?;
        let certificate = self
            .db
            .certificate_by_id(&claims.c)
            .await?
            .filter(|c| c.user_id == claims.u && c.track_id == claims.t)
            .ok_or(BadgeError::Gone)?;
        let learner = self
            .db
            .learner(&certificate.user_id)
            .await?
            .ok_or(BadgeError::Gone)?;
        let catalog = self.catalog.get().await.map_err(BadgeError::Store)?;
        let track = catalog.track(&certificate.track_id);
        Ok(Badge {
            learner: learner.full_name,
            track: track.map_or_else(|| certificate.track_id.clone(), |t| t.title.clone()),
            description: track.map(|t| t.description.clone()).unwrap_or_default(),
            issued: rfc3339(certificate.issued_at)
                .split('T')
                .next()
                .unwrap_or_default()
                .to_owned(),
            certificate_id: certificate.id,
        })
    }
}
