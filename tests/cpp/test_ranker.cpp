// The C++ ranker wrapper: RAII and moves, errors as exceptions with the status, one model
// shared by rankers on several threads, and ranked requests tests/bindings.rs compares with
// the Rust Ranker (same request file and output format as tests/c/test_ranker.c).
//
//   test_ranker_cpp errors MODEL_DIR
//   test_ranker_cpp rank MODEL_DIR FILE f32|int8
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <cstdlib>
#include <new>

#include "check.hpp"

// Counts the C++ allocations this program makes, so that a test can show that a warm
// lprank::Ranker with warm vectors allocates nothing per request (the library's own side
// is shown allocation-free by tests/ffi_ranker.rs).
static thread_local long cpp_allocations = 0;
void *operator new(std::size_t size) {
    cpp_allocations++;
    if (void *p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
#include "lprank.hpp"

/// A small request of feed-dcn's widths.
struct Request {
    static constexpr size_t n = 8;
    std::vector<float> request_dense{0.3f, 0.1f, -0.5f, 0.8f};
    std::vector<uint64_t> request_ids{4, 5, 2};
    std::vector<float> item_dense;
    std::vector<uint64_t> item_ids;
    Request() {
        for (size_t i = 0; i < n; i++) {
            for (size_t d = 0; d < 4; d++) item_dense.push_back(static_cast<float>((i * 7 + d * 3) % 10) / 10.0f);
            for (uint64_t id : {i % 5, i % 4, i % 3, i, i % 2}) item_ids.push_back(id);
        }
    }
    lprank_score_request features() const {
        return {request_dense.data(), request_dense.size(), request_ids.data(), request_ids.size(),
                item_dense.data(),    item_dense.size(),    item_ids.data(),    item_ids.size()};
    }
};

static void check_errors(const std::string &dir) {
    std::string message;
    lprank::RankerSettings bad;
    bad.output = static_cast<lprank::Output>(9);
    CHECK(status_of([&] { lprank::Ranker r(bad); }, &message) == LPRANK_INVALID_INPUT &&
              contains(message, "settings.output"),
          "unknown output: " << message);

    auto model = std::make_shared<const lprank::Model>(dir);
    Request q;
    std::vector<lprank::Rule> rules{lprank::Rule::at_most({0, 1, 2}, lprank::Profile::top(2), 1.0).named("jobs")};
    lprank::Ranker ranker;
    std::vector<size_t> slate;

    CHECK(status_of([&] { ranker.scores(); }) == LPRANK_NO_SOLUTION, "nothing to read before a request");
    auto r = ranker.rank(*model, q.features(), Request::n, 4, rules, 0.5, slate);
    CHECK(r.summary.solution_status == LPRANK_SOLUTION_OPTIMAL && r.has_slate == 1 && slate.size() == 4,
          "a slate of 4");
    CHECK(ranker.sample(0.5) == slate, "re-sampling with the same u");
    CHECK(ranker.rule_outcomes().at(0).value <= 1.0 + 1e-9, "the cap holds");
    auto scores = ranker.scores();
    CHECK(scores.size() == Request::n && scores[0] >= 0.0 && scores[0] <= 1.0, "probabilities");
    CHECK(!ranker.lottery().empty(), "a lottery");

    // Errors carry the status and name the field; the readers then have nothing.
    lprank_score_request short_items = q.features();
    short_items.item_dense_len -= 4;
    CHECK(status_of([&] { ranker.rank(*model, short_items, Request::n, 4, rules, 0.5, slate); }, &message) ==
                  LPRANK_LENGTH_MISMATCH &&
              contains(message, "request.features.item_dense"),
          "short item_dense: " << message);
    CHECK(status_of([&] { ranker.scores(); }) == LPRANK_NO_SOLUTION, "nothing to read after a failure");
    std::vector<lprank::Rule> outside{lprank::Rule::at_most({Request::n}, lprank::Profile::top(2), 1.0)};
    CHECK(status_of([&] { ranker.rank(*model, q.features(), Request::n, 4, outside, 0.5, slate); }, &message) ==
                  LPRANK_INVALID_INPUT &&
              contains(message, "constraints[0].items[0]"),
          "member outside the candidates: " << message);
    CHECK(status_of([&] { ranker.rank(*model, q.features(), Request::n, 4, rules, 0.5, slate, {1.0, 0.5}); }) ==
              LPRANK_LENGTH_MISMATCH,
          "more slots than weights");

    // Infeasible rules: no slate, a ray.
    std::vector<lprank::Rule> impossible{
        lprank::Rule::at_least({0, 1, 2, 3, 4, 5, 6, 7}, lprank::Profile::top(2), 3.0)};
    r = ranker.rank(*model, q.features(), Request::n, 4, impossible, 0.5, slate);
    CHECK(r.summary.solution_status == LPRANK_SOLUTION_INFEASIBLE && r.has_slate == 0 && slate.empty(),
          "infeasible: no slate");
    CHECK(ranker.infeasibility_ray().at(0) < 0, "the ray proves the min");

    // Reserving for the largest request: fine within the memory cap, an error naming the
    // cap beyond it (2^40 candidates).
    CHECK(status_of([&] { ranker.reserve(Request::n, 4, rules); }) == LPRANK_OK, "reserve for the request");
    CHECK(status_of([&] { ranker.reserve(size_t(1) << 40, 4, rules); }, &message) == LPRANK_INVALID_INPUT &&
              message.find("max_memory_bytes") != std::string::npos,
          "a reserve beyond the memory cap: " << message);

    // Warm: the same request again allocates nothing on the C++ side.
    ranker.rank(*model, q.features(), Request::n, 4, rules, 0.5, slate);
    long before = cpp_allocations;
    for (int k = 0; k < 3; k++) ranker.rank(*model, q.features(), Request::n, 4, rules, 0.25 * k, slate);
    CHECK(cpp_allocations == before, "a warm rank allocated " << cpp_allocations - before << " times");

    // Moves keep the handle working.
    lprank::Ranker moved = std::move(ranker);
    CHECK(moved.rank(*model, q.features(), Request::n, 4, rules, 0.5, slate).has_slate == 1, "moved ranker ranks");

    // Rankers on four threads share the model and agree with one thread.
    std::vector<size_t> reference;
    moved.rank(*model, q.features(), Request::n, 6, rules, 0.25, reference);
    std::vector<std::vector<size_t>> got(4);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < got.size(); t++)
        threads.emplace_back([&, t] {
            lprank::Ranker own;
            for (int k = 0; k < 3; k++) own.rank(*model, q.features(), Request::n, 6, rules, 0.25, got[t]);
        });
    for (auto &th : threads) th.join();
    for (const auto &g : got) CHECK(g == reference, "a thread's slate differs");
}

template <class T>
static bool read(std::istream &in, std::vector<T> &v, size_t count) {
    v.resize(count);
    for (auto &x : v)
        if (!(in >> x)) return false;
    return true;
}

static int rank_file(const std::string &dir, const std::string &path, const std::string &precision) {
    std::ifstream in(path);
    size_t n, m, dr, sr, di, si, wn, k;
    double u;
    std::vector<float> rd, id;
    std::vector<uint64_t> rs, is;
    std::vector<double> weights;
    if (!(in >> n >> m >> dr >> sr >> di >> si >> u) || !read(in, rd, dr) || !read(in, rs, sr) ||
        !read(in, id, n * di) || !read(in, is, n * si) || !(in >> wn) || !read(in, weights, wn) || !(in >> k)) {
        std::cerr << "cannot read " << path << "\n";
        return 1;
    }
    std::vector<lprank::Rule> rules(k);
    for (auto &r : rules) {
        unsigned profile, has_max, has_min, has_penalty, kind;
        size_t top, count;
        double max, min, penalty;
        if (!(in >> profile >> top >> has_max >> max >> has_min >> min >> has_penalty >> penalty >> kind >> count)) {
            std::cerr << path << ": bad rule\n";
            return 1;
        }
        r.profile = {profile, top};
        if (has_max) r.max = max;
        if (has_min) r.min = min;
        if (has_penalty) r.penalty = penalty;
        if (!(kind == 0 ? read(in, r.items, count) : read(in, r.coefficients, count))) return 1;
    }
    lprank::Model model(dir);
    lprank::RankerSettings settings;
    settings.precision = precision == "int8" ? lprank::Precision::Int8 : lprank::Precision::F32;
    lprank::Ranker ranker(settings);
    lprank_score_request features{rd.data(), rd.size(), rs.data(), rs.size(),
                                  id.data(), id.size(), is.data(), is.size()};
    std::vector<size_t> slate;
    // Twice: the second request runs on a warm workspace and must agree.
    ranker.rank(model, features, n, m, rules, u, slate, weights);
    auto r = ranker.rank(model, features, n, m, rules, u, slate, weights);
    std::printf("status %u\nobjective %.17g\nbound %.17g\nlottery %zu\n", r.summary.solution_status,
                r.summary.objective, r.summary.bound, r.summary.lottery_len);
    for (const auto &ranking : ranker.lottery()) {
        std::printf("ranking %.17g", ranking.probability);
        for (size_t i : ranking.items) std::printf(" %zu", i);
        std::printf("\n");
    }
    for (const auto &o : ranker.rule_outcomes()) std::printf("rule %.17g %.17g %.17g\n", o.value, o.dual, o.violation);
    if (r.has_slate) {
        std::printf("slate");
        for (size_t i : slate) std::printf(" %zu", i);
        std::printf("\n");
    } else {
        std::printf("slate none\n");
    }
    std::printf("scores");
    for (double s : ranker.scores()) std::printf(" %.17g", s);
    std::printf("\n");
    return 0;
}

int main(int argc, char **argv) {
    try {
        if (argc >= 3 && std::string(argv[1]) == "errors") {
            check_errors(argv[2]);
            return check_report();
        }
        if (argc >= 5 && std::string(argv[1]) == "rank") return rank_file(argv[2], argv[3], argv[4]);
    } catch (const lprank::Error &e) {
        std::cerr << "lprank error " << e.status() << ": " << e.what() << "\n";
        return 1;
    }
    std::cerr << "usage: test_ranker_cpp errors MODEL_DIR | rank MODEL_DIR FILE f32|int8\n";
    return 2;
}
