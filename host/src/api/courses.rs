//! The course catalog over HTTP (seed 002 §4.2): browse and search the published courses,
//! read one with its modules, enrol and unenrol, rate and review; teachers edit the listings
//! of courses they made, admins any, and admins delist (the permission matrix's
//! `CreateCourses` and `DeleteCourses`). Courses come from content packs and from generated
//! courses a teacher publishes; `crate::store::catalog` keeps the listings.

use std::collections::BTreeMap;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::caller::{Caller, throttle};
use super::content::{MAX_UPLOAD_BYTES, UploadReport, import_files};
use super::error::{ApiError, ErrorBody};
use super::json::{BodyLimit, ValidJson};
use crate::auth::Permission;
use crate::store::catalog::{CourseFilter, CourseOrder, ListingPatch, ListingRow, ReviewRow};
use crate::store::rfc3339;
use crate::study::DIFFICULTIES;

/// Most words a search matches on.
const MAX_SEARCH_WORDS: usize = 8;

/// Routes under `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/courses",
            // A course is a content pack's files: the upload's limit, not the API's 1 MiB.
            get(list)
                .post(create)
                .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
                .layer::<_, std::convert::Infallible>(BodyLimit::layer(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/courses/{course_id}",
            get(detail).patch(edit).delete(delist),
        )
        .route("/courses/{course_id}/enroll", post(enroll).delete(unenroll))
        .route("/courses/{course_id}/progress", get(progress))
        .route("/courses/{course_id}/reviews", get(reviews))
        .route(
            "/courses/{course_id}/reviews/me",
            put(review).delete(unreview),
        )
}

/// `GET /courses` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CourseQuery {
    /// Only this category (exact).
    pub category: Option<String>,
    /// Only this difficulty: `beginner`, `intermediate` or `advanced`.
    pub difficulty: Option<String>,
    /// Only courses with this tag (any case).
    pub tag: Option<String>,
    /// Words that must all appear in the title, short description or description (any
    /// case; at most 8 words, 200 bytes). Searches count against a limit of 30 a minute
    /// (`--rate-limit-search`).
    pub search: Option<String>,
    /// `popular` (most enrolled first, the default), `rating`, `newest` or `title`.
    pub sort: Option<String>,
    /// Only the courses you are enrolled in.
    #[serde(default)]
    pub enrolled: bool,
    /// Unpublished courses too (teachers and admins).
    #[serde(default)]
    pub include_unpublished: bool,
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
    /// Courses to skip (default 0).
    pub offset: Option<i64>,
}

/// Seed 002's pagination block.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    /// This page, from 1.
    pub current_page: i64,
    /// Pages in all (0 when nothing matches).
    pub total_pages: i64,
    /// Items in all.
    pub total_items: i64,
    /// Whether a page follows.
    pub has_next: bool,
}

impl Pagination {
    /// The block for a page of `limit` items from `offset` of `total`.
    pub fn of(limit: i64, offset: i64, total: i64) -> Self {
        Self {
            current_page: offset / limit + 1,
            total_pages: (total + limit - 1) / limit,
            total_items: total,
            has_next: offset.saturating_add(limit) < total,
        }
    }
}

/// A course in the catalog (seed 002 §4.2's fields).
#[derive(Debug, Serialize, ToSchema)]
pub struct Course {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// A line for cards.
    pub short_description: Option<String>,
    /// `beginner`, `intermediate` or `advanced`.
    pub difficulty: String,
    /// Minutes to finish (its lessons' estimates).
    pub estimated_duration: i64,
    /// Category.
    pub category: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Learning objectives.
    pub learning_objectives: Vec<String>,
    /// What to know first.
    pub prerequisites: Vec<String>,
    /// Thumbnail image.
    pub thumbnail_url: Option<String>,
    /// Preview video.
    pub preview_video_url: Option<String>,
    /// Who made it (a user id; null for a pack imported from the command line).
    pub created_by: Option<String>,
    /// Whether learners see it.
    pub is_published: bool,
    /// Whether a model generated it.
    pub is_ai_generated: bool,
    /// The generation's model, time and tokens, when generated.
    #[schema(value_type = Option<Object>)]
    pub ai_generation_metadata: Option<serde_json::Value>,
    /// Learners enrolled.
    pub enrollment_count: i64,
    /// Learners who finished it.
    pub completion_count: i64,
    /// Mean rating, 1-5 (0 without reviews).
    pub average_rating: f64,
    /// Reviews.
    pub total_reviews: i64,
    /// Listed, RFC 3339.
    pub created_at: String,
    /// Last changed, RFC 3339.
    pub updated_at: String,
}

