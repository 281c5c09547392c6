//! The OpenAPI 3.1 document (`/openapi.json`), generated from the handlers' annotations
//! and the request/response types, and a browsable UI at `/docs`.
//!
//! Every route of the router is in the document (a test compares them), and every
//! operation lists the error answers the shared layers can give it ([`CommonAnswers`]),
//! so clients and schemathesis (`./dev check api`, docs/testing.md) can rely on it.

use axum::Json;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{
    AppState, admin, ai_reports, alerts, auth, classes, content, courses, edge, error, experiments,
    feed, grade, health, kalei, learning, me, notifications, openai, plugins, safety, sandbox,
    study, tutor, tutorials,
};
use error::ErrorBody;

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
        courses::list, courses::create, courses::detail, courses::progress, courses::edit, courses::delist, courses::enroll,
        courses::unenroll, courses::reviews, courses::review, courses::unreview,
        feed::personalized, feed::create_post, feed::item, feed::delete_item, feed::react_to,
        feed::unreact_to, feed::share, feed::comments,
        feed::comment, feed::report_item, feed::report_comment, feed::bookmarks,
        feed::settings, feed::set_settings, feed::follow, feed::unfollow, feed::followers,
        feed::following, feed::reports, feed::moderate,
        notifications::list, notifications::read, notifications::read_all,
        notifications::preferences, notifications::set_preferences, notifications::web_push_key,
        notifications::subscriptions, notifications::subscribe, notifications::unsubscribe,
        notifications::deliveries, notifications::all_deliveries, notifications::run, notifications::claim, notifications::result,
        alerts::list, alerts::stream, alerts::acknowledge,
        tutor::ask, tutor::query, tutor::events, tutor::conversations, tutor::conversation,
        tutor::generate, tutor::variation,
        study::generate_quiz, study::quiz, study::study_session, study::sessions, study::session,
        study::generate_course, study::course, study::publish,
        kalei::start_session, kalei::list_sessions, kalei::session, kalei::post_message,
        kalei::reframe_fragment, kalei::close_session, kalei::delete_session,
        kalei::take_turn, kalei::list_turns, kalei::turn, kalei::save_turn, kalei::delete_turn,
        kalei::gallery, kalei::unsave_turn,
        kalei::create_goal, kalei::goals, kalei::add_actions, kalei::complete_action,
        kalei::affirmation_today, kalei::weekly, kalei::monthly, kalei::reset, kalei::exclusions,
        kalei::run, kalei::run_progress, kalei::entitlements, kalei::apple, kalei::google,
        tutorials::config, tutorials::config_v2, tutorials::step, tutorials::survey,
        tutorials::assign, tutorials::persona,
        edge::daily_place, edge::tutorial, edge::lesson, edge::badge,
        experiments::tutorials, experiments::put_tutorial, experiments::tutorial,
        experiments::surveys, experiments::delete_tutorial, experiments::experiments, experiments::create_experiment,
        experiments::experiment, experiments::update_experiment, experiments::delete_experiment,
        experiments::results, experiments::flags, experiments::put_flag, experiments::delete_flag,
        experiments::create_client_key, experiments::my_flags, experiments::features_payload,
        sandbox::run, sandbox::run_tests,
        safety::screen, safety::events,
        openai::completions, openai::models, ai_reports::usage, ai_reports::budget,
        ai_reports::user_budget, ai_reports::providers,
        plugins::list, plugins::reload, plugins::publish, plugins::versions, plugins::canary,
        plugins::promote, plugins::rollback, plugins::delete_version,
        admin::list_users, admin::update_user, admin::dead_letters, admin::replay,
        content::list, content::upload,
        health::health, health::live, health::ready, health::startup, health::metrics,
        graphql_get, graphql_post, graphql_ws, openapi_json, docs_ui, assets,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail, GraphqlRequest, GraphqlResponse)),
    modifiers(&BearerAuth, &CommonAnswers),
    tags(
        (name = "auth", description = "Accounts and tokens (seed 002 §3.2)"),
        (name = "me", description = "The caller's account, export and deletion"),
        (name = "grading", description = "Grading answers with grader plugins"),
        (name = "learning", description = "The daily loop: lessons, answers, tone, projects, badges, progress (docs/learning.md); the same over GraphQL at /graphql"),
        (name = "teacher", description = "A teacher's classes: invitations, join codes, the progress of learners who accepted, and struggle alerts about them"),
        (name = "classes", description = "A learner's classes: invitations to answer, joining by code, who sees your data, leaving"),
        (name = "tutor", description = "The tutor: queries triaged to agents (concepts, code review, debugging with a hint ladder, exercises, partners' agents), answers over SSE, conversations, generated exercises (docs/tutor.md)"),
        (name = "courses", description = "The course catalog (seed 002 §4.2): browse, search, enrol, review; teachers and admins edit listings (docs/catalog.md)"),
        (name = "feed", description = "Seed 002 §3.5's social feed: the personalised feed, posts, likes, bookmarks, comments, shares, follows, sharing your activity (off until you turn it on), reports and the moderation queue (docs/feed.md)"),
        (name = "notifications", description = "In-app notifications, preferences (quiet hours, kinds turned off), Web Push and phone subscriptions, the pushes sent; the APNs/FCM outbox for a gateway (docs/notifications.md)"),
        (name = "study", description = "Seed 002's AI study endpoints: quizzes generated from a lesson, Socratic study sessions, courses generated as draft content packs that teachers publish (docs/study.md)"),
        (name = "kalei", description = "Seed 001's Kalei: Mirror (fragments of a message that show cognitive distortions, and their reframes), Turn (three reframes and a micro-action) and the Gallery of saved Turns; crises answered with the gate's response, never reframed; plan limits as 402/429 naming the limit (docs/kalei.md)"),
        (name = "tutorials", description = "Seed 004's tutorial API at its own paths: the config with the learner's variant and persona, step pings, surveys (docs/experiments.md)"),
        (name = "experiments", description = "Tutorials, experiments and their results, feature flags (administrators); GrowthBook's features payload for SDKs (docs/experiments.md)"),
        (name = "internal", description = "Services for other systems (role=service): experiment assignment, personas"),
        (name = "sandbox", description = "Running learner Python"),
        (name = "safety", description = "The safety gate (admins and services)"),
        (name = "ai", description = "OpenAI-compatible completions through the safety gate and the AI gateway"),
        (name = "operators", description = "Plugins (super_admin)"),
        (name = "admin", description = "Users and roles, the event bus's dead letters, content packs (the web console's administration; docs/web.md)"),
        (name = "health", description = "Probes and metrics"),
        (name = "graphql", description = "Seed 000's operations over GraphQL (docs/learning.md)"),
        (name = "docs", description = "This document and its browsable UI"),
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

/// The error answers an operation can get from the layers every route shares (the
/// extractors, the rate limiter, the body limit), added where the handler's annotation
/// does not list them: 401 and 403 on bearer routes, 400/413/415 where a body is read,
/// 400 where a query string is, 422 where a body or a parameter is, 404 where the path
/// names something, 429 and 503 on every rate-limited route (all but the probes and the
/// documents).
struct CommonAnswers;

/// Tags of operations outside the rate limiter (they answer whatever the store does).
const UNLIMITED_TAGS: [&str; 2] = ["health", "docs"];

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let answers: [(&str, &str); 9] = [
            (
                "BadRequest",
                "Malformed JSON, a missing or unknown field, or a wrong type",
            ),
            ("Unauthorized", "Missing, expired or invalid bearer token"),
            ("Forbidden", "The caller's role lacks the permission"),
            (
                "NotFound",
                "Nothing of that id (`details.field` names the path parameter)",
            ),
            ("PayloadTooLarge", "The body is over the size limit"),
            ("UnsupportedMediaType", "The body is not application/json"),
            (
                "Unprocessable",
                "A value breaks a rule; `details.field` names it",
            ),
            (
                "TooManyRequests",
                "Rate limited; see Retry-After and X-RateLimit-*",
            ),
            (
                "Unavailable",
                "A service it needs (database, store, plugin) is unavailable; retry later",
            ),
        ];
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, description) in answers {
            components.responses.insert(
                name.to_owned(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                        )
                        .build(),
                ),
            );
        }
        for item in openapi.paths.paths.values_mut() {
            let item_params = item.parameters.clone().unwrap_or_default();
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let mut add = |status: &str, name: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| {
                            RefOr::Ref(Ref::new(format!("#/components/responses/{name}")))
                        });
                };
                let bearer = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let tags = op.tags.clone().unwrap_or_default();
                let limited = !tags.iter().any(|t| UNLIMITED_TAGS.contains(&t.as_str()));
                let params: Vec<_> = item_params
                    .iter()
                    .chain(op.parameters.iter().flatten())
                    .map(|p| &p.parameter_in)
                    .collect();
                let has_path_param = params.contains(&&ParameterIn::Path);
                // A query string that does not parse (a wrong type, an unknown parameter)
                // is refused by the extractor before the handler runs.
                if params.contains(&&ParameterIn::Query) {
                    add("400", "BadRequest");
                }
                if op.request_body.is_some() {
                    add("400", "BadRequest");
                    add("413", "PayloadTooLarge");
                    add("415", "UnsupportedMediaType");
                }
                // Any value read may be refused (a NUL character in a query parameter too).
                if op.request_body.is_some() || !params.is_empty() {
                    add("422", "Unprocessable");
                }
                if bearer {
                    add("401", "Unauthorized");
                    add("403", "Forbidden");
                }
                if has_path_param {
                    add("404", "NotFound");
                }
                if limited {
                    add("429", "TooManyRequests");
                    add("503", "Unavailable");
                }
            }
        }
    }
}

