//! A teacher's classes, their members and invitations. A learner becomes a member only by
//! consent: accepting an invitation addressed to their e-mail, or entering the class's join
//! code. `class_members` holds accepted members only, so [`Db::teaches`] opens nobody's
//! data without it. `classes.member_count` is kept with the members in one transaction, so
//! the size cap holds under concurrent joins on both databases.

use sqlx::Row;
use sqlx::any::AnyRow;

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
    /// The code learners join with (upper case, no separators).
    pub join_code: String,
    /// Accepted members.
    pub member_count: i64,
}

/// A member of a class.
#[derive(Debug, Clone)]
pub struct MemberRow {
    /// User id.
    pub user_id: String,
    /// E-mail.
    pub email: String,
    /// Name.
    pub full_name: String,
    /// Joined, ms.
    pub joined_at: i64,
}

/// A class a learner belongs to, with its teacher.
#[derive(Debug, Clone)]
pub struct MembershipRow {
    /// The class.
    pub class: ClassRow,
    /// The teacher's name.
    pub teacher_name: String,
    /// The teacher's e-mail.
    pub teacher_email: String,
    /// Joined, ms.
    pub joined_at: i64,
}

/// A pending invitation.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    /// Invitation id.
    pub id: String,
    /// The class.
    pub class_id: String,
    /// The address invited (lower case).
    pub email: String,
    /// Sent, ms.
    pub created_at: i64,
    /// Expires, ms.
    pub expires_at: i64,
}

/// An invitation as its addressee sees it.
#[derive(Debug, Clone)]
pub struct ReceivedInvitation {
    /// The invitation.
    pub invitation: InvitationRow,
    /// The class's name.
    pub class_name: String,
    /// The teacher's name.
    pub teacher_name: String,
}

/// What joining a class did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// A new member.
    Joined,
    /// Already a member; nothing changed.
    Already,
    /// The class is full; nothing changed.
    Full,
}

const CLASS_COLUMNS: &str = "c.id, c.teacher_id, c.name, c.created_at, c.join_code, c.member_count";

