/* Concurrency stress: 16 pthreads share one context. Each runs K
 * integrations that mix polynomial, scalar-callback, batch-callback,
 * expression and nested integrands, failing integrands and expressions
 * that do not parse, every fixed rule and the adaptive ones (Gauss-Kronrod,
 * tanh-sinh on infinite and singular ranges, auto), creating and freeing
 * its integrands as it goes. Every result is checked against its
 * closed form AND bit for bit against a reference computed beforehand on a
 * one-thread context (results do not depend on threads or concurrency);
 * every error is checked for its status, its untouched output and its
 * thread-local message. An alarm() watchdog turns a deadlock into a failure.
 *
 * Usage: stress [K [timeout_seconds [context_threads]]]
 *        defaults: K = 200, timeout 120 s, 4 context threads.
 * Prints "stress: N passed, M failed" (N counts checked integrations) and
 * exits 0 only when nothing failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vquad.h"

#define THREADS 16
#define VARIANTS 3
#define PI 3.14159265358979323846

static vq_context *shared;
static pthread_barrier_t start;

/* ------------------------------------------------------------ integrands */

struct cosine {
    double k;
};

static double cosine_fn(double x, void *params) {
    return cos(((const struct cosine *)params)->k * x);
}

struct scale {
    double s;
};

static int x_sin_x_batch(const double *x, double *fx, size_t n, void *params) {
    double s = ((const struct scale *)params)->s;
    for (size_t i = 0; i < n; ++i) fx[i] = s * x[i] * sin(x[i]);
    return 0;
}

struct abort_at {
    double x;
    int code;
};

static int aborting_batch(const double *x, double *fx, size_t n, void *params) {
    const struct abort_at *a = (const struct abort_at *)params;
    for (size_t i = 0; i < n; ++i) {
        if (x[i] > a->x) return a->code;
        fx[i] = x[i];
    }
    return 0;
}

static double nan_beyond(double x, void *params) {
    return x > *(const double *)params ? NAN : 1.0;
}

struct nested {
    vq_context *ctx;
    vq_integrand *inner;
    double c;
};

/* c * integral of y^2 over [0, x], on the context that calls it. */
static double nested_fn(double x, void *params) {
    const struct nested *p = (const struct nested *)params;
    vq_options o;
    vq_result r;
    vq_options_default(&o);
    o.rule = VQ_RULE_GAUSS_LEGENDRE;
    o.n = 1;
    o.order = 2;
    if (vq_integrate(p->ctx, p->inner, 0.0, x, &o, &r) != VQ_OK) return NAN;
    return p->c * r.value;
}

/* ----------------------------------------------------------------- cases */

enum {
    POLY,
    COSINE,
    BATCH,
    NESTED,
    REVERSED,
    EXPR,
    GK_CALLBACK,
    TS_EXPR,
    AUTO_BATCH,
    CASES, /* the cases above succeed; the ones below fail */
    ABORTING = CASES,
    NONFINITE,
    BAD_EXPR,
    ALL_CASES
};

static const char *case_name[ALL_CASES] = {
    "poly",        "cosine",  "batch",      "nested",   "reversed",  "expr",
    "gk_callback", "ts_expr", "auto_batch", "aborting", "nonfinite", "bad_expr"};

static vq_options opts(vq_rule rule, uint64_t n, uint32_t order) {
    vq_options o;
    vq_options_default(&o);
    o.rule = rule;
    o.n = n;
    o.order = order;
    return o;
}

/* Runs case `c`, variant `v` on `ctx` for thread `t`. Returns the status
 * and fills *r and *exact (the closed form) and *tol. */
