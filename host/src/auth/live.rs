//! Whether a signed access token still speaks for someone: its session is not signed out
//! or revoked, its account exists and is active, and its role is the account's role now;
//! for a service token, that its id is on record and not revoked. Checked on every
//! authenticated request (`api::caller::authenticate`), so sign-out, deletion, disabling,
//! role changes and revocations take effect at once instead of when the token expires.
//!
//! With a shared store (Redis) each session's state is cached under `live:s:<sid>` (a
//! service token's under `live:t:<jti>`): a hit costs one GET. Whatever ends or changes a
//! session overwrites its entry after the database commit, so every replica agrees at
//! once; cache fills only ever add a missing entry (`SET NX`), so a fill racing an
//! invalidation cannot bring the old state back. Live entries expire after
//! [`LIVE_TTL`], which bounds how long a change made without reaching the store (e.g.
//! `tessera user set-role` run without `REDIS_URL`) can go unseen.
//!
//! With the in-process store (one node) there is nothing to share: the check is one
//! indexed read of the database.
//!
//! In front of both, each replica remembers the states it read, each under its account's
//! **change epoch** (`store::epochs`): every change to a session, an account's role or
//! status, or a service token bumps the epoch of its account's shard (one of 64) in the
//! change's own transaction. Once every `--session-recheck-ms` (1 s by default) a replica
//! reads the 64 epochs, one query (by one request, ahead of the second's end, while the
//! others go on: `kept::Fresh`), and a remembered state stays good while its shard's
//! epoch is unchanged, for up to [`LIVE_TTL`] (read again in the background by the first
//! request to find it past half of that: `kept::Kept::get_ahead`). So ten thousand
//! learners signed in cost one read a second, not one each, and a change made through
//! another replica or the CLI is still seen within that second (on a replica too busy to
//! finish the read in that second, within five: see `kept::Fresh`). Whatever ends or
//! changes a session through this replica forgets its remembered state at once. 0 reads
//! the session on every request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{ACCESS_TTL_SECS, Claims, Role};
use crate::kept::{Fresh, Kept};
use crate::kv::Kv;
use crate::store::epochs::{self, Domain, SHARDS};
use crate::store::{Db, StoreError};

/// How long a cached live state is trusted without reading the database.
pub const LIVE_TTL: Duration = Duration::from_secs(60);
/// How long an ended session is remembered in the cache: longer than any access token of
/// it can live.
const ENDED_TTL: Duration = Duration::from_secs(ACCESS_TTL_SECS as u64 + 60);
/// Sessions a replica remembers at once: more than it sees in a minute at the load one
/// replica serves (some 3 MiB when full).
const REMEMBERED: usize = 32_768;

/// The state of a session (or service token) as cached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionState {
    /// Usable by `user` with `role`.
    Live {
        /// The account (or `service:<name>`).
        user: String,
        /// Its role now.
        role: Role,
    },
    /// The account exists but is disabled.
    Disabled {
        /// The account.
        user: String,
    },
    /// Signed out, revoked, deleted, or never existed.
    Ended,
}

/// Why a signed token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The session ended (sign-out, refresh-token reuse, account deletion) or never
    /// existed.
    #[error(
        "this sign-in has ended (signed out, revoked, or the account was deleted); sign in again"
    )]
    SessionEnded,
    /// The account is disabled.
    #[error("this account is disabled")]
    Disabled,
    /// The account's role is no longer the one the token claims.
    #[error(
        "the account's role changed to `{0}` since this token was issued; refresh the token (POST /api/v1/auth/refresh)"
    )]
    RoleChanged(Role),
    /// The service token is revoked, unknown, or has no id.
    #[error(
        "this service token is revoked or unknown; issue a new one with `tessera service-token`"
    )]
    ServiceRevoked,
}

