// A minimal C++ caller of the header-only wrapper: score six candidates with the bundled
// click model, then rank them under "at most one job post in the top 3".
// Build (after cargo build --release) and run from the repository root:
//   g++ -std=c++17 -Iinclude -Ibindings/cpp examples/cpp/rank.cpp -Ltarget/release -llprank -o rank
//   LD_LIBRARY_PATH=target/release ./rank [MODEL_DIR]     (default ranking-models/feed-dcn)
#include <cstdio>
#include <memory>
#include <vector>

#include "lprank.hpp"

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "ranking-models/feed-dcn";
    // One request of six candidates, features in config.json order (see examples/c/rank.c).
    std::vector<float> request_dense{0.8f, 0.3f, 0.5f, -0.87f};
    std::vector<uint64_t> request_ids{2, 11, 1};
    std::vector<float> item_dense{0.1f, 0.5f, 0.2f, 0.06f, 0.3f, 0.4f, 0.9f, 0.05f, 0.2f, 0.6f, 0.1f, 0.04f,
                                  0.5f, 0.2f, 0.7f, 0.08f, 0.9f, 0.8f, 0.3f, 0.03f, 0.4f, 0.3f, 0.5f, 0.05f};
    std::vector<uint64_t> item_ids{1, 0, 11, 1001, 17, 1, 2, 3, 1002, 18, 1, 1, 11, 1003, 19,
                                   0, 0, 11, 1004, 20, 2, 3, 5, 1005, 21, 3, 1, 11, 1006, 22};
    const size_t n = 6;
    std::vector<lprank::Rule> rules{lprank::Rule::at_most({0, 1, 2}, lprank::Profile::top(3), 1.0).named("jobs_top3")};
    try {
        auto model = std::make_shared<const lprank::Model>(dir);  // load once, share between threads
        lprank::Scorer scorer;                                     // one per thread
        std::vector<float> p =
            scorer.score(*model, request_dense, request_ids, item_dense, item_ids, n, lprank::Output::Probability);
        std::vector<double> scores(p.begin(), p.end());
        std::printf("click probabilities:");
        for (double s : scores) std::printf(" %.4f", s);
        std::printf("\n");

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
