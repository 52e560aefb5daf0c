fn main() {
    use vquad::*;
    let f = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
    for t in [1usize, 2, 3, 8] {
        let ctx = Context::new(t).unwrap();
        let mut best = f64::MAX;
        let mut v = 0.0;
        for _ in 0..3 {
            let r = ctx.integrate(&f, 0.0, 5.0, &Options::fixed(Rule::Midpoint, 1_000_000_000)).unwrap();
            best = best.min(r.seconds);
            v = r.value;
        }
        println!("t={t} v={v:.17} err={:e} bits={:x} {:.2} Gpts/s", v - 230.0/3.0, v.to_bits(), 1.0 / best);
    }
}