fn course(l: ListingRow) -> Course {
    let average_rating = (l.average_rating() * 100.0).round() / 100.0;
    Course {
        ai_generation_metadata: l
            .ai_generation_metadata
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok()),
        id: l.course_id,
        title: l.title,
        description: l.description,
        short_description: l.short_description,
        difficulty: l.difficulty,
        estimated_duration: l.estimated_minutes,
        category: l.category,
        tags: l.tags,
        learning_objectives: l.objectives,
        prerequisites: l.prerequisites,
        thumbnail_url: l.thumbnail_url,
        preview_video_url: l.preview_video_url,
        created_by: l.created_by,
        is_published: l.is_published,
        is_ai_generated: l.is_ai_generated,
        enrollment_count: l.enrollment_count,
        completion_count: l.completion_count,
        average_rating,
        total_reviews: l.review_count,
        created_at: rfc3339(l.created_at),
        updated_at: rfc3339(l.updated_at),
    }
}

/// A page of the catalog.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoursePage {
    /// The courses.
    pub courses: Vec<Course>,
    /// Where this page is.
    pub pagination: Pagination,
}

/// A module of a course.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogModule {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Its place, from 0.
    pub order_index: usize,
    /// Minutes (its lessons' estimates).
    pub estimated_duration: i64,
    /// Its lessons, in order.
    pub lessons: Vec<CatalogLesson>,
}

/// A lesson of a module.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogLesson {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Minutes, when estimated.
    pub estimated_minutes: Option<i64>,
}

/// `GET /courses/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseDetail {
    /// The listing.
    #[serde(flatten)]
    pub course: Course,
    /// Its modules and lessons.
    pub modules: Vec<CatalogModule>,
    /// Whether you are enrolled.
    pub enrolled: bool,
}

/// An enrolment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrollment {
    /// The course.
    pub course_id: String,
    /// Whether this request enrolled you (false: you were already).
    pub newly_enrolled: bool,
    /// Learners enrolled now.
    pub enrollment_count: i64,
}

/// Body of `PUT /courses/{id}/reviews/me`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// 1 to 5.
    pub rating: i64,
    /// What you thought, up to 2 000 characters (may be empty).
    #[serde(default)]
    pub body: String,
}

/// A review.
#[derive(Debug, Serialize, ToSchema)]
pub struct Review {
    /// The course.
    pub course_id: String,
    /// Its author.
    pub user_id: String,
    /// The author's name.
    pub author_name: String,
    /// 1 to 5.
    pub rating: i64,
    /// Text.
    pub body: String,
    /// Written, RFC 3339.
    pub created_at: String,
    /// Last edited, RFC 3339.
    pub updated_at: String,
}

fn review_view(r: ReviewRow) -> Review {
    Review {
        course_id: r.course_id,
        user_id: r.user_id,
        author_name: r.author_name,
        rating: r.rating,
        body: r.body,
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
    }
}

/// A page of reviews.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPage {
    /// The reviews, most recently edited first.
    pub reviews: Vec<Review>,
    /// Mean rating, 1-5 (0 without reviews).
    pub average_rating: f64,
    /// Where this page is.
    pub pagination: Pagination,
}

/// `?limit&offset` of a page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    pub offset: Option<i64>,
}

/// Body of `PATCH /courses/{id}`: the fields to change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseChange {
    /// Title, 1-255 characters.
    pub title: Option<String>,
    /// Description, up to 5 000 characters.
    pub description: Option<String>,
    /// A line for cards, up to 500 characters (null clears it).
    #[serde(default, deserialize_with = "some")]
    pub short_description: Option<Option<String>>,
    /// `beginner`, `intermediate` or `advanced`.
    pub difficulty: Option<String>,
    /// Category, 1-100 characters.
    pub category: Option<String>,
    /// Tags (at most 20, each 1-50 characters).
    pub tags: Option<Vec<String>>,
    /// Learning objectives (at most 30, each up to 300 characters).
    pub learning_objectives: Option<Vec<String>>,
    /// Prerequisites (at most 30, each up to 300 characters).
    pub prerequisites: Option<Vec<String>>,
    /// Thumbnail, an `http(s)` URL up to 500 characters (null clears it).
    #[serde(default, deserialize_with = "some")]
    pub thumbnail_url: Option<Option<String>>,
    /// Preview video, an `http(s)` URL up to 500 characters (null clears it).
    #[serde(default, deserialize_with = "some")]
    pub preview_video_url: Option<Option<String>>,
    /// Whether learners see it.
    pub is_published: Option<bool>,
}