static vq_status run_case(vq_context *ctx, int c, int v, int t, vq_result *r, double *exact,
                          double *tol, int *expect_code) {
    vq_integrand *f = NULL, *inner = NULL;
    vq_status s = VQ_ERR_PANIC;
    *expect_code = 0;
    switch (c) {
    case POLY: { /* cubic, Gauss-Legendre order 2 (exact), parallel */
        const double co[4] = {1.0 + v, -2.0, 0.5, 0.25 * v};
        const double a = -1.0, b = 2.0;
        vq_options o = opts(VQ_RULE_GAUSS_LEGENDRE, 300000, 2);
        *exact = co[0] * (b - a) + co[1] * (b * b - a * a) / 2 + co[2] * (b * b * b - a * a * a) / 3 +
                 co[3] * (b * b * b * b - a * a * a * a) / 4;
        *tol = 1e-12;
        if (vq_integrand_poly(co, 4, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, a, b, &o, r);
        break;
    }
    case COSINE: { /* scalar callback, Gauss-Legendre order 8 */
        struct cosine p;
        vq_options o = opts(VQ_RULE_GAUSS_LEGENDRE, 2000, 8);
        p.k = 1.0 + v;
        *exact = sin(p.k) / p.k;
        *tol = 1e-14;
        if (vq_integrand_fn(cosine_fn, &p, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, 0.0, 1.0, &o, r);
        break;
    }
    case BATCH: { /* batch callback, Simpson */
        struct scale p;
        vq_options o = opts(VQ_RULE_SIMPSON, 20000, 0);
        p.s = 1.0 + v;
        *exact = p.s * PI;
        *tol = 1e-12;
        if (vq_integrand_batch(x_sin_x_batch, &p, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, 0.0, PI, &o, r);
        break;
    }
    case NESTED: { /* a callback integrating on the same context */
        static const double sq[3] = {0.0, 0.0, 1.0};
        struct nested p;
        /* 4200 points: just enough to run on the pool; each is a call. */
        vq_options o = opts(VQ_RULE_GAUSS_LEGENDRE, 2100, 2);
        p.ctx = ctx;
        p.c = 1.0 + v;
        *exact = p.c / 12.0;
        *tol = 1e-15;
        if (vq_integrand_poly(sq, 3, &inner) != VQ_OK) break;
        p.inner = inner;
        if (vq_integrand_fn(nested_fn, &p, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, 0.0, 1.0, &o, r);
        break;
    }
    case REVERSED: { /* midpoint and trapezoid on reversed bounds */
        static const double sq7[3] = {7.0, 0.0, 1.0};
        vq_options o = opts(v == 0 ? VQ_RULE_MIDPOINT : VQ_RULE_TRAPEZOID, 600000, 0);
        *exact = -230.0 / 3.0;
        *tol = 1e-9;
        if (vq_integrand_poly(sq7, 3, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, 5.0, 0.0, &o, r);
        break;
    }
    case EXPR: { /* an expression, parsed here, on the pool */
        char text[64];
        vq_options o = opts(VQ_RULE_GAUSS_LEGENDRE, 1000, 8);
        snprintf(text, sizeof text, "exp(-x^2) * cos(%d*x)", 1 + v);
        *exact = sqrt(PI) * exp(-(1.0 + v) * (1.0 + v) / 4.0); /* tails < e^-64 */
        *tol = 1e-13;
        if (vq_integrand_expr(text, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, -8.0, 8.0, &o, r);
        break;
    }
    case GK_CALLBACK: { /* adaptive Gauss-Kronrod on a scalar callback */
        struct cosine p;
        vq_options o = opts(VQ_RULE_GAUSS_KRONROD, 0, 0);
        o.epsrel = 1e-12;
        p.k = 10.0 * (1 + v); /* oscillatory: several subdivisions */
        *exact = sin(p.k) / p.k;
        *tol = 1e-11;
        if (vq_integrand_fn(cosine_fn, &p, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, 0.0, 1.0, &o, r);
        break;
    }
    case TS_EXPR: { /* tanh-sinh on an expression, infinite or singular */
        static const char *text[VARIANTS] = {"exp(-x^2)", "1/sqrt(x)", "1/(1+x^2)"};
        static const double lo[VARIANTS] = {-INFINITY, 0.0, 0.0};
        static const double hi[VARIANTS] = {INFINITY, 1.0, INFINITY};
        const double want[VARIANTS] = {sqrt(PI), 2.0, PI / 2};
        vq_options o = opts(VQ_RULE_TANH_SINH, 0, 0);
        o.epsrel = 1e-10;
        *exact = want[v];
        *tol = 1e-9;
        if (vq_integrand_expr(text[v], &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, lo[v], hi[v], &o, r);
        break;
    }
    case AUTO_BATCH: { /* the default rule (auto, n = 0) on a batch callback */
        struct scale p;
        p.s = 1.0 + v;
        *exact = p.s * PI;
        *tol = 1e-11;
        if (vq_integrand_batch(x_sin_x_batch, &p, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, 0.0, PI, NULL, r);
        break;
    }
    case BAD_EXPR: { /* a parse error at a column that names the thread */
        char text[64];
        snprintf(text, sizeof text, "x + %*s$", t, "");
        *expect_code = 5 + t; /* the column of '$' */
        s = vq_integrand_expr(text, &f);
        break;
    }
    case ABORTING: { /* a batch callback returning this thread's code */
        struct abort_at p;
        vq_options o = opts(VQ_RULE_MIDPOINT, 100000, 0);
        p.x = 0.3 * (1 + v);
        p.code = 1000 + t;
        *expect_code = p.code;
        if (vq_integrand_batch(aborting_batch, &p, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, 0.0, 1.0, &o, r);
        break;
    }
    case NONFINITE: { /* a scalar callback returning NaN */
        double beyond = 0.25 * (1 + v);
        vq_options o = opts(VQ_RULE_GAUSS_LEGENDRE, 5000, 4);
        if (vq_integrand_fn(nan_beyond, &beyond, &f) != VQ_OK) break;
        s = vq_integrate(ctx, f, 0.0, 1.0, &o, r);
        break;
    }
    }
    vq_integrand_free(f);
    vq_integrand_free(inner);
    return s;
}

/* Reference bits of each successful case, from a one-thread context. */
static double reference[CASES][VARIANTS];

/* ---------------------------------------------------------------- threads */

struct worker {
    int index;
    int iterations;
    int passed;
    int failed;
};

static int check(struct worker *w, int c, int v, vq_status s, const vq_result *r, double exact,
                 double tol, int code) {
    if (c < CASES) {
        if (s != VQ_OK) {
            fprintf(stderr, "thread %d, %s/%d: %s (%s)\n", w->index, case_name[c], v,
                    vq_status_str(s), vq_last_error());
            return 1;
        }
        if (!(fabs(r->value - exact) <= tol * fmax(1.0, fabs(exact)))) {
            fprintf(stderr, "thread %d, %s/%d: value %.17g, exact %.17g\n", w->index,
                    case_name[c], v, r->value, exact);
            return 1;
        }
        if (memcmp(&r->value, &reference[c][v], sizeof(double)) != 0) {
            fprintf(stderr, "thread %d, %s/%d: value %.17g differs from the 1-thread %.17g\n",
                    w->index, case_name[c], v, r->value, reference[c][v]);
            return 1;
        }
        return 0;
    } else {
        vq_result untouched;
        const char *msg = vq_last_error();
        vq_status want = c == ABORTING    ? VQ_ERR_CALLBACK
                         : c == NONFINITE ? VQ_ERR_NONFINITE
                                          : VQ_ERR_PARSE;
        char needle[64];
        memset(&untouched, 0x5A, sizeof untouched);
        if (c == ABORTING)
            snprintf(needle, sizeof needle, "returned %d", code);
        else if (c == NONFINITE)
            snprintf(needle, sizeof needle, "x = ");
        else
            snprintf(needle, sizeof needle, "'$' at column %d", code);
        if (s != want || strstr(msg, needle) == NULL ||
            strncmp(msg, vq_status_str(want), strlen(vq_status_str(want))) != 0 ||
            memcmp(r, &untouched, sizeof untouched) != 0) {
            fprintf(stderr, "thread %d, %s/%d: %s, message \"%s\" (expected %s with \"%s\")\n",
                    w->index, case_name[c], v, vq_status_str(s), msg, vq_status_str(want),
                    needle);
            return 1;
        }
        return 0;
    }
}

static void *work(void *arg) {
    struct worker *w = (struct worker *)arg;
    pthread_barrier_wait(&start);
    for (int j = 0; j < w->iterations; ++j) {
        int c = (w->index + j) % ALL_CASES;
        int v = (w->index + j / ALL_CASES) % VARIANTS;
        vq_result r;
        double exact = 0.0, tol = 0.0;
        int code = 0;
        vq_status s;
        memset(&r, 0x5A, sizeof r);
        s = run_case(shared, c, v, w->index, &r, &exact, &tol, &code);
        if (check(w, c, v, s, &r, exact, tol, code))
            ++w->failed;
        else
            ++w->passed;
        if (j % 50 == 49) {
            /* Context churn next to the shared one: create, use, join. */
            vq_context *own = NULL;
            if (vq_context_new(2, &own) != VQ_OK) {
                fprintf(stderr, "thread %d: vq_context_new: %s\n", w->index, vq_last_error());
                ++w->failed;
                continue;
            }
            memset(&r, 0x5A, sizeof r);
            s = run_case(own, POLY, v, w->index, &r, &exact, &tol, &code);
            if (check(w, POLY, v, s, &r, exact, tol, code))
                ++w->failed;
            else
                ++w->passed;
            vq_context_free(own);
        }
    }
    return NULL;
}

static void on_alarm(int sig) {
    static const char msg[] = "stress: watchdog expired: deadlock or livelock\n";
    (void)sig;
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) _exit(3);
    _exit(3);
}

int main(int argc, char **argv) {
    int k = argc > 1 ? atoi(argv[1]) : 200;
    int timeout = argc > 2 ? atoi(argv[2]) : 120;
    int ctx_threads = argc > 3 ? atoi(argv[3]) : 4;
    pthread_t tid[THREADS];
    struct worker w[THREADS];
    vq_context *one = NULL;
    int passed = 0, failed = 0;

    if (k <= 0 || timeout <= 0 || ctx_threads <= 0) {
        fprintf(stderr, "usage: stress [K [timeout_seconds [context_threads]]]\n");
        return 2;
    }
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout);
    printf("vquad %s, SIMD %s: %d threads x %d integrations on one %d-thread context\n",
           vq_version(), vq_simd_isa(), THREADS, k, ctx_threads);
    fflush(stdout);

    if (vq_context_new(1, &one) != VQ_OK ||
        vq_context_new((uint32_t)ctx_threads, &shared) != VQ_OK) {
        fprintf(stderr, "vq_context_new: %s\n", vq_last_error());
        return 2;
    }
    for (int c = 0; c < CASES; ++c) {
        for (int v = 0; v < VARIANTS; ++v) {
            vq_result r;
            double exact, tol;
            int code;
            vq_status s = run_case(one, c, v, 0, &r, &exact, &tol, &code);
            if (s != VQ_OK) {
                fprintf(stderr, "reference %s/%d: %s\n", case_name[c], v, vq_last_error());
                return 2;
            }
            reference[c][v] = r.value;
        }
    }
    vq_context_free(one);

    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; ++i) {
        w[i].index = i;
        w[i].iterations = k;
        w[i].passed = w[i].failed = 0;
        if (pthread_create(&tid[i], NULL, work, &w[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 2;
        }
    }
    for (int i = 0; i < THREADS; ++i) {
        pthread_join(tid[i], NULL);
        passed += w[i].passed;
        failed += w[i].failed;
    }
    pthread_barrier_destroy(&start);
    vq_context_free(shared);
    alarm(0);
    printf("stress: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
