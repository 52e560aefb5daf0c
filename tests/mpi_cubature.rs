//! `c_examples/mpi_cubature.c`: a 5-D expression integrated across MPI
//! ranks, by randomized QMC and by a Gauss–Legendre tensor rule, prints the
//! same result lines for 1, 2 and 3 ranks (and 1 rank × 2 threads), equal
//! to the single-process values.

mod common;

#[test]
fn mpi_cubature_prints_the_same_result_lines_for_1_2_3_ranks() {
    let exe = common::mpi::build("mpi_cubature");
    let mut runs = Vec::new();
    for (np, threads) in [(1, 1), (2, 1), (3, 1), (1, 2)] {
        let text = common::mpi::run(&exe, np, &[threads.to_string(), "65536".into()]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines.len() == 3
                && lines[1].ends_with("identical=yes")
                && lines[2].ends_with("identical=yes"),
            "{text}"
        );
        runs.push((lines[0].to_string(), lines[2].to_string()));
    }
    assert!(runs.iter().all(|r| *r == runs[0]), "{runs:?}");
    let field = |line: &str, k: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(k))
            .unwrap()
            .parse()
            .unwrap()
    };
    // The integrand is separable, and its integral is
    // (√π/2)erf(1) · √(π/8)erf(√2) · √(π/12)erf(√3) · Ein(1)
    // = 0.17946950387227983 (SciPy's erf and expi).
    let exact = 0.179_469_503_872_279_83;
    let (qmc, tensor) = &runs[0];
    let (v, e) = (field(qmc, "result="), field(qmc, "error="));
    assert!(qmc.starts_with("result=") && e > 0.0 && e < 1e-5, "{qmc}");
    assert!((v - exact).abs() < 5.0 * e, "{qmc} vs {exact}");
    // 4 panels × 3 Gauss nodes per axis: the rule's own value, a product of
    // 1-D sums and one 2-D sum over the same nodes (numpy's leggauss), is
    // 0.17946949677347804, 7e-9 below the exact value.
    let t = field(tensor, "result=");
    assert!((t - 0.179_469_496_773_478_04).abs() < 1e-15, "{tensor}");
    assert!((t - exact).abs() < 1e-8, "{tensor} vs {exact}");
    assert_eq!(field(tensor, "evals="), 12f64.powi(5), "{tensor}");
}
