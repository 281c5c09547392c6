//! Auth sessions and their refresh tokens. A session is one sign-in on one device and the
//! family of refresh tokens issued for it: each refresh uses up its token and issues the
//! next; presenting a token that was already used means it leaked, so the whole family
//! (the session) is revoked and every token in it stops working.

use base64::Engine;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::epochs::{self, Domain};
use super::{Db, StoreError, audit, now_ms};

/// A refresh token as handed to the client (only its hash is stored).
#[derive(Debug, Clone)]
pub struct IssuedRefresh {
    /// The token text.
    pub token: String,
    /// The session (token family) it belongs to.
    pub session_id: String,
    /// Expiry, ms since the epoch.
    pub expires_at: i64,
}

/// What presenting a refresh token did.
#[derive(Debug)]
pub enum Rotation {
    /// The token was current: here is its successor.
    Rotated {
        /// The user.
        user_id: String,
        /// The next token of the family.
        next: IssuedRefresh,
    },
    /// The token had been used before: its family is now revoked.
    Reused {
        /// The user whose session was revoked.
        user_id: String,
        /// The revoked session.
        session_id: String,
    },
    /// Unknown, expired, or of a revoked session.
    Invalid,
}

/// A session as the token check needs it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// The account.
    pub user_id: String,
    /// Whether it was signed out or revoked.
    pub revoked: bool,
    /// The account's role now.
    pub role: crate::auth::Role,
    /// Whether the account may be used.
    pub is_active: bool,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "rt_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

impl Db {
    /// Starts a session for `user_id` and issues its first refresh token.
    pub async fn start_session(
        &self,
        user_id: &str,
        ttl_ms: i64,
        user_agent: Option<&str>,
        ip: Option<&str>,
    ) -> Result<IssuedRefresh, StoreError> {
        let now = now_ms();
        let session_id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO auth_sessions (id, user_id, created_at, last_used_at, user_agent, ip) \
             VALUES ($1, $2, $3, $3, $4, $5)",
        )
        .bind(&session_id)
        .bind(user_id)
        .bind(now)
        .bind(user_agent.map(|s| s.chars().take(300).collect::<String>()))
        .bind(ip.map(str::to_owned))
        .execute(&mut *tx)
        .await?;
        let issued = insert_token(&mut tx, &session_id, user_id, ttl_ms, now).await?;
        audit::record(
            &mut tx,
            "user.signed_in",
            Some(user_id),
            Some(user_id),
            ip,
            serde_json::json!({ "session": session_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// Uses up `token` and issues its successor, or revokes its family on reuse.
    pub async fn rotate_refresh(&self, token: &str, ttl_ms: i64) -> Result<Rotation, StoreError> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT t.id, t.session_id, t.user_id, t.expires_at, t.used_at, s.revoked_at \
             FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id \
             WHERE t.token_hash = $1",
        )
        .bind(hash(token))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Rotation::Invalid);
        };
        let token_id: String = row.try_get("id")?;
        let session_id: String = row.try_get("session_id")?;
        let user_id: String = row.try_get("user_id")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        let used_at: Option<i64> = row.try_get("used_at")?;
        let revoked_at: Option<i64> = row.try_get("revoked_at")?;
        if revoked_at.is_some() || expires_at <= now {
            return Ok(Rotation::Invalid);
        }
        // Marking it used only if nobody did first also catches two concurrent refreshes
        // with the same token: the second is a reuse.
        let claimed = used_at.is_none()
            && sqlx::query(
                "UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
            )
            .bind(now)
            .bind(&token_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
        if !claimed {
            revoke(&mut tx, &session_id, "refresh token reused", now).await?;
            epochs::bump(&mut tx, Domain::Sessions, &user_id).await?;
            audit::record(
                &mut tx,
                "session.revoked_on_reuse",
                None,
                Some(&user_id),
                None,
                serde_json::json!({ "session": session_id }),
            )
            .await?;
            tx.commit().await?;
            return Ok(Rotation::Reused {
                user_id,
                session_id,
            });
        }
        sqlx::query("UPDATE auth_sessions SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&session_id)
            .execute(&mut *tx)
            .await?;
        let next = insert_token(&mut tx, &session_id, &user_id, ttl_ms, now).await?;
        tx.commit().await?;
        Ok(Rotation::Rotated { user_id, next })
    }

    /// Revokes one of `user_id`'s sessions (sign-out); false when there is no such live
    /// session.
    pub async fn end_session(&self, session_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let ended = sqlx::query(
            "UPDATE auth_sessions SET revoked_at = $1, revoke_reason = 'signed out' \
             WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(session_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if ended {
            epochs::bump(&mut tx, Domain::Sessions, user_id).await?;
            audit::record(
                &mut tx,
                "user.signed_out",
                Some(user_id),
                Some(user_id),
                None,
                serde_json::json!({ "session": session_id }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ended)
    }

    /// A session with its account's role and status (one indexed read: what every
    /// authenticated request needs when the state is not cached); `None` when the session
    /// or the account no longer exists.
    pub async fn session_state(&self, session_id: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT s.user_id, s.revoked_at, u.role, u.is_active FROM auth_sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.id = $1",
        )
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        Ok(Some(SessionRow {
            user_id: r.try_get("user_id")?,
            revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            role: r.try_get("role")?,
            is_active: r.try_get::<i64, _>("is_active")? != 0,
        }))
    }

    /// The ids of `user_id`'s sessions that are not revoked.
    pub async fn live_sessions_of(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query("SELECT id FROM auth_sessions WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<Result<_, _>>()?,
        )
    }

    /// A user's sessions, for exports: (created, last used, user agent, revoked).
    pub async fn sessions_of(&self, user_id: &str) -> Result<Vec<serde_json::Value>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at, last_used_at, user_agent, ip, revoked_at, revoke_reason \
             FROM auth_sessions WHERE user_id = $1 ORDER BY created_at",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(serde_json::json!({
                    "created_at": super::rfc3339(r.try_get("created_at")?),
                    "last_used_at": super::rfc3339(r.try_get("last_used_at")?),
                    "user_agent": r.try_get::<Option<String>, _>("user_agent")?,
                    "ip": r.try_get::<Option<String>, _>("ip")?,
                    "revoked_at": r.try_get::<Option<i64>, _>("revoked_at")?.map(super::rfc3339),
                    "revoke_reason": r.try_get::<Option<String>, _>("revoke_reason")?,
                }))
            })
            .collect()
    }
}

