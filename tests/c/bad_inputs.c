/* The bad-input matrix of the C ABI: one test function per row.
 *
 * Every input from C is untrusted. For each bad input the row checks the
 * status, that vq_last_error() names the status and the problem, and that
 * no output was written (outputs are pre-filled with sentinels). Rows for
 * inputs that are valid edge cases (n = 1, order 0, subnormal bounds, NULL
 * params, freeing NULL, nested calls) check that they work.
 *
 * Usage: bad_inputs [substring]   runs the rows whose name contains it.
 * Prints one line per row and a closing "N passed, M failed"; exits 0 only
 * when every row passed. Built by tests/c_reliability.rs (cargo test) and by
 * .ci/jobs/reliability.sh (ASan+UBSan, valgrind, x86-64-v3 build).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vquad.h"

/* ---------------------------------------------------------------- harness */

static const char *row; /* name of the running row */

#define FAIL_IF(cond, ...)                                                   \
    do {                                                                     \
        if (cond) {                                                          \
            fprintf(stderr, "  %s (%s:%d): ", row, __FILE__, __LINE__);      \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n    vq_last_error(): \"%s\"\n", vq_last_error()); \
            return 1;                                                        \
        }                                                                    \
    } while (0)

#define CHECK(cond) FAIL_IF(!(cond), "check failed: %s", #cond)

/* The message left by reset_error(); a row's error message must differ. */
static char reset_message[512];

/* Leaves a known, unrelated message in vq_last_error(), so that a row can
 * tell its own failure's message from a stale one. */
static void reset_error(void) {
    vq_context *c = NULL;
    if (vq_context_new(5000, &c) != VQ_ERR_INVALID_ARG || c != NULL) {
        fprintf(stderr, "reset_error: vq_context_new(5000) did not fail\n");
        abort();
    }
    snprintf(reset_message, sizeof reset_message, "%s", vq_last_error());
}

/* Checks a status against the expectation and, for an error, that the
 * message is fresh, starts with the status name and contains `needle`. */
static int check_status(int line, const char *call, vq_status got, vq_status want,
                        const char *needle) {
    const char *msg = vq_last_error();
    const char *name = vq_status_str(want);
    if (got != want) {
        fprintf(stderr, "  %s (line %d): %s returned %s, expected %s\n    vq_last_error(): \"%s\"\n",
                row, line, call, vq_status_str(got), name, msg);
        return 1;
    }
    if (want == VQ_OK) return 0;
    if (msg == NULL || msg[0] == '\0' || strcmp(msg, reset_message) == 0) {
        fprintf(stderr, "  %s (line %d): %s left no fresh message: \"%s\"\n", row, line, call,
                msg ? msg : "(null)");
        return 1;
    }
    if (strncmp(msg, name, strlen(name)) != 0 || strncmp(msg + strlen(name), ": ", 2) != 0) {
        fprintf(stderr, "  %s (line %d): message does not start with \"%s: \": \"%s\"\n", row, line,
                name, msg);
        return 1;
    }
    if (needle != NULL && strstr(msg, needle) == NULL) {
        fprintf(stderr, "  %s (line %d): message lacks \"%s\": \"%s\"\n", row, line, needle, msg);
        return 1;
    }
    return 0;
}

