//! Web Push (RFC 8030) to browsers: the message encrypted for the subscription's keys with
//! RFC 8291's `aes128gcm` (the `web-push-native` crate) and signed for the push service with
//! a VAPID token (RFC 8292: an ES256 JWT over the endpoint's origin, made here with `p256`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use web_push_native::Auth;

/// How long a push service keeps a message for an offline browser, seconds.
pub const TTL_SECS: u64 = 24 * 60 * 60;
/// How long a VAPID token is good for (RFC 8292 allows at most 24 h).
const VAPID_SECS: i64 = 12 * 60 * 60;

/// The server's VAPID key pair.
#[derive(Clone)]
pub struct Vapid {
    secret: p256::SecretKey,
    /// The public key, uncompressed and base64url (`applicationServerKey` for
    /// `pushManager.subscribe`).
    pub public_key: String,
    /// The contact the push services see (`mailto:` or `https:`).
    pub subject: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

/// A new key pair as stored: (private scalar, public point), both base64url.
pub fn generate_keys() -> (String, String) {
    let secret = p256::SecretKey::random(&mut aes_gcm::aead::OsRng);
    (
        URL_SAFE_NO_PAD.encode(secret.to_bytes()),
        public_of(&secret),
    )
}

fn public_of(secret: &p256::SecretKey) -> String {
    URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes())
}

impl Vapid {
    /// The key pair from its stored private scalar.
    pub fn from_private(private: &str, subject: &str) -> Result<Vapid, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(private.trim())
            .map_err(|e| format!("the VAPID private key is not base64url: {e}"))?;
        let secret = p256::SecretKey::from_slice(&bytes)
            .map_err(|_| "the VAPID private key is not a P-256 scalar".to_owned())?;
        Ok(Vapid {
            public_key: public_of(&secret),
            secret,
            subject: subject.to_owned(),
        })
    }

    /// The `Authorization` header for a push to `endpoint` at `now_secs`.
    pub fn authorization(&self, endpoint: &reqwest::Url, now_secs: i64) -> String {
        let origin = endpoint.origin().ascii_serialization();
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(
            serde_json::json!({ "aud": origin, "exp": now_secs + VAPID_SECS, "sub": self.subject })
                .to_string(),
        );
        let signing_input = format!("{header}.{claims}");
        let key = p256::ecdsa::SigningKey::from(&self.secret);
        let signature: p256::ecdsa::Signature = key.sign(signing_input.as_bytes());
        let token = format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        );
        format!("vapid t={token}, k={}", self.public_key)
    }
}

/// A browser's subscription keys, checked: the P-256 point and the 16-byte auth secret.
pub fn subscription_keys(
    p256dh: &str,
    auth: &str,
) -> Result<(p256::PublicKey, Auth), (&'static str, String)> {
    let point = URL_SAFE_NO_PAD
        .decode(p256dh.trim_end_matches('='))
        .map_err(|e| ("keys.p256dh", format!("not base64url: {e}")))?;
    let public = p256::PublicKey::from_sec1_bytes(&point)
        .map_err(|_| ("keys.p256dh", "not a P-256 public key".to_owned()))?;
    let secret = URL_SAFE_NO_PAD
        .decode(auth.trim_end_matches('='))
        .map_err(|e| ("keys.auth", format!("not base64url: {e}")))?;
    if secret.len() != 16 {
        return Err((
            "keys.auth",
            format!("{} bytes; an auth secret has 16", secret.len()),
        ));
    }
    Ok((public, Auth::clone_from_slice(&secret)))
}

/// The body of a push: `message` encrypted for the subscription (`aes128gcm`).
pub fn encrypt(message: &[u8], p256dh: &str, auth: &str) -> Result<Vec<u8>, String> {
    let (public, auth) = subscription_keys(p256dh, auth).map_err(|(f, m)| format!("{f}: {m}"))?;
    web_push_native::encrypt(message.to_vec(), &public, &auth)
        .map_err(|e| format!("encryption: {e}"))
}

/// What a push service's answer means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Accepted (201, or another 2xx).
    Sent,
    /// The subscription expired or was withdrawn (404, 410): never again.
    Gone,
    /// Refused for good (another 4xx: a malformed request, a payload too large).
    Refused(String),
    /// Try again later (429, 5xx, no answer).
    Retry(String),
}

/// Sends `message` to the subscription at `endpoint`.
pub async fn send(
    http: &reqwest::Client,
    vapid: &Vapid,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    message: &[u8],
    urgent: bool,
) -> PushOutcome {
    let url = match reqwest::Url::parse(endpoint) {
        Ok(u) => u,
        Err(e) => return PushOutcome::Refused(format!("endpoint: {e}")),
    };
    let body = match encrypt(message, p256dh, auth) {
        Ok(b) => b,
        Err(e) => return PushOutcome::Refused(e),
    };
    let now_secs = crate::store::now_ms() / 1000;
    let answer = http
        .post(url.clone())
        .header("TTL", TTL_SECS.to_string())
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("Urgency", if urgent { "high" } else { "normal" })
        .header("Authorization", vapid.authorization(&url, now_secs))
        .body(body)
        .send()
        .await;
    match answer {
        Err(e) => PushOutcome::Retry(format!("no answer from the push service: {e}")),
        Ok(r) => {
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            let said = text.chars().take(200).collect::<String>();
            match status.as_u16() {
                200..=299 => PushOutcome::Sent,
                404 | 410 => PushOutcome::Gone,
                429 | 500..=599 => PushOutcome::Retry(format!("{status}: {said}")),
                _ => PushOutcome::Refused(format!("{status}: {said}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier as _;

    #[test]
    fn a_push_decrypts_with_the_browsers_keys_and_its_token_verifies() {
        // The browser's side: its key pair and auth secret.
        let browser = p256::SecretKey::random(&mut aes_gcm::aead::OsRng);
        let p256dh = public_of(&browser);
        let auth = URL_SAFE_NO_PAD.encode([7u8; 16]);
        let body = encrypt(b"{\"title\":\"hi\"}", &p256dh, &auth).unwrap();
        let plain =
            web_push_native::decrypt(body, &browser, &Auth::clone_from_slice(&[7u8; 16])).unwrap();
        assert_eq!(plain, b"{\"title\":\"hi\"}");

        let (private, public) = generate_keys();
        let vapid = Vapid::from_private(&private, "mailto:ops@example.com").unwrap();
        assert_eq!(vapid.public_key, public);
        let url = reqwest::Url::parse("https://push.example.com:8443/send/abc").unwrap();
        let header = vapid.authorization(&url, 1_000);
        let (t, k) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .unwrap();
        assert_eq!(k, public);
        let (signed, signature) = t.rsplit_once('.').unwrap();
        let claims: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(signed.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["aud"], "https://push.example.com:8443");
        assert_eq!(claims["exp"], 1_000 + VAPID_SECS);
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap())
            .unwrap();
        let signature =
            p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
                .unwrap();
        assert!(key.verify(signed.as_bytes(), &signature).is_ok());
    }

    #[test]
    fn bad_subscription_keys_name_the_key() {
        assert_eq!(
            subscription_keys("AAAA", "AAAAAAAAAAAAAAAAAAAAAA")
                .unwrap_err()
                .0,
            "keys.p256dh"
        );
        let browser = p256::SecretKey::random(&mut aes_gcm::aead::OsRng);
        assert_eq!(
            subscription_keys(&public_of(&browser), "AAAA")
                .unwrap_err()
                .0,
            "keys.auth"
        );
    }
}
