/*
 * vq_context_set_progress from C: the callback is called, its fractions lie
 * in [0, 1] and never decrease, the last one is 1.0, it is never called
 * more often than once per 100 ms (plus the final report), never from two
 * threads at once, a NULL callback removes it, and a NULL context is
 * refused.
 *
 * Prints one line per check and a closing "progress: N passed, M failed";
 * exits 0 only when every check passed. Built and run by
 * tests/c_reliability.rs.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "vquad.h"

static int passed, failed;

static void check(int ok, const char *what) {
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    if (ok) {
        passed++;
    } else {
        failed++;
    }
}

struct log {
    int calls;
    double first, last;
    int decreased, out_of_range;
    atomic_int inside; /* callbacks running now */
    int overlapped;
};

static void on_progress(double fraction, void *user_data) {
    struct log *l = user_data;
    if (atomic_fetch_add(&l->inside, 1) != 0) {
        l->overlapped = 1;
    }
    if (!(fraction >= 0.0 && fraction <= 1.0)) {
        l->out_of_range = 1;
    }
    if (l->calls == 0) {
        l->first = fraction;
    } else if (fraction < l->last) {
        l->decreased = 1;
    }
    l->last = fraction;
    l->calls++;
    atomic_fetch_sub(&l->inside, 1);
}

/* A callback with some work in it, so the run is long-ish. */
static double slow(double x, void *params) {
    (void)params;
    double s = x;
    for (int i = 0; i < 20; i++) {
        s = sin(s) + x;
    }
    return s;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(void) {
    vq_context *ctx = NULL;
    vq_integrand *f = NULL;
    if (vq_context_new(2, &ctx) != VQ_OK || vq_integrand_fn(slow, NULL, &f) != VQ_OK) {
        printf("setup failed: %s\n", vq_last_error());
        return 1;
    }
    check(vq_context_set_progress(NULL, on_progress, NULL) == VQ_ERR_NULL_ARG,
          "a NULL context is refused with VQ_ERR_NULL_ARG");

    struct log l = {0};
    check(vq_context_set_progress(ctx, on_progress, &l) == VQ_OK, "setting a callback succeeds");
    vq_options opts;
    vq_options_default(&opts);
    opts.rule = VQ_RULE_MIDPOINT;
    opts.n = 4000000;
    vq_result r;
    double t0 = now_ms();
    vq_status s = vq_integrate(ctx, f, 0.0, 1.0, &opts, &r);
    double elapsed = now_ms() - t0;
    check(s == VQ_OK, "the fixed-rule integration succeeds");
    check(l.calls >= 1, "progress is called");
    check(!l.out_of_range, "every fraction lies in [0, 1]");
    check(!l.decreased, "fractions never decrease");
    check(l.last == 1.0, "the last fraction of a successful call is 1.0");
    check(!l.overlapped, "the callback never runs on two threads at once");
    /* One report per 100 ms at most, plus the final 1.0. */
    check(l.calls <= 2 + (int)(elapsed / 100.0), "reports are at least 100 ms apart");
    printf("fixed: %d reports in %.0f ms, first %.3f\n", l.calls, elapsed, l.first);

    struct log a = {0};
    vq_context_set_progress(ctx, on_progress, &a);
    vq_options ad;
    vq_options_default(&ad);
    ad.rule = VQ_RULE_GAUSS_KRONROD;
    ad.epsrel = 1e-10;
    s = vq_integrate(ctx, f, 0.0, 1.0, &ad, &r);
    check(s == VQ_OK && a.calls >= 1 && a.last == 1.0 && !a.decreased && !a.out_of_range,
          "an adaptive integration reports non-decreasing fractions ending at 1.0");

    int before = l.calls + a.calls;
    check(vq_context_set_progress(ctx, NULL, NULL) == VQ_OK, "a NULL callback is accepted");
    s = vq_integrate(ctx, f, 0.0, 1.0, &opts, &r);
    check(s == VQ_OK && l.calls + a.calls == before, "a NULL callback removes the callback");

    vq_integrand_free(f);
    vq_context_free(ctx);
    printf("progress: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