/// `POST /graphql`'s body (the GraphQL-over-HTTP request).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documents the wire format; async-graphql parses it
struct GraphqlRequest {
    /// The GraphQL document.
    query: String,
    /// Which operation of the document to run, when it has several.
    #[schema(nullable)]
    operation_name: Option<String>,
    /// Values of the operation's variables.
    #[schema(value_type = Option<Object>, nullable)]
    variables: Option<serde_json::Value>,
}

/// `POST /graphql`'s answer: `data`, and `errors` whose `extensions` carry the REST
/// error's `code`, `status` and `field`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documents the wire format; async-graphql writes it
struct GraphqlResponse {
    /// The result (absent when the request could not run).
    #[schema(value_type = Option<Object>)]
    data: Option<serde_json::Value>,
    /// What went wrong.
    #[schema(value_type = Option<Vec<Object>>)]
    errors: Option<Vec<serde_json::Value>>,
}

// The routes below are served by other modules (GraphQL, this document); these bodiless
// functions only carry their annotations into the document.

/// GraphQL subscriptions over WebSocket (`subscription { tutorAnswer(queryId: …) }`).
#[utoipa::path(get, path = "/graphql/ws", tag = "graphql",
    responses(
        (status = 101, description = "Switching to a WebSocket speaking graphql-transport-ws or graphql-ws (the `Sec-WebSocket-Protocol` header picks one); the bearer token goes in `connection_init`'s payload as `{\"Authorization\": \"Bearer …\"}`"),
        (status = 400, description = "Not a WebSocket upgrade with one of those protocols (details.field = upgrade)", body = ErrorBody)))]
