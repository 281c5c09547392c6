//! Notifications over HTTP (docs/notifications.md): a user's in-app notifications (list,
//! mark read), their preferences (quiet hours, kinds turned off), their push subscriptions
//! (a browser's Web Push subscription with the server's VAPID key, a phone's APNs or FCM
//! token) and the pushes sent to them; an administrator runs the sweep and the sender at
//! once; a mobile push gateway (a service token) drains the APNs/FCM outbox.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::caller::Caller;
use super::courses::Pagination;
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::auth::Permission;
use crate::notify::reminders::SweepReport;
use crate::notify::{NewSubscription, NotifyError, Preferences, SendReport};
use crate::store::notifications::{DeliveryRow, NotificationRow, SubscriptionRow};
use crate::store::rfc3339;

/// Routes under `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{notification_id}/read", post(read))
        .route(
            "/notifications/preferences",
            get(preferences).put(set_preferences),
        )
        .route("/notifications/web-push-key", get(web_push_key))
        .route(
            "/notifications/subscriptions",
            get(subscriptions).post(subscribe),
        )
        .route(
            "/notifications/subscriptions/{subscription_id}",
            axum::routing::delete(unsubscribe),
        )
        .route("/notifications/deliveries", get(deliveries))
        .route("/admin/notifications/run", post(run))
        .route("/admin/notifications/deliveries", get(all_deliveries))
}

/// Routes at the root: the mobile push gateway's outbox (service tokens).
pub(super) fn internal_routes() -> Router<AppState> {
    Router::new()
        .route("/_internal/push-outbox/claim", post(claim))
        .route("/_internal/push-outbox/{delivery_id}/result", post(result))
}

impl From<NotifyError> for ApiError {
    fn from(e: NotifyError) -> Self {
        match e {
            NotifyError::Invalid { field, message } => ApiError::Validation {
                field: field.into(),
                issue: message,
            },
            NotifyError::Vapid(m) => ApiError::Internal(m),
            NotifyError::Store(e) => e.into(),
        }
    }
}

/// `GET /notifications` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only those not read yet.
    #[serde(default)]
    pub unread_only: bool,
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
    /// Notifications to skip (default 0).
    pub offset: Option<i64>,
}

/// An in-app notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    /// Id.
    pub id: String,
    /// `streak_at_risk`, `reviews_due`, `struggle_alert`, `project_graded` or
    /// `spectrum_updated`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// What to open (an alert, a step, a Spectrum period).
    #[schema(value_type = Object)]
    pub data: Value,
    /// When, RFC 3339.
    pub created_at: String,
    /// When you read it.
    pub read_at: Option<String>,
}

/// A page of notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    /// Newest first.
    pub notifications: Vec<Notification>,
    /// Not read yet, in all.
    pub unread_count: i64,
    /// Seed 002's pagination.
    pub pagination: Pagination,
}

/// How many were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// Notifications that changed.
    pub marked: u64,
}

/// The server's VAPID public key.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebPushKey {
    /// Uncompressed P-256 point, base64url: `applicationServerKey` for
    /// `pushManager.subscribe`.
    pub public_key: String,
}

/// A browser's subscription keys (`PushSubscription.toJSON().keys`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionKeys {
    /// The browser's P-256 public key, base64url.
    pub p256dh: String,
    /// Its 16-byte auth secret, base64url.
    pub auth: String,
}

/// `POST /notifications/subscriptions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscriptionBody {
    /// `web_push` (a browser), `apns` (an iPhone) or `fcm` (an Android phone).
    pub channel: String,
    /// Web Push: the push service URL (`PushSubscription.endpoint`).
    pub endpoint: Option<String>,
    /// Web Push: the browser's keys.
    pub keys: Option<SubscriptionKeys>,
    /// APNs or FCM: the device's token.
    pub token: Option<String>,
    /// Ignored (browsers send it in `PushSubscription.toJSON()`).
    #[serde(default, rename = "expirationTime")]
    pub expiration_time: Option<Value>,
}