/* EXPECT(call, VQ_ERR_..., "needle"): runs `call` after reset_error(). */
#define EXPECT(call, want, needle)                                                 \
    do {                                                                           \
        vq_status got_;                                                            \
        reset_error();                                                             \
        got_ = (call);                                                             \
        if (check_status(__LINE__, #call, got_, (want), (needle))) return 1;       \
    } while (0)

/* Sentinels: outputs are filled with a byte pattern before a call and must
 * still hold it after a failing one. */
#define SENTINEL_BYTE 0x5A
static char marker_object;
#define CTX_MARK ((vq_context *)(void *)&marker_object)
#define FN_MARK ((vq_integrand *)(void *)&marker_object)

static void fill(vq_result *r) { memset(r, SENTINEL_BYTE, sizeof *r); }

static int untouched(const vq_result *r) {
    vq_result s;
    memset(&s, SENTINEL_BYTE, sizeof s);
    return memcmp(&s, r, sizeof s) == 0;
}

/* ---------------------------------------------------------------- fixtures */

static vq_context *ctx1; /* one thread: everything on the calling thread */
static vq_context *ctx4; /* four workers */
static vq_integrand *square; /* x^2 */
static const double square_coeffs[] = {0.0, 0.0, 1.0};

static vq_options fixed(vq_rule rule, uint64_t n) {
    vq_options o;
    vq_options_default(&o);
    o.rule = rule;
    o.n = n;
    return o;
}

/* Integrates x^2 over [a, b] on ctx4 and expects `want`; on an error the
 * output must be untouched. */
static int square_on(double a, double b, vq_options o, vq_status want, const char *needle,
                     vq_result *out, int line) {
    vq_status got;
    fill(out);
    reset_error();
    got = vq_integrate(ctx4, square, a, b, &o, out);
    if (check_status(line, "vq_integrate(x^2)", got, want, needle)) return 1;
    if (want != VQ_OK && !untouched(out)) {
        fprintf(stderr, "  %s (line %d): *out was written on error\n", row, line);
        return 1;
    }
    return 0;
}

#define SQUARE(a, b, opts, want, needle, out)                                 \
    do {                                                                      \
        if (square_on((a), (b), (opts), (want), (needle), (out), __LINE__)) return 1; \
    } while (0)

static double identity_fn(double x, void *params) {
    (void)params;
    return x;
}

static int identity_batch(const double *x, double *fx, size_t n, void *params) {
    (void)params;
    for (size_t i = 0; i < n; ++i) fx[i] = x[i];
    return 0;
}

/* Number of threads of this process. */
static int thread_count(void) {
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    if (d == NULL) return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n;
}

/* ------------------------------------------------- NULL in every pointer */

static int context_new_with_null_out_is_refused(void) {
    EXPECT(vq_context_new(1, NULL), VQ_ERR_NULL_ARG, "'out'");
    EXPECT(vq_context_new(0, NULL), VQ_ERR_NULL_ARG, "'out'");
    return 0;
}

static int context_free_of_null_is_a_no_op(void) {
    reset_error();
    vq_context_free(NULL);
    CHECK(strcmp(vq_last_error(), reset_message) == 0);
    return 0;
}

static int context_cancel_of_null_is_a_no_op(void) {
    reset_error();
    vq_context_cancel(NULL);
    CHECK(strcmp(vq_last_error(), reset_message) == 0);
    return 0;
}

static int context_threads_of_null_is_zero(void) {
    reset_error();
    CHECK(vq_context_threads(NULL) == 0);
    CHECK(strcmp(vq_last_error(), reset_message) == 0);
    return 0;
}

static int integrand_poly_with_null_coeffs_is_refused(void) {
    vq_integrand *f = FN_MARK;
    EXPECT(vq_integrand_poly(NULL, 3, &f), VQ_ERR_NULL_ARG, "'coeffs'");
    CHECK(f == FN_MARK);
    EXPECT(vq_integrand_poly(NULL, 0, &f), VQ_ERR_NULL_ARG, "'coeffs'");
    CHECK(f == FN_MARK);
    return 0;
}

static int integrand_poly_with_null_out_is_refused(void) {
    EXPECT(vq_integrand_poly(square_coeffs, 3, NULL), VQ_ERR_NULL_ARG, "'out'");
    EXPECT(vq_integrand_poly(NULL, 3, NULL), VQ_ERR_NULL_ARG, "must not be NULL");
    return 0;
}

static int integrand_fn_with_null_function_is_refused(void) {
    vq_integrand *f = FN_MARK;
    EXPECT(vq_integrand_fn(NULL, NULL, &f), VQ_ERR_NULL_ARG, "'f'");
    CHECK(f == FN_MARK);
    EXPECT(vq_integrand_fn(identity_fn, NULL, NULL), VQ_ERR_NULL_ARG, "'out'");
    return 0;
}

static int integrand_batch_with_null_function_is_refused(void) {
    vq_integrand *f = FN_MARK;
    EXPECT(vq_integrand_batch(NULL, NULL, &f), VQ_ERR_NULL_ARG, "'f'");
    CHECK(f == FN_MARK);
    EXPECT(vq_integrand_batch(identity_batch, NULL, NULL), VQ_ERR_NULL_ARG, "'out'");
    return 0;
}

static int callback_params_may_be_null(void) {
    vq_integrand *f = NULL, *g = NULL;
    vq_options o = fixed(VQ_RULE_GAUSS_LEGENDRE, 1000);
    vq_result r;
    EXPECT(vq_integrand_fn(identity_fn, NULL, &f), VQ_OK, NULL);
    EXPECT(vq_integrand_batch(identity_batch, NULL, &g), VQ_OK, NULL);
    EXPECT(vq_integrate(ctx4, f, 0.0, 2.0, &o, &r), VQ_OK, NULL);
    CHECK(fabs(r.value - 2.0) < 1e-14);
    EXPECT(vq_integrate(ctx4, g, 0.0, 2.0, &o, &r), VQ_OK, NULL);
    CHECK(fabs(r.value - 2.0) < 1e-14);
    vq_integrand_free(f);
    vq_integrand_free(g);
    return 0;
}

static int integrand_free_of_null_is_a_no_op(void) {
    reset_error();
    vq_integrand_free(NULL);
    CHECK(strcmp(vq_last_error(), reset_message) == 0);
    return 0;
}

static int integrate_with_null_context_is_refused(void) {
    vq_options o = fixed(VQ_RULE_MIDPOINT, 10);
    vq_result r;
    fill(&r);
    EXPECT(vq_integrate(NULL, square, 0.0, 1.0, &o, &r), VQ_ERR_NULL_ARG, "'ctx'");
    CHECK(untouched(&r));
    return 0;
}

static int integrate_with_null_integrand_is_refused(void) {
    vq_options o = fixed(VQ_RULE_MIDPOINT, 10);
    vq_result r;
    fill(&r);
    EXPECT(vq_integrate(ctx4, NULL, 0.0, 1.0, &o, &r), VQ_ERR_NULL_ARG, "'f'");
    CHECK(untouched(&r));
    return 0;
}

static int integrate_with_null_out_is_refused(void) {
    vq_options o = fixed(VQ_RULE_MIDPOINT, 10);
    EXPECT(vq_integrate(ctx4, square, 0.0, 1.0, &o, NULL), VQ_ERR_NULL_ARG, "'out'");
    EXPECT(vq_integrate(NULL, NULL, NAN, NAN, NULL, NULL), VQ_ERR_NULL_ARG, "must not be NULL");
    return 0;
}

static int integrate_with_null_options_uses_the_defaults(void) {
    vq_options o;
    vq_result with_null, with_defaults;
    vq_status s1, s2;
    char m1[512];
    vq_options_default(&o);
    fill(&with_null);
    fill(&with_defaults);
    reset_error();
    s1 = vq_integrate(ctx4, square, 0.0, 1.0, NULL, &with_null);
    snprintf(m1, sizeof m1, "%s", vq_last_error());
    reset_error();
    s2 = vq_integrate(ctx4, square, 0.0, 1.0, &o, &with_defaults);
    FAIL_IF(s1 != s2, "NULL options gave %s, default options %s", vq_status_str(s1),
            vq_status_str(s2));
    if (s1 == VQ_OK) {
        CHECK(memcmp(&with_null.value, &with_defaults.value, sizeof(double)) == 0);
        CHECK(fabs(with_null.value - 1.0 / 3.0) < 1e-12);
    } else {
        CHECK(strcmp(m1, vq_last_error()) == 0);
        CHECK(untouched(&with_null) && untouched(&with_defaults));
    }
    return 0;
}

static int options_default_of_null_is_a_no_op(void) {
    reset_error();
    vq_options_default(NULL);
    CHECK(strcmp(vq_last_error(), reset_message) == 0);
    return 0;
}

/* ------------------------------------------------------------ bounds */

static int nan_bounds_are_refused(void) {
    vq_result r;
    vq_options o = fixed(VQ_RULE_MIDPOINT, 100);
    SQUARE(NAN, 1.0, o, VQ_ERR_INVALID_ARG, "NaN", &r);
    SQUARE(0.0, NAN, o, VQ_ERR_INVALID_ARG, "NaN", &r);
    SQUARE(NAN, NAN, o, VQ_ERR_INVALID_ARG, "NaN", &r);
    SQUARE(-NAN, INFINITY, o, VQ_ERR_INVALID_ARG, "NaN", &r);
    o.rule = VQ_RULE_GAUSS_LEGENDRE;
    SQUARE(NAN, 1.0, o, VQ_ERR_INVALID_ARG, "NaN", &r);
    return 0;
}

static int infinite_bounds_are_refused_by_fixed_rules(void) {
    static const vq_rule rules[] = {VQ_RULE_AUTO, VQ_RULE_MIDPOINT, VQ_RULE_TRAPEZOID,
                                    VQ_RULE_SIMPSON, VQ_RULE_GAUSS_LEGENDRE};
    static const double bounds[][2] = {{0.0, INFINITY},      {-INFINITY, 0.0},
                                       {-INFINITY, INFINITY}, {INFINITY, INFINITY},
                                       {-INFINITY, -INFINITY}, {INFINITY, 1.0}};
    vq_result r;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; ++i)
        for (size_t j = 0; j < sizeof bounds / sizeof bounds[0]; ++j)
            SQUARE(bounds[j][0], bounds[j][1], fixed(rules[i], 10), VQ_ERR_INVALID_ARG,
                   "finite bounds", &r);
    return 0;
}

static int an_interval_whose_width_overflows_is_refused(void) {
    vq_result r;
    SQUARE(-DBL_MAX, DBL_MAX, fixed(VQ_RULE_MIDPOINT, 10), VQ_ERR_INVALID_ARG, "overflows", &r);
    SQUARE(DBL_MAX, -DBL_MAX, fixed(VQ_RULE_SIMPSON, 10), VQ_ERR_INVALID_ARG, "overflows", &r);
    return 0;
}

static int subnormal_bounds_integrate_or_are_refused_with_a_reason(void) {
    const double tiny = DBL_TRUE_MIN; /* 2^-1074 */
    vq_result r;
    /* One panel of subnormal width: exact. */
    SQUARE(0.0, tiny, fixed(VQ_RULE_MIDPOINT, 1), VQ_OK, NULL, &r);
    CHECK(r.value == 0.0 && r.evals == 1); /* (tiny/2)^2 * tiny underflows to 0 */
    /* Panels narrower than the smallest subnormal cannot exist. */
    SQUARE(0.0, tiny, fixed(VQ_RULE_MIDPOINT, 4), VQ_ERR_INVALID_ARG, "underflows", &r);
    SQUARE(-tiny, tiny, fixed(VQ_RULE_TRAPEZOID, 5), VQ_ERR_INVALID_ARG, "underflows", &r);
    /* Subnormal but wide enough intervals work; so do subnormal endpoints of
     * ordinary intervals. */
    SQUARE(ldexp(1.0, -1070), ldexp(1.0, -1060), fixed(VQ_RULE_SIMPSON, 8), VQ_OK, NULL, &r);
    CHECK(r.value == 0.0);
    SQUARE(tiny, 1.0, fixed(VQ_RULE_GAUSS_LEGENDRE, 4), VQ_OK, NULL, &r);
    CHECK(fabs(r.value - 1.0 / 3.0) < 1e-15);
    SQUARE(-1.0, -tiny, fixed(VQ_RULE_GAUSS_LEGENDRE, 4), VQ_OK, NULL, &r);
    CHECK(fabs(r.value - 1.0 / 3.0) < 1e-15);
    return 0;
}

static int equal_and_reversed_bounds_follow_the_sign_convention(void) {
    vq_result fwd, rev, r;
    SQUARE(0.5, 0.5, fixed(VQ_RULE_MIDPOINT, 10), VQ_OK, NULL, &r);
    CHECK(r.value == 0.0 && r.evals == 0);
    SQUARE(-0.0, 0.0, fixed(VQ_RULE_SIMPSON, 10), VQ_OK, NULL, &r);
    CHECK(r.value == 0.0 && r.evals == 0);
    SQUARE(0.0, 2.0, fixed(VQ_RULE_SIMPSON, 100), VQ_OK, NULL, &fwd);
    SQUARE(2.0, 0.0, fixed(VQ_RULE_SIMPSON, 100), VQ_OK, NULL, &rev);
    CHECK(rev.value == -fwd.value && fabs(fwd.value - 8.0 / 3.0) < 1e-14);
    return 0;
}

/* ------------------------------------------------------------------- n */

static int zero_panels_are_refused_by_fixed_rules(void) {
    static const vq_rule rules[] = {VQ_RULE_MIDPOINT, VQ_RULE_TRAPEZOID, VQ_RULE_SIMPSON,
                                    VQ_RULE_GAUSS_LEGENDRE};
    vq_result r;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; ++i)
        SQUARE(0.0, 1.0, fixed(rules[i], 0), VQ_ERR_INVALID_ARG, "n >= 1", &r);
    return 0;
}

