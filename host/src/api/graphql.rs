//! `/graphql`: seed 000 §4's contract, exactly —
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
//! `mastery`, `completeStep`, `submitExercise`). Resolvers call the same services as REST
//! (`crate::learning`), and errors carry the REST error's `code`, `status` and `field` in
//! their extensions. `GET /graphql` in a browser is GraphiQL. Authentication is the same
//! bearer token as REST.

use async_graphql::http::GraphiQLSource;
use async_graphql::{Context, EmptySubscription, Enum, ErrorExtensions, ID, Json, Object, Schema};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::AppState;
use super::caller::{self, Caller};
use super::error::ApiError;
use crate::auth::Permission;
use crate::learning::views::{
    ExerciseResult, LessonStep, MasteryReport, ProjectScore, QuizFeedback, ShareLink,
    StepCompletion,
};
use crate::learning::{Learning, Now};

/// The schema type.
pub type TesseraSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema over `learning`.
pub fn schema(learning: std::sync::Arc<Learning>) -> TesseraSchema {
    Schema::build(Query, Mutation, EmptySubscription)
        .data(learning)
        // Bounded work per request: the schema is shallow, so deeper queries are abuse.
        .limit_depth(10)
        .limit_complexity(500)
        .finish()
}

/// `GET /graphql` (GraphiQL) and `POST /graphql`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/graphql", get(graphiql).post(execute))
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

/// Who is calling, as the resolvers see it.
struct Auth(Result<Caller, String>);

/// The links' base URL for this request.
struct BaseUrl(String);

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
    headers: HeaderMap,
    request: GraphQLRequest<Rejection>,
) -> Response {
    let caller = caller::authenticate(&headers, &state).map_err(|e| e.to_string());
    let now = match Now::from_headers(&headers, state.learning.test_clock()) {
        Ok(now) => now,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let request = request
        .into_inner()
        .data(Auth(caller))
        .data(now)
        .data(BaseUrl(super::learning::base_url(&headers)));
    GraphQLResponse::from(state.graphql.execute(request).await).into_response()
}

/// An API error as a GraphQL error with the REST body's code, status and field.
fn gql(e: impl Into<ApiError>) -> async_graphql::Error {
    let e: ApiError = e.into();
    let (status, code, details) = e.parts();
    async_graphql::Error::new(e.to_string()).extend_with(|_, ext| {
        ext.set("code", code);
        ext.set("status", status.as_u16());
        if let Some(field) = details.get("field").and_then(Value::as_str) {
            ext.set("field", field);
        }
    })
}

/// The caller with `permission`, or an UNAUTHORIZED / FORBIDDEN error.
fn caller<'a>(ctx: &'a Context<'_>, permission: Permission) -> async_graphql::Result<&'a Caller> {
    let Auth(auth) = ctx.data::<Auth>()?;
    let caller = auth
        .as_ref()
        .map_err(|m| gql(ApiError::Unauthorized(m.clone())))?;
    caller.require(permission).map_err(gql)?;
    Ok(caller)
}

fn learning<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a std::sync::Arc<Learning>> {
    ctx.data::<std::sync::Arc<Learning>>()
}

fn now(ctx: &Context<'_>) -> async_graphql::Result<Now> {
    Ok(*ctx.data::<Now>()?)
}

/// A lesson tone (seed 000).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Tone {
    /// Warm and encouraging (the authored text).
    Friendly,
    /// Precise and neutral.
    Formal,
    /// Teaching by questions.
    Socratic,
    /// Short.
    Concise,
    /// Light and fun.
    Playful,
}

impl Tone {
    fn name(self) -> &'static str {
        match self {
            Tone::Friendly => "friendly",
            Tone::Formal => "formal",
            Tone::Socratic => "socratic",
            Tone::Concise => "concise",
            Tone::Playful => "playful",
        }
    }
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
            .switch_tone(caller.user_id(), &lesson_id, tone.name())
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
        let BaseUrl(base) = ctx.data::<BaseUrl>()?;
        learning(ctx)?
            .share_badge(caller.user_id(), &track_id, base)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_has_seed_000s_operations_exactly() {
        let sdl = Schema::build(Query, Mutation, EmptySubscription)
            .finish()
            .sdl();
        for signature in [
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