/// A push subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    /// Id.
    pub id: String,
    /// `web_push`, `apns` or `fcm`.
    pub channel: String,
    /// The push service URL or the device token.
    pub endpoint: String,
    /// When, RFC 3339.
    pub created_at: String,
}

/// One push of a notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// Id.
    pub id: String,
    /// The notification.
    pub notification_id: String,
    /// The subscription.
    pub subscription_id: String,
    /// `web_push`, `apns` or `fcm`.
    pub channel: String,
    /// `pending` (waiting: quiet hours, a retry, a gateway), `sending`, `sent`, `failed`
    /// or `gone` (the subscription no longer exists).
    pub status: String,
    /// Tries so far.
    pub attempts: i64,
    /// Not sent before, RFC 3339.
    pub not_before: String,
    /// The last failure.
    pub last_error: Option<String>,
    /// When sent, RFC 3339.
    pub sent_at: Option<String>,
}

/// What `POST /admin/notifications/run` did.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationRun {
    /// The reminder sweep.
    pub sweep: SweepReport,
    /// The Web Push sender.
    pub sent: SendReport,
}

/// `POST /_internal/push-outbox/claim`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    /// `apns` or `fcm`.
    pub channel: String,
    /// At most this many, 1-500 (default 100).
    pub limit: Option<i64>,
}

/// A push for the gateway to send, leased to it for 60 s.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxItem {
    /// The delivery (report its result with it).
    pub id: String,
    /// `apns` or `fcm`.
    pub channel: String,
    /// Tries so far, this one included.
    pub attempts: i64,
    /// `{device_token, headers, body}` in the service's format (docs/notifications.md).
    #[schema(value_type = Object)]
    pub request: Value,
}

/// `POST /_internal/push-outbox/{id}/result`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    /// `sent`, `gone` (the service says the token is dead: the subscription is removed),
    /// `failed` (refused for good) or `retry` (try again later, with backoff).
    pub outcome: String,
    /// What the service said.
    pub error: Option<String>,
}

fn notification_view(n: NotificationRow) -> Notification {
    Notification {
        id: n.id,
        kind: n.kind,
        title: n.title,
        body: n.body,
        data: serde_json::from_str(&n.data).unwrap_or(Value::Null),
        created_at: rfc3339(n.created_at),
        read_at: n.read_at.map(rfc3339),
    }
}

fn subscription_view(s: SubscriptionRow) -> Subscription {
    Subscription {
        id: s.id,
        channel: s.channel,
        endpoint: s.endpoint,
        created_at: rfc3339(s.created_at),
    }
}

fn delivery_view(d: DeliveryRow) -> Delivery {
    Delivery {
        id: d.id,
        notification_id: d.notification_id,
        subscription_id: d.subscription_id,
        channel: d.channel,
        status: d.status,
        attempts: d.attempts,
        not_before: rfc3339(d.not_before),
        last_error: d.last_error,
        sent_at: d.sent_at.map(rfc3339),
    }
}

#[utoipa::path(get, path = "/api/v1/notifications", operation_id = "notifications", tag = "notifications", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Your notifications, newest first, and how many are unread", body = NotificationPage),
        (status = 400, description = "An unknown parameter or one of the wrong type", body = ErrorBody),
        (status = 422, description = "limit outside 1-100, a negative offset", body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<NotificationPage>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let (limit, offset) = super::courses::page_bounds(q.limit, q.offset)?;
    let (rows, total, unread) = state
        .db
        .notifications(caller.user_id(), q.unread_only, limit, offset)
        .await?;
    Ok(Json(NotificationPage {
        notifications: rows.into_iter().map(notification_view).collect(),
        unread_count: unread,
        pagination: Pagination::of(limit, offset, total),
    }))
}

#[utoipa::path(post, path = "/api/v1/notifications/{notification_id}/read", operation_id = "read_notification", tag = "notifications", security(("bearer" = [])),
    params(("notification_id" = String, Path, description = "One of your notifications")),
    responses(
        (status = 200, description = "Read (again: nothing changes)", body = Marked),
        (status = 404, description = "Not one of yours", body = ErrorBody)))]
