//! Roles and the permission matrix of docs/requirements.md#r-002-6.1, in one table.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A caller's role. `Service` is for machine callers of `/_internal/*` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Basic learning access.
    Student,
    /// Content creation and student management.
    Teacher,
    /// Full system access.
    Admin,
    /// System configuration and user management.
    SuperAdmin,
    /// Another service (token from `tessera service-token`), for `/_internal/*`.
    Service,
}

/// What a caller may do (the rows of the matrix in docs/requirements.md#r-002-6.1, plus internal
/// calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// View own profile.
    ViewOwnProfile,
    /// Edit own profile.
    EditOwnProfile,
    /// View courses (and use learning features: grading, the sandbox).
    ViewCourses,
    /// Create courses.
    CreateCourses,
    /// Delete courses.
    DeleteCourses,
    /// View all users.
    ViewAllUsers,
    /// Manage users (roles, deletion of others).
    ManageUsers,
    /// AI generation.
    AiGeneration,
    /// System configuration (plugins, reloads).
    SystemConfig,
    /// Screening text with the safety gate directly (`/api/v1/safety/screen`).
    SafetyScreen,
    /// `/_internal/*` endpoints.
    Internal,
    /// Teach classes: create them, invite learners, see the progress of those who
    /// accepted (not in the matrix of docs/requirements.md#r-002-6.1; teachers and above).
    ManageClasses,
    /// Read the safety gate's crisis events (`/api/v1/admin/safety/events`): who was
    /// stopped, when, and why. Administrators only; services screen text but never read
    /// other people's crises.
    ReadSafetyEvents,
}

impl Permission {
    /// Every permission, in the seed's row order.
    pub const ALL: [Permission; 13] = [
        Permission::ViewOwnProfile,
        Permission::EditOwnProfile,
        Permission::ViewCourses,
        Permission::CreateCourses,
        Permission::DeleteCourses,
        Permission::ViewAllUsers,
        Permission::ManageUsers,
        Permission::AiGeneration,
        Permission::SystemConfig,
        Permission::SafetyScreen,
        Permission::Internal,
        Permission::ManageClasses,
        Permission::ReadSafetyEvents,
    ];
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Student,
        Role::Teacher,
        Role::Admin,
        Role::SuperAdmin,
        Role::Service,
    ];

    /// Whether this role holds `permission` (docs/requirements.md#r-002-6.1; service only
    /// `Internal`).
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match (self, permission) {
            (Service, p) => matches!(p, Internal | SafetyScreen),
            (_, Internal) => false,
            (_, ViewOwnProfile | EditOwnProfile | ViewCourses | AiGeneration) => true,
            (Student, _) => false,
            (Teacher, CreateCourses | ManageClasses) => true,
            (Teacher, _) => false,
            (
                Admin,
                DeleteCourses | ViewAllUsers | CreateCourses | SafetyScreen | ManageClasses
                | ReadSafetyEvents,
            ) => true,
            (Admin, _) => false,
            (SuperAdmin, _) => true,
        }
    }

    /// The role's name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Teacher => "teacher",
            Role::Admin => "admin",
            Role::SuperAdmin => "super_admin",
            Role::Service => "service",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role `{s}` (student, teacher, admin, super_admin, service)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::Permission::*;
    use super::*;

    /// docs/requirements.md#r-002-6.1, row by row: (permission, student, teacher, admin,
    /// super_admin).
    const MATRIX: &[(Permission, [bool; 4])] = &[
        (ViewOwnProfile, [true, true, true, true]),
        (EditOwnProfile, [true, true, true, true]),
        (ViewCourses, [true, true, true, true]),
        (CreateCourses, [false, true, true, true]),
        (DeleteCourses, [false, false, true, true]),
        (ViewAllUsers, [false, false, true, true]),
        (ManageUsers, [false, false, false, true]),
        (AiGeneration, [true, true, true, true]),
        (SystemConfig, [false, false, false, true]),
        (SafetyScreen, [false, false, true, true]),
        (Internal, [false, false, false, false]),
        (ManageClasses, [false, true, true, true]),
        (ReadSafetyEvents, [false, false, true, true]),
    ];

    #[test]
    fn the_permission_matrix_holds_row_by_row() {
        let people = [Role::Student, Role::Teacher, Role::Admin, Role::SuperAdmin];
        assert_eq!(
            MATRIX.len(),
            Permission::ALL.len(),
            "every permission has a row"
        );
        for (permission, row) in MATRIX {
            for (role, expected) in people.iter().zip(row) {
                assert_eq!(
                    role.allows(*permission),
                    *expected,
                    "{role} / {permission:?}"
                );
            }
        }
    }

    #[test]
    fn a_service_token_reaches_only_internal_endpoints_and_the_safety_screen() {
        for p in Permission::ALL {
            assert_eq!(
                Role::Service.allows(p),
                matches!(p, Internal | SafetyScreen),
                "{p:?}"
            );
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