static int one_panel_works_for_every_fixed_rule(void) {
    vq_result r;
    SQUARE(0.0, 1.0, fixed(VQ_RULE_MIDPOINT, 1), VQ_OK, NULL, &r);
    CHECK(r.value == 0.25 && r.evals == 1 && r.subintervals == 1);
    SQUARE(0.0, 1.0, fixed(VQ_RULE_TRAPEZOID, 1), VQ_OK, NULL, &r);
    CHECK(r.value == 0.5 && r.evals == 2);
    SQUARE(0.0, 1.0, fixed(VQ_RULE_SIMPSON, 1), VQ_OK, NULL, &r);
    CHECK(fabs(r.value - 1.0 / 3.0) < 1e-16 && r.evals == 3);
    SQUARE(0.0, 1.0, fixed(VQ_RULE_GAUSS_LEGENDRE, 1), VQ_OK, NULL, &r);
    CHECK(fabs(r.value - 1.0 / 3.0) < 1e-16 && r.evals == 8);
    SQUARE(0.0, 1.0, fixed(VQ_RULE_AUTO, 1), VQ_OK, NULL, &r);
    CHECK(fabs(r.value - 1.0 / 3.0) < 1e-16 && r.evals == 8);
    return 0;
}

/* Counts its calls and returns NaN: an integration that evaluates anything
 * stops at its first value with VQ_ERR_NONFINITE, so a refusal that is not
 * "at once" shows as a non-zero count, never as a long run. Used on ctx1
 * (the calling thread only). */
static double counting_nan_fn(double x, void *params) {
    (void)x;
    ++*(unsigned long *)params;
    return NAN;
}

static int panel_counts_past_2_pow_53_are_refused_at_once(void) {
    static const vq_rule rules[] = {VQ_RULE_AUTO, VQ_RULE_MIDPOINT, VQ_RULE_TRAPEZOID,
                                    VQ_RULE_SIMPSON, VQ_RULE_GAUSS_LEGENDRE};
    static const uint64_t ns[] = {(UINT64_C(1) << 53) + 1, UINT64_C(1) << 63, UINT64_MAX};
    unsigned long calls = 0;
    vq_integrand *counting = NULL;
    vq_result r;
    CHECK(vq_integrand_fn(counting_nan_fn, &calls, &counting) == VQ_OK);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; ++i) {
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; ++j) {
            vq_options o = fixed(rules[i], ns[j]);
            vq_status got;
            SQUARE(0.0, 1.0, o, VQ_ERR_INVALID_ARG, "2^53", &r);
            /* "At once": refused before the integrand is called. */
            reset_error();
            got = vq_integrate(ctx1, counting, 0.0, 1.0, &o, &r);
            if (check_status(__LINE__, "vq_integrate(counting)", got, VQ_ERR_INVALID_ARG, "2^53")) {
                vq_integrand_free(counting);
                return 1;
            }
            if (calls != 0) {
                vq_integrand_free(counting);
                FAIL_IF(1, "n = %llu: the integrand was called %lu times before the refusal",
                        (unsigned long long)ns[j], calls);
            }
        }
    }
    vq_integrand_free(counting);
    return 0;
}

static int a_fixed_rule_over_its_evaluation_cap_is_refused(void) {
    vq_result r;
    vq_options o = fixed(VQ_RULE_SIMPSON, 1000);
    o.max_evals = 2000; /* Simpson needs 2001 */
    SQUARE(0.0, 1.0, o, VQ_ERR_INVALID_ARG, "max_evals", &r);
    o.max_evals = 2001;
    SQUARE(0.0, 1.0, o, VQ_OK, NULL, &r);
    return 0;
}

/* --------------------------------------------------------------- order */

static int order_zero_means_the_default_of_eight(void) {
    vq_result r0, r8;
    vq_options o = fixed(VQ_RULE_GAUSS_LEGENDRE, 1000);
    o.order = 0;
    SQUARE(0.0, 3.0, o, VQ_OK, NULL, &r0);
    o.order = 8;
    SQUARE(0.0, 3.0, o, VQ_OK, NULL, &r8);
    CHECK(memcmp(&r0.value, &r8.value, sizeof(double)) == 0 && r0.evals == 8000);
    return 0;
}

static int order_65_and_above_is_refused(void) {
    static const uint32_t orders[] = {65, 1000, UINT32_MAX};
    static const vq_rule rules[] = {VQ_RULE_GAUSS_LEGENDRE, VQ_RULE_AUTO, VQ_RULE_MIDPOINT};
    vq_result r;
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; ++i) {
        for (size_t j = 0; j < sizeof rules / sizeof rules[0]; ++j) {
            vq_options o = fixed(rules[j], 10);
            o.order = orders[i];
            SQUARE(0.0, 1.0, o, VQ_ERR_INVALID_ARG, "order", &r);
        }
    }
    {
        vq_options o = fixed(VQ_RULE_GAUSS_LEGENDRE, 10);
        o.order = 64;
        SQUARE(0.0, 1.0, o, VQ_OK, NULL, &r);
        CHECK(fabs(r.value - 1.0 / 3.0) < 1e-15 && r.evals == 640);
    }
    return 0;
}

