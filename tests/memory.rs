//! Memory use does not grow with n (its own test binary: one process, one test).

#[path = "common/rss.rs"]
mod rss;
use rss::peak_rss_kib;

#[test]
fn a_1e9_point_run_stays_under_16_mb_rss() {
    let Some(before) = peak_rss_kib() else {
        eprintln!("no /proc/self/status: skipping the RSS check on this OS");
        return;
    };
    let ctx = vquad::Context::new(2).unwrap();
    let f = vquad::Poly::new(&[7.0, 0.0, 1.0]).unwrap();
    for rule in [vquad::Rule::Midpoint, vquad::Rule::GaussLegendre] {
        let opts = vquad::Options {
            order: 64,
            ..vquad::Options::fixed(rule, 1_000_000_000)
        };
        let n = if rule == vquad::Rule::Midpoint {
            1_000_000_000
        } else {
            20_000_000
        };
        let r = ctx
            .integrate(&f, 0.0, 5.0, &vquad::Options { n, ..opts })
            .unwrap();
        assert!((r.value - 230.0 / 3.0).abs() < 1e-12);
    }
    let after = peak_rss_kib().unwrap();
    assert!(
        after < 16 * 1024,
        "peak RSS {after} KiB (before the runs: {before} KiB)"
    );
}