/// Body of `POST /courses`: a content pack's folder as its files (docs/content.md), as the
/// console uploads one. Its courses are listed with you as their author.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    /// The pack folder's files by path relative to it (`pack.json`, `lessons/a.json`,
    /// `lessons/a/intro.md`, …), each as UTF-8 text. `pack.json`'s courses carry the
    /// catalog's fields (difficulty, category, tags, objectives, media).
    pub files: BTreeMap<String, String>,
    /// Publish its new courses at once (default: listed as drafts only you and
    /// administrators see until `PATCH /courses/{id}` publishes them).
    #[serde(default)]
    pub is_published: bool,
}

/// What `POST /courses` made.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedCourses {
    /// The pack's import.
    pub pack: UploadReport,
    /// The listings of its courses.
    pub courses: Vec<Course>,
}

/// A present field, null or not (absent stays `None` through `#[serde(default)]`).
fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn no_such_course(course_id: &str) -> ApiError {
    ApiError::not_found_at("course_id", format!("no course `{course_id}`"))
}

/// The page bounds of `limit` (1-100, default 20) and `offset` (default 0), each checked:
/// every paged list of the API.
pub(super) fn page_bounds(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64), ApiError> {
    let limit = limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 100"));
    }
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid("offset", "must not be negative"));
    }
    Ok((limit, offset))
}

fn check_difficulty(field: &str, value: &str) -> Result<(), ApiError> {
    if DIFFICULTIES.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("`{value}` is not one of {}", DIFFICULTIES.join(", ")),
        ))
    }
}

/// Whether `caller` sees unpublished listings and may edit this one.
fn may_edit(caller: &Caller, listing: &ListingRow) -> bool {
    caller.role().allows(Permission::DeleteCourses)
        || (caller.role().allows(Permission::CreateCourses)
            && listing.created_by.as_deref() == Some(caller.user_id()))
}

/// A listing `caller` may see: published, or theirs to edit.
async fn visible(
    state: &AppState,
    caller: &Caller,
    course_id: &str,
) -> Result<ListingRow, ApiError> {
    match state.db.course_listing(course_id).await? {
        Some(l) if l.is_published || may_edit(caller, &l) => Ok(l),
        _ => Err(no_such_course(course_id)),
    }
}

#[utoipa::path(get, path = "/api/v1/courses", operation_id = "list_courses", tag = "courses", security(("bearer" = [])),
    params(CourseQuery),
    responses(
        (status = 200, description = "A page of the catalog", body = CoursePage),
        (status = 400, description = "An unknown parameter or one of the wrong type", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "`include_unpublished` without the right to create courses", body = ErrorBody),
        (status = 422, description = "A difficulty or sort that does not exist, a search over 200 bytes or 8 words, limit outside 1-100, a negative offset", body = ErrorBody),
        (status = 429, description = "Over the search limit (30 a minute unless configured), or the general rate limit; see Retry-After", body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<CourseQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CoursePage>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    if let Some(d) = &q.difficulty {
        check_difficulty("difficulty", d)?;
    }
    let order = match q.sort.as_deref().unwrap_or("popular") {
        "popular" => CourseOrder::Popular,
        "rating" => CourseOrder::Rating,
        "newest" => CourseOrder::Newest,
        "title" => CourseOrder::Title,
        other => {
            return Err(ApiError::invalid(
                "sort",
                format!("`{other}` is not one of popular, rating, newest, title"),
            ));
        }
    };
    if q.include_unpublished {
        caller.require(Permission::CreateCourses)?;
    }
    let mut words = Vec::new();
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if search.len() > 200 {
            return Err(ApiError::invalid("search", "at most 200 bytes"));
        }
        words = search
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>();
        if words.len() > MAX_SEARCH_WORDS {
            return Err(ApiError::invalid("search", "at most 8 words"));
        }
        throttle(
            &state,
            &format!("search:user:{}", caller.user_id()),
            state.rate_limits.search,
        )
        .await?;
    }
    let filter = CourseFilter {
        category: q.category,
        difficulty: q.difficulty,
        tag: q.tag,
        words,
        include_unpublished: q.include_unpublished,
        enrolled: q.enrolled.then(|| caller.user_id().to_owned()),
    };
    let (rows, total) = state.db.list_courses(&filter, order, limit, offset).await?;
    Ok(Json(CoursePage {
        courses: rows.into_iter().map(course).collect(),
        pagination: Pagination::of(limit, offset, total),
    }))
}

