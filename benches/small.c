/* Side-by-side timing of small adaptive integrals: vquad's C API against
 * GSL's gsl_integration_qags, in one process, interleaved, best of several
 * repetitions. Built and run by `cargo bench --bench small` (benches/small.rs).
 *
 * Single-threaded measurements use the calling thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID): on a shared machine, time the thread spent
 * preempted is not the code's. The 2-thread table is timed by the wall
 * clock (its CPU time counts both threads), so its speed-up is only as good
 * as the machine's idle second core.
 *
 * Usage: small <reps> <table_rows>
 * Prints one line per measurement:  name  vquad_ns  gsl_ns  ratio  evals  gsl_evals
 */
#define _POSIX_C_SOURCE 199309L
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vquad.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU time of the calling thread */
static double cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- the four integrands, scalar (GSL order) and batch ---- */
static double f_gauss(double x, void *p) { return exp(-*(double *)p * x * x); }
static double f_lorentz(double x, void *p) { return 1.0 / (1.0 + *(double *)p * x * x); }
static double f_osc(double x, void *p) { return cos(*(double *)p * x) * exp(-x); }
static double f_sqrtlog(double x, void *p) { return sqrt(x) * log(x) * *(double *)p; }

#define BATCH(name, body)                                                           \
    static int name(const double *x, double *fx, size_t n, void *pv) {              \
        double p = *(double *)pv;                                                   \
        for (size_t i = 0; i < n; i++) {                                            \
            double xi = x[i];                                                       \
            fx[i] = body;                                                           \
        }                                                                           \
        return 0;                                                                   \
    }
BATCH(b_gauss, exp(-p * xi * xi))
BATCH(b_lorentz, 1.0 / (1.0 + p * xi * xi))
BATCH(b_osc, cos(p * xi) * exp(-xi))
BATCH(b_sqrtlog, sqrt(xi) * log(xi) * p)

struct problem {
    const char *name;
    double (*scalar)(double, void *);
    vq_batch_fn batch;
    const char *expr;
};

static const struct problem PROBLEMS[] = {
    {"exp(-p*x^2)", f_gauss, b_gauss, "exp(-1.5*x^2)"},
    {"1/(1+p*x^2)", f_lorentz, b_lorentz, "1/(1+1.5*x^2)"},
    {"cos(p*x)*exp(-x)", f_osc, b_osc, "cos(1.5*x)*exp(-x)"},
    {"sqrt(x)*log(x)*p", f_sqrtlog, b_sqrtlog, "sqrt(x)*log(x)*1.5"},
};

static double P = 1.5;

static void check(vq_status s, const char *what) {
    if (s != VQ_OK) {
        fprintf(stderr, "%s failed: %s\n", what, vq_last_error());
        exit(1);
    }
}

/* ns per call of one vquad integration, over `calls` calls */
static double time_vquad(vq_context *ctx, const vq_integrand *f, const vq_options *o, int calls,
                         vq_result *r) {
    double t0 = cpu();
    for (int i = 0; i < calls; i++) check(vq_integrate(ctx, f, 0.0, 1.0, o, r), "vq_integrate");
    return (cpu() - t0) / calls * 1e9;
}

static double time_gsl(gsl_integration_workspace *w, gsl_function *g, int calls, double *v,
                       size_t *evals) {
    double err;
    double t0 = cpu();
    for (int i = 0; i < calls; i++) {
        gsl_integration_qags(g, 0.0, 1.0, 0.0, 1e-10, 1000, w, v, &err);
    }
    double t = (cpu() - t0) / calls * 1e9;
    /* QAGS applies G10K21 to every interval it creates: 21 (2 size - 1) points */
    *evals = 21 * (2 * w->size - 1);
    return t;
}

