//! On-disk cache of compiled components, keyed by the component's SHA-256 and the engine's
//! compatibility hash, so a restart (or a second replica on the same disk) never recompiles.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled artifacts live.
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: PathBuf,
    engine_key: String,
}

/// Whether a load found its artifact in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Deserialised from the cache.
    Hit,
    /// Compiled now and stored.
    Miss,
}

impl CompileCache {
    /// A cache in `dir` for artifacts compatible with `engine`.
    pub fn new(dir: impl Into<PathBuf>, engine: &Engine) -> Self {
        // `DefaultHasher::new()` has fixed keys, so the key is stable across runs of the
        // same build; the compatibility hash itself covers the wasmtime version and settings.
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Self {
            dir: dir.into(),
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn artifact_path(&self, bytes: &[u8]) -> PathBuf {
        let digest = hex::encode(Sha256::digest(bytes));
        self.dir
            .join(format!("{}-{}.cwasm", &digest[..32], self.engine_key))
    }

    /// Whether the cache holds a compiled artifact of `bytes` for this engine (so loading
    /// it deserialises instead of compiling).
    pub fn holds(&self, bytes: &[u8]) -> bool {
        self.artifact_path(bytes).is_file()
    }

    /// Loads `bytes` as a component, from the cache when possible.
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let path = self.artifact_path(bytes);
        if path.exists() {
            // SAFETY: the file was written by `Engine::precompile_component` of an engine with
            // the same compatibility hash (it is in the file name), into a folder the host owns.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "discarding unreadable compiled artifact");
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let compiled = engine.precompile_component(bytes)?;
        if let Err(e) = self.store(&path, &compiled) {
            tracing::warn!(path = %path.display(), error = %e, "could not write compiled artifact; continuing without cache");
        }
        // SAFETY: `compiled` was produced just now by this engine.
        let component = unsafe { Component::deserialize(engine, &compiled)? };
        Ok((component, CacheOutcome::Miss))
    }

    fn store(&self, path: &Path, compiled: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        // Write then rename, so a concurrent reader never sees half a file; the temporary
        // name is this process's and this write's, since plugins load in parallel.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
        std::fs::write(&tmp, compiled)?;
        std::fs::rename(&tmp, path)
    }
}
