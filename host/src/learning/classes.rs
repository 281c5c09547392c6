//! Classes by consent. A teacher never adds an account alone: a learner joins a class by
//! accepting an invitation addressed to their e-mail or by entering the class's join code,
//! sees which classes (and so which teachers) can see their data, and can leave. Only
//! accepted members open their progress to the class's teacher (`Learning::may_view`).
//!
//! Inviting answers the same whether or not an address has an account, so the class routes
//! never tell a teacher who is registered. Classes hold at most `class_max_members`
//! members and as many unexpired invitations; invitations expire after
//! [`INVITATION_DAYS`].

use serde::Serialize;
use utoipa::ToSchema;

use super::{Learning, LearningError, Now};
use crate::store::StoreError;
use crate::store::classes::{ClassRow, InvitationRow, Joined, MembershipRow};
use crate::store::rfc3339;

/// How long an invitation waits for an answer.
pub const INVITATION_DAYS: i64 = 14;
/// Members per class when no limit is configured.
pub const DEFAULT_MAX_MEMBERS: u32 = 200;

/// Characters of join codes: no 0/O, 1/I/L, so a code read aloud or off a board is typed
/// right.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters per join code (31^8 ≈ 8.5e11 codes).
const CODE_LEN: usize = 8;

/// A class as its teacher sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassView {
    /// Class id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The teacher.
    pub teacher_id: String,
    /// Created, RFC 3339.
    pub created_at: String,
    /// What learners enter to join (`POST /api/v1/classes/join`); rotate it to retire it.
    pub join_code: String,
    /// Members who accepted.
    pub member_count: i64,
    /// The most members the class may have.
    pub max_members: i64,
}

/// A class with its members and pending invitations, for its teacher.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassDetail {
    /// The class.
    #[serde(flatten)]
    pub class: ClassView,
    /// Members, by name.
    pub members: Vec<MemberView>,
    /// Invitations not yet answered or expired, oldest first.
    pub invitations: Vec<PendingInvitation>,
}

/// A member of a class.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// User id.
    pub user_id: String,
    /// Name.
    pub full_name: String,
    /// E-mail.
    pub email: String,
    /// Joined, RFC 3339.
    pub joined_at: String,
}

/// An invitation as the teacher who sent it sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingInvitation {
    /// The address invited.
    pub email: String,
    /// Sent, RFC 3339.
    pub invited_at: String,
    /// Expires, RFC 3339.
    pub expires_at: String,
}

/// The reply to an invitation: the same whether or not the address has an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationSent {
    /// Always `invited`.
    pub status: &'static str,
    /// The address, as stored (lower case).
    pub email: String,
    /// Expires, RFC 3339.
    pub expires_at: String,
    /// What happens next.
    pub message: &'static str,
}

/// An invitation as its addressee sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    /// Invitation id (accept or decline it by id).
    pub id: String,
    /// The class.
    pub class_id: String,
    /// Its name.
    pub class_name: String,
    /// Who teaches it, and would see your progress once you accept.
    pub teacher_name: String,
    /// Sent, RFC 3339.
    pub invited_at: String,
    /// Expires, RFC 3339.
    pub expires_at: String,
}

/// A class the learner belongs to: its teacher sees the learner's progress and mastery.
#[derive(Debug, Serialize, ToSchema)]
pub struct Membership {
    /// The class.
    pub class_id: String,
    /// Its name.
    pub name: String,
    /// Who can see your data through it.
    pub teacher: TeacherView,
    /// Joined, RFC 3339.
    pub joined_at: String,
}

/// A class's teacher, as its members see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeacherView {
    /// User id.
    pub id: String,
    /// Name.
    pub full_name: String,
    /// E-mail.
    pub email: String,
}

fn new_code() -> String {
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rand::random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// A code as typed (any case, spaces and dashes) in its stored form.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase()
}

fn membership(m: MembershipRow) -> Membership {
    Membership {
        class_id: m.class.id,
        name: m.class.name,
        teacher: TeacherView {
            id: m.class.teacher_id,
            full_name: m.teacher_name,
            email: m.teacher_email,
        },
        joined_at: rfc3339(m.joined_at),
    }
}

fn full(class: &ClassRow, max: i64) -> LearningError {
    LearningError::Conflict {
        code: "CLASS_FULL",
        message: format!(
            "class `{}` has its {max} members; a place frees up when someone leaves",
            class.id
        ),
    }
}

impl Learning {
    /// The most members (and pending invitations) a class may have.
    fn class_cap(&self) -> i64 {
        i64::from(match self.settings.class_max_members {
            0 => DEFAULT_MAX_MEMBERS,
            n => n,
        })
    }

