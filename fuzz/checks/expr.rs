//! Fuzzes the expression parser, compiler and SIMD virtual machine.
//!
//! The input bytes are used twice: as the text of an expression, and as
//! abscissae (8 bytes each, every bit pattern: NaN payloads, subnormals,
//! infinities).
//!
//! Asserted:
//! - parsing any bytes never panics, through `Expr::parse` and through
//!   `vq_integrand_expr` (which must agree with it, and answer
//!   `VQ_ERR_INVALID_ARG` for invalid UTF-8);
//! - for an accepted expression, at special and input-derived points:
//!   - SIMD evaluation of a slice (`Integrand::eval`), of one lane vector
//!     (`eval_lane`) and of each point alone agree bit for bit (NaNs
//!     alike): results do not depend on a point's position in a chunk;
//!   - SIMD evaluation equals the scalar reference `Expr::eval_scalar` bit
//!     for bit (NaNs alike) when the expression uses only operations the
//!     library computes exactly (`+ - * /`, `sqrt`, `abs`, `floor`,
//!     `ceil`, `min`, `max`, integer powers up to 16, folded constants);
//!     other functions are documented to agree within 4 ulp, a difference
//!     that later operations may amplify without bound, so they are
//!     checked one function at a time instead (below);
//!   - the printed form parses back to the same program (same scalar
//!     bits at every point), and prints identically;
//!   - integrating it gives the same status, message and bits on 1 and 3
//!     threads;
//! - for every function of the language, at the input-derived points:
//!   SIMD within 4 ulp of the scalar reference, and exactly equal on
//!   special arguments (NaN, ±∞, ±0, subnormals) and wherever the
//!   reference is NaN or infinite.

use std::ffi::{CStr, CString};
use std::sync::OnceLock;

use vquad::ffi::*;
use vquad::{Context, Expr, Integrand, Lane, Options, Rule, LANES};

/// Special abscissae every accepted expression is evaluated at.
const SPECIAL: [f64; 30] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.0,
    3.0,
    std::f64::consts::PI,
    std::f64::consts::E,
    0.1,
    1e-8,
    -1e-300,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e16,
    -1e22,
    709.5,
    -745.0,
    1e300,
    -1e300,
    f64::MAX,
    f64::MIN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    -f64::NAN,
    f64::EPSILON,
    1.0 - f64::EPSILON / 2.0,
];

fn contexts() -> &'static [Context; 2] {
    static C: OnceLock<[Context; 2]> = OnceLock::new();
    C.get_or_init(|| [Context::new(1).unwrap(), Context::new(3).unwrap()])
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// The input read as doubles, 8 bytes each (the tail zero-padded).
fn abscissae(data: &[u8]) -> Vec<f64> {
    data.chunks(8)
        .take(16)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            f64::from_le_bytes(b)
        })
        .collect()
}

/// True when every operation in `src` is one the SIMD machine computes
/// exactly like the scalar reference (conservative: a `false` only skips
/// the bit-for-bit comparison).
fn exact_ops_only(src: &str) -> bool {
    const EXACT: [&str; 9] = ["x", "sqrt", "abs", "floor", "ceil", "min", "max", "pi", "e"];
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            // Identifiers after a digit are exponents of literals (1e5).
            let in_number = start > 0 && (b[start - 1].is_ascii_digit() || b[start - 1] == b'.');
            if !in_number && !EXACT.contains(&&src[start..i]) {
                return false;
            }
            continue;
        }
        if c == b'^' {
            // Only `^ [+-] digits` with a value up to 16, not followed by
            // another `^` or a fraction: an integer power by multiplication.
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
                j += 1;
            }
            let digits = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let k: Option<u32> = src[digits..j].parse().ok();
            let mut after = j;
            while after < b.len() && b[after].is_ascii_whitespace() {
                after += 1;
            }
            let next = b.get(after).copied();
            if k.is_none_or(|k| k > 16)
                || matches!(next, Some(b'^' | b'.' | b'e' | b'E'))
                || next.is_some_and(|c| c.is_ascii_alphanumeric())
            {
                return false;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    true
}

/// Parses through the C ABI and checks it agrees with the Rust parser.
fn check_c_abi(data: &[u8], rust: Option<&Result<Expr, vquad::Error>>) {
    let nul = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let text = CString::new(&data[..nul]).expect("no interior NUL");
    let mut f = std::ptr::null_mut();
    // SAFETY: `text` is NUL-terminated and `f` a valid out pointer.
    let s = unsafe { vq_integrand_expr(text.as_ptr(), &mut f) };
    // SAFETY: a static and a thread-local NUL-terminated string.
    let (name, msg) = unsafe {
        (
            CStr::from_ptr(vq_status_str(s))
                .to_string_lossy()
                .into_owned(),
            CStr::from_ptr(vq_last_error())
                .to_string_lossy()
                .into_owned(),
        )
    };
    match std::str::from_utf8(&data[..nul]) {
        Err(_) => {
            assert_eq!(s, VQ_ERR_INVALID_ARG, "invalid UTF-8 gave {name}");
            assert!(msg.contains("UTF-8"), "{msg}");
        }
        Ok(_) if nul == data.len() => match rust.expect("parsed in Rust") {
            Ok(_) => assert_eq!(s, VQ_OK, "C refused what Rust accepted: {msg}"),
            Err(e) => {
                assert_eq!(s, VQ_ERR_PARSE, "{e} gave {name}");
                assert_eq!(msg, format!("VQ_ERR_PARSE: {e}"));
            }
        },
        Ok(_) => assert!(s == VQ_OK || s == VQ_ERR_PARSE, "{name}: {msg}"),
    }
    assert_eq!(s == VQ_OK, !f.is_null());
    // SAFETY: NULL or an integrand created above, not in use.
    unsafe { vq_integrand_free(f) };
}

