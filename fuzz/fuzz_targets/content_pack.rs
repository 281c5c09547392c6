//! The content-pack reader and checker on a pack written from the input: the first part
//! is `pack.json`; each further part, after a line `--- <relative path>`, is a file of the
//! pack (`lessons/<id>.json`, Markdown texts). Any pack loads or is refused with problems
//! naming file and field, never a panic.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;

/// One folder per process, emptied for each input; in memory where there is a tmpfs (30
/// times the inputs a second of a disk).
fn pack_dir() -> PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_owned()
    } else {
        std::env::temp_dir()
    };
    base.join(format!("tessera-fuzz-pack-{}", std::process::id()))
}

/// A relative path made only of safe names, at most three deep.
fn safe(path: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = path.trim().split('/').collect();
    let ok = (1..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.len() <= 64
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
    ok.then(|| parts.iter().collect())
}

fuzz_target!(|data: &[u8]| {
    let dir = pack_dir();
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(dir.join("lessons")).is_err() {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split("\n--- ");
    let pack = parts.next().unwrap_or_default();
    if std::fs::write(dir.join("pack.json"), pack).is_err() {
        return;
    }
    for part in parts.take(32) {
        let (name, body) = part.split_once('\n').unwrap_or((part, ""));
        let Some(relative) = safe(name) else { continue };
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, body);
    }
    match tessera::content::pack::load(&dir) {
        Ok(pack) => {
            // A pack that loads has well-formed step ids.
            for id in pack.step_ids() {
                assert!(!id.is_empty(), "an empty step id was accepted");
            }
        }
        Err(problems) => assert!(!problems.is_empty(), "refused without a problem"),
    }
});
