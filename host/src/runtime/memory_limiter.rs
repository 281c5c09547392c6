//! Per-call resource limits, remembering which limit was hit so a trap can be reported as
//! the limit it really was.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use wasmtime::ResourceLimiter;

/// The limiter installed in every call's store.
#[derive(Debug)]
pub struct CallLimiter {
    memory_bytes: usize,
    watch: Arc<MemoryWatch>,
}

/// What the limiter saw, readable after the call even when the store is gone (a call cut
/// off by its deadline drops its store).
#[derive(Debug, Default)]
pub struct MemoryWatch {
    hit: AtomicBool,
    peak: AtomicUsize,
}

impl MemoryWatch {
    /// Whether a memory grow past the cap was refused.
    pub fn limit_hit(&self) -> bool {
        self.hit.load(Ordering::Relaxed)
    }

    /// The largest linear memory the call was allowed to have, in bytes.
    pub fn peak_bytes(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }
}

/// Table elements a plugin may grow a table to; generous for any real language runtime.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl CallLimiter {
    /// A limiter capping each linear memory at `memory_mb` MiB.
    pub fn new(memory_mb: u64) -> Self {
        Self {
            memory_bytes: (memory_mb as usize) << 20,
            watch: Arc::default(),
        }
    }

    /// What this limiter records.
    pub fn watch(&self) -> &Arc<MemoryWatch> {
        &self.watch
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.watch.hit.store(true, Ordering::Relaxed);
            return Ok(false);
        }
        self.watch.peak.fetch_max(desired, Ordering::Relaxed);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        64
    }

    fn tables(&self) -> usize {
        32
    }

    fn memories(&self) -> usize {
        4
    }
}