/* ------------------------------------------------ adaptive tolerances */

static vq_options adaptive(vq_rule rule, double epsabs, double epsrel) {
    vq_options o;
    vq_options_default(&o);
    o.rule = rule;
    o.epsabs = epsabs;
    o.epsrel = epsrel;
    return o;
}

static const vq_rule adaptive_rules[] = {VQ_RULE_AUTO, VQ_RULE_GAUSS_KRONROD, VQ_RULE_TANH_SINH};
#define ADAPTIVE_RULES (sizeof adaptive_rules / sizeof adaptive_rules[0])

static int negative_or_nan_tolerances_are_refused(void) {
    static const double bad[][2] = {{-1.0, 1e-10}, {0.0, -1e-10},     {NAN, 1e-10},
                                    {1e-10, NAN},  {-INFINITY, 1e-10}, {-0.5, -0.5}};
    vq_result r;
    for (size_t i = 0; i < ADAPTIVE_RULES; ++i)
        for (size_t j = 0; j < sizeof bad / sizeof bad[0]; ++j)
            SQUARE(0.0, 1.0, adaptive(adaptive_rules[i], bad[j][0], bad[j][1]),
                   VQ_ERR_INVALID_ARG, "tolerances must be >= 0 and not NaN", &r);
    return 0;
}

static int tolerances_both_zero_are_refused(void) {
    vq_result r;
    for (size_t i = 0; i < ADAPTIVE_RULES; ++i) {
        SQUARE(0.0, 1.0, adaptive(adaptive_rules[i], 0.0, 0.0), VQ_ERR_INVALID_ARG, "both 0", &r);
        SQUARE(0.0, 1.0, adaptive(adaptive_rules[i], -0.0, 0.0), VQ_ERR_INVALID_ARG, "both 0", &r);
    }
    return 0;
}

static int adaptive_rules_meet_a_valid_tolerance(void) {
    vq_result r;
    for (size_t i = 0; i < ADAPTIVE_RULES; ++i) {
        SQUARE(0.0, 3.0, adaptive(adaptive_rules[i], 0.0, 1e-12), VQ_OK, NULL, &r);
        CHECK(fabs(r.value - 9.0) <= 1e-11 && r.abs_error <= 1e-12 * 9.0);
        SQUARE(0.0, 3.0, adaptive(adaptive_rules[i], 1e-9, 0.0), VQ_OK, NULL, &r);
        CHECK(fabs(r.value - 9.0) <= 1e-9);
        SQUARE(3.0, 3.0, adaptive(adaptive_rules[i], 1e-9, 0.0), VQ_OK, NULL, &r);
        CHECK(r.value == 0.0 && r.evals == 0);
    }
    return 0;
}

static double exp_minus_x(double x, void *params) {
    (void)params;
    return exp(-x);
}

static double lorentzian(double x, void *params) {
    (void)params;
    return 1.0 / (1.0 + x * x);
}

static int infinite_bounds_work_with_adaptive_rules(void) {
    const double pi = 3.14159265358979323846;
    vq_integrand *f = NULL, *g = NULL;
    EXPECT(vq_integrand_fn(exp_minus_x, NULL, &f), VQ_OK, NULL);
    EXPECT(vq_integrand_fn(lorentzian, NULL, &g), VQ_OK, NULL);
    for (size_t i = 0; i < ADAPTIVE_RULES; ++i) {
        vq_options o = adaptive(adaptive_rules[i], 0.0, 1e-10);
        vq_result r;
        EXPECT(vq_integrate(ctx4, f, 0.0, INFINITY, &o, &r), VQ_OK, NULL);
        FAIL_IF(fabs(r.value - 1.0) > 1e-9, "rule %d: %.17g", adaptive_rules[i], r.value);
        EXPECT(vq_integrate(ctx4, g, -INFINITY, INFINITY, &o, &r), VQ_OK, NULL);
        FAIL_IF(fabs(r.value - pi) > 1e-9, "rule %d: %.17g", adaptive_rules[i], r.value);
        EXPECT(vq_integrate(ctx4, f, INFINITY, 0.0, &o, &r), VQ_OK, NULL);
        FAIL_IF(fabs(r.value + 1.0) > 1e-9, "rule %d: %.17g", adaptive_rules[i], r.value);
    }
    vq_integrand_free(f);
    vq_integrand_free(g);
    return 0;
}

static double log_abs(double x, void *params) {
    (void)params;
    return x == 0.0 ? 0.0 : log(fabs(x));
}

static int an_exhausted_budget_still_writes_the_best_estimate(void) {
    /* The one documented exception to "outputs only on success". */
    vq_integrand *f = NULL;
    EXPECT(vq_integrand_fn(log_abs, NULL, &f), VQ_OK, NULL);
    for (size_t i = 1; i < ADAPTIVE_RULES; ++i) {
        vq_options o = adaptive(adaptive_rules[i], 0.0, 1e-13);
        vq_result r;
        o.max_evals = 200;
        fill(&r);
        EXPECT(vq_integrate(ctx4, f, -1.0, 2.0, &o, &r), VQ_ERR_MAX_EVALS, "budget ran out");
        CHECK(!untouched(&r) && r.evals <= 200 && isfinite(r.value));
        /* log 2 + log 2 ... : 2 ln 2 - 3 */
        FAIL_IF(fabs(r.value - (2.0 * log(2.0) - 3.0)) > 0.1, "estimate %.17g", r.value);
    }
    vq_integrand_free(f);
    return 0;
}

static int budgets_below_one_rule_are_refused(void) {
    vq_result r;
    vq_options o = adaptive(VQ_RULE_GAUSS_KRONROD, 0.0, 1e-10);
    o.max_evals = 5;
    SQUARE(0.0, 1.0, o, VQ_ERR_INVALID_ARG, "max_evals = 5 is below", &r);
    o.rule = VQ_RULE_TANH_SINH;
    SQUARE(0.0, 1.0, o, VQ_ERR_INVALID_ARG, "max_evals = 5 is below", &r);
    return 0;
}

static int gauss_kronrod_orders_without_a_table_are_refused(void) {
    static const uint32_t orders[] = {1, 8, 11, 64};
    vq_result r;
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; ++i) {
        vq_options o = adaptive(VQ_RULE_GAUSS_KRONROD, 0.0, 1e-10);
        char needle[64];
        o.order = orders[i];
        snprintf(needle, sizeof needle, "gauss-kronrod order %u is not available", orders[i]);
        SQUARE(0.0, 1.0, o, VQ_ERR_INVALID_ARG, needle, &r);
    }
    return 0;
}

/* --------------------------------------------------------------- enums */

static int unknown_rule_values_are_refused(void) {
    static const int codes[] = {-1, 11, 99, 42, INT_MAX, INT_MIN}; /* 7 is VQ_RULE_GENZ_MALIK; 8-10 the sampling rules */
    vq_result r;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; ++i) {
        vq_options o = fixed((vq_rule)codes[i], 10);
        char needle[64];
        snprintf(needle, sizeof needle, "unknown rule value %d", codes[i]);
        SQUARE(0.0, 1.0, o, VQ_ERR_INVALID_ARG, needle, &r);
    }
    return 0;
}

