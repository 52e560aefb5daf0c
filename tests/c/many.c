/* vq_integrate_many from C: per-row statuses, a NaN row among good rows, a
 * callback failing in one row, bits equal to the row-alone vq_integrate,
 * bits identical for 1, 2, 3 and 8 threads, m = 1, 7 and 10^5, argument
 * errors refused before any work. Prints "many: N passed, 0 failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vquad.h"

static int passed, failed;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            printf("FAIL line %d: ", __LINE__);                                                    \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

/* f(x; p) = exp(-p0 x^2) + p1 x; p0 = -1 makes the callback fail, p0 = -2
 * returns NaN. */
static int pfun(const double *x, const double *p, size_t np, double *fx, size_t n, void *user) {
    (void)user;
    for (size_t i = 0; i < n; i++) {
        const double *r = p + i * np;
        if (r[0] == -1.0) return 7;
        fx[i] = r[0] == -2.0 ? NAN : exp(-r[0] * x[i] * x[i]) + r[1] * x[i];
    }
    return 0;
}

/* the same function of one row, for the row-alone vq_integrate */
static double scalar(double x, void *pv) {
    const double *r = pv;
    return exp(-r[0] * x * x) + r[1] * x;
}

static int same(const vq_result *a, const vq_result *b) {
    return memcmp(&a->value, &b->value, sizeof(double)) == 0 &&
           memcmp(&a->abs_error, &b->abs_error, sizeof(double)) == 0 && a->evals == b->evals &&
           a->subintervals == b->subintervals;
}

static void table(size_t m, double *a, double *b, double *p) {
    for (size_t k = 0; k < m; k++) {
        a[k] = 0.0;
        b[k] = 1.0 + (double)(k % 5);
        p[2 * k] = 0.1 + 99.9 * (double)k / (double)(m > 1 ? m - 1 : 1);
        p[2 * k + 1] = (double)(k % 3);
    }
}

static void rows_equal_row_alone(size_t m, int rule) {
    double *a = malloc(m * sizeof *a), *b = malloc(m * sizeof *b), *p = malloc(2 * m * sizeof *p);
    vq_result *r1 = malloc(m * sizeof *r1), *rt = malloc(m * sizeof *rt);
    vq_status *s1 = malloc(m * sizeof *s1), *st = malloc(m * sizeof *st);
    table(m, a, b, p);
    vq_integrand *f;
    vq_integrand_param_batch(pfun, NULL, 2, &f);
    vq_options o;
    vq_options_default(&o);
    o.rule = rule;
    if (rule == VQ_RULE_SIMPSON) o.n = 64;
    vq_context *c1;
    vq_context_new(1, &c1);
    vq_status s = vq_integrate_many(c1, f, m, a, b, p, &o, r1, s1);
    CHECK(s == VQ_OK, "m=%zu rule %d: %s", m, rule, vq_last_error());
    /* row alone, on at most 64 rows spread over the table */
    size_t step = m > 64 ? m / 64 : 1, bad = 0;
    for (size_t k = 0; k < m; k += step) {
        vq_integrand *g;
        vq_integrand_fn(scalar, p + 2 * k, &g);
        vq_result alone;
        vq_status sa = vq_integrate(c1, g, a[k], b[k], &o, &alone);
        if (sa != s1[k] || !same(&alone, &r1[k])) bad++;
        vq_integrand_free(g);
    }
    CHECK(bad == 0, "m=%zu rule %d: %zu rows differ from their own vq_integrate", m, rule, bad);
    size_t threads[] = {2, 3, 8};
    for (int t = 0; t < 3; t++) {
        vq_context *ct;
        vq_context_new(threads[t], &ct);
        vq_integrate_many(ct, f, m, a, b, p, &o, rt, st);
        size_t diff = 0;
        for (size_t k = 0; k < m; k++) diff += !same(&r1[k], &rt[k]) || s1[k] != st[k];
        CHECK(diff == 0, "m=%zu rule %d: %zu rows differ on %zu threads", m, rule, diff, threads[t]);
        vq_context_free(ct);
    }
    vq_context_free(c1);
    vq_integrand_free(f);
    free(a), free(b), free(p), free(r1), free(rt), free(s1), free(st);
}

