//! The social feed over HTTP (seed 002 §3.5; docs/feed.md): the personalised feed, posts,
//! likes, bookmarks, comments and shares, follow and unfollow, each learner's choice of
//! whether their activity appears, and the moderation queue (reports, hide or keep) for
//! administrators. What users write is screened by the safety gate first: a crisis is
//! answered with support for its author and nothing is published.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::caller::{Caller, throttle};
use super::courses::Pagination;
use super::error::{ApiError, ErrorBody};
use super::json::ValidJson;
use crate::auth::Permission;
use crate::feed::rank::{self, Factors};
use crate::store::feed::{Candidate, CommentRow, FeedItemRow, ReportRow};
use crate::store::{now_ms, rfc3339};

/// Posts, comments and shares a user may write per minute.
pub const WRITES_PER_MINUTE: u32 = 10;
/// Longest post or comment, characters.
const MAX_TEXT: usize = 2_000;
/// Longest post title, characters.
const MAX_TITLE: usize = 200;

/// Routes under `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/feeds/personalized", get(personalized))
        .route("/feeds/posts", post(create_post))
        .route("/feeds/items/{item_id}", get(item).delete(delete_item))
        // The static routes below (`share`, `comments`, `report`) win over this one.
        .route(
            "/feeds/items/{item_id}/{reaction}",
            post(react_to).delete(unreact_to),
        )
        .route("/feeds/items/{item_id}/share", post(share))
        .route(
            "/feeds/items/{item_id}/comments",
            get(comments).post(comment),
        )
        .route("/feeds/items/{item_id}/report", post(report_item))
        .route("/feeds/comments/{comment_id}/report", post(report_comment))
        .route("/feeds/bookmarks", get(bookmarks))
        .route("/feeds/settings", get(settings).put(set_settings))
        .route("/users/{user_id}/follow", post(follow).delete(unfollow))
        .route("/users/{user_id}/followers", get(followers))
        .route("/users/{user_id}/following", get(following))
        .route("/admin/feeds/reports", get(reports))
        .route("/admin/feeds/moderation", post(moderate))
}

/// `?limit&offset` of the feed's lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Page size, 1-100 (default 20).
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    pub offset: Option<i64>,
}

/// An item's author.
#[derive(Debug, Serialize, ToSchema)]
pub struct Author {
    /// User id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Avatar URL, when they set one.
    pub avatar: Option<String>,
}

/// What an item says.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemContent {
    /// A line.
    pub title: String,
    /// The text.
    pub description: String,
    /// The course it is about.
    pub course_id: Option<String>,
    /// The badge earned with it.
    pub achievement_badge: Option<String>,
    /// A share's original item.
    pub shared_item_id: Option<String>,
    /// Tags (a course's, a post's `#hashtags`).
    pub tags: Vec<String>,
}

/// An item's engagement.
#[derive(Debug, Serialize, ToSchema)]
pub struct Engagement {
    /// Likes.
    pub likes: i64,
    /// Comments.
    pub comments: i64,
    /// Shares.
    pub shares: i64,
    /// Bookmarks.
    pub bookmarks: i64,
}

/// What the viewer did with an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewerState {
    /// They liked it.
    pub liked: bool,
    /// They bookmarked it.
    pub bookmarked: bool,
}

/// A feed item (seed 002 §3.5).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedItem {
    /// Id.
    pub id: String,
    /// `course_completion`, `badge`, `certificate`, `streak_milestone`, `post` or `share`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who.
    pub author: Author,
    /// What.
    pub content: ItemContent,
    /// Counts.
    pub engagement: Engagement,
    /// When, RFC 3339.
    pub created_at: String,
    /// How well it matches you, 0-1 (docs/feed.md, "Ranking"); 0 outside the feed.
    pub relevance_score: f64,
    /// Whether you liked or bookmarked it.
    pub viewer: ViewerState,
}

/// `GET /feeds/personalized`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    /// This page, best first.
    pub feed_items: Vec<FeedItem>,
    /// Seed 002's pagination over the items ranked (the 500 newest of 30 days).
    pub pagination: Pagination,
    /// The factors that lifted this page's items: `interests_match`,
    /// `skill_level_appropriate`, `social_connections`, `trending_content`, `recency`.
    pub personalization_factors: Vec<String>,
}

