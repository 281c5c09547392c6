//! `GET /api/v1/plugins` (list), `POST /api/v1/plugins/reload` (rescan the plugin folders
//! and swap changed plugins in atomically), and the plugin registry: `POST /api/v1/plugins`
//! (publish a version), `GET /api/v1/plugins/{id}/versions`, and the rollout changes
//! `…/canary`, `…/promote`, `…/rollback` (`crate::plugins::published`).
//!
//! Operator endpoints: the caller needs the `SystemConfig` permission (super_admin).

use super::error::ErrorBody;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use super::json::ValidJson;
use crate::auth::Permission;
use crate::plugins::published::{self, PublishError};
use crate::plugins::registry::ReloadReport;
use crate::runtime::cache::CacheOutcome;
use crate::store::plugin_registry::RolloutRow;

/// Largest upload body: the largest component and room for the manifest.
pub const MAX_UPLOAD_BYTES: usize = published::MAX_COMPONENT_BYTES + (1 << 20);

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/plugins", get(list))
        .route("/plugins/reload", post(reload))
        .route("/plugins/{plugin_id}/versions", get(versions))
        .route(
            "/plugins/{plugin_id}/versions/{version}",
            axum::routing::delete(delete_version),
        )
        .route("/plugins/{plugin_id}/canary", post(canary))
        .route("/plugins/{plugin_id}/promote", post(promote))
        .route("/plugins/{plugin_id}/rollback", post(rollback))
        .merge(
            Router::new()
                .route("/plugins", post(publish))
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
}

#[utoipa::path(get, path = "/api/v1/plugins", operation_id = "list_plugins", tag = "operators", security(("bearer" = [])),
    responses((status = 200, description = "Loaded plugins (each with its calls, errors and mean call time since start-up, `source`: `folder` or `published`, and its `canary` {version, percent} or null) and load failures", body = Object), (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    let snapshot = state.registry.snapshot();
    let metrics = state.registry.runtime().metrics();
    Ok(Json(json!({
        "plugins": snapshot.plugins.values().map(|p| json!({
            "id": p.manifest.id,
            "version": p.manifest.version,
            "contract": p.manifest.contract,
            "world": p.manifest.world,
            "description": p.manifest.description,
            "kinds": p.manifest.routing.kinds,
            "languages": p.manifest.routing.languages,
            "limits": p.manifest.limits,
            "imports": p.imports,
            "compiled_from_cache": p.cache == CacheOutcome::Hit,
            "calls": metrics.plugin_calls(&p.manifest.id),
            "source": if p.manifest_path.starts_with("published:") { "published" } else { "folder" },
            "canary": snapshot.canaries.get(&p.manifest.id).map(|c| json!({
                "version": c.plugin.manifest.version,
                "percent": c.percent,
            })),
        })).collect::<Vec<_>>(),
        "failed": snapshot.failures,
    })))
}

#[utoipa::path(post, path = "/api/v1/plugins/reload", tag = "operators", security(("bearer" = [])),
    responses((status = 200, description = "What the reload added, updated, kept, removed and failed (plugin ids; each failure with its manifest, plugin and reason)", body = ReloadReport), (status = 401, description = "Missing, expired or invalid bearer token", body = ErrorBody), (status = 403, description = "The role lacks the permission", body = ErrorBody), (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn reload(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ReloadReport>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    Ok(Json(state.registry.reload().await))
}

impl From<PublishError> for ApiError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::Invalid { field, message } => ApiError::Validation {
                field,
                issue: message,
            },
            PublishError::Load(e) => ApiError::Unprocessable {
                code: "PLUGIN_INVALID",
                message: format!("the plugin does not load: {e}"),
                details: json!({ "field": "component", "issue": e.to_string() }),
            },
            PublishError::Conformance(report) => ApiError::Unprocessable {
                code: "CONFORMANCE_FAILED",
                message: PublishError::Conformance(report.clone()).to_string(),
                details: json!({
                    "field": "component",
                    "failures": report.failures().collect::<Vec<_>>(),
                }),
            },
            e @ PublishError::Exists { .. } => ApiError::Conflict {
                field: "manifest.version".into(),
                message: e.to_string(),
            },
            PublishError::NotFound(message) => ApiError::Refused {
                status: StatusCode::NOT_FOUND,
                code: "NOT_FOUND",
                message,
                field: Some("plugin_id"),
            },
            PublishError::Conflict(message) => ApiError::Conflict {
                field: "plugin_id".into(),
                message,
            },
            PublishError::Store(e) => e.into(),
        }
    }
}