pub(super) async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Marked>, ApiError> {
    if !state.db.has_notification(caller.user_id(), &id).await? {
        return Err(ApiError::not_found_at(
            "notification_id",
            format!("no notification `{id}`"),
        ));
    }
    Ok(Json(Marked {
        marked: state.db.mark_read(caller.user_id(), Some(&id)).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/notifications/read-all", operation_id = "read_all_notifications", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Every notification of yours is read", body = Marked)))]
pub(super) async fn read_all(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Marked>, ApiError> {
    Ok(Json(Marked {
        marked: state.db.mark_read(caller.user_id(), None).await?,
    }))
}

/// The caller's preferences document.
async fn document(state: &AppState, caller: &Caller) -> Result<Value, ApiError> {
    Ok(state
        .db
        .user_with_profile(caller.user_id())
        .await?
        .and_then(|(_, p)| p)
        .map(|p| p.notification_preferences)
        .unwrap_or_else(|| serde_json::json!({})))
}

#[utoipa::path(get, path = "/api/v1/notifications/preferences", operation_id = "notification_preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Quiet hours and the kinds you turned off", body = Preferences)))]
pub(super) async fn preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Preferences>, ApiError> {
    Ok(Json(Preferences::of(&document(&state, &caller).await?)))
}

#[utoipa::path(put, path = "/api/v1/notifications/preferences", operation_id = "set_notification_preferences", tag = "notifications", security(("bearer" = [])),
    request_body(content = Preferences, example = json!({"quiet_hours": {"start": "22:00", "end": "07:00"}, "disabled_kinds": ["reviews_due"]})),
    responses(
        (status = 200, description = "Saved in your profile's notification_preferences (other keys there kept)", body = Preferences),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 422, description = "A time that is not HH:MM, equal start and end, an unknown kind (`details.field` names it)", body = ErrorBody)))]
pub(super) async fn set_preferences(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(prefs): ValidJson<Preferences>,
) -> Result<Json<Preferences>, ApiError> {
    prefs
        .check()
        .map_err(|(field, issue)| ApiError::invalid(field, issue))?;
    let mut doc = document(&state, &caller).await?;
    if !doc.is_object() {
        doc = serde_json::json!({});
    }
    doc["quiet_hours"] = serde_json::to_value(&prefs.quiet_hours).unwrap_or(Value::Null);
    doc["disabled_kinds"] = serde_json::to_value(&prefs.disabled_kinds).unwrap_or(Value::Null);
    state
        .db
        .update_profile(
            caller.user_id(),
            &crate::store::users::ProfilePatch {
                notification_preferences: Some(doc),
                ..Default::default()
            },
        )
        .await?;
    Ok(Json(prefs))
}

