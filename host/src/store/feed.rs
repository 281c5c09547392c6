//! The social feed (seed 002 §3.5): the follow graph, feed items (shared activity and
//! posts), likes and bookmarks, comments, shares, reports and each learner's privacy choice.
//! An item's engagement counts move with the rows they count in one transaction.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Backend, Db, StoreError, now_ms};

/// A feed item as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItemRow {
    /// Id.
    pub id: String,
    /// Who it is about (activity) or who wrote it (post, share).
    pub author_id: String,
    /// `course_completion`, `badge`, `certificate`, `streak_milestone`, `post` or `share`.
    pub kind: String,
    /// A line.
    pub title: String,
    /// The text.
    pub body: String,
    /// The course it is about.
    pub course_id: Option<String>,
    /// The badge earned.
    pub badge: Option<String>,
    /// Tags (the course's, or a post's): what interest matching reads.
    pub tags: Vec<String>,
    /// The course's difficulty: what skill-level matching reads.
    pub difficulty: Option<String>,
    /// A share's original item.
    pub shared_item_id: Option<String>,
    /// Likes.
    pub likes: i64,
    /// Comments shown.
    pub comments: i64,
    /// Shares.
    pub shares: i64,
    /// Bookmarks.
    pub bookmarks: i64,
    /// Open and closed reports.
    pub reports: i64,
    /// Hidden by a moderator.
    pub hidden: bool,
    /// When, ms.
    pub created_at: i64,
}

impl FeedItemRow {
    /// A new item with no engagement yet.
    pub fn new(author_id: &str, kind: &str, title: String, body: String, at: i64) -> FeedItemRow {
        FeedItemRow {
            id: uuid::Uuid::new_v4().to_string(),
            author_id: author_id.to_owned(),
            kind: kind.to_owned(),
            title,
            body,
            course_id: None,
            badge: None,
            tags: Vec::new(),
            difficulty: None,
            shared_item_id: None,
            likes: 0,
            comments: 0,
            shares: 0,
            bookmarks: 0,
            reports: 0,
            hidden: false,
            created_at: at,
        }
    }

    /// Whether it is something its author wrote (a post or a share), not activity.
    pub fn is_written(&self) -> bool {
        matches!(self.kind.as_str(), "post" | "share")
    }
}

/// A feed candidate: an item with how the viewer knows its author.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The item.
    pub item: FeedItemRow,
    /// The author's display name.
    pub author_name: String,
    /// The author's avatar URL.
    pub author_avatar: Option<String>,
    /// The viewer follows the author.
    pub followed: bool,
    /// The author follows the viewer.
    pub follows_back: bool,
    /// The author shares a class with the viewer.
    pub classmate: bool,
    /// The viewer liked it.
    pub liked: bool,
    /// The viewer bookmarked it.
    pub bookmarked: bool,
}

impl Candidate {
    /// `item` outside a feed: no tie to the viewer known, no reaction.
    pub fn bare(item: FeedItemRow, author_name: String) -> Candidate {
        Candidate {
            item,
            author_name,
            author_avatar: None,
            followed: false,
            follows_back: false,
            classmate: false,
            liked: false,
            bookmarked: false,
        }
    }
}

/// A comment.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentRow {
    /// Id.
    pub id: String,
    /// The item.
    pub item_id: String,
    /// The writer.
    pub author_id: String,
    /// The writer's display name.
    pub author_name: String,
    /// Text.
    pub body: String,
    /// Hidden by a moderator.
    pub hidden: bool,
    /// When, ms.
    pub created_at: i64,
}

/// An open report, for the moderation queue.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The item or comment reported.
    pub target_id: String,
    /// `item` or `comment`.
    pub target_kind: String,
    /// Who reported it.
    pub reporter_id: String,
    /// Why.
    pub reason: String,
    /// When, ms.
    pub created_at: i64,
    /// The reported text.
    pub text: String,
    /// Its writer.
    pub author_id: String,
}

const ITEM_COLUMNS: &str = "i.id, i.author_id, i.kind, i.title, i.body, i.course_id, i.badge, \
     i.tags, i.difficulty, i.shared_item_id, i.likes, i.comments, i.shares, i.bookmarks, \
     i.reports, i.hidden, i.created_at";

