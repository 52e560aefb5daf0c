//! Replays the checked-in fuzz corpus (`fuzz/corpus/seeds/<target>/`)
//! through the fuzz targets' own checks (`fuzz/checks/*.rs`, the same code
//! `cargo fuzz` runs), on every `cargo test`, without cargo-fuzz, nightly
//! features or sanitizers. Inputs are decoded exactly as libfuzzer-sys
//! decodes them (`Unstructured::new(bytes)`, `arbitrary_take_rest`, and too
//! short inputs skipped), so a seed that once failed under the fuzzer fails
//! here too. Exploring for new inputs is `.ci/fuzz.sh [seconds]`.

#[path = "../fuzz/checks/expr.rs"]
#[allow(clippy::all)]
mod expr_checks;
#[path = "../fuzz/checks/integrate.rs"]
#[allow(clippy::all)]
mod integrate_checks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use arbitrary::{Arbitrary, Unstructured};

/// The seed files of `target`, sorted by name, with their bytes.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus/seeds")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Runs `check` on every seed of `target`; fails naming each seed whose
/// check panicked. Returns how many seeds ran.
fn replay(target: &str, check: impl Fn(&[u8]) -> bool) -> usize {
    let seeds = seeds(target);
    assert!(!seeds.is_empty(), "no seeds for {target}");
    let mut ran = 0;
    let mut failed = Vec::new();
    for (name, bytes) in &seeds {
        match catch_unwind(AssertUnwindSafe(|| check(bytes))) {
            Ok(true) => ran += 1,
            Ok(false) => {}
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failed.push(format!("{target}/{name}: {msg}"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "seeds failing their fuzz checks (replay one with \
         `RUSTC_BOOTSTRAP=1 cargo fuzz run {target} fuzz/corpus/seeds/{target}/<name>`):\n{}",
        failed.join("\n")
    );
    ran
}

#[test]
fn every_expr_seed_passes_the_expr_fuzz_checks() {
    let ran = replay("expr", |bytes| {
        expr_checks::run(bytes);
        true
    });
    assert_eq!(ran, seeds("expr").len());
}

#[test]
fn every_integrate_seed_passes_the_integrate_fuzz_checks() {
    let ran = replay("integrate", |bytes| {
        // libfuzzer-sys skips inputs shorter than the type's minimum and
        // inputs the type cannot be built from: so does the replay.
        if bytes.len() < integrate_checks::Input::size_hint(0).0 {
            return false;
        }
        match integrate_checks::Input::arbitrary_take_rest(Unstructured::new(bytes)) {
            Ok(input) => {
                integrate_checks::run(input);
                true
            }
            Err(_) => false,
        }
    });
    // Every checked-in seed is a real input, not one the decoder drops.
    assert_eq!(ran, seeds("integrate").len(), "a seed did not decode");
}
