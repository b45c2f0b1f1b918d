// lprank — C++17 wrapper over the C ABI (include/lprank.h). Header-only.
//
//   lprank::Solver solver;                                   // one per thread; move-only
//   std::vector<lprank::Rule> rules{lprank::Rule::at_most({0, 1, 2}, lprank::Profile::top(3), 1.0)};
//   auto summary = solver.solve(scores.data(), scores.size(), /*slots=*/4, rules);
//   std::vector<size_t> slate = solver.sample(0.42);         // the ranking to serve
//
//   auto model = std::make_shared<const lprank::Model>("ranking-models/feed-dcn");  // shared
//   lprank::Scorer scorer;                                   // one per thread; move-only
//   std::vector<float> p = scorer.score(*model, request_dense, request_ids, item_dense, item_ids,
//                                       n, lprank::Output::Probability);
//
//   lprank::Ranker ranker;                                   // score + solve + sample, one call
//   std::vector<size_t> slate;
//   auto r = ranker.rank(*model, features, n, /*slots=*/50, rules, u, slate);
//
// Errors throw lprank::Error, which carries the C status and lprank_last_error()'s text.
// Scores and request features are passed as pointer + size and never copied.
#ifndef LPRANK_HPP
#define LPRANK_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "lprank.h"

namespace lprank {

/// A failed call: the status code and the library's message.
class Error : public std::runtime_error {
  public:
    Error(lprank_status status, const std::string &message) : std::runtime_error(message), status_(status) {}
    lprank_status status() const noexcept { return status_; }

  private:
    lprank_status status_;
};

inline void check(lprank_status status) {
    if (status != LPRANK_OK) throw Error(status, lprank_last_error());
}

/// Which slots a rule counts.
struct Profile {
    uint32_t kind = LPRANK_PROFILE_WHOLE_SLATE;
    size_t depth = 0;
    static Profile whole_slate() { return {LPRANK_PROFILE_WHOLE_SLATE, 0}; }
    static Profile top(size_t depth) { return {LPRANK_PROFILE_TOP, depth}; }
    static Profile exposure() { return {LPRANK_PROFILE_EXPOSURE, 0}; }
};

/// One rule: members (indices, or one coefficient per item), a profile and bounds.
struct Rule {
    std::string name;
    std::vector<size_t> items;
    std::vector<double> coefficients;
    Profile profile;
    std::optional<double> max, min, penalty;

