//! A problem of one block (up to 16 384 points) with an expensive integrand
//! is split by chunks across the pool, without changing a bit.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use vquad::integrand::chunk_sums_via_eval;
use vquad::{Context, Expr, Integrand, Options, Rule};

fn wavy(x: f64) -> f64 {
    (1..=12)
        .map(|k| (f64::from(k) * x).sin() / f64::from(k))
        .sum()
}

#[test]
fn one_block_with_an_expensive_integrand_runs_on_several_threads() {
    let threads = Mutex::new(HashSet::new());
    let f = |x: f64| {
        threads.lock().unwrap().insert(std::thread::current().id());
        let until = Instant::now() + Duration::from_micros(1);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        x * x
    };
    // 16 000 midpoint panels: one stream of one block, hence one task.
    let ctx = Context::new(2).unwrap();
    let r = ctx
        .integrate(&f, 0.0, 1.0, &Options::fixed(Rule::Midpoint, 16_000))
        .unwrap();
    assert!((r.value - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(threads.lock().unwrap().len(), 2, "both workers took chunks");
}

#[test]
fn splitting_blocks_never_changes_the_bits() {
    let expr = Expr::parse("exp(-x^2)*cos(3*x) + sqrt(x + 1)").unwrap();
    assert!(!expr.is_cheap() && expr.strided_chunk().is_some());
    let integrands: [(&str, &dyn Integrand); 2] = [("closure", &wavy), ("expression", &expr)];
    let rules = [
        Rule::Midpoint,
        Rule::Trapezoid,
        Rule::Simpson,
        Rule::GaussLegendre,
    ];
    let contexts: Vec<Context> = [1, 2, 3, 8].map(|t| Context::new(t).unwrap()).into();
    for (name, f) in integrands {
        for rule in rules {
            for n in [5_000u64, 10_000, 16_384, 16_385, 40_000] {
                let bits: Vec<u64> = contexts
                    .iter()
                    .map(|c| {
                        let r = c.integrate(f, 0.0, 2.0, &Options::fixed(rule, n)).unwrap();
                        r.value.to_bits()
                    })
                    .collect();
                assert!(
                    bits.windows(2).all(|w| w[0] == w[1]),
                    "{name}, {rule}, n = {n}: {bits:x?}"
                );
            }
        }
    }
}

#[test]
fn chunk_sums_add_up_to_the_strided_sum_bit_for_bit() {
    // The fixed rules sum a block as the pairwise tree over its chunk sums;
    // for these integrands that is exactly their own strided sum.
    let expr = Expr::parse("exp(-x^2)*cos(3*x) + sqrt(x + 1)").unwrap();
    let integrands: [&dyn Integrand; 2] = [&wavy, &expr];
    for f in integrands {
        let p = f.strided_chunk().unwrap();
        for count in [1usize, 7, p, p + 1, 5 * p + 3, 16_384] {
            let (start, step) = (0.125, 1.0 / 3000.0);
            let mut sums = vec![0.0; count.div_ceil(p)];
            f.strided_chunk_sums(start, step, count, 0, &mut sums)
                .unwrap();
            // Chunks may be computed in any grouping.
            let mut pieces = vec![0.0; sums.len()];
            for (i, piece) in pieces.chunks_mut(2).enumerate() {
                f.strided_chunk_sums(start, step, count, 2 * i, piece)
                    .unwrap();
            }
            assert_eq!(sums, pieces);
            let tree = vquad::reduce::pairwise(&sums);
            let direct = f.sum_strided(start, step, count).unwrap();
            assert_eq!(tree.to_bits(), direct.to_bits(), "count {count}");
        }
    }
    // The generic helper agrees with the closure's default.
    let mut a = vec![0.0; 3];
    let mut b = vec![0.0; 3];
    chunk_sums_via_eval(&wavy, 0.5, 1e-3, 3000, 0, &mut a).unwrap();
    wavy.strided_chunk_sums(0.5, 1e-3, 3000, 0, &mut b).unwrap();
    assert_eq!(a, b);
}
