/* The multi-D C contract: vq_integrand_nd_fn, vq_integrand_nd_batch,
 * vq_integrand_expr_nd, vq_integrand_shape and vq_integrate_nd.
 *
 * Bad-input rows check the status, that vq_last_error() starts with the
 * status name and names the problem, and that no output was written
 * (outputs hold sentinels). Other rows pin the outputs' semantics, the 1-D
 * agreement with vq_integrate, and the same bits on 1, 2, 3, 8 and 16
 * threads for adaptive and fixed rules and vector integrands.
 *
 * Usage: nd_contract [substring]   runs the rows whose name contains it.
 * Prints one line per row and a closing "N passed, M failed".
 * Built and run by tests/c_reliability.rs.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vquad.h"

static const char *row;

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

/* EXPECT(call, status, needle): the call returns `status`, and for an error
 * the message starts with the status name and contains `needle`. */
#define EXPECT(call, want, needle)                                                   \
    do {                                                                             \
        vq_status got_ = (call);                                                     \
        const char *msg_ = vq_last_error();                                          \
        FAIL_IF(got_ != (want), "%s returned %s, expected %s", #call,                \
                vq_status_str(got_), vq_status_str(want));                           \
        if ((want) != VQ_OK) {                                                       \
            FAIL_IF(strncmp(msg_, vq_status_str(want), strlen(vq_status_str(want))), \
                    "message does not start with the status name");                  \
            FAIL_IF(strstr(msg_, (needle)) == NULL, "message lacks \"%s\"", (needle)); \
        }                                                                            \
    } while (0)

#define SENTINEL 0x5A
static vq_result res;
static double vals[4], errs[4];

static void fill(void) {
    memset(&res, SENTINEL, sizeof res);
    memset(vals, SENTINEL, sizeof vals);
    memset(errs, SENTINEL, sizeof errs);
}

static int untouched(void) {
    unsigned char s[sizeof res];
    const unsigned char *v = (const unsigned char *)vals, *e = (const unsigned char *)errs;
    size_t i;
    memset(s, SENTINEL, sizeof s);
    if (memcmp(s, &res, sizeof res) != 0) return 0;
    for (i = 0; i < sizeof vals; i++)
        if (v[i] != SENTINEL || e[i] != SENTINEL) return 0;
    return 1;
}

/* f(x) = (x1*x2, exp(x1 + x2)) as a point callback. */
static int pair_point(const double *x, size_t ndim, double *f, size_t nout, void *params) {
    (void)params;
    if (ndim != 2 || nout != 2) return 7;
    f[0] = x[0] * x[1];
    f[1] = exp(x[0] + x[1]);
    return 0;
}

/* The same as a batch callback. */
static int pair_batch(const double *x, size_t npts, size_t ndim, double *f, size_t nout,
                      void *params) {
    size_t i;
    for (i = 0; i < npts; i++) {
        int rc = pair_point(x + i * ndim, ndim, f + i * nout, nout, params);
        if (rc) return rc;
    }
    return 0;
}

static int fails(const double *x, size_t ndim, double *f, size_t nout, void *params) {
    (void)x, (void)ndim, (void)nout, (void)params;
    f[0] = 0.0;
    return 42;
}

static int nan_at_corner(const double *x, size_t ndim, double *f, size_t nout, void *params) {
    (void)ndim, (void)nout, (void)params;
    f[0] = x[0] > 0.9 && x[1] > 0.9 ? NAN : 1.0;
    return 0;
}

static vq_context *ctx2;
static vq_integrand *pair, *pair_b, *poly;
static const double lo2[2] = {0.0, 0.0}, hi2[2] = {1.0, 1.0};

static vq_options opts(vq_rule rule, uint64_t n, double epsrel) {
    vq_options o;
    vq_options_default(&o);
    o.rule = rule;
    o.n = n;
    o.epsrel = epsrel;
    return o;
}