/// Checks and invalidates token liveness.
#[derive(Clone)]
pub struct Liveness {
    db: Db,
    cache: Option<Arc<dyn Kv>>,
    recent: Arc<Recent>,
}

/// The states this replica read lately, each with its shard's epoch when it was read.
struct Recent {
    states: Kept<(i64, SessionState)>,
    /// Counts the forgets: a read that began before one may hold the state it forgot, so
    /// it is not remembered (see [`Liveness::state`]).
    forgets: AtomicU64,
    /// The epochs as last read, trusted for `--session-recheck-ms`.
    epochs: Fresh<Arc<[i64; SHARDS]>>,
    /// Sessions and tokens read from the shared cache or the database (not remembered).
    reads: AtomicU64,
}

/// What a token speaks for.
#[derive(Clone, Copy)]
enum Subject<'a> {
    /// A user's session (`sid`).
    Session(&'a str),
    /// A service token (`jti`).
    Service(&'a str),
}

impl Subject<'_> {
    fn key(self) -> String {
        match self {
            Subject::Session(sid) => format!("live:s:{sid}"),
            Subject::Service(jti) => format!("live:t:{jti}"),
        }
    }

    /// An owned copy, for a read that runs apart from the request.
    fn owned(self) -> OwnedSubject {
        match self {
            Subject::Session(id) => OwnedSubject {
                service: false,
                id: id.to_owned(),
            },
            Subject::Service(id) => OwnedSubject {
                service: true,
                id: id.to_owned(),
            },
        }
    }
}

/// A [`Subject`] that owns its id.
struct OwnedSubject {
    service: bool,
    id: String,
}

impl OwnedSubject {
    fn get(&self) -> Subject<'_> {
        if self.service {
            Subject::Service(&self.id)
        } else {
            Subject::Session(&self.id)
        }
    }
}

fn ttl(state: &SessionState) -> Duration {
    match state {
        SessionState::Ended => ENDED_TTL,
        _ => LIVE_TTL,
    }
}

impl Liveness {
    /// Liveness over `db`, cached in `kv` when it is shared by replicas (Redis); this
    /// replica reads the change epochs again after `recheck_ms` (0: it remembers nothing
    /// and reads each session on every check).
    pub fn new(db: Db, kv: Option<Arc<dyn Kv>>, recheck_ms: i64) -> Self {
        let cache = kv.filter(|kv| kv.kind() == "redis");
        let remembered_ms = if recheck_ms > 0 {
            (LIVE_TTL.as_millis() as i64).max(recheck_ms)
        } else {
            0
        };
        let recent = Arc::new(Recent {
            states: Kept::new(remembered_ms, REMEMBERED),
            forgets: AtomicU64::new(0),
            epochs: Fresh::new(Duration::from_millis(
                u64::try_from(recheck_ms).unwrap_or(0),
            )),
            reads: AtomicU64::new(0),
        });
        Self { db, cache, recent }
    }

    /// How many session and service-token states this replica has read from the shared
    /// cache or the database (not from what it remembers).
    pub fn reads(&self) -> u64 {
        self.recent.reads.load(Ordering::Relaxed)
    }

    /// Whether the token with these (signature-checked) claims may be used now.
    pub async fn check(&self, claims: &Claims) -> Result<Result<(), Refusal>, StoreError> {
        if claims.user_type == Role::Service {
            if claims.jti.is_empty() {
                return Ok(Err(Refusal::ServiceRevoked));
            }
            let subject = Subject::Service(&claims.jti);
            return Ok(match self.state(subject, &claims.jti).await? {
                SessionState::Live { user, .. } if user == claims.sub => Ok(()),
                _ => Err(Refusal::ServiceRevoked),
            });
        }
        if claims.sid.is_empty() {
            return Ok(Err(Refusal::SessionEnded));
        }
        Ok(
            match self
                .state(Subject::Session(&claims.sid), &claims.sub)
                .await?
            {
                SessionState::Live { user, role } if user == claims.sub => {
                    if role == claims.user_type {
                        Ok(())
                    } else {
                        Err(Refusal::RoleChanged(role))
                    }
                }
                SessionState::Disabled { user } if user == claims.sub => Err(Refusal::Disabled),
                _ => Err(Refusal::SessionEnded),
            },
        )
    }

