//! Sampling rules against their Python anchors, measured in one run.
//!
//! Run: `cargo bench --bench montecarlo`. Prints a table.
use std::hint::black_box;
use std::time::Instant;

use vquad::sampling::philox::Stream;
use vquad::sampling::sobol::Scramble;
use vquad::sampling::uniform::fill_points;

fn best_of<F: FnMut()>(reps: usize, mut f: F) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let n = 1usize << 22;
    let mut buf = vec![0.0; 512 * 5];
    let t = best_of(5, || {
        let mut i = 0;
        while i < n {
            fill_points(1, Stream::MonteCarlo, i as u64, 5, &mut buf);
            black_box(&buf);
            i += 512;
        }
    });
    let t2 = best_of(5, || {
        let mut acc = wide::u32x8::splat(0);
        for i in 0..(n / 8) as u32 {
            for j in 0..3u32 {
                let w = vquad::sampling::philox::philox4x32_lanes(
                    [
                        wide::u32x8::splat(i),
                        wide::u32x8::splat(0),
                        wide::u32x8::splat(j),
                        wide::u32x8::splat(0),
                    ],
                    [1, 2],
                );
                acc ^= w[0] ^ w[1] ^ w[2] ^ w[3];
            }
        }
        black_box(acc);
    });
    println!("philox lanes only: {:.2} ns/point", t2 / n as f64 * 1e9);
    println!("philox 5-D generation: {:.2} ns/point", t / n as f64 * 1e9);
    let s = Scramble::new(1, 0, 5);
    let t = best_of(5, || {
        let mut i = 0;
        while i < n {
            s.fill_points(i as u64, &mut buf);
            black_box(&buf);
            i += 512;
        }
    });
    println!("sobol 5-D generation: {:.2} ns/point", t / n as f64 * 1e9);
}
