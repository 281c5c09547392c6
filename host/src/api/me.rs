//! `/api/v1/me`: the caller's account, profile, export and deletion
//! (docs/requirements.md#r-001-10.1, #r-001-11.2, #r-002-4.1, #r-002-12.1).

use super::error::ErrorBody;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value as Json_;

use super::AppState;
use super::caller::{Caller, throttle};
use super::error::ApiError;
use super::json::ValidJson;
use crate::auth::{Permission, Role, check_name};
use crate::store::rfc3339;
use crate::store::users::{Profile, ProfilePatch, User};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me).delete(delete_me))
        .route("/me/profile", patch(update_profile))
        .route("/me/export", get(export))
}

/// Learning styles (docs/requirements.md#r-002-4.1).
pub const LEARNING_STYLES: &[&str] = &["visual", "auditory", "reading", "kinesthetic"];
/// Longest bio, in characters.
const MAX_BIO: usize = 2_000;
/// Largest preferences document, in bytes.
const MAX_PREFS: usize = 16 * 1024;

/// The caller's account as `GET /me` shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// UUID.
    pub id: String,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub full_name: String,
    /// Role.
    pub user_type: Role,
    /// Preferred tone.
    pub tone: String,
    /// Streak in days.
    pub streak: i64,
    /// IANA time zone.
    pub timezone: String,
    /// Whether the e-mail address is verified.
    pub is_verified: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// The profile.
    pub profile: Option<Profile>,
}

fn me_of(user: User, profile: Option<Profile>) -> Me {
    Me {
        id: user.id,
        email: user.email,
        full_name: user.full_name,
        user_type: user.role,
        tone: user.tone.as_str().into(),
        streak: user.streak,
        timezone: user.timezone,
        is_verified: user.is_verified,
        created_at: rfc3339(user.created_at),
        updated_at: rfc3339(user.updated_at),
        profile,
    }
}

fn gone() -> ApiError {
    ApiError::Unauthorized("the token's account no longer exists".into())
}

/// The caller's account and profile, in one query.
async fn current(state: &AppState, caller: &Caller) -> Result<Me, ApiError> {
    let (user, profile) = state
        .db
        .user_with_profile(caller.user_id())
        .await?
        .ok_or_else(gone)?;
    Ok(me_of(user, profile))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "The caller's account and profile", body = Me), (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Me>, ApiError> {
    caller.require(Permission::ViewOwnProfile)?;
    Ok(Json(current(&state, &caller).await?))
}

/// `PATCH /api/v1/me/profile`: any subset of these; `null` clears `bio` / `avatar_url`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    full_name: Option<String>,
    tone: Option<String>,
    timezone: Option<String>,
    #[serde(default, deserialize_with = "present")]
    bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    avatar_url: Option<Option<String>>,
    learning_style: Option<String>,
    language: Option<String>,
    /// ISO 3166-1 alpha-2 region (`FR`, `us`), for crisis resources; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    region: Option<Option<String>>,
    notification_preferences: Option<Json_>,
    privacy_settings: Option<Json_>,
}

/// Tells "absent" (None) from "null" (Some(None)).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn one_of(field: &str, value: &Option<String>, allowed: &[&str]) -> Result<(), ApiError> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::invalid(
            field,
            format!("must be one of {}", allowed.join(", ")),
        )),
        _ => Ok(()),
    }
}

/// An IANA zone the tz database knows (streaks and reviews are computed in it).
fn check_timezone(tz: &str) -> bool {
    tz.len() <= 64 && tz.parse::<chrono_tz::Tz>().is_ok()
}

fn check_prefs(field: &str, value: &Option<Json_>) -> Result<(), ApiError> {
    match value {
        Some(v) if !v.is_object() => Err(ApiError::invalid(field, "must be a JSON object")),
        Some(v) if v.to_string().len() > MAX_PREFS => Err(ApiError::invalid(
            field,
            format!("must be at most {MAX_PREFS} bytes"),
        )),
        _ => Ok(()),
    }
}

