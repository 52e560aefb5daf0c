//! The import graph of `src/` points one way: no module imports a module
//! above it in the layer table, and no chain of imports comes back to where
//! it started. A change that adds an upward or circular import fails here,
//! naming the files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layer of each top-level module; a module may import its own layer and
/// the layers below (a higher number is a higher layer).
const LAYERS: &[(&str, u32)] = &[
    ("ffi", 7),
    ("api", 6),
    ("partition", 6),
    ("rules", 5),
    ("cubature", 5),
    ("sampling", 5),
    ("exec", 4),
    ("context", 3),
    ("integrand", 2),
    ("affinity", 1),
    ("clock", 1),
    ("many", 6),
    ("blocks", 1),
    ("error", 1),
    ("options", 1),
    ("reduce", 1),
    ("result", 1),
    ("scratch", 1),
    ("simd", 1),
    ("topology", 1),
];

fn layer(module: &str) -> u32 {
    let top = module.split("::").next().unwrap();
    LAYERS
        .iter()
        .find(|(m, _)| *m == top)
        .unwrap_or_else(|| {
            panic!("module `{top}` is missing from the layer table in tests/layers.rs")
        })
        .1
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/rules/qags.rs` → `rules::qags`; `src/rules/mod.rs` → `rules`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// Code without comments (doc links are not imports).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path that starts with `crate::` or `super::`, with `{a, b::c}`
/// groups expanded (one path per leaf).
fn paths(code: &str) -> Vec<String> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let i = from + i;
            from = i + start.len();
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
                continue;
            }
            // The path text: identifiers, `::`, balanced braces, commas.
            let mut j = i;
            let mut depth = 0;
            while j < bytes.len() {
                let c = bytes[j];
                if c == b'{' {
                    depth += 1;
                } else if c == b'}' {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                } else if !(c.is_ascii_alphanumeric()
                    || c == b'_'
                    || c == b':'
                    || (depth > 0 && (c == b',' || c.is_ascii_whitespace() || c == b'*')))
                {
                    break;
                }
                j += 1;
            }
            expand(&code[i..j], &mut out);
        }
    }
    out
}

fn expand(path: &str, out: &mut Vec<String>) {
    match path.find('{') {
        None => out.push(path.trim_end_matches("::").to_string()),
        Some(b) => {
            let prefix = &path[..b];
            let inner = &path[b + 1..path.rfind('}').unwrap_or(path.len())];
            let mut depth = 0;
            let mut piece = String::new();
            for c in inner.chars().chain(std::iter::once(',')) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if c == ',' && depth == 0 {
                    let p = piece.trim();
                    if !p.is_empty() {
                        expand(&format!("{prefix}{p}"), out);
                    }
                    piece.clear();
                } else {
                    piece.push(c);
                }
            }
        }
    }
}

struct Graph {
    /// module → modules it imports (containment edges from a parent to its
    /// own submodules excluded: declaring a child is not importing it).
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn build() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    // Names the crate root re-exports, e.g. `Context` → `context`.
    let mut reexports: BTreeMap<String, String> = BTreeMap::new();
    let lib = code_of(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    for stmt in lib.split(';') {
        let stmt = stmt.trim();
        if let Some(rest) = stmt.strip_prefix("pub use ") {
            let mut leaves = Vec::new();
            expand(&format!("crate::{rest}"), &mut leaves);
            for l in leaves {
                let l = l.trim_start_matches("crate::");
                let name = l.rsplit("::").next().unwrap().to_string();
                let module = l.split("::").next().unwrap().to_string();
                reexports.insert(name, module);
            }
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &modules {
        if module == "lib" {
            continue;
        }
        // Unit tests exercise the crate from the top, and are no part of
        // the library's graph: test files, and the `#[cfg(test)] mod tests`
        // block that ends a module, are left out.
        let name = file.file_name().unwrap().to_string_lossy();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let is_dir_module = file.ends_with("mod.rs");
        let text = std::fs::read_to_string(file).unwrap();
        let text = match text.find("#[cfg(test)]\nmod tests") {
            Some(i) => &text[..i],
            None => &text[..],
        };
        let code = code_of(text);
        let set = edges.entry(module.clone()).or_default();
        for p in paths(&code) {
            let mut segs: Vec<String> = Vec::new();
            let mut it = p.split("::").map(str::trim).filter(|s| !s.is_empty());
            match it.next() {
                Some("crate") => {}
                Some("super") => {
                    // `super` of `a::b` (file a/b.rs) is `a`; of a directory
                    // module `a::b` (a/b/mod.rs) also `a`.
                    let mut base: Vec<String> = module.split("::").map(String::from).collect();
                    base.pop();
                    segs.extend(base);
                    for s in it.by_ref() {
                        if s == "super" {
                            segs.pop();
                        } else {
                            segs.push(s.to_string());
                            break;
                        }
                    }
                }
                _ => continue,
            }
            segs.extend(it.map(String::from));
            if segs.len() == 1 {
                if let Some(m) = reexports.get(&segs[0]) {
                    segs[0] = m.clone();
                }
            }
            // The longest prefix that is a module of ours.
            let target = (1..=segs.len())
                .rev()
                .map(|k| segs[..k].join("::"))
                .find(|m| modules.contains_key(m) && m != "lib");
            let Some(target) = target else { continue };
            let child_of_me = is_dir_module && target.starts_with(&format!("{module}::"));
            if target != *module && !child_of_me {
                set.insert(target);
            }
        }
    }
    Graph { edges }
}

