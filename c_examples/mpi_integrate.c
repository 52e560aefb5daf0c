/* Hybrid MPI + threads: each of R ranks integrates its share of the tasks of
 * a fixed-rule integral on a context of T threads; the partials are gathered
 * in rank order and combined by vquad's fixed-order reduction. The result
 * has the bits of one single-process vq_integrate call, for every R x T.
 *
 * Problems:
 *  - seed: x^2 + 7 over [0, 5], midpoint rule on n panels, gathered with
 *    MPI_Gatherv to rank 0;
 *  - expr: the expression "exp(-x^2) * cos(3*x)" over [-4, 4], Simpson's
 *    rule on n / 200 panels, gathered with MPI_Allgatherv so that every rank
 *    combines (and all must agree);
 *  - callback: the same function as a C callback, Gauss-Legendre (8 nodes)
 *    on n / 1000 panels, MPI_Gatherv.
 *
 * Usage: mpirun -np R mpi_integrate [T] [n]     (T = 1, n = 10^9 by default)
 * Rank 0 prints, per problem, one line with the layout, result=<%.17g>, the
 * single-process vq_integrate value on its own T-thread context, and times.
 * Exit status 0 when every distributed result has the single-process bits.
 *
 * Processes vs threads on one machine:
 *   mpirun -np 2 mpi_integrate 1     2 ranks x 1 thread
 *   mpirun -np 1 mpi_integrate 2     1 rank  x 2 threads   (same result= bits)
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c11 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "vquad.h"

static double bump(double x, void *params) {
    const double k = *(const double *)params;
    return exp(-x * x) * cos(k * x);
}

/* A barrier that sleeps instead of spinning, so that waiting ranks leave the
 * cores to the ones computing (this example is often run oversubscribed). */
static void quiet_barrier(MPI_Comm comm) {
    MPI_Request req;
    int done = 0;
    MPI_Ibarrier(comm, &req);
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    while (!done) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    }
}

/* Every rank learns whether any rank failed, so that nobody blocks in a
 * collective call that a failed rank will never make. */
static int any_failed(vq_status s, int rank, const char *what, MPI_Comm comm) {
    int bad = s != VQ_OK, any = 0;
    if (bad) {
        fprintf(stderr, "rank %d: %s failed: %s\n", rank, what, vq_last_error());
    }
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
    return any;
}

struct problem {
    const char *name;
    const char *rule;
    const vq_integrand *f;
    double a, b;
    vq_options opts;
    int allgather; /* 0: MPI_Gatherv to rank 0; 1: MPI_Allgatherv */
};

/* Runs one problem distributed over the ranks of `comm`; 0 on success. */
static int run(const struct problem *p, vq_context *ctx, int threads, MPI_Comm comm) {
    int rank, nranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &nranks);

    uint64_t ntasks = 0, first = 0, count = 0;
    vq_status s = vq_partition_size(p->a, p->b, &p->opts, &ntasks);
    if (s == VQ_OK) {
        s = vq_partition_range(ntasks, (uint32_t)rank, (uint32_t)nranks, &first, &count);
    }
    if (any_failed(s, rank, "vq_partition_size/range", comm)) {
        return 1;
    }
    /* Receive counts and displacements: every rank's share, computed here. */
    int *counts = malloc((size_t)nranks * sizeof *counts);
    int *displs = malloc((size_t)nranks * sizeof *displs);
    double *mine = malloc((count ? count : 1) * sizeof *mine);
    double *all = malloc((ntasks ? ntasks : 1) * sizeof *all);
    if (!counts || !displs || !mine || !all) {
        fprintf(stderr, "rank %d: out of memory\n", rank);
        MPI_Abort(comm, 1);
    }
    for (int r = 0; r < nranks; r++) {
        uint64_t f, c;
        vq_partition_range(ntasks, (uint32_t)r, (uint32_t)nranks, &f, &c);
        counts[r] = (int)c; /* ntasks <= 262144: fits an int */
        displs[r] = (int)f;
    }

    quiet_barrier(comm);
    double t0 = MPI_Wtime();
    s = vq_integrate_partial(ctx, p->f, p->a, p->b, &p->opts, first, count, mine, count);
    double compute = MPI_Wtime() - t0, compute_max = 0.0;
    int rc = 1;
    if (any_failed(s, rank, "vq_integrate_partial", comm)) {
        goto done;
    }
    vq_result r;
    memset(&r, 0, sizeof r);
    int combined = 0;
    if (p->allgather) {
        MPI_Allgatherv(mine, (int)count, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, comm);
        s = vq_combine_partials(p->a, p->b, &p->opts, all, (size_t)ntasks, &r);
        combined = 1;
    } else {
        MPI_Gatherv(mine, (int)count, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, comm);
        if (rank == 0) {
            s = vq_combine_partials(p->a, p->b, &p->opts, all, (size_t)ntasks, &r);
            combined = 1;
        }
    }
    double elapsed = MPI_Wtime() - t0;
    if (any_failed(s, rank, "vq_combine_partials", comm)) {
        goto done;
    }
    MPI_Reduce(&compute, &compute_max, 1, MPI_DOUBLE, MPI_MAX, 0, comm);

    /* With MPI_Allgatherv every rank combined: all must hold rank 0's bits. */
    int disagree = 0, any_disagree = 0;
    if (p->allgather) {
        double root = r.value;
        MPI_Bcast(&root, 1, MPI_DOUBLE, 0, comm);
        disagree = memcmp(&root, &r.value, sizeof root) != 0;
    }
    MPI_Allreduce(&disagree, &any_disagree, 1, MPI_INT, MPI_MAX, comm);

    /* The single-process reference: one vq_integrate call on rank 0. */
    int mismatch = 0;
    if (rank == 0 && combined) {
        vq_result single;
        s = vq_integrate(ctx, p->f, p->a, p->b, &p->opts, &single);
        if (s != VQ_OK) {
            fprintf(stderr, "rank 0: vq_integrate failed: %s\n", vq_last_error());
            mismatch = 1;
        } else {
            mismatch = memcmp(&single.value, &r.value, sizeof r.value) != 0;
            printf("problem=%s rule=%s n=%" PRIu64 " ranks=%d threads=%d tasks=%" PRIu64
                   " result=%.17g single=%.17g identical=%s time=%.4fs compute_max=%.4fs"
                   " single_time=%.4fs\n",
                   p->name, p->rule, p->opts.n, nranks, threads, ntasks, r.value, single.value,
                   mismatch ? "NO" : "yes", elapsed, compute_max, single.seconds);
            fflush(stdout);
        }
    }
    MPI_Bcast(&mismatch, 1, MPI_INT, 0, comm);
    if (any_disagree && rank == 0) {
        fprintf(stderr, "problem %s: ranks combined different bits\n", p->name);
    }
    rc = mismatch || any_disagree;