static int null_arguments_are_named_and_nothing_is_written(void) {
    vq_options o = opts(VQ_RULE_GENZ_MALIK, 0, 1e-8);
    vq_integrand *g = NULL;
    fill();
    EXPECT(vq_integrate_nd(NULL, pair, lo2, hi2, 2, &o, vals, errs, 2, &res), VQ_ERR_NULL_ARG, "'ctx'");
    EXPECT(vq_integrate_nd(ctx2, NULL, lo2, hi2, 2, &o, vals, errs, 2, &res), VQ_ERR_NULL_ARG, "'f'");
    EXPECT(vq_integrate_nd(ctx2, pair, NULL, hi2, 2, &o, vals, errs, 2, &res), VQ_ERR_NULL_ARG, "'lower'");
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, NULL, 2, &o, vals, errs, 2, &res), VQ_ERR_NULL_ARG, "'upper'");
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &o, NULL, errs, 2, &res), VQ_ERR_NULL_ARG, "'values'");
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &o, vals, NULL, 2, &res), VQ_ERR_NULL_ARG, "'abs_errors'");
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &o, vals, errs, 2, NULL), VQ_ERR_NULL_ARG, "'out'");
    CHECK(untouched());
    EXPECT(vq_integrand_nd_fn(NULL, NULL, 2, 1, &g), VQ_ERR_NULL_ARG, "'f'");
    EXPECT(vq_integrand_nd_fn(pair_point, NULL, 2, 1, NULL), VQ_ERR_NULL_ARG, "'out'");
    EXPECT(vq_integrand_nd_batch(NULL, NULL, 2, 1, &g), VQ_ERR_NULL_ARG, "'f'");
    EXPECT(vq_integrand_expr_nd(NULL, 2, &g), VQ_ERR_NULL_ARG, "'expr'");
    EXPECT(vq_integrand_shape(NULL, NULL, NULL), VQ_ERR_NULL_ARG, "'f'");
    CHECK(g == NULL);
    return 0;
}

static int bad_shapes_and_bounds_are_invalid_arguments(void) {
    vq_options gm = opts(VQ_RULE_GENZ_MALIK, 0, 1e-8);
    vq_options mid = opts(VQ_RULE_MIDPOINT, 10, 1e-8);
    double nan_lo[2] = {0.0, NAN}, inf_hi[2] = {1.0, INFINITY};
    double lo70[70] = {0}, hi70[70];
    vq_integrand *g = NULL, *wide = NULL;
    int i;
    for (i = 0; i < 70; i++) hi70[i] = 1.0;
    fill();
    EXPECT(vq_integrand_nd_fn(pair_point, NULL, 0, 1, &g), VQ_ERR_INVALID_ARG, "ndim = 0");
    EXPECT(vq_integrand_nd_batch(pair_batch, NULL, 2, 0, &g), VQ_ERR_INVALID_ARG, "nout = 0");
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 0, &gm, vals, errs, 2, &res), VQ_ERR_INVALID_ARG, "ndim = 0");
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &gm, vals, errs, 0, &res), VQ_ERR_INVALID_ARG, "nout = 0");
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 3, &gm, vals, errs, 2, &res), VQ_ERR_INVALID_ARG, "shape mismatch");
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &gm, vals, errs, 1, &res), VQ_ERR_INVALID_ARG, "shape mismatch");
    EXPECT(vq_integrate_nd(ctx2, pair, nan_lo, hi2, 2, &gm, vals, errs, 2, &res), VQ_ERR_INVALID_ARG, "NaN");
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, inf_hi, 2, &mid, vals, errs, 2, &res), VQ_ERR_INVALID_ARG, "finite bounds");
    gm.rule = 99;
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &gm, vals, errs, 2, &res), VQ_ERR_INVALID_ARG, "unknown rule");
    gm.rule = VQ_RULE_TANH_SINH;
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &gm, vals, errs, 2, &res), VQ_ERR_INVALID_ARG, "not supported for multi-D");
    gm.rule = VQ_RULE_GENZ_MALIK;
    CHECK(vq_integrand_expr_nd("x70", 70, &wide) == VQ_OK);
    EXPECT(vq_integrate_nd(ctx2, wide, lo70, hi70, 70, &gm, vals, errs, 1, &res), VQ_ERR_INVALID_ARG, "limit of 64");
    vq_integrand_free(wide);
    CHECK(untouched());
    EXPECT(vq_integrate(ctx2, pair, 0.0, 1.0, NULL, &res), VQ_ERR_INVALID_ARG, "vq_integrate_nd");
    CHECK(untouched());
    return 0;
}

static int a_variable_beyond_the_dimension_is_a_parse_error_naming_it(void) {
    vq_integrand *g = NULL;
    EXPECT(vq_integrand_expr_nd("x1 + x2*x4", 3, &g), VQ_ERR_PARSE, "x4");
    EXPECT(vq_integrand_expr_nd("x + z", 2, &g), VQ_ERR_PARSE, "z");
    EXPECT(vq_integrand_expr_nd("x1 +", 2, &g), VQ_ERR_PARSE, "column");
    CHECK(g == NULL);
    return 0;
}

