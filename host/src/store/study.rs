//! The tables of seed 002's AI study endpoints (`migrations/shared/20261204190000_study.sql`):
//! generated quizzes, Socratic study sessions with their turns, and generated course
//! drafts (`crate::study` decides; docs/study.md). Documents the endpoints answer with are
//! kept as JSON text, exactly as answered.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, StoreError};

/// A stored study session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Id (`session_<uuid>`).
    pub id: String,
    /// The learner.
    pub user_id: String,
    /// What the session is about (a lesson id, or the client's own resource id).
    pub resource_id: String,
    /// When, ms.
    pub created_at: i64,
    /// When the last turn came, ms.
    pub updated_at: i64,
}

/// One turn of a session's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// `user` or `assistant`.
    pub role: String,
    /// What was said.
    pub content: String,
}

/// A generated course kept as a draft content pack.
#[derive(Debug, Clone)]
pub struct CourseDraftRow {
    /// Id (`course_<uuid>`).
    pub id: String,
    /// Who generated it.
    pub user_id: String,
    /// The id of the pack it becomes.
    pub pack_id: String,
    /// The generated course (seed 002 §3.4's response), JSON.
    pub course: String,
    /// The pack's files, `{"path": "text"}` JSON.
    pub files: String,
    /// `draft` or `published`.
    pub status: String,
    /// Who published it.
    pub published_by: Option<String>,
    /// When, ms.
    pub published_at: Option<i64>,
    /// When generated, ms.
    pub created_at: i64,
}

const DRAFT_COLUMNS: &str =
    "id, user_id, pack_id, course, files, status, published_by, published_at, created_at";

fn draft_row(r: &AnyRow) -> Result<CourseDraftRow, sqlx::Error> {
    Ok(CourseDraftRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        pack_id: r.try_get("pack_id")?,
        course: r.try_get("course")?,
        files: r.try_get("files")?,
        status: r.try_get("status")?,
        published_by: r.try_get("published_by")?,
        published_at: r.try_get("published_at")?,
        created_at: r.try_get("created_at")?,
    })
}

fn session_row(r: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    Ok(SessionRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        resource_id: r.try_get("resource_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

impl Db {
    /// Stores a generated quiz (the response body, JSON).
    pub async fn insert_generated_quiz(
        &self,
        id: &str,
        user_id: &str,
        resource_id: &str,
        quiz: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO generated_quizzes (id, user_id, resource_id, quiz, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(user_id)
        .bind(resource_id)
        .bind(quiz)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A learner's generated quiz (the stored response body), if theirs.
    pub async fn generated_quiz(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT quiz FROM generated_quizzes WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get("quiz")).transpose()?)
    }

    /// Every quiz generated for a learner, oldest first (their export).
    pub async fn generated_quizzes(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT quiz FROM generated_quizzes WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("quiz"))
            .collect::<Result<_, _>>()?)
    }

    /// A learner's study session, if theirs.
    pub async fn study_session(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, resource_id, created_at, updated_at FROM study_sessions \
             WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(session_row).transpose()?)
    }

    /// A learner's study sessions, most recent first.
    pub async fn study_sessions(&self, user_id: &str) -> Result<Vec<SessionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, resource_id, created_at, updated_at FROM study_sessions \
             WHERE user_id = $1 ORDER BY updated_at DESC, id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(session_row).collect::<Result<_, _>>()?)
    }

    /// A session's history, in order.
    pub async fn study_turns(&self, session_id: &str) -> Result<Vec<Turn>, StoreError> {
        let rows = sqlx::query(
            "SELECT role, content FROM study_messages WHERE session_id = $1 ORDER BY position",
        )
        .bind(session_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(Turn {
                    role: r.try_get("role")?,
                    content: r.try_get("content")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Appends `turns` to the session (creating it when `create`), in one transaction.
    /// `from` is the position of the first new turn: the history the caller answered
    /// from, so two answers racing on one session cannot both land (the second meets
    /// the first's positions and fails as a conflict).
    pub async fn append_study_turns(
        &self,
        session: &SessionRow,
        create: bool,
        from: usize,
        turns: &[Turn],
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        if create {
            sqlx::query(
                "INSERT INTO study_sessions (id, user_id, resource_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&session.id)
            .bind(&session.user_id)
            .bind(&session.resource_id)
            .bind(session.created_at)
            .bind(session.updated_at)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query("UPDATE study_sessions SET updated_at = $2 WHERE id = $1")
                .bind(&session.id)
                .bind(session.updated_at)
                .execute(&mut *tx)
                .await?;
        }
        for (i, t) in turns.iter().enumerate() {
            sqlx::query(
                "INSERT INTO study_messages (session_id, position, user_id, role, content, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&session.id)
            .bind(i64::try_from(from + i).unwrap_or(i64::MAX))
            .bind(&session.user_id)
            .bind(&t.role)
            .bind(&t.content)
            .bind(session.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "study session turn"))?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a generated course draft.
    pub async fn insert_course_draft(&self, d: &CourseDraftRow) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(&format!(
            "INSERT INTO course_drafts ({DRAFT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&d.id)
        .bind(&d.user_id)
        .bind(&d.pack_id)
        .bind(&d.course)
        .bind(&d.files)
        .bind(&d.status)
        .bind(&d.published_by)
        .bind(d.published_at)
        .bind(d.created_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A course draft by id.
    pub async fn course_draft(&self, id: &str) -> Result<Option<CourseDraftRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {DRAFT_COLUMNS} FROM course_drafts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(draft_row).transpose()?)
    }

    /// The course drafts a user generated, most recent first.
    pub async fn course_drafts(&self, user_id: &str) -> Result<Vec<CourseDraftRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DRAFT_COLUMNS} FROM course_drafts WHERE user_id = $1 \
             ORDER BY created_at DESC, id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(draft_row).collect::<Result<_, _>>()?)
    }

    /// Marks a draft published by `by`.
    pub async fn publish_course_draft(
        &self,
        id: &str,
        by: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE course_drafts SET status = 'published', published_by = $2, published_at = $3 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(by)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
