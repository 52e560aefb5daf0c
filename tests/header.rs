//! The committed `include/vquad.h` must equal the header cbindgen generates.

#[test]
fn header_is_fresh() {
    let generated = std::fs::read_to_string(env!("VQUAD_GENERATED_HEADER"))
        .expect("build.rs wrote the generated header");
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/vquad.h"))
            .unwrap_or_default();
    assert!(
        generated == committed,
        "include/vquad.h is stale. Refresh it with:\n    make header\n\
         (which runs: cp {} include/vquad.h)",
        env!("VQUAD_GENERATED_HEADER")
    );
}

#[test]
fn header_has_guard_cpp_linkage_and_sized_types() {
    let h = include_str!("../include/vquad.h");
    assert!(h.contains("#ifndef VQUAD_H") && h.contains("#define VQUAD_H"));
    assert!(h.contains("extern \"C\""));
    assert!(h.contains("size_t len") && h.contains("uint64_t n;"));
    assert!(
        h.contains("concurrently"),
        "thread-safety rules are documented"
    );
    for name in [
        "vq_context_new",
        "vq_integrate",
        "vq_last_error",
        "vq_simd_isa",
        "VQ_ERR_CANCELLED",
    ] {
        assert!(h.contains(name), "{name} missing from the header");
    }
}
