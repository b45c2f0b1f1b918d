// The C++ wrapper: RAII and moves, errors as exceptions with the status, and solves whose
// output tests/bindings.rs compares with the Rust API (same file format as tests/c).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "check.hpp"
#include "lprank.hpp"

static void check_errors() {
    std::vector<double> scores{0.9, 0.8, 0.7, 0.3};
    lprank::Solver solver;
    std::vector<lprank::Rule> rules{lprank::Rule::at_most({0, 1}, lprank::Profile::top(2), 1.0).named("jobs")};
    auto s = solver.solve(scores.data(), scores.size(), 3, rules);
    CHECK(s.solution_status == LPRANK_SOLUTION_OPTIMAL, "optimal");
    CHECK(solver.sample(0.3).size() == 3, "sample length");
    CHECK(solver.rule_outcomes().at(0).value <= 1.0 + 1e-9, "cap holds");
    CHECK(status_of([&] { solver.infeasibility_ray(); }) == LPRANK_NO_SOLUTION, "no ray when optimal");

    std::vector<double> nan_scores{0.9, NAN};
    CHECK(status_of([&] { solver.solve(nan_scores.data(), 2, 1, {}); }) == LPRANK_INVALID_INPUT, "NaN score");

    // The greedy baseline: two minimums competing for the top two slots defeat its myopic
    // check (slot 0 goes to the best item; slot 1 serves one of them), and it says so.
    lprank::Greedy greedy;
    std::vector<double> six{0.9, 0.8, 0.7, 0.3, 0.2, 0.1};
    std::vector<lprank::Rule> competing{lprank::Rule::at_least({4}, lprank::Profile::top(2), 1.0),
                                        lprank::Rule::at_least({5}, lprank::Profile::top(2), 1.0)};
    std::vector<size_t> slate;
    std::vector<lprank_rule_outcome> outcomes;
    auto g = greedy.rank(six.data(), six.size(), 3, competing, slate, outcomes);
    CHECK(slate.size() == 3 && slate[0] == 0 && g.slate_len == 3, "greedy slate starts with the best item");
    CHECK(g.broken_hard_rules == 1 && outcomes.size() == 2 && outcomes[0].violation + outcomes[1].violation == 1.0,
          "one minimum reported broken by 1");
    lprank::Greedy moved_greedy = std::move(greedy);
    CHECK(status_of([&] { moved_greedy.rank(nan_scores.data(), 2, 1, {}, slate, outcomes); }) == LPRANK_INVALID_INPUT,
          "greedy: NaN score");
    try {
        solver.solve(nan_scores.data(), 2, 1, {});
    } catch (const lprank::Error &e) {
        CHECK(std::string(e.what()).find("scores[1]") != std::string::npos, "message names scores[1]");
    }
    CHECK(status_of([&] { solver.solve(nullptr, 3, 1, {}); }) == LPRANK_NULL_POINTER, "NULL scores");
    auto both = lprank::Rule::at_most({0}, lprank::Profile::exposure(), 1.0);
    both.coefficients = {1, 0, 0, 0};
    CHECK(status_of([&] { solver.solve(scores.data(), 4, 2, {both}); }) == LPRANK_INVALID_INPUT, "items and coefficients");
    CHECK(status_of([&] { solver.solve(scores.data(), 4, 3, {}, {1.0, 0.5}); }) == LPRANK_LENGTH_MISMATCH,
          "more slots than weights");

    auto impossible = lprank::Rule::at_least({0}, lprank::Profile::top(1), 2.0);
    s = solver.solve(scores.data(), 4, 2, {impossible});
    CHECK(s.solution_status == LPRANK_SOLUTION_INFEASIBLE, "infeasible");
    CHECK(solver.infeasibility_ray().at(0) < 0, "ray");
    CHECK(status_of([&] { solver.sample(0.5); }) == LPRANK_NO_SOLUTION, "nothing to sample");

    // Moves: the moved-from handle is empty and reports a NULL handle, not a crash.
    lprank::Solver moved = std::move(solver);
    CHECK(moved.solve(scores.data(), 4, 2, rules).solution_status == LPRANK_SOLUTION_OPTIMAL, "moved-to works");
    CHECK(status_of([&] { solver.solve(scores.data(), 4, 2, rules); }) == LPRANK_NULL_POINTER, "moved-from");

    lprank_settings bad = lprank_settings_default();
    bad.max_iterations = 0;
    CHECK(status_of([&] { lprank::Solver x(bad); }) == LPRANK_INVALID_INPUT, "bad settings");
}

static int solve_file(const char *path) {
    std::ifstream f(path);
    size_t n, slots, k, wn;
    f >> n >> slots >> k;
    std::vector<double> scores(n);
    for (auto &s : scores) f >> s;
    f >> wn;
    std::vector<double> weights(wn);
    for (auto &w : weights) f >> w;
    std::vector<lprank::Rule> rules(k);
    for (auto &r : rules) {
        unsigned profile, has_max, has_min, has_penalty, kind;
        size_t top, count;
        double max, min, penalty;
        f >> profile >> top >> has_max >> max >> has_min >> min >> has_penalty >> penalty >> kind >> count;
        r.profile = {profile, top};
        if (has_max) r.max = max;
        if (has_min) r.min = min;
        if (has_penalty) r.penalty = penalty;
        if (kind == 0) {
            r.items.resize(count);
            for (auto &i : r.items) f >> i;
        } else {
            r.coefficients.resize(count);
            for (auto &c : r.coefficients) f >> c;
        }
    }
    if (!f) return 1;
    lprank::Solver solver;
    solver.solve(scores.data(), n, slots, rules, weights);
    auto s = solver.solve(scores.data(), n, slots, rules, weights);  // warm
    std::printf("status %u\nobjective %.17g\nbound %.17g\nlottery %zu\n", s.solution_status, s.objective, s.bound,
                s.lottery_len);
    for (const auto &r : solver.lottery()) {
        std::printf("ranking %.17g", r.probability);
        for (size_t i : r.items) std::printf(" %zu", i);
        std::printf("\n");
    }
    for (const auto &o : solver.rule_outcomes()) std::printf("rule %.17g %.17g %.17g\n", o.value, o.dual, o.violation);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && std::strcmp(argv[1], "errors") == 0) {
        check_errors();
        return check_report();
    }
    if (argc >= 3 && std::strcmp(argv[1], "solve") == 0) return solve_file(argv[2]);
    std::cerr << "usage: test_solver errors | solve FILE\n";
    return 2;
}
