//! `/graphql`: the contract of docs/requirements.md#r-000-4, exactly —
//!
//! ```graphql
//! query getDailyLesson(userId: ID!): LessonStep!
//! mutation submitQuiz(stepId: ID!, answers: JSON!): QuizFeedback!
//! mutation switchTone(lessonId: ID!, tone: Tone!): LessonStep!
//! mutation submitProject(projectId: ID!, payload: JSON!): ProjectScore!
//! mutation shareBadge(trackId: ID!): ShareLink!
//! ```
//!
//! plus what a client needs around it (`projectSubmission` to poll a project's grade,
//! `mastery`, `completeStep`, `submitExercise`), and the tutor (docs/tutor.md):
//! `mutation tutorQuery(text, code, error, stepId, conversationId)` and, over WebSocket at
//! `/graphql/ws` (graphql-transport-ws or graphql-ws; the token in `connection_init`'s
//! payload as `{"Authorization": "Bearer …"}`), `subscription tutorAnswer(queryId)`. Resolvers call the same services as REST
//! (`crate::learning`), and errors carry the REST error's `code`, `status` and `field` in
//! their extensions. `GET /graphql` in a browser is GraphiQL. Authentication is the same
//! bearer token as REST.
//!
//! Work per request is bounded: depth and complexity limits, at most
//! [`MAX_ROOT_MUTATIONS`] root mutation fields per operation (aliases would otherwise
//! repeat a sandbox run or a model call at will), and each root field counts against the
//! caller's rate limit of its class, as the REST route would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, ResolveInfo,
};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{
    Context, ErrorExtensions, ID, Json, Name, Object, Positioned, Schema, ServerError,
    ServerResult, Subscription as SubscriptionRoot, Variables,
};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension as AxumExtension, Router};
use serde_json::Value;

use super::AppState;
use super::caller::Caller;
use super::error::ApiError;
use super::guard::ClientIp;
use super::rate_limit::{self, RateClass};
use crate::auth::Permission;
use crate::kv::RateDecision;
use crate::learning::views::{
    ExerciseResult, LessonStep, MasteryReport, ProjectScore, QuizFeedback, ShareLink,
    StepCompletion,
};
use crate::learning::{Learning, Now, Tone};

/// The schema type.
pub type TesseraSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema over `learning` and `tutor`.
pub fn schema(
    learning: std::sync::Arc<Learning>,
    tutor: std::sync::Arc<crate::tutor::Tutor>,
) -> TesseraSchema {
    Schema::build(Query, Mutation, Subscription)
        .data(learning)
        .data(tutor)
        // Bounded work per request: the schema is shallow, so deeper queries are abuse.
        .limit_depth(10)
        .limit_complexity(500)
        .extension(Bounds)
        .finish()
}

/// Most root fields in one mutation operation.
pub const MAX_ROOT_MUTATIONS: usize = 5;

/// The rate classes a root field counts against: those of its REST twin. A project
/// submission is graded by a model, so it is an AI request as well as a general one, as
/// `POST /api/v1/projects/{id}/submissions` is.
fn rate_classes(field: &str) -> &'static [RateClass] {
    match field {
        "submitProject" | "tutorQuery" => &[RateClass::General, RateClass::Ai],
        _ => &[RateClass::General],
    }
}

/// Per request: who to charge, and what was charged.
struct Charges {
    state: AppState,
    caller: Option<Caller>,
    ip: String,
    /// Root fields charged so far, and the last decision (for the X-RateLimit headers).
    last: Mutex<(usize, Option<RateDecision>)>,
}

impl Charges {
    /// Counts one request of `class`; the refusal when its window is full.
    async fn charge(&self, class: RateClass) -> Result<(), ApiError> {
        let (key, limit) = rate_limit::key_for(
            &self.state.rate_limits,
            class,
            self.caller.as_ref(),
            &self.ip,
        );
        let decision = rate_limit::charge(&self.state, &key, limit, false).await?;
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.0 += 1;
        let Some(decision) = decision else {
            return Ok(());
        };
        last.1 = Some(decision);
        if decision.allowed {
            Ok(())
        } else {
            Err(rate_limit::refusal(&self.state, class.label(), &decision))
        }
    }
}