static int shapes_are_reported_and_one_d_integrands_are_one_by_one(void) {
    size_t d = 0, m = 0;
    vq_integrand *e = NULL;
    CHECK(vq_integrand_shape(poly, &d, &m) == VQ_OK && d == 1 && m == 1);
    CHECK(vq_integrand_shape(pair_b, &d, &m) == VQ_OK && d == 2 && m == 2);
    CHECK(vq_integrand_expr_nd("x*y*z", 3, &e) == VQ_OK);
    CHECK(vq_integrand_shape(e, &d, &m) == VQ_OK && d == 3 && m == 1);
    vq_integrand_free(e);
    return 0;
}

static int outputs_hold_every_component_and_mirror_component_zero(void) {
    vq_options o = opts(VQ_RULE_GENZ_MALIK, 0, 1e-10);
    double e1 = exp(1.0) - 1.0;
    fill();
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &o, vals, errs, 2, &res), VQ_OK, "");
    FAIL_IF(fabs(vals[0] - 0.25) > 1e-12, "%.17g", vals[0]);
    FAIL_IF(fabs(vals[1] - e1 * e1) > 1e-9 * e1 * e1, "%.17g", vals[1]);
    CHECK(errs[1] <= 1e-10 * vals[1]);
    CHECK(res.value == vals[0] && res.abs_error == errs[0]);
    CHECK(res.evals % 17 == 0 && res.evals >= 17 && res.subintervals >= 1);
    o.rule = VQ_RULE_GAUSS_LEGENDRE;
    o.n = 3;
    o.order = 4;
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &o, vals, errs, 2, &res), VQ_OK, "");
    CHECK(res.evals == 144 && res.subintervals == 9 && isnan(errs[0]) && isnan(res.abs_error));
    FAIL_IF(fabs(vals[1] - e1 * e1) > 1e-12, "%.17g", vals[1]);
    return 0;
}

static int max_evals_writes_the_best_estimate(void) {
    vq_options o = opts(VQ_RULE_GENZ_MALIK, 0, 1e-15);
    o.max_evals = 500;
    fill();
    EXPECT(vq_integrate_nd(ctx2, pair, lo2, hi2, 2, &o, vals, errs, 2, &res), VQ_ERR_MAX_EVALS, "budget");
    CHECK(res.evals <= 500 && fabs(vals[0] - 0.25) < 1e-6 && res.value == vals[0]);
    return 0;
}

static int callback_failures_and_non_finite_values_stop_the_call(void) {
    vq_options o = opts(VQ_RULE_GENZ_MALIK, 0, 1e-8);
    vq_integrand *g = NULL;
    CHECK(vq_integrand_nd_fn(fails, NULL, 2, 1, &g) == VQ_OK);
    fill();
    EXPECT(vq_integrate_nd(ctx2, g, lo2, hi2, 2, &o, vals, errs, 1, &res), VQ_ERR_CALLBACK, "42");
    vq_integrand_free(g);
    CHECK(vq_integrand_nd_fn(nan_at_corner, NULL, 2, 1, &g) == VQ_OK);
    EXPECT(vq_integrate_nd(ctx2, g, lo2, hi2, 2, &o, vals, errs, 1, &res), VQ_ERR_NONFINITE, "non-finite");
    vq_integrand_free(g);
    CHECK(untouched());
    return 0;
}

static int a_one_d_integrand_gives_the_bits_of_vq_integrate(void) {
    vq_rule rules[3] = {VQ_RULE_GAUSS_KRONROD, VQ_RULE_SIMPSON, VQ_RULE_AUTO};
    double lo = 0.0, hi = 3.0;
    int i;
    for (i = 0; i < 3; i++) {
        vq_options o = opts(rules[i], rules[i] == VQ_RULE_SIMPSON ? 100 : 0, 1e-12);
        vq_result one;
        CHECK(vq_integrate(ctx2, poly, lo, hi, &o, &one) == VQ_OK);
        EXPECT(vq_integrate_nd(ctx2, poly, &lo, &hi, 1, &o, vals, errs, 1, &res), VQ_OK, "");
        CHECK(memcmp(&vals[0], &one.value, sizeof(double)) == 0 && res.evals == one.evals);
    }
    return 0;
}