#[allow(dead_code)]
fn graphql_ws() {}

/// GraphiQL, the in-browser GraphQL IDE, pointed at `/graphql`.
#[utoipa::path(get, path = "/graphql", tag = "graphql",
    responses((status = 200, description = "GraphiQL (HTML)", content_type = "text/html", body = String)))]
#[allow(dead_code)]
fn graphql_get() {}

/// Runs a GraphQL operation of seed 000's schema (docs/requirements.md#r-000-4). Authentication is
/// the REST bearer token; an operation's errors come in `errors` with a 200.
#[utoipa::path(post, path = "/graphql", tag = "graphql", security((), ("bearer" = [])),
    request_body(content = GraphqlRequest, example = json!({"query": "{ mastery { topics { topic mastery } } }"})),
    responses(
        (status = 200, description = "The result; an operation's errors are in `errors`, each with the REST error's `code`, `status` and `field` in `extensions`",
         content((GraphqlResponse = "application/graphql-response+json"), (GraphqlResponse = "application/json"))),
        (status = 400, description = "Not a GraphQL request (malformed JSON, no `query`)", body = ErrorBody)))]
#[allow(dead_code)]
fn graphql_post() {}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "docs",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
#[allow(dead_code)]
fn openapi_json() {}

/// Swagger UI over this document.
#[utoipa::path(get, path = "/docs", tag = "docs",
    responses((status = 200, description = "Swagger UI (HTML)", content_type = "text/html", body = String)))]
#[allow(dead_code)]
fn docs_ui() {}

/// The pages' bundled assets (Swagger UI, GraphiQL), served from the binary.
#[utoipa::path(get, path = "/assets/{path}", tag = "docs",
    params(("path" = String, Path, description = "`<package>@<version>/<file>`, e.g. `swagger-ui-dist@5.35.0/swagger-ui.css`")),
    responses(
        (status = 200, description = "The file, cached for a year (the path names its version)"),
        (status = 404, description = "No such asset", body = ErrorBody)))]
