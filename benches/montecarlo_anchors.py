#!/usr/bin/env python3
"""Python anchors of `cargo bench --bench montecarlo`, run as subprocesses.

usage: montecarlo_anchors.py numpy-mc N | qmc-quad | vegas
Prints one line of JSON. The integrands and constants must match
benches/montecarlo.rs.
"""
import json
import math
import sys
import time

import numpy as np

# 5-D Genz Gaussian and product peak (the same constants as the Rust bench).
GC = np.array([1.5, 2.0, 1.0, 2.5, 1.2])
GW = np.array([0.3, 0.5, 0.7, 0.4, 0.6])
PC = np.array([12.0, 9.0, 15.0, 10.0, 11.0])
PW = np.array([0.3, 0.45, 0.5, 0.6, 0.7])


def gaussian(x):
    """x has shape (..., 5)."""
    return np.exp(-np.sum((GC * (x - GW)) ** 2, axis=-1))


def gaussian_exact():
    return math.prod(
        math.sqrt(math.pi) / (2 * c) * (math.erf(c * (1 - w)) + math.erf(c * w))
        for c, w in zip(GC, GW)
    )


def peak(x):
    return np.prod(1.0 / (PC ** -2.0 + (x - PW) ** 2), axis=-1)


def peak_exact():
    return math.prod(c * (math.atan(c * (1 - w)) + math.atan(c * w)) for c, w in zip(PC, PW))


def numpy_mc(n):
    gen = np.random.Generator(np.random.Philox(12345))
    chunk = 1 << 20
    t0 = time.perf_counter()
    s = s2 = 0.0
    done = 0
    while done < n:
        m = min(chunk, n - done)
        f = gaussian(gen.random((m, 5)))
        s += f.sum()
        s2 += (f * f).sum()
        done += m
    dt = time.perf_counter() - t0
    mean = s / n
    se = math.sqrt(max(s2 / n - mean * mean, 0.0) / n)
    return {"points": n, "seconds": dt, "mpts_per_s": n / dt / 1e6, "value": mean,
            "std_error": se, "error": abs(mean - gaussian_exact())}


def qmc_quad():
    from scipy.integrate import qmc_quad as q
    from scipy.stats import qmc
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        r = q(lambda x: gaussian(x.T), np.zeros(5), np.ones(5), n_estimates=8,
              n_points=1 << 17, qrng=qmc.Sobol(5, seed=7))
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    n = 8 << 17
    return {"points": n, "seconds": best, "mpts_per_s": n / best / 1e6,
            "value": float(r.integral), "std_error": float(r.standard_error),
            "error": abs(float(r.integral) - gaussian_exact())}


def run_vegas():
    import vegas

    counted = [0]

    @vegas.lbatchintegrand
    def f(x):
        counted[0] += len(x)
        return peak(x)

    exact = peak_exact()
    dt = None
    for _ in range(3):  # best of 3, as vquad's side
        counted[0] = 0
        integ = vegas.Integrator(5 * [[0, 1]])
        t0 = time.perf_counter()
        integ(f, nitn=10, neval=1e5)  # training
        r = integ(f, nitn=10, neval=1e5)
        t = time.perf_counter() - t0
        dt = t if dt is None else min(dt, t)
    # Points evaluated in the 20 iterations (vegas rounds neval to its
    # stratification).
    evals = counted[0]
    return {"seconds": dt, "value": r.mean, "std_error": r.sdev,
            "rel_std_error": r.sdev / abs(r.mean), "rel_error": abs(r.mean - exact) / exact,
            "chi2_dof": r.chi2 / r.dof if r.dof else float("nan"), "evals": evals,
            "version": vegas.__version__}


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "numpy-mc":
        out = numpy_mc(int(sys.argv[2]))
    elif mode == "qmc-quad":
        out = qmc_quad()
    elif mode == "vegas":
        out = run_vegas()
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(out))