#[utoipa::path(get, path = "/api/v1/notifications/web-push-key", operation_id = "web_push_key", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "The server's VAPID public key, for `pushManager.subscribe`", body = WebPushKey)))]
pub(super) async fn web_push_key(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<WebPushKey>, ApiError> {
    Ok(Json(WebPushKey {
        public_key: state.notifier.vapid().await?.public_key.clone(),
    }))
}

#[utoipa::path(get, path = "/api/v1/notifications/subscriptions", operation_id = "push_subscriptions", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Your browsers and phones that receive pushes", body = Vec<Subscription>)))]
pub(super) async fn subscriptions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Subscription>>, ApiError> {
    Ok(Json(
        state
            .db
            .subscriptions(caller.user_id())
            .await?
            .into_iter()
            .map(subscription_view)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/notifications/subscriptions", operation_id = "push_subscribe", tag = "notifications", security(("bearer" = [])),
    request_body(content = NewSubscriptionBody, example = json!({"channel": "web_push", "endpoint": "https://fcm.googleapis.com/fcm/send/…", "keys": {"p256dh": "BN…", "auth": "tB…"}})),
    responses(
        (status = 201, description = "Subscribed (the same endpoint again renews its keys)", body = Subscription),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 422, description = "An unknown channel, a missing or bad endpoint, keys or token (`details.field` names it)", body = ErrorBody)))]
pub(super) async fn subscribe(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<NewSubscriptionBody>,
) -> Result<(StatusCode, Json<Subscription>), ApiError> {
    let new = match body.channel.as_str() {
        "web_push" => {
            let endpoint = body
                .endpoint
                .ok_or_else(|| ApiError::invalid("endpoint", "required for web_push"))?;
            let keys = body
                .keys
                .ok_or_else(|| ApiError::invalid("keys", "required for web_push"))?;
            NewSubscription::WebPush {
                endpoint,
                p256dh: keys.p256dh,
                auth: keys.auth,
            }
        }
        "apns" | "fcm" => {
            let token = body
                .token
                .ok_or_else(|| ApiError::invalid("token", "required for apns and fcm"))?;
            if body.channel == "apns" {
                NewSubscription::Apns(token)
            } else {
                NewSubscription::Fcm(token)
            }
        }
        other => {
            return Err(ApiError::invalid(
                "channel",
                format!("`{other}` is not one of web_push, apns, fcm"),
            ));
        }
    };
    let row = state.notifier.subscribe(caller.user_id(), new).await?;
    Ok((StatusCode::CREATED, Json(subscription_view(row))))
}

#[utoipa::path(delete, path = "/api/v1/notifications/subscriptions/{subscription_id}", operation_id = "push_unsubscribe", tag = "notifications", security(("bearer" = [])),
    params(("subscription_id" = String, Path, description = "One of your subscriptions")),
    responses(
        (status = 204, description = "Removed; its pushes waiting are dropped"),
        (status = 404, description = "Not one of yours", body = ErrorBody)))]
pub(super) async fn unsubscribe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state
        .db
        .remove_subscription(Some(caller.user_id()), &id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found_at(
            "subscription_id",
            format!("no subscription `{id}`"),
        ))
    }
}

#[utoipa::path(get, path = "/api/v1/notifications/deliveries", operation_id = "push_deliveries", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "The latest 50 pushes to your subscriptions, newest first, with how each went", body = Vec<Delivery>)))]
pub(super) async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    Ok(Json(
        state
            .db
            .deliveries(Some(caller.user_id()), 50)
            .await?
            .into_iter()
            .map(delivery_view)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/notifications/run", operation_id = "run_notifications", tag = "notifications", security(("bearer" = [])),
    responses(
        (status = 200, description = "The reminder sweep and the Web Push sender, run now (at `X-Tessera-Now` under --learning-test-clock)", body = NotificationRun),
        (status = 403, description = "Super admins only (`SystemConfig`)", body = ErrorBody)))]
pub(super) async fn run(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<NotificationRun>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    let now = super::learning::now(&state, &headers)?.0;
    let sweep = crate::notify::reminders::sweep(&state.notifier, &state.db, now).await?;
    let sent = state.notifier.send_due(now).await?;
    Ok(Json(NotificationRun { sweep, sent }))
}

/// `GET /admin/notifications/deliveries` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// At most this many, 1-1000 (default 100).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/admin/notifications/deliveries", operation_id = "all_push_deliveries", tag = "notifications", security(("bearer" = [])),
    params(DeliveriesQuery),
    responses(
        (status = 200, description = "Every user's latest pushes, newest first, with how each went", body = Vec<Delivery>),
        (status = 400, description = "An unknown parameter", body = ErrorBody),
        (status = 403, description = "Administrators only (`ViewAllUsers`)", body = ErrorBody),
        (status = 422, description = "limit outside 1-1000", body = ErrorBody)))]
pub(super) async fn all_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<DeliveriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    caller.require(Permission::ViewAllUsers)?;
    let Query(q) = query.map_err(|e| ApiError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    Ok(Json(
        state
            .db
            .deliveries(None, limit)
            .await?
            .into_iter()
            .map(delivery_view)
            .collect(),
    ))
}