/// `POST /feeds/posts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    /// A line, up to 200 characters (default: the text's first line).
    pub title: Option<String>,
    /// The text, 1-2000 characters; its `#hashtags` become the post's tags.
    pub body: String,
    /// A published course it is about.
    pub course_id: Option<String>,
}

/// `POST /feeds/items/{id}/share`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    /// A word with it, up to 2000 characters.
    #[serde(default)]
    pub body: String,
}

/// `POST /feeds/items/{id}/comments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// The text, 1-2000 characters.
    pub body: String,
}

/// A comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Comment {
    /// Id.
    pub id: String,
    /// Its item.
    pub item_id: String,
    /// Who wrote it.
    pub author: Author,
    /// Text.
    pub body: String,
    /// When, RFC 3339.
    pub created_at: String,
}

/// `POST /feeds/items/{id}/report` and `/feeds/comments/{id}/report`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// Why, 1-500 characters.
    pub reason: String,
}

/// A report's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reported {
    /// False when you had reported it already.
    pub newly_reported: bool,
}

/// A reaction's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reaction {
    /// Whether this call changed anything (false: it was so already).
    pub changed: bool,
    /// The item's counts after it.
    pub engagement: Engagement,
}

/// `GET`/`PUT /feeds/settings`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedSettings {
    /// Whether your activity (courses finished, badges, certificates, streaks) appears in
    /// the feeds of those who follow you and your classmates. Off until you turn it on;
    /// posts you write always appear.
    pub share_activity: bool,
}

/// A follow's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct Followed {
    /// Whether this call changed anything.
    pub changed: bool,
}

/// Someone in a follow list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    /// User id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Since when, RFC 3339.
    pub since: String,
}

/// A page of people.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeoplePage {
    /// The people.
    pub people: Vec<Person>,
    /// Seed 002's pagination.
    pub pagination: Pagination,
}

/// An open report in the moderation queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    /// The item or comment.
    pub target_id: String,
    /// `item` or `comment`.
    pub target_kind: String,
    /// Who reported it.
    pub reporter_id: String,
    /// Why.
    pub reason: String,
    /// When, RFC 3339.
    pub created_at: String,
    /// The text reported.
    pub text: String,
    /// Who wrote it.
    pub author_id: String,
}

/// `POST /admin/feeds/moderation`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `item` or `comment`.
    pub target_kind: String,
    /// Its id.
    pub target_id: String,
    /// `hide` (nobody sees it any more), `keep` (its reports are closed) or `unhide`.
    pub action: String,
}

fn page(
    q: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<(i64, i64), ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest {
        field: None,
        message: e.body_text(),
    })?;
    super::courses::page_bounds(q.limit, q.offset)
}

