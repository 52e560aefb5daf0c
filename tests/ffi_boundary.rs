//! Every exported C function runs its whole body inside the panic boundary
//! (`status_boundary` or `value_boundary` of `src/ffi/boundary.rs`): a
//! function added or edited without it fails here, by name.

use std::path::Path;

/// `(name, body)` of every `extern "C" fn name(...) { body }` in `text`.
fn exported_fns(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("extern \"C\" fn ") {
        let start = from + i + "extern \"C\" fn ".len();
        from = start;
        let name: String = text[start..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue; // a function-pointer type, not a definition
        }
        // The body: from the first `{` after the signature to its match.
        let open = start + text[start..].find('{').unwrap();
        let mut depth = 0;
        let mut end = open;
        for (k, c) in text[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((name, text[open + 1..end].to_string()));
    }
    out
}

/// The body's first statement that is not a `static` item or a comment.
fn first_statement(body: &str) -> String {
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("static "))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_exported_function_body_runs_inside_the_panic_boundary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut seen = 0;
    let mut outside = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (name, body) in exported_fns(&text) {
            seen += 1;
            let first = first_statement(&body);
            let inside = [
                "status_boundary(",
                "value_boundary(",
                "super::boundary::value_boundary(",
            ]
            .iter()
            .any(|b| first.starts_with(b));
            // The boundary call is the whole body: it ends the function.
            let last = body.trim_end().ends_with(')') || body.trim_end().ends_with("})");
            if !(inside && last) {
                outside.push(format!("{} in {}", name, path.display()));
            }
        }
    }
    assert!(seen >= 15, "found only {seen} exported functions");
    assert!(
        outside.is_empty(),
        "outside the panic boundary:\n{}",
        outside.join("\n")
    );
}

#[test]
fn the_scanner_finds_definitions_and_skips_pointer_types() {
    let src = "pub type f = Option<unsafe extern \"C\" fn(x: f64) -> f64>;\n\
               pub extern \"C\" fn vq_x() -> i32 { status_boundary(|| { Ok(()) }) }";
    let fns = exported_fns(src);
    assert_eq!(fns.len(), 1);
    assert_eq!(fns[0].0, "vq_x");
    assert!(first_statement(&fns[0].1).starts_with("status_boundary("));
}