/// The schema extension enforcing [`MAX_ROOT_MUTATIONS`] and charging root fields.
struct Bounds;

impl ExtensionFactory for Bounds {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Bounds)
    }
}

#[async_trait::async_trait]
impl Extension for Bounds {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        // Every mutation in the document counts, not only the one the request names: the
        // bound must hold whichever runs.
        let most = document
            .operations
            .iter()
            .filter(|(_, op)| op.node.ty == OperationType::Mutation)
            .map(|(_, op)| root_fields(&op.node.selection_set.node, &document.fragments))
            .max()
            .unwrap_or(0);
        if most > MAX_ROOT_MUTATIONS {
            return Err(server_error(ApiError::Refused {
                status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                code: "TOO_MANY_MUTATIONS",
                message: format!(
                    "an operation may hold at most {MAX_ROOT_MUTATIONS} root mutation fields \
                     (aliases included); this one holds {most}"
                ),
                field: Some("query"),
            }));
        }
        Ok(document)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<async_graphql::Value>> {
        if info.path_node.parent.is_none()
            && let Some(charges) = ctx.data_opt::<Arc<Charges>>()
        {
            for class in rate_classes(info.name) {
                charges.charge(*class).await.map_err(server_error)?;
            }
        }
        next.run(ctx, info).await
    }
}

/// The root fields `set` selects, through fragments (each counted once however often it is
/// spread, so a document cannot make the count itself expensive).
fn root_fields(
    set: &SelectionSet,
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
) -> usize {
    fn count<'a>(
        set: &'a SelectionSet,
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        known: &mut HashMap<&'a str, usize>,
    ) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(f) => count(&f.node.selection_set.node, fragments, known),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(n) = known.get(name) {
                        return *n;
                    }
                    // Marked before descending, so a cycle (invalid anyway) counts nothing.
                    known.insert(name, 0);
                    let n = fragments
                        .get(name)
                        .map_or(0, |f| count(&f.node.selection_set.node, fragments, known));
                    known.insert(name, n);
                    n
                }
            })
            .fold(0, usize::saturating_add)
    }
    count(set, fragments, &mut HashMap::new())
}

/// An API error as a GraphQL error outside a resolver.
fn server_error(e: ApiError) -> ServerError {
    let e = gql(e);
    let mut error = ServerError::new(e.message, None);
    error.extensions = e.extensions;
    error
}

/// `GET /graphql` (GraphiQL) and `POST /graphql`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/graphql", get(graphiql).post(execute))
        .route("/graphql/ws", get(subscriptions))
}

/// `/graphql/ws`: subscriptions over WebSocket. The token comes in `connection_init`'s
/// payload (`{"Authorization": "Bearer …"}`, as Apollo and urql clients send it); a
/// connection without a valid one is refused before any subscription starts.
async fn subscriptions(
    State(state): State<AppState>,
    protocol: Result<GraphQLProtocol, axum::http::StatusCode>,
    upgrade: Result<
        axum::extract::ws::WebSocketUpgrade,
        axum::extract::ws::rejection::WebSocketUpgradeRejection,
    >,
) -> Response {
    let (Ok(protocol), Ok(upgrade)) = (protocol, upgrade) else {
        return ApiError::BadRequest {
            field: Some("upgrade".into()),
            message: "upgrade: open a WebSocket (Upgrade: websocket) with Sec-WebSocket-Protocol graphql-transport-ws or graphql-ws".into(),
        }
        .into_response();
    };
    let schema = state.graphql.clone();
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let token = payload
                        .get("Authorization")
                        .or_else(|| payload.get("authorization"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let mut headers = HeaderMap::new();
                    if let Ok(value) = token.parse() {
                        headers.insert(axum::http::header::AUTHORIZATION, value);
                    }
                    let caller = super::caller::authenticate(&headers, &state)
                        .await
                        .map_err(|e| async_graphql::Error::new(e.to_string()))?;
                    let mut data = async_graphql::Data::default();
                    data.insert(Auth(Ok(caller)));
                    Ok(data)
                })
                .serve()
        })
        .into_response()
}