fn check_text(field: &str, text: &str, least: usize, most: usize) -> Result<(), ApiError> {
    let n = text.trim().chars().count();
    if n < least {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if n > most {
        return Err(ApiError::invalid(
            field,
            format!("at most {most} characters"),
        ));
    }
    Ok(())
}

fn engagement(i: &FeedItemRow) -> Engagement {
    Engagement {
        likes: i.likes,
        comments: i.comments,
        shares: i.shares,
        bookmarks: i.bookmarks,
    }
}

fn item_view(c: Candidate, relevance_score: f64) -> FeedItem {
    let i = c.item;
    FeedItem {
        engagement: engagement(&i),
        created_at: rfc3339(i.created_at),
        author: Author {
            id: i.author_id,
            name: c.author_name,
            avatar: c.author_avatar,
        },
        content: ItemContent {
            title: i.title,
            description: i.body,
            course_id: i.course_id,
            achievement_badge: i.badge,
            shared_item_id: i.shared_item_id,
            tags: i.tags,
        },
        id: i.id,
        kind: i.kind,
        relevance_score: (relevance_score * 100.0).round() / 100.0,
        viewer: ViewerState {
            liked: c.liked,
            bookmarked: c.bookmarked,
        },
    }
}

fn comment_view(c: CommentRow) -> Comment {
    Comment {
        id: c.id,
        item_id: c.item_id,
        author: Author {
            id: c.author_id,
            name: c.author_name,
            avatar: None,
        },
        body: c.body,
        created_at: rfc3339(c.created_at),
    }
}

/// Screens what `caller` wrote for others to read: only a crisis stops it (support for the
/// author, nothing stored); anything else others find wrong goes to the moderation queue by
/// their reports.
async fn screen(
    state: &AppState,
    caller: &Caller,
    headers: &axum::http::HeaderMap,
    surface: &'static str,
    texts: &[&str],
) -> Result<(), ApiError> {
    let origin = crate::ai::Origin {
        user_id: Some(caller.user_id()),
        surface,
        plugin: None,
        region: super::client_region(headers),
    };
    match state.ai.screen_for_crisis(texts, origin).await {
        Ok(()) | Err(crate::ai::AiError::NoSafetyFilter) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The item `item_id` as `caller` may see it: not hidden (unless they moderate), and by
/// someone in their audience.
async fn visible_item(
    state: &AppState,
    caller: &Caller,
    item_id: &str,
) -> Result<FeedItemRow, ApiError> {
    let moderator = caller.role().allows(Permission::ModerateFeed);
    if let Some(i) = state.db.feed_item(item_id).await?
        && (moderator
            || (!i.hidden && state.db.in_audience(caller.user_id(), &i.author_id).await?))
    {
        return Ok(i);
    }
    Err(ApiError::not_found_at(
        "item_id",
        format!("no feed item `{item_id}`"),
    ))
}

#[utoipa::path(get, path = "/api/v1/feeds/personalized", operation_id = "personalized_feed", tag = "feed", security(("bearer" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "Seed 002 §3.5's personalised feed: the items of people you follow, your classes and yourself, ranked for you", body = FeedPage),
        (status = 400, description = "An unknown parameter or one of the wrong type", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "limit outside 1-100, a negative offset", body = ErrorBody)))]
pub(super) async fn personalized(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<FeedPage>, ApiError> {
    let (limit, offset) = page(query)?;
    let (page, total) = crate::feed::page(
        &state.db,
        &state.feed_cache,
        caller.user_id(),
        now_ms(),
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(0),
    )
    .await?;
    let (mut items, ranks): (Vec<Candidate>, Vec<(f64, Factors)>) = page
        .into_iter()
        .map(|r| (r.candidate, (r.score, r.factors)))
        .unzip();
    state
        .db
        .complete_feed_items(caller.user_id(), &mut items)
        .await?;
    // Hidden or deleted since the ranking was kept: left out of the page.
    let shown: Vec<(Candidate, (f64, Factors))> = items
        .into_iter()
        .zip(ranks)
        .filter(|(c, _)| !c.item.hidden)
        .collect();
    let factors: Vec<Factors> = shown.iter().map(|(_, (_, f))| *f).collect();
    Ok(Json(FeedPage {
        pagination: Pagination::of(limit, offset, i64::try_from(total).unwrap_or(i64::MAX)),
        feed_items: shown
            .into_iter()
            .map(|(c, (score, _))| item_view(c, score))
            .collect(),
        personalization_factors: rank::applied(&factors)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }))
}

/// The item `id` as the feed shows it to `caller`.
async fn item_for(state: &AppState, caller: &Caller, id: &str) -> Result<FeedItem, ApiError> {
    let row = visible_item(state, caller, id).await?;
    let author = state.db.user_by_id(&row.author_id).await?;
    let reactions = state.db.reactions_of(caller.user_id(), id).await?;
    let mut candidate = Candidate::bare(row, author.map(|u| u.full_name).unwrap_or_default());
    candidate.liked = reactions.iter().any(|r| r == "like");
    candidate.bookmarked = reactions.iter().any(|r| r == "bookmark");
    Ok(item_view(candidate, 0.0))
}

#[utoipa::path(post, path = "/api/v1/feeds/posts", operation_id = "create_post", tag = "feed", security(("bearer" = [])),
    request_body(content = NewPost, example = json!({"body": "Finished my first #python project!"})),
    responses(
        (status = 201, description = "Published to your followers and classmates", body = FeedItem),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such published course (`details.field`: `course_id`)", body = ErrorBody),
        (status = 422, description = "A field out of bounds (named), or the safety gate read a crisis (`SAFETY_BLOCKED`, with support for you; nothing published)", body = ErrorBody),
        (status = 429, description = "Over 10 posts, comments and shares a minute", body = ErrorBody)))]
