//! Badge links (docs/requirements.md#r-000-4): a token carrying a certificate, learner and
//! track id, signed with HMAC-SHA256 under a key derived from the origin's token secret, so
//! anyone can open a badge and nobody can forge or alter one; and the badge rendered as an
//! HTML page with OpenGraph tags or a 1200×630 SVG. The origin (`tessera serve`) issues and
//! serves badges; the edge (components/edge-badges) verifies and renders them with this
//! same code, so a badge looks the same from either.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What a token says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Format version.
    pub v: u8,
    /// Certificate id.
    pub c: String,
    /// Learner id.
    pub u: String,
    /// Track id.
    pub t: String,
}

/// A token that is malformed or whose signature does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidToken;

impl std::fmt::Display for InvalidToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("this badge link is not valid: it was altered or never issued")
    }
}

impl std::error::Error for InvalidToken {}

/// A verified badge, ready to render (also what the origin tells the edge about a
/// certificate, as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length: this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// A token for `claims`, signed with `key`.
pub fn encode(key: &[u8], claims: &Claims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let mut mac = mac(key);
    mac.update(payload.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{payload}.{signature}")
}

/// The claims of `token`, if its signature verifies under `key`.
pub fn decode(key: &[u8], token: &str) -> Result<Claims, InvalidToken> {
    let (payload, signature) = token.split_once('.').ok_or(InvalidToken)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| InvalidToken)?;
    let mut mac = mac(key);
    mac.update(payload.as_bytes());
    // Constant-time comparison.
    mac.verify_slice(&signature).map_err(|_| InvalidToken)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| InvalidToken)?;
    serde_json::from_slice(&bytes).map_err(|_| InvalidToken)
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

/// The page shown instead of a badge (forged, withdrawn, or unavailable): `message` says
/// why, escaped.
pub fn error_page(message: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Badge not valid</title></head><body><h1>Badge not shown</h1><p>{}</p></body></html>",
        escape(message)
    )
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