static int results_have_the_same_bits_on_1_2_3_8_16_threads(void) {
    unsigned threads[5] = {1, 2, 3, 8, 16};
    vq_options o[2];
    double ref[2][2], gref = 0.0, v[2], e[2];
    double inf_lo[2] = {0.0, -INFINITY}, inf_hi[2] = {1.0, INFINITY};
    vq_integrand *gauss = NULL;
    int t, k;
    o[0] = opts(VQ_RULE_GENZ_MALIK, 0, 1e-11);
    o[1] = opts(VQ_RULE_GAUSS_LEGENDRE, 40, 0);
    o[1].order = 3;
    CHECK(vq_integrand_expr_nd("exp(-y^2) * cos(3*x*y) / (0.01 + x^2)", 2, &gauss) == VQ_OK);
    for (t = 0; t < 5; t++) {
        vq_context *c = NULL;
        CHECK(vq_context_new(threads[t], &c) == VQ_OK);
        for (k = 0; k < 2; k++) {
            CHECK(vq_integrate_nd(c, pair_b, lo2, hi2, 2, &o[k], v, e, 2, &res) == VQ_OK);
            if (t == 0) memcpy(ref[k], v, sizeof v);
            FAIL_IF(memcmp(ref[k], v, sizeof v) != 0, "rule %d differs on %u threads", k, threads[t]);
        }
        CHECK(vq_integrate_nd(c, gauss, inf_lo, inf_hi, 2, &o[0], v, e, 1, &res) == VQ_OK);
        if (t == 0) gref = v[0];
        FAIL_IF(memcmp(&gref, &v[0], sizeof(double)) != 0, "expression differs on %u threads",
                threads[t]);
        vq_context_free(c);
    }
    vq_integrand_free(gauss);
    return 0;
}

static int options_default_the_new_fields_and_the_version_is_0_2(void) {
    vq_options o;
    memset(&o, 0x11, sizeof o);
    vq_options_default(&o);
    CHECK(o.seed == 0 && o.replicates == 8);
    CHECK(VQUAD_VERSION_MAJOR == 0 && VQUAD_VERSION_MINOR == 2);
    CHECK(strcmp(vq_version(), "0.2.0") == 0);
    CHECK(VQ_RULE_GENZ_MALIK == 7);
    return 0;
}

struct entry {
    const char *name;
    int (*fn)(void);
};

#define ROW(f) {#f, f}

int main(int argc, char **argv) {
    static const struct entry rows[] = {
        ROW(null_arguments_are_named_and_nothing_is_written),
        ROW(bad_shapes_and_bounds_are_invalid_arguments),
        ROW(a_variable_beyond_the_dimension_is_a_parse_error_naming_it),
        ROW(shapes_are_reported_and_one_d_integrands_are_one_by_one),
        ROW(outputs_hold_every_component_and_mirror_component_zero),
        ROW(max_evals_writes_the_best_estimate),
        ROW(callback_failures_and_non_finite_values_stop_the_call),
        ROW(a_one_d_integrand_gives_the_bits_of_vq_integrate),
        ROW(results_have_the_same_bits_on_1_2_3_8_16_threads),
        ROW(options_default_the_new_fields_and_the_version_is_0_2),
    };
    static const double coeffs[3] = {1.0, -2.0, 0.5};
    size_t i, passed = 0, failed = 0;
    if (vq_context_new(2, &ctx2) != VQ_OK || vq_integrand_nd_fn(pair_point, NULL, 2, 2, &pair) != VQ_OK ||
        vq_integrand_nd_batch(pair_batch, NULL, 2, 2, &pair_b) != VQ_OK ||
        vq_integrand_poly(coeffs, 3, &poly) != VQ_OK) {
        fprintf(stderr, "fixtures: %s\n", vq_last_error());
        return 2;
    }
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (argc > 1 && strstr(rows[i].name, argv[1]) == NULL) continue;
        row = rows[i].name;
        if (rows[i].fn() == 0) {
            passed++;
            printf("ok   %s\n", row);
        } else {
            failed++;
            printf("FAIL %s\n", row);
        }
    }
    vq_integrand_free(pair);
    vq_integrand_free(pair_b);
    vq_integrand_free(poly);
    vq_context_free(ctx2);
    printf("nd_contract: %zu passed, %zu failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