pub(super) async fn create_post(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ValidJson(body): ValidJson<NewPost>,
) -> Result<(StatusCode, Json<FeedItem>), ApiError> {
    check_text("body", &body.body, 1, MAX_TEXT)?;
    let text = body.body.trim();
    let title = match &body.title {
        Some(t) => {
            check_text("title", t, 1, MAX_TITLE)?;
            t.trim().to_owned()
        }
        None => text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(MAX_TITLE)
            .collect(),
    };
    let listing = match &body.course_id {
        Some(id) => match state.db.course_listing(id).await? {
            Some(l) if l.is_published => Some(l),
            _ => {
                return Err(ApiError::not_found_at(
                    "course_id",
                    format!("no published course `{id}`"),
                ));
            }
        },
        None => None,
    };
    throttle(
        &state,
        &format!("feed-write:{}", caller.user_id()),
        WRITES_PER_MINUTE,
    )
    .await?;
    screen(&state, &caller, &headers, "feed-post", &[&title, text]).await?;
    let mut row = FeedItemRow::new(caller.user_id(), "post", title, text.to_owned(), now_ms());
    row.tags = rank::hashtags(text);
    if let Some(l) = listing {
        row.course_id = Some(l.course_id);
        for t in l.tags {
            let t = t.to_lowercase();
            if !row.tags.contains(&t) {
                row.tags.push(t);
            }
        }
        row.difficulty = Some(l.difficulty);
    }
    state.db.add_feed_items(std::slice::from_ref(&row)).await?;
    forget_readers_of(&state, caller.user_id()).await?;
    Ok((
        StatusCode::CREATED,
        Json(item_for(&state, &caller, &row.id).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/feeds/items/{item_id}", operation_id = "feed_item", tag = "feed", security(("bearer" = [])),
    params(("item_id" = String, Path, description = "A feed item")),
    responses(
        (status = 200, description = "The item", body = FeedItem),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such item in your audience (or hidden)", body = ErrorBody)))]
pub(super) async fn item(
    State(state): State<AppState>,
    caller: Caller,
    Path(item_id): Path<String>,
) -> Result<Json<FeedItem>, ApiError> {
    Ok(Json(item_for(&state, &caller, &item_id).await?))
}

#[utoipa::path(delete, path = "/api/v1/feeds/items/{item_id}", operation_id = "delete_feed_item", tag = "feed", security(("bearer" = [])),
    params(("item_id" = String, Path, description = "A feed item of yours")),
    responses(
        (status = 204, description = "Deleted with its comments and reactions"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not yours (moderators hide instead)", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody)))]
pub(super) async fn delete_item(
    State(state): State<AppState>,
    caller: Caller,
    Path(item_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let row = visible_item(&state, &caller, &item_id).await?;
    if row.author_id != caller.user_id() {
        return Err(ApiError::Forbidden(
            "only its author deletes an item; moderators hide it".into(),
        ));
    }
    state.db.delete_feed_item(&item_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn react(
    state: &AppState,
    caller: &Caller,
    item_id: &str,
    kind: &str,
    add: bool,
) -> Result<Json<Reaction>, ApiError> {
    visible_item(state, caller, item_id).await?;
    let changed = if add {
        state.db.react(item_id, caller.user_id(), kind).await?
    } else {
        state.db.unreact(item_id, caller.user_id(), kind).await?
    };
    let row = visible_item(state, caller, item_id).await?;
    Ok(Json(Reaction {
        changed,
        engagement: engagement(&row),
    }))
}

/// `like` or `bookmark`: the reactions a learner adds and takes back.
fn reaction_kind(reaction: &str) -> Result<&'static str, ApiError> {
    match reaction {
        "like" => Ok("like"),
        "bookmark" => Ok("bookmark"),
        other => Err(ApiError::not_found_at(
            "reaction",
            format!("no reaction `{other}`: like or bookmark"),
        )),
    }
}

#[utoipa::path(post, path = "/api/v1/feeds/items/{item_id}/{reaction}", operation_id = "react_to_item", tag = "feed", security(("bearer" = [])),
    params(("item_id" = String, Path, description = "A feed item"), ("reaction" = String, Path, description = "`like` or `bookmark`")),
    responses((status = 200, description = "Liked or bookmarked (again: nothing changes), with the item's counts", body = Reaction),
        (status = 404, description = "No such item in your audience, or no such reaction", body = ErrorBody)))]
pub(super) async fn react_to(
    State(state): State<AppState>,
    caller: Caller,
    Path((item_id, reaction)): Path<(String, String)>,
) -> Result<Json<Reaction>, ApiError> {
    react(&state, &caller, &item_id, reaction_kind(&reaction)?, true).await
}

#[utoipa::path(delete, path = "/api/v1/feeds/items/{item_id}/{reaction}", operation_id = "unreact_to_item", tag = "feed", security(("bearer" = [])),
    params(("item_id" = String, Path, description = "A feed item"), ("reaction" = String, Path, description = "`like` or `bookmark`")),
    responses((status = 200, description = "Taken back (none: nothing changes), with the item's counts", body = Reaction),
        (status = 404, description = "No such item in your audience, or no such reaction", body = ErrorBody)))]
pub(super) async fn unreact_to(
    State(state): State<AppState>,
    caller: Caller,
    Path((item_id, reaction)): Path<(String, String)>,
) -> Result<Json<Reaction>, ApiError> {
    react(&state, &caller, &item_id, reaction_kind(&reaction)?, false).await
}

#[utoipa::path(post, path = "/api/v1/feeds/items/{item_id}/share", operation_id = "share_item", tag = "feed", security(("bearer" = [])),
    params(("item_id" = String, Path, description = "A feed item")),
    request_body(content = NewShare, example = json!({"body": "Worth a look!"})),
    responses(
        (status = 201, description = "Shared to your followers and classmates", body = FeedItem),
        (status = 404, description = "No such item in your audience", body = ErrorBody),
        (status = 422, description = "Text over 2000 characters, a share of a share, or a crisis (`SAFETY_BLOCKED`)", body = ErrorBody),
        (status = 429, description = "Over 10 posts, comments and shares a minute", body = ErrorBody)))]
pub(super) async fn share(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Path(item_id): Path<String>,
    ValidJson(body): ValidJson<NewShare>,
) -> Result<(StatusCode, Json<FeedItem>), ApiError> {
    check_text("body", &body.body, 0, MAX_TEXT)?;
    let original = visible_item(&state, &caller, &item_id).await?;
    if original.kind == "share" {
        return Err(ApiError::invalid(
            "item_id",
            "share the original item, not a share of it",
        ));
    }
    throttle(
        &state,
        &format!("feed-write:{}", caller.user_id()),
        WRITES_PER_MINUTE,
    )
    .await?;
    let text = body.body.trim();
    if !text.is_empty() {
        screen(&state, &caller, &headers, "feed-share", &[text]).await?;
    }
    let mut row = FeedItemRow::new(
        caller.user_id(),
        "share",
        format!("Shared: {}", original.title),
        text.to_owned(),
        now_ms(),
    );
    row.shared_item_id = Some(original.id.clone());
    row.course_id.clone_from(&original.course_id);
    row.tags.clone_from(&original.tags);
    row.difficulty.clone_from(&original.difficulty);
    state.db.add_feed_items(std::slice::from_ref(&row)).await?;
    forget_readers_of(&state, caller.user_id()).await?;
    Ok((
        StatusCode::CREATED,
        Json(item_for(&state, &caller, &row.id).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/feeds/items/{item_id}/comments", operation_id = "item_comments", tag = "feed", security(("bearer" = [])),
    params(("item_id" = String, Path, description = "A feed item"), FeedQuery),
    responses(
        (status = 200, description = "Its comments, oldest first (hidden ones left out)", body = Vec<Comment>),
        (status = 400, description = "An unknown parameter", body = ErrorBody),
        (status = 404, description = "No such item in your audience", body = ErrorBody)))]
pub(super) async fn comments(
    State(state): State<AppState>,
    caller: Caller,
    Path(item_id): Path<String>,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Comment>>, ApiError> {
    let (limit, offset) = page(query)?;
    visible_item(&state, &caller, &item_id).await?;
    Ok(Json(
        state
            .db
            .comments(&item_id, limit, offset)
            .await?
            .into_iter()
            .map(comment_view)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/feeds/items/{item_id}/comments", operation_id = "comment_item", tag = "feed", security(("bearer" = [])),
    params(("item_id" = String, Path, description = "A feed item")),
    request_body(content = NewComment, example = json!({"body": "Congratulations!"})),
    responses(
        (status = 201, description = "Added", body = Comment),
        (status = 404, description = "No such item in your audience", body = ErrorBody),
        (status = 422, description = "Empty or over 2000 characters, or a crisis (`SAFETY_BLOCKED`, nothing published)", body = ErrorBody),
        (status = 429, description = "Over 10 posts, comments and shares a minute", body = ErrorBody)))]
pub(super) async fn comment(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Path(item_id): Path<String>,
    ValidJson(body): ValidJson<NewComment>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    check_text("body", &body.body, 1, MAX_TEXT)?;
    visible_item(&state, &caller, &item_id).await?;
    throttle(
        &state,
        &format!("feed-write:{}", caller.user_id()),
        WRITES_PER_MINUTE,
    )
    .await?;
    let text = body.body.trim();
    screen(&state, &caller, &headers, "feed-comment", &[text]).await?;
    let row = CommentRow {
        id: uuid::Uuid::new_v4().to_string(),
        item_id,
        author_id: caller.user_id().to_owned(),
        author_name: String::new(),
        body: text.to_owned(),
        hidden: false,
        created_at: now_ms(),
    };
    state.db.add_comment(&row).await?;
    let stored = state
        .db
        .comment(&row.id)
        .await?
        .ok_or_else(|| ApiError::Internal("the comment just written is not there".into()))?;
    Ok((StatusCode::CREATED, Json(comment_view(stored))))
}

async fn file_report(
    state: &AppState,
    caller: &Caller,
    kind: &str,
    target_id: &str,
    body: &NewReport,
) -> Result<Json<Reported>, ApiError> {
    check_text("reason", &body.reason, 1, 500)?;
    let newly_reported = state
        .db
        .report(kind, target_id, caller.user_id(), body.reason.trim())
        .await?;
    Ok(Json(Reported { newly_reported }))
}

#[utoipa::path(post, path = "/api/v1/feeds/items/{item_id}/report", operation_id = "report_item", tag = "feed", security(("bearer" = [])),
    params(("item_id" = String, Path, description = "A feed item")),
    request_body(content = NewReport, example = json!({"reason": "spam"})),
    responses(
        (status = 200, description = "In the moderation queue", body = Reported),
        (status = 404, description = "No such item in your audience", body = ErrorBody),
        (status = 422, description = "No reason, or one over 500 characters", body = ErrorBody)))]
pub(super) async fn report_item(
    State(state): State<AppState>,
    caller: Caller,
    Path(item_id): Path<String>,
    ValidJson(body): ValidJson<NewReport>,
) -> Result<Json<Reported>, ApiError> {
    visible_item(&state, &caller, &item_id).await?;
    file_report(&state, &caller, "item", &item_id, &body).await
}

#[utoipa::path(post, path = "/api/v1/feeds/comments/{comment_id}/report", operation_id = "report_comment", tag = "feed", security(("bearer" = [])),
    params(("comment_id" = String, Path, description = "A comment")),
    request_body(content = NewReport, example = json!({"reason": "rude"})),
    responses(
        (status = 200, description = "In the moderation queue", body = Reported),
        (status = 404, description = "No such comment on an item in your audience", body = ErrorBody),
        (status = 422, description = "No reason, or one over 500 characters", body = ErrorBody)))]
pub(super) async fn report_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(comment_id): Path<String>,
    ValidJson(body): ValidJson<NewReport>,
) -> Result<Json<Reported>, ApiError> {
    let comment = state
        .db
        .comment(&comment_id)
        .await?
        .filter(|c| !c.hidden)
        .ok_or_else(|| {
            ApiError::not_found_at("comment_id", format!("no comment `{comment_id}`"))
        })?;
    visible_item(&state, &caller, &comment.item_id)
        .await
        .map_err(|_| ApiError::not_found_at("comment_id", format!("no comment `{comment_id}`")))?;
    file_report(&state, &caller, "comment", &comment_id, &body).await
}

#[utoipa::path(get, path = "/api/v1/feeds/bookmarks", operation_id = "feed_bookmarks", tag = "feed", security(("bearer" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "What you bookmarked, newest bookmark first", body = Vec<FeedItem>),
        (status = 400, description = "An unknown parameter", body = ErrorBody)))]