done:
    free(all);
    free(mine);
    free(displs);
    free(counts);
    return rc;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000000ULL;
    if (threads < 1) {
        if (rank == 0) {
            fprintf(stderr, "usage: mpirun -np R %s [threads per rank >= 1] [n]\n", argv[0]);
        }
        MPI_Finalize();
        return 2;
    }

    const double coeffs[] = {7.0, 0.0, 1.0};
    const double k = 3.0;
    vq_context *ctx = NULL;
    vq_integrand *seed = NULL, *expr = NULL, *wave = NULL;
    vq_status s = vq_context_new((uint32_t)threads, &ctx);
    if (s == VQ_OK) {
        s = vq_integrand_poly(coeffs, 3, &seed);
    }
    if (s == VQ_OK) {
        s = vq_integrand_expr("exp(-x^2) * cos(3*x)", &expr);
    }
    if (s == VQ_OK) {
        s = vq_integrand_fn(bump, (void *)&k, &wave);
    }
    int rc = 1;
    if (!any_failed(s, rank, "setup", MPI_COMM_WORLD)) {
        struct problem problems[3];
        memset(problems, 0, sizeof problems);
        problems[0].name = "seed";
        problems[0].rule = "midpoint";
        problems[0].f = seed;
        problems[0].a = 0.0;
        problems[0].b = 5.0;
        vq_options_default(&problems[0].opts);
        problems[0].opts.rule = VQ_RULE_MIDPOINT;
        problems[0].opts.n = n;
        problems[0].allgather = 0;

        problems[1].name = "expr";
        problems[1].rule = "simpson";
        problems[1].f = expr;
        problems[1].a = -4.0;
        problems[1].b = 4.0;
        vq_options_default(&problems[1].opts);
        problems[1].opts.rule = VQ_RULE_SIMPSON;
        problems[1].opts.n = n / 200 > 0 ? n / 200 : 1;
        problems[1].allgather = 1;

        problems[2].name = "callback";
        problems[2].rule = "gauss-legendre";
        problems[2].f = wave;
        problems[2].a = -4.0;
        problems[2].b = 4.0;
        vq_options_default(&problems[2].opts);
        problems[2].opts.rule = VQ_RULE_GAUSS_LEGENDRE;
        problems[2].opts.n = n / 1000 > 0 ? n / 1000 : 1;
        problems[2].allgather = 0;

        rc = 0;
        for (int i = 0; i < 3; i++) {
            rc |= run(&problems[i], ctx, threads, MPI_COMM_WORLD);
        }
    }
    vq_integrand_free(wave);
    vq_integrand_free(expr);
    vq_integrand_free(seed);
    vq_context_free(ctx);
    MPI_Finalize();
    return rc;
}