#[allow(dead_code)]
fn assets() {}

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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use clap::Parser;
    use tower::ServiceExt;

    use super::*;
    use crate::cli::{Cli, Command};

    /// The real router over an empty SQLite database, no plugins and no content.
    async fn router(dir: &std::path::Path) -> axum::Router {
        let d = |name: &str| dir.join(name).display().to_string();
        let cli = Cli::try_parse_from([
            "tessera",
            "serve",
            "--data-dir",
            &d("data"),
            "--plugins-dir",
            &d("no-plugins"),
            "--content-dir",
            &d("no-content"),
            "--database-url",
            &format!("sqlite://{}?mode=rwc", d("tessera.db")),
            // Probing every route many times must not be rate limited.
            "--rate-limit-general",
            "100000",
            "--rate-limit-ai",
            "100000",
            "--rate-limit-auth",
            "100000",
        ])
        .expect("serve flags");
        let Command::Serve(args) = cli.command else {
            unreachable!("parsed `serve`")
        };
        let state = crate::cli::serve::app_state(&args, "http://localhost".into())
            .await
            .expect("the API state");
        crate::api::router(state)
    }

    /// The router's paths, read from its `Debug` output (axum has no other way to list
    /// them): every `RouteId(n): "/path"` before the fallback router.
    fn router_paths(router: &axum::Router) -> BTreeSet<String> {
        let text = format!("{router:?}");
        let routes = text.split("fallback_router").next().unwrap_or_default();
        routes
            .split("RouteId(")
            .skip(1)
            .filter_map(|part| {
                let (id, rest) = part.split_once("): \"")?;
                id.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
                let path = rest.split('"').next()?;
                path.starts_with('/').then(|| path.to_owned())
            })
            .collect()
    }

    /// A concrete path for a route: each `{param}` (or `{*rest}`) becomes `x`.
    fn concrete(path: &str) -> String {
        path.split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    }

    fn documented(doc: &utoipa::openapi::OpenApi) -> BTreeSet<(String, String)> {
        let mut ops = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ] {
                if op.is_some() {
                    ops.insert((method.to_owned(), path.clone()));
                }
            }
        }
        ops
    }

    /// Every method the router answers on every path it has is an operation of the
    /// document, and every operation of the document is a route: a route added without
    /// its annotation (or an annotation naming a path that does not exist) fails here.
    #[tokio::test]
    async fn the_document_describes_every_route_and_nothing_else() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let router = router(dir.path()).await;
        let paths = router_paths(&router);
        assert!(
            paths.contains("/api/v1/me") && paths.contains("/graphql"),
            "could not read the router's paths from its Debug output: {paths:?}"
        );
        let mut routed = BTreeSet::new();
        for path in &paths {
            for method in [
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ] {
                let request = Request::builder()
                    .method(method.clone())
                    .uri(concrete(path))
                    .body(Body::empty())
                    .expect("a request");
                let status = router
                    .clone()
                    .oneshot(request)
                    .await
                    .expect("the router answers")
                    .status();
                if status != StatusCode::METHOD_NOT_ALLOWED {
                    // OpenAPI has no catch-all parameter: `{*path}` is documented `{path}`.
                    routed.insert((method.to_string(), path.replace("{*", "{")));
                }
            }
        }
        let doc = documented(&ApiDoc::openapi());
        let undocumented: Vec<_> = routed.difference(&doc).collect();
        let unrouted: Vec<_> = doc.difference(&routed).collect();
        assert!(
            undocumented.is_empty() && unrouted.is_empty(),
            "routes missing from the OpenAPI document (add `#[utoipa::path]` and list them in \
             `ApiDoc`): {undocumented:?}\ndocumented operations the router does not have: {unrouted:?}"
        );
    }

    /// Each operation lists the answers the shared layers can give it.
    /// Generated clients name each operation by its id and read each parameter where the
    /// document says it is: two operations with one id, or a query parameter documented
    /// as a path one (utoipa's `IntoParams` default), give clients the wrong call.
    #[test]
    fn operation_ids_are_unique_and_parameters_are_where_they_are_sent() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("document as JSON");
        let mut ids = BTreeMap::<String, Vec<String>>::new();
        let mut misplaced = Vec::new();
        for (path, ops) in doc["paths"].as_object().expect("paths") {
            for (method, op) in ops.as_object().expect("operations") {
                let Some(id) = op["operationId"].as_str() else {
                    continue;
                };
                ids.entry(id.to_owned())
                    .or_default()
                    .push(format!("{method} {path}"));
                // A query string that does not parse is the client's error: say so.
                let has_query = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["in"] == "query");
                if has_query && op["responses"].get("400").is_none() {
                    misplaced.push(format!(
                        "{method} {path}: query parameters but no 400 answer"
                    ));
                }
                for param in op["parameters"].as_array().into_iter().flatten() {
                    let name = param["name"].as_str().unwrap_or_default();
                    let templated = path.contains(&format!("{{{name}}}"));
                    if (param["in"] == "path") != templated {
                        misplaced.push(format!("{method} {path}: {name} in {}", param["in"]));
                    }
                }
            }
        }
        let repeated: Vec<_> = ids.into_iter().filter(|(_, ops)| ops.len() > 1).collect();
        assert!(
            repeated.is_empty(),
            "operation ids used twice: {repeated:?}"
        );
        assert!(
            misplaced.is_empty(),
            "parameters documented in the wrong place: {misplaced:?}"
        );
    }

    /// utoipa names a schema by its Rust type's bare name, and a second type of the same
    /// name silently replaces the first in the document: clients then validate one
    /// endpoint's answer against another's shape. Every `ToSchema` type in the host needs
    /// a name of its own.
    #[test]
    fn every_documented_type_has_a_name_of_its_own() {
        fn walk(dir: &std::path::Path, seen: &mut BTreeMap<String, Vec<String>>) {
            for entry in std::fs::read_dir(dir).expect("read src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, seen);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                // Attributes may span lines (`#[derive(\n ..., ToSchema,\n)]`): a type
                // line after any attribute naming `ToSchema` is a documented type.
                let mut derives = false;
                let mut in_attribute = false;
                for line in text.lines().map(str::trim) {
                    if line.starts_with("#[") || in_attribute {
                        derives |= line.contains("ToSchema");
                        in_attribute = !line.ends_with(']');
                    } else if derives && !line.starts_with("///") {
                        derives = false;
                        let name = line
                            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .skip_while(|w| *w != "struct" && *w != "enum")
                            .nth(1);
                        if let Some(name) = name {
                            seen.entry(name.to_owned())
                                .or_default()
                                .push(path.display().to_string());
                        }
                    }
                }
            }
        }
        let mut seen = BTreeMap::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut seen,
        );
        assert!(
            seen.len() > 50,
            "the walk found the documented types: {seen:?}"
        );
        let twice: Vec<_> = seen.into_iter().filter(|(_, at)| at.len() > 1).collect();
        assert!(
            twice.is_empty(),
            "schema names used by two types: {twice:?}"
        );
    }

    /// The web app's API client is generated from `web/openapi.json` (`npm run api`), so
    /// that copy must be this document: a changed route or field then fails the app's
    /// type check instead of a learner's click. `TESSERA_UPDATE_OPENAPI=1` rewrites it
    /// (`./dev openapi`).
    #[test]
    fn the_web_apps_copy_of_the_document_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/openapi.json");
        let current =
            serde_json::to_string_pretty(&ApiDoc::openapi()).expect("document as JSON") + "\n";
        if std::env::var_os("TESSERA_UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &current).expect("write web/openapi.json");
            return;
        }
        let copy = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            copy == current,
            "web/openapi.json is not the current API document: run `./dev openapi` and commit it \
             (then `./dev build` regenerates the web app's client types from it)"
        );
    }

    /// Enums declared with `store::codec::text_enum!` are documented with the names the API
    /// sends, not their Rust variant names.
    #[test]
    fn named_enums_are_documented_as_sent() {
        let doc = ApiDoc::openapi();
        let schemas = &doc.components.as_ref().expect("components").schemas;
        let role = serde_json::to_value(&schemas["Role"]).expect("Role schema as JSON");
        let names: Vec<&str> = crate::auth::Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(role["enum"], serde_json::json!(names), "{role}");
    }

    #[test]
    fn every_operation_lists_its_error_answers() {
        let doc = ApiDoc::openapi();
        let me = doc.paths.paths["/api/v1/me/profile"]
            .patch
            .as_ref()
            .expect("PATCH /api/v1/me/profile");
        for status in ["400", "401", "403", "413", "415", "422", "429", "503"] {
            assert!(
                me.responses.responses.contains_key(status),
                "PATCH /api/v1/me/profile lacks {status}"
            );
        }
        let step = doc.paths.paths["/api/v1/steps/{step_id}/quiz"]
            .post
            .as_ref()
            .expect("POST /api/v1/steps/{step_id}/quiz");
        for status in ["401", "404", "429"] {
            assert!(
                step.responses.responses.contains_key(status),
                "quiz lacks {status}"
            );
        }
        let live = doc.paths.paths["/health/live"].get.as_ref().expect("live");
        assert!(!live.responses.responses.contains_key("429"));
    }
}
