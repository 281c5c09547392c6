//! Content packs over HTTP for the console: the packs imported (`GET /admin/content/packs`)
//! and an upload (`POST /admin/content/packs`): a pack folder's text files as JSON, checked
//! and imported exactly as `tessera content import` does (all or nothing, idempotent), or
//! only checked with `dry_run`. The catalog is reloaded at once after an import.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::caller::Caller;
use super::error::{ApiError, ErrorBody};
use super::json::{BodyLimit, ValidJson};
use crate::auth::Permission;
use crate::content::ImportError;
use crate::store::content::{Imported, StoredPack};

/// Largest upload: every file of the pack together, as JSON.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// Most files in one pack.
const MAX_FILES: usize = 2000;

/// Routes under `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/content/packs", get(list).post(upload))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(BodyLimit::layer(MAX_UPLOAD_BYTES))
}

/// `POST /admin/content/packs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadBody {
    /// The pack folder's files by path relative to it (`pack.json`, `lessons/a.json`,
    /// `lessons/a/intro.md`, …), each as UTF-8 text.
    pub files: BTreeMap<String, String>,
    /// Only check the pack; store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What an upload did.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadReport {
    /// The pack's id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// `imported` (new), `updated`, `unchanged` (the same files again), or `valid` (dry run).
    pub outcome: String,
    /// Lessons in the pack.
    pub lessons: usize,
    /// Steps in the pack.
    pub steps: usize,
}

#[utoipa::path(get, path = "/api/v1/admin/content/packs", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The content packs imported", body = Vec<StoredPack>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Course authors only (teachers and administrators)", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<StoredPack>>, ApiError> {
    caller.require(Permission::CreateCourses)?;
    Ok(Json(state.db.content_packs().await?))
}

/// Whether `path` stays inside the pack folder: relative, no `..`, no empty parts.
fn inside(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[utoipa::path(post, path = "/api/v1/admin/content/packs", tag = "admin", security(("bearer" = [])),
    request_body(content = UploadBody, example = json!({"dry_run": true, "files": {"pack.json": "{\"id\": \"demo\", …}", "lessons/a.json": "{…}"}})),
    responses(
        (status = 200, description = "Checked, and imported unless `dry_run`; learners see it at once", body = UploadReport),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Course authors only (teachers and administrators); a stored pack is replaced only by its courses' author or an administrator", body = ErrorBody),
        (status = 409, description = "Ids the pack uses belong to other packs (each named); nothing stored", body = ErrorBody),
        (status = 413, description = "Over 8 MiB in all", body = ErrorBody),
        (status = 422, description = "A path outside the folder, no pack.json, over 2000 files, or the pack's problems (each with its file and field in `details.problems`); nothing stored", body = ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = ErrorBody)))]
pub(super) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<UploadBody>,
) -> Result<Json<UploadReport>, ApiError> {
    caller.require(Permission::CreateCourses)?;
    Ok(Json(
        import_files(&state, &caller, &body.files, body.dry_run, true).await?,
    ))
}

/// Checks and (unless `dry_run`) imports a pack uploaded as its files by `caller` (who
/// becomes the author of its new courses, published at once when `publish`): the upload
/// here and `POST /courses`.
pub(super) async fn import_files(
    state: &AppState,
    caller: &Caller,
    files: &BTreeMap<String, String>,
    dry_run: bool,
    publish: bool,
) -> Result<UploadReport, ApiError> {
    if files.len() > MAX_FILES {
        return Err(ApiError::Validation {
            field: "files".into(),
            issue: format!("{} files; a pack has at most {MAX_FILES}", files.len()),
        });
    }
    if let Some(bad) = files.keys().find(|p| !inside(p)) {
        return Err(ApiError::Validation {
            field: "files".into(),
            issue: format!("`{bad}` is not a path inside the pack folder"),
        });
    }
    if !files.contains_key("pack.json") {
        return Err(ApiError::Validation {
            field: "files".into(),
            issue: "no `pack.json`: upload the pack's folder itself".into(),
        });
    }
    let dir =
        tempfile::tempdir().map_err(|e| ApiError::Internal(format!("a scratch folder: {e}")))?;
    for (path, text) in files {
        let target = dir.path().join(path);
        let written = match target.parent() {
            Some(parent) => {
                std::fs::create_dir_all(parent).and_then(|()| std::fs::write(&target, text))
            }
            None => std::fs::write(&target, text),
        };
        written.map_err(|e| ApiError::Internal(format!("writing the upload: {e}")))?;
    }
    let uploader = crate::content::Uploader {
        user_id: caller.user_id(),
        replaces_any: caller.role().allows(Permission::DeleteCourses),
        publish,
    };
    let report = crate::content::import_by(&state.db, dir.path(), dry_run, Some(uploader)).await;
    let (id, version) = report.pack.clone().unwrap_or_default();
    let outcome = match report.outcome {
        Ok(_) if dry_run => "valid",
        Ok(Imported::New) => "imported",
        Ok(Imported::Updated) => "updated",
        Ok(Imported::Unchanged) => "unchanged",
        Err(ImportError::Invalid(problems)) => {
            return Err(ApiError::Unprocessable {
                code: "INVALID_PACK",
                message: format!(
                    "the pack has {} problem(s); nothing was stored",
                    problems.len()
                ),
                details: serde_json::json!({
                    "field": "files",
                    "problems": problems.iter().map(|p| serde_json::json!({
                        "file": p.file.strip_prefix(dir.path()).unwrap_or(&p.file).display().to_string(),
                        "field": p.field,
                        "message": p.message,
                    })).collect::<Vec<_>>(),
                }),
            });
        }
        Err(e @ ImportError::Clashes(_)) => {
            return Err(ApiError::Conflict {
                field: "files".into(),
                message: e.to_string(),
            });
        }
        Err(e @ ImportError::NotYours { .. }) => return Err(ApiError::Forbidden(e.to_string())),
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    if !dry_run && outcome != "unchanged" {
        state.learning.content_changed().await?;
        tracing::info!(target: "tessera::audit", actor = caller.user_id(), pack = %id, %version, outcome, "content pack uploaded");
    }
    Ok(UploadReport {
        id,
        version,
        outcome: outcome.into(),
        lessons: report.size.0,
        steps: report.size.1,
    })
}

#[cfg(test)]
mod tests {
    use super::inside;

    #[test]
    fn upload_paths_stay_inside_the_pack() {
        for ok in ["pack.json", "lessons/a.json", "lessons/a/intro.md"] {
            assert!(inside(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "lessons/../../x",
            "./pack.json",
            "a\\b",
        ] {
            assert!(!inside(bad), "{bad}");
        }
    }
}