#[utoipa::path(get, path = "/api/v1/courses/{course_id}", operation_id = "course_detail", tag = "courses", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A course")),
    responses(
        (status = 200, description = "The course with its modules and lessons, and whether you are enrolled", body = CourseDetail),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such course, or an unpublished one that is not yours", body = ErrorBody)))]
pub(super) async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<String>,
) -> Result<Json<CourseDetail>, ApiError> {
    let listing = visible(&state, &caller, &course_id).await?;
    let catalog = state.learning.catalog().await?;
    let mut modules: Vec<CatalogModule> = Vec::new();
    for lesson in catalog.course_lessons(&course_id) {
        if modules.last().is_none_or(|m| m.id != lesson.module.id) {
            modules.push(CatalogModule {
                id: lesson.module.id.clone(),
                title: lesson.module.title.clone(),
                order_index: modules.len(),
                estimated_duration: 0,
                lessons: Vec::new(),
            });
        }
        if let Some(module) = modules.last_mut() {
            module.estimated_duration += lesson.row.estimated_minutes.unwrap_or(0);
            module.lessons.push(CatalogLesson {
                id: lesson.row.id.clone(),
                title: lesson.row.title.clone(),
                estimated_minutes: lesson.row.estimated_minutes,
            });
        }
    }
    let enrolled = state
        .db
        .enrollments_of(caller.user_id())
        .await?
        .iter()
        .any(|(id, _, _)| *id == course_id);
    Ok(Json(CourseDetail {
        course: course(listing),
        modules,
        enrolled,
    }))
}

/// Checks a list of short texts.
fn check_list(field: &str, list: &[String], most: usize, longest: usize) -> Result<(), ApiError> {
    if list.len() > most {
        return Err(ApiError::invalid(field, format!("at most {most} items")));
    }
    for (i, item) in list.iter().enumerate() {
        let chars = item.trim().chars().count();
        if chars == 0 || chars > longest {
            return Err(ApiError::invalid(
                &format!("{field}[{i}]"),
                format!("must be 1-{longest} characters"),
            ));
        }
    }
    Ok(())
}

fn check_text(field: &str, value: &str, least: usize, most: usize) -> Result<(), ApiError> {
    let chars = value.trim().chars().count();
    if chars < least || chars > most {
        return Err(ApiError::invalid(
            field,
            format!("must be {least}-{most} characters"),
        ));
    }
    Ok(())
}

fn check_url(field: &str, value: Option<&String>) -> Result<(), ApiError> {
    let Some(value) = value else { return Ok(()) };
    if crate::content::pack::is_web_url(value) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            "must be an http(s) URL of at most 500 characters",
        ))
    }
}

/// The change as the store takes it, every field checked.
fn patch_of(change: CourseChange) -> Result<ListingPatch, ApiError> {
    if let Some(v) = &change.title {
        check_text("title", v, 1, 255)?;
    }
    if let Some(v) = &change.description {
        check_text("description", v, 0, 5000)?;
    }
    if let Some(Some(v)) = &change.short_description {
        check_text("short_description", v, 0, 500)?;
    }
    if let Some(v) = &change.difficulty {
        check_difficulty("difficulty", v)?;
    }
    if let Some(v) = &change.category {
        check_text("category", v, 1, 100)?;
    }
    if let Some(v) = &change.tags {
        check_list("tags", v, 20, 50)?;
    }
    if let Some(v) = &change.learning_objectives {
        check_list("learning_objectives", v, 30, 300)?;
    }
    if let Some(v) = &change.prerequisites {
        check_list("prerequisites", v, 30, 300)?;
    }
    check_url(
        "thumbnail_url",
        change.thumbnail_url.as_ref().and_then(Option::as_ref),
    )?;
    check_url(
        "preview_video_url",
        change.preview_video_url.as_ref().and_then(Option::as_ref),
    )?;
    let trimmed = |l: Vec<String>| l.into_iter().map(|s| s.trim().to_owned()).collect();
    let patch = ListingPatch {
        title: change.title.map(|s| s.trim().to_owned()),
        description: change.description.map(|s| s.trim().to_owned()),
        short_description: change.short_description,
        difficulty: change.difficulty,
        category: change.category.map(|s| s.trim().to_owned()),
        tags: change.tags.map(trimmed),
        objectives: change.learning_objectives.map(trimmed),
        prerequisites: change.prerequisites.map(trimmed),
        thumbnail_url: change.thumbnail_url,
        preview_video_url: change.preview_video_url,
        is_published: change.is_published,
    };
    let empty = patch.title.is_none()
        && patch.description.is_none()
        && patch.short_description.is_none()
        && patch.difficulty.is_none()
        && patch.category.is_none()
        && patch.tags.is_none()
        && patch.objectives.is_none()
        && patch.prerequisites.is_none()
        && patch.thumbnail_url.is_none()
        && patch.preview_video_url.is_none()
        && patch.is_published.is_none();
    if empty {
        return Err(ApiError::invalid("body", "names no field to change"));
    }
    Ok(patch)
}

