/* exp(-x^2)*cos(x) over [-5, 5] by the midpoint rule, written inline in C
 * and compiled with gcc -O3 -march=native -ffast-math -fopenmp (which
 * vectorizes exp and cos through glibc's libmvec). The reference that
 * vquad's expression VM is benchmarked against.
 *
 * The loop runs over blocks of at most 2^20 points with an `int` index
 * inside each block: without AVX-512 there is no vector conversion from a
 * 64-bit integer to double, so gcc does not vectorize a loop computing
 * `(double)i` from a `long long` index and silently falls back to scalar
 * exp and cos, a far weaker reference. `base + (double)j` is exact (below
 * 2^53), so the points are exactly `a + (i + 0.5)·h` as before.
 *
 * Usage: expr_reference [n] [threads] [reps]
 * Build: gcc -O3 -march=native -ffast-math -fopenmp expr_reference.c -o expr_reference -lm
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long long n = argc > 1 ? atoll(argv[1]) : 100000000LL;
    int threads = argc > 2 ? atoi(argv[2]) : omp_get_max_threads();
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    const double a = -5.0, b = 5.0;
    const double h = (b - a) / (double)n;
    double best = 1e300, total = 0.0, value = 0.0;
    omp_set_num_threads(threads);
    for (int r = 0; r < reps; ++r) {
        double s = 0.0;
        double t0 = omp_get_wtime();
        const long long block = 1LL << 20;
        const long long nblocks = (n + block - 1) / block;
#pragma omp parallel for reduction(+ : s) schedule(static)
        for (long long k = 0; k < nblocks; ++k) {
            const long long i0 = k * block;
            const int m = (int)(n - i0 < block ? n - i0 : block);
            const double base = (double)i0;
            double t = 0.0;
#pragma omp simd reduction(+ : t)
            for (int j = 0; j < m; ++j) {
                double x = a + (base + (double)j + 0.5) * h;
                t += exp(-x * x) * cos(x);
            }
            s += t;
        }
        double dt = omp_get_wtime() - t0;
        value = s * h;
        total += dt;
        if (dt < best) best = dt;
    }
    printf("threads=%d value=%.17g seconds=%.6f gpts=%.3f total_seconds=%.9f\n", threads, value,
           best, (double)n / best / 1e9, total);
    return 0;
}