static int unknown_status_values_have_a_name(void) {
    static const int codes[] = {-1, 11, 99, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; ++i)
        CHECK(strcmp(vq_status_str((vq_status)codes[i]), "VQ_ERR_UNKNOWN") == 0);
    CHECK(strcmp(vq_status_str(VQ_ERR_CANCELLED), "VQ_ERR_CANCELLED") == 0);
    CHECK(strcmp(vq_status_str(VQ_OK), "VQ_OK") == 0);
    return 0;
}

/* ------------------------------------------------------- thread counts */

static int thread_count_zero_means_the_environment_or_all_cpus(void) {
    vq_context *c = NULL;
    vq_result r;
    vq_options o = fixed(VQ_RULE_MIDPOINT, 100000);
    setenv("VQUAD_NUM_THREADS", "3", 1);
    EXPECT(vq_context_new(0, &c), VQ_OK, NULL);
    CHECK(vq_context_threads(c) == 3);
    EXPECT(vq_integrate(c, square, 0.0, 1.0, &o, &r), VQ_OK, NULL);
    CHECK(r.threads == 3 && fabs(r.value - 1.0 / 3.0) < 1e-10);
    vq_context_free(c);
    c = NULL;
    unsetenv("VQUAD_NUM_THREADS");
    EXPECT(vq_context_new(0, &c), VQ_OK, NULL);
    CHECK(vq_context_threads(c) >= 1 && vq_context_threads(c) <= 4096);
    vq_context_free(c);
    return 0;
}

static int a_bad_thread_environment_variable_is_refused(void) {
    static const char *values[] = {"lots", "-1", "0", "4097", "99999999999999999999999", "3x"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; ++i) {
        vq_context *c = CTX_MARK;
        setenv("VQUAD_NUM_THREADS", values[i], 1);
        reset_error();
        if (check_status(__LINE__, values[i], vq_context_new(0, &c), VQ_ERR_INVALID_ARG,
                         strcmp(values[i], "0") == 0 || strcmp(values[i], "4097") == 0
                             ? "thread count"
                             : "VQUAD_NUM_THREADS")) {
            unsetenv("VQUAD_NUM_THREADS");
            return 1;
        }
        CHECK(c == CTX_MARK);
    }
    unsetenv("VQUAD_NUM_THREADS");
    return 0;
}

static int a_bad_binding_environment_variable_is_refused(void) {
    static const char *values[] = {"compact", "true", "CORES", "0"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; ++i) {
        vq_context *c = CTX_MARK;
        setenv("VQUAD_BIND", values[i], 1);
        reset_error();
        if (check_status(__LINE__, values[i], vq_context_new(2, &c), VQ_ERR_INVALID_ARG,
                         "VQUAD_BIND")) {
            unsetenv("VQUAD_BIND");
            return 1;
        }
        CHECK(c == CTX_MARK);
    }
    static const char *good[] = {"auto", "off", "cores", " cores ", "close", "spread", ""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; ++i) {
        vq_context *c = NULL;
        vq_result r;
        vq_options o = fixed(VQ_RULE_MIDPOINT, 100000);
        setenv("VQUAD_BIND", good[i], 1);
        EXPECT(vq_context_new(3, &c), VQ_OK, NULL);
        EXPECT(vq_integrate(c, square, 0.0, 1.0, &o, &r), VQ_OK, NULL);
        CHECK(r.threads == 3 && fabs(r.value - 1.0 / 3.0) < 1e-10);
        vq_context_free(c);
    }
    unsetenv("VQUAD_BIND");
    return 0;
}

static int one_thread_runs_on_the_caller(void) {
    vq_result r;
    vq_options o = fixed(VQ_RULE_MIDPOINT, 1000000);
    CHECK(vq_context_threads(ctx1) == 1);
    EXPECT(vq_integrate(ctx1, square, 0.0, 1.0, &o, &r), VQ_OK, NULL);
    CHECK(r.threads == 1 && fabs(r.value - 1.0 / 3.0) < 1e-12);
    return 0;
}

static int absurd_thread_counts_are_refused(void) {
    static const uint32_t counts[] = {UINT32_C(1) << 30, 4097, UINT32_MAX};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; ++i) {
        vq_context *c = CTX_MARK;
        char needle[64];
        snprintf(needle, sizeof needle, "thread count %u is out of range", counts[i]);
        EXPECT(vq_context_new(counts[i], &c), VQ_ERR_INVALID_ARG, needle);
        CHECK(c == CTX_MARK);
    }
    return 0;
}

static int freeing_a_context_joins_its_threads(void) {
    int before = thread_count(), during, after;
    vq_context *c = NULL;
    if (before < 0) return 0; /* no /proc: nothing to count */
    EXPECT(vq_context_new(6, &c), VQ_OK, NULL);
    during = thread_count();
    vq_context_free(c);
    after = thread_count();
    FAIL_IF(during != before + 6 || after != before,
            "threads: %d before, %d with a 6-thread context, %d after freeing it", before, during,
            after);
    return 0;
}

/* ---------------------------------------------------- polynomial inputs */

static int polynomial_lengths_out_of_range_are_refused(void) {
    static const size_t lens[] = {0, 4097, SIZE_MAX};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; ++i) {
        vq_integrand *f = FN_MARK;
        /* Only one double is readable: a refused length must not be read. */
        EXPECT(vq_integrand_poly(square_coeffs, lens[i], &f), VQ_ERR_INVALID_ARG, "len = ");
        CHECK(f == FN_MARK);
    }
    return 0;
}

static int non_finite_polynomial_coefficients_are_refused(void) {
    const double bad[][2] = {{1.0, NAN}, {INFINITY, 0.0}, {0.0, -INFINITY}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        vq_integrand *f = FN_MARK;
        EXPECT(vq_integrand_poly(bad[i], 2, &f), VQ_ERR_INVALID_ARG, "not finite");
        CHECK(f == FN_MARK);
    }
    return 0;
}

/* ------------------------------------------------------------ callbacks */

static double nan_above_half(double x, void *params) {
    (void)params;
    return x > 0.5 ? NAN : x;
}

static double inf_everywhere(double x, void *params) {
    (void)x;
    (void)params;
    return INFINITY;
}

static double huge_everywhere(double x, void *params) {
    (void)x;
    (void)params;
    return DBL_MAX;
}

static int callbacks_returning_nan_or_inf_are_reported_with_the_abscissa(void) {
    vq_integrand *f = NULL, *g = NULL;
    vq_result r;
    vq_context *ctxs[2];
    ctxs[0] = ctx1;
    ctxs[1] = ctx4;
    EXPECT(vq_integrand_fn(nan_above_half, NULL, &f), VQ_OK, NULL);
    EXPECT(vq_integrand_fn(inf_everywhere, NULL, &g), VQ_OK, NULL);
    for (int i = 0; i < 2; ++i) {
        vq_options o = fixed(VQ_RULE_MIDPOINT, 100000);
        fill(&r);
        /* First non-finite point: the midpoint of panel 50000. */
        EXPECT(vq_integrate(ctxs[i], f, 0.0, 1.0, &o, &r), VQ_ERR_NONFINITE, "x = 5.0000");
        CHECK(untouched(&r));
        o.rule = VQ_RULE_TRAPEZOID;
        EXPECT(vq_integrate(ctxs[i], g, 0.0, 1.0, &o, &r), VQ_ERR_NONFINITE, "x = 0e0");
        CHECK(untouched(&r));
    }
    vq_integrand_free(f);
    vq_integrand_free(g);
    return 0;
}