pub(super) async fn bookmarks(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<FeedItem>>, ApiError> {
    let (limit, offset) = page(query)?;
    let mut out = Vec::new();
    for row in state
        .db
        .bookmarked_items(caller.user_id(), limit, offset)
        .await?
    {
        // An item whose author left the viewer's audience since stays bookmarked but unseen.
        if let Ok(view) = item_for(&state, &caller, &row.id).await {
            out.push(view);
        }
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/feeds/settings", operation_id = "feed_settings", tag = "feed", security(("bearer" = [])),
    responses((status = 200, description = "Whether your activity appears in others' feeds", body = FeedSettings)))]
pub(super) async fn settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<FeedSettings>, ApiError> {
    Ok(Json(FeedSettings {
        share_activity: state.db.shares_activity(caller.user_id()).await?,
    }))
}

#[utoipa::path(put, path = "/api/v1/feeds/settings", operation_id = "set_feed_settings", tag = "feed", security(("bearer" = [])),
    request_body(content = FeedSettings, example = json!({"share_activity": true})),
    responses(
        (status = 200, description = "Saved; takes effect on the next feed read (past activity included)", body = FeedSettings),
        (status = 400, description = "Malformed JSON or an unknown field", body = ErrorBody)))]
pub(super) async fn set_settings(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<FeedSettings>,
) -> Result<Json<FeedSettings>, ApiError> {
    state
        .db
        .set_share_activity(caller.user_id(), body.share_activity)
        .await?;
    forget_readers_of(&state, caller.user_id()).await?;
    Ok(Json(body))
}