fn item(r: &AnyRow) -> Result<FeedItemRow, StoreError> {
    let tags: String = r.try_get("tags")?;
    Ok(FeedItemRow {
        id: r.try_get("id")?,
        author_id: r.try_get("author_id")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        course_id: r.try_get("course_id")?,
        badge: r.try_get("badge")?,
        tags: serde_json::from_str(&tags)
            .map_err(|e| StoreError::Corrupt(format!("feed item tags: {e}")))?,
        difficulty: r.try_get("difficulty")?,
        shared_item_id: r.try_get("shared_item_id")?,
        likes: r.try_get("likes")?,
        comments: r.try_get("comments")?,
        shares: r.try_get("shares")?,
        bookmarks: r.try_get("bookmarks")?,
        reports: r.try_get("reports")?,
        hidden: r.try_get::<i64, _>("hidden")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

const COMMENT_SELECT: &str = "SELECT c.id, c.item_id, c.author_id, u.full_name, c.body, \
     c.hidden, c.created_at FROM feed_comments c JOIN users u ON u.id = c.author_id";

fn comment_row(r: &AnyRow) -> Result<CommentRow, StoreError> {
    Ok(CommentRow {
        id: r.try_get("id")?,
        item_id: r.try_get("item_id")?,
        author_id: r.try_get("author_id")?,
        author_name: r.try_get("full_name")?,
        body: r.try_get("body")?,
        hidden: r.try_get::<i64, _>("hidden")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

/// Stores feed items inside a caller's transaction (an answer's outcome, a post).
pub(super) async fn insert_items(
    tx: &mut Transaction<'static, Any>,
    items: &[FeedItemRow],
) -> Result<(), StoreError> {
    for i in items {
        let tags = serde_json::to_string(&i.tags)
            .map_err(|e| StoreError::Corrupt(format!("feed item tags: {e}")))?;
        sqlx::query(
            "INSERT INTO feed_items (id, author_id, kind, title, body, course_id, badge, tags, \
             difficulty, shared_item_id, likes, comments, shares, bookmarks, reports, hidden, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 0, 0, 0, 0, 0, $11)",
        )
        .bind(&i.id)
        .bind(&i.author_id)
        .bind(&i.kind)
        .bind(&i.title)
        .bind(&i.body)
        .bind(&i.course_id)
        .bind(&i.badge)
        .bind(tags)
        .bind(&i.difficulty)
        .bind(&i.shared_item_id)
        .bind(i.created_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Removes a deleted account's part of the feed inside its deletion's transaction: its
/// items (with their reactions, comments and reports), its reactions and comments on
/// others' items (uncounted), its follows both ways and its settings.
pub(super) async fn forget_user(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
) -> Result<(), StoreError> {
    for (kind, column) in [("like", "likes"), ("bookmark", "bookmarks")] {
        // The column is one of the constants above, never input.
        sqlx::query(&format!(
            "UPDATE feed_items SET {column} = {column} - 1 WHERE id IN \
             (SELECT item_id FROM feed_reactions WHERE user_id = $1 AND kind = $2)"
        ))
        .bind(user_id)
        .bind(kind)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "UPDATE feed_items SET comments = comments - (SELECT COUNT(*) FROM feed_comments c \
         WHERE c.item_id = feed_items.id AND c.author_id = $1 AND c.hidden = 0) \
         WHERE id IN (SELECT item_id FROM feed_comments WHERE author_id = $1)",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE feed_items SET shares = shares - 1 WHERE id IN (SELECT shared_item_id FROM \
         feed_items WHERE author_id = $1 AND kind = 'share')",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    let statements = [
        "DELETE FROM feed_reactions WHERE user_id = $1 OR item_id IN \
         (SELECT id FROM feed_items WHERE author_id = $1)",
        "DELETE FROM feed_reports WHERE reporter_id = $1 OR target_id IN \
         (SELECT id FROM feed_items WHERE author_id = $1) OR target_id IN \
         (SELECT id FROM feed_comments WHERE author_id = $1)",
        "DELETE FROM feed_comments WHERE author_id = $1 OR item_id IN \
         (SELECT id FROM feed_items WHERE author_id = $1)",
        "DELETE FROM feed_items WHERE author_id = $1",
        "DELETE FROM follows WHERE follower_id = $1 OR followee_id = $1",
        "DELETE FROM feed_settings WHERE user_id = $1",
    ];
    for sql in statements {
        sqlx::query(sql).bind(user_id).execute(&mut **tx).await?;
    }
    Ok(())
}

impl Db {
    /// The lower-cased tags and the difficulties of the courses `user_id` enrolled in: what
    /// the feed's ranking knows of their interests and level.
    pub async fn enrolled_tags(
        &self,
        user_id: &str,
    ) -> Result<Vec<(Vec<String>, String)>, StoreError> {
        sqlx::query(
            "SELECT l.tags, l.difficulty FROM course_enrollments e \
             JOIN course_listings l ON l.course_id = e.course_id WHERE e.user_id = $1",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let tags: String = r.try_get("tags")?;
            let tags: Vec<String> = serde_json::from_str(&tags)
                .map_err(|e| StoreError::Corrupt(format!("listing tags: {e}")))?;
            Ok((
                tags.into_iter().map(|t| t.to_lowercase()).collect(),
                r.try_get("difficulty")?,
            ))
        })
        .collect()
    }

    /// Stores feed items (a post, a share) on their own.
    pub async fn add_feed_items(&self, items: &[FeedItemRow]) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        insert_items(&mut tx, items).await?;
        // A share counts on the item shared.
        for i in items.iter().filter(|i| i.kind == "share") {
            sqlx::query("UPDATE feed_items SET shares = shares + 1 WHERE id = $1")
                .bind(&i.shared_item_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One item.
    pub async fn feed_item(&self, id: &str) -> Result<Option<FeedItemRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS} FROM feed_items i WHERE i.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(item)
        .transpose()
    }

    /// Whether `viewer` sees items by `author`: themselves, someone they follow, or a
    /// member (or the teacher) of a class of theirs.
    pub async fn in_audience(&self, viewer: &str, author: &str) -> Result<bool, StoreError> {
        if viewer == author {
            return Ok(true);
        }
        let row = sqlx::query(
            "SELECT 1 AS x FROM follows WHERE follower_id = $1 AND followee_id = $2 \
             UNION ALL SELECT 1 FROM class_members a JOIN class_members b ON a.class_id = b.class_id \
             WHERE a.user_id = $1 AND b.user_id = $2 \
             UNION ALL SELECT 1 FROM class_members a JOIN classes c ON c.id = a.class_id \
             WHERE (a.user_id = $1 AND c.teacher_id = $2) OR (a.user_id = $2 AND c.teacher_id = $1)",
        )
        .bind(viewer)
        .bind(author)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }

    /// Whose feeds may show what `author` writes: their followers, their classmates, their
    /// classes' teachers and their own classes' members, and themselves.
    pub async fn readers_of(&self, author: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT follower_id AS user_id FROM follows WHERE followee_id = $1 \
             UNION SELECT b.user_id FROM class_members a JOIN class_members b \
             ON a.class_id = b.class_id WHERE a.user_id = $1 \
             UNION SELECT c.teacher_id FROM class_members a JOIN classes c ON c.id = a.class_id \
             WHERE a.user_id = $1 \
             UNION SELECT a.user_id FROM classes c JOIN class_members a ON a.class_id = c.id \
             WHERE c.teacher_id = $1 \
             UNION SELECT $1",
        )
        .bind(author)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| r.try_get("user_id").map_err(StoreError::from))
            .collect()
    }

    /// The newest `window` items `viewer` may see since `since` (ms): their own, of people
    /// they follow and of their classes, not hidden; activity only of authors who share it.
    /// Each with how the viewer knows its author, and only what ranking reads: the title,
    /// text, author's name and the viewer's reactions are left empty for
    /// [`Db::complete_feed_items`] to fill on the page shown.
    pub async fn feed_candidates(
        &self,
        viewer: &str,
        since: i64,
        window: i64,
    ) -> Result<Vec<Candidate>, StoreError> {
        // Two steps, because one query joining the audience to the items leaves Postgres
        // guessing the audience's size (200 rows) and it then scans and sorts every item
        // of the window (~75 ms at 150 000 items) instead of walking the recency index. With
        // the authors spelt out it knows how many items they have and walks the index to
        // the window (docs/benchmarks.md "Feed and catalog").
        let who = sqlx::query(
            "WITH audience AS ( \
               SELECT followee_id AS user_id, 1 AS followed, 0 AS classmate FROM follows \
               WHERE follower_id = $1 \
               UNION ALL SELECT b.user_id, 0, 1 FROM class_members a JOIN class_members b \
               ON a.class_id = b.class_id WHERE a.user_id = $1 AND b.user_id <> $1 \
               UNION ALL SELECT c.teacher_id, 0, 1 FROM class_members a JOIN classes c \
               ON c.id = a.class_id WHERE a.user_id = $1 AND c.teacher_id <> $1 \
               UNION ALL SELECT a.user_id, 0, 1 FROM classes c JOIN class_members a \
               ON a.class_id = c.id WHERE c.teacher_id = $1 \
               UNION ALL SELECT $1, 0, 0 \
             ) \
             SELECT au.user_id, CAST(MAX(au.followed) AS BIGINT) AS followed, \
             CAST(MAX(au.classmate) AS BIGINT) AS classmate, \
             CAST(MAX(CASE WHEN f.follower_id IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS follows_back, \
             CAST(MAX(COALESCE(s.share_activity, 0)) AS BIGINT) AS shares \
             FROM audience au \
             LEFT JOIN follows f ON f.follower_id = au.user_id AND f.followee_id = $1 \
             LEFT JOIN feed_settings s ON s.user_id = au.user_id \
             GROUP BY au.user_id",
        )
        .bind(viewer)
        .fetch_all(self.pool())
        .await?;
        let mut ties: HashMap<String, (bool, bool, bool)> = HashMap::with_capacity(who.len());
        // Whose every item the viewer sees (themselves, and those sharing their activity),
        // and whose posts and shares only.
        let (mut everything, mut posts_only) = (Vec::new(), Vec::new());
        for r in &who {
            let user: String = r.try_get("user_id")?;
            if user == viewer || r.try_get::<i64, _>("shares")? != 0 {
                everything.push(user.clone());
            } else {
                posts_only.push(user.clone());
            }
            ties.insert(
                user,
                (
                    r.try_get::<i64, _>("followed")? != 0,
                    r.try_get::<i64, _>("classmate")? != 0,
                    r.try_get::<i64, _>("follows_back")? != 0,
                ),
            );
        }
        let items = self
            .newest_items_of(&everything, &posts_only, since, window)
            .await?;
        Ok(items
            .into_iter()
            .map(|item| {
                let (followed, classmate, follows_back) =
                    ties.get(&item.author_id).copied().unwrap_or_default();
                let mut c = Candidate::bare(item, String::new());
                c.followed = followed;
                c.classmate = classmate;
                c.follows_back = follows_back;
                c
            })
            .collect())
    }

    /// The newest `window` unhidden items since `since`: every item of `everything`'s,
    /// the posts and shares of `posts_only`'s; without title and text (ranking does not
    /// read them).
    async fn newest_items_of(
        &self,
        everything: &[String],
        posts_only: &[String],
        since: i64,
        window: i64,
    ) -> Result<Vec<FeedItemRow>, StoreError> {
        // One walk down the recency index for both lists, each list one JSON parameter the
        // database turns into a hashed set: an IN list of parameters is compared item by
        // item per row, and planning hundreds of parameters cost more than running the
        // query (~10 -> ~3 ms a feed at 500 authors).
        let authors = |n: usize| match self.backend() {
            Backend::Postgres => format!("SELECT json_array_elements_text(CAST(${n} AS json))"),
            Backend::Sqlite => format!("SELECT value FROM json_each(${n})"),
        };
        let sql = format!(
            "SELECT i.id, i.author_id, i.kind, '' AS title, '' AS body, i.course_id, i.badge, \
             i.tags, i.difficulty, i.shared_item_id, i.likes, i.comments, i.shares, \
             i.bookmarks, i.reports, i.hidden, i.created_at FROM feed_items i \
             WHERE i.hidden = 0 AND i.created_at >= $1 AND (i.author_id IN ({}) \
             OR (i.author_id IN ({}) AND i.kind IN ('post', 'share'))) \
             ORDER BY i.created_at DESC, i.id LIMIT $2",
            authors(3),
            authors(4)
        );
        let list = |ids: &[String]| serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        sqlx::query(&sql)
            .bind(since)
            .bind(window)
            .bind(list(everything))
            .bind(list(posts_only))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(item)
            .collect()
    }

    /// Fills the candidates of a page with what ranking did not need, and what may have
    /// changed since it ranked them: each item's title and text, its engagement counts, its
    /// author's name and avatar, whether `viewer` liked or bookmarked it, and whether it is
    /// hidden (an item deleted since is marked hidden too).
    pub async fn complete_feed_items(
        &self,
        viewer: &str,
        page: &mut [Candidate],
    ) -> Result<(), StoreError> {
        if page.is_empty() {
            return Ok(());
        }
        let list = (2..page.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            // Per-item look-ups by key rather than joins: a join may hash all of `users`.
            "SELECT i.id, i.title, i.body, i.likes, i.comments, i.shares, i.bookmarks, i.hidden, \
             COALESCE((SELECT u.full_name FROM users u WHERE u.id = i.author_id), '') AS full_name, \
             (SELECT p.avatar_url FROM profiles p WHERE p.user_id = i.author_id) AS avatar_url, \
             (SELECT COALESCE(SUM(CASE r.kind WHEN 'like' THEN 1 WHEN 'bookmark' THEN 2 ELSE 0 END), 0) \
              FROM feed_reactions r WHERE r.item_id = i.id AND r.user_id = $1) AS reacted \
             FROM feed_items i WHERE i.id IN ({list})"
        );
        let mut q = sqlx::query(&sql).bind(viewer);
        for c in page.iter() {
            q = q.bind(c.item.id.clone());
        }
        let rows = q.fetch_all(self.pool()).await?;
        // Not found below: deleted since it was ranked, so not to be shown.
        for c in page.iter_mut() {
            c.item.hidden = true;
        }
        for r in rows {
            let id: String = r.try_get("id")?;
            if let Some(c) = page.iter_mut().find(|c| c.item.id == id) {
                c.item.title = r.try_get("title")?;
                c.item.body = r.try_get("body")?;
                c.item.likes = r.try_get("likes")?;
                c.item.comments = r.try_get("comments")?;
                c.item.shares = r.try_get("shares")?;
                c.item.bookmarks = r.try_get("bookmarks")?;
                c.item.hidden = r.try_get::<i64, _>("hidden")? != 0;
                c.author_name = r.try_get("full_name")?;
                c.author_avatar = r.try_get("avatar_url")?;
                // One look-up of the viewer's reactions: bit 1 a like, bit 2 a bookmark.
                let reacted = r.try_get::<i64, _>("reacted")?;
                c.liked = reacted & 1 != 0;
                c.bookmarked = reacted & 2 != 0;
            }
        }
        Ok(())
    }

    /// Follows; false when `follower` followed `followee` already.
    pub async fn follow(&self, follower: &str, followee: &str) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        Ok(sqlx::query(
            "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (follower_id, followee_id) DO NOTHING",
        )
        .bind(follower)
        .bind(followee)
        .bind(now_ms())
        .execute(self.pool())
        .await?
        .rows_affected()
            > 0)
    }

    /// Unfollows; false when `follower` did not follow `followee`.
    pub async fn unfollow(&self, follower: &str, followee: &str) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        Ok(
            sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
                .bind(follower)
                .bind(followee)
                .execute(self.pool())
                .await?
                .rows_affected()
                > 0,
        )
    }

    /// The people `user_id` follows (`following`) or who follow them, newest first, with
    /// their display names, a page of them and how many in all.
    pub async fn follow_list(
        &self,
        user_id: &str,
        following: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<(String, String, i64)>, i64), StoreError> {
        let (mine, theirs) = if following {
            ("follower_id", "followee_id")
        } else {
            ("followee_id", "follower_id")
        };
        // The column names are the constants above, never input.
        let rows = sqlx::query(&format!(
            "SELECT f.{theirs} AS id, u.full_name, f.created_at FROM follows f \
             JOIN users u ON u.id = f.{theirs} WHERE f.{mine} = $1 \
             ORDER BY f.created_at DESC, f.{theirs} LIMIT $2 OFFSET $3"
        ))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("full_name")?,
                r.try_get("created_at")?,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM follows WHERE {mine} = $1"
        ))
        .bind(user_id)
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        Ok((rows, total))
    }

    /// Adds a like or bookmark (`kind`); false when it was there already.
    pub async fn react(
        &self,
        item_id: &str,
        user_id: &str,
        kind: &str,
    ) -> Result<bool, StoreError> {
        self.change_reaction(item_id, user_id, kind, true).await
    }

    /// Takes a like or bookmark back; false when there was none.
    pub async fn unreact(
        &self,
        item_id: &str,
        user_id: &str,
        kind: &str,
    ) -> Result<bool, StoreError> {
        self.change_reaction(item_id, user_id, kind, false).await
    }

    async fn change_reaction(
        &self,
        item_id: &str,
        user_id: &str,
        kind: &str,
        add: bool,
    ) -> Result<bool, StoreError> {
        let column = match kind {
            "like" => "likes",
            "bookmark" => "bookmarks",
            other => return Err(StoreError::Corrupt(format!("reaction kind `{other}`"))),
        };
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let changed = if add {
            sqlx::query(
                "INSERT INTO feed_reactions (item_id, user_id, kind, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (item_id, user_id, kind) DO NOTHING",
            )
            .bind(item_id)
            .bind(user_id)
            .bind(kind)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query(
                "DELETE FROM feed_reactions WHERE item_id = $1 AND user_id = $2 AND kind = $3",
            )
            .bind(item_id)
            .bind(user_id)
            .bind(kind)
            .execute(&mut *tx)
            .await?
        }
        .rows_affected()
            > 0;
        if changed {
            let step = if add { "+ 1" } else { "- 1" };
            // The column and step are the constants above, never input.
            sqlx::query(&format!(
                "UPDATE feed_items SET {column} = {column} {step} WHERE id = $1"
            ))
            .bind(item_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The reactions (`like`, `bookmark`) of `user_id` on `item_id`.
    pub async fn reactions_of(
        &self,
        user_id: &str,
        item_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query("SELECT kind FROM feed_reactions WHERE item_id = $1 AND user_id = $2")
            .bind(item_id)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok(r.try_get("kind")?))
            .collect()
    }

    /// Deletes an item with its reactions, comments and reports; a share stops counting on
    /// its original.
    pub async fn delete_feed_item(&self, id: &str) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE feed_items SET shares = shares - 1 WHERE id = (SELECT shared_item_id \
             FROM feed_items WHERE id = $1 AND kind = 'share')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        for sql in [
            "DELETE FROM feed_reactions WHERE item_id = $1",
            "DELETE FROM feed_reports WHERE target_id = $1 OR target_id IN \
             (SELECT id FROM feed_comments WHERE item_id = $1)",
            "DELETE FROM feed_comments WHERE item_id = $1",
            "DELETE FROM feed_items WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The items `user_id` bookmarked, newest bookmark first.
    pub async fn bookmarked_items(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<FeedItemRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS} FROM feed_reactions r JOIN feed_items i ON i.id = r.item_id \
             WHERE r.user_id = $1 AND r.kind = 'bookmark' AND i.hidden = 0 \
             ORDER BY r.created_at DESC, i.id LIMIT $2 OFFSET $3"
        ))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(item)
        .collect()
    }

    /// Adds a comment; the item's count moves with it.
    pub async fn add_comment(&self, c: &CommentRow) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO feed_comments (id, item_id, author_id, body, hidden, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5)",
        )
        .bind(&c.id)
        .bind(&c.item_id)
        .bind(&c.author_id)
        .bind(&c.body)
        .bind(c.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE feed_items SET comments = comments + 1 WHERE id = $1")
            .bind(&c.item_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An item's comments not hidden, oldest first, a page of them.
    pub async fn comments(
        &self,
        item_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CommentRow>, StoreError> {
        sqlx::query(&format!(
            "{COMMENT_SELECT} WHERE c.item_id = $1 AND c.hidden = 0 \
             ORDER BY c.created_at, c.id LIMIT $2 OFFSET $3"
        ))
        .bind(item_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(comment_row)
        .collect()
    }

    /// Whether `user_id` shares their activity (off until they turn it on).
    pub async fn shares_activity(&self, user_id: &str) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("SELECT share_activity FROM feed_settings WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?
                .map(|r| r.try_get::<i64, _>("share_activity"))
                .transpose()?
                .is_some_and(|v| v != 0),
        )
    }

    /// Sets whether `user_id` shares their activity.
    pub async fn set_share_activity(&self, user_id: &str, on: bool) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO feed_settings (user_id, share_activity, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET share_activity = excluded.share_activity, \
             updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(i64::from(on))
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Reports an item or a comment (`target_kind`); false when this reporter had
    /// reported it already.
    pub async fn report(
        &self,
        target_kind: &str,
        target_id: &str,
        reporter: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO feed_reports (target_id, reporter_id, target_kind, reason, created_at, \
             resolved_at) VALUES ($1, $2, $3, $4, $5, NULL) \
             ON CONFLICT (target_id, reporter_id) DO NOTHING",
        )
        .bind(target_id)
        .bind(reporter)
        .bind(target_kind)
        .bind(reason)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if added && target_kind == "item" {
            sqlx::query("UPDATE feed_items SET reports = reports + 1 WHERE id = $1")
                .bind(target_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// A comment.
    pub async fn comment(&self, id: &str) -> Result<Option<CommentRow>, StoreError> {
        sqlx::query(&format!("{COMMENT_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(comment_row)
            .transpose()
    }

    /// The open reports, oldest first, with the text reported.
    pub async fn open_reports(&self, limit: i64) -> Result<Vec<ReportRow>, StoreError> {
        sqlx::query(
            "SELECT r.target_id, r.target_kind, r.reporter_id, r.reason, r.created_at, \
             COALESCE(i.title || ': ' || i.body, c.body, '') AS text, \
             COALESCE(i.author_id, c.author_id, '') AS author_id \
             FROM feed_reports r LEFT JOIN feed_items i ON r.target_kind = 'item' AND i.id = r.target_id \
             LEFT JOIN feed_comments c ON r.target_kind = 'comment' AND c.id = r.target_id \
             WHERE r.resolved_at IS NULL ORDER BY r.created_at, r.target_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(ReportRow {
                target_id: r.try_get("target_id")?,
                target_kind: r.try_get("target_kind")?,
                reporter_id: r.try_get("reporter_id")?,
                reason: r.try_get("reason")?,
                created_at: r.try_get("created_at")?,
                text: r.try_get("text")?,
                author_id: r.try_get("author_id")?,
            })
        })
        .collect()
    }

    /// A moderator's decision on an item or comment: hidden or shown, and its reports
    /// resolved. False when there is no such target.
    pub async fn moderate(
        &self,
        target_kind: &str,
        target_id: &str,
        hide: bool,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        let changed = if target_kind == "item" {
            sqlx::query("UPDATE feed_items SET hidden = $1 WHERE id = $2")
                .bind(i64::from(hide))
                .bind(target_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        } else {
            // A comment hidden stops counting on its item; shown again, it counts again.
            let was: Option<(i64, String)> =
                sqlx::query("SELECT hidden, item_id FROM feed_comments WHERE id = $1")
                    .bind(target_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| Ok::<_, sqlx::Error>((r.try_get("hidden")?, r.try_get("item_id")?)))
                    .transpose()?;
            match was {
                None => 0,
                Some((hidden, item_id)) => {
                    if (hidden != 0) != hide {
                        let step = if hide { "- 1" } else { "+ 1" };
                        sqlx::query(&format!(
                            "UPDATE feed_items SET comments = comments {step} WHERE id = $1"
                        ))
                        .bind(&item_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query("UPDATE feed_comments SET hidden = $1 WHERE id = $2")
                        .bind(i64::from(hide))
                        .bind(target_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                }
            }
        };
        if changed > 0 {
            sqlx::query(
                "UPDATE feed_reports SET resolved_at = $1 WHERE target_id = $2 AND resolved_at IS NULL",
            )
            .bind(now_ms())
            .bind(target_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// What `user_id` wrote in the feed (their export): items (posts, shares, activity)
    /// and comments.
    pub async fn feed_export(
        &self,
        user_id: &str,
    ) -> Result<(Vec<FeedItemRow>, Vec<CommentRow>), StoreError> {
        let items = sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS} FROM feed_items i WHERE i.author_id = $1 ORDER BY i.created_at"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(item)
        .collect::<Result<Vec<_>, _>>()?;
        let comments = sqlx::query(&format!(
            "{COMMENT_SELECT} WHERE c.author_id = $1 ORDER BY c.created_at"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(comment_row)
        .collect::<Result<Vec<_>, _>>()?;
        Ok((items, comments))
    }
}
