//! libFuzzer entry for the expression checks in `fuzz/checks/expr.rs`,
//! which `tests/fuzz_corpus.rs` also replays over the checked-in seeds on
//! every `cargo test`.
#![no_main]

#[path = "../checks/expr.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::run(data));
