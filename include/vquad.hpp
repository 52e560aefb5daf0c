/*
 * vquad.hpp: header-only C++17 wrappers over the C API in vquad.h.
 *
 * No ABI of its own: every class is a thin RAII owner of a C handle, and
 * every call goes through a vq_* function. Link exactly as for C
 * (pkg-config vquad, or CMake's vquad::vquad).
 *
 *   vquad::Context ctx;                                   // all CPUs
 *   vquad::Integrand f([k = 3.0](double x) { return std::cos(k * x); });
 *   vquad::Result r = ctx.integrate(f, 0.0, 1.0,
 *                                   vquad::Options::fixed(vquad::Rule::GaussLegendre, 100));
 *
 * Errors: a failing vq_* call throws vquad::Error (a std::runtime_error)
 * carrying the vq_status and the vq_last_error() text. An exception thrown
 * by a callable integrand stops the integration and is rethrown, as is,
 * by the integrate call.
 */
#ifndef VQUAD_HPP
#define VQUAD_HPP

#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "vquad.h"

namespace vquad {

/** A quadrature rule (the VQ_RULE_* values). */
enum class Rule : vq_rule {
    Auto = VQ_RULE_AUTO,
    Midpoint = VQ_RULE_MIDPOINT,
    Trapezoid = VQ_RULE_TRAPEZOID,
    Simpson = VQ_RULE_SIMPSON,
    GaussLegendre = VQ_RULE_GAUSS_LEGENDRE,
    GaussKronrod = VQ_RULE_GAUSS_KRONROD,
    TanhSinh = VQ_RULE_TANH_SINH,
};

/** The outcome of one integration (the fields of vq_result). */
struct Result {
    double value = 0.0;          /**< The estimate of the integral. */
    double abs_error = 0.0;      /**< Estimated absolute error; NaN for fixed rules. */
    std::uint64_t evals = 0;     /**< Exact number of integrand evaluations. */
    std::uint32_t threads = 0;   /**< Threads of the context that ran the call. */
    double seconds = 0.0;        /**< Wall time inside the call. */
    std::uint64_t subintervals = 0; /**< Panels, or final subintervals. */

    /** Copies a C result. */
    static Result from(const vq_result &r) noexcept {
        return Result{r.value, r.abs_error, r.evals, r.threads, r.seconds, r.subintervals};
    }
};

/** A failed vq_* call: the status and the vq_last_error() message. */
class Error : public std::runtime_error {
public:
    Error(vq_status status, const std::string &message, std::optional<Result> partial = {})
        : std::runtime_error(message), status_(status), partial_(partial) {}

    /** The VQ_ERR_* code. */
    vq_status status() const noexcept { return status_; }
    /** The code's name, e.g. "VQ_ERR_INVALID_ARG". */
    const char *name() const noexcept { return vq_status_str(status_); }
    /** With VQ_ERR_MAX_EVALS, the best estimate reached; otherwise empty. */
    const std::optional<Result> &partial() const noexcept { return partial_; }

private:
    vq_status status_;
    std::optional<Result> partial_;
};

namespace detail {
/** Throws vquad::Error for any status but VQ_OK. */
inline void check(vq_status s) {
    if (s != VQ_OK) {
        throw Error(s, vq_last_error());
    }
}
}  // namespace detail

/** Options of one integration; chainable setters over vq_options. */
class Options {
public:
    /** The defaults of vq_options_default (adaptive, epsrel = 1e-10). */
    Options() noexcept { vq_options_default(&o_); }

    /** A fixed rule on n panels. */
    static Options fixed(Rule r, std::uint64_t n) { return Options().rule(r).n(n); }
    /** An adaptive rule to the given tolerances. */
    static Options adaptive(Rule r, double epsabs, double epsrel) {
        return Options().rule(r).epsabs(epsabs).epsrel(epsrel);
    }

    Options &rule(Rule r) noexcept { o_.rule = static_cast<vq_rule>(r); return *this; }
    Options &n(std::uint64_t v) noexcept { o_.n = v; return *this; }
    Options &order(std::uint32_t v) noexcept { o_.order = v; return *this; }
    Options &epsabs(double v) noexcept { o_.epsabs = v; return *this; }
    Options &epsrel(double v) noexcept { o_.epsrel = v; return *this; }
    Options &max_evals(std::uint64_t v) noexcept { o_.max_evals = v; return *this; }

