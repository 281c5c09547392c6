//! Our vectors against the reference implementation: sentence-transformers (PyTorch) over
//! the same model files, for the 50 texts in `reference_sentences.json` (short, long past
//! the 256-token limit, empty, code, accents, other scripts). Every pair must have cosine
//! similarity ≥ 0.999.
//!
//! Needs the model (`TESSERA_EMBEDDINGS_MODEL`, else `./dev`'s cache folder) and the
//! reference's Python (`TESSERA_EMBEDDINGS_REFERENCE_PYTHON`, which `./dev test` installs
//! and sets). Without them the test says so and passes, except under `CI=true`, where it
//! fails.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn home_cache(rest: &str) -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tessera").join(rest))
}

fn required(what: &str, path: Option<PathBuf>) -> Option<PathBuf> {
    match path.filter(|p| p.exists()) {
        Some(p) => Some(p),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{what} is missing; `./dev test` installs it (docs/embeddings.md)")
        }
        None => {
            eprintln!("skipped: {what} is missing; `./dev test` installs it");
            None
        }
    }
}

#[test]
fn vectors_match_sentence_transformers() {
    let Some(model_dir) = required(
        "the embeddings model",
        std::env::var_os("TESSERA_EMBEDDINGS_MODEL")
            .map(PathBuf::from)
            .or_else(|| home_cache("models/all-MiniLM-L6-v2")),
    ) else {
        return;
    };
    let Some(python) = required(
        "the reference's Python (sentence-transformers)",
        std::env::var_os("TESSERA_EMBEDDINGS_REFERENCE_PYTHON")
            .map(PathBuf::from)
            .or_else(|| home_cache("embeddings-reference/bin/python")),
    ) else {
        return;
    };
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let texts_json =
        std::fs::read_to_string(here.join("reference_sentences.json")).expect("read the texts");
    let texts: Vec<String> = serde_json::from_str(&texts_json).expect("a JSON list");
    assert_eq!(texts.len(), 50);

    let mut child = Command::new(python)
        .arg(here.join("reference.py"))
        .arg(&model_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the reference");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(texts_json.as_bytes())
        .expect("send the texts");
    let out = child.wait_with_output().expect("the reference ran");
    assert!(out.status.success(), "the reference failed");
    let expected: Vec<Vec<f32>> = serde_json::from_slice(&out.stdout).expect("vectors");

    let model = sentence_embeddings::Model::load(&model_dir).expect("load the model");
    // In one batch and one by one: padding must not change a vector.
    let batched = model.embed(&texts).expect("embed");
    for (i, text) in texts.iter().enumerate() {
        let alone = model.embed(&[text]).expect("embed one");
        for (got, how) in [(&batched[i], "batched"), (&alone[0], "alone")] {
            assert_eq!(got.len(), sentence_embeddings::DIMENSIONS);
            let sim = sentence_embeddings::cosine(got, &expected[i]);
            assert!(
                sim >= 0.999,
                "text {i} ({how}) {text:?}: cosine {sim:.5} with the reference"
            );
        }
    }
    let worst = texts
        .iter()
        .enumerate()
        .map(|(i, _)| sentence_embeddings::cosine(&batched[i], &expected[i]))
        .fold(f32::INFINITY, f32::min);
    println!("50 texts: lowest cosine similarity with sentence-transformers {worst:.6}");
}