static int finite_callback_values_whose_sum_overflows_are_reported(void) {
    vq_integrand *f = NULL;
    vq_result r;
    vq_options o = fixed(VQ_RULE_MIDPOINT, 100000);
    EXPECT(vq_integrand_fn(huge_everywhere, NULL, &f), VQ_OK, NULL);
    fill(&r);
    EXPECT(vq_integrate(ctx4, f, 0.0, 1.0, &o, &r), VQ_ERR_NONFINITE, "overflowed");
    CHECK(untouched(&r));
    vq_integrand_free(f);
    return 0;
}

static int an_integral_too_large_for_a_double_is_reported(void) {
    /* Finite values and sums; only the result overflows. */
    static const double huge[] = {1e300};
    static const vq_rule rules[] = {VQ_RULE_MIDPOINT, VQ_RULE_TRAPEZOID, VQ_RULE_SIMPSON,
                                    VQ_RULE_GAUSS_LEGENDRE};
    vq_integrand *f = NULL;
    EXPECT(vq_integrand_poly(huge, 1, &f), VQ_OK, NULL);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; ++i) {
        vq_result r;
        vq_options o = fixed(rules[i], 1);
        fill(&r);
        EXPECT(vq_integrate(ctx4, f, 0.0, 1e10, &o, &r), VQ_ERR_NONFINITE, "overflowed");
        CHECK(untouched(&r));
    }
    vq_integrand_free(f);
    return 0;
}

struct abort_at {
    double x;   /* abort on any abscissa above this */
    int code;   /* with this return value */
};

static int aborting_batch(const double *x, double *fx, size_t n, void *params) {
    const struct abort_at *a = (const struct abort_at *)params;
    for (size_t i = 0; i < n; ++i) {
        if (x[i] > a->x) return a->code;
        fx[i] = 1.0;
    }
    return 0;
}

static int nan_batch(const double *x, double *fx, size_t n, void *params) {
    (void)params;
    for (size_t i = 0; i < n; ++i) fx[i] = x[i] < 0.25 ? 1.0 : NAN;
    return 0;
}

static int batch_callbacks_that_abort_stop_the_integration(void) {
    static const int codes[] = {42, -1, INT_MIN, INT_MAX};
    vq_context *ctxs[2];
    ctxs[0] = ctx1;
    ctxs[1] = ctx4;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; ++i) {
        struct abort_at a;
        vq_integrand *f = NULL;
        char needle[64];
        a.x = i % 2 ? -1.0 : 0.9; /* everywhere, or only in the last tasks */
        a.code = codes[i];
        snprintf(needle, sizeof needle, "returned %d", codes[i]);
        EXPECT(vq_integrand_batch(aborting_batch, &a, &f), VQ_OK, NULL);
        for (int c = 0; c < 2; ++c) {
            vq_result r;
            vq_options o = fixed(VQ_RULE_MIDPOINT, 200000);
            fill(&r);
            EXPECT(vq_integrate(ctxs[c], f, 0.0, 1.0, &o, &r), VQ_ERR_CALLBACK, needle);
            CHECK(untouched(&r));
        }
        vq_integrand_free(f);
    }
    return 0;
}

static int batch_callbacks_writing_nan_are_reported(void) {
    vq_integrand *f = NULL;
    vq_result r;
    vq_options o = fixed(VQ_RULE_GAUSS_LEGENDRE, 50000);
    EXPECT(vq_integrand_batch(nan_batch, NULL, &f), VQ_OK, NULL);
    fill(&r);
    EXPECT(vq_integrate(ctx4, f, 0.0, 1.0, &o, &r), VQ_ERR_NONFINITE, "x = 2.5");
    CHECK(untouched(&r));
    vq_integrand_free(f);
    return 0;
}

struct nested {
    vq_context *ctx;
    vq_integrand *inner;
    vq_options opts;
};

/* x -> integral of the inner integrand over [0, x], on the same context. */
static double nested_fn(double x, void *params) {
    const struct nested *p = (const struct nested *)params;
    vq_result r;
    if (vq_integrate(p->ctx, p->inner, 0.0, x, &p->opts, &r) != VQ_OK) return NAN;
    return r.value;
}

static int a_callback_may_integrate_on_the_context_running_it(void) {
    vq_context *ctxs[2];
    ctxs[0] = ctx1;
    ctxs[1] = ctx4;
    for (int c = 0; c < 2; ++c) {
        /* integral over [0,1] of integral over [0,x] of y^2 = 1/12 */
        struct nested p;
        vq_integrand *f = NULL;
        vq_result r;
        vq_options o = fixed(VQ_RULE_GAUSS_LEGENDRE, 2000);
        p.ctx = ctxs[c];
        p.inner = square;
        p.opts = fixed(VQ_RULE_GAUSS_LEGENDRE, 2);
        EXPECT(vq_integrand_fn(nested_fn, &p, &f), VQ_OK, NULL);
        EXPECT(vq_integrate(ctxs[c], f, 0.0, 1.0, &o, &r), VQ_OK, NULL);
        CHECK(fabs(r.value - 1.0 / 12.0) < 1e-15);
        /* A failing inner call surfaces as a non-finite outer value. */
        p.opts.n = 0;
        fill(&r);
        EXPECT(vq_integrate(ctxs[c], f, 0.0, 1.0, &o, &r), VQ_ERR_NONFINITE, "non-finite");
        CHECK(untouched(&r));
        vq_integrand_free(f);
    }
    return 0;
}

/* ---------------------------------------------------------- expressions */

/* A malloc'ed string: `prefix`, then `middle` repeated `times`, then
 * `suffix`. */
static char *repeat(const char *prefix, const char *middle, size_t times, const char *suffix) {
    size_t lp = strlen(prefix), lm = strlen(middle), ls = strlen(suffix);
    char *s = malloc(lp + lm * times + ls + 1), *p = s;
    if (s == NULL) abort();
    memcpy(p, prefix, lp);
    p += lp;
    for (size_t i = 0; i < times; ++i, p += lm) memcpy(p, middle, lm);
    memcpy(p, suffix, ls + 1);
    return s;
}

/* vq_integrand_expr(text) must fail with `want` and a message with
 * `needle` (the length or depth check that refuses before any recursive
 * work), and leave *out untouched. */
static int expr_refused(int line, const char *what, const char *text, vq_status want,
                        const char *needle) {
    vq_integrand *f = FN_MARK;
    vq_status got;
    reset_error();
    got = vq_integrand_expr(text, &f);
    if (check_status(line, what, got, want, needle)) return 1;
    if (f != FN_MARK) {
        fprintf(stderr, "  %s (line %d): %s wrote *out on error\n", row, line, what);
        return 1;
    }
    return 0;
}

#define EXPR_REFUSED(what, text, want, needle)                                      \
    do {                                                                            \
        if (expr_refused(__LINE__, (what), (text), (want), (needle))) return 1;      \
    } while (0)

static int integrand_expr_with_null_pointers_is_refused(void) {
    vq_integrand *f = FN_MARK;
    EXPECT(vq_integrand_expr(NULL, &f), VQ_ERR_NULL_ARG, "'expr'");
    CHECK(f == FN_MARK);
    EXPECT(vq_integrand_expr("x", NULL), VQ_ERR_NULL_ARG, "'out'");
    EXPECT(vq_integrand_expr(NULL, NULL), VQ_ERR_NULL_ARG, "must not be NULL");
    return 0;
}

