//! `plugin.toml` text through the manifest parser and checker: any input gets a manifest
//! or a `ManifestError`, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tessera::plugins::manifest::{LimitCeilings, Manifest};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(manifest) = Manifest::parse(text, Path::new("plugin.toml"), LimitCeilings::default())
    {
        // What was accepted resolves to a component path without panicking.
        let _ = manifest.component_path(Path::new("/plugins/x"));
    }
});
