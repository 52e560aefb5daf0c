//! Where the C tests find libvquad, and what the static library links with.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Libraries the Rust static library needs from the system
/// (`cargo rustc -- --print native-static-libs`).
pub const STATIC_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// The directory holding the `libvquad.a` and `libvquad.so` that this very
/// `cargo test` built: `target/<profile>/deps`, next to the test executable.
/// (Only `cargo build` copies them one level up, so copies there may be stale.)
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("target/<profile>/deps").to_path_buf();
    assert!(
        deps.join("libvquad.a").exists() && deps.join("libvquad.so").exists(),
        "cargo test did not build libvquad.a/.so in {}",
        deps.display()
    );
    deps
}

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
