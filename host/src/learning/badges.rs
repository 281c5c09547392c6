//! Badges (`shareBadge` → `ShareLink`, docs/requirements.md#r-000-4): a learner who holds a track's
//! certificate gets a public link `/badges/{token}`. The token carries the certificate,
//! learner and track ids, signed with HMAC-SHA256 under a key derived from the server's
//! token secret, so anyone can open it and nobody can forge or alter one. The page is HTML
//! with OpenGraph tags (link previews show the badge); `/badges/{token}.svg` is the image.
//! A badge whose certificate is gone (the learner deleted their account) is `410 Gone`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::views::ShareLink;
use super::{Learning, LearningError};
use crate::store::rfc3339;

/// What a token says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Claims {
    /// Format version.
    v: u8,
    /// Certificate id.
    c: String,
    /// Learner id.
    u: String,
    /// Track id.
    t: String,
}

/// A verified badge, ready to render.
#[derive(Debug, Clone)]
pub struct Badge {
    /// The learner's name.
    pub learner: String,
    /// Track title.
    pub track: String,
    /// Track description.
    pub description: String,
    /// Issued, RFC 3339 date.
    pub issued: String,
    /// Certificate id.
    pub certificate_id: String,
}

/// Why a badge cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum BadgeError {
    /// The token is malformed or its signature does not verify.
    #[error("this badge link is not valid: it was altered or never issued")]
    Invalid,
    /// The certificate no longer exists.
    #[error("this badge was withdrawn")]
    Gone,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

fn sign(key: &[u8], payload: &str) -> Vec<u8> {
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn encode(key: &[u8], claims: &Claims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signature = URL_SAFE_NO_PAD.encode(sign(key, &payload));
    format!("{payload}.{signature}")
}

fn decode(key: &[u8], token: &str) -> Result<Claims, BadgeError> {
    let (payload, signature) = token.split_once('.').ok_or(BadgeError::Invalid)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| BadgeError::Invalid)?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| BadgeError::Invalid)?;
    mac.update(payload.as_bytes());
    // Constant-time comparison.
    mac.verify_slice(&signature)
        .map_err(|_| BadgeError::Invalid)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| BadgeError::Invalid)?;
    serde_json::from_slice(&bytes).map_err(|_| BadgeError::Invalid)
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

/// Escapes text for HTML and SVG.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Cuts `text` to `max` characters with an ellipsis, for fixed-width artwork.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

impl Badge {
    /// The badge as an SVG image (1200×630, the OpenGraph card size).
    pub fn svg(&self) -> String {
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630" viewBox="0 0 1200 630" role="img" aria-label="{aria}">
<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1e3a8a"/><stop offset="1" stop-color="#0f766e"/></linearGradient></defs>
<rect width="1200" height="630" fill="url(#bg)"/>
<circle cx="240" cy="315" r="150" fill="#fbbf24" stroke="#fff7ed" stroke-width="12"/>
<text x="240" y="345" font-family="Helvetica, Arial, sans-serif" font-size="96" font-weight="700" text-anchor="middle" fill="#1e3a8a">✓</text>
<text x="450" y="220" font-family="Helvetica, Arial, sans-serif" font-size="34" fill="#e0f2fe">Certificate of completion</text>
<text x="450" y="300" font-family="Helvetica, Arial, sans-serif" font-size="64" font-weight="700" fill="#ffffff">{track}</text>
<text x="450" y="380" font-family="Helvetica, Arial, sans-serif" font-size="40" fill="#ffffff">{learner}</text>
<text x="450" y="440" font-family="Helvetica, Arial, sans-serif" font-size="28" fill="#bae6fd">Issued {issued} · verified by Tessera</text>
</svg>
"##,
            aria = escape(&format!("{} completed {}", self.learner, self.track)),
            track = escape(&fit(&self.track, 22)),
            learner = escape(&fit(&self.learner, 34)),
            issued = escape(&self.issued),
        )
    }

    /// The badge page with OpenGraph and Twitter card tags; `page_url` is its own address.
    pub fn html(&self, page_url: &str) -> String {
        let title = escape(&format!("{} completed {}", self.learner, self.track));
        let description = escape(&if self.description.is_empty() {
            format!("Certificate issued {}.", self.issued)
        } else {
            format!("{} Certificate issued {}.", self.description, self.issued)
        });
        let url = escape(page_url);
        let image = escape(&format!("{page_url}.svg"));
        format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name="description" content="{description}">
<meta property="og:type" content="website">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{description}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="{image}">
<meta property="og:image:type" content="image/svg+xml">
<meta property="og:image:width" content="1200">
<meta property="og:image:height" content="630">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="{title}">
<meta name="twitter:image" content="{image}">
<link rel="canonical" href="{url}">
<style>body{{font-family:Helvetica,Arial,sans-serif;margin:0;background:#f1f5f9;color:#0f172a}}main{{max-width:760px;margin:40px auto;padding:0 16px}}img{{width:100%;border-radius:12px}}p.v{{color:#0f766e}}</style>
</head>
<body>
<main>
<img src="{image}" alt="{title}">
<h1>{title}</h1>
<p>{description}</p>
<p class="v">✓ Verified: this badge's signature checks out (certificate {certificate}).</p>
</main>
</body>
</html>
"#,
            certificate = escape(&self.certificate_id),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            v: 1,
            c: "cert-1".into(),
            u: "user-1".into(),
            t: "python".into(),
        }
    }

    #[test]
    fn tokens_verify_and_tampering_is_caught() {
        let token = encode(b"secret", &claims());
        assert_eq!(decode(b"secret", &token).unwrap(), claims());
        // Another key, an altered payload, an altered signature, garbage.
        assert!(decode(b"other", &token).is_err());
        let (payload, signature) = token.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"v":1,"c":"cert-2","u":"user-1","t":"python"}"#);
        assert!(decode(b"secret", &format!("{forged}.{signature}")).is_err());
        let mut sig = signature.to_owned();
        sig.replace_range(0..1, if sig.starts_with('A') { "B" } else { "A" });
        assert!(decode(b"secret", &format!("{payload}.{sig}")).is_err());
        assert!(decode(b"secret", "not-a-token").is_err());
    }

    #[test]
    fn pages_escape_what_learners_wrote() {
        let badge = Badge {
            learner: "<script>alert(1)</script>".into(),
            track: "Python & \"friends\"".into(),
            description: String::new(),
            issued: "2026-11-26".into(),
            certificate_id: "c".into(),
        };
        let html = badge.html("https://x.test/badges/t");
        assert!(!html.contains("<script>"));
        assert!(html.contains("og:image\" content=\"https://x.test/badges/t.svg\""));
        assert!(badge.svg().contains("Python &amp; &quot;friends&quot;"));
    }
}