async fn insert_token(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    session_id: &str,
    user_id: &str,
    ttl_ms: i64,
    now: i64,
) -> Result<IssuedRefresh, StoreError> {
    let token = new_token();
    let expires_at = now + ttl_ms;
    sqlx::query(
        "INSERT INTO refresh_tokens (id, session_id, user_id, token_hash, issued_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(session_id)
    .bind(user_id)
    .bind(hash(&token))
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(IssuedRefresh {
        token,
        session_id: session_id.to_owned(),
        expires_at,
    })
}

async fn revoke(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    session_id: &str,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE auth_sessions SET revoked_at = $1, revoke_reason = $2 \
         WHERE id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(session_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::store::testing;

    const DAY_MS: i64 = 86_400_000;

    #[tokio::test]
    async fn a_refresh_token_works_once_and_its_reuse_revokes_the_family() {
        let (db, _dir) = testing::sqlite().await;
        let id = testing::user(&db, "ed@example.com", Role::Student).await;
        let first = db.start_session(&id, DAY_MS, None, None).await.unwrap();
        assert!(first.token.starts_with("rt_"), "{}", first.token);
        let Rotation::Rotated { user_id, next } =
            db.rotate_refresh(&first.token, DAY_MS).await.unwrap()
        else {
            panic!("a fresh token did not rotate");
        };
        assert_eq!(
            (user_id.as_str(), next.session_id.as_str()),
            (id.as_str(), first.session_id.as_str())
        );
        assert_ne!(next.token, first.token);
        // The used token again: it leaked, so the whole session goes.
        let reused = db.rotate_refresh(&first.token, DAY_MS).await.unwrap();
        assert!(
            matches!(&reused, Rotation::Reused { session_id, .. } if *session_id == first.session_id),
            "{reused:?}"
        );
        assert!(matches!(
            db.rotate_refresh(&next.token, DAY_MS).await.unwrap(),
            Rotation::Invalid
        ));
        let state = db.session_state(&first.session_id).await.unwrap().unwrap();
        assert!(state.revoked);
        assert!(db.live_sessions_of(&id).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn expired_and_unknown_tokens_are_invalid() {
        let (db, _dir) = testing::sqlite().await;
        let id = testing::user(&db, "fay@example.com", Role::Student).await;
        let expired = db.start_session(&id, -1, None, None).await.unwrap();
        assert!(matches!(
            db.rotate_refresh(&expired.token, DAY_MS).await.unwrap(),
            Rotation::Invalid
        ));
        assert!(matches!(
            db.rotate_refresh("rt_made_up", DAY_MS).await.unwrap(),
            Rotation::Invalid
        ));
    }

    #[tokio::test]
    async fn signing_out_ends_only_ones_own_live_session() {
        let (db, _dir) = testing::sqlite().await;
        let id = testing::user(&db, "gus@example.com", Role::Teacher).await;
        let other = testing::user(&db, "hal@example.com", Role::Student).await;
        let session = db
            .start_session(&id, DAY_MS, Some("browser"), Some("10.0.0.1"))
            .await
            .unwrap();
        assert!(
            !db.end_session(&session.session_id, &other).await.unwrap(),
            "not theirs"
        );
        let state = db
            .session_state(&session.session_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (state.role, state.revoked, state.is_active),
            (Role::Teacher, false, true)
        );
        assert!(db.end_session(&session.session_id, &id).await.unwrap());
        assert!(
            !db.end_session(&session.session_id, &id).await.unwrap(),
            "already ended"
        );
        let exported = db.sessions_of(&id).await.unwrap();
        assert_eq!(exported[0]["revoke_reason"], "signed out");
        assert_eq!(exported[0]["user_agent"], "browser");
    }
}
