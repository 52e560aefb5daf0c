/* The reference side of `vquad genz`: reads one Genz case per line on stdin
 *   family d epsrel max_evals a_1 .. a_d u_1 .. u_d
 * integrates it over [0,1]^d with hcubature_v (libcubature, vectorized
 * callback) and prints one line per case:
 *   value abs_error evals seconds
 * The families match cli/src/genz/families.rs exactly. */
#include <cubature.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#define MAXD 64

struct param {
    int family;
    unsigned d;
    double a[MAXD], u[MAXD];
    unsigned long evals;
};

static double genz(const struct param *p, const double *x) {
    unsigned i, d = p->d;
    double s = 0.0, r = 1.0;
    switch (p->family) {
    case 0:
        for (i = 0; i < d; i++) s += p->a[i] * x[i];
        return cos(2.0 * acos(-1.0) * p->u[0] + s);
    case 1:
        for (i = 0; i < d; i++) r *= 1.0 / (1.0 / (p->a[i] * p->a[i]) + (x[i] - p->u[i]) * (x[i] - p->u[i]));
        return r;
    case 2:
        for (i = 0; i < d; i++) s += p->a[i] * x[i];
        return pow(1.0 + s, -(double)(d + 1));
    case 3:
        for (i = 0; i < d; i++) s += p->a[i] * p->a[i] * (x[i] - p->u[i]) * (x[i] - p->u[i]);
        return exp(-s);
    case 4:
        for (i = 0; i < d; i++) s += p->a[i] * fabs(x[i] - p->u[i]);
        return exp(-s);
    default:
        if (x[0] > p->u[0] || (d > 1 && x[1] > p->u[1])) return 0.0;
        for (i = 0; i < d; i++) s += p->a[i] * x[i];
        return exp(s);
    }
}

static int batch(unsigned ndim, size_t npts, const double *x, void *fdata, unsigned fdim,
                 double *fval) {
    struct param *p = fdata;
    size_t j;
    (void)fdim;
    for (j = 0; j < npts; j++) fval[j] = genz(p, x + j * ndim);
    p->evals += npts;
    return 0;
}

int main(void) {
    struct param p;
    double eps, maxe, lo[MAXD], hi[MAXD], val, err;
    unsigned i;
    struct timespec t0, t1;
    while (scanf("%d %u %lf %lf", &p.family, &p.d, &eps, &maxe) == 4) {
        if (p.d == 0 || p.d > MAXD) return 2;
        for (i = 0; i < p.d; i++)
            if (scanf("%lf", &p.a[i]) != 1) return 2;
        for (i = 0; i < p.d; i++)
            if (scanf("%lf", &p.u[i]) != 1) return 2;
        for (i = 0; i < p.d; i++) lo[i] = 0.0, hi[i] = 1.0;
        p.evals = 0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        hcubature_v(1, batch, &p, p.d, lo, hi, (size_t)maxe, 0.0, eps, ERROR_INDIVIDUAL, &val, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%.17g %.17g %lu %.9f\n", val, err, p.evals,
               (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
        fflush(stdout);
    }
    return 0;
}
