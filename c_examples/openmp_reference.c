/* The seed problem written the way an HPC programmer would without vquad:
 * midpoint rule for the integral of x^2 + 7 over [0, 5] with an OpenMP
 * `parallel for simd` reduction. Used for side-by-side benchmarks.
 *
 * Usage: openmp_reference [n] [threads] [reps]
 * Prints threads, value, the best time, Gpts/s at the best time, and the
 * total time of all runs (criterion's benchmark reads total_seconds).
 * Build: gcc -O3 -march=native -fopenmp openmp_reference.c -o openmp_reference
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

static double f(double x) { return x * x + 7.0; }

int main(int argc, char **argv) {
    long long n = argc > 1 ? atoll(argv[1]) : 1000000000LL;
    int threads = argc > 2 ? atoi(argv[2]) : omp_get_max_threads();
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    const double a = 0.0, b = 5.0;
    const double h = (b - a) / (double)n;
    double best = 1e300, total = 0.0, value = 0.0;
    omp_set_num_threads(threads);
    for (int r = 0; r < reps; ++r) {
        double s = 0.0;
        double t0 = omp_get_wtime();
#pragma omp parallel for simd reduction(+ : s)
        for (long long i = 0; i < n; ++i) {
            s += f(a + ((double)i + 0.5) * h);
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
