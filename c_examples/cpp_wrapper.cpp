// C++17 through include/vquad.hpp: RAII handles, a capturing lambda and an
// expression as integrands, options built by chaining, errors as exceptions,
// and a partitioned run that gives the bits of one integrate call.
//
// Exit status 0 when every check holds. Prints result=<value> for the lambda.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "vquad.hpp"

namespace {

int failures = 0;

void expect(bool ok, const char *what) {
    if (!ok) {
        std::fprintf(stderr, "FAILED: %s\n", what);
        ++failures;
    }
}

bool same_bits(double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; }

}  // namespace

int main() {
    try {
        vquad::Context ctx(2);
        const double k = 3.0;
        vquad::Integrand wave([k](double x) { return std::cos(k * x); });  // ∫0^1 = sin(k)/k
        auto opts = vquad::Options().rule(vquad::Rule::GaussLegendre).n(100).order(10);
        vquad::Result r = ctx.integrate(wave, 0.0, 1.0, opts);
        const double exact = std::sin(k) / k;
        std::printf("result=%.17g exact=%.17g evals=%llu threads=%u\n", r.value, exact,
                    static_cast<unsigned long long>(r.evals), r.threads);
        expect(std::fabs(r.value - exact) < 1e-14, "lambda integral is accurate");

        // A polynomial, moved around: the handle follows its owner.
        vquad::Integrand p = vquad::Integrand::poly({7.0, 0.0, 1.0});
        vquad::Integrand moved = std::move(p);
        auto mid = vquad::Options::fixed(vquad::Rule::Midpoint, 1000000);
        vquad::Result seed = ctx.integrate(moved, 0.0, 5.0, mid);
        std::printf("seed=%.17g\n", seed.value);
        expect(std::fabs(seed.value - 230.0 / 3.0) < 1e-9, "polynomial integral is accurate");

        // An expression, parsed and compiled by vquad: same integral as the lambda.
        vquad::Integrand text = vquad::Integrand::expr("cos(3*x)");
        vquad::Result re = ctx.integrate(text, 0.0, 1.0, opts);
        std::printf("expr=%.17g\n", re.value);
        expect(std::fabs(re.value - exact) < 1e-14, "expression integral is accurate");

        // The same integral as 3 "ranks" of a distributed run (README: "Using
        // vquad with MPI"), here in one process: same bits as the single call.
        const std::uint64_t ntasks = vquad::partition_size(0.0, 1.0, opts);
        std::vector<double> all;
        for (std::uint32_t rank = 0; rank < 3; ++rank) {
            vquad::TaskRange share = vquad::partition_range(ntasks, rank, 3);
            std::vector<double> mine =
                ctx.integrate_partial(wave, 0.0, 1.0, opts, share.first, share.count);
            all.insert(all.end(), mine.begin(), mine.end());
        }
        vquad::Result combined = vquad::combine_partials(0.0, 1.0, opts, all);
        expect(same_bits(combined.value, r.value), "partitioned run has the same bits");

        // Errors throw vquad::Error with the status and vq_last_error() text.
        bool threw = false;
        try {
            ctx.integrate(wave, 0.0, 1.0, vquad::Options::fixed(vquad::Rule::Simpson, 0));
        } catch (const vquad::Error &e) {
            threw = true;
            std::printf("caught %s\n", e.what());
            expect(e.status() == VQ_ERR_INVALID_ARG, "n = 0 is VQ_ERR_INVALID_ARG");
            expect(std::string(e.what()).find("n >= 1") != std::string::npos,
                   "the message is vq_last_error()'s");
        }
        expect(threw, "n = 0 throws vquad::Error");

        threw = false;
        try {
            vquad::Integrand::poly({1.0, NAN});
        } catch (const vquad::Error &e) {
            threw = e.status() == VQ_ERR_INVALID_ARG;
            std::printf("caught %s\n", e.what());
        }
        expect(threw, "a NaN coefficient throws VQ_ERR_INVALID_ARG");

        threw = false;
        try {
            vquad::Integrand::expr("sin(x))");
        } catch (const vquad::Error &e) {
            threw = e.status() == VQ_ERR_PARSE;
            std::printf("caught %s\n", e.what());
        }
        expect(threw, "a syntax error throws VQ_ERR_PARSE");

        // An exception from the callable comes back out of integrate, as is.
        vquad::Integrand picky([](double x) -> double {
            if (x > 0.5) {
                throw std::domain_error("picky: x > 0.5");
            }
            return x;
        });
        threw = false;
        try {
            ctx.integrate(picky, 0.0, 1.0, mid);
        } catch (const std::domain_error &e) {
            threw = true;
            std::printf("caught std::domain_error: %s\n", e.what());
        }
        expect(threw, "the callable's exception is rethrown");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        return 1;
    }
    if (failures == 0) {
        std::printf("all C++ wrapper checks passed\n");
    }
    return failures == 0 ? 0 : 1;
}
