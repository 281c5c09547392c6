//! The HTTP API: one module per product area, one error type, one router.

pub mod admin;
pub mod ai_reports;
pub mod alerts;
pub mod auth;
pub mod caller;
pub mod classes;
pub mod content;
pub mod courses;
pub mod edge;
pub mod error;
pub mod experiments;
pub mod feed;
pub mod grade;
pub mod graphql;
pub mod guard;
pub mod health;
pub mod idempotency;
pub mod json;
pub mod kalei;
pub mod learning;
pub mod me;
pub mod notifications;
pub mod openai;
pub mod openapi;
pub mod plugins;
pub mod rate_limit;
pub mod request_id;
pub mod safety;
pub mod sandbox;
pub mod study;
pub mod tutor;
pub mod tutorials;
pub mod ui;
pub mod web;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;

use crate::ai::Ai;
use crate::auth::{Auth, TokenKeys};
use crate::kv::Kv;
use crate::learning::{Learning, LearningSettings};
use crate::plugins::Registry;
use crate::runtime::capabilities::code_runner::CodeRunnerBackend;
use crate::runtime::capabilities::llm::LlmBackend;
use crate::sandbox::{Sandbox, SandboxSettings};
use crate::store::Db;
use error::ApiError;
use rate_limit::{RateClass, RateLimits};

/// State shared by every handler: a handle to [`Shared`], cloned for each request (one
/// reference count, where cloning the parts was some thirty and a few allocations).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What every handler shares: the services, caches and settings of a running server.
pub struct Shared {
    /// Loaded plugins.
    pub registry: Arc<Registry>,
    /// Runs learner code.
    pub sandbox: Arc<Sandbox>,
    /// AI requests through the safety gate and the AI gateway.
    pub ai: Arc<Ai>,
    /// The safety gate (rules, then meaning).
    pub safety: Arc<crate::safety::SafetyGate>,
    /// The embeddings model, for host code comparing meanings (`None` when not loaded).
    pub embeddings: Option<Arc<crate::embeddings::Embeddings>>,
    /// Set once the first plugin load has finished.
    pub started: Arc<AtomicBool>,
    /// The database.
    pub db: Db,
    /// Rate-limit windows, idempotency records, caches.
    pub kv: Arc<dyn Kv>,
    /// Identity.
    pub auth: Arc<Auth>,
    /// Requests per minute per class of route.
    pub rate_limits: RateLimits,
    /// Lessons, answers, progress (REST and GraphQL).
    pub learning: Arc<Learning>,
    /// The GraphQL schema over `learning`.
    pub graphql: graphql::TesseraSchema,
    /// Deadlines and trusted proxies of the HTTP layer.
    pub http: guard::HttpLimits,
    /// The event bus.
    pub bus: crate::events::Bus,
    /// The tutor (its consumer is started by `serve`).
    pub tutor: Arc<crate::tutor::Tutor>,
    /// Seed 002's AI study features: quizzes, study sessions, courses.
    pub study: Arc<crate::study::Study>,
    /// Seed 004: tutorials, experiments, surveys, personas, feature flags.
    pub experiments: Arc<crate::experiments::Experiments>,
    /// Seed 001: Kalei's Mirror, Turn, Lens, Spectrum and plans.
    pub kalei: Arc<crate::kalei::Kalei>,
    /// Notifications: in-app, Web Push, the APNs/FCM outbox (its sender and sweep are
    /// started by `serve`).
    pub notifier: Arc<crate::notify::Notifier>,
    /// Publishes plugin versions and changes their rollouts.
    pub publisher: Arc<crate::plugins::published::Publisher>,
    /// The plugin registry's settings (the watcher and canary guard `serve` starts).
    pub plugin_settings: crate::plugins::published::RegistrySettings,
    /// Each viewer's ranked feed, kept for a while (`--feed-cache-seconds`).
    pub feed_cache: Arc<crate::feed::FeedCache>,
}

/// What the API is built on, besides the plugins.
pub struct Services {
    /// The database (migrated).
    pub db: Db,
    /// The key-value store.
    pub kv: Arc<dyn Kv>,
    /// Token signing keys.
    pub keys: TokenKeys,
    /// Requests per minute per class of route.
    pub rate_limits: RateLimits,
    /// Sandbox settings.
    pub sandbox: SandboxSettings,
    /// Model prices for the AI cost report.
    pub ai: crate::ai::AiSettings,
    /// Learning settings (the badge key is filled in from `keys`).
    pub learning: LearningSettings,
    /// Deadlines and trusted proxies of the HTTP layer.
    pub http: guard::HttpLimits,
    /// The safety gate's semantic stage and hotline directory.
    pub safety: crate::safety::SafetySettings,
    /// The embeddings model (the semantic stage's), which also serves plugins'
    /// `embeddings` imports; `None` with `--semantic-safety off`.
    pub embeddings: Option<Arc<crate::embeddings::Embeddings>>,
    /// The event bus (its relay and consumers are started by `serve`).
    pub bus: crate::events::Bus,
    /// Seed 004's settings (config freshness, the survey comment keys).
    pub experiments: crate::experiments::ExperimentSettings,
    /// Kalei's sealing keys and billing webhooks.
    pub kalei: crate::kalei::KaleiSettings,
    /// Plugins published over HTTP.
    pub plugin_registry: crate::plugins::published::RegistrySettings,
    /// Notifications: VAPID, push endpoints, retries, the sender's and sweep's pace.
    pub notify: crate::notify::NotifySettings,
    /// How long a viewer's ranked feed is kept, ms (0: ranked on every read).
    pub feed_cache_ms: i64,
    /// How long a session's state, once read, is trusted, ms (0: read on every request).
    pub session_recheck_ms: i64,
}