/// A plugin's rollout.
#[derive(Debug, Serialize, ToSchema)]
pub struct RolloutView {
    /// The version serving every call not sent to the canary; null: the plugin folder's.
    pub stable_version: Option<String>,
    /// The stable version before the last promotion (null: the plugin folder's): what a
    /// rollback without a canary returns to.
    pub previous_version: Option<String>,
    /// The canary version, if any.
    pub canary_version: Option<String>,
    /// Percent of users (0-100) the canary serves, sticky per user.
    pub canary_percent: i64,
    /// Who changed the rollout last (user id).
    pub updated_by: Option<String>,
    /// When (RFC 3339).
    pub updated_at: String,
}

impl From<RolloutRow> for RolloutView {
    fn from(r: RolloutRow) -> Self {
        RolloutView {
            stable_version: r.stable_version,
            previous_version: r.previous_version,
            canary_version: r.canary_version,
            canary_percent: r.canary_percent,
            updated_by: r.updated_by,
            updated_at: rfc3339(r.updated_at),
        }
    }
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A published version.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedVersion {
    /// The plugin.
    pub plugin_id: String,
    /// The version.
    pub version: String,
    /// Its world.
    pub world: String,
    /// SHA-256 of the component, hex.
    pub sha256: String,
    /// The plugin's rollout after the upload.
    pub rollout: RolloutView,
}

/// `?canary_percent=` of an upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PublishQuery {
    /// Over a plugin already serving: the share of users (0-100) the new version serves
    /// at once as the canary (default 0: stored, serving nobody until a canary share is
    /// set or it is promoted). A plugin not serving yet goes live at once.
    pub canary_percent: Option<u8>,
}

#[utoipa::path(post, path = "/api/v1/plugins", operation_id = "publish_plugin", tag = "operators", security(("bearer" = [])),
    params(PublishQuery),
    request_body(description = "Either `multipart/form-data` with parts `manifest` (the plugin.toml text) and `component` (the .wasm), or `application/gzip`: a plugin folder as .tar.gz (plugin.toml at its top or in its one top folder, and the component it names). At most 65 MiB.", content_type = "application/gzip", content = Vec<u8>),
    responses(
        (status = 201, description = "Checked (manifest, grants within the operator's policy, compiled, linked, smoke-called), stored and rolled out: live at once for a new plugin, else the canary at `canary_percent`", body = PublishedVersion),
        (status = 400, description = "canary_percent is not a number 0-255, or an unknown query parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Super admins only", body = ErrorBody),
        (status = 409, description = "This plugin version is already published (versions are immutable)", body = ErrorBody),
        (status = 413, description = "Over 65 MiB", body = ErrorBody),
        (status = 415, description = "Neither multipart/form-data nor application/gzip", body = ErrorBody),
        (status = 422, description = "A bad manifest, archive or part (`details.field` names it: `manifest`, `manifest.world`, `manifest.grants.outbound_hosts`, `component`, `archive`, `canary_percent`), a component that does not load (`PLUGIN_INVALID`: not a component, wrong world, ungranted import, failing smoke call), or one failing its world's conformance kit (`CONFORMANCE_FAILED`, `details.failures`: each case with what was expected and what came back)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PublishQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Result<(StatusCode, Json<PublishedVersion>), ApiError> {
    caller.require(Permission::SystemConfig)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest {
        field: Some("canary_percent".into()),
        message: e.body_text(),
    })?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (manifest, component) = if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| ApiError::BadRequest {
                field: None,
                message: e.body_text(),
            })?;
        parts(multipart).await?
    } else if [
        "application/gzip",
        "application/x-gzip",
        "application/x-tar+gzip",
    ]
    .iter()
    .any(|t| content_type.starts_with(t))
    {
        let body = axum::body::to_bytes(request.into_body(), MAX_UPLOAD_BYTES)
            .await
            .map_err(|_| ApiError::PayloadTooLarge(MAX_UPLOAD_BYTES))?;
        published::unpack_folder(&body)?
    } else {
        return Err(ApiError::Refused {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "UNSUPPORTED_MEDIA_TYPE",
            message: "send multipart/form-data (parts `manifest` and `component`) or application/gzip (the plugin folder as .tar.gz)".into(),
            field: None,
        });
    };
    let done = state
        .publisher
        .publish(
            &manifest,
            &component,
            query.canary_percent.unwrap_or(0),
            Some(caller.user_id()),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PublishedVersion {
            plugin_id: done.manifest.id,
            version: done.manifest.version,
            world: done.manifest.world.to_string(),
            sha256: done.sha256,
            rollout: done.rollout.into(),
        }),
    ))
}

