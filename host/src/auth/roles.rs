//! Roles and the permission matrix of docs/requirements.md#r-002-6.1, in one table.

crate::store::codec::text_enum! {
    // The doc comment is the OpenAPI schema's description.
    /// A caller's role. `Service` is for machine callers of `/_internal/*` only.
    #[derive(utoipa::ToSchema)]
    pub enum Role as "role" {
        /// Basic learning access.
        Student = "student",
        /// Content creation and student management.
        Teacher = "teacher",
        /// Full system access.
        Admin = "admin",
        /// System configuration and user management.
        SuperAdmin = "super_admin",
        /// Another service (token from `tessera service-token`), for `/_internal/*`.
        Service = "service",
    }
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
    /// Tutorials, experiments, feature flags and their results (seed 004 §4.2: "PM
    /// creates experiment in Admin"; not in the matrix of docs/requirements.md#r-002-6.1;
    /// administrators and above).
    ManageExperiments,
    /// The social feed's moderation queue: read reported posts and comments, hide or keep
    /// them (not in the matrix of docs/requirements.md#r-002-6.1; administrators and above).
    ModerateFeed,
}

impl Permission {
    /// Every permission, in the seed's row order.
    pub const ALL: [Permission; 15] = [
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
        Permission::ManageExperiments,
        Permission::ModerateFeed,
    ];
}

impl Role {
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
                | ReadSafetyEvents | ManageExperiments | ModerateFeed,
            ) => true,
            (Admin, _) => false,
            (SuperAdmin, _) => true,
        }
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
        (ManageExperiments, [false, false, true, true]),
        (ModerateFeed, [false, false, true, true]),
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