    /// The state of `subject` (whose epoch is sharded by `owner`) this replica remembers
    /// under its shard's current epoch, or the shared cache's or the database's (then
    /// remembered).
    async fn state(&self, subject: Subject<'_>, owner: &str) -> Result<SessionState, StoreError> {
        let key = subject.key();
        let recent = &self.recent;
        if !recent.states.keeps() {
            return self.shared_state(subject, &key).await;
        }
        let epoch = self.epoch(epochs::shard(owner)).await?;
        let kept = recent
            .states
            .get_ahead(&key, crate::store::now_ms())
            .filter(|((read_under, _), _)| *read_under == epoch)
            .map(|((_, state), due)| (state, due));
        // Past half its time the state is read again in the background, so that a learner
        // asking steadily never waits for it (`Kept::get_ahead`); with nothing kept, aside.
        self.db
            .kept_or_read("session state", kept, || {
                let (live, subject) = (self.clone(), subject.owned());
                async move { live.read_and_remember(subject.get(), &key, epoch).await }
            })
            .await
    }

    /// Reads `subject`'s state and remembers it under its shard's `epoch`.
    async fn read_and_remember(
        &self,
        subject: Subject<'_>,
        key: &str,
        epoch: i64,
    ) -> Result<SessionState, StoreError> {
        let recent = &self.recent;
        let forgets = recent.forgets.load(Ordering::Acquire);
        // Stamped before the read: what it says is at least that recent.
        let at = crate::store::now_ms();
        let state = self.shared_state(subject, key).await?;
        // A forget while this read was under way may have been for this very session,
        // after the read saw its old state: remembering it would undo the forget. A change
        // elsewhere after the epochs were read moves the epoch this state is kept under.
        if recent.forgets.load(Ordering::Acquire) == forgets {
            recent.states.put(key, at, (epoch, state.clone()));
        }
        Ok(state)
    }

    /// The change epoch of `shard`, all of them no older than `--session-recheck-ms`.
    async fn epoch(&self, shard: usize) -> Result<i64, StoreError> {
        let epochs = self
            .recent
            .epochs
            .get(|| {
                self.db.read_aside(
                    |db| async move { Ok(Arc::new(db.epochs(Domain::Sessions).await?)) },
                )
            })
            .await?;
        Ok(epochs[shard])
    }

