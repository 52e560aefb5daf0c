/* A 5-D integral across MPI ranks, with the bits of one single-process
 * vq_integrate_nd call: randomized QMC, then a Gauss-Legendre tensor rule.
 *
 * The integrand is the expression exp(-(x1^2 + 2 x2^2 + 3 x3^2 + x4 x5))
 * over [0,1]^5. First VQ_RULE_QMC: 8 Owen-scrambled Sobol replicates of n
 * points (rounded up to a power of two). Then VQ_RULE_GAUSS_LEGENDRE: a
 * tensor product of 4 panels x 3 nodes per axis, 12^5 points. Each run is
 * cut into numbered tasks (vq_partition_nd_size); each rank computes its
 * contiguous share on a context of T threads, the partials are gathered in
 * rank order with MPI_Gatherv, and rank 0 combines them in the library's
 * fixed tree (vq_combine_nd_partials).
 *
 * Usage: mpirun -np R mpi_cubature [T] [n]      (T = 1, n = 2^16 by default)
 * Rank 0 prints
 *   result=<%.17g> error=<%.17g>
 * (QMC: the estimate and its standard error), a line comparing it with the
 * single-process value on its own T-thread context, and a line
 *   tensor result=<%.17g> identical=<yes|no>
 * for the tensor rule; the exit status is 0 when every bit agrees. The
 * result lines are the same for every R and T.
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

/* One distributed run of f over the box with opts. On rank 0 it also runs
 * the single-process call; *same says whether the bits agree. Returns 0 on
 * success on every rank (collective). */
static int distributed(vq_context *ctx, const vq_integrand *f, const double *lower,
                       const double *upper, const vq_options *opts, int rank, int nranks,
                       double *value, double *error, vq_result *res, int *same) {
    uint64_t ntasks = 0, first = 0, count = 0;
    size_t plen = 0;
    vq_status s = vq_partition_nd_size(lower, upper, NDIM, 1, opts, &ntasks, &plen);
    if (s == VQ_OK) {
        s = vq_partition_range(ntasks, (uint32_t)rank, (uint32_t)nranks, &first, &count);
    }
    double *mine = malloc((count ? count : 1) * plen * sizeof(double));
    if (s == VQ_OK) {
        s = vq_integrate_nd_partial(ctx, f, lower, upper, NDIM, opts, first, count, mine,
                                    count * plen);
    }
    if (any_failed(s, rank, "vq_integrate_nd_partial")) {
        free(mine);
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
        double single, single_error;
        vq_result r1;
        s = vq_combine_nd_partials(lower, upper, NDIM, 1, opts, all, ntasks * plen, value, error,
                                   res);
        if (s == VQ_OK) {
            s = vq_integrate_nd(ctx, f, lower, upper, NDIM, opts, &single, &single_error, 1, &r1);
        }
        if (s != VQ_OK) {
            fprintf(stderr, "combine failed: %s\n", vq_last_error());
            status = 1;
        } else {
            /* memcmp: NaN errors (fixed rules) compare by their bits too. */
            *same = memcmp(value, &single, sizeof single) == 0 &&
                    memcmp(error, &single_error, sizeof single_error) == 0 &&
                    res->evals == r1.evals;
        }
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    free(all);
    free(counts);
    free(displs);
    free(mine);
    return status;
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
    vq_options qmc, tensor;
    vq_options_default(&qmc);
    qmc.rule = VQ_RULE_QMC;
    qmc.n = n;
    qmc.seed = 2026;
    qmc.replicates = 8;
    vq_options_default(&tensor);
    tensor.rule = VQ_RULE_GAUSS_LEGENDRE;
    tensor.n = 4;
    tensor.order = 3;

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

    double value = 0, error = 0, tvalue = 0, terror = 0;
    vq_result r, tr;
    int same = 0, tsame = 0;
    int status = distributed(ctx, f, lower, upper, &qmc, rank, nranks, &value, &error, &r, &same);
    if (status == 0) {
        status = distributed(ctx, f, lower, upper, &tensor, rank, nranks, &tvalue, &terror, &tr,
                             &tsame);
    }
    if (rank == 0 && status == 0) {
        printf("result=%.17g error=%.17g\n", value, error);
        printf("layout=%dx%u evals=%" PRIu64 " identical=%s\n", nranks, threads, r.evals,
               same ? "yes" : "no");
        printf("tensor result=%.17g evals=%" PRIu64 " identical=%s\n", tvalue, tr.evals,
               tsame ? "yes" : "no");
        status = same && tsame ? 0 : 1;
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    vq_integrand_free(f);
    vq_context_free(ctx);
    MPI_Finalize();
    return status;
}
