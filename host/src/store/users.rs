//! Users and their profiles.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Db, StoreError, audit, now_ms};
use crate::auth::Role;
use crate::learning::Tone;

/// A change of a user column by an administrator (audited).
#[derive(Debug, Clone, Copy)]
pub(super) enum UserChange<'a> {
    /// `role`.
    Role(Role),
    /// `tier` (the AI budget's plan tier).
    Tier(&'a str),
    /// `is_active`.
    Active(bool),
}

/// A user account (docs/requirements.md#r-002-4.1, plus role, tone, streak and time zone).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// UUID.
    pub id: String,
    /// Lower-cased e-mail address, unique.
    pub email: String,
    /// argon2id PHC string; never serialised.
    #[serde(skip)]
    pub password_hash: String,
    /// Display name.
    pub full_name: String,
    /// Role (what seed 002 calls `user_type`, docs/requirements.md#r-002-4.1).
    pub role: Role,
    /// Preferred lesson tone.
    pub tone: Tone,
    /// Current streak in days.
    pub streak: i64,
    /// IANA time zone name.
    pub timezone: String,
    /// Plan tier: picks the daily AI token budget (`--ai-daily-tokens`).
    pub tier: String,
    /// Whether the account may sign in.
    pub is_active: bool,
    /// Whether the e-mail address was verified.
    pub is_verified: bool,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
    /// Last update, ms since the epoch.
    pub updated_at: i64,
}

/// A user's profile (`UserProfile` of docs/requirements.md#r-002-4.1).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Profile {
    /// Free text about the learner.
    pub bio: Option<String>,
    /// Picture URL.
    pub avatar_url: Option<String>,
    /// visual | auditory | reading | kinesthetic.
    pub learning_style: String,
    /// Language tag, e.g. `en`.
    pub language: String,
    /// ISO 3166-1 alpha-2 region, e.g. `FR`: crisis resources name its hotlines.
    pub region: Option<String>,
    /// JSON object.
    pub notification_preferences: serde_json::Value,
    /// JSON object.
    pub privacy_settings: serde_json::Value,
    /// Experience points.
    pub total_xp: i64,
    /// Longest streak in days.
    pub longest_streak: i64,
    /// Minutes studied.
    pub total_study_time: i64,
    /// Last update, ms since the epoch.
    pub updated_at: i64,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// E-mail address (stored lower-cased).
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Display name.
    pub full_name: String,
    /// Role.
    pub role: Role,
}

/// Changes to a profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    /// New display name.
    pub full_name: Option<String>,
    /// New tone.
    pub tone: Option<Tone>,
    /// New time zone.
    pub timezone: Option<String>,
    /// New bio (`Some(None)` clears it).
    pub bio: Option<Option<String>>,
    /// New avatar URL (`Some(None)` clears it).
    pub avatar_url: Option<Option<String>>,
    /// New learning style.
    pub learning_style: Option<String>,
    /// New language.
    pub language: Option<String>,
    /// New region (`Some(None)` clears it).
    pub region: Option<Option<String>>,
    /// New notification preferences.
    pub notification_preferences: Option<serde_json::Value>,
    /// New privacy settings.
    pub privacy_settings: Option<serde_json::Value>,
}

const USER_COLUMNS: &str = "id, email, password_hash, full_name, role, tone, streak, timezone, \
                            tier, is_active, is_verified, created_at, updated_at";

