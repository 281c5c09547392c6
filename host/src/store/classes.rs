//! A teacher's classes and their students.

use sqlx::Row;

use super::{Db, StoreError, now_ms};

/// A class.
#[derive(Debug, Clone)]
pub struct ClassRow {
    /// Class id.
    pub id: String,
    /// The teacher who owns it.
    pub teacher_id: String,
    /// Name.
    pub name: String,
    /// Created, ms.
    pub created_at: i64,
}

/// A student of a class.
#[derive(Debug, Clone)]
pub struct MemberRow {
    /// User id.
    pub user_id: String,
    /// E-mail.
    pub email: String,
    /// Name.
    pub full_name: String,
}

impl Db {
    /// Creates a class owned by `teacher_id`.
    pub async fn create_class(&self, teacher_id: &str, name: &str) -> Result<ClassRow, StoreError> {
        let row = ClassRow {
            id: uuid::Uuid::new_v4().to_string(),
            teacher_id: teacher_id.to_owned(),
            name: name.to_owned(),
            created_at: now_ms(),
        };
        sqlx::query(
            "INSERT INTO classes (id, teacher_id, name, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&row.id)
        .bind(&row.teacher_id)
        .bind(&row.name)
        .bind(row.created_at)
        .execute(self.pool())
        .await?;
        Ok(row)
    }

    /// A class by id.
    pub async fn class(&self, id: &str) -> Result<Option<ClassRow>, StoreError> {
        let row = sqlx::query("SELECT id, teacher_id, name, created_at FROM classes WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|r| {
                Ok::<_, sqlx::Error>(ClassRow {
                    id: r.try_get("id")?,
                    teacher_id: r.try_get("teacher_id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .transpose()?)
    }

    /// Adds a student (by user id) to a class; `false` when already a member.
    pub async fn add_class_member(
        &self,
        class_id: &str,
        user_id: &str,
    ) -> Result<bool, StoreError> {
        let added = sqlx::query(
            "INSERT INTO class_members (class_id, user_id, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT (class_id, user_id) DO NOTHING",
        )
        .bind(class_id)
        .bind(user_id)
        .bind(now_ms())
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(added == 1)
    }

    /// The students of a class, by name.
    pub async fn class_members(&self, class_id: &str) -> Result<Vec<MemberRow>, StoreError> {
        Ok(sqlx::query(
            "SELECT u.id, u.email, u.full_name FROM class_members m \
             JOIN users u ON u.id = m.user_id WHERE m.class_id = $1 ORDER BY u.full_name, u.id",
        )
        .bind(class_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(MemberRow {
                user_id: r.try_get("id")?,
                email: r.try_get("email")?,
                full_name: r.try_get("full_name")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
    }
}

impl Db {
    /// Whether `teacher_id` teaches a class `student_id` is in.
    pub async fn teaches(&self, teacher_id: &str, student_id: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 AS one FROM class_members m JOIN classes c ON c.id = m.class_id \
             WHERE c.teacher_id = $1 AND m.user_id = $2 LIMIT 1",
        )
        .bind(teacher_id)
        .bind(student_id)
        .fetch_optional(self.pool())
        .await?
        .is_some())
    }
}