fn class_from(r: &AnyRow) -> Result<ClassRow, StoreError> {
    Ok(ClassRow {
        id: r.try_get("id")?,
        teacher_id: r.try_get("teacher_id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        join_code: r
            .try_get::<Option<String>, _>("join_code")?
            .unwrap_or_default(),
        member_count: r.try_get("member_count")?,
    })
}

fn invitation_from(r: &AnyRow) -> Result<InvitationRow, StoreError> {
    Ok(InvitationRow {
        id: r.try_get("id")?,
        class_id: r.try_get("class_id")?,
        email: r.try_get("email")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

impl Db {
    /// Creates a class owned by `teacher_id` with `join_code`; `Conflict("join_code")`
    /// when another class has that code.
    pub async fn create_class(
        &self,
        teacher_id: &str,
        name: &str,
        join_code: &str,
    ) -> Result<ClassRow, StoreError> {
        let row = ClassRow {
            id: uuid::Uuid::new_v4().to_string(),
            teacher_id: teacher_id.to_owned(),
            name: name.to_owned(),
            created_at: now_ms(),
            join_code: join_code.to_owned(),
            member_count: 0,
        };
        sqlx::query(
            "INSERT INTO classes (id, teacher_id, name, created_at, join_code, member_count) \
             VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(&row.id)
        .bind(&row.teacher_id)
        .bind(&row.name)
        .bind(row.created_at)
        .bind(&row.join_code)
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::unique(e, "join_code"))?;
        Ok(row)
    }

    /// A class by id.
    pub async fn class(&self, id: &str) -> Result<Option<ClassRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {CLASS_COLUMNS} FROM classes c WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(class_from)
        .transpose()
    }

    /// The class with this join code.
    pub async fn class_by_code(&self, code: &str) -> Result<Option<ClassRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {CLASS_COLUMNS} FROM classes c WHERE c.join_code = $1"
        ))
        .bind(code)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(class_from)
        .transpose()
    }

    /// A teacher's classes, newest first.
    pub async fn classes_of(&self, teacher_id: &str) -> Result<Vec<ClassRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {CLASS_COLUMNS} FROM classes c WHERE c.teacher_id = $1 \
             ORDER BY c.created_at DESC, c.id"
        ))
        .bind(teacher_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(class_from)
        .collect()
    }

    /// Replaces a class's join code; `Conflict("join_code")` when another class has it.
    pub async fn set_join_code(&self, class_id: &str, code: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE classes SET join_code = $1 WHERE id = $2")
            .bind(code)
            .bind(class_id)
            .execute(self.pool())
            .await
            .map_err(|e| StoreError::unique(e, "join_code"))?;
        Ok(())
    }

    /// Makes `user_id` a member of the class unless it has `max_members` already.
    pub async fn join_class(
        &self,
        class_id: &str,
        user_id: &str,
        max_members: i64,
    ) -> Result<Joined, StoreError> {
        let mut tx = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO class_members (class_id, user_id, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT (class_id, user_id) DO NOTHING",
        )
        .bind(class_id)
        .bind(user_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if added == 0 {
            return Ok(Joined::Already);
        }
        // One guarded update: concurrent joins queue on the class row, and the second
        // re-reads the count the first left.
        let room = sqlx::query(
            "UPDATE classes SET member_count = member_count + 1 \
             WHERE id = $1 AND member_count < $2",
        )
        .bind(class_id)
        .bind(max_members)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if room == 0 {
            tx.rollback().await?;
            return Ok(Joined::Full);
        }
        tx.commit().await?;
        Ok(Joined::Joined)
    }

    /// Removes `user_id` from the class; whether they were a member.
    pub async fn leave_class(&self, class_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query("DELETE FROM class_members WHERE class_id = $1 AND user_id = $2")
            .bind(class_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if removed {
            sqlx::query("UPDATE classes SET member_count = member_count - 1 WHERE id = $1")
                .bind(class_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The members of a class, by name.
    pub async fn class_members(&self, class_id: &str) -> Result<Vec<MemberRow>, StoreError> {
        Ok(sqlx::query(
            "SELECT u.id, u.email, u.full_name, m.added_at FROM class_members m \
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
                joined_at: r.try_get("added_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
    }

    /// The classes `user_id` belongs to, with their teachers: who can see the learner's
    /// data.
    pub async fn memberships_of(&self, user_id: &str) -> Result<Vec<MembershipRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {CLASS_COLUMNS}, t.full_name AS teacher_name, t.email AS teacher_email, \
             m.added_at FROM class_members m JOIN classes c ON c.id = m.class_id \
             JOIN users t ON t.id = c.teacher_id WHERE m.user_id = $1 \
             ORDER BY m.added_at, c.id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(MembershipRow {
                class: class_from(r)?,
                teacher_name: r.try_get("teacher_name")?,
                teacher_email: r.try_get("teacher_email")?,
                joined_at: r.try_get("added_at")?,
            })
        })
        .collect()
    }

    /// Invites `email` to the class until `expires_at` (renewing a pending invitation to
    /// the same address), unless the class would then have more than `max_pending`
    /// unexpired invitations: `None` then, and nothing changes. Expired invitations of the
    /// class are dropped on the way.
    pub async fn invite(
        &self,
        class_id: &str,
        email: &str,
        invited_by: &str,
        now: i64,
        expires_at: i64,
        max_pending: i64,
    ) -> Result<Option<InvitationRow>, StoreError> {
        let mut tx = self.begin_write().await?;
        // Take the class row first so concurrent invitations to one class count in turn.
        sqlx::query("UPDATE classes SET member_count = member_count WHERE id = $1")
            .bind(class_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM class_invitations WHERE class_id = $1 AND expires_at <= $2")
            .bind(class_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "INSERT INTO class_invitations (id, class_id, email, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (class_id, email) \
             DO UPDATE SET invited_by = excluded.invited_by, created_at = excluded.created_at, \
             expires_at = excluded.expires_at \
             RETURNING id, class_id, email, created_at, expires_at",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(class_id)
        .bind(email)
        .bind(invited_by)
        .bind(now)
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let pending: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM class_invitations WHERE class_id = $1 AND expires_at > $2",
        )
        .bind(class_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if pending > max_pending {
            tx.rollback().await?;
            return Ok(None);
        }
        let invitation = invitation_from(&row)?;
        tx.commit().await?;
        Ok(Some(invitation))
    }

    /// A class's unexpired invitations, oldest first.
    pub async fn class_invitations(
        &self,
        class_id: &str,
        now: i64,
    ) -> Result<Vec<InvitationRow>, StoreError> {
        sqlx::query(
            "SELECT id, class_id, email, created_at, expires_at FROM class_invitations \
             WHERE class_id = $1 AND expires_at > $2 ORDER BY created_at, id",
        )
        .bind(class_id)
        .bind(now)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(invitation_from)
        .collect()
    }

    /// The unexpired invitations addressed to `email`, with their class and teacher.
    pub async fn invitations_to(
        &self,
        email: &str,
        now: i64,
    ) -> Result<Vec<ReceivedInvitation>, StoreError> {
        sqlx::query(
            "SELECT i.id, i.class_id, i.email, i.created_at, i.expires_at, \
             c.name AS class_name, t.full_name AS teacher_name FROM class_invitations i \
             JOIN classes c ON c.id = i.class_id JOIN users t ON t.id = c.teacher_id \
             WHERE i.email = $1 AND i.expires_at > $2 ORDER BY i.created_at, i.id",
        )
        .bind(email)
        .bind(now)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(ReceivedInvitation {
                invitation: invitation_from(r)?,
                class_name: r.try_get("class_name")?,
                teacher_name: r.try_get("teacher_name")?,
            })
        })
        .collect()
    }

    /// The unexpired invitation `id` if it is addressed to `email`.
    pub async fn invitation_to(
        &self,
        id: &str,
        email: &str,
        now: i64,
    ) -> Result<Option<InvitationRow>, StoreError> {
        sqlx::query(
            "SELECT id, class_id, email, created_at, expires_at FROM class_invitations \
             WHERE id = $1 AND email = $2 AND expires_at > $3",
        )
        .bind(id)
        .bind(email)
        .bind(now)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(invitation_from)
        .transpose()
    }

    /// Removes an invitation (accepted or declined).
    pub async fn drop_invitation(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM class_invitations WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

impl Db {
    /// Whether `teacher_id` teaches a class `student_id` accepted to be in.
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

    /// The teachers of the classes `student_id` belongs to, each once.
    pub async fn teachers_of(&self, student_id: &str) -> Result<Vec<String>, StoreError> {
        sqlx::query(
            "SELECT DISTINCT c.teacher_id FROM class_members m JOIN classes c ON c.id = m.class_id \
             WHERE m.user_id = $1 ORDER BY c.teacher_id",
        )
        .bind(student_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| Ok(r.try_get("teacher_id")?))
        .collect()
    }
}