static int empty_and_blank_expressions_are_refused(void) {
    EXPR_REFUSED("empty", "", VQ_ERR_PARSE, "empty expression");
    EXPR_REFUSED("spaces", "   ", VQ_ERR_PARSE, "empty expression");
    EXPR_REFUSED("whitespace", " \t\n \t\n", VQ_ERR_PARSE, "empty expression");
    EXPR_REFUSED("empty parentheses", "( )", VQ_ERR_PARSE, "column 3");
    return 0;
}

static int expressions_in_invalid_utf8_are_refused(void) {
    EXPR_REFUSED("lone byte", "\xff", VQ_ERR_INVALID_ARG, "UTF-8");
    EXPR_REFUSED("truncated sequence", "x + \xc3", VQ_ERR_INVALID_ARG, "UTF-8");
    EXPR_REFUSED("surrogate", "x*\xed\xa0\x80", VQ_ERR_INVALID_ARG, "UTF-8");
    EXPR_REFUSED("overlong slash", "x\xc0\xaf" "2", VQ_ERR_INVALID_ARG, "UTF-8");
    return 0;
}

static int a_1_mb_expression_is_refused_at_once(void) {
    char *text = repeat("x", "+x", 512 * 1024, ""); /* 1 MiB + 1 byte */
    int rc = expr_refused(__LINE__, "1 MiB", text, VQ_ERR_PARSE, "too long");
    free(text);
    return rc;
}

static int expressions_nested_100000_deep_are_refused_without_overflowing_the_stack(void) {
    static const struct {
        const char *what, *open, *middle, *close, *needle;
    } deep[] = {
        /* 100 000 levels each; longer than MAX_LEN as well, so the
         * depth is also tried within the length limit below. */
        {"parentheses", "(", "", ")", NULL},
        {"prefix minus", "-", "", "", NULL},
        {"calls", "sin(", "", ")", NULL},
        {"exponents", "x^", "", "", NULL},
    };
    for (size_t i = 0; i < sizeof deep / sizeof deep[0]; ++i) {
        size_t levels[2] = {100000, 20000}; /* 20 000: within 64 KiB */
        for (int k = 0; k < 2; ++k) {
            char *open = repeat("", deep[i].open, levels[k], "x");
            char *text = repeat(open, deep[i].close, levels[k], "");
            const char *needle = strlen(text) > 65536 ? "too long" : "nesting too deep";
            int rc = expr_refused(__LINE__, deep[i].what, text, VQ_ERR_PARSE, needle);
            free(open);
            free(text);
            if (rc) return 1;
        }
    }
    return 0;
}

static int a_long_flat_expression_is_accepted(void) {
    /* 30 000 terms: within the length limit, and a left-associative chain
     * does not count as nesting. */
    char *text = repeat("x", "+x", 29999, "");
    vq_integrand *f = NULL;
    vq_result r;
    vq_options o = fixed(VQ_RULE_GAUSS_LEGENDRE, 100);
    EXPECT(vq_integrand_expr(text, &f), VQ_OK, NULL);
    free(text);
    EXPECT(vq_integrate(ctx4, f, 0.0, 1.0, &o, &r), VQ_OK, NULL);
    CHECK(fabs(r.value - 15000.0) < 1e-8);
    vq_integrand_free(f);
    return 0;
}

static int expression_syntax_errors_name_the_column(void) {
    EXPR_REFUSED("unknown function", "sinn(x)", VQ_ERR_PARSE, "unknown function 'sinn' at column 1");
    EXPR_REFUSED("unknown variable", "x + y", VQ_ERR_PARSE, "unknown variable 'y' at column 5");
    EXPR_REFUSED("unclosed", "(x + 1", VQ_ERR_PARSE, "column 7");
    EXPR_REFUSED("stray parenthesis", "x)", VQ_ERR_PARSE, "column 2");
    EXPR_REFUSED("bad character", "x $ 2", VQ_ERR_PARSE, "column 3");
    EXPR_REFUSED("arity", "pow(x)", VQ_ERR_PARSE, "pow");
    return 0;
}

static int expressions_that_are_not_finite_in_the_range_are_reported(void) {
    vq_integrand *f = NULL, *g = NULL;
    vq_result r;
    vq_options o = fixed(VQ_RULE_MIDPOINT, 100000);
    EXPECT(vq_integrand_expr("log(x)", &f), VQ_OK, NULL);
    fill(&r);
    EXPECT(vq_integrate(ctx4, f, -1.0, 1.0, &o, &r), VQ_ERR_NONFINITE, "x = -9.9999e-1");
    CHECK(untouched(&r));
    EXPECT(vq_integrand_expr("1/x", &g), VQ_OK, NULL);
    o = fixed(VQ_RULE_TRAPEZOID, 2);
    fill(&r);
    EXPECT(vq_integrate(ctx4, g, -1.0, 1.0, &o, &r), VQ_ERR_NONFINITE, "x = 0e0");
    CHECK(untouched(&r));
    vq_integrand_free(f);
    vq_integrand_free(g);
    return 0;
}

/* ------------------------------------------------ CPU guard, last error */

static int a_missing_compiled_in_cpu_feature_is_refused(void) {
    const char *isa = vq_simd_isa();
    const char *feature = strstr(isa, "avx512f") ? "avx512f" : strstr(isa, "avx2") ? "avx2"
                                                              : strstr(isa, "avx")  ? "avx"
                                                                                    : NULL;
    vq_context *c = CTX_MARK;
    if (feature == NULL) return 0; /* nothing x86 SIMD compiled in to hide */
    reset_error(); /* before hiding: it creates a context */
    setenv("VQUAD_TEST_HIDE_CPU_FEATURES", feature, 1);
    if (check_status(__LINE__, "vq_context_new", vq_context_new(2, &c), VQ_ERR_UNSUPPORTED_CPU,
                     feature)) {
        unsetenv("VQUAD_TEST_HIDE_CPU_FEATURES");
        return 1;
    }
    unsetenv("VQUAD_TEST_HIDE_CPU_FEATURES");
    CHECK(c == CTX_MARK);
    EXPECT(vq_context_new(2, &c), VQ_OK, NULL);
    vq_context_free(c);
    return 0;
}

static void *read_last_error(void *arg) {
    (void)arg;
    return (void *)(vq_last_error()[0] == '\0' ? "" : "not empty");
}

static int the_last_error_is_per_thread_and_kept_by_successes(void) {
    pthread_t t;
    void *seen = NULL;
    vq_result r;
    vq_options o = fixed(VQ_RULE_MIDPOINT, 10);
    EXPECT(vq_context_new(UINT32_C(1) << 30, NULL), VQ_ERR_NULL_ARG, "'out'");
    CHECK(pthread_create(&t, NULL, read_last_error, NULL) == 0);
    CHECK(pthread_join(t, &seen) == 0);
    CHECK(strcmp((const char *)seen, "") == 0);
    CHECK(strstr(vq_last_error(), "'out'") != NULL);
    CHECK(vq_integrate(ctx4, square, 0.0, 1.0, &o, &r) == VQ_OK);
    CHECK(strstr(vq_last_error(), "'out'") != NULL);
    return 0;
}

static pthread_key_t exit_key;
static vq_integrand *exit_expr; /* x*x */

/* Runs in a pthread key destructor, after the thread's C++/Rust thread-local
 * destructors have run: vquad must still answer, not abort. */
