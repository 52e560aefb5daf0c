/* The notebook's problem: the integral of x^2 + 7 over [0, 5] (= 230/3) by
 * the midpoint rule on 10^9 panels, on 1 thread and on all threads.
 * Prints both values (bit-identical), both times and the speedup.
 *
 * Usage: seed [n]    (default n = 1000000000)
 * Exit status: 0 when the two values are bit-identical and within 3e-14 of
 * 230/3 (n >= 10^8) or within the midpoint error bound (smaller n).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vquad.h"

static int check(vq_status s, const char *what) {
    if (s != VQ_OK) {
        fprintf(stderr, "%s failed: %s\n", what, vq_last_error());
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000000ULL;
    const double coeffs[] = {7.0, 0.0, 1.0};
    const double exact = 230.0 / 3.0;
    vq_context *one = NULL, *all = NULL;
    vq_integrand *f = NULL;
    vq_options opts;
    vq_result r1, rn;
    int rc = 1;

    vq_options_default(&opts);
    opts.rule = VQ_RULE_MIDPOINT;
    opts.n = n;
    if (check(vq_context_new(1, &one), "vq_context_new(1)") ||
        check(vq_context_new(0, &all), "vq_context_new(0)") ||
        check(vq_integrand_poly(coeffs, 3, &f), "vq_integrand_poly") ||
        check(vq_integrate(one, f, 0.0, 5.0, &opts, &r1), "vq_integrate(1 thread)") ||
        check(vq_integrate(all, f, 0.0, 5.0, &opts, &rn), "vq_integrate(all threads)")) {
        goto done;
    }
    printf("vquad %s, SIMD %s\n", vq_version(), vq_simd_isa());
    printf("integral of x^2+7 over [0,5], midpoint, n = %" PRIu64 "\n", n);
    printf("1 thread : value = %.17g  time = %.4f s  %.2f Gpts/s\n", r1.value, r1.seconds,
           (double)r1.evals / r1.seconds / 1e9);
    printf("%u threads: value = %.17g  time = %.4f s  %.2f Gpts/s\n", rn.threads, rn.value,
           rn.seconds, (double)rn.evals / rn.seconds / 1e9);
    printf("speedup = %.2fx, |value - 230/3| = %.3g\n", r1.seconds / rn.seconds,
           fabs(rn.value - exact));
    if (memcmp(&r1.value, &rn.value, sizeof(double)) != 0) {
        fprintf(stderr, "values differ between thread counts\n");
        goto done;
    }
    {
        /* Midpoint error for x^2 is exactly -(b-a) h^2 / 12 * 2 / 2. */
        double h = 5.0 / (double)n;
        double tol = n >= 100000000ULL ? 3e-14 : 5.0 * h * h / 12.0 + 1e-13;
        if (fabs(rn.value - exact) > tol) {
            fprintf(stderr, "error %.3g exceeds %.3g\n", fabs(rn.value - exact), tol);
            goto done;
        }
    }
    rc = 0;
done:
    vq_integrand_free(f);
    vq_context_free(all);
    vq_context_free(one);
    return rc;
}