#[test]
fn no_module_imports_a_module_of_a_higher_layer() {
    let g = build();
    let mut upward = Vec::new();
    for (from, tos) in &g.edges {
        for to in tos {
            if layer(to) > layer(from) {
                upward.push(format!(
                    "{from} (layer {}) -> {to} (layer {})",
                    layer(from),
                    layer(to)
                ));
            }
        }
    }
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

#[test]
fn the_import_graph_has_no_cycle() {
    let g = build();
    // Depth-first search with colours; a grey target closes a cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum C {
        White,
        Grey,
        Black,
    }
    let mut colour: BTreeMap<&str, C> = g.edges.keys().map(|k| (k.as_str(), C::White)).collect();
    fn visit<'a>(
        n: &'a str,
        g: &'a Graph,
        colour: &mut BTreeMap<&'a str, C>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        colour.insert(n, C::Grey);
        stack.push(n);
        for m in g.edges.get(n).into_iter().flatten() {
            match colour.get(m.as_str()).copied().unwrap_or(C::Black) {
                C::Grey => {
                    let at = stack.iter().position(|s| s == m).unwrap();
                    let mut cycle: Vec<String> =
                        stack[at..].iter().map(|s| s.to_string()).collect();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                C::White => {
                    if let Some(c) = visit(m, g, colour, stack) {
                        return Some(c);
                    }
                }
                C::Black => {}
            }
        }
        stack.pop();
        colour.insert(n, C::Black);
        None
    }
    let nodes: Vec<&str> = g.edges.keys().map(String::as_str).collect();
    for n in nodes {
        if colour[n] == C::White {
            if let Some(c) = visit(n, &g, &mut colour, &mut Vec::new()) {
                panic!("import cycle: {}", c.join(" -> "));
            }
        }
    }
}

#[test]
fn the_parser_sees_grouped_and_relative_imports() {
    // The checker itself: a grouped `use` yields one path per leaf, and the
    // real graph contains edges known to exist.
    let mut out = Vec::new();
    expand(
        "crate::exec::{evaluator::{Evaluator, Span}, points}",
        &mut out,
    );
    assert_eq!(
        out,
        [
            "crate::exec::evaluator::Evaluator",
            "crate::exec::evaluator::Span",
            "crate::exec::points"
        ]
    );
    let g = build();
    assert!(g.edges["rules::fixed"].contains("exec::evaluator"));
    assert!(g.edges["rules::qags"].contains("rules::pieces"));
    assert!(g.edges["api"].contains("rules"));
}