/// Forgets the kept feeds (`crate::feed::cache`) that may show what `author` writes.
async fn forget_readers_of(state: &AppState, author: &str) -> Result<(), ApiError> {
    if !state.feed_cache.keeps_feeds() {
        return Ok(());
    }
    let readers = state.db.readers_of(author).await?;
    state.feed_cache.forget(readers.iter().map(String::as_str));
    Ok(())
}

async fn existing_user(state: &AppState, user_id: &str) -> Result<(), ApiError> {
    match state.db.user_by_id(user_id).await? {
        Some(u) if u.is_active => Ok(()),
        _ => Err(ApiError::not_found_at(
            "user_id",
            format!("no user `{user_id}`"),
        )),
    }
}

#[utoipa::path(post, path = "/api/v1/users/{user_id}/follow", operation_id = "follow_user", tag = "feed", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Someone to follow")),
    responses(
        (status = 200, description = "Following (again: nothing changes)", body = Followed),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "Yourself", body = ErrorBody)))]
pub(super) async fn follow(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> Result<Json<Followed>, ApiError> {
    if user_id == caller.user_id() {
        return Err(ApiError::invalid("user_id", "you cannot follow yourself"));
    }
    existing_user(&state, &user_id).await?;
    let changed = state.db.follow(caller.user_id(), &user_id).await?;
    state.feed_cache.forget([caller.user_id()]);
    Ok(Json(Followed { changed }))
}

#[utoipa::path(delete, path = "/api/v1/users/{user_id}/follow", operation_id = "unfollow_user", tag = "feed", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "Someone you follow")),
    responses((status = 200, description = "Not following (any more)", body = Followed)))]
