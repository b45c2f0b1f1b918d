// The C++ scorer wrapper: RAII and moves, errors as exceptions with the status, a model
// shared by threads, and scores tests/bindings.rs compares with the Rust API (same request
// file and output format as tests/c/test_scorer.c).
//
//   test_scorer_cpp errors MODEL_DIR
//   test_scorer_cpp score MODEL_DIR FILE f32|int8
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "lprank.hpp"

static void check_errors(const std::string &dir) {
    std::string message;
    CHECK(status_of([] { lprank::Model m("/nonexistent/model"); }, &message) == LPRANK_INVALID_INPUT &&
              contains(message, "config.json"),
          "bad model directory: " << message);

    auto model = std::make_shared<const lprank::Model>(dir);
    lprank_input_widths w = model->widths();
    CHECK(w.request_dense == 4 && w.request_ids == 3 && w.item_dense == 4 && w.item_ids == 5 && w.heads == 2,
          "feed-dcn widths");
    CHECK(status_of([] { lprank::Scorer s(static_cast<lprank::Precision>(5)); }) == LPRANK_INVALID_INPUT,
          "unknown precision");

    const size_t n = 3;
    std::vector<float> request_dense{0.5f, 1.0f, 0.0f, 1.0f};
    std::vector<uint64_t> request_ids{1, 2, 0};
    std::vector<float> item_dense{0.1f, 0.2f, 0.3f, 0.4f, 1.5f, 0.5f, 0.5f, 0.2f, 3.0f, 0.0f, 0.9f, 0.05f};
    std::vector<uint64_t> item_ids{0, 1, 2, 123456789, 987, 1, 2, 3, 42, 7, 4, 3, 23, 99999, 123456};

    lprank::Scorer scorer;
    CHECK(status_of([&] { scorer.head_logits(*model); }) == LPRANK_NO_SOLUTION, "head logits before scoring");
    auto logit = scorer.score(*model, request_dense, request_ids, item_dense, item_ids, n);
    auto p = scorer.score(*model, request_dense, request_ids, item_dense, item_ids, n, lprank::Output::Probability);
    CHECK(logit.size() == n && p.size() == n, "n scores");
    for (size_t i = 0; i < n; i++) CHECK(p[i] >= 0 && p[i] <= 1, "probability in [0, 1]");
    auto heads = scorer.head_logits(*model);
    CHECK(heads.size() == 2 * n, "n × heads head logits");
    for (size_t i = 0; i < n; i++)
        CHECK(std::fabs(heads[2 * i] + 0.5f * heads[2 * i + 1] - logit[i]) < 1e-5f * (1 + std::fabs(logit[i])),
              "heads combine into the logit");

    // Each error status, with the field named.
    CHECK(status_of([&] { scorer.score(*model, {0.5f, 1.0f, 0.0f}, request_ids, item_dense, item_ids, n); },
                    &message) == LPRANK_LENGTH_MISMATCH &&
              contains(message, "request_dense"),
          "request_dense length: " << message);
    CHECK(status_of([&] { scorer.score(*model, request_dense, request_ids, item_dense, item_ids, n + 1); },
                    &message) == LPRANK_LENGTH_MISMATCH &&
              contains(message, "item_dense"),
          "n disagrees with the item rows: " << message);
    std::vector<float> nan_items = item_dense;
    nan_items[5] = NAN;
    CHECK(status_of([&] { scorer.score(*model, request_dense, request_ids, nan_items, item_ids, n); }, &message) ==
                  LPRANK_INVALID_INPUT &&
              contains(message, "candidate 1"),
          "NaN item value: " << message);
    std::vector<uint64_t> bad_ids{1, 2, 3};
    CHECK(status_of([&] { scorer.score(*model, request_dense, bad_ids, item_dense, item_ids, n); }, &message) ==
                  LPRANK_INVALID_INPUT &&
              contains(message, "device"),
          "request id out of range: " << message);
    lprank_score_request null_dense{nullptr, 4, request_ids.data(), 3, item_dense.data(), 12, item_ids.data(), 15};
    float out[n];
    CHECK(status_of([&] { scorer.score(*model, null_dense, lprank::Output::Logit, out, n); }) == LPRANK_NULL_POINTER,
          "NULL array with a length");
    CHECK(status_of([&] { scorer.score(*model, null_dense, static_cast<lprank::Output>(9), out, n); }) ==
              LPRANK_NULL_POINTER,
          "pointers are checked before the output");

    // One model, several threads, each with its own scorer: the same scores.
    std::vector<std::vector<float>> results(4);
    std::vector<std::thread> threads;
    for (auto &r : results)
        threads.emplace_back([&, model] {
            lprank::Scorer local(lprank::Precision::F32);
            for (int k = 0; k < 20; k++) r = local.score(*model, request_dense, request_ids, item_dense, item_ids, n);
        });
    for (auto &t : threads) t.join();
    for (const auto &r : results) CHECK(r == logit, "threads agree with one another");

    // Moves: the moved-from handles are empty and report NULL handles, not a crash.
    lprank::Scorer moved = std::move(scorer);
    CHECK(moved.score(*model, request_dense, request_ids, item_dense, item_ids, n) == logit, "moved-to scorer");
    CHECK(status_of([&] { scorer.score(*model, request_dense, request_ids, item_dense, item_ids, n); }) ==
              LPRANK_NULL_POINTER,
          "moved-from scorer");
    lprank::Model owned(dir);
    lprank::Model taken = std::move(owned);
    CHECK(status_of([&] { moved.score(owned, request_dense, request_ids, item_dense, item_ids, n); }) ==
              LPRANK_NULL_POINTER,
          "moved-from model");
    CHECK(status_of([&] { owned.widths(); }) == LPRANK_NULL_POINTER, "widths of a moved-from model");
    CHECK(moved.score(taken, request_dense, request_ids, item_dense, item_ids, n) == logit, "moved-to model");
}

