/* A deliberate bug that the sanitizer build MUST catch: it proves that the
 * sanitizers are really active in .ci/jobs/reliability.sh, so that a clean
 * run of the other C programs means something.
 *
 * Usage: asan_canary heap   - a batch callback, run by vq_integrate on a
 *                             vquad worker thread, reads one double past the
 *                             end of a heap buffer (AddressSanitizer:
 *                             heap-buffer-overflow);
 *        asan_canary ubsan  - a signed integer overflow in the same kind of
 *                             callback (UndefinedBehaviorSanitizer).
 * Built with -fsanitize=address,undefined -fno-sanitize-recover=all, it
 * must die with the sanitizer's report. Exit status 0 means the sanitizer
 * missed the bug, which the CI job treats as a failure.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vquad.h"

#define TABLE 1000

/* fx[i] = table[nearest index of x[i]]: one element too far for the last
 * midpoints, which the last task (on a worker thread) evaluates. */
static int read_past_end(const double *x, double *fx, size_t n, void *params) {
    const double *table = (const double *)params;
    for (size_t i = 0; i < n; ++i) fx[i] = table[(size_t)(x[i] * TABLE + 0.5)];
    return 0;
}

/* Adds INT_MAX to a value derived from x: overflows for x > 0. */
static int overflow_int(const double *x, double *fx, size_t n, void *params) {
    volatile int big = *(const int *)params;
    for (size_t i = 0; i < n; ++i) {
        int v = (int)(x[i] * 100.0) + 1;
        fx[i] = (double)(v + big);
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "heap";
    int big = INT_MAX;
    double *table = malloc(TABLE * sizeof *table);
    vq_context *ctx = NULL;
    vq_integrand *f = NULL;
    vq_options o;
    vq_result r;
    vq_status s;

    if (table == NULL) return 2;
    for (size_t i = 0; i < TABLE; ++i) table[i] = 1.0;
    vq_options_default(&o);
    o.rule = VQ_RULE_MIDPOINT;
    o.n = 100000; /* enough points to run on the pool */
    memset(&r, 0, sizeof r);
    if (vq_context_new(2, &ctx) != VQ_OK) return 2;
    if (strcmp(mode, "ubsan") == 0)
        s = vq_integrand_batch(overflow_int, &big, &f);
    else
        s = vq_integrand_batch(read_past_end, table, &f);
    if (s != VQ_OK) return 2;
    s = vq_integrate(ctx, f, 0.0, 1.0, &o, &r);
    printf("canary '%s' was NOT caught (status %s, value %g): the sanitizer is not active\n",
           mode, vq_status_str(s), r.value);
    vq_integrand_free(f);
    vq_context_free(ctx);
    free(table);
    return 0;
}