pub(super) async fn unfollow(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> Result<Json<Followed>, ApiError> {
    let changed = state.db.unfollow(caller.user_id(), &user_id).await?;
    state.feed_cache.forget([caller.user_id()]);
    Ok(Json(Followed { changed }))
}

async fn people(
    state: &AppState,
    user_id: &str,
    following: bool,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PeoplePage>, ApiError> {
    let (limit, offset) = page(query)?;
    existing_user(state, user_id).await?;
    let (rows, total) = state
        .db
        .follow_list(user_id, following, limit, offset)
        .await?;
    Ok(Json(PeoplePage {
        people: rows
            .into_iter()
            .map(|(id, name, at)| Person {
                id,
                name,
                since: rfc3339(at),
            })
            .collect(),
        pagination: Pagination::of(limit, offset, total),
    }))
}

#[utoipa::path(get, path = "/api/v1/users/{user_id}/followers", operation_id = "followers", tag = "feed", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "A user"), FeedQuery),
    responses((status = 200, description = "Who follows them, newest first", body = PeoplePage),
        (status = 400, description = "An unknown parameter", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)))]
pub(super) async fn followers(
    State(state): State<AppState>,
    _caller: Caller,
    Path(user_id): Path<String>,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PeoplePage>, ApiError> {
    people(&state, &user_id, false, query).await
}

#[utoipa::path(get, path = "/api/v1/users/{user_id}/following", operation_id = "following", tag = "feed", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "A user"), FeedQuery),
    responses((status = 200, description = "Whom they follow, newest first", body = PeoplePage),
        (status = 400, description = "An unknown parameter", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)))]
