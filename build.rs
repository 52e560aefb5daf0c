//! Generates the C header `vquad.h` from `src/ffi/` with cbindgen.
//!
//! The header is written to `OUT_DIR` (build scripts must not modify the
//! source tree); `include/vquad.h` is the committed copy, and the test
//! `header_is_fresh` fails when the two differ.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    // ELF soname, which `make install` links to: libvquad.so.MAJOR, or
    // libvquad.so.0.MINOR while the major version is 0 (every 0.x minor
    // release may change the ABI, so a binary built against 0.1 must not
    // load 0.2).
    if env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os != "macos" && os != "windows") {
        let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets it");
        let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("cargo sets it");
        let abi = if major == "0" {
            format!("0.{minor}")
        } else {
            major
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvquad.so.{abi}");
    }
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    let header = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/ffi/mod.rs"))
        .generate()
        .expect("cbindgen generates vquad.h");
    header.write_to_file(out_dir.join("vquad.h"));
    println!(
        "cargo:rustc-env=VQUAD_GENERATED_HEADER={}",
        out_dir.join("vquad.h").display()
    );
}
