/* Cancellation from another thread, through the C API.
 *
 * A pthread runs vq_integrate with a slow callback on a 2-thread context;
 * the main thread waits until the callback has been called (so the call is
 * running), then calls vq_context_cancel again and again until the call
 * returns. Repeating the cancel makes the test independent of timing: a
 * cancel issued before the call has started is, as documented, not seen by
 * it, and a later one is. The work is bounded (10^6 evaluations), so even a
 * broken cancel ends, and is reported as a failure.
 *
 * Checked: the call returns VQ_ERR_CANCELLED with a message naming it and
 * its output untouched; a cancel issued while no call runs does not affect
 * the next call; later calls on the same context succeed.
 *
 * Prints "cancel: N passed, M failed" and exits 0 only when nothing failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vquad.h"

static int passed, failed;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (cond) {                                                             \
            ++passed;                                                           \
        } else {                                                                \
            ++failed;                                                           \
            fprintf(stderr, "cancel.c:%d: check failed: %s: ", __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
        }                                                                       \
    } while (0)

static atomic_int started;

static void pause_us(long us) {
    struct timespec t = {0, us * 1000L};
    nanosleep(&t, NULL);
}

/* x, slowly; records that the integration is evaluating. */
static double slow_identity(double x, void *params) {
    (void)params;
    atomic_store(&started, 1);
    pause_us(1);
    return x;
}

struct call {
    vq_context *ctx;
    vq_integrand *f;
    vq_options opts;
    vq_result out;
    vq_status status;
    char message[256];
    atomic_int done;
};

static void *run_call(void *p) {
    struct call *c = p;
    c->status = vq_integrate(c->ctx, c->f, 0.0, 1.0, &c->opts, &c->out);
    if (c->status != VQ_OK) {
        /* The message is thread-local: copy it on this thread. */
        snprintf(c->message, sizeof c->message, "%s", vq_last_error());
    }
    atomic_store(&c->done, 1);
    return NULL;
}

static vq_options midpoint(uint64_t n) {
    vq_options o;
    vq_options_default(&o);
    o.rule = VQ_RULE_MIDPOINT;
    o.n = n;
    return o;
}

int main(void) {
    vq_context *ctx = NULL;
    vq_integrand *f = NULL;
    if (vq_context_new(2, &ctx) != VQ_OK || vq_integrand_fn(slow_identity, NULL, &f) != VQ_OK) {
        fprintf(stderr, "setup: %s\n", vq_last_error());
        printf("cancel: 0 passed, 1 failed\n");
        return 1;
    }

    /* A cancel while no call runs does not cancel the next call. */
    vq_context_cancel(ctx);
    {
        vq_options o = midpoint(1000);
        vq_result r;
        vq_status s = vq_integrate(ctx, f, 0.0, 1.0, &o, &r);
        CHECK(s == VQ_OK, "status %s: %s", vq_status_str(s), vq_last_error());
        CHECK(s == VQ_OK && fabs(r.value - 0.5) < 1e-12, "value %.17g", r.value);
    }

    /* A running call is cancelled from another thread. */
    {
        static struct call c;
        pthread_t t;
        unsigned long cancels = 0;
        memset(&c, 0, sizeof c);
        memset(&c.out, 0x5A, sizeof c.out);
        c.ctx = ctx;
        c.f = f;
        c.opts = midpoint(1000000);
        atomic_store(&started, 0);
        atomic_store(&c.done, 0);
        if (pthread_create(&t, NULL, run_call, &c) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            printf("cancel: %d passed, %d failed\n", passed, failed + 1);
            return 1;
        }
        while (!atomic_load(&started) && !atomic_load(&c.done)) sched_yield();
        while (!atomic_load(&c.done)) {
            vq_context_cancel(ctx);
            ++cancels;
            pause_us(1000);
        }
        pthread_join(t, NULL);
        vq_result sentinel;
        memset(&sentinel, 0x5A, sizeof sentinel);
        CHECK(c.status == VQ_ERR_CANCELLED, "status %s after %lu cancels: %s",
              vq_status_str(c.status), cancels, c.message);
        CHECK(strncmp(c.message, "VQ_ERR_CANCELLED", 16) == 0, "message '%s'", c.message);
        CHECK(memcmp(&c.out, &sentinel, sizeof sentinel) == 0, "*out written on cancel");
    }

    /* The context stays usable: the next call runs to the end. */
    {
        vq_options o = midpoint(2000);
        vq_result r;
        vq_status s = vq_integrate(ctx, f, 0.0, 1.0, &o, &r);
        CHECK(s == VQ_OK, "status %s: %s", vq_status_str(s), vq_last_error());
        CHECK(s == VQ_OK && fabs(r.value - 0.5) < 1e-12 && r.evals == 2000, "value %.17g",
              r.value);
    }

    vq_integrand_free(f);
    vq_context_free(ctx);
    printf("cancel: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