impl ProfileBody {
    fn check(self) -> Result<ProfilePatch, ApiError> {
        if let Some(name) = &self.full_name {
            check_name(name).map_err(|m| ApiError::invalid("full_name", m.to_string()))?;
        }
        let tone = self
            .tone
            .as_deref()
            .map(str::parse::<crate::learning::Tone>)
            .transpose()
            .map_err(|e| ApiError::invalid("tone", format!("must be one of {}", e.choices)))?;
        one_of("learning_style", &self.learning_style, LEARNING_STYLES)?;
        if let Some(tz) = &self.timezone
            && !check_timezone(tz)
        {
            return Err(ApiError::invalid(
                "timezone",
                "must be an IANA time zone like Europe/Paris or UTC",
            ));
        }
        if let Some(lang) = &self.language
            && !(2..=12).contains(&lang.len())
                | !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ApiError::invalid(
                "language",
                "must be a language tag like en or pt-BR",
            ));
        }
        if let Some(Some(bio)) = &self.bio
            && bio.chars().count() > MAX_BIO
        {
            return Err(ApiError::invalid(
                "bio",
                format!("must be at most {MAX_BIO} characters"),
            ));
        }
        if let Some(Some(url)) = &self.avatar_url
            && (url.len() > 500 || !(url.starts_with("https://") || url.starts_with("http://")))
        {
            return Err(ApiError::invalid(
                "avatar_url",
                "must be an http(s) URL of at most 500 characters",
            ));
        }
        if let Some(Some(region)) = &self.region
            && !(region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()))
        {
            return Err(ApiError::invalid(
                "region",
                "must be a two-letter ISO 3166-1 code like US or FR",
            ));
        }
        check_prefs("notification_preferences", &self.notification_preferences)?;
        check_prefs("privacy_settings", &self.privacy_settings)?;
        Ok(ProfilePatch {
            full_name: self.full_name.map(|n| n.trim().to_owned()),
            tone,
            timezone: self.timezone,
            bio: self.bio,
            avatar_url: self.avatar_url,
            learning_style: self.learning_style,
            language: self.language,
            region: self.region.map(|r| r.map(|r| r.to_ascii_uppercase())),
            notification_preferences: self.notification_preferences,
            privacy_settings: self.privacy_settings,
        })
    }
}

#[utoipa::path(patch, path = "/api/v1/me/profile", tag = "me", security(("bearer" = [])),
    request_body(content = ProfileBody, example = json!({"tone": "socratic", "timezone": "Europe/Paris", "bio": null})),
    responses((status = 200, description = "The updated account", body = Me), (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 400, description = "Malformed JSON, a missing or unknown field, a wrong type", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule; `details.field` names it", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn update_profile(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<ProfileBody>,
) -> Result<Json<Me>, ApiError> {
    caller.require(Permission::EditOwnProfile)?;
    let patch = body.check()?;
    // Updating a deleted account changes no row; reading it back then says it is gone.
    state.db.update_profile(caller.user_id(), &patch).await?;
    Ok(Json(current(&state, &caller).await?))
}

/// Everything stored about the caller (docs/requirements.md#r-001-11.2, #r-002-12.1).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Export {
    /// When, RFC 3339.
    pub exported_at: String,
    /// The account and profile.
    pub account: Me,
    /// Sign-in sessions.
    pub sessions: Vec<Json_>,
    /// Audit events about the caller.
    pub audit_events: Vec<crate::store::audit::AuditEvent>,
    /// Learning: lesson progress, every answer, achievements, reviews, mastery evidence,
    /// project submissions, certificates.
    #[schema(value_type = Object)]
    pub learning: Json_,
    /// The classes the caller belongs to: whose teachers see their progress.
    pub classes: Vec<crate::learning::classes::Membership>,
    /// The course catalog: enrolments and reviews.
    pub courses: super::courses::CourseExport,
    /// The social feed: the items (posts, shares, activity) and comments the caller wrote,
    /// whom they follow and whether they share their activity.
    pub feed: super::feed::FeedExport,
    /// Notifications: every one, the subscriptions and the latest pushes.
    pub notifications: super::notifications::NotificationExport,
    /// The tutor: every conversation with its messages and every exercise generated for
    /// the caller.
    #[schema(value_type = Object)]
    pub tutor: Json_,
    /// Seed 002's study features: generated quizzes, study sessions with their turns,
    /// generated courses.
    #[schema(value_type = Object)]
    pub study: Json_,
    /// Seed 004: the caller's persona, experiment assignments, tutorial step pings and
    /// surveys (comments opened).
    #[schema(value_type = Object)]
    pub tutorials: Json_,
    /// Seed 001's Kalei, opened: Mirror sessions with every message, fragment and
    /// reframe; Turns; Lens goals, actions and affirmations; computed Spectrum periods;
    /// subscriptions, entitlements and store notifications.
    #[schema(value_type = Object)]
    pub kalei: Json_,
}

#[utoipa::path(get, path = "/api/v1/me/export", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "Everything stored about the caller", body = Export), (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn export(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Export>, ApiError> {
    caller.require(Permission::ViewOwnProfile)?;
    let account = current(&state, &caller).await?;
    let sessions = state.db.sessions_of(&account.id).await?;
    let audit_events = state.db.audit_events_of(&account.id).await?;
    let learning = state.learning.export(&account.id).await?;
    let classes = state.learning.my_classes(&account.id).await?;
    let courses = super::courses::export(&state, &account.id).await?;
    let feed = super::feed::export(&state, &account.id).await?;
    let notifications = super::notifications::export(&state, &account.id).await?;
    let tutor = state.tutor.export(&account.id).await?;
    let study = state.study.export(&account.id).await?;
    let tutorials = state.experiments.export(&account.id).await?;
    let member = state
        .kalei
        .member(&account.id, crate::learning::clock::Now::real())
        .await?;
    let kalei = state.kalei.export(&member).await?;
    Ok(Json(Export {
        kalei,
        tutorials,
        tutor,
        study,
        exported_at: rfc3339(crate::store::now_ms()),
        account,
        sessions,
        audit_events,
        learning,
        classes,
        courses,
        feed,
        notifications,
    }))
}

