//! End-to-end tests: each starts the real `tessera` binary and talks to it over HTTP.
//! Fixture components are built by `./dev test` into dist/components/.

mod access;
mod ai_cost;
mod attempts;
mod bad_input;
mod budget;
mod chaos;
mod chat;
mod cli;
mod code_grader;
mod content;
mod events;
mod gateway;
mod grants;
mod http_limits;
mod identity;
mod learning;
mod lifecycle;
mod misbehaving;
mod operations;
mod partner_grader;
mod plugin_embeddings;
mod plugin_kv;
mod plugin_logs;
mod quiz_grader;
mod reload;
mod safety;
mod sandbox;
mod schema;
mod struggle;
mod study;
mod support;
mod tutor;
mod tutorials;
mod upstream;
