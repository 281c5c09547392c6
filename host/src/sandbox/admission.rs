//! The worker pool and the bounded queue in front of it.
//!
//! A request reserves room for all of its runs up front (one per test case), so a
//! test-case run is admitted whole or refused whole; then each run waits for a worker.
//! When the queue is full the request is refused at once (503 with `Retry-After`), the
//! way Judge0 answers "queue is full", rather than piling up behind the deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Admission control for sandbox runs.
#[derive(Debug)]
pub struct Admission {
    workers: Arc<Semaphore>,
    /// Runs admitted and not finished (running or waiting).
    admitted: AtomicUsize,
    /// Most runs admitted at once: workers + queue.
    capacity: usize,
    workers_count: usize,
}

/// The queue was full; holds how many runs were waiting.
#[derive(Debug, Clone, Copy)]
pub struct QueueFull(pub usize);

/// Room for some runs; given back when dropped.
#[derive(Debug)]
pub struct Ticket {
    admission: Arc<Admission>,
    runs: usize,
}

impl Admission {
    /// A pool of `workers` with `queue` places to wait.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            workers: Arc::new(Semaphore::new(workers)),
            admitted: AtomicUsize::new(0),
            capacity: workers + queue,
            workers_count: workers,
        }
    }

    /// Reserves room for `runs` runs, or refuses when that would overflow the queue.
    pub fn reserve(self: &Arc<Self>, runs: usize) -> Result<Ticket, QueueFull> {
        let mut current = self.admitted.load(Ordering::Acquire);
        loop {
            if current + runs > self.capacity {
                return Err(QueueFull(current.saturating_sub(self.workers_count)));
            }
            match self.admitted.compare_exchange_weak(
                current,
                current + runs,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Ok(Ticket {
                        admission: self.clone(),
                        runs,
                    });
                }
                Err(now) => current = now,
            }
        }
    }
}

impl Ticket {
    /// Waits for a free worker; the run holds it until the permit is dropped.
    pub async fn worker(&self) -> OwnedSemaphorePermit {
        // The semaphore is never closed, so acquiring cannot fail.
        self.admission
            .workers
            .clone()
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("the worker semaphore is never closed"))
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admission
            .admitted
            .fetch_sub(self.runs, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_past_workers_plus_queue_and_frees_on_drop() {
        let admission = Arc::new(Admission::new(2, 3));
        let five = admission.reserve(5).expect("fits exactly");
        assert!(admission.reserve(1).is_err());
        drop(five);
        let big = admission.reserve(4).expect("room again");
        assert!(admission.reserve(2).is_err(), "4 + 2 > 5");
        let _one = admission.reserve(1).expect("4 + 1 fits");
        drop(big);
    }

    #[tokio::test]
    async fn a_ticket_waits_for_a_free_worker() {
        let admission = Arc::new(Admission::new(1, 4));
        let ticket = admission.reserve(2).expect("fits");
        let first = ticket.worker().await;
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), ticket.worker());
        assert!(waiting.await.is_err(), "the only worker is taken");
        drop(first);
        let _second = ticket.worker().await;
    }
}