pub(super) async fn following(
    State(state): State<AppState>,
    _caller: Caller,
    Path(user_id): Path<String>,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PeoplePage>, ApiError> {
    people(&state, &user_id, true, query).await
}

#[utoipa::path(get, path = "/api/v1/admin/feeds/reports", operation_id = "feed_reports", tag = "feed", security(("bearer" = [])),
    responses(
        (status = 200, description = "The moderation queue: open reports, oldest first (at most 200)", body = Vec<Report>),
        (status = 403, description = "Administrators only", body = ErrorBody)))]
pub(super) async fn reports(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Report>>, ApiError> {
    caller.require(Permission::ModerateFeed)?;
    Ok(Json(
        state
            .db
            .open_reports(200)
            .await?
            .into_iter()
            .map(|r: ReportRow| Report {
                target_id: r.target_id,
                target_kind: r.target_kind,
                reporter_id: r.reporter_id,
                reason: r.reason,
                created_at: rfc3339(r.created_at),
                text: r.text,
                author_id: r.author_id,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/feeds/moderation", operation_id = "moderate_feed", tag = "feed", security(("bearer" = [])),
    request_body(content = Decision, example = json!({"target_kind": "item", "target_id": "…", "action": "hide"})),
    responses(
        (status = 204, description = "Done; the target's open reports are closed"),
        (status = 403, description = "Administrators only", body = ErrorBody),
        (status = 404, description = "No such item or comment", body = ErrorBody),
        (status = 422, description = "An unknown target kind or action", body = ErrorBody)))]
pub(super) async fn moderate(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(d): ValidJson<Decision>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ModerateFeed)?;
    if !matches!(d.target_kind.as_str(), "item" | "comment") {
        return Err(ApiError::invalid(
            "target_kind",
            "must be `item` or `comment`",
        ));
    }
    let hide = match d.action.as_str() {
        "hide" => true,
        "keep" | "unhide" => false,
        other => {
            return Err(ApiError::invalid(
                "action",
                format!("`{other}` is not one of hide, keep, unhide"),
            ));
        }
    };
    if state
        .db
        .moderate(&d.target_kind, &d.target_id, hide)
        .await?
    {
        tracing::info!(target: "tessera::audit", actor = caller.user_id(), target = %d.target_id, kind = %d.target_kind, action = %d.action, "feed moderation");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found_at(
            "target_id",
            format!("no {} `{}`", d.target_kind, d.target_id),
        ))
    }
}

/// The caller's part of the feed, for `GET /me/export`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedExport {
    /// Items they wrote or that tell their activity, oldest first.
    pub items: Vec<FeedItem>,
    /// Comments they wrote, oldest first.
    pub comments: Vec<Comment>,
    /// The people they follow.
    pub following: Vec<Person>,
    /// Whether their activity appears in others' feeds.
    pub share_activity: bool,
}

/// What the feed holds of `user_id`.
pub(super) async fn export(state: &AppState, user_id: &str) -> Result<FeedExport, ApiError> {
    let (items, comments) = state.db.feed_export(user_id).await?;
    let (following, _) = state.db.follow_list(user_id, true, i64::MAX, 0).await?;
    Ok(FeedExport {
        items: items
            .into_iter()
            .map(|item| item_view(Candidate::bare(item, String::new()), 0.0))
            .collect(),
        comments: comments.into_iter().map(comment_view).collect(),
        following: following
            .into_iter()
            .map(|(id, name, at)| Person {
                id,
                name,
                since: rfc3339(at),
            })
            .collect(),
        share_activity: state.db.shares_activity(user_id).await?,
    })
}
