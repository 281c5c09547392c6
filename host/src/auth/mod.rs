//! Identity: registration, sign-in, refresh-token rotation, sign-out
//! (docs/requirements.md#r-002-3.2, #r-002-6.1, #r-001-10.1), and everything that ends or changes
//! what a token may do (deletion, disabling, role changes, service-token revocation). Passwords in
//! `password`, JWTs in `tokens`, roles and the permission matrix in `roles`, the
//! per-request check that a token's session is still live in `live`; the HTTP side is
//! `api::auth` and the `api::caller` extractor.

pub mod live;
pub mod password;
pub mod roles;
pub mod tokens;

pub use live::{Liveness, Refusal};
pub use roles::{Permission, Role};
pub use tokens::{Claims, TokenKeys};

use serde::Serialize;

use crate::store::sessions::Rotation;
use crate::store::users::{NewUser, User};
use crate::store::{Db, StoreError, rfc3339};

/// Access-token lifetime (docs/requirements.md#r-002-6.1: 30 minutes).
pub const ACCESS_TTL_SECS: i64 = 30 * 60;
/// Refresh-token lifetime (docs/requirements.md#r-002-6.1: 7 days).
pub const REFRESH_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// Longest validity of a service token.
pub const MAX_SERVICE_TOKEN_DAYS: i64 = 90;

/// Why an identity operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A field is unacceptable.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        message: String,
    },
    /// The e-mail address is registered already.
    #[error("an account with this e-mail address exists")]
    EmailTaken,
    /// Wrong e-mail or password.
    #[error("wrong e-mail address or password")]
    BadCredentials,
    /// The account is disabled.
    #[error("this account is disabled")]
    Disabled,
    /// The refresh token is unknown, expired or revoked.
    #[error("the refresh token is invalid or expired")]
    BadRefresh,
    /// The refresh token was used before: its whole family was revoked.
    #[error("the refresh token was already used; every token of this sign-in is revoked")]
    RefreshReused,
    /// The password given to confirm an action is not the account's.
    #[error("this is not the account's password")]
    WrongPassword,
    /// The account does not exist (any more).
    #[error("the account no longer exists")]
    Gone,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing or signing failed.
    #[error("{0}")]
    Crypto(String),
    /// Too many password hashes at once; retry shortly.
    #[error("{}", password::HashError::Busy)]
    Busy,
}

impl From<password::HashError> for AuthError {
    fn from(e: password::HashError) -> Self {
        match e {
            password::HashError::Busy => AuthError::Busy,
            password::HashError::Failed(m) => AuthError::Crypto(m),
        }
    }
}

/// The tokens a sign-in or refresh hands out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single-use refresh token.
    pub refresh_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// A user as the auth endpoints show them (docs/requirements.md#r-002-3.2).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserSummary {
    /// UUID.
    pub id: String,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// Role.
    pub user_type: Role,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&User> for UserSummary {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            email: u.email.clone(),
            full_name: u.full_name.clone(),
            user_type: u.role,
            created_at: rfc3339(u.created_at),
        }
    }
}

/// Who is signing in, for the session record and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// Client address.
    pub ip: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
}

/// Identity operations over the database.
#[derive(Clone)]
pub struct Auth {
    db: Db,
    keys: TokenKeys,
    live: Liveness,
}

/// Longest e-mail address, in bytes (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;
/// Longest display name, in characters.
const MAX_NAME: usize = 255;

/// Why an e-mail address or a display name is refused; the message is what the client
/// is told about the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Not shaped like an e-mail address.
    #[error("must be an e-mail address like name@example.com")]
    NotAnEmail,
    /// A name that is empty or too long.
    #[error("must be 1 to {MAX_NAME} characters")]
    NameLength,
    /// A name with control characters.
    #[error("must not contain control characters")]
    ControlCharacters,
}

/// Checks an e-mail address's shape (the part a server can check without sending mail).
pub fn check_email(email: &str) -> Result<(), FieldError> {
    let ok = email.len() <= MAX_EMAIL
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.rsplit_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(())
    } else {
        Err(FieldError::NotAnEmail)
    }
}

/// Checks a display name.
pub fn check_name(name: &str) -> Result<(), FieldError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME {
        return Err(FieldError::NameLength);
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err(FieldError::ControlCharacters);
    }
    Ok(())
}