/// `DELETE /api/v1/me`: the account's password, again, so a stolen token alone cannot
/// delete an account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    /// The account's current password.
    pub password: String,
}

/// Password confirmations per account per minute (each costs an argon2 verification).
const CONFIRMATIONS_PER_MINUTE: u32 = 5;

#[utoipa::path(delete, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    request_body(content = DeleteBody, example = json!({"password": "SecurePassword123!"})),
    responses((status = 204, description = "Every row of the account is deleted; every session ends at once"),
        (status = 400, description = "No body, or no `password` (details.field = password)", body = ErrorBody),
        (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody),
        (status = 403, description = "INVALID_PASSWORD (details.field = password): nothing was deleted; or the role lacks the permission", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 429, description = "Rate limited (5 password confirmations a minute); see Retry-After", body = ErrorBody)))]
pub(super) async fn delete_me(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<ValidJson<DeleteBody>, ApiError>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::EditOwnProfile)?;
    let ValidJson(body) = body.map_err(|e| match e {
        // No JSON body at all: say what is missing, not what the content type is.
        ApiError::UnsupportedMediaType | ApiError::BadRequest { field: None, .. } => {
            ApiError::BadRequest {
                field: Some("password".into()),
                message: "password: send {\"password\": \"…\"}, the account's current password, to delete it".into(),
            }
        }
        other => other,
    })?;
    throttle(
        &state,
        &format!("confirm:user:{}", caller.user_id()),
        CONFIRMATIONS_PER_MINUTE,
    )
    .await?;
    state
        .auth
        .delete_account(caller.user_id(), &body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PATCH /me/profile`'s verdict on `body`.
    fn check(body: serde_json::Value) -> Result<ProfilePatch, ApiError> {
        serde_json::from_value::<ProfileBody>(body).unwrap().check()
    }

    /// The field a refused patch names.
    fn refused_field(body: serde_json::Value) -> String {
        match check(body) {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn an_absent_field_is_left_alone_and_null_clears_it() {
        let patch =
            check(serde_json::json!({ "bio": null, "full_name": "  Ada Lovelace " })).unwrap();
        assert_eq!(patch.bio, Some(None), "null clears");
        assert_eq!(patch.avatar_url, None, "absent stays");
        assert_eq!(patch.full_name.as_deref(), Some("Ada Lovelace"), "trimmed");
    }

    #[test]
    fn each_bad_value_is_refused_naming_its_field() {
        for (body, field) in [
            (serde_json::json!({ "full_name": "   " }), "full_name"),
            (serde_json::json!({ "tone": "sarcastic" }), "tone"),
            (
                serde_json::json!({ "learning_style": "osmosis" }),
                "learning_style",
            ),
            (
                serde_json::json!({ "timezone": "Mars/Olympus" }),
                "timezone",
            ),
            (serde_json::json!({ "language": "x" }), "language"),
            (serde_json::json!({ "language": "en_GB" }), "language"),
            (serde_json::json!({ "bio": "b".repeat(MAX_BIO + 1) }), "bio"),
            (
                serde_json::json!({ "avatar_url": "javascript:alert(1)" }),
                "avatar_url",
            ),
            (
                serde_json::json!({ "privacy_settings": [1, 2] }),
                "privacy_settings",
            ),
            (
                serde_json::json!({ "notification_preferences": { "x": "y".repeat(MAX_PREFS) } }),
                "notification_preferences",
            ),
        ] {
            assert_eq!(refused_field(body.clone()), field, "{body}");
        }
    }

    #[test]
    fn good_values_of_every_field_pass() {
        let patch = check(serde_json::json!({
            "tone": "socratic", "timezone": "Europe/Paris", "language": "pt-BR",
            "learning_style": "visual", "avatar_url": "https://example.com/a.png",
            "bio": "b".repeat(MAX_BIO), "privacy_settings": { "public": false }
        }))
        .unwrap();
        assert_eq!(patch.timezone.as_deref(), Some("Europe/Paris"));
        assert_eq!(
            patch.privacy_settings,
            Some(serde_json::json!({ "public": false }))
        );
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let e = serde_json::from_value::<ProfileBody>(serde_json::json!({ "role": "admin" }))
            .unwrap_err();
        assert!(e.to_string().contains("unknown field `role`"), "{e}");
    }
}