    /** The C struct, for vq_* calls. */
    const vq_options &c() const noexcept { return o_; }

private:
    vq_options o_;
};

/**
 * An integrand: a polynomial, an expression, or any callable double(double)
 * (lambdas with captures included). The callable is moved into the Integrand, which keeps
 * it alive and at a fixed address for the Integrand's lifetime; vquad calls
 * it concurrently from worker threads, so it must be thread-safe.
 * Move-only.
 */
class Integrand {
public:
    /** The polynomial c[0] + c[1] x + ... (coefficients copied). */
    static Integrand poly(const double *coeffs, std::size_t len) {
        vq_integrand *f = nullptr;
        detail::check(vq_integrand_poly(coeffs, len, &f));
        return Integrand(f, nullptr);
    }
    /** The polynomial with these coefficients, lowest degree first. */
    static Integrand poly(const std::vector<double> &coeffs) {
        return poly(coeffs.data(), coeffs.size());
    }
    /** The polynomial with these coefficients, lowest degree first. */
    static Integrand poly(std::initializer_list<double> coeffs) {
        return poly(std::vector<double>(coeffs));
    }

    /**
     * An expression in x, e.g. "exp(-x^2) * cos(3*x)" (vq_integrand_expr;
     * the language is described in vquad.h). A syntax error throws
     * vquad::Error with VQ_ERR_PARSE and the column in what().
     */
    static Integrand expr(const std::string &text) {
        vq_integrand *f = nullptr;
        detail::check(vq_integrand_expr(text.c_str(), &f));
        return Integrand(f, nullptr);
    }

    /**
     * Any callable `double f(double)`. It is evaluated through a batch
     * trampoline (one indirect call per chunk of points, the callable
     * inlined in the loop). If it throws, the integration stops with
     * VQ_ERR_CALLBACK and Context::integrate rethrows the exception. When
     * one Integrand is integrated by several threads at once and throws,
     * the exception may surface in either call.
     */
    template <class F,
              class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Integrand> &&
                                       std::is_invocable_r_v<double, const std::decay_t<F> &, double>>>
    explicit Integrand(F &&fn) {
        auto h = std::make_unique<Callable<std::decay_t<F>>>(std::forward<F>(fn));
        vq_integrand *f = nullptr;
        detail::check(vq_integrand_batch(&Callable<std::decay_t<F>>::trampoline, h.get(), &f));
        f_ = f;
        holder_ = std::move(h);
    }

    ~Integrand() { vq_integrand_free(f_); }
    Integrand(Integrand &&o) noexcept
        : f_(std::exchange(o.f_, nullptr)), holder_(std::move(o.holder_)) {}
    Integrand &operator=(Integrand &&o) noexcept {
        if (this != &o) {
            vq_integrand_free(f_);
            f_ = std::exchange(o.f_, nullptr);
            holder_ = std::move(o.holder_);
        }
        return *this;
    }
    Integrand(const Integrand &) = delete;
    Integrand &operator=(const Integrand &) = delete;

    /** The C handle, for vq_* calls (owned by this object). */
    const vq_integrand *get() const noexcept { return f_; }

private:
    friend class Context;

    /** Rethrows (and clears) an exception the callable threw, if any. */
    void rethrow_callable_exception() const {
        if (holder_) {
            std::exception_ptr e = holder_->take();
            if (e) {
                std::rethrow_exception(e);
            }
        }
    }

    struct Holder {
        virtual ~Holder() = default;
        std::exception_ptr take() {
            std::lock_guard<std::mutex> lock(m);
            return std::exchange(error, nullptr);
        }
        void store(std::exception_ptr e) {
            std::lock_guard<std::mutex> lock(m);
            if (!error) {
                error = std::move(e);
            }
        }
        std::mutex m;
        std::exception_ptr error;
    };

    template <class F>
    struct Callable final : Holder {
        explicit Callable(F &&f) : fn(std::move(f)) {}
        explicit Callable(const F &f) : fn(f) {}
        F fn;

