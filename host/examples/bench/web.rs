//! The web app's first screen (docs/web.md; goal: under 1 s on loopback with a cold cache):
//! the release binary with every shipped plugin and the starter pack, and
//! `web/bench/first-screen.mjs` loading `/learn` (signed in) and `/` (signed out) in
//! Debian's Chromium, each run in a new browser context, timed by the browser's
//! performance entries.

use std::path::Path;
use std::process::Command;

use super::{repo, serve_with};

pub fn first_screen(data: &Path) {
    let dir = data.join("web-sqlite");
    let _ = std::fs::remove_dir_all(&dir);
    let plugins = repo().join("plugins").display().to_string();
    let content = repo().join("content").display().to_string();
    let served = serve_with(&dir, &plugins, &["--content-dir", &content]);
    let status = Command::new("node")
        .current_dir(repo().join("web"))
        .args(["bench/first-screen.mjs", "30"])
        .env("TESSERA_URL", format!("http://127.0.0.1:{}", served.port))
        .status()
        .expect("run node web/bench/first-screen.mjs");
    assert!(status.success(), "web/bench/first-screen.mjs failed");
}
