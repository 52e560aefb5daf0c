//! libFuzzer entry for the `vq_integrate` checks in
//! `fuzz/checks/integrate.rs`, which `tests/fuzz_corpus.rs` also replays
//! over the checked-in seeds on every `cargo test`.
#![no_main]

#[path = "../checks/integrate.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|input: checks::Input| checks::run(input));
