//! The host's services as a plugin's Rust code sees them. The export macros pass a [`Host`]
//! to `grade_with` / `respond_with` / `classify_with`; each service calls its import, which
//! the plugin's manifest must grant (`grants.llm`, `grants.code_runner`). A plugin whose code
//! never calls a service does not import it (the linker drops what nothing calls), so it
//! needs no grant; native tests pass a fake [`Host`] of their own.

use crate::model::Llm;
use crate::sandbox::CodeRunner;

/// The services a plugin may call.
pub trait Host {
    /// Model completions through the AI gateway and the safety gate (`grants.llm`).
    fn llm(&mut self) -> &mut dyn Llm;
    /// The sandbox that runs learner code (`grants.code_runner`).
    fn code_runner(&mut self) -> &mut dyn CodeRunner;
    /// Writes to the host's log under the plugin's id (`wasi:logging`, always granted).
    /// Does nothing by default, so a test's fake need not implement it.
    fn log(&mut self, level: Level, context: &str, message: &str) {
        let _ = (level, context, message);
    }
}

/// How much a log line matters (`wasi:logging`'s levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Step by step detail.
    Trace,
    /// Detail for whoever debugs the plugin.
    Debug,
    /// Normal operation worth recording.
    Info,
    /// Something an operator should look at.
    Warn,
    /// A failure.
    Error,
    /// A failure the plugin cannot go on from.
    Critical,
}

/// Defines `Services`, the [`Host`] the export macros hand to the plugin, over the
/// generated `llm` and `code-runner` imports of the bindings in scope.
#[doc(hidden)]
#[macro_export]
macro_rules! __host_services {
    () => {
        $crate::llm_import!(tessera::platform::llm, tessera::platform::types);
        $crate::code_runner_import!(tessera::platform::code_runner);

        struct Services {
            llm: Gateway,
            runner: Sandbox,
        }

        impl Services {
            fn new() -> Self {
                Services {
                    llm: Gateway,
                    runner: Sandbox,
                }
            }
        }

        impl $crate::Host for Services {
            fn llm(&mut self) -> &mut dyn $crate::model::Llm {
                &mut self.llm
            }

            fn code_runner(&mut self) -> &mut dyn $crate::sandbox::CodeRunner {
                &mut self.runner
            }

            fn log(&mut self, level: $crate::host::Level, context: &str, message: &str) {
                use wasi::logging::logging::{Level, log};
                let level = match level {
                    $crate::host::Level::Trace => Level::Trace,
                    $crate::host::Level::Debug => Level::Debug,
                    $crate::host::Level::Info => Level::Info,
                    $crate::host::Level::Warn => Level::Warn,
                    $crate::host::Level::Error => Level::Error,
                    $crate::host::Level::Critical => Level::Critical,
                };
                log(level, context, message);
            }
        }
    };
}

/// The contract's `error` for a plain [`crate::Error`], with the bindings' `Error` and
/// `FieldError` in scope.
#[doc(hidden)]
#[macro_export]
macro_rules! __wit_error {
    ($e:expr) => {
        match $e {
            $crate::Error::Invalid(e) => Error::InvalidInput(FieldError {
                field: e.field,
                message: e.message,
            }),
            $crate::Error::Unsupported(m) => Error::Unsupported(m),
            $crate::Error::Unavailable(m) => Error::Unavailable(m),
            $crate::Error::Internal(m) => Error::Internal(m),
        }
    };
}

/// The bindings' `Message` as the plain [`crate::model::Message`], with the bindings'
/// `Role` in scope.
#[doc(hidden)]
#[macro_export]
macro_rules! __plain_message {
    ($m:expr) => {{
        let m = $m;
        $crate::model::Message {
            role: match m.role {
                Role::System => $crate::model::Role::System,
                Role::User => $crate::model::Role::User,
                Role::Assistant => $crate::model::Role::Assistant,
            },
            content: m.content,
        }
    }};
}

/// The bindings' `LearnerContext` as the plain [`crate::Learner`].
#[doc(hidden)]
#[macro_export]
macro_rules! __plain_learner {
    ($l:expr) => {{
        let l = $l;
        $crate::Learner {
            learner_id: l.learner_id,
            locale: l.locale,
            timezone: l.timezone,
            tone: l.tone,
        }
    }};
}