static void at_thread_exit(void *arg) {
    int *ok = (int *)arg;
    vq_context *c = CTX_MARK;
    vq_result r;
    vq_options o = fixed(VQ_RULE_MIDPOINT, 100000);
    vq_status s = vq_context_new(UINT32_C(1) << 30, &c);
    const char *msg = vq_last_error();
    *ok = s == VQ_ERR_INVALID_ARG && c == CTX_MARK && strstr(msg, "thread count") != NULL;
    /* A whole integration on the shared pool works too, and so does an
     * expression evaluated on this (exiting) thread. */
    s = vq_integrate(ctx4, square, 0.0, 1.0, &o, &r);
    *ok = *ok && s == VQ_OK && fabs(r.value - 1.0 / 3.0) < 1e-10;
    s = vq_integrate(ctx1, exit_expr, 0.0, 1.0, &o, &r);
    if (s != VQ_OK) fprintf(stderr, "  at thread exit: %s\n", vq_last_error());
    *ok = *ok && s == VQ_OK && fabs(r.value - 1.0 / 3.0) < 1e-10;
}

static void *fail_then_exit(void *arg) {
    vq_context *c = CTX_MARK;
    vq_result r;
    vq_options o = fixed(VQ_RULE_MIDPOINT, 1000);
    pthread_setspecific(exit_key, arg);
    /* Evaluate the expression on this thread once, so that its thread-local
     * scratch space exists, and is destroyed at exit. */
    if (vq_integrate(ctx1, exit_expr, 0.0, 1.0, &o, &r) != VQ_OK) return NULL;
    /* Use the thread-local message once, so that it has a destructor. */
    if (vq_context_new(UINT32_C(1) << 30, &c) != VQ_ERR_INVALID_ARG) return NULL;
    (void)vq_last_error();
    return NULL;
}

static int errors_during_thread_exit_do_not_abort(void) {
    pthread_t t;
    int ok = 0;
    EXPECT(vq_integrand_expr("x*x", &exit_expr), VQ_OK, NULL);
    CHECK(pthread_key_create(&exit_key, at_thread_exit) == 0);
    CHECK(pthread_create(&t, NULL, fail_then_exit, &ok) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    pthread_key_delete(exit_key);
    vq_integrand_free(exit_expr);
    CHECK(ok == 1);
    return 0;
}

static int version_and_isa_are_static_strings(void) {
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", VQUAD_VERSION_MAJOR, VQUAD_VERSION_MINOR,
             VQUAD_VERSION_PATCH);
    CHECK(strcmp(vq_version(), expect) == 0);
    CHECK(vq_simd_isa()[0] != '\0' && vq_simd_isa() == vq_simd_isa());
    return 0;
}

/* ----------------------------------------------------------------- main */

struct test {
    const char *name;
    int (*fn)(void);
};

#define T(f) {#f, f}
static const struct test tests[] = {
    T(context_new_with_null_out_is_refused),
    T(context_free_of_null_is_a_no_op),
    T(context_threads_of_null_is_zero),
    T(context_cancel_of_null_is_a_no_op),
    T(integrand_poly_with_null_coeffs_is_refused),
    T(integrand_poly_with_null_out_is_refused),
    T(integrand_fn_with_null_function_is_refused),
    T(integrand_batch_with_null_function_is_refused),
    T(callback_params_may_be_null),
    T(integrand_free_of_null_is_a_no_op),
    T(integrate_with_null_context_is_refused),
    T(integrate_with_null_integrand_is_refused),
    T(integrate_with_null_out_is_refused),
    T(integrate_with_null_options_uses_the_defaults),
    T(options_default_of_null_is_a_no_op),
    T(nan_bounds_are_refused),
    T(infinite_bounds_are_refused_by_fixed_rules),
    T(an_interval_whose_width_overflows_is_refused),
    T(subnormal_bounds_integrate_or_are_refused_with_a_reason),
    T(equal_and_reversed_bounds_follow_the_sign_convention),
    T(zero_panels_are_refused_by_fixed_rules),
    T(one_panel_works_for_every_fixed_rule),
    T(panel_counts_past_2_pow_53_are_refused_at_once),
    T(a_fixed_rule_over_its_evaluation_cap_is_refused),
    T(negative_or_nan_tolerances_are_refused),
    T(tolerances_both_zero_are_refused),
    T(adaptive_rules_meet_a_valid_tolerance),
    T(infinite_bounds_work_with_adaptive_rules),
    T(an_exhausted_budget_still_writes_the_best_estimate),
    T(budgets_below_one_rule_are_refused),
    T(gauss_kronrod_orders_without_a_table_are_refused),
    T(order_zero_means_the_default_of_eight),
    T(order_65_and_above_is_refused),
    T(unknown_rule_values_are_refused),
    T(unknown_status_values_have_a_name),
    T(thread_count_zero_means_the_environment_or_all_cpus),
    T(a_bad_thread_environment_variable_is_refused),
    T(a_bad_binding_environment_variable_is_refused),
    T(one_thread_runs_on_the_caller),
    T(absurd_thread_counts_are_refused),
    T(freeing_a_context_joins_its_threads),
    T(polynomial_lengths_out_of_range_are_refused),
    T(non_finite_polynomial_coefficients_are_refused),
    T(callbacks_returning_nan_or_inf_are_reported_with_the_abscissa),
    T(finite_callback_values_whose_sum_overflows_are_reported),
    T(an_integral_too_large_for_a_double_is_reported),
    T(batch_callbacks_that_abort_stop_the_integration),
    T(batch_callbacks_writing_nan_are_reported),
    T(a_callback_may_integrate_on_the_context_running_it),
    T(integrand_expr_with_null_pointers_is_refused),
    T(empty_and_blank_expressions_are_refused),
    T(expressions_in_invalid_utf8_are_refused),
    T(a_1_mb_expression_is_refused_at_once),
    T(expressions_nested_100000_deep_are_refused_without_overflowing_the_stack),
    T(a_long_flat_expression_is_accepted),
    T(expression_syntax_errors_name_the_column),
    T(expressions_that_are_not_finite_in_the_range_are_reported),
    T(a_missing_compiled_in_cpu_feature_is_refused),
    T(the_last_error_is_per_thread_and_kept_by_successes),
    T(errors_during_thread_exit_do_not_abort),
    T(version_and_isa_are_static_strings),
};

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    unsetenv("VQUAD_NUM_THREADS");
    unsetenv("VQUAD_BIND");
    unsetenv("VQUAD_TEST_HIDE_CPU_FEATURES");
    printf("vquad %s, SIMD %s\n", vq_version(), vq_simd_isa());
    if (vq_context_new(1, &ctx1) != VQ_OK || vq_context_new(4, &ctx4) != VQ_OK ||
        vq_integrand_poly(square_coeffs, 3, &square) != VQ_OK) {
        fprintf(stderr, "fixtures: %s\n", vq_last_error());
        return 2;
    }
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; ++i) {
        if (filter != NULL && strstr(tests[i].name, filter) == NULL) continue;
        row = tests[i].name;
        if (tests[i].fn() == 0) {
            ++passed;
            printf("ok   %s\n", row);
        } else {
            ++failed;
            printf("FAIL %s\n", row);
        }
        fflush(stdout);
    }
    vq_integrand_free(square);
    vq_context_free(ctx4);
    vq_context_free(ctx1);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
