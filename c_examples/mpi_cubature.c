/* Randomized QMC over a 5-D box across MPI ranks, with the bits of one
 * single-process vq_integrate_nd call.
 *
 * The integrand is the expression exp(-(x1^2 + 2 x2^2 + 3 x3^2 + x4 x5))
 * over [0,1]^5, integrated by VQ_RULE_QMC: 8 Owen-scrambled Sobol
 * replicates of n points (rounded up to a power of two). The sample index
 * space is cut into numbered tasks (vq_partition_nd_size); each rank
 * computes its contiguous share on a context of T threads, the partials
 * are gathered in rank order with MPI_Gatherv, and rank 0 combines them in
 * the library's fixed tree (vq_combine_nd_partials).
 *
 * Usage: mpirun -np R mpi_cubature [T] [n]      (T = 1, n = 2^16 by default)
 * Rank 0 prints
 *   result=<%.17g> error=<%.17g>
 * then the single-process value on its own T-thread context and whether the
 * bits agree; the exit status is 0 when they do. The result line is the
 * same for every R and T.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "vquad.h"

#define NDIM 5

/* Every rank learns whether any rank failed, so that nobody blocks in a
 * collective call that a failed rank will never make. */
static int any_failed(vq_status s, int rank, const char *what) {
    int bad = s != VQ_OK, any = 0;
    if (bad) {
        fprintf(stderr, "rank %d: %s failed: %s\n", rank, what, vq_last_error());
    }
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return any;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, nranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    unsigned threads = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1;
    uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : (uint64_t)1 << 16;

    const double lower[NDIM] = {0, 0, 0, 0, 0};
    const double upper[NDIM] = {1, 1, 1, 1, 1};
    vq_options opts;
    vq_options_default(&opts);
    opts.rule = VQ_RULE_QMC;
    opts.n = n;
    opts.seed = 2026;
    opts.replicates = 8;

    vq_context *ctx = NULL;
    vq_integrand *f = NULL;
    vq_status s = vq_context_new(threads, &ctx);
    if (s == VQ_OK) {
        s = vq_integrand_expr_nd("exp(-(x1^2 + 2*x2^2 + 3*x3^2 + x4*x5))", NDIM, &f);
    }
    if (any_failed(s, rank, "setup")) {
        MPI_Finalize();
        return 1;
    }

    uint64_t ntasks = 0, first = 0, count = 0;
    size_t plen = 0;
    s = vq_partition_nd_size(lower, upper, NDIM, 1, &opts, &ntasks, &plen);
    if (s == VQ_OK) {
        s = vq_partition_range(ntasks, (uint32_t)rank, (uint32_t)nranks, &first, &count);
    }
    double *mine = malloc((count ? count : 1) * plen * sizeof(double));
    if (s == VQ_OK) {
        s = vq_integrate_nd_partial(ctx, f, lower, upper, NDIM, &opts, first, count, mine,
                                    count * plen);
    }
    if (any_failed(s, rank, "vq_integrate_nd_partial")) {
        free(mine);
        MPI_Finalize();
        return 1;
    }

    /* Every rank can compute every rank's share: the Gatherv layout. */
    int *counts = malloc((size_t)nranks * sizeof(int));
    int *displs = malloc((size_t)nranks * sizeof(int));
    for (int r = 0; r < nranks; r++) {
        uint64_t fr, cr;
        vq_partition_range(ntasks, (uint32_t)r, (uint32_t)nranks, &fr, &cr);
        counts[r] = (int)(cr * plen);
        displs[r] = (int)(fr * plen);
    }
    double *all = rank == 0 ? malloc((ntasks ? ntasks : 1) * plen * sizeof(double)) : NULL;
    MPI_Gatherv(mine, (int)(count * plen), MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0,
                MPI_COMM_WORLD);

    int status = 0;
    if (rank == 0) {
        double value, error, single, single_error;
        vq_result r, r1;
        s = vq_combine_nd_partials(lower, upper, NDIM, 1, &opts, all, ntasks * plen, &value,
                                   &error, &r);
        if (s == VQ_OK) {
            s = vq_integrate_nd(ctx, f, lower, upper, NDIM, &opts, &single, &single_error, 1, &r1);
        }
        if (s != VQ_OK) {
            fprintf(stderr, "combine failed: %s\n", vq_last_error());
            status = 1;
        } else {
            int same = memcmp(&value, &single, sizeof value) == 0 &&
                       memcmp(&error, &single_error, sizeof error) == 0;
            printf("result=%.17g error=%.17g\n", value, error);
            printf("layout=%dx%u tasks=%" PRIu64 " evals=%" PRIu64
                   " single=%.17g single_error=%.17g identical=%s\n",
                   nranks, threads, ntasks, r.evals, single, single_error, same ? "yes" : "no");
            status = same ? 0 : 1;
        }
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    free(all);
    free(counts);
    free(displs);
    free(mine);
    vq_integrand_free(f);
    vq_context_free(ctx);
    MPI_Finalize();
    return status;
}