/// The caller's notifications, for `GET /me/export`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationExport {
    /// Every notification, newest first.
    pub notifications: Vec<Notification>,
    /// Their subscriptions (the browsers' keys left out).
    pub subscriptions: Vec<Subscription>,
    /// The latest 1000 pushes.
    pub deliveries: Vec<Delivery>,
}

/// What the notification service holds of `user_id`.
pub(super) async fn export(
    state: &AppState,
    user_id: &str,
) -> Result<NotificationExport, ApiError> {
    let (rows, _, _) = state.db.notifications(user_id, false, i64::MAX, 0).await?;
    Ok(NotificationExport {
        notifications: rows.into_iter().map(notification_view).collect(),
        subscriptions: state
            .db
            .subscriptions(user_id)
            .await?
            .into_iter()
            .map(subscription_view)
            .collect(),
        deliveries: state
            .db
            .deliveries(Some(user_id), 1000)
            .await?
            .into_iter()
            .map(delivery_view)
            .collect(),
    })
}

#[utoipa::path(post, path = "/_internal/push-outbox/claim", operation_id = "claim_push_outbox", tag = "internal", security(("bearer" = [])),
    request_body(content = ClaimBody, example = json!({"channel": "apns", "limit": 100})),
    responses(
        (status = 200, description = "Pushes due (at `X-Tessera-Now` under --learning-test-clock), leased to you for 60 s (unreported ones come back after)", body = Vec<OutboxItem>),
        (status = 403, description = "Not a service token", body = ErrorBody),
        (status = 422, description = "An unknown channel or a limit outside 1-500", body = ErrorBody)))]
pub(super) async fn claim(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ValidJson(body): ValidJson<ClaimBody>,
) -> Result<Json<Vec<OutboxItem>>, ApiError> {
    caller.require(Permission::Internal)?;
    if !matches!(body.channel.as_str(), "apns" | "fcm") {
        return Err(ApiError::invalid("channel", "must be `apns` or `fcm`"));
    }
    let limit = body.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 500"));
    }
    let claimed = state
        .db
        .claim_deliveries(
            &body.channel,
            super::learning::now(&state, &headers)?.0,
            crate::notify::LEASE_MS,
            limit,
        )
        .await?;
    Ok(Json(
        claimed
            .into_iter()
            .map(|d| OutboxItem {
                request: serde_json::from_str(&d.payload).unwrap_or(Value::Null),
                id: d.id,
                channel: d.channel,
                attempts: d.attempts,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/_internal/push-outbox/{delivery_id}/result", operation_id = "push_outbox_result", tag = "internal", security(("bearer" = [])),
    params(("delivery_id" = String, Path, description = "A delivery you claimed")),
    request_body(content = ResultBody, example = json!({"outcome": "sent"})),
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, description = "Not a service token", body = ErrorBody),
        (status = 409, description = "Not claimed (its lease ran out and it went back to the queue)", body = ErrorBody),
        (status = 422, description = "An unknown outcome", body = ErrorBody)))]
pub(super) async fn result(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ValidJson(body): ValidJson<ResultBody>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::Internal)?;
    use crate::notify::webpush::PushOutcome;
    let error = body.error.unwrap_or_default();
    let outcome = match body.outcome.as_str() {
        "sent" => PushOutcome::Sent,
        "gone" => PushOutcome::Gone,
        "failed" => PushOutcome::Refused(error),
        "retry" => PushOutcome::Retry(error),
        other => {
            return Err(ApiError::invalid(
                "outcome",
                format!("`{other}` is not one of sent, gone, failed, retry"),
            ));
        }
    };
    let claimed = state
        .db
        .delivery(&id)
        .await?
        .filter(|d| d.status == "sending")
        .ok_or_else(|| ApiError::Conflict {
            field: "delivery_id".into(),
            message: format!("delivery `{id}` is not claimed"),
        })?;
    state
        .notifier
        .record(&claimed, outcome, crate::store::now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
