// A minimal C++ caller of the header-only wrapper: rank six candidates of one feed request
// with the bundled click model under "at most one job post in the top 3", in one call.
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
    lprank_score_request features{request_dense.data(), request_dense.size(), request_ids.data(),
                                  request_ids.size(),   item_dense.data(),    item_dense.size(),
                                  item_ids.data(),      item_ids.size()};
    std::vector<lprank::Rule> rules{lprank::Rule::at_most({0, 1, 2}, lprank::Profile::top(3), 1.0).named("jobs_top3")};
    try {
        auto model = std::make_shared<const lprank::Model>(dir);  // load once, share between threads
        lprank::Ranker ranker;                                     // one per thread
        std::vector<size_t> slate;
        lprank_rank_result r = ranker.rank(*model, features, n, /*slots=*/4, rules, /*u=*/0.42, slate);
        std::printf("click probabilities:");
        for (double s : ranker.scores()) std::printf(" %.4f", s);
        std::printf("\nstatus %u, objective %.6f\nslate:", r.summary.solution_status, r.summary.objective);
        for (size_t i : slate) std::printf(" %zu", i);
        std::printf("\njobs in the top 3: %.3f\n", ranker.rule_outcomes()[0].value);
    } catch (const lprank::Error &e) {
        std::fprintf(stderr, "lprank error %u: %s\n", static_cast<unsigned>(e.status()), e.what());
        return 1;
    }
    return 0;
}
