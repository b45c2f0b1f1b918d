// GoogleTest suite of the CMake consumer: lprank as an installed package, through
// find_package(lprank) and lprank.hpp. Expected values come from the problems themselves
// (worked out by hand, or HiGHS's value in tests/fixtures/expected.json), never from lprank.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lprank.hpp"

namespace {

const std::vector<double> kScores{0.9, 0.8, 0.7, 0.3, 0.2, 0.1};

/// The default position weight of slot j: 1 / log2(j + 2).
double weight(size_t j) { return 1.0 / std::log2(static_cast<double>(j) + 2.0); }

TEST(Solver, MeetsACapInExpectationAtTheKnownOptimum) {
    lprank::Solver solver;
    std::vector<lprank::Rule> rules{lprank::Rule::at_most({0, 1, 2}, lprank::Profile::top(3), 1.0).named("jobs")};
    lprank_summary s = solver.solve(kScores.data(), kScores.size(), 4, rules);
    ASSERT_EQ(s.solution_status, LPRANK_SOLUTION_OPTIMAL);
    // tests/fixtures/02-top-cap.json: HiGHS's optimum of this problem.
    EXPECT_NEAR(s.objective, 1.5338201725, 1e-9);
    EXPECT_LE(s.objective, s.bound + 1e-12);
    EXPECT_EQ(s.message, nullptr);
    auto lottery = solver.lottery();
    ASSERT_GE(lottery.size(), 1u);
    ASSERT_LE(lottery.size(), 2u);  // at most one ranking more than rule bounds
    double total = 0, jobs = 0, objective = 0;
    for (const auto &r : lottery) {
        ASSERT_EQ(r.items.size(), 4u);
        total += r.probability;
        for (size_t j = 0; j < r.items.size(); j++) {
            if (j < 3 && r.items[j] <= 2) jobs += r.probability;
            objective += r.probability * kScores.at(r.items[j]) * weight(j);
        }
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
    EXPECT_LE(jobs, 1.0 + 1e-9);
    EXPECT_NEAR(objective, s.objective, 1e-9);
    auto served = solver.sample(0.42);
    bool from_lottery = false;
    for (const auto &r : lottery) from_lottery = from_lottery || r.items == served;
    EXPECT_TRUE(from_lottery);
}

TEST(Solver, ImpossibleRulesAreInfeasibleWithARay) {
    lprank::Solver solver;
    // Two items cannot both fill the single top slot.
    std::vector<lprank::Rule> rules{lprank::Rule::at_least({4, 5}, lprank::Profile::top(1), 2.0)};
    lprank_summary s = solver.solve(kScores.data(), kScores.size(), 3, rules);
    EXPECT_EQ(s.solution_status, LPRANK_SOLUTION_INFEASIBLE);
    EXPECT_EQ(s.lottery_len, 0u);
    EXPECT_LT(solver.infeasibility_ray().at(0), 0.0);
}

TEST(Solver, BadInputThrowsWithTheField) {
    lprank::Solver solver;
    std::vector<double> scores{0.5, NAN};
    try {
        solver.solve(scores.data(), scores.size(), 1, {});
        FAIL() << "a NaN score was accepted";
    } catch (const lprank::Error &e) {
        EXPECT_EQ(e.status(), LPRANK_INVALID_INPUT);
        EXPECT_NE(std::string(e.what()).find("scores[1]"), std::string::npos) << e.what();
    }
}

TEST(Solver, NumbersBeyondTheTolerancesAreNumericalTroubleWithAMessage) {
    lprank::Solver solver;
    std::vector<double> scores{1.0, 0.2, 0.5};
    std::vector<lprank::Rule> rules{lprank::Rule::at_least({0, 1}, lprank::Profile::top(1), 1.0),
                                    lprank::Rule::at_least({1, 2}, lprank::Profile::exposure(), 0.3056)};
    // A weight of 1e10 beside an exposure minimum of 0.3056: the minimum needs a probability
    // of 3e-11 that the lottery's master cannot resolve to the rule's tolerance.
    lprank_summary s = solver.solve(scores.data(), scores.size(), 0, rules, {1e10});
    ASSERT_EQ(s.solution_status, LPRANK_SOLUTION_NUMERICAL_TROUBLE);
    ASSERT_NE(s.message, nullptr);
    EXPECT_NE(std::strstr(s.message, "hard rule"), nullptr) << s.message;
    s = solver.solve(scores.data(), scores.size(), 0, rules, {1e6});
    EXPECT_EQ(s.solution_status, LPRANK_SOLUTION_OPTIMAL);
}

TEST(Solver, TheMemoryCapRefusesBeforeSolving) {
    lprank_settings settings = lprank_settings_default();
    settings.max_memory_bytes = 4096;
    lprank::Solver solver(settings);
    try {
        solver.solve(kScores.data(), kScores.size(), 4, {});
        FAIL() << "a problem over the memory cap was solved";
    } catch (const lprank::Error &e) {
        EXPECT_EQ(e.status(), LPRANK_INVALID_INPUT);
        EXPECT_NE(std::string(e.what()).find("max_memory_bytes"), std::string::npos) << e.what();
    }
}

TEST(Model, TheBundledModelLoads) {
    lprank::Model model(LPRANK_MODEL_DIR);
    lprank_input_widths w = model.widths();
    EXPECT_EQ(w.request_dense, 4u);
    EXPECT_EQ(w.item_ids, 5u);
    EXPECT_THROW(lprank::Model("/nonexistent/model"), lprank::Error);
}

}  // namespace