fn check_accepted(e: &Expr, xs: &[f64]) {
    let n = xs.len();
    let mut simd = vec![0.0; n];
    e.eval(xs, &mut simd).unwrap();

    // Lane vectors, and each point alone, give the same bits.
    for (k, chunk) in xs.chunks(LANES).enumerate() {
        let mut lane = [0.0; LANES];
        lane[..chunk.len()].copy_from_slice(chunk);
        let y = e.eval_lane(Lane::new(lane)).unwrap().to_array();
        for (i, &x) in chunk.iter().enumerate() {
            let s = simd[k * LANES + i];
            assert!(
                same(y[i], s),
                "{e}: eval_lane {} vs eval {s} at {x:e}",
                y[i]
            );
            let mut one = [0.0];
            e.eval(&[x], &mut one).unwrap();
            assert!(
                same(one[0], s),
                "{e}: alone {} vs in a slice {s} at {x:e}",
                one[0]
            );
        }
    }

    // The scalar reference, bit for bit where the library promises it.
    let scalar: Vec<f64> = xs.iter().map(|&x| e.eval_scalar(x)).collect();
    if exact_ops_only(e.source()) {
        for ((&x, &y), &s) in xs.iter().zip(&simd).zip(&scalar) {
            assert!(
                same(y, s),
                "{:?}: SIMD {y:e} vs scalar {s:e} at x = {x:e}",
                e.source()
            );
        }
    }

    // The printed form is the same program.
    let printed = e.to_string();
    match Expr::parse(&printed) {
        Ok(p) => {
            assert_eq!(p.to_string(), printed, "printing is not a fixed point");
            assert_eq!(p.program_len(), e.program_len(), "{printed}");
            for (&x, &s) in xs.iter().zip(&scalar) {
                let t = p.eval_scalar(x);
                assert!(same(t, s), "{printed} gives {t:e}, source {s:e} at {x:e}");
            }
        }
        // Documented: printing fully parenthesised may exceed the limits
        // of an expression that relied on precedence heavily.
        Err(err) => {
            let m = err.to_string();
            assert!(
                m.contains("too deep") || m.contains("too long"),
                "{printed}: {m}"
            );
        }
    }

    // Integration is deterministic across thread counts.
    let [one, three] = contexts();
    let opts = Options::fixed(Rule::Midpoint, 5000);
    let (a, b) = (
        xs[0].clamp(-10.0, 10.0),
        xs[xs.len() - 1].clamp(-10.0, 10.0),
    );
    let (a, b) = if a.is_nan() || b.is_nan() {
        (0.0, 1.0)
    } else {
        (a, b)
    };
    let r1 = one.integrate(e, a, b, &opts);
    let r3 = three.integrate(e, a, b, &opts);
    match (&r1, &r3) {
        (Ok(x), Ok(y)) => {
            assert_eq!(x.value.to_bits(), y.value.to_bits(), "{e} over [{a}, {b}]");
            assert!(x.value.is_finite());
        }
        (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string()),
        _ => panic!("{e} over [{a}, {b}]: {r1:?} vs {r3:?}"),
    }
}

/// Distance in units in the last place, counting ±0 as one point and ±∞
/// as the neighbours of ±MAX.
fn ulps(a: f64, b: f64) -> u64 {
    let key = |v: f64| {
        let i = v.to_bits() as i64;
        if i < 0 {
            i64::MIN - i
        } else {
            i
        }
    };
    key(a).abs_diff(key(b))
}

fn is_special(x: f64) -> bool {
    !x.is_normal()
}

/// Each function alone, SIMD against the scalar reference.
fn check_functions(xs: &[f64]) {
    const UNARY: [&str; 18] = [
        "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "log2",
        "log10", "sqrt", "cbrt", "abs", "floor", "ceil",
    ];
    static COMPILED: OnceLock<Vec<(String, Expr)>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(|| {
        let mut v: Vec<String> = UNARY.iter().map(|f| format!("{f}(x)")).collect();
        v.extend(
            [
                "pow(x, 2.5)",
                "pow(2.5, x)",
                "pow(x, -0.5)",
                "pow(-3, x)",
                "x^0.3",
            ]
            .map(String::from),
        );
        v.extend(
            [
                "atan2(x, 1.5)",
                "atan2(-2, x)",
                "min(x, 0.5)",
                "max(x, -0.5)",
            ]
            .map(String::from),
        );
        v.into_iter()
            .map(|s| {
                let e = Expr::parse(&s).unwrap();
                (s, e)
            })
            .collect()
    });
    let mut y = vec![0.0; xs.len()];
    for (src, e) in compiled {
        e.eval(xs, &mut y).unwrap();
        for (&x, &v) in xs.iter().zip(&y) {
            let s = e.eval_scalar(x);
            if is_special(x) || s.is_nan() || s.is_infinite() || v.is_nan() {
                assert!(
                    same(v, s),
                    "{src} at {x:e} ({:#x}): SIMD {v:e}, scalar {s:e}",
                    x.to_bits()
                );
            } else {
                assert!(
                    ulps(v, s) <= 4,
                    "{src} at {x:e} ({:#x}): SIMD {v:e}, scalar {s:e}, {} ulp apart",
                    x.to_bits(),
                    ulps(v, s)
                );
            }
        }
    }
}

/// Checks one input (see the module documentation).
pub fn run(data: &[u8]) {
    let parsed = std::str::from_utf8(data).ok().map(Expr::parse);
    check_c_abi(data, parsed.as_ref());
    let mut xs: Vec<f64> = SPECIAL.to_vec();
    xs.extend(abscissae(data));
    if let Some(Ok(e)) = &parsed {
        check_accepted(e, &xs);
    }
    check_functions(&xs);
}
