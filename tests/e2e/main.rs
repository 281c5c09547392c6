//! End-to-end tests: each starts the real `tessera` binary and talks to it over HTTP.
//! Fixture components are built by `./dev test` into dist/components/.

mod bad_input;
mod budget;
mod chat;
mod cli;
mod code_grader;
mod content;
mod gateway;
mod grants;
mod identity;
mod learning;
mod lifecycle;
mod misbehaving;
mod operations;
mod partner_grader;
mod quiz_grader;
mod reload;
mod safety;
mod sandbox;
mod support;
mod upstream;