impl AppState {
    /// State around `registry`; not started yet. The sandbox also serves plugins'
    /// `code-runner` imports.
    pub fn new(registry: Arc<Registry>, services: Services) -> Self {
        let sandbox = Arc::new(Sandbox::new(registry.clone(), services.sandbox));
        let weak = Arc::downgrade(&sandbox);
        let backend: std::sync::Weak<dyn CodeRunnerBackend> = weak;
        registry.runtime().set_code_runner(backend);
        if let Some(embeddings) = &services.embeddings {
            registry
                .runtime()
                .set_embeddings(Arc::downgrade(embeddings));
        }
        let safety = Arc::new(crate::safety::SafetyGate::new(
            registry.clone(),
            services.safety,
        ));
        let ai = Arc::new(Ai::new(
            registry.clone(),
            safety.clone(),
            services.db.clone(),
            services.kv.clone(),
            services.ai,
        ));
        let weak = Arc::downgrade(&ai);
        let backend: std::sync::Weak<dyn LlmBackend> = weak;
        registry.runtime().set_llm(backend);
        if services.kv.kind() == "redis" {
            registry.runtime().set_shared_kv(services.kv.clone());
        }
        let mut learning_settings = services.learning;
        learning_settings.badge_key = services.keys.badge_key().to_vec();
        let experiments = Arc::new(crate::experiments::Experiments::new(
            services.db.clone(),
            registry.clone(),
            services.bus.clone(),
            services.experiments,
        ));
        let learning = Arc::new(Learning::new(
            services.db.clone(),
            registry.clone(),
            ai.clone(),
            services.bus.clone(),
            learning_settings,
            experiments.clone(),
        ));
        let tutor = Arc::new(crate::tutor::Tutor::new(
            services.db.clone(),
            registry.clone(),
            ai.clone(),
            learning.clone(),
            services.bus.clone(),
        ));
        let study = Arc::new(crate::study::Study::new(
            services.db.clone(),
            ai.clone(),
            learning.clone(),
        ));
        let notifier = Arc::new(crate::notify::Notifier::new(
            services.db.clone(),
            services.notify,
        ));
        let kalei = Arc::new(crate::kalei::Kalei::new(
            services.db.clone(),
            ai.clone(),
            registry.clone(),
            services.kv.clone(),
            services.kalei,
            notifier.clone(),
        ));
        let publisher = Arc::new(crate::plugins::published::Publisher::new(
            registry.clone(),
            services.db.clone(),
            &services.plugin_registry,
        ));
        Self(Arc::new(Shared {
            feed_cache: Arc::new(crate::feed::FeedCache::new(services.feed_cache_ms)),
            kalei,
            notifier,
            publisher,
            plugin_settings: services.plugin_registry,
            experiments,
            graphql: graphql::schema(learning.clone(), tutor.clone()),
            study,
            learning,
            tutor,
            ai,
            safety,
            embeddings: services.embeddings,
            sandbox,
            registry,
            started: Arc::new(AtomicBool::new(false)),
            auth: Arc::new(Auth::new(
                services.db.clone(),
                services.keys,
                Some(services.kv.clone()),
                services.session_recheck_ms,
            )),
            db: services.db,
            kv: services.kv,
            rate_limits: services.rate_limits,
            http: services.http,
            bus: services.bus,
        }))
    }

