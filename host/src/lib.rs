//! Tessera host: loads capability components (WebAssembly, component model) and serves
//! them over HTTP.
//!
//! - [`runtime`]: engine, compile cache, loading, calls under limits, host services;
//! - [`plugins`]: manifests, the contract, the registry with atomic reload;
//! - [`content`]: learning content packs (tracks > courses > modules > lessons > steps);
//! - [`grading`]: routing answers to grader plugins;
//! - [`learning`]: the daily loop: lessons, answers, progress, mastery, badges (decided
//!   by the lesson-engine and grader plugins);
//! - [`safety`]: screening text with the safety-filter plugins;
//! - [`sandbox`]: learner code in the code-runner plugins, with a bounded pool;
//! - [`store`]: the database (Postgres or SQLite) and its repositories;
//! - [`kv`]: rate-limit windows, idempotency records, caches (Redis or in-process);
//! - [`auth`]: passwords, tokens, roles and the permission matrix;
//! - [`ai`]: AI requests: the safety gate, then the AI gateway plugin;
//! - [`kalei`]: seed 001's product (Mirror, Turn, Lens, Spectrum, plans), decided by the
//!   reflection plugins;
//! - [`events`]: the event bus (in the database, or NATS JetStream), the outbox and the
//!   consumer groups;
//! - [`edge`]: `tessera edge serve`, the edge application (`spin.toml`) served as Spin
//!   would serve it;
//! - [`api`]: the HTTP API;
//! - [`timing`]: where a request's time went (inside models, or the platform's own);
//! - [`cli`]: the `tessera` command: `serve` puts it all together; `plugin`, `user`,
//!   `content`, `migrate` and `service-token` are the operator commands.

pub mod ai;
pub mod api;
pub mod auth;
pub mod cli;
pub mod content;
pub mod edge;
pub mod embeddings;
pub mod events;
pub mod experiments;
pub mod feed;
pub mod grading;
pub mod kalei;
pub mod kept;
pub mod kv;
pub mod learning;
pub mod metrics;
pub mod notify;
pub mod plugins;
pub mod runtime;
pub mod safety;
pub mod sandbox;
pub mod store;
pub mod study;
pub mod telemetry;
pub mod timing;
pub mod tutor;