/// GraphiQL, bundled (see `ui`).
async fn graphiql() -> Response {
    use super::ui::{GRAPHIQL, REACT, REACT_DOM, page};
    page(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera GraphiQL</title>
<link rel="stylesheet" href="/assets/{GRAPHIQL}/graphiql.min.css">
<link rel="stylesheet" href="/assets/tessera/graphiql.css"></head>
<body><div id="graphiql">Loading…</div>
<script src="/assets/{REACT}/umd/react.production.min.js"></script>
<script src="/assets/{REACT_DOM}/umd/react-dom.production.min.js"></script>
<script src="/assets/{GRAPHIQL}/graphiql.min.js"></script>
<script src="/assets/tessera/graphiql-init.js"></script>
</body></html>"#
    ))
}

/// Who is calling, as the resolvers see it (or why the token was refused).
struct Auth(Result<Caller, ApiError>);

/// async-graphql's refusals of a request it cannot read, in the API's error body (its own
/// are plain text).
struct Rejection(ApiError);

impl From<async_graphql::ParseRequestError> for Rejection {
    fn from(e: async_graphql::ParseRequestError) -> Self {
        use async_graphql::ParseRequestError as P;
        Rejection(match e {
            P::PayloadTooLarge => ApiError::PayloadTooLarge(super::json::MAX_BODY_BYTES),
            e => ApiError::BadRequest {
                field: None,
                message: format!("not a GraphQL request: {e}"),
            },
        })
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

async fn execute(
    State(state): State<AppState>,
    client: Option<AxumExtension<ClientIp>>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    request: GraphQLRequest<Rejection>,
) -> Response {
    let now = match Now::from_headers(&headers, state.learning.test_clock()) {
        Ok(now) => now,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let charges = Arc::new(Charges {
        state: state.clone(),
        caller: caller.as_ref().ok().cloned(),
        ip: client.map_or_else(|| "unknown".to_owned(), |c| c.0.rate_key()),
        last: Mutex::new((0, None)),
    });
    let request = request
        .into_inner()
        .data(Auth(caller))
        .data(now)
        .data(charges.clone());
    let executed = state.graphql.execute(request).await;
    // A request that resolved no field (it did not parse or validate) still counts once.
    let charged = charges.last.lock().unwrap_or_else(|p| p.into_inner()).0;
    if charged == 0
        && let Err(e) = charges.charge(RateClass::General).await
    {
        return e.into_response();
    }
    let mut response = GraphQLResponse::from(executed).into_response();
    if let Some(decision) = charges.last.lock().unwrap_or_else(|p| p.into_inner()).1 {
        rate_limit::annotate(&mut response, &decision);
    }
    response
}

/// An API error as a GraphQL error with the REST body's code, status and field.
fn gql(e: impl Into<ApiError>) -> async_graphql::Error {
    gql_of(&e.into())
}

fn gql_of(e: &ApiError) -> async_graphql::Error {
    let (status, code, details) = e.parts();
    e.log();
    async_graphql::Error::new(e.public_message()).extend_with(|_, ext| {
        ext.set("code", code);
        ext.set("status", status.as_u16());
        if status.is_server_error() {
            ext.set("request_id", super::request_id::current());
        }
        if let Some(field) = details.get("field").and_then(Value::as_str) {
            ext.set("field", field);
        }
    })
}

/// The caller with `permission`, or an UNAUTHORIZED / FORBIDDEN error.
fn caller<'a>(ctx: &'a Context<'_>, permission: Permission) -> async_graphql::Result<&'a Caller> {
    let Auth(auth) = ctx.data::<Auth>()?;
    let caller = auth.as_ref().map_err(gql_of)?;
    caller.require(permission).map_err(gql)?;
    Ok(caller)
}

fn learning<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a std::sync::Arc<Learning>> {
    ctx.data::<std::sync::Arc<Learning>>()
}

fn tutor<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<&'a std::sync::Arc<crate::tutor::Tutor>> {
    ctx.data::<std::sync::Arc<crate::tutor::Tutor>>()
}

fn now(ctx: &Context<'_>) -> async_graphql::Result<Now> {
    Ok(*ctx.data::<Now>()?)
}

/// Queries.
pub struct Query;

#[Object]
impl Query {
    /// Today's lesson step and the reviews due for `userId` (yourself, your student, or
    /// anyone for administrators).
    async fn get_daily_lesson(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
    ) -> async_graphql::Result<LessonStep> {
        let caller = caller(ctx, Permission::ViewCourses)?;
        let learning = learning(ctx)?;
        let all = caller.role().allows(Permission::ViewAllUsers);
        if !learning
            .may_view(caller.user_id(), all, &user_id)
            .await
            .map_err(gql)?
        {
            return Err(gql(ApiError::Forbidden(format!(
                "you may see only your own lessons or your students' (not `{}`)",
                user_id.as_str()
            ))));
        }
        learning
            .daily_lesson(&user_id, now(ctx)?)
            .await
            .map_err(gql)
    }

    /// A mini-project submission and, once graded, its score.
    async fn project_submission(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ProjectScore> {
        let caller = caller(ctx, Permission::ViewCourses)?;
        let all = caller.role().allows(Permission::ViewAllUsers);
        learning(ctx)?
            .project_submission(caller.user_id(), all, &id)
            .await
            .map_err(gql)
    }

    /// Your mastery per topic.
    async fn mastery(&self, ctx: &Context<'_>) -> async_graphql::Result<MasteryReport> {
        let caller = caller(ctx, Permission::ViewOwnProfile)?;
        learning(ctx)?
            .mastery(caller.user_id(), now(ctx)?)
            .await
            .map_err(gql)
    }
}

/// Mutations.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Answers a quiz step; a step answered before returns its stored feedback.
    async fn submit_quiz(
        &self,
        ctx: &Context<'_>,
        step_id: ID,
        answers: Json<Value>,
    ) -> async_graphql::Result<QuizFeedback> {
        let caller = caller(ctx, Permission::ViewCourses)?;
        learning(ctx)?
            .submit_quiz(caller.user_id(), &step_id, answers.0, None, now(ctx)?)
            .await
            .map_err(gql)
    }

    /// Sets your tone and returns your current step of the lesson in it.
    async fn switch_tone(
        &self,
        ctx: &Context<'_>,
        lesson_id: ID,
        tone: Tone,
    ) -> async_graphql::Result<LessonStep> {
        let caller = caller(ctx, Permission::ViewCourses)?;
        learning(ctx)?
            .switch_tone(caller.user_id(), &lesson_id, tone.as_str())
            .await
            .map_err(gql)
    }

    /// Submits a mini-project; graded asynchronously (poll `projectSubmission`).
    async fn submit_project(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        payload: Json<Value>,
    ) -> async_graphql::Result<ProjectScore> {
        let caller = caller(ctx, Permission::ViewCourses)?;
        learning(ctx)?
            .submit_project(caller.user_id(), &project_id, payload.0, now(ctx)?)
            .await
            .map_err(gql)
    }

    /// A signed public link to your badge for a track whose certificate you hold.
    async fn share_badge(
        &self,
        ctx: &Context<'_>,
        track_id: ID,
    ) -> async_graphql::Result<ShareLink> {
        let caller = caller(ctx, Permission::ViewCourses)?;
        let learning = learning(ctx)?;
        learning
            .share_badge(caller.user_id(), &track_id, learning.public_url())
            .await
            .map_err(gql)
    }

    /// Marks an explanation step as read.
    async fn complete_step(
        &self,
        ctx: &Context<'_>,
        step_id: ID,
    ) -> async_graphql::Result<StepCompletion> {
        let caller = caller(ctx, Permission::ViewCourses)?;
        learning(ctx)?
            .complete_step(caller.user_id(), &step_id, None, now(ctx)?)
            .await
            .map_err(gql)
    }

    /// Asks the tutor (`POST /api/v1/tutor/queries`): the query as it stands (usually
    /// `queued`; `blocked` with the safety gate's answer at once). Follow it with the
    /// `tutorAnswer` subscription or the REST routes.
    async fn tutor_query(
        &self,
        ctx: &Context<'_>,
        text: String,
        code: Option<String>,
        error: Option<String>,
        step_id: Option<ID>,
        conversation_id: Option<ID>,
    ) -> async_graphql::Result<Json<Value>> {
        let caller = caller(ctx, Permission::AiGeneration)?;
        let tutor = tutor(ctx)?;
        let ask = crate::tutor::Ask {
            text,
            code,
            error,
            step_id: step_id.map(|s| s.0),
            conversation_id: conversation_id.map(|c| c.0),
            generate: None,
        };
        let q = tutor.ask(caller.user_id(), ask, None).await.map_err(gql)?;
        let view = tutor.view(&q).await.map_err(gql)?;
        Ok(Json(serde_json::to_value(view).unwrap_or_default()))
    }

    /// Runs your code against a code exercise's tests.
    async fn submit_exercise(
        &self,
        ctx: &Context<'_>,
        step_id: ID,
        code: String,
    ) -> async_graphql::Result<ExerciseResult> {
        let caller = caller(ctx, Permission::ViewCourses)?;
        learning(ctx)?
            .submit_exercise(caller.user_id(), &step_id, code, None, now(ctx)?)
            .await
            .map_err(gql)
    }
}

/// Subscriptions (over WebSocket at `/graphql/ws`).
pub struct Subscription;

#[SubscriptionRoot]
impl Subscription {
    /// Your query as it changes, the same JSON as `GET /api/v1/tutor/queries/{id}`: now,
    /// once triage decided, and once answered (or failed); then the stream ends.
    async fn tutor_answer(
        &self,
        ctx: &Context<'_>,
        query_id: ID,
    ) -> async_graphql::Result<impl futures_util::Stream<Item = Json<Value>>> {
        let caller = caller(ctx, Permission::AiGeneration)?;
        let user = caller.user_id().to_owned();
        let tutor = tutor(ctx)?.clone();
        // Unknown or someone else's: an error now, not an empty stream.
        tutor.query_of(&user, &query_id).await.map_err(gql)?;
        let id = query_id.0;
        let changes = tutor.watch().subscribe();
        Ok(futures_util::stream::unfold(
            (tutor, user, id, changes, None::<String>, false),
            |(tutor, user, id, mut changes, mut last, done)| async move {
                if done {
                    return None;
                }
                loop {
                    let Ok(q) = tutor.query_of(&user, &id).await else {
                        return None;
                    };
                    let settled = q.status != crate::store::tutor::status::QUEUED;
                    let Ok(view) = tutor.view(&q).await else {
                        return None;
                    };
                    let value = serde_json::to_value(view).unwrap_or_default();
                    let text = value.to_string();
                    if last.as_deref() != Some(text.as_str()) {
                        last = Some(text);
                        return Some((Json(value), (tutor, user, id, changes, last, settled)));
                    }
                    crate::tutor::watch::changed(&mut changes, &id, crate::tutor::watch::POLL)
                        .await;
                }
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_has_seed_000s_operations_exactly() {
        let sdl = Schema::build(Query, Mutation, Subscription).finish().sdl();
        for signature in [
            "tutorQuery(text: String!, code: String, error: String, stepId: ID, conversationId: ID): JSON!",
            "tutorAnswer(queryId: ID!): JSON!",
            "getDailyLesson(userId: ID!): LessonStep!",
            "submitQuiz(stepId: ID!, answers: JSON!): QuizFeedback!",
            "switchTone(lessonId: ID!, tone: Tone!): LessonStep!",
            "submitProject(projectId: ID!, payload: JSON!): ProjectScore!",
            "shareBadge(trackId: ID!): ShareLink!",
        ] {
            assert!(sdl.contains(signature), "missing `{signature}` in\n{sdl}");
        }
        for tone in ["FRIENDLY", "FORMAL", "SOCRATIC", "CONCISE", "PLAYFUL"] {
            assert!(sdl.contains(tone), "tone {tone}");
        }
    }
}
