//! The OpenAPI 3.1 document (`/openapi.json`), generated from the handlers' annotations
//! and the request/response types, and a browsable UI at `/docs`.

use axum::Json;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    AppState, auth, classes, error, grade, health, learning, me, openai, plugins, safety, sandbox,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera",
        description = "Tessera's HTTP API. Every /api/v1 route but /auth/* takes `Authorization: Bearer <access token>`; \
                       errors have one body (ErrorBody); rate limits answer 429 with Retry-After and X-RateLimit-* headers. \
                       See docs/identity.md, docs/grading.md, docs/learning.md and docs/sandbox.md.",
    ),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout,
        me::me, me::update_profile, me::export, me::delete_me,
        grade::grade,
        learning::daily, learning::complete, learning::quiz, learning::exercise, learning::tone,
        learning::submit_project, learning::submission, learning::share, learning::badge,
        learning::progress, learning::mastery,
        classes::create_class, classes::teacher_classes, classes::class_detail, classes::invite,
        classes::rotate_code, classes::remove_member, classes::class_progress,
        classes::join, classes::my_classes, classes::leave, classes::my_invitations,
        classes::accept, classes::decline,
        sandbox::run, sandbox::run_tests,
        safety::screen, safety::events,
        openai::completions, openai::models, openai::usage, openai::budget,
        plugins::list, plugins::reload,
        health::health, health::live, health::ready, health::startup, health::metrics,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and tokens (seed 002 §3.2)"),
        (name = "me", description = "The caller's account, export and deletion"),
        (name = "grading", description = "Grading answers with grader plugins"),
        (name = "learning", description = "The daily loop: lessons, answers, tone, projects, badges, progress (docs/learning.md); the same over GraphQL at /graphql"),
        (name = "teacher", description = "A teacher's classes: invitations, join codes, and the progress of learners who accepted"),
        (name = "classes", description = "A learner's classes: invitations to answer, joining by code, who sees your data, leaving"),
        (name = "sandbox", description = "Running learner Python"),
        (name = "safety", description = "The safety gate (admins and services)"),
        (name = "ai", description = "OpenAI-compatible completions through the safety gate and the AI gateway"),
        (name = "operators", description = "Plugins (super_admin)"),
        (name = "health", description = "Probes and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/openapi.json", get(document))
        .route("/docs", get(ui))
}

async fn document() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

/// Swagger UI, bundled (see `ui`), pointed at `/openapi.json`.
async fn ui() -> axum::response::Response {
    let base = format!("/assets/{}", super::ui::SWAGGER_UI_DIST);
    super::ui::page(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera API</title>
<link rel="stylesheet" href="{base}/swagger-ui.css"></head>
<body><div id="ui" data-url="/openapi.json"></div>
<script src="{base}/swagger-ui-bundle.js"></script>
<script src="/assets/tessera/swagger-init.js"></script>
</body></html>"#
    ))
}
