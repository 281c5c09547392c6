//! Per-call resource limits, remembering which limit was hit so a trap can be reported as
//! the limit it really was.

use wasmtime::ResourceLimiter;

/// The limiter installed in every call's store.
#[derive(Debug)]
pub struct CallLimiter {
    memory_bytes: usize,
    /// Set when a memory grow past the cap was refused.
    pub memory_limit_hit: bool,
    /// The largest total linear memory the call asked for, in bytes.
    pub peak_memory_bytes: usize,
}

/// Table elements a plugin may grow a table to; generous for any real language runtime.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl CallLimiter {
    /// A limiter capping each linear memory at `memory_mb` MiB.
    pub fn new(memory_mb: u64) -> Self {
        Self {
            memory_bytes: (memory_mb as usize) << 20,
            memory_limit_hit: false,
            peak_memory_bytes: 0,
        }
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
            self.memory_limit_hit = true;
            return Ok(false);
        }
        self.peak_memory_bytes = self.peak_memory_bytes.max(desired);
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
