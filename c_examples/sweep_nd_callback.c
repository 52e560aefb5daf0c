/* A multi-dimensional point callback for `vquad sweep --dims D --callback`:
 * an expensive integrand, to time the adaptive cubature's parallel scaling
 * on work the size of a real application's (about 1 µs a point here).
 *
 *   gcc -O2 -shared -fPIC -o libsweepnd.so c_examples/sweep_nd_callback.c -lm
 *   vquad sweep --dims 8 --callback ./libsweepnd.so:fourier --threads 1,2 -n 2e5
 *
 * f(x) = sum_{k=1..K} cos(k s) / k^2 with s = x_1 + ... + x_D: a smooth,
 * oscillating function of D variables whose cost is K cosines (K = 64).
 * It follows the C API's vq_nd_fn type, so the same function can be given
 * to vq_integrand_nd_fn. Thread-safe: it reads only its arguments. */
#include <math.h>
#include <stddef.h>

#define TERMS 64

int fourier(const double *x, size_t ndim, double *fval, size_t nout, void *params)
{
    (void)params;
    if (nout != 1)
        return 1;
    double s = 0.0;
    for (size_t i = 0; i < ndim; i++)
        s += x[i];
    double sum = 0.0;
    for (int k = 1; k <= TERMS; k++)
        sum += cos(k * s) / ((double)k * k);
    fval[0] = sum;
    return 0;
}
