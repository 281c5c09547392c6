//! The worker pool and the bounded queue in front of it.
//!
//! A request reserves room for all of its runs up front (one per test case), so a
//! test-case run is admitted whole or refused whole; then each run waits for a worker.
//! When the queue is full the request is refused at once (503 with `Retry-After`), the
//! way Judge0 answers "queue is full", rather than piling up behind the deadline.
//!
//! Room is shared, so it is also rationed: the runs one user has admitted (running and
//! waiting) are at most `per_user`, and a user at that share is refused (429) while the
//! others still get in. Runs without a user (a plugin's runs the host cannot attribute)
//! are bound by the pool and the queue alone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Admission control for sandbox runs.
#[derive(Debug)]
pub struct Admission {
    workers: Arc<Semaphore>,
    admitted: Mutex<Admitted>,
    /// Most runs admitted at once: workers + queue.
    capacity: usize,
    workers_count: usize,
    /// Most runs one user may have admitted at once.
    per_user: usize,
}

/// Runs admitted and not finished (running or waiting), in all and per user.
#[derive(Debug, Default)]
struct Admitted {
    total: usize,
    by_user: HashMap<String, usize>,
}

/// Why runs were not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The queue is full; holds how many runs were waiting.
    QueueFull(usize),
    /// The user already has their share admitted; holds the share.
    UserBusy(usize),
}

/// Room for some runs; given back when dropped.
#[derive(Debug)]
pub struct Ticket {
    admission: Arc<Admission>,
    runs: usize,
    user: Option<String>,
}

impl Admission {
    /// A pool of `workers` with `queue` places to wait, at most `per_user` of all of them
    /// one user's.
    pub fn new(workers: usize, queue: usize, per_user: usize) -> Self {
        let workers = workers.max(1);
        Self {
            workers: Arc::new(Semaphore::new(workers)),
            admitted: Mutex::default(),
            capacity: workers + queue,
            workers_count: workers,
            per_user: per_user.max(1),
        }
    }

    /// Most runs one user may have admitted at once.
    pub fn per_user(&self) -> usize {
        self.per_user
    }

    /// Reserves room for `runs` runs of `user` (none: not attributed to a user), or
    /// refuses when that would pass the user's share or overflow the queue.
    pub fn reserve(self: &Arc<Self>, user: Option<&str>, runs: usize) -> Result<Ticket, Refusal> {
        let mut admitted = self.admitted.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = user.map_or(0, |u| admitted.by_user.get(u).copied().unwrap_or(0));
        if user.is_some() && mine + runs > self.per_user {
            return Err(Refusal::UserBusy(self.per_user));
        }
        if admitted.total + runs > self.capacity {
            return Err(Refusal::QueueFull(
                admitted.total.saturating_sub(self.workers_count),
            ));
        }
        admitted.total += runs;
        if let Some(u) = user {
            admitted.by_user.insert(u.to_owned(), mine + runs);
        }
        Ok(Ticket {
            admission: self.clone(),
            runs,
            user: user.map(str::to_owned),
        })
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
        let mut admitted = self
            .admission
            .admitted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        admitted.total -= self.runs;
        if let Some(user) = &self.user
            && let Some(mine) = admitted.by_user.get_mut(user)
        {
            *mine -= self.runs;
            // Users with nothing admitted take no room in the map.
            if *mine == 0 {
                admitted.by_user.remove(user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_past_workers_plus_queue_and_frees_on_drop() {
        let admission = Arc::new(Admission::new(2, 3, 100));
        let five = admission.reserve(None, 5).expect("fits exactly");
        assert_eq!(
            admission.reserve(None, 1).unwrap_err(),
            Refusal::QueueFull(3)
        );
        drop(five);
        let big = admission.reserve(None, 4).expect("room again");
        assert!(admission.reserve(None, 2).is_err(), "4 + 2 > 5");
        let _one = admission.reserve(None, 1).expect("4 + 1 fits");
        drop(big);
    }

    #[tokio::test]
    async fn one_user_gets_a_share_and_the_others_the_rest() {
        let admission = Arc::new(Admission::new(1, 3, 2));
        let a1 = admission.reserve(Some("a"), 1).unwrap();
        let _a2 = admission.reserve(Some("a"), 1).unwrap();
        assert_eq!(
            admission.reserve(Some("a"), 1).unwrap_err(),
            Refusal::UserBusy(2)
        );
        let _b = admission.reserve(Some("b"), 2).expect("b's own share");
        // The pool is full now: even a user under their share waits for room.
        assert!(matches!(
            admission.reserve(Some("c"), 1),
            Err(Refusal::QueueFull(_))
        ));
        drop(a1);
        let _a3 = admission.reserve(Some("a"), 1).expect("a's run finished");
        assert_eq!(admission.admitted.lock().unwrap().by_user.len(), 2);
    }

    #[tokio::test]
    async fn a_ticket_waits_for_a_free_worker() {
        let admission = Arc::new(Admission::new(1, 4, 10));
        let ticket = admission.reserve(None, 2).expect("fits");
        let first = ticket.worker().await;
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), ticket.worker());
        assert!(waiting.await.is_err(), "the only worker is taken");
        drop(first);
        let _second = ticket.worker().await;
    }
}