#[utoipa::path(post, path = "/api/v1/courses", operation_id = "create_course", tag = "courses", security(("bearer" = [])),
    request_body(content = NewCourse, example = json!({"is_published": false, "files": {"pack.json": "{\"id\": \"my-course\", …}", "lessons/a.json": "{…}"}})),
    responses(
        (status = 201, description = "The pack is imported and its courses listed with you as their author", body = CreatedCourses),
        (status = 200, description = "A pack of yours again: its content and listings updated (publication and counts kept), or unchanged", body = CreatedCourses),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Teachers and administrators only (`CreateCourses`); a stored pack is replaced only by its courses' author or an administrator", body = ErrorBody),
        (status = 409, description = "Ids the pack uses belong to other packs (each named); nothing stored", body = ErrorBody),
        (status = 413, description = "Over 8 MiB in all", body = ErrorBody),
        (status = 422, description = "A path outside the folder, no pack.json, or the pack's problems (each with its file and field in `details.problems`); nothing stored", body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<NewCourse>,
) -> Result<(StatusCode, Json<CreatedCourses>), ApiError> {
    caller.require(Permission::CreateCourses)?;
    let pack = import_files(&state, &caller, &body.files, false, body.is_published).await?;
    let courses = state
        .db
        .listings_of_pack(&pack.id)
        .await?
        .into_iter()
        .map(course)
        .collect();
    let status = if pack.outcome == "imported" {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(CreatedCourses { pack, courses })))
}

#[utoipa::path(patch, path = "/api/v1/courses/{course_id}", operation_id = "edit_course", tag = "courses", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A course")),
    request_body(content = CourseChange, example = json!({"difficulty": "intermediate", "tags": ["python", "loops"], "is_published": true})),
    responses(
        (status = 200, description = "The listing after the change (a later import of its content pack writes the pack's own fields again)", body = Course),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Teachers edit the courses they made; admins any", body = ErrorBody),
        (status = 404, description = "No such course", body = ErrorBody),
        (status = 422, description = "A field out of bounds (named in `details.field`), or nothing to change", body = ErrorBody)))]
pub(super) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<String>,
    ValidJson(change): ValidJson<CourseChange>,
) -> Result<Json<Course>, ApiError> {
    caller.require(Permission::CreateCourses)?;
    let listing = visible(&state, &caller, &course_id).await?;
    if !may_edit(&caller, &listing) {
        return Err(ApiError::Forbidden(format!(
            "course `{course_id}` is not yours to edit: teachers edit the courses they made"
        )));
    }
    let patch = patch_of(change)?;
    let updated = state
        .db
        .update_listing(&course_id, &patch)
        .await?
        .ok_or_else(|| no_such_course(&course_id))?;
    Ok(Json(course(updated)))
}

#[utoipa::path(delete, path = "/api/v1/courses/{course_id}", operation_id = "delist_course", tag = "courses", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A course")),
    responses(
        (status = 204, description = "Delisted with its enrolments and reviews; its lessons stay, so no learner's work loses its step"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Admins only (`DeleteCourses`)", body = ErrorBody),
        (status = 404, description = "No such course", body = ErrorBody)))]
pub(super) async fn delist(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::DeleteCourses)?;
    if state.db.delete_listing(&course_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_such_course(&course_id))
    }
}

