//! A small runtime of its own for the reads of kept values (each learner's data, each
//! session's state, each persona: their reads ahead of expiry, and the read a request
//! makes when nothing is kept) and of the values every request shares (the session change
//! epochs, the draft courses, the flags: `kept::Fresh`, read again by one request).
//!
//! Why: under seed 000's storm the server's runtime holds some 10 000 ready connections,
//! and a task that awaits anything goes to the back of that queue each time it is woken.
//! A database read awaits several times (a pooled connection, the query, each reply), so
//! on the server's runtime one read took several passes of the queue, a second or more
//! each: the reads ahead of expiry fell so far behind that the values they were to renew
//! expired, and requests read them again themselves, several passes each
//! (docs/benchmarks.md, "Reads aside"). Here such a read runs where nothing else queues,
//! and a request that needs its answer waits once, for the whole read.
//!
//! One worker thread: the reads are short and mostly wait on the database; the thread is
//! a third one beside the server's workers, woken only for them.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Handle, Runtime};

use super::StoreError;

static RUNTIME: OnceLock<Option<Runtime>> = OnceLock::new();

/// The aside runtime, started on first use; `None` when its thread cannot be started
/// (the reads then run where they are asked for, as before).
fn handle() -> Option<&'static Handle> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("tessera-reads")
                .enable_all()
                .build()
                .inspect_err(|e| {
                    tracing::warn!(error = %e, "cannot start the reads' own runtime; reading inline");
                })
                .ok()
        })
        .as_ref()
        .map(Runtime::handle)
}

/// Whether the caller already runs on the aside runtime.
fn on_aside(aside: &Handle) -> bool {
    Handle::try_current().is_ok_and(|current| current.id() == aside.id())
}

/// Runs `task` in the background on the aside runtime (or the caller's, without it).
pub(crate) fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    match handle() {
        Some(aside) => drop(aside.spawn(task)),
        None => drop(tokio::spawn(task)),
    }
}

/// Runs `read` on the aside runtime and waits for its answer: one wait for the caller,
/// however many the read has. A read that panics panics here too.
pub(crate) async fn read<T: Send + 'static>(
    read: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    let Some(aside) = handle().filter(|aside| !on_aside(aside)) else {
        return read.await;
    };
    match aside.spawn(read).await {
        Ok(answer) => answer,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only a runtime shutting down cancels a task, and this one lives as long as the
        // process; say the worker stopped rather than panic.
        Err(_) => Err(StoreError::Database(sqlx::Error::WorkerCrashed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_read_runs_on_its_own_thread_and_answers_the_caller() {
        let caller = std::thread::current().id();
        let (thread, name) = read(async {
            let t = std::thread::current();
            Ok((t.id(), t.name().map(str::to_owned)))
        })
        .await
        .unwrap();
        assert_ne!(thread, caller);
        assert_eq!(name.as_deref(), Some("tessera-reads"));
        // A read asked for from the aside runtime itself runs inline rather than waiting
        // on a queue it occupies.
        let nested = read(async {
            let outer = std::thread::current().id();
            let inner = read(async { Ok(std::thread::current().id()) }).await?;
            Ok((outer, inner))
        })
        .await
        .unwrap();
        assert_eq!(nested.0, nested.1);
    }

    #[tokio::test]
    async fn a_failed_read_reaches_the_caller_as_it_failed() {
        let e = read::<()>(async { Err(StoreError::Conflict("that e-mail address")) })
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict("that e-mail address")));
    }

    #[tokio::test]
    async fn a_background_task_runs_to_its_end() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        spawn(async move {
            let _ = tx.send(std::thread::current().name().map(str::to_owned));
        });
        assert_eq!(rx.await.unwrap().as_deref(), Some("tessera-reads"));
    }
}
