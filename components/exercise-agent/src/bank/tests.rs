//! Every template, over many seeds: it renders, passes the static checks, varies, and
//! (ignored by default, needs python3) its reference passes every test while the
//! trivially wrong solution and the starter code fail one.

use std::path::PathBuf;
use std::process::Command;

use super::*;
use crate::validate::{python_string, static_checks, wrong_solution};

const SEEDS: u64 = 24;

fn every_draft() -> Vec<(String, Draft)> {
    let mut out = Vec::new();
    for topic in TOPICS {
        for difficulty in Difficulty::ALL {
            for seed in 0..SEEDS {
                let d = draft(topic, difficulty, seed.wrapping_mul(0x9e37_79b9)).unwrap();
                out.push((format!("{topic}-{}-{seed}", difficulty.label()), d));
            }
        }
    }
    out
}

#[test]
fn every_topic_and_difficulty_has_a_template() {
    for topic in TOPICS {
        for difficulty in Difficulty::ALL {
            assert!(
                !templates(topic, difficulty).is_empty(),
                "{topic} {difficulty:?}"
            );
        }
    }
    assert!(draft("python.async", Difficulty::Easy, 1).is_none());
}

#[test]
fn every_rendering_passes_the_static_checks() {
    let mut failures = Vec::new();
    for (label, d) in every_draft() {
        if let Err(e) = static_checks(&d.exercise) {
            failures.push(format!("{label}: {e}"));
        }
        if d.hints.is_empty() || d.exercise.tests.len() < 4 {
            failures.push(format!(
                "{label}: {} tests, {} hints",
                d.exercise.tests.len(),
                d.hints.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn renderings_are_deterministic_and_vary_with_the_seed() {
    for topic in TOPICS {
        for difficulty in Difficulty::ALL {
            assert_eq!(draft(topic, difficulty, 42), draft(topic, difficulty, 42));
            let titles: std::collections::BTreeSet<String> = (0..SEEDS)
                .map(|s| draft(topic, difficulty, s * 7_777).unwrap().exercise.title)
                .collect();
            assert!(
                titles.len() >= 2,
                "{topic} {difficulty:?} has one title only"
            );
        }
    }
}

#[test]
fn a_variation_of_any_rendering_differs_from_it() {
    for (label, d) in every_draft().into_iter().step_by(5) {
        let topic = d.exercise.topic.clone();
        let difficulty = Difficulty::parse(&d.exercise.difficulty).unwrap();
        for seed in [1, 99, 12_345] {
            let v = variation(&topic, difficulty, seed, &d.exercise)
                .unwrap_or_else(|| panic!("{label}: no variation"));
            assert!(differs(&v.exercise, &d.exercise), "{label}");
        }
    }
}

/// A python3 program that checks one exercise as the sandbox would, each test against a
/// fresh run of the program, and prints one line per failure of the rule.
fn harness(d: &Draft) -> String {
    let tests: Vec<String> = d
        .exercise
        .tests
        .iter()
        .map(|t| python_string(t.assertion.as_deref().unwrap_or("")))
        .collect();
    format!(
        "import sys\n\
         def passes(code, expression):\n    \
             scope = {{'__name__': '__main__'}}\n    \
             try:\n        \
                 exec(compile(code, '<learner>', 'exec'), scope)\n        \
                 return bool(eval(expression, scope))\n    \
             except Exception:\n        \
                 return False\n\
         reference = {}\n\
         wrong = {}\n\
         starter = {}\n\
         tests = [{}]\n\
         for t in tests:\n    \
             if not passes(reference, t):\n        \
                 print('reference fails', t)\n\
         if all(passes(wrong, t) for t in tests):\n    \
             print('wrong solution passes every test')\n\
         if all(passes(starter, t) for t in tests):\n    \
             print('starter code passes every test')\n",
        python_string(&d.exercise.reference_solution),
        python_string(&wrong_solution(&d.exercise.reference_solution)),
        python_string(&d.exercise.starter_code),
        tests.join(", ")
    )
}

/// Writes every rendering's check to `$TESSERA_BANK_DIR` (default: a folder under the
/// system's temp dir) and runs each with python3.
#[test]
#[ignore = "needs python3 on the machine"]
fn every_rendering_validates_with_python3() {
    let dir = std::env::var_os("TESSERA_BANK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("tessera-exercise-bank"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (label, d) in every_draft() {
        let path = dir.join(format!("{}.py", label.replace('.', "_")));
        std::fs::write(&path, harness(&d)).unwrap();
        std::fs::write(
            path.with_extension("reference.py"),
            &d.exercise.reference_solution,
        )
        .unwrap();
        let out = Command::new("python3")
            .arg(&path)
            .output()
            .expect("python3 runs");
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || !said.trim().is_empty() {
            failures.push(format!("{label}: {}", said.trim()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