    /// Whether start-up (the first plugin load) has finished.
    pub fn is_started(&self) -> bool {
        self.started.load(Ordering::Acquire)
    }
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    let router = Router::new()
        .merge(health::routes())
        .merge(openapi::routes())
        .merge(ui::routes())
        .nest("/api/v1", v1(&state))
        .merge(openai_routes(&state))
        .merge(public_routes(&state))
        // The web app's files and pages, else the JSON 404.
        .fallback(web::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(json::MAX_BODY_BYTES))
        // Outermost last: every request, routed or not, gets its client address, a
        // deadline and a bounded body before anything reads it.
        .layer(middleware::from_fn_with_state(
            state.http.clone(),
            guard::bounded_body,
        ))
        .layer(middleware::from_fn_with_state(
            state.http.clone(),
            guard::deadline,
        ))
        .layer(middleware::from_fn_with_state(
            state.http.clone(),
            guard::resolve_client,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(middleware::from_fn(request_id::middleware));
    // Outermost: a preflight is answered before any limit or token check.
    let router = match guard::cors(&state.http.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router.with_state(state)
}

/// `/api/v1`: the auth routes limited per client address (registration also idempotent),
/// everything else per user.
fn v1(state: &AppState) -> Router<AppState> {
    let register = auth::register_route().route_layer(middleware::from_fn_with_state(
        state.clone(),
        idempotency::idempotent,
    ));
    let auth_routes = auth::routes()
        .merge(register)
        .route_layer(middleware::from_fn_with_state(
            (state.clone(), RateClass::Auth),
            rate_limit::limit,
        ));
    // A project submission is graded by a model: an AI request for the rate limit too.
    let projects = learning::project_routes()
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent,
        ))
        .route_layer(middleware::from_fn_with_state(
            (state.clone(), RateClass::Ai),
            rate_limit::limit,
        ));
    // The tutor, exercise generation and seed 002's study routes ask agents and models:
    // AI requests too.
    let tutor_asks = tutor::ai_routes()
        .merge(study::ai_routes())
        .merge(kalei::ai_routes())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent,
        ))
        .route_layer(middleware::from_fn_with_state(
            (state.clone(), RateClass::Ai),
            rate_limit::limit,
        ));
    // Turns (`guard::admit`) for the routes whose work is the server's own; the AI routes
    // wait on models for seconds and would hold the turns meanwhile.
    let own = grade::routes()
        .merge(learning::routes())
        .merge(edge::routes())
        .merge(classes::routes())
        .merge(courses::routes())
        .merge(alerts::routes())
        .merge(tutor::routes())
        .merge(study::routes())
        .merge(kalei::routes())
        .merge(plugins::routes())
        .merge(sandbox::routes())
        .merge(me::routes())
        .merge(safety::routes())
        .merge(ai_reports::admin_routes())
        .merge(admin::routes())
        .merge(content::routes())
        .merge(feed::routes())
        .merge(notifications::routes())
        .merge(experiments::routes())
        .route_layer(middleware::from_fn_with_state(
            state.http.clone(),
            guard::admit,
        ));
    let general =
        own.merge(tutor_asks)
            .merge(projects)
            .route_layer(middleware::from_fn_with_state(
                (state.clone(), RateClass::General),
                rate_limit::limit,
            ));
    auth_routes.merge(general)
}

/// `/graphql` (charging each root field itself); the public badge pages and GrowthBook's
/// features payload (per address, no token needed); seed 004's tutorial routes at the
/// seed's own paths (a token is optional) and its `/_internal` services (per user).
fn public_routes(state: &AppState) -> Router<AppState> {
    graphql::routes().merge(
        learning::public_routes()
            .merge(experiments::public_routes())
            .merge(tutorials::routes())
            .merge(tutorials::internal_routes())
            .merge(edge::internal_routes())
            .merge(notifications::internal_routes())
            .route_layer(middleware::from_fn_with_state(
                state.http.clone(),
                guard::admit,
            ))
            .route_layer(middleware::from_fn_with_state(
                (state.clone(), RateClass::General),
                rate_limit::limit,
            )),
    )
}

/// `/v1/*`: the OpenAI-compatible routes, limited per user as AI routes.
fn openai_routes(state: &AppState) -> Router<AppState> {
    openai::routes().route_layer(middleware::from_fn_with_state(
        (state.clone(), RateClass::Ai),
        rate_limit::limit,
    ))
}

/// The learner's region for the crisis resources (ISO 3166-1 alpha-2), from the client's
/// `X-Tessera-Region` header; `None`: the global directory's. Every route whose text the
/// safety gate screens passes it on.
pub(crate) fn client_region(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get("x-tessera-region")
        .and_then(|v| v.to_str().ok())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Counts and times every response by matched route, records the status on the request's
/// span, and writes the access-log line (target `tessera::access`): request id, route,
/// method, status, duration and the caller's hashed id, never the raw id or e-mail.
async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request_id::route(&request);
    let method = request.method().clone();
    let (mut response, split) = crate::timing::scope(next.run(request)).await;
    let status = response.status().as_u16();
    let elapsed = split.total;
    tracing::Span::current().record("status", status);
    state
        .registry
        .runtime()
        .metrics()
        .record_http(&route, method.as_str(), status, &split);
    if state.http.server_timing
        && let Ok(value) = axum::http::HeaderValue::from_str(&split.server_timing())
    {
        response.headers_mut().insert("server-timing", value);
    }
    let user_hash = request_id::user().map(|id| crate::store::ai_usage::user_hash(&id));
    tracing::info!(
        target: "tessera::access",
        request_id = %request_id::current(),
        user_hash = user_hash.as_deref(),
        %route,
        %method,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}
