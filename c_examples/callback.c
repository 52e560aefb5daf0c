/* A GSL-style integrand with a params struct: the Gaussian a*exp(-b x^2)
 * over [-3, 3], compared with its closed form a*sqrt(pi/b)*erf(3 sqrt(b)).
 * The callback runs concurrently on worker threads: it only reads params.
 */
#include <math.h>
#include <stdio.h>

#include "vquad.h"

struct gaussian {
    double a, b;
};

static double gaussian_fn(double x, void *params) {
    const struct gaussian *g = (const struct gaussian *)params;
    return g->a * exp(-g->b * x * x);
}

int main(void) {
    const double pi = 3.14159265358979323846;
    struct gaussian g = {2.0, 0.5};
    vq_context *ctx = NULL;
    vq_integrand *f = NULL;
    vq_options opts;
    vq_result r;
    double exact = g.a * sqrt(pi / g.b) * erf(3.0 * sqrt(g.b));
    int rc = 1;

    vq_options_default(&opts);
    opts.rule = VQ_RULE_GAUSS_LEGENDRE;
    opts.n = 1000;
    opts.order = 10;
    if (vq_context_new(0, &ctx) != VQ_OK || vq_integrand_fn(gaussian_fn, &g, &f) != VQ_OK ||
        vq_integrate(ctx, f, -3.0, 3.0, &opts, &r) != VQ_OK) {
        fprintf(stderr, "vquad: %s\n", vq_last_error());
        goto done;
    }
    printf("result=%.17g exact=%.17g evals=%llu threads=%u\n", r.value, exact,
           (unsigned long long)r.evals, r.threads);
    rc = fabs(r.value - exact) <= 1e-13 * fabs(exact) ? 0 : 1;
done:
    vq_integrand_free(f);
    vq_context_free(ctx);
    return rc;
}