        static std::int32_t trampoline(const double *x, double *fx, std::size_t n, void *params) noexcept {
            auto *self = static_cast<Callable *>(params);
            try {
                const F &fn = self->fn;
                for (std::size_t i = 0; i < n; ++i) {
                    fx[i] = static_cast<double>(fn(x[i]));
                }
                return 0;
            } catch (...) {
                self->store(std::current_exception());
                return 1;
            }
        }
    };

    Integrand(vq_integrand *f, std::unique_ptr<Holder> h) noexcept : f_(f), holder_(std::move(h)) {}

    vq_integrand *f_ = nullptr;
    std::unique_ptr<Holder> holder_;
};

/**
 * A context: a reusable pool of worker threads (vq_context). Thread-safe;
 * move-only. threads = 0 means VQUAD_NUM_THREADS, else all logical CPUs.
 */
class Context {
public:
    explicit Context(std::uint32_t threads = 0) { detail::check(vq_context_new(threads, &ctx_)); }
    ~Context() { vq_context_free(ctx_); }
    Context(Context &&o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}
    Context &operator=(Context &&o) noexcept {
        if (this != &o) {
            vq_context_free(ctx_);
            ctx_ = std::exchange(o.ctx_, nullptr);
        }
        return *this;
    }
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;

    /** Number of worker threads. */
    std::uint32_t threads() const noexcept { return vq_context_threads(ctx_); }
    /** The C handle, for vq_* calls (owned by this object). */
    vq_context *get() const noexcept { return ctx_; }

    /**
     * Integrates f over [a, b] (vq_integrate). Throws vquad::Error, whose
     * partial() holds the best estimate on VQ_ERR_MAX_EVALS, or rethrows
     * what the callable threw.
     */
    Result integrate(const Integrand &f, double a, double b, const Options &o = Options()) const {
        vq_result r{};
        vq_status s = vq_integrate(ctx_, f.get(), a, b, &o.c(), &r);
        if (s == VQ_ERR_CALLBACK) {
            f.rethrow_callable_exception();
        }
        if (s == VQ_ERR_MAX_EVALS) {
            throw Error(s, vq_last_error(), Result::from(r));
        }
        detail::check(s);
        return Result::from(r);
    }

    /**
     * The partials of tasks [first, first + count) of a fixed-rule integral
     * (vq_integrate_partial): this rank's share of a distributed run.
     */
    std::vector<double> integrate_partial(const Integrand &f, double a, double b, const Options &o,
                                          std::uint64_t first, std::uint64_t count) const {
        std::vector<double> partials(static_cast<std::size_t>(count));
        vq_status s = vq_integrate_partial(ctx_, f.get(), a, b, &o.c(), first, count,
                                           partials.data(), partials.size());
        if (s == VQ_ERR_CALLBACK) {
            f.rethrow_callable_exception();
        }
        detail::check(s);
        return partials;
    }

private:
    vq_context *ctx_ = nullptr;
};

/** Number of tasks of a fixed-rule integral (vq_partition_size). */
inline std::uint64_t partition_size(double a, double b, const Options &o) {
    std::uint64_t n = 0;
    detail::check(vq_partition_size(a, b, &o.c(), &n));
    return n;
}

/** A rank's contiguous share of the tasks (vq_partition_range). */
struct TaskRange {
    std::uint64_t first = 0; /**< First task of the share. */
    std::uint64_t count = 0; /**< Number of tasks in the share. */
};

/** The share of rank `rank` of `nranks` in `ntasks` tasks. */
inline TaskRange partition_range(std::uint64_t ntasks, std::uint32_t rank, std::uint32_t nranks) {
    TaskRange r;
    detail::check(vq_partition_range(ntasks, rank, nranks, &r.first, &r.count));
    return r;
}

/** Combines all partials, in task order (vq_combine_partials). */
inline Result combine_partials(double a, double b, const Options &o, const std::vector<double> &partials) {
    vq_result r{};
    detail::check(vq_combine_partials(a, b, &o.c(), partials.data(), partials.size(), &r));
    return Result::from(r);
}

/** The library version, e.g. "0.1.0". */
inline std::string version() { return vq_version(); }

}  // namespace vquad

#endif /* VQUAD_HPP */