/// The `manifest` and `component` parts of a multipart upload.
async fn parts(mut multipart: Multipart) -> Result<(String, Vec<u8>), ApiError> {
    let bad = |field: &str, message: String| ApiError::Validation {
        field: field.into(),
        issue: message,
    };
    let (mut manifest, mut component) = (None, None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest {
            field: None,
            message: e.body_text(),
        })?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|e| ApiError::BadRequest {
            field: Some(name.clone()),
            message: e.body_text(),
        })?;
        match name.as_str() {
            "manifest" => {
                manifest = Some(
                    String::from_utf8(bytes.to_vec())
                        .map_err(|_| bad("manifest", "is not UTF-8 text".into()))?,
                );
            }
            "component" => component = Some(bytes.to_vec()),
            other => {
                return Err(bad(
                    other,
                    "unknown part; send `manifest` and `component`".into(),
                ));
            }
        }
    }
    Ok((
        manifest.ok_or_else(|| bad("manifest", "the part is missing".into()))?,
        component.ok_or_else(|| bad("component", "the part is missing".into()))?,
    ))
}

/// One version, as the console lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    /// The version.
    pub version: String,
    /// `published` (stored in the registry) or `folder` (the plugin folder's).
    pub source: String,
    /// `stable`, `canary`, `previous` (what a rollback returns to), `stored` (published,
    /// serving nobody) or `replaced` (the plugin folder's, under published versions).
    pub role: String,
    /// SHA-256 of the component (published versions).
    pub sha256: Option<String>,
    /// The component's size in bytes (published versions).
    pub size_bytes: Option<i64>,
    /// Who uploaded it (published versions).
    pub uploaded_by: Option<String>,
    /// When (RFC 3339; published versions).
    pub uploaded_at: Option<String>,
    /// Its calls on this replica since start-up.
    pub calls: crate::metrics::PluginCalls,
}

/// A plugin's versions and rollout.
#[derive(Debug, Serialize, ToSchema)]
pub struct PluginVersions {
    /// The plugin.
    pub plugin_id: String,
    /// The rollout; null when nothing was ever published for it.
    pub rollout: Option<RolloutView>,
    /// Its versions: the plugin folder's (if any) and every published one, newest first.
    pub versions: Vec<VersionView>,
}

#[utoipa::path(get, path = "/api/v1/plugins/{plugin_id}/versions", tag = "operators", security(("bearer" = [])),
    params(("plugin_id" = String, Path, description = "The plugin")),
    responses(
        (status = 200, description = "The plugin's versions (with their calls and errors on this replica) and its rollout", body = PluginVersions),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Super admins only", body = ErrorBody),
        (status = 404, description = "No such plugin (neither loaded nor published)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(plugin_id): Path<String>,
) -> Result<Json<PluginVersions>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    let snapshot = state.registry.snapshot();
    let metrics = state.registry.runtime().metrics();
    let rollout = state
        .db
        .plugin_rollouts()
        .await?
        .into_iter()
        .find(|r| r.plugin_id == plugin_id);
    let stored = state.db.plugin_versions(&plugin_id).await?;
    if !snapshot.plugins.contains_key(&plugin_id) && stored.is_empty() {
        return Err(PublishError::NotFound(format!("no plugin `{plugin_id}`")).into());
    }
    let r = rollout.as_ref();
    let role_of = |version: &str| {
        if r.and_then(|r| r.canary_version.as_deref()) == Some(version) {
            "canary"
        } else if r.and_then(|r| r.stable_version.as_deref()) == Some(version) {
            "stable"
        } else if r.and_then(|r| r.previous_version.as_deref()) == Some(version) {
            "previous"
        } else {
            "stored"
        }
    };
    let mut versions: Vec<VersionView> = stored
        .into_iter()
        .map(|v| VersionView {
            role: role_of(&v.version).into(),
            calls: metrics.plugin_version_calls(&plugin_id, &v.version),
            source: "published".into(),
            sha256: Some(v.sha256),
            size_bytes: Some(v.size_bytes),
            uploaded_by: v.uploaded_by,
            uploaded_at: Some(rfc3339(v.uploaded_at)),
            version: v.version,
        })
        .collect();
    // The plugin folder's version: stable while no published version is; what a
    // rollback returns to when the promotion it undoes replaced it.
    if let Some(version) = snapshot.folder_versions.get(&plugin_id) {
        let role = match r {
            None
            | Some(RolloutRow {
                stable_version: None,
                ..
            }) => "stable",
            Some(RolloutRow {
                previous_version: None,
                ..
            }) => "previous",
            Some(_) => "replaced",
        };
        versions.push(VersionView {
            role: role.into(),
            calls: metrics.plugin_version_calls(&plugin_id, version),
            version: version.clone(),
            source: "folder".into(),
            sha256: None,
            size_bytes: None,
            uploaded_by: None,
            uploaded_at: None,
        });
    }
    Ok(Json(PluginVersions {
        plugin_id,
        rollout: rollout.map(Into::into),
        versions,
    }))
}

