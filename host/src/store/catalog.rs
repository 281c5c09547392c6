//! The course catalog (seed 002 §4.2): each course's listing (what a learner browses and
//! searches by, its counts and rating), its tags, the learners enrolled and their reviews.
//! Counts and the rating's total move with the rows they count in one transaction, so they
//! hold under concurrent enrolments and reviews on both databases.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, StoreError, now_ms};

/// A course's listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingRow {
    /// The course's id (the content pack's).
    pub course_id: String,
    /// The pack holding its modules and lessons.
    pub pack_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// A line for cards.
    pub short_description: Option<String>,
    /// `beginner`, `intermediate` or `advanced`.
    pub difficulty: String,
    /// Minutes to finish it (its lessons' estimates).
    pub estimated_minutes: i64,
    /// Category.
    pub category: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Learning objectives.
    pub objectives: Vec<String>,
    /// What a learner should know first.
    pub prerequisites: Vec<String>,
    /// Thumbnail image.
    pub thumbnail_url: Option<String>,
    /// Preview video.
    pub preview_video_url: Option<String>,
    /// The user who made it (`None` for a pack imported by the CLI).
    pub created_by: Option<String>,
    /// Whether learners see it.
    pub is_published: bool,
    /// Whether a model generated it.
    pub is_ai_generated: bool,
    /// The generation's model, time and tokens (JSON), when generated.
    pub ai_generation_metadata: Option<String>,
    /// Learners enrolled now.
    pub enrollment_count: i64,
    /// Learners who finished it.
    pub completion_count: i64,
    /// The reviews' ratings summed.
    pub rating_total: i64,
    /// Reviews.
    pub review_count: i64,
    /// Listed, ms.
    pub created_at: i64,
    /// Last changed, ms.
    pub updated_at: i64,
}

impl ListingRow {
    /// The mean rating, 0 without reviews.
    pub fn average_rating(&self) -> f64 {
        if self.review_count == 0 {
            0.0
        } else {
            self.rating_total as f64 / self.review_count as f64
        }
    }
}

/// What the import of a pack says of one of its courses.
#[derive(Debug, Clone)]
pub struct PackListing<'a> {
    /// The course.
    pub course_id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Description.
    pub description: &'a str,
    /// A line for cards.
    pub short_description: Option<&'a str>,
    /// Difficulty.
    pub difficulty: &'a str,
    /// Minutes, from its lessons.
    pub estimated_minutes: i64,
    /// Category.
    pub category: &'a str,
    /// Tags.
    pub tags: &'a [String],
    /// Objectives.
    pub objectives: &'a [String],
    /// Prerequisites.
    pub prerequisites: &'a [String],
    /// Thumbnail image.
    pub thumbnail_url: Option<&'a str>,
    /// Preview video.
    pub preview_video_url: Option<&'a str>,
}

/// How long a search's count of matching listings is kept (`Db::list_courses`): a listing
/// written through this replica forgets every count at once, one written through another
/// replica (or the CLI) shows in the totals within this time. The page itself is always read
/// fresh.
pub const COUNT_TTL_MS: i64 = 30_000;
/// Filters whose counts are kept at once.
pub const COUNTS_KEPT: usize = 4096;

/// How a catalog page is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseOrder {
    /// Most enrolled first.
    Popular,
    /// Best rated first (by mean rating, then reviews).
    Rating,
    /// Most recently listed first.
    Newest,
    /// By title.
    Title,
}

/// Which listings a catalog page shows.
#[derive(Debug, Clone, Default)]
pub struct CourseFilter {
    /// Only this category.
    pub category: Option<String>,
    /// Only this difficulty.
    pub difficulty: Option<String>,
    /// Only listings with this tag.
    pub tag: Option<String>,
    /// Only listings whose title or description holds every one of these words (lower
    /// case).
    pub words: Vec<String>,
    /// Unpublished listings too (teachers and admins).
    pub include_unpublished: bool,
    /// Only the courses this user is enrolled in.
    pub enrolled: Option<String>,
}

/// A review.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    /// The course.
    pub course_id: String,
    /// Its author.
    pub user_id: String,
    /// The author's name.
    pub author_name: String,
    /// 1 to 5.
    pub rating: i64,
    /// Text (may be empty).
    pub body: String,
    /// Written, ms.
    pub created_at: i64,
    /// Last edited, ms.
    pub updated_at: i64,
}