/// `GET /courses/{id}/progress` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// Another learner (teachers: members of their classes; admins: anyone).
    pub user_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/courses/{course_id}/progress", operation_id = "course_progress", tag = "courses", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A course"), ProgressQuery),
    responses(
        (status = 200, description = "Seed 002 §4.3's progress in the course", body = crate::learning::progress::CourseProgressRecord),
        (status = 400, description = "An unknown parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not yourself, not a learner in your class, not an admin", body = ErrorBody),
        (status = 404, description = "No such course (or learner)", body = ErrorBody)))]
pub(super) async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Path(course_id): Path<String>,
    query: Result<Query<ProgressQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<crate::learning::progress::CourseProgressRecord>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest {
        field: Some("user_id".into()),
        message: e.body_text(),
    })?;
    visible(&state, &caller, &course_id).await?;
    let user_id = q.user_id.unwrap_or_else(|| caller.user_id().to_owned());
    super::learning::check_view(&state, &caller, &user_id).await?;
    let now = super::learning::now(&state, &headers)?;
    Ok(Json(
        state
            .learning
            .course_progress(&user_id, &course_id, now)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/courses/{course_id}/enroll", operation_id = "enroll", tag = "courses", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A published course")),
    responses(
        (status = 200, description = "Enrolled (again: nothing changes); the daily lesson now draws from your enrolled courses", body = Enrollment),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such published course", body = ErrorBody)))]
pub(super) async fn enroll(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<String>,
) -> Result<Json<Enrollment>, ApiError> {
    match state.db.course_listing(&course_id).await? {
        Some(l) if l.is_published => {}
        _ => return Err(no_such_course(&course_id)),
    }
    let newly_enrolled = state.db.enroll(caller.user_id(), &course_id).await?;
    let listing = state
        .db
        .course_listing(&course_id)
        .await?
        .ok_or_else(|| no_such_course(&course_id))?;
    Ok(Json(Enrollment {
        course_id,
        newly_enrolled,
        enrollment_count: listing.enrollment_count,
    }))
}

#[utoipa::path(delete, path = "/api/v1/courses/{course_id}/enroll", operation_id = "unenroll", tag = "courses", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A course you are enrolled in")),
    responses(
        (status = 204, description = "Unenrolled (your answers and progress stay)"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "You are not enrolled in it", body = ErrorBody)))]
pub(super) async fn unenroll(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.db.unenroll(caller.user_id(), &course_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found_at(
            "course_id",
            format!("you are not enrolled in `{course_id}`"),
        ))
    }
}

#[utoipa::path(get, path = "/api/v1/courses/{course_id}/reviews", operation_id = "course_reviews", tag = "courses", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A course"), PageQuery),
    responses(
        (status = 200, description = "Its reviews, most recently edited first", body = ReviewPage),
        (status = 400, description = "An unknown parameter or one of the wrong type", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such course", body = ErrorBody),
        (status = 422, description = "limit outside 1-100 or a negative offset", body = ErrorBody)))]
pub(super) async fn reviews(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<String>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ReviewPage>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let listing = visible(&state, &caller, &course_id).await?;
    let (rows, total) = state.db.reviews(&course_id, limit, offset).await?;
    Ok(Json(ReviewPage {
        reviews: rows.into_iter().map(review_view).collect(),
        average_rating: (listing.average_rating() * 100.0).round() / 100.0,
        pagination: Pagination::of(limit, offset, total),
    }))
}

#[utoipa::path(put, path = "/api/v1/courses/{course_id}/reviews/me", operation_id = "write_review", tag = "courses", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A course you are enrolled in")),
    request_body(content = ReviewBody, example = json!({"rating": 5, "body": "Clear and friendly."})),
    responses(
        (status = 200, description = "Your review (one per course: writing again replaces it)", body = Review),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only learners enrolled in the course review it", body = ErrorBody),
        (status = 404, description = "No such course", body = ErrorBody),
        (status = 422, description = "rating outside 1-5 or a body over 2 000 characters; or a review the safety screen found a crisis in (`code` SAFETY_BLOCKED, with support resources for the author; nothing published)", body = ErrorBody)))]