static int score_file(const std::string &dir, const char *path, const std::string &precision) {
    std::ifstream f(path);
    size_t requests, n, dr, sr, di, si;
    f >> requests >> n >> dr >> sr >> di >> si;
    if (!f) return 1;
    lprank::Model model(dir);
    lprank::Scorer scorer(precision == "int8" ? lprank::Precision::Int8 : lprank::Precision::F32);
    std::vector<float> rd(dr), id(n * di);
    std::vector<uint64_t> rs(sr), is(n * si);
    for (size_t r = 0; r < requests; r++) {
        for (auto &x : rd) f >> x;
        for (auto &x : rs) f >> x;
        for (auto &x : id) f >> x;
        for (auto &x : is) f >> x;
        if (!f) return 1;
        for (uint32_t o = LPRANK_OUTPUT_LOGIT; o <= LPRANK_OUTPUT_PROBABILITY; o++) {
            auto scores = scorer.score(model, rd, rs, id, is, n, static_cast<lprank::Output>(o));
            std::printf("scores %zu %u", r, o);
            for (float s : scores) std::printf(" %.9g", s);
            std::printf("\n");
        }
        std::printf("heads %zu 0", r);
        for (float h : scorer.head_logits(model)) std::printf(" %.9g", h);
        std::printf("\n");
    }
    return 0;
}

int main(int argc, char **argv) {
    try {
        if (argc >= 3 && std::strcmp(argv[1], "errors") == 0) {
            check_errors(argv[2]);
            return check_report();
        }
        if (argc >= 5 && std::strcmp(argv[1], "score") == 0) return score_file(argv[2], argv[3], argv[4]);
    } catch (const lprank::Error &e) {
        std::cerr << "lprank error " << e.status() << ": " << e.what() << "\n";
        return 1;
    }
    std::cerr << "usage: test_scorer_cpp errors MODEL_DIR | score MODEL_DIR FILE f32|int8\n";
    return 2;
}