impl Auth {
    /// Identity over `db`, signing with `keys`; session state is cached in `kv` when it
    /// is shared by replicas, and each state read is trusted for `recheck_ms` (see
    /// [`live`]).
    pub fn new(
        db: Db,
        keys: TokenKeys,
        kv: Option<std::sync::Arc<dyn crate::kv::Kv>>,
        recheck_ms: i64,
    ) -> Self {
        Self {
            live: Liveness::new(db.clone(), kv, recheck_ms),
            db,
            keys,
        }
    }

    /// The token keys (for the extractor).
    pub fn keys(&self) -> &TokenKeys {
        &self.keys
    }

    /// Whether a signature-checked token may still be used (see [`live`]).
    pub async fn check_live(&self, claims: &Claims) -> Result<Result<(), Refusal>, StoreError> {
        self.live.check(claims).await
    }

    /// Creates an account. Self-registration may choose `student` or `teacher`; other
    /// roles are given by an operator (`tessera user create`) or a super admin.
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        full_name: &str,
        role: Role,
        client: &ClientInfo,
    ) -> Result<(User, TokenPair), AuthError> {
        let invalid = |field, message| AuthError::Invalid { field, message };
        check_email(email).map_err(|m| invalid("email", m.to_string()))?;
        check_name(full_name).map_err(|m| invalid("full_name", m.to_string()))?;
        if !matches!(role, Role::Student | Role::Teacher) {
            return Err(invalid(
                "user_type",
                "must be `student` or `teacher`; other roles are granted by an administrator"
                    .into(),
            ));
        }
        password::check_rules(password, email).map_err(|m| invalid("password", m.to_string()))?;
        let user = self
            .create(email, password, full_name, role, client.ip.as_deref())
            .await?;
        let tokens = self.sign_in(&user, client).await?;
        Ok((user, tokens))
    }

    /// Creates an account with any role, for operators (`tessera user create`); the
    /// password rules still apply.
    pub async fn create(
        &self,
        email: &str,
        password: &str,
        full_name: &str,
        role: Role,
        ip: Option<&str>,
    ) -> Result<User, AuthError> {
        check_email(email).map_err(|e| AuthError::Invalid {
            field: "email",
            message: e.to_string(),
        })?;
        password::check_rules(password, email).map_err(|e| AuthError::Invalid {
            field: "password",
            message: e.to_string(),
        })?;
        let hash = password::hash(password.to_owned()).await?;
        self.db
            .create_user(
                NewUser {
                    email: email.to_owned(),
                    password_hash: hash,
                    full_name: full_name.trim().to_owned(),
                    role,
                },
                ip,
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AuthError::EmailTaken,
                other => AuthError::Store(other),
            })
    }

    /// Checks credentials and starts a session.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<(User, TokenPair), AuthError> {
        let user = self.db.user_by_email(email).await?;
        let ok = password::verify(
            password.to_owned(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
        let user = match (ok, user) {
            (true, Some(user)) => user,
            (_, user) => {
                self.db
                    .audit(
                        "user.sign_in_failed",
                        None,
                        user.as_ref().map(|u| u.id.as_str()),
                        client.ip.as_deref(),
                        serde_json::json!({}),
                    )
                    .await?;
                return Err(AuthError::BadCredentials);
            }
        };
        if !user.is_active {
            return Err(AuthError::Disabled);
        }
        let tokens = self.sign_in(&user, client).await?;
        Ok((user, tokens))
    }

    async fn sign_in(&self, user: &User, client: &ClientInfo) -> Result<TokenPair, AuthError> {
        let refresh = self
            .db
            .start_session(
                &user.id,
                REFRESH_TTL_MS,
                client.user_agent.as_deref(),
                client.ip.as_deref(),
            )
            .await?;
        self.pair(user, refresh.session_id, refresh.token)
    }

    fn pair(&self, user: &User, session: String, refresh: String) -> Result<TokenPair, AuthError> {
        let access = self
            .keys
            .issue(&user.id, &user.email, user.role, &session, ACCESS_TTL_SECS)
            .map_err(|e| AuthError::Crypto(e.to_string()))?;
        Ok(TokenPair {
            access_token: access,
            refresh_token: refresh,
            token_type: "bearer",
            expires_in: ACCESS_TTL_SECS,
        })
    }

    /// Rotates a refresh token.
    pub async fn refresh(&self, token: &str) -> Result<TokenPair, AuthError> {
        match self.db.rotate_refresh(token, REFRESH_TTL_MS).await? {
            Rotation::Rotated { user_id, next } => {
                let user = self
                    .db
                    .user_by_id(&user_id)
                    .await?
                    .ok_or(AuthError::BadRefresh)?;
                if !user.is_active {
                    return Err(AuthError::Disabled);
                }
                self.pair(&user, next.session_id, next.token)
            }
            Rotation::Reused { session_id, .. } => {
                self.live.ended(&[session_id]).await;
                Err(AuthError::RefreshReused)
            }
            Rotation::Invalid => Err(AuthError::BadRefresh),
        }
    }

    /// Ends the session the caller's token was issued in: its refresh tokens stop working
    /// at once, its access tokens at once here and within `--session-recheck-ms` on every
    /// other replica.
    pub async fn logout(&self, claims: &Claims) -> Result<(), AuthError> {
        self.db.end_session(&claims.sid, &claims.sub).await?;
        self.live.ended(std::slice::from_ref(&claims.sid)).await;
        Ok(())
    }

    /// Deletes `user_id`'s account once `password` proves it is theirs; every session
    /// ends at once.
    pub async fn delete_account(&self, user_id: &str, password: &str) -> Result<(), AuthError> {
        let user = self.db.user_by_id(user_id).await?.ok_or(AuthError::Gone)?;
        if !password::verify(password.to_owned(), Some(user.password_hash)).await? {
            return Err(AuthError::WrongPassword);
        }
        let sessions = self.db.delete_user(user_id).await?.ok_or(AuthError::Gone)?;
        self.live.ended(&sessions).await;
        Ok(())
    }

    /// Changes a user's role (audited); their tokens claiming the old role are refused at
    /// once (`ROLE_CHANGED`) until refreshed. Whether the user exists.
    pub async fn set_role(
        &self,
        user_id: &str,
        role: Role,
        actor: Option<&str>,
    ) -> Result<bool, AuthError> {
        let changed = self.db.set_role(user_id, role, actor).await?;
        self.republish(user_id, changed).await
    }

    /// After a change to `user_id`'s role or status: this replica sees it at once, every
    /// other within `--session-recheck-ms`.
    async fn republish(&self, user_id: &str, changed: bool) -> Result<bool, AuthError> {
        self.live.user_changed(user_id).await?;
        Ok(changed)
    }

    /// Enables or disables an account (audited); a disabled account's tokens are refused
    /// at once. Whether the user exists.
    pub async fn set_active(
        &self,
        user_id: &str,
        active: bool,
        actor: Option<&str>,
    ) -> Result<bool, AuthError> {
        let changed = self.db.set_active(user_id, active, actor).await?;
        self.republish(user_id, changed).await
    }

    /// Issues a service token for `name` valid `days` (1 to [`MAX_SERVICE_TOKEN_DAYS`]),
    /// recorded so it can be listed and revoked; (its id, the token).
    pub async fn issue_service_token(
        &self,
        name: &str,
        days: i64,
    ) -> Result<(String, String), AuthError> {
        if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control()) {
            return Err(AuthError::Invalid {
                field: "--name",
                message: "must be 1 to 64 characters".into(),
            });
        }
        if !(1..=MAX_SERVICE_TOKEN_DAYS).contains(&days) {
            return Err(AuthError::Invalid {
                field: "--days",
                message: format!(
                    "must be 1 to {MAX_SERVICE_TOKEN_DAYS} (a service token lives at most {MAX_SERVICE_TOKEN_DAYS} days; issue a new one before it expires)"
                ),
            });
        }
        let ttl = days * 24 * 3600;
        let expires_at = crate::store::now_ms() + ttl * 1000;
        let id = self.db.record_service_token(name, expires_at).await?;
        let token = self
            .keys
            .issue_service(name, &id, ttl)
            .map_err(|e| AuthError::Crypto(e.to_string()))?;
        Ok((id, token))
    }

    /// Revokes the service token `id`: refused at once on every replica. `None` when no
    /// such token is on record, else whether it was live until now.
    pub async fn revoke_service_token(&self, id: &str) -> Result<Option<bool>, AuthError> {
        let revoked = self.db.revoke_service_token(id).await?;
        if revoked.is_some() {
            self.live.service_revoked(id).await;
        }
        Ok(revoked)
    }
}