#[utoipa::path(delete, path = "/api/v1/plugins/{plugin_id}/versions/{version}", tag = "operators", security(("bearer" = [])),
    params(("plugin_id" = String, Path, description = "The plugin"),
           ("version" = String, Path, description = "A stored version the rollout no longer names")),
    responses(
        (status = 204, description = "The version's manifest and component are deleted (audited); serving is unchanged"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Super admins only", body = ErrorBody),
        (status = 404, description = "No such stored version", body = ErrorBody),
        (status = 409, description = "The version is the stable, previous or canary one", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn delete_version(
    State(state): State<AppState>,
    caller: Caller,
    Path((plugin_id, version)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::SystemConfig)?;
    state
        .publisher
        .delete_version(&plugin_id, &version, Some(caller.user_id()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST …/canary`: which stored version serves which share.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CanaryBody {
    /// A published version of the plugin.
    pub version: String,
    /// Percent of users (0-100) it serves; 0 stops it serving without forgetting it.
    pub percent: u8,
}

#[utoipa::path(post, path = "/api/v1/plugins/{plugin_id}/canary", tag = "operators", security(("bearer" = [])),
    params(("plugin_id" = String, Path, description = "The plugin")),
    request_body(content = CanaryBody, example = json!({"version": "0.2.0", "percent": 10})),
    responses(
        (status = 200, description = "The rollout after the change (audited; every replica serves it within seconds)", body = RolloutView),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Super admins only", body = ErrorBody),
        (status = 404, description = "No such stored version", body = ErrorBody),
        (status = 409, description = "The version is the stable one already", body = ErrorBody),
        (status = 422, description = "percent over 100", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn canary(
    State(state): State<AppState>,
    caller: Caller,
    Path(plugin_id): Path<String>,
    ValidJson(body): ValidJson<CanaryBody>,
) -> Result<Json<RolloutView>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    let row = state
        .publisher
        .set_canary(
            &plugin_id,
            &body.version,
            body.percent,
            Some(caller.user_id()),
        )
        .await?;
    Ok(Json(row.into()))
}

#[utoipa::path(post, path = "/api/v1/plugins/{plugin_id}/promote", tag = "operators", security(("bearer" = [])),
    params(("plugin_id" = String, Path, description = "The plugin")),
    responses(
        (status = 200, description = "The canary is the stable version now (audited; the one it replaced is kept for a rollback)", body = RolloutView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Super admins only", body = ErrorBody),
        (status = 404, description = "Nothing published for the plugin", body = ErrorBody),
        (status = 409, description = "No canary to promote", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn promote(
    State(state): State<AppState>,
    caller: Caller,
    Path(plugin_id): Path<String>,
) -> Result<Json<RolloutView>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    let row = state
        .publisher
        .promote(&plugin_id, Some(caller.user_id()))
        .await?;
    Ok(Json(row.into()))
}

#[utoipa::path(post, path = "/api/v1/plugins/{plugin_id}/rollback", tag = "operators", security(("bearer" = [])),
    params(("plugin_id" = String, Path, description = "The plugin")),
    responses(
        (status = 200, description = "The canary is dropped, or without one the stable version is the one the last promotion replaced (audited)", body = RolloutView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Super admins only", body = ErrorBody),
        (status = 404, description = "Nothing published for the plugin", body = ErrorBody),
        (status = 409, description = "No canary and no earlier version to return to", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn rollback(
    State(state): State<AppState>,
    caller: Caller,
    Path(plugin_id): Path<String>,
) -> Result<Json<RolloutView>, ApiError> {
    caller.require(Permission::SystemConfig)?;
    let row = state
        .publisher
        .rollback(&plugin_id, Some(caller.user_id()), false)
        .await?;
    Ok(Json(row.into()))
}
