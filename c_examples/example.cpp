// C++17 over the C API: a capturing lambda passed through `params` with a
// small trampoline. (include/vquad.hpp offers RAII wrappers over the same.)
#include <cmath>
#include <cstdio>

#include "vquad.h"

template <class F>
static double trampoline(double x, void *params) {
    return (*static_cast<const F *>(params))(x);
}

int main() {
    const double k = 3.0;
    auto f = [k](double x) { return std::cos(k * x); };  // ∫0^1 cos(kx) = sin(k)/k

    vq_context *ctx = nullptr;
    vq_integrand *in = nullptr;
    if (vq_context_new(0, &ctx) != VQ_OK ||
        vq_integrand_fn(&trampoline<decltype(f)>, &f, &in) != VQ_OK) {
        std::fprintf(stderr, "vquad: %s\n", vq_last_error());
        return 1;
    }
    vq_options opts;
    vq_options_default(&opts);
    opts.rule = VQ_RULE_GAUSS_LEGENDRE;
    opts.n = 100;
    vq_result r{};
    vq_status s = vq_integrate(ctx, in, 0.0, 1.0, &opts, &r);
    const double exact = std::sin(k) / k;
    std::printf("result=%.17g exact=%.17g status=%s\n", r.value, exact, vq_status_str(s));
    vq_integrand_free(in);
    vq_context_free(ctx);
    return s == VQ_OK && std::fabs(r.value - exact) < 1e-14 ? 0 : 1;
}
