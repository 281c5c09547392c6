//! Billing over HTTP (seed 001 §10.6): the stores' webhooks (no bearer token: each store
//! proves itself, Apple by its certificate chain, Google by its signed push token) and the
//! member's entitlements.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::member;
use crate::api::AppState;
use crate::api::caller::Caller;
use crate::api::error::{ApiError, ErrorBody};
use crate::kalei::billing::{Entitlements, WebhookAnswer};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/billing/entitlements", get(entitlements))
        .route("/billing/webhooks/apple", post(apple))
        .route("/billing/webhooks/google", post(google))
}

#[utoipa::path(get, path = "/api/v1/billing/entitlements", tag = "kalei", security(("bearer" = [])),
    responses(
        (status = 200, description = "Your plan, its limits, today's use (your local day) and the subscriptions behind it", body = Entitlements),
        (status = 401, description = "Missing, expired or revoked token", body = ErrorBody)))]
pub(in crate::api) async fn entitlements(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Json<Entitlements>, ApiError> {
    let member = member(&state, &caller, &headers).await?;
    Ok(Json(state.kalei.entitlements(&member).await?))
}

#[utoipa::path(post, path = "/api/v1/billing/webhooks/apple", tag = "kalei",
    request_body(content = String, description = "App Store Server Notifications V2: `{\"signedPayload\": \"<JWS>\"}`", content_type = "application/json"),
    responses(
        (status = 200, description = "Verified and applied once (`duplicate` when seen before, `test` for Apple's test notification)", body = WebhookAnswer),
        (status = 400, description = "Not a notification (details.field names what is missing)", body = ErrorBody),
        (status = 401, description = "The signature or certificate chain does not verify: nothing stored", body = ErrorBody),
        (status = 422, description = "WRONG_APP: authentic, but for another bundle id or environment", body = ErrorBody),
        (status = 503, description = "The App Store webhook is not configured (--apple-bundle-id)", body = ErrorBody)))]
pub(in crate::api) async fn apple(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<WebhookAnswer>, ApiError> {
    Ok(Json(state.kalei.apple_webhook(&body).await?))
}

#[utoipa::path(post, path = "/api/v1/billing/webhooks/google", tag = "kalei",
    request_body(content = String, description = "A Cloud Pub/Sub push of a Google Play real-time developer notification, with `Authorization: Bearer <Google-signed OIDC token>`", content_type = "application/json"),
    responses(
        (status = 200, description = "Verified, the purchase's state read from the Play Developer API, applied once", body = WebhookAnswer),
        (status = 400, description = "Not a Pub/Sub push of a developer notification (details.field names it)", body = ErrorBody),
        (status = 401, description = "The push token does not verify (signature, issuer, audience, expiry, service account): nothing stored", body = ErrorBody),
        (status = 422, description = "WRONG_APP: authentic, but for another package; or the purchase token is unknown to Google", body = ErrorBody),
        (status = 502, description = "The Play Developer API answered an error (Pub/Sub retries the push)", body = ErrorBody),
        (status = 503, description = "The Google Play webhook is not configured (--google-package-name), or Google is unreachable", body = ErrorBody)))]
pub(in crate::api) async fn google(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAnswer>, ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    Ok(Json(
        state.kalei.google_webhook(authorization, &body).await?,
    ))
}
