//! Waking this replica's waiters (SSE streams, routes waiting for an exercise) when a query
//! changes. Changes made by another replica are seen by looking again every [`POLL`].

use std::time::Duration;

use tokio::sync::broadcast;

/// How often a waiter looks at the database anyway (answers from other replicas).
pub const POLL: Duration = Duration::from_secs(1);

/// Query ids that changed, for whoever listens on this replica.
#[derive(Debug, Clone)]
pub struct Watch(broadcast::Sender<String>);

impl Default for Watch {
    fn default() -> Self {
        Watch(broadcast::channel(1024).0)
    }
}

impl Watch {
    /// Says that query `id` changed.
    pub fn changed(&self, id: &str) {
        // Nobody listening is fine.
        let _ = self.0.send(id.to_owned());
    }

    /// Listens for changes.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.0.subscribe()
    }
}

/// Waits until query `id` may have changed: its id came by, the channel lagged (some id
/// was missed), or `timeout` passed.
pub async fn changed(changes: &mut broadcast::Receiver<String>, id: &str, timeout: Duration) {
    let wait = async {
        loop {
            match changes.recv().await {
                Ok(changed) if changed == id => return,
                Ok(_) => {}
                Err(
                    broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed,
                ) => {
                    return;
                }
            }
        }
    };
    let _ = tokio::time::timeout(timeout, wait).await;
}