/// A listing's fields a teacher changes (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct ListingPatch {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// A line for cards (`Some(None)` clears it).
    pub short_description: Option<Option<String>>,
    /// Difficulty.
    pub difficulty: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Tags (replaces them).
    pub tags: Option<Vec<String>>,
    /// Objectives.
    pub objectives: Option<Vec<String>>,
    /// Prerequisites.
    pub prerequisites: Option<Vec<String>>,
    /// Thumbnail (`Some(None)` clears it).
    pub thumbnail_url: Option<Option<String>>,
    /// Preview video (`Some(None)` clears it).
    pub preview_video_url: Option<Option<String>>,
    /// Published or not.
    pub is_published: Option<bool>,
}

const LISTING_COLUMNS: &str = "course_id, pack_id, title, description, short_description, \
    difficulty, estimated_minutes, category, tags, objectives, prerequisites, thumbnail_url, \
    preview_video_url, created_by, is_published, is_ai_generated, ai_generation_metadata, \
    enrollment_count, completion_count, rating_total, review_count, created_at, updated_at";

fn json_list(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn search_text(title: &str, short: Option<&str>, description: &str) -> String {
    format!("{title} {} {description}", short.unwrap_or_default()).to_lowercase()
}

fn listing(row: &AnyRow) -> Result<ListingRow, StoreError> {
    let list = |column: &str| -> Result<Vec<String>, StoreError> {
        let text: String = row.try_get(column)?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("course_listings.{column}: {e}")))
    };
    Ok(ListingRow {
        course_id: row.try_get("course_id")?,
        pack_id: row.try_get("pack_id")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        short_description: row.try_get("short_description")?,
        difficulty: row.try_get("difficulty")?,
        estimated_minutes: row.try_get("estimated_minutes")?,
        category: row.try_get("category")?,
        tags: list("tags")?,
        objectives: list("objectives")?,
        prerequisites: list("prerequisites")?,
        thumbnail_url: row.try_get("thumbnail_url")?,
        preview_video_url: row.try_get("preview_video_url")?,
        created_by: row.try_get("created_by")?,
        is_published: row.try_get::<i64, _>("is_published")? != 0,
        is_ai_generated: row.try_get::<i64, _>("is_ai_generated")? != 0,
        ai_generation_metadata: row.try_get("ai_generation_metadata")?,
        enrollment_count: row.try_get("enrollment_count")?,
        completion_count: row.try_get("completion_count")?,
        rating_total: row.try_get("rating_total")?,
        review_count: row.try_get("review_count")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn review(r: &AnyRow) -> Result<ReviewRow, StoreError> {
    Ok(ReviewRow {
        course_id: r.try_get("course_id")?,
        user_id: r.try_get("user_id")?,
        author_name: r.try_get("full_name")?,
        rating: r.try_get("rating")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// `text` for a `LIKE … ESCAPE '\'` pattern matching it anywhere.
fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Replaces `course`'s tag rows.
async fn write_tags(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    course_id: &str,
    tags: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM course_tags WHERE course_id = $1")
        .bind(course_id)
        .execute(&mut **tx)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for tag in tags {
        let tag = tag.to_lowercase();
        if seen.insert(tag.clone()) {
            sqlx::query("INSERT INTO course_tags (tag, course_id) VALUES ($1, $2)")
                .bind(tag)
                .bind(course_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Who uploaded a pack over HTTP: the author of its new listings.
#[derive(Debug, Clone, Copy)]
pub struct ListingAuthor<'a> {
    /// The uploader's user id.
    pub user_id: &'a str,
    /// Whether a course new to the catalog is published at once (`POST /courses` lists a
    /// draft unless asked to publish).
    pub publish: bool,
}

/// Writes the listings of a pack's courses inside its import's transaction: a course new to
/// the catalog is listed (published unless `author` says otherwise: a pack is imported by
/// someone who may publish), a listed one takes the pack's fields and keeps its counts,
/// reviews, publication state and author (a listing without one takes `author`'s); the
/// pack's courses it no longer holds are delisted.
pub(super) async fn write_pack_listings(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    pack_id: &str,
    listings: &[PackListing<'_>],
    author: Option<ListingAuthor<'_>>,
) -> Result<(), StoreError> {
    let now = now_ms();
    let kept: Vec<&str> = listings.iter().map(|l| l.course_id).collect();
    let gone: Vec<String> = sqlx::query("SELECT course_id FROM course_listings WHERE pack_id = $1")
        .bind(pack_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("course_id"))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|id| !kept.contains(&id.as_str()))
        .collect();
    for id in &gone {
        delete_listing_rows(tx, id).await?;
    }
    for l in listings {
        sqlx::query(
            "INSERT INTO course_listings (course_id, pack_id, title, description, \
             short_description, difficulty, estimated_minutes, category, tags, objectives, \
             prerequisites, thumbnail_url, preview_video_url, created_by, is_published, \
             is_ai_generated, ai_generation_metadata, search_text, enrollment_count, \
             completion_count, rating_total, review_count, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $16, $17, 0, NULL, \
             $14, 0, 0, 0, 0, $15, $15) \
             ON CONFLICT (course_id) DO UPDATE SET pack_id = excluded.pack_id, \
             created_by = COALESCE(course_listings.created_by, excluded.created_by), \
             title = excluded.title, description = excluded.description, \
             short_description = excluded.short_description, difficulty = excluded.difficulty, \
             estimated_minutes = excluded.estimated_minutes, category = excluded.category, \
             tags = excluded.tags, objectives = excluded.objectives, \
             prerequisites = excluded.prerequisites, thumbnail_url = excluded.thumbnail_url, \
             preview_video_url = excluded.preview_video_url, search_text = excluded.search_text, \
             updated_at = excluded.updated_at",
        )
        .bind(l.course_id)
        .bind(pack_id)
        .bind(l.title)
        .bind(l.description)
        .bind(l.short_description)
        .bind(l.difficulty)
        .bind(l.estimated_minutes)
        .bind(l.category)
        .bind(json_list(l.tags))
        .bind(json_list(l.objectives))
        .bind(json_list(l.prerequisites))
        .bind(l.thumbnail_url)
        .bind(l.preview_video_url)
        .bind(search_text(l.title, l.short_description, l.description))
        .bind(now)
        .bind(author.map(|a| a.user_id))
        .bind(i64::from(author.is_none_or(|a| a.publish)))
        .execute(&mut **tx)
        .await?;
        write_tags(tx, l.course_id, l.tags).await?;
    }
    Ok(())
}

/// Records inside an answer's transaction that `user_id` finished `course_id` (once; only
/// when enrolled): it counts toward the listing's completions. Returns whether it did.
pub(super) async fn complete_enrollment(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: &str,
    course_id: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let marked = sqlx::query(
        "UPDATE course_enrollments SET completed_at = $1 \
         WHERE user_id = $2 AND course_id = $3 AND completed_at IS NULL",
    )
    .bind(at)
    .bind(user_id)
    .bind(course_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if marked > 0 {
        sqlx::query(
            "UPDATE course_listings SET completion_count = completion_count + 1 WHERE course_id = $1",
        )
        .bind(course_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(marked > 0)
}

/// Removes a listing with its tags, enrolments and reviews.
async fn delete_listing_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    course_id: &str,
) -> Result<u64, StoreError> {
    for table in ["course_tags", "course_enrollments", "course_reviews"] {
        // The table name is one of the constants above, never input.
        sqlx::query(&format!("DELETE FROM {table} WHERE course_id = $1"))
            .bind(course_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(
        sqlx::query("DELETE FROM course_listings WHERE course_id = $1")
            .bind(course_id)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

impl Db {
    /// The authors of the listings of pack `pack_id` (`None` for a listing imported by the
    /// CLI), each once.
    pub async fn pack_authors(&self, pack_id: &str) -> Result<Vec<Option<String>>, StoreError> {
        sqlx::query("SELECT DISTINCT created_by FROM course_listings WHERE pack_id = $1")
            .bind(pack_id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok(r.try_get("created_by")?))
            .collect()
    }

    /// A page of listings matching `filter` in `order`, and how many match in all.
    pub async fn list_courses(
        &self,
        filter: &CourseFilter,
        order: CourseOrder,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ListingRow>, i64), StoreError> {
        let mut clauses: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let next = |value: String, binds: &mut Vec<String>| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if !filter.include_unpublished {
            clauses.push("l.is_published = 1".into());
        }
        if let Some(c) = &filter.category {
            clauses.push(format!("l.category = {}", next(c.clone(), &mut binds)));
        }
        if let Some(d) = &filter.difficulty {
            clauses.push(format!("l.difficulty = {}", next(d.clone(), &mut binds)));
        }
        if let Some(t) = &filter.tag {
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM course_tags t WHERE t.course_id = l.course_id AND t.tag = {})",
                next(t.to_lowercase(), &mut binds)
            ));
        }
        for word in &filter.words {
            clauses.push(format!(
                "l.search_text LIKE {} ESCAPE '\\'",
                next(contains_pattern(word), &mut binds)
            ));
        }
        if let Some(user) = &filter.enrolled {
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM course_enrollments e WHERE e.course_id = l.course_id AND e.user_id = {})",
                next(user.clone(), &mut binds)
            ));
        }
        let filter_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let order_sql = match order {
            CourseOrder::Popular => "l.enrollment_count DESC, l.course_id",
            CourseOrder::Rating => {
                "CASE WHEN l.review_count = 0 THEN 0 ELSE CAST(l.rating_total AS DOUBLE PRECISION) / l.review_count END DESC, l.review_count DESC, l.course_id"
            }
            CourseOrder::Newest => "l.created_at DESC, l.course_id",
            CourseOrder::Title => "l.title, l.course_id",
        };
        // Drafts and "my courses" are one person's views, changed by their own writes: those
        // counts are not kept.
        let count_key = (!filter.include_unpublished && filter.enrolled.is_none()).then(|| {
            format!(
                "{:?}|{:?}|{:?}|{:?}",
                filter.category, filter.difficulty, filter.tag, filter.words
            )
        });
        let now = now_ms();
        let kept = count_key
            .as_deref()
            .and_then(|k| self.catalog_counts.get(k, now));
        let total = match kept {
            Some(n) => n,
            None => {
                let count_sql = format!("SELECT COUNT(*) AS n FROM course_listings l{filter_sql}");
                let mut count = sqlx::query(&count_sql);
                for b in &binds {
                    count = count.bind(b);
                }
                let n: i64 = count.fetch_one(self.pool()).await?.try_get("n")?;
                if let Some(k) = &count_key {
                    self.catalog_counts.put(k, now, n);
                }
                n
            }
        };
        let columns = LISTING_COLUMNS
            .split(", ")
            .map(|c| format!("l.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let page_sql = format!(
            "SELECT {columns} FROM course_listings l{filter_sql} ORDER BY {order_sql} LIMIT {limit} OFFSET {offset}"
        );
        let mut page = sqlx::query(&page_sql);
        for b in &binds {
            page = page.bind(b);
        }
        let rows = page.fetch_all(self.pool()).await?;
        let listings = rows.iter().map(listing).collect::<Result<Vec<_>, _>>()?;
        // A page short of its limit ends the matches: it tells the exact total, whatever a
        // kept count says.
        let shown = i64::try_from(listings.len()).unwrap_or(i64::MAX);
        let total = if shown < limit && (shown > 0 || offset == 0) {
            offset + shown
        } else {
            total
        };
        Ok((listings, total))
    }

    /// Forgets what this replica keeps that a listing's change can make wrong: the search
    /// counts, the draft courses and, since deleting a listing ends its enrolments, every
    /// learner's kept data (`store::learner_cache`).
    pub(super) fn forget_catalog_counts(&self) {
        self.catalog_counts.clear();
        self.listings_changed();
    }

    /// One listing.
    pub async fn course_listing(&self, course_id: &str) -> Result<Option<ListingRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {LISTING_COLUMNS} FROM course_listings WHERE course_id = $1"
        ))
        .bind(course_id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(listing)
        .transpose()
    }

    /// The listings of pack `pack_id`, by course id.
    pub async fn listings_of_pack(&self, pack_id: &str) -> Result<Vec<ListingRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {LISTING_COLUMNS} FROM course_listings WHERE pack_id = $1 ORDER BY course_id"
        ))
        .bind(pack_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(listing)
        .collect()
    }

    /// Changes a listing's fields; `None` when there is no such listing.
    pub async fn update_listing(
        &self,
        course_id: &str,
        patch: &ListingPatch,
    ) -> Result<Option<ListingRow>, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query(&format!(
            "SELECT {LISTING_COLUMNS} FROM course_listings WHERE course_id = $1"
        ))
        .bind(course_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let mut l = listing(&row)?;
        if let Some(v) = &patch.title {
            l.title.clone_from(v);
        }
        if let Some(v) = &patch.description {
            l.description.clone_from(v);
        }
        if let Some(v) = &patch.short_description {
            l.short_description.clone_from(v);
        }
        if let Some(v) = &patch.difficulty {
            l.difficulty.clone_from(v);
        }
        if let Some(v) = &patch.category {
            l.category.clone_from(v);
        }
        if let Some(v) = &patch.tags {
            l.tags.clone_from(v);
        }
        if let Some(v) = &patch.objectives {
            l.objectives.clone_from(v);
        }
        if let Some(v) = &patch.prerequisites {
            l.prerequisites.clone_from(v);
        }
        if let Some(v) = &patch.thumbnail_url {
            l.thumbnail_url.clone_from(v);
        }
        if let Some(v) = &patch.preview_video_url {
            l.preview_video_url.clone_from(v);
        }
        if let Some(v) = patch.is_published {
            l.is_published = v;
        }
        l.updated_at = now_ms();
        sqlx::query(
            "UPDATE course_listings SET title = $1, description = $2, short_description = $3, \
             difficulty = $4, category = $5, tags = $6, objectives = $7, prerequisites = $8, \
             thumbnail_url = $9, preview_video_url = $10, is_published = $11, search_text = $12, \
             updated_at = $13 WHERE course_id = $14",
        )
        .bind(&l.title)
        .bind(&l.description)
        .bind(&l.short_description)
        .bind(&l.difficulty)
        .bind(&l.category)
        .bind(json_list(&l.tags))
        .bind(json_list(&l.objectives))
        .bind(json_list(&l.prerequisites))
        .bind(&l.thumbnail_url)
        .bind(&l.preview_video_url)
        .bind(i64::from(l.is_published))
        .bind(search_text(
            &l.title,
            l.short_description.as_deref(),
            &l.description,
        ))
        .bind(l.updated_at)
        .bind(course_id)
        .execute(&mut *tx)
        .await?;
        if patch.tags.is_some() {
            write_tags(&mut tx, course_id, &l.tags).await?;
        }
        tx.commit().await?;
        self.forget_catalog_counts();
        Ok(Some(l))
    }

    /// Marks a published generated course's listing: its author and generation metadata.
    pub async fn mark_generated_listing(
        &self,
        course_id: &str,
        created_by: &str,
        metadata: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE course_listings SET created_by = $1, is_ai_generated = 1, \
             ai_generation_metadata = $2 WHERE course_id = $3",
        )
        .bind(created_by)
        .bind(metadata)
        .bind(course_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Delists a course (its enrolments and reviews go with it); false when it was not
    /// listed. Its lessons stay, so no learner's recorded work loses its step.
    pub async fn delete_listing(&self, course_id: &str) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let deleted = delete_listing_rows(&mut tx, course_id).await?;
        tx.commit().await?;
        self.forget_catalog_counts();
        Ok(deleted > 0)
    }

    /// Enrols `user_id`; false when they were enrolled already.
    pub async fn enroll(&self, user_id: &str, course_id: &str) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO course_enrollments (user_id, course_id, enrolled_at, completed_at) \
             VALUES ($1, $2, $3, NULL) ON CONFLICT (user_id, course_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(course_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if added > 0 {
            sqlx::query(
                "UPDATE course_listings SET enrollment_count = enrollment_count + 1 WHERE course_id = $1",
            )
            .bind(course_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        if added > 0 {
            self.learner_changed(user_id).await;
        }
        Ok(added > 0)
    }

    /// Unenrols `user_id`; false when they were not enrolled.
    pub async fn unenroll(&self, user_id: &str, course_id: &str) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let completed: Option<Option<i64>> = sqlx::query(
            "SELECT completed_at FROM course_enrollments WHERE user_id = $1 AND course_id = $2",
        )
        .bind(user_id)
        .bind(course_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("completed_at"))
        .transpose()?;
        let Some(completed) = completed else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM course_enrollments WHERE user_id = $1 AND course_id = $2")
            .bind(user_id)
            .bind(course_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE course_listings SET enrollment_count = enrollment_count - 1, \
             completion_count = completion_count - $1 WHERE course_id = $2",
        )
        .bind(i64::from(completed.is_some()))
        .bind(course_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.learner_changed(user_id).await;
        Ok(true)
    }

    /// The courses `user_id` is enrolled in, with when (ms) and when finished.
    pub async fn enrollments_of(
        &self,
        user_id: &str,
    ) -> Result<Vec<(String, i64, Option<i64>)>, StoreError> {
        sqlx::query(
            "SELECT course_id, enrolled_at, completed_at FROM course_enrollments \
             WHERE user_id = $1 ORDER BY enrolled_at, course_id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("course_id")?,
                r.try_get("enrolled_at")?,
                r.try_get("completed_at")?,
            ))
        })
        .collect()
    }

    /// Writes `user_id`'s review of `course_id` (replacing their earlier one); the listing's
    /// rating moves by the difference. Returns whether it was their first.
    pub async fn write_review(
        &self,
        user_id: &str,
        course_id: &str,
        rating: i64,
        body: &str,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let earlier: Option<i64> =
            sqlx::query("SELECT rating FROM course_reviews WHERE course_id = $1 AND user_id = $2")
                .bind(course_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("rating"))
                .transpose()?;
        match earlier {
            Some(old) => {
                sqlx::query(
                    "UPDATE course_reviews SET rating = $1, body = $2, updated_at = $3 \
                     WHERE course_id = $4 AND user_id = $5",
                )
                .bind(rating)
                .bind(body)
                .bind(now)
                .bind(course_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE course_listings SET rating_total = rating_total + $1 WHERE course_id = $2",
                )
                .bind(rating - old)
                .bind(course_id)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO course_reviews (course_id, user_id, rating, body, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(course_id)
                .bind(user_id)
                .bind(rating)
                .bind(body)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE course_listings SET rating_total = rating_total + $1, \
                     review_count = review_count + 1 WHERE course_id = $2",
                )
                .bind(rating)
                .bind(course_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(earlier.is_none())
    }

    /// Removes `user_id`'s review of `course_id`; false when there was none.
    pub async fn delete_review(&self, user_id: &str, course_id: &str) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let rating: Option<i64> =
            sqlx::query("SELECT rating FROM course_reviews WHERE course_id = $1 AND user_id = $2")
                .bind(course_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("rating"))
                .transpose()?;
        let Some(rating) = rating else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM course_reviews WHERE course_id = $1 AND user_id = $2")
            .bind(course_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE course_listings SET rating_total = rating_total - $1, \
             review_count = review_count - 1 WHERE course_id = $2",
        )
        .bind(rating)
        .bind(course_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every review `user_id` wrote, most recently edited first (their export).
    pub async fn reviews_by(&self, user_id: &str) -> Result<Vec<ReviewRow>, StoreError> {
        sqlx::query(
            "SELECT r.course_id, r.user_id, u.full_name, r.rating, r.body, r.created_at, r.updated_at \
             FROM course_reviews r JOIN users u ON u.id = r.user_id WHERE r.user_id = $1 \
             ORDER BY r.updated_at DESC, r.course_id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(review)
        .collect()
    }

    /// A page of `course_id`'s reviews, most recently edited first, and how many in all.
    pub async fn reviews(
        &self,
        course_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ReviewRow>, i64), StoreError> {
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM course_reviews WHERE course_id = $1")
                .bind(course_id)
                .fetch_one(self.pool())
                .await?
                .try_get("n")?;
        let rows = sqlx::query(&format!(
            "SELECT r.course_id, r.user_id, u.full_name, r.rating, r.body, r.created_at, r.updated_at \
             FROM course_reviews r JOIN users u ON u.id = r.user_id WHERE r.course_id = $1 \
             ORDER BY r.updated_at DESC, r.user_id LIMIT {limit} OFFSET {offset}"
        ))
        .bind(course_id)
        .fetch_all(self.pool())
        .await?;
        let reviews = rows.iter().map(review).collect::<Result<Vec<_>, _>>()?;
        Ok((reviews, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::pack::tests::Fixture;
    use crate::store::testing;

    async fn total(db: &Db, limit: i64) -> i64 {
        db.list_courses(&CourseFilter::default(), CourseOrder::Title, limit, 0)
            .await
            .unwrap()
            .1
    }

    #[tokio::test]
    async fn a_search_count_is_kept_until_a_listing_changes_through_this_replica() {
        let (db, _dir) = testing::sqlite().await;
        db.import_pack(&Fixture::new().load().unwrap())
            .await
            .unwrap();
        assert_eq!(total(&db, 1).await, 1);
        // Another replica lists a copy of the course: the full page's total here is the
        // kept count...
        let copy = LISTING_COLUMNS.replacen("course_id", "'c2'", 1);
        sqlx::query(&format!(
            "INSERT INTO course_listings ({LISTING_COLUMNS}, search_text) SELECT {copy}, \
             search_text FROM course_listings WHERE course_id = 'c'"
        ))
        .execute(db.pool())
        .await
        .unwrap();
        assert_eq!(total(&db, 1).await, 1, "kept");
        // ...a page short of its limit tells the exact total...
        assert_eq!(total(&db, 5).await, 2);
        // ...and a listing changed through this replica forgets the kept counts.
        db.update_listing("c", &ListingPatch::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(total(&db, 1).await, 2);
    }
}