fn user_from(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        full_name: row.try_get("full_name")?,
        role: row.try_get("role")?,
        tone: row.try_get("tone")?,
        streak: row.try_get("streak")?,
        timezone: row.try_get("timezone")?,
        tier: row.try_get("tier")?,
        is_active: row.try_get::<i64, _>("is_active")? != 0,
        is_verified: row.try_get::<i64, _>("is_verified")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn json_column(row: &AnyRow, name: &str) -> Result<serde_json::Value, StoreError> {
    let text: String = row.try_get(name)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{name}: {e}")))
}

/// A profile from a row of [`Db::user_with_profile`].
fn profile_from(row: &AnyRow) -> Result<Profile, StoreError> {
    Ok(Profile {
        bio: row.try_get("bio")?,
        avatar_url: row.try_get("avatar_url")?,
        learning_style: row.try_get("learning_style")?,
        language: row.try_get("language")?,
        region: row.try_get("region")?,
        notification_preferences: json_column(row, "notification_preferences")?,
        privacy_settings: json_column(row, "privacy_settings")?,
        total_xp: row.try_get("total_xp")?,
        longest_streak: row.try_get("longest_streak")?,
        total_study_time: row.try_get("total_study_time")?,
        updated_at: row.try_get("profile_updated_at")?,
    })
}

impl Db {
    /// Creates a user with an empty profile and an audit event, in one transaction.
    pub async fn create_user(&self, new: NewUser, ip: Option<&str>) -> Result<User, StoreError> {
        let now = now_ms();
        let user = User {
            id: uuid::Uuid::new_v4().to_string(),
            email: new.email.to_lowercase(),
            password_hash: new.password_hash,
            full_name: new.full_name,
            role: new.role,
            tone: Tone::Friendly,
            streak: 0,
            timezone: "UTC".into(),
            tier: "free".into(),
            is_active: true,
            is_verified: false,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (id, email, password_hash, full_name, role, tone, streak, timezone, \
             is_active, is_verified, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 1, 0, $8, $8)",
        )
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(&user.full_name)
        .bind(user.role)
        .bind(user.tone)
        .bind(&user.timezone)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "email"))?;
        sqlx::query("INSERT INTO profiles (user_id, updated_at) VALUES ($1, $2)")
            .bind(&user.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            "user.registered",
            Some(&user.id),
            Some(&user.id),
            ip,
            serde_json::json!({ "role": user.role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// The user with this e-mail address (any case).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email.to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from).transpose()
    }

    /// Users whose e-mail or name contains `search` (case-insensitive; any when empty),
    /// of `role` when given, newest first: a page of them and how many match in all.
    pub async fn list_users(
        &self,
        search: &str,
        role: Option<Role>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<User>, i64), StoreError> {
        // LIKE's own wildcards in the search are matched literally.
        let pattern = format!(
            "%{}%",
            search
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let filter = "(LOWER(email) LIKE $1 ESCAPE '\\' OR LOWER(full_name) LIKE $1 ESCAPE '\\') \
                      AND ($2 = '' OR role = $2)";
        let role = role.map_or("", |r| r.as_str());
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {filter} \
             ORDER BY created_at DESC, id LIMIT $3 OFFSET $4"
        ))
        .bind(&pattern)
        .bind(role)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM users WHERE {filter}"))
                .bind(&pattern)
                .bind(role)
                .fetch_one(&self.pool)
                .await?;
        let users = rows.iter().map(user_from).collect::<Result<_, _>>()?;
        Ok((users, total))
    }

    /// The user with this id.
    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from).transpose()
    }

    /// The user and their profile in one query (what `GET /me` needs).
    pub async fn user_with_profile(
        &self,
        id: &str,
    ) -> Result<Option<(User, Option<Profile>)>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.password_hash, u.full_name, u.role, u.tone, u.streak, \
             u.timezone, u.tier, u.is_active, u.is_verified, u.created_at, u.updated_at, \
             p.user_id AS profile_user, p.bio, p.avatar_url, p.learning_style, p.language, \
             p.region, p.notification_preferences, p.privacy_settings, p.total_xp, p.longest_streak, \
             p.total_study_time, p.updated_at AS profile_updated_at \
             FROM users u LEFT JOIN profiles p ON p.user_id = u.id WHERE u.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = user_from(&row)?;
        let profile = match row.try_get::<Option<String>, _>("profile_user")? {
            Some(_) => Some(profile_from(&row)?),
            None => None,
        };
        Ok(Some((user, profile)))
    }

    /// Applies `patch` to the user and their profile in one transaction.
    pub async fn update_profile(
        &self,
        user_id: &str,
        patch: &ProfilePatch,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        // COALESCE keeps a column when its parameter is NULL (field not in the patch).
        sqlx::query(
            "UPDATE users SET full_name = COALESCE($1, full_name), tone = COALESCE($2, tone), \
             timezone = COALESCE($3, timezone), updated_at = $4 WHERE id = $5",
        )
        .bind(patch.full_name.clone())
        .bind(patch.tone)
        .bind(patch.timezone.clone())
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        sqlx::query(
            "UPDATE profiles SET \
             bio = CASE WHEN $1 = 1 THEN $2 ELSE bio END, \
             avatar_url = CASE WHEN $3 = 1 THEN $4 ELSE avatar_url END, \
             learning_style = COALESCE($5, learning_style), language = COALESCE($6, language), \
             notification_preferences = COALESCE($7, notification_preferences), \
             privacy_settings = COALESCE($8, privacy_settings), updated_at = $9, \
             region = CASE WHEN $11 = 1 THEN $12 ELSE region END \
             WHERE user_id = $10",
        )
        .bind(i64::from(patch.bio.is_some()))
        .bind(patch.bio.clone().flatten())
        .bind(i64::from(patch.avatar_url.is_some()))
        .bind(patch.avatar_url.clone().flatten())
        .bind(patch.learning_style.clone())
        .bind(patch.language.clone())
        .bind(json(&patch.notification_preferences))
        .bind(json(&patch.privacy_settings))
        .bind(now)
        .bind(user_id)
        .bind(i64::from(patch.region.is_some()))
        .bind(patch.region.clone().flatten())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.learner_changed(user_id).await;
        Ok(())
    }

    /// The user's region from their profile, if they gave one.
    pub async fn user_region(&self, user_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT region FROM profiles WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(r,)| r))
    }

    /// Changes a user's role, with an audit event naming who did it.
    pub async fn set_role(
        &self,
        user_id: &str,
        role: Role,
        actor: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.set_audited(user_id, UserChange::Role(role), actor)
            .await
    }

    /// Sets one administrative column of a user, with an audit event naming who did it;
    /// whether the user exists.
    pub(super) async fn set_audited(
        &self,
        user_id: &str,
        change: UserChange<'_>,
        actor: Option<&str>,
    ) -> Result<bool, StoreError> {
        // `value` is what the audit event records (a flag as `"1"` or `"0"`).
        let (name, event, value) = match change {
            UserChange::Role(role) => ("role", "user.role_changed", role.as_str()),
            UserChange::Tier(tier) => ("tier", "user.tier_changed", tier),
            UserChange::Active(true) => ("is_active", "user.enabled", "1"),
            UserChange::Active(false) => ("is_active", "user.disabled", "0"),
        };
        let mut tx = self.begin_write().await?;
        // `name` is one of the constants above, never input.
        let update = format!("UPDATE users SET {name} = $1, updated_at = $2 WHERE id = $3");
        let query = sqlx::query(&update);
        // A flag is a BIGINT, which Postgres will not take as text.
        let query = match change {
            UserChange::Active(active) => query.bind(i64::from(active)),
            _ => query.bind(value),
        };
        let changed = query
            .bind(now_ms())
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if changed {
            if !matches!(change, UserChange::Tier(_)) {
                // The token check remembers role and status (`auth::live`).
                super::epochs::bump(&mut tx, super::epochs::Domain::Sessions, user_id).await?;
            }
            audit::record(
                &mut tx,
                event,
                actor,
                Some(user_id),
                None,
                serde_json::json!({ (name): value }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Enables or disables an account, with an audit event naming who did it; whether the
    /// user exists.
    pub async fn set_active(
        &self,
        user_id: &str,
        active: bool,
        actor: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.set_audited(user_id, UserChange::Active(active), actor)
            .await
    }

    /// Deletes every row of the user (profile, sessions, refresh tokens, class memberships
    /// and invitations, course enrolments and reviews (uncounted from the catalog), the user) and strips them from the audit log, keeping one
    /// content-free `user.deleted` event. The ids of the sessions it ended, or `None` when
    /// there was no such user.
    pub async fn delete_user(&self, user_id: &str) -> Result<Option<Vec<String>>, StoreError> {
        // The deletion writes to some forty tables while the user's own requests and the
        // background workers (grading, notifications) may still be writing theirs: on
        // Postgres one of two such transactions can be chosen as a deadlock's victim.
        // Nothing of it was kept, so it is simply run again.
        let mut attempts = 0;
        loop {
            match self.delete_user_once(user_id).await {
                Err(e) if e.is_write_conflict() && attempts < 3 => {
                    attempts += 1;
                    tracing::warn!(error = %e, attempts, "account deletion ran into another write; running it again");
                }
                done => return done,
            }
        }
    }

    async fn delete_user_once(&self, user_id: &str) -> Result<Option<Vec<String>>, StoreError> {
        let mut tx = self.begin_write().await?;
        let sessions = delete_user_rows(&mut tx, user_id).await?;
        if sessions.is_some() {
            audit::forget(&mut tx, user_id).await?;
            audit::record(
                &mut tx,
                "user.deleted",
                None,
                Some(&audit::pseudonym(user_id)),
                None,
                serde_json::json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        // Enrolments and reviews it uncounted are listings' numbers, not drafts: only the
        // learner's own kept data goes.
        self.learner_changed(user_id).await;
        Ok(sessions)
    }
}

async fn delete_user_rows(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
) -> Result<Option<Vec<String>>, StoreError> {
    // Invitations are addressed to the e-mail, not the account: they go with it.
    sqlx::query(
        "DELETE FROM class_invitations WHERE email = (SELECT email FROM users WHERE id = $1)",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    // Free the places the user held in classes.
    sqlx::query(
        "UPDATE classes SET member_count = member_count - 1 \
         WHERE id IN (SELECT class_id FROM class_members WHERE user_id = $1)",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    // Their enrolments and reviews stop counting in the catalog.
    sqlx::query(
        "UPDATE course_listings SET enrollment_count = enrollment_count - 1, \
         completion_count = completion_count - (SELECT COUNT(*) FROM course_enrollments e \
         WHERE e.course_id = course_listings.course_id AND e.user_id = $1 \
         AND e.completed_at IS NOT NULL) \
         WHERE course_id IN (SELECT course_id FROM course_enrollments WHERE user_id = $1)",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE course_listings SET review_count = review_count - 1, \
         rating_total = rating_total - (SELECT r.rating FROM course_reviews r \
         WHERE r.course_id = course_listings.course_id AND r.user_id = $1) \
         WHERE course_id IN (SELECT course_id FROM course_reviews WHERE user_id = $1)",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    super::feed::forget_user(tx, user_id).await?;
    super::notifications::forget_user(tx, user_id).await?;
    // Children first: a SQLite connection without foreign keys would not cascade.
    for table in [
        "safety_events",
        "attempts",
        "attempt_rollups",
        "attempt_days",
        "xp_events",
        "achievements",
        "review_schedule",
        "topic_stats",
        "certificates",
        "mini_project_submissions",
        "lesson_progress",
        "class_members",
        "course_enrollments",
        "course_reviews",
        "refresh_tokens",
        // Events about the user (the embedded bus's copies; NATS's expire with the stream).
        "events",
        "event_outbox",
        "struggle_signals",
        "struggle_alerts",
        "chat_messages",
        "tutor_queries",
        "tutor_conversations",
        "generated_exercises",
        "generated_quizzes",
        "study_messages",
        "study_sessions",
        "course_drafts",
        "tutorial_assignments",
        "tutorial_step_events",
        "tutorial_surveys",
        "user_personas",
        // Kalei (seed 001 §8.1): raw content, its derived analytics and billing.
        "mirror_fragments",
        "mirror_messages",
        "mirror_sessions",
        "turns",
        "lens_actions",
        "lens_goals",
        "lens_affirmations",
        "spectrum_session_analysis",
        "spectrum_turn_analysis",
        "spectrum_weekly",
        "spectrum_monthly",
        "subscriptions",
        "entitlement_snapshots",
        "billing_events",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    // A draft someone else generated keeps its record of being published, not by whom.
    sqlx::query("UPDATE course_drafts SET published_by = NULL WHERE published_by = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    // Every replica must hear which sessions ended, so their ids come back (and the
    // token check's epoch moves for those that cannot hear).
    super::epochs::bump(tx, super::epochs::Domain::Sessions, user_id).await?;
    let sessions = sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1 RETURNING id")
        .bind(user_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<Vec<String>, _>>()?;
    sqlx::query("DELETE FROM profiles WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    // A teacher's classes go with them (their members and invitations first).
    for table in ["class_members", "class_invitations"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE class_id IN (SELECT id FROM classes WHERE teacher_id = $1)"
        ))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("DELETE FROM classes WHERE teacher_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok((deleted > 0).then_some(sessions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    #[tokio::test]
    async fn e_mail_addresses_are_one_account_whatever_their_case() {
        let (db, _dir) = testing::sqlite().await;
        let id = testing::user(&db, "Ada@Example.com", Role::Student).await;
        let found = db.user_by_email("ADA@example.COM").await.unwrap().unwrap();
        assert_eq!(
            (found.id.as_str(), found.email.as_str()),
            (id.as_str(), "ada@example.com")
        );
        let again = NewUser {
            email: "ada@EXAMPLE.com".into(),
            password_hash: "x".into(),
            full_name: "Another Ada".into(),
            role: Role::Teacher,
        };
        let e = db.create_user(again, None).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict("email")), "{e}");
        assert_eq!(
            db.user_by_email("nobody@example.com")
                .await
                .unwrap()
                .map(|u| u.id),
            None
        );
    }

    #[tokio::test]
    async fn a_profile_patch_changes_only_what_it_names_and_null_clears() {
        let (db, _dir) = testing::sqlite().await;
        let id = testing::user(&db, "bo@example.com", Role::Student).await;
        let set = ProfilePatch {
            tone: Some(Tone::Socratic),
            bio: Some(Some("Likes loops.".into())),
            avatar_url: Some(Some("https://example.com/bo.png".into())),
            notification_preferences: Some(serde_json::json!({ "email": false })),
            region: Some(Some("FR".into())),
            ..ProfilePatch::default()
        };
        db.update_profile(&id, &set).await.unwrap();
        let clear = ProfilePatch {
            bio: Some(None),
            language: Some("pt-BR".into()),
            ..ProfilePatch::default()
        };
        db.update_profile(&id, &clear).await.unwrap();
        let (user, profile) = db.user_with_profile(&id).await.unwrap().unwrap();
        let profile = profile.unwrap();
        // Untouched by the second patch, and what the safety gate reads.
        assert_eq!(profile.region.as_deref(), Some("FR"));
        assert_eq!(db.user_region(&id).await.unwrap().as_deref(), Some("FR"));
        assert_eq!(
            (user.tone.as_str(), user.full_name.as_str()),
            ("socratic", "Test User")
        );
        assert_eq!(profile.bio, None, "null cleared the bio");
        assert_eq!(
            profile.avatar_url.as_deref(),
            Some("https://example.com/bo.png")
        );
        assert_eq!(profile.language, "pt-BR");
        assert_eq!(
            profile.notification_preferences,
            serde_json::json!({ "email": false })
        );
    }

    #[tokio::test]
    async fn role_and_status_changes_are_audited_and_unknown_users_say_so() {
        let (db, _dir) = testing::sqlite().await;
        let admin = testing::user(&db, "admin@example.com", Role::Admin).await;
        let id = testing::user(&db, "cy@example.com", Role::Student).await;
        assert!(db.set_role(&id, Role::Teacher, Some(&admin)).await.unwrap());
        assert!(db.set_active(&id, false, Some(&admin)).await.unwrap());
        assert!(
            !db.set_role("no-such-user", Role::Admin, Some(&admin))
                .await
                .unwrap()
        );
        let user = db.user_by_id(&id).await.unwrap().unwrap();
        assert_eq!(user.role, Role::Teacher);
        assert!(!user.is_active);
        // Events within one millisecond have no order: compare them sorted.
        let mut kinds: Vec<String> = db
            .audit_events_of(&id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            ["user.disabled", "user.registered", "user.role_changed"]
        );
    }

    #[tokio::test]
    async fn a_deleted_user_leaves_no_row_naming_them_and_their_sessions_end() {
        let (db, _dir) = testing::sqlite().await;
        let id = testing::user(&db, "di@example.com", Role::Student).await;
        let session = db
            .start_session(&id, 60_000, Some("test"), None)
            .await
            .unwrap();
        assert_eq!(
            db.delete_user(&id).await.unwrap(),
            Some(vec![session.session_id])
        );
        assert_eq!(db.rows_naming(&id).await.unwrap(), 0);
        assert!(db.user_by_email("di@example.com").await.unwrap().is_none());
        // What happened stays in the log under the pseudonym, without details.
        let kept = db.audit_events_of(&audit::pseudonym(&id)).await.unwrap();
        assert!(kept.iter().any(|e| e.kind == "user.deleted"), "{kept:?}");
        assert!(
            kept.iter().all(|e| e.details == serde_json::json!({})),
            "{kept:?}"
        );
        assert_eq!(db.delete_user(&id).await.unwrap(), None, "already gone");
    }
}