int main(void) {
    size_t sizes[] = {1, 7, 100000};
    for (int i = 0; i < 3; i++) rows_equal_row_alone(sizes[i], VQ_RULE_GAUSS_KRONROD);
    rows_equal_row_alone(7, VQ_RULE_TANH_SINH);
    rows_equal_row_alone(7, VQ_RULE_AUTO);
    rows_equal_row_alone(7, VQ_RULE_SIMPSON);

    vq_context *ctx;
    vq_context_new(2, &ctx);
    vq_integrand *f;
    vq_integrand_param_batch(pfun, NULL, 2, &f);
    /* per-row statuses: NaN bound, failing callback, NaN value, budget */
    double a[6] = {0, NAN, 0, 0, 0, 0}, b[6] = {1, 1, 1, 1, 1, INFINITY};
    double p[12] = {1, 0, 1, 0, -1, 0, -2, 0, 2, 1, 1, 0};
    vq_result r[6];
    vq_status st[6];
    vq_status s = vq_integrate_many(ctx, f, 6, a, b, p, NULL, r, st);
    CHECK(s == VQ_ERR_INVALID_ARG, "lowest failed row's status, got %d", s);
    CHECK(st[0] == VQ_OK && fabs(r[0].value - 0.74682413281242702) < 1e-14, "row 0 %d %.17g",
          st[0], r[0].value);
    CHECK(st[1] == VQ_ERR_INVALID_ARG && isnan(r[1].value), "NaN bound row %d", st[1]);
    CHECK(st[2] == VQ_ERR_CALLBACK, "callback row %d", st[2]);
    CHECK(st[3] == VQ_ERR_NONFINITE, "NaN row %d", st[3]);
    CHECK(st[4] == VQ_OK && r[4].evals == 21, "good row after failures %d %llu", st[4],
          (unsigned long long)r[4].evals);
    CHECK(st[5] == VQ_OK && fabs(r[5].value - 0.88622692545275801) < 1e-10,
          "infinite row %d %.17g", st[5], r[5].value);
    /* max_evals per integral: a table of many rows still gets each its budget */
    vq_options o;
    vq_options_default(&o);
    o.rule = VQ_RULE_GAUSS_KRONROD;
    o.max_evals = 21;
    double a2[2] = {0, 0}, b2[2] = {1, 1}, p2[4] = {1, 0, 1e4, 0};
    s = vq_integrate_many(ctx, f, 2, a2, b2, p2, &o, r, st);
    CHECK(s == VQ_ERR_MAX_EVALS && st[0] == VQ_OK && st[1] == VQ_ERR_MAX_EVALS &&
              r[1].evals == 21 && r[0].evals == 21,
          "budget per row: %d %d %d %llu", s, st[0], st[1], (unsigned long long)r[1].evals);

    /* argument errors: nothing written */
    vq_status untouched[1] = {12345};
    CHECK(vq_integrate_many(ctx, f, 1, a, b, NULL, NULL, r, untouched) == VQ_ERR_NULL_ARG &&
              untouched[0] == 12345,
          "params NULL with nparams > 0");
    CHECK(vq_integrate_many(ctx, f, 1, NULL, b, p, NULL, r, untouched) == VQ_ERR_NULL_ARG, "a NULL");
    CHECK(vq_integrate_many(NULL, f, 1, a, b, p, NULL, r, untouched) == VQ_ERR_NULL_ARG, "ctx NULL");
    CHECK(vq_integrate_many(ctx, f, 0, NULL, NULL, NULL, NULL, NULL, NULL) == VQ_OK, "m = 0");
    vq_integrand *e;
    const char *names[] = {"p", "q"};
    CHECK(vq_integrand_expr_params("exp(-p*x^2)+r", names, 2, &e) == VQ_ERR_PARSE &&
              strstr(vq_last_error(), "column 13") != NULL,
          "parse error column: %s", vq_last_error());
    CHECK(vq_integrand_expr_params("exp(-p*x^2)", NULL, 1, &e) == VQ_ERR_NULL_ARG, "names NULL");

    /* expression with parameters: same values as the batch callback */
    CHECK(vq_integrand_expr_params("exp(-p*x^2)+q*x", names, 2, &e) == VQ_OK, "expr params");
    vq_result re[2], rb[2];
    vq_status se[2], sb[2];
    double a3[2] = {0, -1}, b3[2] = {1, 2}, p3[4] = {3, 1, 0.5, 2};
    vq_integrate_many(ctx, e, 2, a3, b3, p3, NULL, re, se);
    vq_integrate_many(ctx, f, 2, a3, b3, p3, NULL, rb, sb);
    for (int k = 0; k < 2; k++)
        CHECK(se[k] == VQ_OK && fabs(re[k].value - rb[k].value) < 1e-14 * fabs(rb[k].value),
              "expr row %d: %.17g vs %.17g", k, re[k].value, rb[k].value);
    /* a plain integrand over m bound pairs, params NULL */
    vq_integrand *g;
    double one[2] = {2, 0};
    vq_integrand_fn(scalar, one, &g);
    vq_result rg[2], alone;
    vq_status sg[2];
    CHECK(vq_integrate_many(ctx, g, 2, a3, b3, NULL, NULL, rg, sg) == VQ_OK, "plain");
    vq_integrate(ctx, g, a3[1], b3[1], NULL, &alone);
    CHECK(same(&rg[1], &alone), "plain row equals vq_integrate");
    CHECK(vq_integrate_many(ctx, g, 2, a3, b3, p3, NULL, rg, sg) == VQ_ERR_INVALID_ARG,
          "params for a plain integrand");
    vq_result one_r;
    CHECK(vq_integrate(ctx, e, 0, 1, NULL, &one_r) == VQ_ERR_INVALID_ARG,
          "vq_integrate refuses a parametric integrand");

    vq_integrand_free(g);
    vq_integrand_free(e);
    vq_integrand_free(f);
    vq_context_free(ctx);
    printf("many: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
