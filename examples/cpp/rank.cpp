// A minimal C++ caller of the header-only wrapper.  Build (after cargo build --release):
//   g++ -std=c++17 -Iinclude -Ibindings/cpp examples/cpp/rank.cpp -Ltarget/release -llprank -o rank
#include <cstdio>
#include <vector>

#include "lprank.hpp"

int main() {
    std::vector<double> scores{0.9, 0.8, 0.7, 0.3, 0.2, 0.1};
    std::vector<lprank::Rule> rules{lprank::Rule::at_most({0, 1, 2}, lprank::Profile::top(3), 1.0).named("jobs_top3")};
    try {
        lprank::Solver solver;  // one per thread
        lprank_summary s = solver.solve(scores.data(), scores.size(), 4, rules);
        std::vector<size_t> slate = solver.sample(0.42);
        std::printf("status %u, objective %.6f\nslate:", s.solution_status, s.objective);
        for (size_t i : slate) std::printf(" %zu", i);
        std::printf("\njobs in the top 3: %.3f\n", solver.rule_outcomes()[0].value);
    } catch (const lprank::Error &e) {
        std::fprintf(stderr, "lprank error %u: %s\n", static_cast<unsigned>(e.status()), e.what());
        return 1;
    }
    return 0;
}
