/* Multi-dimensional integration with vquad: a worked example.
 *
 * 1. A 5-D Gaussian written as an expression, over all of R^5 (infinite
 *    bounds on every axis): exact value pi^(5/2).
 * 2. A vector integrand as a batch callback: three moments of a 3-D
 *    density over the unit cube at once, every component to its own
 *    tolerance.
 * 3. The same box with a fixed Gauss-Legendre tensor rule.
 *
 * Prints result=<value> lines; exits non-zero on any failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vquad.h"

#define CHECK(call)                                                             \
    do {                                                                        \
        vq_status s_ = (call);                                                  \
        if (s_ != VQ_OK) {                                                      \
            fprintf(stderr, "%s failed: %s\n", #call, vq_last_error());         \
            return EXIT_FAILURE;                                                \
        }                                                                       \
    } while (0)

/* Called concurrently from worker threads: no shared mutable state. Fills
 * (rho, x*rho, x*y*rho) for each of npts points, rho = exp(-x-y-z). */
static int moments(const double *x, size_t npts, size_t ndim, double *f, size_t nout,
                   void *params) {
    size_t i;
    (void)params;
    for (i = 0; i < npts; i++) {
        const double *p = x + i * ndim;
        double rho = exp(-(p[0] + p[1] + p[2]));
        f[i * nout + 0] = rho;
        f[i * nout + 1] = p[0] * rho;
        f[i * nout + 2] = p[0] * p[1] * rho;
    }
    return 0;
}

int main(void) {
    vq_context *ctx = NULL;
    vq_integrand *gauss = NULL, *mom = NULL;
    vq_options opts;
    vq_result r;
    double lo5[5], hi5[5], lo3[3] = {0, 0, 0}, hi3[3] = {1, 1, 1};
    double v[3], e[3];
    double a = 1.0 - exp(-1.0), b = 1.0 - 2.0 * exp(-1.0);
    double exact[3];
    int i;
    exact[0] = a * a * a;
    exact[1] = b * a * a;
    exact[2] = b * b * a;

    CHECK(vq_context_new(0, &ctx)); /* VQUAD_NUM_THREADS or all CPUs */

    /* 1. Expression in x1..x5, infinite bounds, adaptive Genz-Malik. */
    for (i = 0; i < 5; i++) {
        lo5[i] = -INFINITY;
        hi5[i] = INFINITY;
    }
    CHECK(vq_integrand_expr_nd("exp(-(x1^2 + x2^2 + x3^2 + x4^2 + x5^2))", 5, &gauss));
    vq_options_default(&opts);
    opts.rule = VQ_RULE_GENZ_MALIK;
    opts.epsrel = 1e-4;
    CHECK(vq_integrate_nd(ctx, gauss, lo5, hi5, 5, &opts, v, e, 1, &r));
    printf("gaussian5: result=%.15g error=%.3g evals=%llu regions=%llu exact=%.15g\n", v[0], e[0],
           (unsigned long long)r.evals, (unsigned long long)r.subintervals, pow(acos(-1.0), 2.5));

    /* 2. Three components from one batch callback. */
    CHECK(vq_integrand_nd_batch(moments, NULL, 3, 3, &mom));
    opts.epsrel = 1e-10;
    CHECK(vq_integrate_nd(ctx, mom, lo3, hi3, 3, &opts, v, e, 3, &r));
    for (i = 0; i < 3; i++) {
        printf("moment%d: result=%.15g error=%.3g exact=%.15g\n", i, v[i], e[i], exact[i]);
        if (fabs(v[i] - exact[i]) > 1e-9 * exact[i]) return EXIT_FAILURE;
    }

    /* 3. Fixed rule: 4 panels per axis, 5 Gauss nodes each: 20^3 points. */
    vq_options_default(&opts);
    opts.rule = VQ_RULE_GAUSS_LEGENDRE;
    opts.n = 4;
    opts.order = 5;
    CHECK(vq_integrate_nd(ctx, mom, lo3, hi3, 3, &opts, v, e, 3, &r));
    printf("tensor: result=%.15g evals=%llu\n", v[0], (unsigned long long)r.evals);

    vq_integrand_free(gauss);
    vq_integrand_free(mom);
    vq_context_free(ctx);
    return fabs(v[0] - exact[0]) < 1e-12 ? EXIT_SUCCESS : EXIT_FAILURE;
}