pub(super) async fn review(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Path(course_id): Path<String>,
    ValidJson(body): ValidJson<ReviewBody>,
) -> Result<Json<Review>, ApiError> {
    if !(1..=5).contains(&body.rating) {
        return Err(ApiError::invalid("rating", "must be 1 to 5"));
    }
    check_text("body", &body.body, 0, 2000)?;
    visible(&state, &caller, &course_id).await?;
    let enrolled = state
        .db
        .enrollments_of(caller.user_id())
        .await?
        .iter()
        .any(|(id, _, _)| *id == course_id);
    if !enrolled {
        return Err(ApiError::Forbidden(format!(
            "enrol in `{course_id}` to review it"
        )));
    }
    let text = body.body.trim();
    if !text.is_empty() {
        // Others read it: a crisis is answered with support for the author and nothing is
        // stored. Only a crisis stops it: a disappointed review ("not for me") reads like a
        // concern to the gate, and publishing it harms nobody.
        let origin = crate::ai::Origin {
            user_id: Some(caller.user_id()),
            surface: "course-review",
            plugin: None,
            region: super::client_region(&headers),
        };
        match state.ai.screen_for_crisis(&[text], origin).await {
            Ok(()) | Err(crate::ai::AiError::NoSafetyFilter) => {}
            Err(e) => return Err(e.into()),
        }
    }
    state
        .db
        .write_review(caller.user_id(), &course_id, body.rating, text)
        .await?;
    let (rows, _) = state.db.reviews(&course_id, 100, 0).await?;
    rows.into_iter()
        .find(|r| r.user_id == caller.user_id())
        .map(|r| Json(review_view(r)))
        .ok_or_else(|| ApiError::Internal("the review just written is not there".into()))
}

#[utoipa::path(delete, path = "/api/v1/courses/{course_id}/reviews/me", operation_id = "delete_review", tag = "courses", security(("bearer" = [])),
    params(("course_id" = String, Path, description = "A course you reviewed")),
    responses(
        (status = 204, description = "Your review is gone; the rating no longer counts it"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "You have not reviewed it", body = ErrorBody)))]
pub(super) async fn unreview(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.db.delete_review(caller.user_id(), &course_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found_at(
            "course_id",
            format!("you have not reviewed `{course_id}`"),
        ))
    }
}

/// A learner's side of the catalog, for their export.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseExport {
    /// The courses they are enrolled in.
    pub enrollments: Vec<EnrollmentRecord>,
    /// The reviews they wrote.
    pub reviews: Vec<Review>,
}

/// An enrolment as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentRecord {
    /// The course.
    pub course_id: String,
    /// Enrolled, RFC 3339.
    pub enrolled_at: String,
    /// Finished, RFC 3339, once finished.
    pub completed_at: Option<String>,
}

/// Everything the catalog holds about `user_id`.
pub(super) async fn export(state: &AppState, user_id: &str) -> Result<CourseExport, ApiError> {
    let enrollments = state
        .db
        .enrollments_of(user_id)
        .await?
        .into_iter()
        .map(|(course_id, enrolled_at, completed_at)| EnrollmentRecord {
            course_id,
            enrolled_at: rfc3339(enrolled_at),
            completed_at: completed_at.map(rfc3339),
        })
        .collect();
    let reviews = state
        .db
        .reviews_by(user_id)
        .await?
        .into_iter()
        .map(review_view)
        .collect();
    Ok(CourseExport {
        enrollments,
        reviews,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_follows_seed_002() {
        let p = Pagination::of(20, 40, 287);
        assert_eq!(
            (p.current_page, p.total_pages, p.total_items, p.has_next),
            (3, 15, 287, true)
        );
        let last = Pagination::of(20, 280, 287);
        assert!(!last.has_next);
        let none = Pagination::of(20, 0, 0);
        assert_eq!(
            (none.current_page, none.total_pages, none.has_next),
            (1, 0, false)
        );
    }

    #[test]
    fn a_change_names_the_field_at_fault() {
        let bad = |change: CourseChange| match patch_of(change) {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            bad(CourseChange {
                difficulty: Some("expert".into()),
                ..Default::default()
            }),
            "difficulty"
        );
        assert_eq!(
            bad(CourseChange {
                tags: Some(vec!["ok".into(), " ".into()]),
                ..Default::default()
            }),
            "tags[1]"
        );
        assert_eq!(
            bad(CourseChange {
                thumbnail_url: Some(Some("javascript:alert(1)".into())),
                ..Default::default()
            }),
            "thumbnail_url"
        );
        assert_eq!(bad(CourseChange::default()), "body");
    }
}