    /// The state of `subject` in the shared cache, or the database's (then cached when
    /// absent).
    async fn shared_state(
        &self,
        subject: Subject<'_>,
        key: &str,
    ) -> Result<SessionState, StoreError> {
        self.recent.reads.fetch_add(1, Ordering::Relaxed);
        let Some(kv) = &self.cache else {
            return self.read_db(subject).await;
        };
        match kv.get(key).await {
            Ok(Some(bytes)) => {
                if let Ok(state) = serde_json::from_slice::<SessionState>(&bytes) {
                    return Ok(state);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "session cache unavailable; reading the database"),
        }
        let state = self.read_db(subject).await?;
        if let Ok(bytes) = serde_json::to_vec(&state)
            && let Err(e) = kv.put_new(key, &bytes, ttl(&state)).await
        {
            tracing::warn!(error = %e, "could not cache a session's state");
        }
        Ok(state)
    }

    async fn read_db(&self, subject: Subject<'_>) -> Result<SessionState, StoreError> {
        Ok(match subject {
            Subject::Session(sid) => match self.db.session_state(sid).await? {
                Some(s) if s.revoked => SessionState::Ended,
                Some(s) if !s.is_active => SessionState::Disabled { user: s.user_id },
                Some(s) => SessionState::Live {
                    user: s.user_id,
                    role: s.role,
                },
                None => SessionState::Ended,
            },
            Subject::Service(jti) => match self.db.service_token(jti).await? {
                Some(t) if t.revoked_at.is_none() => SessionState::Live {
                    user: format!("service:{}", t.name),
                    role: Role::Service,
                },
                _ => SessionState::Ended,
            },
        })
    }

    /// Publishes `state` under `keys` (after the database says so), so every replica sees
    /// it once its remembered state runs out, and this one at once.
    async fn publish(&self, keys: Vec<String>, state: &SessionState) {
        if let Some(kv) = &self.cache
            && let Ok(bytes) = serde_json::to_vec(state)
        {
            for key in &keys {
                if let Err(e) = kv.put(key, &bytes, ttl(state)).await {
                    // The entry then lives out its TTL; the database already says the truth.
                    tracing::warn!(error = %e, key, "could not publish a session change");
                }
            }
        }
        // After the shared cache is written, so a read that starts now cannot find the
        // old state there and remember it again.
        self.recent.forgets.fetch_add(1, Ordering::AcqRel);
        self.recent.states.forget(keys.iter().map(String::as_str));
    }

    /// Sessions `sids` have ended (sign-out, revoked family, deleted account).
    pub async fn ended(&self, sids: &[String]) {
        let keys = sids.iter().map(|s| Subject::Session(s).key()).collect();
        self.publish(keys, &SessionState::Ended).await;
    }

    /// `user_id`'s role or status changed: republishes each of their live sessions' state
    /// from the database.
    pub async fn user_changed(&self, user_id: &str) -> Result<(), StoreError> {
        if self.cache.is_none() && !self.recent.states.keeps() {
            return Ok(());
        }
        for sid in self.db.live_sessions_of(user_id).await? {
            let state = self.read_db(Subject::Session(&sid)).await?;
            self.publish(vec![Subject::Session(&sid).key()], &state)
                .await;
        }
        Ok(())
    }

    /// The service token `jti` was revoked.
    pub async fn service_revoked(&self, jti: &str) {
        self.publish(vec![Subject::Service(jti).key()], &SessionState::Ended)
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    /// A session of a new student, and the claims of an access token issued in it.
    async fn signed_in(db: &Db) -> Claims {
        signed_in_as(db, "ada@example.com").await
    }

    /// A session of a new student with the address `email`, and its access token's claims.
    async fn signed_in_as(db: &Db, email: &str) -> Claims {
        let user = testing::user(db, email, Role::Student).await;
        let session = db.start_session(&user, 60_000, None, None).await.unwrap();
        let keys = super::super::TokenKeys::new(&[7; 32], "t", "t");
        let token = keys
            .issue(&user, email, Role::Student, &session.session_id, 600)
            .unwrap();
        keys.check(&token).unwrap()
    }

    #[tokio::test]
    async fn a_remembered_state_is_forgotten_by_a_change_through_this_replica() {
        let (db, _dir) = testing::sqlite().await;
        let claims = signed_in(&db).await;
        let remembering = Liveness::new(db.clone(), None, 60_000);
        let reading = Liveness::new(db.clone(), None, 0);
        assert_eq!(remembering.check(&claims).await.unwrap(), Ok(()));

        // A change this replica cannot hear of (another replica, the CLI): the replica
        // that reads on every check refuses at once, the one that remembers does not yet.
        db.set_role(&claims.sub, Role::Teacher, None).await.unwrap();
        assert_eq!(
            reading.check(&claims).await.unwrap(),
            Err(Refusal::RoleChanged(Role::Teacher))
        );
        assert_eq!(remembering.check(&claims).await.unwrap(), Ok(()));

        // A change through the replica forgets what it remembered.
        remembering.user_changed(&claims.sub).await.unwrap();
        assert_eq!(
            remembering.check(&claims).await.unwrap(),
            Err(Refusal::RoleChanged(Role::Teacher))
        );
        db.end_session(&claims.sid, &claims.sub).await.unwrap();
        remembering.ended(std::slice::from_ref(&claims.sid)).await;
        assert_eq!(
            remembering.check(&claims).await.unwrap(),
            Err(Refusal::SessionEnded)
        );
    }

    /// Waits out a 1 ms `--session-recheck-ms`.
    async fn past_the_recheck() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    #[tokio::test]
    async fn a_replica_rereads_the_epochs_not_each_session_and_sees_changes_made_elsewhere() {
        let (db, _dir) = testing::sqlite().await;
        let claims = signed_in(&db).await;
        // Another account on another shard (ids are random: one in 64 shares a shard).
        let mut other = signed_in_as(&db, "bea0@example.com").await;
        for i in 1.. {
            if epochs::shard(&other.sub) != epochs::shard(&claims.sub) {
                break;
            }
            other = signed_in_as(&db, &format!("bea{i}@example.com")).await;
        }
        let replica = Liveness::new(db.clone(), None, 1);
        assert_eq!(replica.check(&claims).await.unwrap(), Ok(()));
        assert_eq!(replica.check(&other).await.unwrap(), Ok(()));
        assert_eq!(replica.reads(), 2);

        // Past the recheck with nothing changed: the epochs are read again, the sessions
        // are not.
        past_the_recheck().await;
        assert_eq!(replica.check(&claims).await.unwrap(), Ok(()));
        assert_eq!(replica.reads(), 2);

        // Changes this replica cannot hear of (the CLI, another replica) are seen once the
        // recheck passes; an account on another shard stays remembered.
        db.set_role(&claims.sub, Role::Teacher, None).await.unwrap();
        past_the_recheck().await;
        assert_eq!(
            replica.check(&claims).await.unwrap(),
            Err(Refusal::RoleChanged(Role::Teacher))
        );
        assert_eq!(replica.check(&other).await.unwrap(), Ok(()));
        assert_eq!(replica.reads(), 3, "only the changed account read again");
        db.set_role(&claims.sub, Role::Student, None).await.unwrap();
        db.set_active(&claims.sub, false, None).await.unwrap();
        past_the_recheck().await;
        assert_eq!(
            replica.check(&claims).await.unwrap(),
            Err(Refusal::Disabled)
        );
        db.set_active(&claims.sub, true, None).await.unwrap();
        db.end_session(&claims.sid, &claims.sub).await.unwrap();
        past_the_recheck().await;
        assert_eq!(
            replica.check(&claims).await.unwrap(),
            Err(Refusal::SessionEnded)
        );
        db.delete_user(&other.sub).await.unwrap();
        past_the_recheck().await;
        assert_eq!(
            replica.check(&other).await.unwrap(),
            Err(Refusal::SessionEnded)
        );
    }

    #[tokio::test]
    async fn a_service_token_revoked_elsewhere_is_refused_once_the_recheck_passes() {
        let (db, _dir) = testing::sqlite().await;
        let jti = db
            .record_service_token("grader", crate::store::now_ms() + 60_000)
            .await
            .unwrap();
        let keys = super::super::TokenKeys::new(&[7; 32], "t", "t");
        let claims = keys
            .check(&keys.issue_service("grader", &jti, 60).unwrap())
            .unwrap();
        let replica = Liveness::new(db.clone(), None, 1);
        assert_eq!(replica.check(&claims).await.unwrap(), Ok(()));
        past_the_recheck().await;
        assert_eq!(replica.check(&claims).await.unwrap(), Ok(()));
        assert_eq!(replica.reads(), 1);
        db.revoke_service_token(&jti).await.unwrap();
        past_the_recheck().await;
        assert_eq!(
            replica.check(&claims).await.unwrap(),
            Err(Refusal::ServiceRevoked)
        );
    }
}
