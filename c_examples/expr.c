/* Integrates a user-typed expression: expr EXPR A B [n [EXPECTED]]
 * e.g.  ./expr 'exp(-x^2)*cos(x)' -5 5 1000000 1.3803884470431429
 * Uses Gauss-Legendre (8 nodes) on n panels (default 10^6) on all threads.
 * Exit status: 0 when the integral was computed (and, given EXPECTED, is
 * within 1e-10 relative of it); 1 when the integration failed, or the value
 * is not finite, or is further than that from EXPECTED; 2 for a usage or
 * parse error (vq_last_error() names the column).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vquad.h"

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s EXPR A B [n]\n", argv[0]);
        return 2;
    }
    vq_context *ctx = NULL;
    vq_integrand *f = NULL;
    vq_options opts;
    vq_result r;
    int rc = 1;

    vq_options_default(&opts);
    opts.rule = VQ_RULE_GAUSS_LEGENDRE;
    opts.n = argc > 4 ? strtoull(argv[4], NULL, 10) : 1000000ULL;
    if (vq_integrand_expr(argv[1], &f) != VQ_OK) {
        fprintf(stderr, "%s\n", vq_last_error());
        return 2;
    }
    if (vq_context_new(0, &ctx) != VQ_OK ||
        vq_integrate(ctx, f, strtod(argv[2], NULL), strtod(argv[3], NULL), &opts, &r) != VQ_OK) {
        fprintf(stderr, "%s\n", vq_last_error());
        goto done;
    }
    printf("result=%.17g evals=%llu threads=%u seconds=%.6f\n", r.value,
           (unsigned long long)r.evals, r.threads, r.seconds);
    if (!isfinite(r.value)) {
        fprintf(stderr, "the value is not finite\n");
        goto done;
    }
    if (argc > 5) {
        double expected = strtod(argv[5], NULL);
        double err = fabs(r.value - expected);
        if (!(err <= 1e-10 * fmax(1.0, fabs(expected)))) {
            fprintf(stderr, "wrong result: %.17g, expected %.17g (error %.3g)\n", r.value,
                    expected, err);
            goto done;
        }
        printf("expected=%.17g error=%.3g\n", expected, err);
    }
    rc = 0;
done:
    vq_integrand_free(f);
    vq_context_free(ctx);
    return rc;
}