/* F(p) = int_0^1 exp(-p x^2) dx for `rows` p in [0.1, 100] */
static int pb_gauss(const double *x, const double *p, size_t np, double *fx, size_t n, void *u) {
    (void)u;
    for (size_t i = 0; i < n; i++) fx[i] = exp(-p[i * np] * x[i] * x[i]);
    return 0;
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 7;
    size_t rows = argc > 2 ? (size_t)atoll(argv[2]) : 100000;
    gsl_set_error_handler_off();
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    vq_context *ctx1, *ctx2;
    check(vq_context_new(1, &ctx1), "context");
    check(vq_context_new(2, &ctx2), "context");
    vq_options o;
    vq_options_default(&o);
    o.rule = VQ_RULE_GAUSS_KRONROD;
    o.epsrel = 1e-10;

    printf("%-34s %10s %10s %7s %6s %6s\n", "case", "vquad_ns", "gsl_ns", "ratio", "evals", "gsl_ev");
    for (size_t k = 0; k < sizeof PROBLEMS / sizeof PROBLEMS[0]; k++) {
        const struct problem *pr = &PROBLEMS[k];
        vq_integrand *fs, *fb, *fe;
        check(vq_integrand_fn(pr->scalar, &P, &fs), "fn");
        check(vq_integrand_batch(pr->batch, &P, &fb), "batch");
        check(vq_integrand_expr(pr->expr, &fe), "expr");
        gsl_function g = {pr->scalar, &P};
        int calls = k == 3 ? 2000 : 20000;
        double best[3] = {1e30, 1e30, 1e30}, bestg = 1e30;
        vq_result r[3];
        double gv = 0;
        size_t gev = 0;
        for (int rep = 0; rep < reps; rep++) {
            double t;
            t = time_gsl(w, &g, calls, &gv, &gev);
            if (t < bestg) bestg = t;
            const vq_integrand *fx[3] = {fs, fb, fe};
            for (int v = 0; v < 3; v++) {
                t = time_vquad(ctx1, fx[v], &o, calls, &r[v]);
                if (t < best[v]) best[v] = t;
            }
        }
        const char *kind[3] = {"scalar", "batch", "expr"};
        for (int v = 0; v < 3; v++) {
            char name[64];
            snprintf(name, sizeof name, "%s %s", pr->name, kind[v]);
            printf("%-34s %10.1f %10.1f %7.2f %6llu %6zu\n", name, best[v], bestg, bestg / best[v],
                   (unsigned long long)r[v].evals, gev);
        }
        if (r[0].value != gv) printf("  note: values differ: vquad %.17g gsl %.17g\n", r[0].value, gv);
        vq_integrand_free(fs);
        vq_integrand_free(fb);
        vq_integrand_free(fe);
    }
    /* the table: F(p) for `rows` p in [0.1, 100] */
    {
        double *a = malloc(rows * sizeof *a), *b = malloc(rows * sizeof *b);
        double *p = malloc(rows * sizeof *p);
        vq_result *r = malloc(rows * sizeof *r);
        vq_status *st = malloc(rows * sizeof *st);
        for (size_t k = 0; k < rows; k++) {
            a[k] = 0.0;
            b[k] = 1.0;
            p[k] = 0.1 + 99.9 * (double)k / (double)(rows - 1);
        }
        const char *names[] = {"p"};
        vq_integrand *fe, *fb;
        check(vq_integrand_expr_params("exp(-p*x^2)", names, 1, &fe), "expr params");
        check(vq_integrand_param_batch(pb_gauss, NULL, 1, &fb), "param batch");
        double te1 = 1e30, te2 = 1e30, tw1 = 1e30, tb1 = 1e30, tg = 1e30, worst = 0;
        for (int rep = 0; rep < reps; rep++) {
            double t0 = cpu(), v, err;
            for (size_t k = 0; k < rows; k++) {
                gsl_function g = {f_gauss, &p[k]};
                gsl_integration_qags(&g, 0.0, 1.0, 0.0, 1e-10, 1000, w, &v, &err);
            }
            double t = cpu() - t0;
            if (t < tg) tg = t;
            t0 = cpu();
            check(vq_integrate_many(ctx1, fe, rows, a, b, p, &o, r, st), "table");
            t = cpu() - t0;
            if (t < te1) te1 = t;
            /* 1 and 2 threads by the wall clock, back to back */
            t0 = now();
            check(vq_integrate_many(ctx1, fe, rows, a, b, p, &o, r, st), "table");
            t = now() - t0;
            if (t < tw1) tw1 = t;
            t0 = now();
            check(vq_integrate_many(ctx2, fe, rows, a, b, p, &o, r, st), "table");
            t = now() - t0;
            if (t < te2) te2 = t;
            t0 = cpu();
            check(vq_integrate_many(ctx1, fb, rows, a, b, p, &o, r, st), "table");
            t = cpu() - t0;
            if (t < tb1) tb1 = t;
        }
        vq_integrate_many(ctx2, fe, rows, a, b, p, &o, r, st);
        for (size_t k = 0; k < rows; k++) {
            double z = sqrt(p[k]), exact = sqrt(3.14159265358979323846) * erf(z) / (2.0 * z);
            double rel = fabs(r[k].value - exact) / exact;
            if (st[k] != VQ_OK || rel > worst) worst = st[k] != VQ_OK ? 1.0 : rel;
        }
        printf("table of %zu rows, CPU s: gsl loop %.3f | expr 1 thread %.3f (%.2fx gsl) | param "
               "batch 1 thread %.3f (%.2fx gsl)\n",
               rows, tg, te1, tg / te1, tb1, tg / tb1);
        printf("table of %zu rows, wall s: expr 1 thread %.3f | 2 threads %.3f (%.2fx) | worst rel "
               "err %.2g\n",
               rows, tw1, te2, tw1 / te2, worst);
        vq_integrand_free(fe);
        vq_integrand_free(fb);
        free(a), free(b), free(p), free(r), free(st);
    }
    gsl_integration_workspace_free(w);
    vq_context_free(ctx1);
    vq_context_free(ctx2);
    return 0;
}
