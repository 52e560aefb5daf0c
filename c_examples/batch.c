/* A vectorized batch callback: x*sin(x) over [0, pi] (= pi). The loop in
 * the callback is plain C that the compiler can vectorize; vquad hands it up
 * to 1024 abscissae per call. A non-zero return aborts with VQ_ERR_CALLBACK,
 * shown at the end with a callback that refuses negative x.
 */
#include <math.h>
#include <stdio.h>

#include "vquad.h"

static int x_sin_x(const double *x, double *fx, size_t n, void *params) {
    (void)params;
    for (size_t i = 0; i < n; ++i) fx[i] = x[i] * sin(x[i]);
    return 0;
}

static int refuse_negative(const double *x, double *fx, size_t n, void *params) {
    (void)params;
    for (size_t i = 0; i < n; ++i) {
        if (x[i] < 0.0) return 42;
        fx[i] = x[i];
    }
    return 0;
}

int main(void) {
    const double pi = 3.14159265358979323846;
    vq_context *ctx = NULL;
    vq_integrand *f = NULL, *g = NULL;
    vq_options opts;
    vq_result r;
    vq_status s;
    int rc = 1;

    vq_options_default(&opts);
    opts.rule = VQ_RULE_SIMPSON;
    opts.n = 100000;
    if (vq_context_new(0, &ctx) != VQ_OK || vq_integrand_batch(x_sin_x, NULL, &f) != VQ_OK ||
        vq_integrate(ctx, f, 0.0, pi, &opts, &r) != VQ_OK) {
        fprintf(stderr, "vquad: %s\n", vq_last_error());
        goto done;
    }
    printf("result=%.17g exact=%.17g evals=%llu\n", r.value, pi, (unsigned long long)r.evals);
    if (fabs(r.value - pi) > 1e-12) goto done;

    if (vq_integrand_batch(refuse_negative, NULL, &g) != VQ_OK) goto done;
    s = vq_integrate(ctx, g, -1.0, 1.0, &opts, &r);
    printf("refusing callback: %s (%s)\n", vq_status_str(s), vq_last_error());
    rc = s == VQ_ERR_CALLBACK ? 0 : 1;
done:
    vq_integrand_free(g);
    vq_integrand_free(f);
    vq_context_free(ctx);
    return rc;
}
