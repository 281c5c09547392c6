//! Access tokens: HS256 JWTs with the claims of docs/requirements.md#r-002-6.1 (`sub`, `email`,
//! `user_type`, `exp`, `iat`, `iss`, `aud`) plus `sid`, the session they were issued in, or
//! for service tokens `jti`, the token's id on the revocation list.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::Role;

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id (or a service's name).
    pub sub: String,
    /// E-mail address (empty for services).
    pub email: String,
    /// Role.
    pub user_type: Role,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Session id (empty for service tokens).
    #[serde(default)]
    pub sid: String,
    /// Token id of a service token (`service_tokens.id`, what `tessera service-token
    /// revoke` names); empty for user tokens, whose session is revoked instead.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub jti: String,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// A key for other signatures (badge links), derived from the secret so one secret
    /// configures the server and an access token can never pass for a badge or back.
    derived: Vec<u8>,
    /// Issuer written into and required of every token.
    pub issuer: String,
    /// Audience written into and required of every token.
    pub audience: String,
}

impl TokenKeys {
    /// Keys from a shared secret (at least 32 bytes).
    pub fn new(secret: &[u8], issuer: &str, audience: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let derived = {
            use hmac::{Hmac, Mac};
            let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret)
                .expect("HMAC takes any key length");
            mac.update(b"tessera badge links v1");
            mac.finalize().into_bytes().to_vec()
        };
        Self {
            derived,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// The key that signs badge links.
    pub fn badge_key(&self) -> &[u8] {
        &self.derived
    }

    /// A signed token for these claims' subject, role and session, valid `ttl_secs`.
    pub fn issue(
        &self,
        sub: &str,
        email: &str,
        role: Role,
        sid: &str,
        ttl_secs: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.sign(sub, email, role, sid, "", ttl_secs)
    }

    /// A service token (role `service`) for `name` with the id `jti`, valid `ttl_secs`.
    pub fn issue_service(
        &self,
        name: &str,
        jti: &str,
        ttl_secs: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.sign(
            &format!("service:{name}"),
            "",
            Role::Service,
            "",
            jti,
            ttl_secs,
        )
    }

    fn sign(
        &self,
        sub: &str,
        email: &str,
        role: Role,
        sid: &str,
        jti: &str,
        ttl_secs: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            email: email.to_owned(),
            user_type: role,
            exp: now + ttl_secs,
            iat: now,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sid: sid.to_owned(),
            jti: jti.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The claims of a valid token; `Err` says why not (expired, bad signature …).
    pub fn check(&self, token: &str) -> Result<Claims, TokenError> {
        use jsonwebtoken::errors::ErrorKind;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidSignature => TokenError::Signature,
                ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => TokenError::OtherService,
                _ => TokenError::Malformed,
            })
    }
}

/// Why a bearer token is refused; the message is the 401's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Past its `exp`.
    #[error("the token has expired")]
    Expired,
    /// Not signed with this deployment's key.
    #[error("the token's signature is invalid")]
    Signature,
    /// Another issuer or audience.
    #[error("the token was issued for another service")]
    OtherService,
    /// Not a JWT of the expected shape.
    #[error("the token is malformed")]
    Malformed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering_and_other_issuers() {
        let keys = TokenKeys::new(&[7; 32], "lyoapp-backend", "lyoapp-users");
        let t = keys.issue("u1", "a@b.c", Role::Teacher, "s1", 60).unwrap();
        let c = keys.check(&t).unwrap();
        assert_eq!(
            (c.sub.as_str(), c.user_type, c.sid.as_str()),
            ("u1", Role::Teacher, "s1")
        );

        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].replace('a', "b");
        assert!(keys.check(&parts.join(".")).is_err());

        let other = TokenKeys::new(&[7; 32], "someone-else", "lyoapp-users");
        let t2 = other.issue("u1", "a@b.c", Role::Admin, "s1", 60).unwrap();
        assert_eq!(keys.check(&t2).unwrap_err(), TokenError::OtherService);

        let wrong_key = TokenKeys::new(&[8; 32], "lyoapp-backend", "lyoapp-users");
        assert_eq!(wrong_key.check(&t).unwrap_err(), TokenError::Signature);

        let expired = keys.issue("u1", "a@b.c", Role::Student, "s1", -60).unwrap();
        assert_eq!(
            keys.check(&expired).unwrap_err().to_string(),
            "the token has expired"
        );
    }
}