    fn class_view(&self, c: ClassRow) -> ClassView {
        ClassView {
            id: c.id,
            name: c.name,
            teacher_id: c.teacher_id,
            created_at: rfc3339(c.created_at),
            join_code: c.join_code,
            member_count: c.member_count,
            max_members: self.class_cap(),
        }
    }

    /// Creates a class owned by `teacher_id`, with a fresh join code.
    pub async fn create_class(
        &self,
        teacher_id: &str,
        name: &str,
    ) -> Result<ClassView, LearningError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(LearningError::invalid(
                "name",
                "must be 1 to 200 characters",
            ));
        }
        let mut attempts = 0;
        loop {
            match self.db.create_class(teacher_id, name, &new_code()).await {
                Ok(class) => return Ok(self.class_view(class)),
                // Codes collide about once in 10^11: draw another.
                Err(StoreError::Conflict(_)) if attempts < 3 => attempts += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The classes `teacher_id` owns.
    pub async fn teacher_classes(&self, teacher_id: &str) -> Result<Vec<ClassView>, LearningError> {
        Ok(self
            .db
            .classes_of(teacher_id)
            .await?
            .into_iter()
            .map(|c| self.class_view(c))
            .collect())
    }

    /// The class `class_id` if `viewer` may manage it (its teacher, or a role that sees
    /// every user).
    pub(super) async fn class_for(
        &self,
        viewer: &str,
        sees_everyone: bool,
        class_id: &str,
    ) -> Result<ClassRow, LearningError> {
        let class = self
            .db
            .class(class_id)
            .await?
            .ok_or_else(|| LearningError::not_found("class", class_id))?;
        if class.teacher_id != viewer && !sees_everyone {
            return Err(LearningError::Forbidden(format!(
                "class `{class_id}` belongs to another teacher"
            )));
        }
        Ok(class)
    }

    /// A class with its members and pending invitations.
    pub async fn class_detail(
        &self,
        viewer: &str,
        sees_everyone: bool,
        class_id: &str,
        now: Now,
    ) -> Result<ClassDetail, LearningError> {
        let class = self.class_for(viewer, sees_everyone, class_id).await?;
        let members = self
            .db
            .class_members(&class.id)
            .await?
            .into_iter()
            .map(|m| MemberView {
                user_id: m.user_id,
                full_name: m.full_name,
                email: m.email,
                joined_at: rfc3339(m.joined_at),
            })
            .collect();
        let invitations = self
            .db
            .class_invitations(&class.id, now.0)
            .await?
            .into_iter()
            .map(|i| PendingInvitation {
                email: i.email,
                invited_at: rfc3339(i.created_at),
                expires_at: rfc3339(i.expires_at),
            })
            .collect();
        Ok(ClassDetail {
            class: self.class_view(class),
            members,
            invitations,
        })
    }

    /// Invites `email` to a class. Whether the address has an account changes nothing in
    /// the reply (nor whether it is a member already).
    pub async fn invite(
        &self,
        viewer: &str,
        sees_everyone: bool,
        class_id: &str,
        email: &str,
        now: Now,
    ) -> Result<InvitationSent, LearningError> {
        let class = self.class_for(viewer, sees_everyone, class_id).await?;
        let email = email.trim().to_lowercase();
        crate::auth::check_email(&email)
            .map_err(|m| LearningError::invalid("email", m.to_string()))?;
        let cap = self.class_cap();
        let expires = now.0 + INVITATION_DAYS * 24 * 3600 * 1000;
        let invitation = self
            .db
            .invite(&class.id, &email, viewer, now.0, expires, cap)
            .await?
            .ok_or_else(|| LearningError::Conflict {
                code: "TOO_MANY_INVITATIONS",
                message: format!(
                    "class `{}` has {cap} invitations waiting for an answer; wait for answers or expiries ({INVITATION_DAYS} days)",
                    class.id
                ),
            })?;
        Ok(InvitationSent {
            status: "invited",
            email: invitation.email,
            expires_at: rfc3339(invitation.expires_at),
            message: "if this address belongs to an account, its owner sees the invitation and may accept or decline it",
        })
    }

    /// Gives a class a new join code; the old one stops working.
    pub async fn rotate_join_code(
        &self,
        viewer: &str,
        sees_everyone: bool,
        class_id: &str,
    ) -> Result<ClassView, LearningError> {
        let mut class = self.class_for(viewer, sees_everyone, class_id).await?;
        let mut attempts = 0;
        loop {
            let code = new_code();
            match self.db.set_join_code(&class.id, &code).await {
                Ok(()) => {
                    class.join_code = code;
                    return Ok(self.class_view(class));
                }
                Err(StoreError::Conflict(_)) if attempts < 3 => attempts += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Removes a member from a class (by its teacher).
    pub async fn remove_member(
        &self,
        viewer: &str,
        sees_everyone: bool,
        class_id: &str,
        user_id: &str,
    ) -> Result<(), LearningError> {
        let class = self.class_for(viewer, sees_everyone, class_id).await?;
        if self.db.leave_class(&class.id, user_id).await? {
            Ok(())
        } else {
            Err(LearningError::not_found("user", user_id))
        }
    }

    async fn join(&self, user_id: &str, class: &ClassRow) -> Result<Membership, LearningError> {
        let cap = self.class_cap();
        if self.db.join_class(&class.id, user_id, cap).await? == Joined::Full {
            return Err(full(class, cap));
        }
        self.db
            .memberships_of(user_id)
            .await?
            .into_iter()
            .find(|m| m.class.id == class.id)
            .map(membership)
            // Deleted between the two statements: as if it never existed.
            .ok_or_else(|| LearningError::not_found("class", &class.id))
    }

    /// Joins the class whose join code is `code` (any case; spaces and dashes ignored).
    pub async fn join_by_code(
        &self,
        user_id: &str,
        code: &str,
    ) -> Result<Membership, LearningError> {
        let code = normalise_code(code);
        let class = match code.len() {
            1..=32 => self.db.class_by_code(&code).await?,
            _ => None,
        };
        let class = class.ok_or_else(|| LearningError::NotFound {
            what: "join code",
            id: code.chars().take(32).collect(),
        })?;
        self.join(user_id, &class).await
    }

    /// The classes `user_id` belongs to: whose teachers see their data.
    pub async fn my_classes(&self, user_id: &str) -> Result<Vec<Membership>, LearningError> {
        Ok(self
            .db
            .memberships_of(user_id)
            .await?
            .into_iter()
            .map(membership)
            .collect())
    }

    /// Leaves a class: its teacher no longer sees the learner's data.
    pub async fn leave_class(&self, user_id: &str, class_id: &str) -> Result<(), LearningError> {
        if self.db.leave_class(class_id, user_id).await? {
            Ok(())
        } else {
            Err(LearningError::not_found("class", class_id))
        }
    }

    async fn email_of(&self, user_id: &str) -> Result<String, LearningError> {
        Ok(self
            .db
            .user_by_id(user_id)
            .await?
            .ok_or_else(|| LearningError::not_found("user", user_id))?
            .email)
    }

    /// The invitations waiting for `user_id`'s answer.
    pub async fn my_invitations(
        &self,
        user_id: &str,
        now: Now,
    ) -> Result<Vec<InvitationView>, LearningError> {
        let email = self.email_of(user_id).await?;
        Ok(self
            .db
            .invitations_to(&email, now.0)
            .await?
            .into_iter()
            .map(|r| InvitationView {
                id: r.invitation.id,
                class_id: r.invitation.class_id,
                class_name: r.class_name,
                teacher_name: r.teacher_name,
                invited_at: rfc3339(r.invitation.created_at),
                expires_at: rfc3339(r.invitation.expires_at),
            })
            .collect())
    }

    /// `user_id`'s unexpired invitation `id` (404 for anyone else's: its existence is not
    /// theirs to learn).
    async fn my_invitation(
        &self,
        user_id: &str,
        id: &str,
        now: Now,
    ) -> Result<InvitationRow, LearningError> {
        let email = self.email_of(user_id).await?;
        self.db
            .invitation_to(id, &email, now.0)
            .await?
            .ok_or_else(|| LearningError::not_found("invitation", id))
    }

    /// Accepts an invitation: the learner joins the class. A full class keeps the
    /// invitation for later.
    pub async fn accept_invitation(
        &self,
        user_id: &str,
        id: &str,
        now: Now,
    ) -> Result<Membership, LearningError> {
        let invitation = self.my_invitation(user_id, id, now).await?;
        let class = self
            .db
            .class(&invitation.class_id)
            .await?
            .ok_or_else(|| LearningError::not_found("invitation", id))?;
        let joined = self.join(user_id, &class).await?;
        self.db.drop_invitation(&invitation.id).await?;
        Ok(joined)
    }

    /// Declines an invitation.
    pub async fn decline_invitation(
        &self,
        user_id: &str,
        id: &str,
        now: Now,
    ) -> Result<(), LearningError> {
        let invitation = self.my_invitation(user_id, id, now).await?;
        Ok(self.db.drop_invitation(&invitation.id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unambiguous_and_typed_loosely() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), CODE_LEN);
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
        assert_eq!(normalise_code(" abcd-efgh "), "ABCDEFGH");
        assert_eq!(normalise_code("AB CD EF GH"), "ABCDEFGH");
    }
}