    static Rule at_most(std::vector<size_t> items, Profile profile, double max) {
        Rule r;
        r.items = std::move(items);
        r.profile = profile;
        r.max = max;
        return r;
    }
    static Rule at_least(std::vector<size_t> items, Profile profile, double min) {
        Rule r;
        r.items = std::move(items);
        r.profile = profile;
        r.min = min;
        return r;
    }
    Rule &named(std::string n) { name = std::move(n); return *this; }
    Rule &soft(double rho) { penalty = rho; return *this; }
};

/// One ranking of the lottery.
struct Ranking {
    double probability;
    std::vector<size_t> items;
};

namespace detail {
/// The C view of `rules` (pointing into them) in `out`, whose capacity is reused.
inline void to_c_rules(const std::vector<Rule> &rules, std::vector<lprank_rule> &out) {
    out.clear();
    for (const Rule &r : rules) {
        lprank_rule c{};
        c.name = r.name.c_str();
        c.items = r.items.empty() ? nullptr : r.items.data();
        c.items_len = r.items.size();
        c.coefficients = r.coefficients.empty() ? nullptr : r.coefficients.data();
        c.coefficients_len = r.coefficients.size();
        c.profile = r.profile.kind;
        c.top = r.profile.depth;
        c.has_max = r.max.has_value();
        c.max = r.max.value_or(0.0);
        c.has_min = r.min.has_value();
        c.min = r.min.value_or(0.0);
        c.has_penalty = r.penalty.has_value();
        c.penalty = r.penalty.value_or(0.0);
        out.push_back(c);
    }
}

/// The lottery behind `read` (a C reader of probabilities and rankings) as Rankings.
template <class Read>
std::vector<Ranking> lottery(const lprank_summary &s, Read read) {
    std::vector<double> p(s.lottery_len);
    std::vector<size_t> items(s.lottery_len * s.slate_len);
    check(read(p.data(), p.size(), items.data(), items.size()));
    std::vector<Ranking> out;
    for (size_t t = 0; t < s.lottery_len; t++)
        out.push_back({p[t], std::vector<size_t>(items.begin() + t * s.slate_len,
                                                 items.begin() + (t + 1) * s.slate_len)});
    return out;
}
}  // namespace detail

/// Owns an lprank_solver; move-only. Not thread-safe: one per thread.
class Solver {
  public:
    explicit Solver(const lprank_settings *settings = nullptr) : handle_(lprank_solver_new(settings)) {
        if (!handle_) throw Error(LPRANK_INVALID_INPUT, lprank_last_error());
    }
    explicit Solver(const lprank_settings &settings) : Solver(&settings) {}
    ~Solver() { lprank_solver_free(handle_); }
    Solver(const Solver &) = delete;
    Solver &operator=(const Solver &) = delete;
    Solver(Solver &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Solver &operator=(Solver &&other) noexcept {
        if (this != &other) {
            lprank_solver_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }

    /// Reserves for problems of at most `items` items, `slots` slots and as many rules and
    /// bounds as `rules`, so that no such solve allocates from now on (lprank_solver_reserve).
    void reserve(size_t items, size_t slots, const std::vector<Rule> &rules) {
        detail::to_c_rules(rules, c_rules_);
        check(lprank_solver_reserve(handle_, items, slots, c_rules_.empty() ? nullptr : c_rules_.data(),
                                    c_rules_.size()));
    }

    /// Solves for `n` scores at `scores` (not copied), `slots` slots (default position
    /// weights unless `position_weights` is non-empty) and `rules`.
    lprank_summary solve(const double *scores, size_t n, size_t slots, const std::vector<Rule> &rules,
                         const std::vector<double> &position_weights = {}) {
        detail::to_c_rules(rules, c_rules_);
        lprank_problem p{scores, n, slots, position_weights.empty() ? nullptr : position_weights.data(),
                         position_weights.size(), c_rules_.empty() ? nullptr : c_rules_.data(), c_rules_.size()};
        lprank_summary s{};
        check(lprank_solver_solve(handle_, &p, &s));
        return s;
    }

    lprank_summary summary() const {
        lprank_summary s{};
        check(lprank_solver_summary(handle_, &s));
        return s;
    }

    /// The lottery of the last solve.
    std::vector<Ranking> lottery() const {
        return detail::lottery(summary(), [this](double *p, size_t np, size_t *r, size_t nr) {
            return lprank_solver_lottery(handle_, p, np, r, nr);
        });
    }

    /// The ranking to serve for `u ∈ [0, 1)`.
    std::vector<size_t> sample(double u) const {
        std::vector<size_t> ranking(summary().slate_len);
        check(lprank_solver_sample(handle_, u, ranking.data(), ranking.size()));
        return ranking;
    }

    /// Value, dual and violation of each rule.
    std::vector<lprank_rule_outcome> rule_outcomes() const {
        std::vector<lprank_rule_outcome> out(summary().rules_len);
        check(lprank_solver_rule_outcomes(handle_, out.data(), out.size()));
        return out;
    }

    /// The Farkas ray of an infeasible solve.
    std::vector<double> infeasibility_ray() const {
        std::vector<double> out(summary().rules_len);
        check(lprank_solver_infeasibility_ray(handle_, out.data(), out.size()));
        return out;
    }

  private:
    lprank_solver *handle_;
    std::vector<lprank_rule> c_rules_;
};

/// Owns an lprank_greedy: the greedy baseline to compare the LP with offline (it fills
/// slots in order with the best item a myopic check allows; see lprank::greedy in the Rust
/// docs for what it does not guarantee). Move-only; not thread-safe: one per thread.
class Greedy {
  public:
    Greedy() : handle_(lprank_greedy_new()) {
        if (!handle_) throw Error(LPRANK_PANIC, lprank_last_error());
    }
    ~Greedy() { lprank_greedy_free(handle_); }
    Greedy(const Greedy &) = delete;
    Greedy &operator=(const Greedy &) = delete;
    Greedy(Greedy &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Greedy &operator=(Greedy &&other) noexcept {
        if (this != &other) {
            lprank_greedy_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }

    /// The greedy slate for `n` scores on `slots` slots (default position weights unless
    /// `position_weights` is non-empty, as in Solver::solve) under `rules`, into `slate`
    /// (resized), and each rule's value and violation into `outcomes` (resized).
    lprank_greedy_result rank(const double *scores, size_t n, size_t slots, const std::vector<Rule> &rules,
                              std::vector<size_t> &slate, std::vector<lprank_rule_outcome> &outcomes,
                              const std::vector<double> &position_weights = {}) {
        detail::to_c_rules(rules, c_rules_);
        lprank_problem p{scores, n, slots, position_weights.empty() ? nullptr : position_weights.data(),
                         position_weights.size(), c_rules_.empty() ? nullptr : c_rules_.data(), c_rules_.size()};
        size_t m = position_weights.empty() || (slots != 0 && slots < position_weights.size())
                       ? slots
                       : position_weights.size();
        slate.resize(m < n ? m : n);
        outcomes.resize(rules.size());
        lprank_greedy_result r{};
        check(lprank_greedy_rank(handle_, &p, slate.empty() ? nullptr : slate.data(), slate.size(),
                                 outcomes.empty() ? nullptr : outcomes.data(), outcomes.size(), &r));
        return r;
    }

  private:
    lprank_greedy *handle_;
    std::vector<lprank_rule> c_rules_;
};

/// Which number per candidate the scorer writes.
enum class Output : uint32_t {
    Logit = LPRANK_OUTPUT_LOGIT,                      ///< ranking logit (unbounded; rank by it)
    CalibratedLogit = LPRANK_OUTPUT_CALIBRATED_LOGIT, ///< after the model's calibration
    Probability = LPRANK_OUTPUT_PROBABILITY,          ///< sigmoid of the calibrated logit, in [0, 1]
};

/// Arithmetic of the scorer's towers.
enum class Precision : uint32_t { F32 = LPRANK_PRECISION_F32, Int8 = LPRANK_PRECISION_INT8 };

/// Kernel tier (every tier gives bit-identical scores).
enum class Kernels : uint32_t {
    Auto = LPRANK_KERNELS_AUTO,
    Portable = LPRANK_KERNELS_PORTABLE,
    Avx2 = LPRANK_KERNELS_AVX2,
};

/// Owns an lprank_model: a loaded, validated scoring model; move-only. Immutable, so one
/// Model may be used by many threads at once: share it as std::shared_ptr<const Model>
/// and give each thread its own Scorer.
class Model {
  public:
    /// Loads `dir` (config.json + model.safetensors); throws Error naming the fault.
    explicit Model(const std::string &dir) : handle_(lprank_model_load(dir.c_str())) {
        if (!handle_) throw Error(LPRANK_INVALID_INPUT, lprank_last_error());
    }
    ~Model() { lprank_model_free(handle_); }
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;
    Model(Model &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Model &operator=(Model &&other) noexcept {
        if (this != &other) {
            lprank_model_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }

    /// The input widths a request must match.
    lprank_input_widths widths() const {
        lprank_input_widths w{};
        check(lprank_model_widths(handle_, &w));
        return w;
    }

    /// The C handle (NULL after a move), for calls the wrapper does not cover.
    const lprank_model *get() const noexcept { return handle_; }

  private:
    lprank_model *handle_;
};

/// Owns an lprank_scorer (per-thread buffers and kernels); move-only. Not thread-safe:
/// one per thread.
class Scorer {
  public:
    explicit Scorer(Precision precision = Precision::F32, Kernels kernels = Kernels::Auto) {
        lprank_scorer_settings s{static_cast<uint32_t>(precision), static_cast<uint32_t>(kernels)};
        handle_ = lprank_scorer_new(&s);
        if (!handle_) throw Error(LPRANK_INVALID_INPUT, lprank_last_error());
    }
    ~Scorer() { lprank_scorer_free(handle_); }
    Scorer(const Scorer &) = delete;
    Scorer &operator=(const Scorer &) = delete;
    Scorer(Scorer &&other) noexcept
        : handle_(std::exchange(other.handle_, nullptr)), last_n_(std::exchange(other.last_n_, 0)) {}
    Scorer &operator=(Scorer &&other) noexcept {
        if (this != &other) {
            lprank_scorer_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
            last_n_ = std::exchange(other.last_n_, 0);
        }
        return *this;
    }

    /// Scores `n` candidates into `scores` (n floats). The request's arrays are read in
    /// place: item arrays are n rows, row-major (see lprank_score_request).
    void score(const Model &model, const lprank_score_request &request, Output output, float *scores, size_t n) {
        check(lprank_scorer_score(handle_, model.get(), &request, static_cast<uint32_t>(output), scores, n));
        last_n_ = n;
    }

    /// The same from vectors (not copied); returns the n scores.
    std::vector<float> score(const Model &model, const std::vector<float> &request_dense,
                             const std::vector<uint64_t> &request_ids, const std::vector<float> &item_dense,
                             const std::vector<uint64_t> &item_ids, size_t n, Output output = Output::Logit) {
        lprank_score_request r{request_dense.data(), request_dense.size(), request_ids.data(),
                               request_ids.size(),   item_dense.data(),    item_dense.size(),
                               item_ids.data(),      item_ids.size()};
        std::vector<float> out(n);
        score(model, r, output, out.data(), n);
        return out;
    }

    /// Head logits of the last successful call: n × heads, candidate by candidate.
    std::vector<float> head_logits(const Model &model) const {
        std::vector<float> out(last_n_ * model.widths().heads);
        check(lprank_scorer_head_logits(handle_, out.data(), out.size()));
        return out;
    }

  private:
    lprank_scorer *handle_ = nullptr;
    size_t last_n_ = 0;
};

/// How a Ranker scores and solves.
struct RankerSettings {
    Precision precision = Precision::F32;
    Kernels kernels = Kernels::Auto;
    Output output = Output::Probability;  ///< what the LP maximises
    lprank_settings solver = lprank_settings_default();
};

/// Owns an lprank_ranker: scores a request's candidates with a shared Model, solves the
/// slate LP under its rules and picks the slate, in one call; move-only. Not thread-safe:
/// one per thread (the Model may be shared). A warm Ranker and warm vectors allocate
/// nothing per request.
class Ranker {
  public:
    explicit Ranker(const RankerSettings &settings = {}) {
        lprank_ranker_settings s = lprank_ranker_settings_default();
        s.scorer.precision = static_cast<uint32_t>(settings.precision);
        s.scorer.kernels = static_cast<uint32_t>(settings.kernels);
        s.output = static_cast<uint32_t>(settings.output);
        s.solver = settings.solver;
        handle_ = lprank_ranker_new(&s);
        if (!handle_) throw Error(LPRANK_INVALID_INPUT, lprank_last_error());
    }
    ~Ranker() { lprank_ranker_free(handle_); }
    Ranker(const Ranker &) = delete;
    Ranker &operator=(const Ranker &) = delete;
    Ranker(Ranker &&other) noexcept
        : handle_(std::exchange(other.handle_, nullptr)),
          last_(std::exchange(other.last_, {})),
          candidates_(std::exchange(other.candidates_, 0)),
          c_rules_(std::move(other.c_rules_)) {}
    Ranker &operator=(Ranker &&other) noexcept {
        if (this != &other) {
            lprank_ranker_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
            last_ = std::exchange(other.last_, {});
            candidates_ = std::exchange(other.candidates_, 0);
            c_rules_ = std::move(other.c_rules_);
        }
        return *this;
    }

    /// Reserves for requests of at most `candidates` candidates, `slots` slots and as many
    /// rules and bounds as `rules`, so that no such request allocates once the scorer has
    /// seen one of `candidates` (lprank_ranker_reserve).
    void reserve(size_t candidates, size_t slots, const std::vector<Rule> &rules) {
        detail::to_c_rules(rules, c_rules_);
        check(lprank_ranker_reserve(handle_, candidates, slots, c_rules_.empty() ? nullptr : c_rules_.data(),
                                    c_rules_.size()));
    }

    /// Ranks `candidates` candidates whose features `features` holds (read in place, laid
    /// out as for Scorer::score) on `slots` slots (default position weights unless
    /// `position_weights` is non-empty, as in Solver::solve) under `rules`, and writes the
    /// slate for the uniform number `u` to `slate` (resized; emptied when there is no
    /// lottery, e.g. infeasible rules: see the summary's solution_status).
    lprank_rank_result rank(const Model &model, const lprank_score_request &features, size_t candidates, size_t slots,
                            const std::vector<Rule> &rules, double u, std::vector<size_t> &slate,
                            const std::vector<double> &position_weights = {}) {
        detail::to_c_rules(rules, c_rules_);
        lprank_rank_request request{features,
                                    candidates,
                                    slots,
                                    position_weights.empty() ? nullptr : position_weights.data(),
                                    position_weights.size(),
                                    c_rules_.empty() ? nullptr : c_rules_.data(),
                                    c_rules_.size(),
                                    u};
        size_t m = position_weights.empty() || (slots != 0 && slots < position_weights.size())
                       ? slots
                       : position_weights.size();
        slate.resize(m < candidates ? m : candidates);
        last_ = {};
        candidates_ = 0;
        lprank_rank_result result{};
        check(lprank_ranker_rank(handle_, model.get(), &request, slate.empty() ? nullptr : slate.data(),
                                 slate.size(), &result));
        if (!result.has_slate) slate.clear();
        last_ = result.summary;
        candidates_ = candidates;
        return result;
    }

    /// The candidates' scores of the last request (what the LP maximised).
    std::vector<double> scores() const {
        std::vector<double> out(candidates_);
        check(lprank_ranker_scores(handle_, out.data(), out.size()));
        return out;
    }

    /// The lottery of the last request.
    std::vector<Ranking> lottery() const {
        return detail::lottery(last_, [this](double *p, size_t np, size_t *r, size_t nr) {
            return lprank_ranker_lottery(handle_, p, np, r, nr);
        });
    }

    /// The last request's slate for another uniform number `u`.
    std::vector<size_t> sample(double u) const {
        std::vector<size_t> ranking(last_.slate_len);
        check(lprank_ranker_sample(handle_, u, ranking.data(), ranking.size()));
        return ranking;
    }

    /// Value, dual and violation of each rule of the last request.
    std::vector<lprank_rule_outcome> rule_outcomes() const {
        std::vector<lprank_rule_outcome> out(last_.rules_len);
        check(lprank_ranker_rule_outcomes(handle_, out.data(), out.size()));
        return out;
    }

    /// The Farkas ray when the last request's rules are infeasible.
    std::vector<double> infeasibility_ray() const {
        std::vector<double> out(last_.rules_len);
        check(lprank_ranker_infeasibility_ray(handle_, out.data(), out.size()));
        return out;
    }

  private:
    lprank_ranker *handle_ = nullptr;
    lprank_summary last_{};
    size_t candidates_ = 0;
    std::vector<lprank_rule> c_rules_;
};

}  // namespace lprank

#endif  // LPRANK_HPP
