/* Tabulates F(p) = int_0^1 exp(-p x^2) dx for p in [0.5, 10] in one call of
 * vq_integrate_many, with an expression in x and the parameter p, and checks
 * each row against the closed form sqrt(pi) erf(sqrt(p)) / (2 sqrt(p)). */
#include <math.h>
#include <stdio.h>

#include "vquad.h"

#define M 20
static const double PI = 3.14159265358979323846;

int main(void) {
    vq_context *ctx;
    vq_integrand *f;
    const char *names[] = {"p"};
    if (vq_context_new(0, &ctx) != VQ_OK ||
        vq_integrand_expr_params("exp(-p*x^2)", names, 1, &f) != VQ_OK) {
        fprintf(stderr, "%s\n", vq_last_error());
        return 1;
    }
    double a[M], b[M], p[M];
    for (int k = 0; k < M; k++) {
        a[k] = 0.0;
        b[k] = 1.0;
        p[k] = 0.5 + 9.5 * k / (M - 1);
    }
    vq_options opts;
    vq_options_default(&opts);
    opts.rule = VQ_RULE_GAUSS_KRONROD;
    opts.epsrel = 1e-10;
    vq_result r[M];
    vq_status st[M];
    vq_status s = vq_integrate_many(ctx, f, M, a, b, p, &opts, r, st);
    if (s != VQ_OK) {
        fprintf(stderr, "vq_integrate_many: %s\n", vq_last_error());
        return 1;
    }
    double worst = 0.0;
    printf("p,value,abs_error,evals,status\n");
    for (int k = 0; k < M; k++) {
        double exact = sqrt(PI) * erf(sqrt(p[k])) / (2.0 * sqrt(p[k]));
        double rel = fabs(r[k].value - exact) / exact;
        if (rel > worst) worst = rel;
        printf("%.6g,%.17g,%.3g,%llu,%s\n", p[k], r[k].value, r[k].abs_error,
               (unsigned long long)r[k].evals, vq_status_str(st[k]));
    }
    printf("max relative error vs closed form = %.3g\n", worst);
    vq_integrand_free(f);
    vq_context_free(ctx);
    return worst < 1e-10 ? 0 : 1;
}
