/* The C ABI from C: every error status, the panic boundary, and solves whose results
 * the Rust test driver (tests/bindings.rs) compares with the Rust API's.
 *
 *   test_solver errors          check the error matrix; ends "checks <run> failed <failed>"
 *   test_solver solve FILE      solve the problem in FILE (format below), print results
 *   test_solver panic           (LPRANK_TEST_HOOKS builds) a panic comes back as a status
 *
 * Problem file (whitespace-separated numbers):
 *   n slots K
 *   s_0 ... s_{n-1}
 *   W w_0 ... w_{W-1}          (W = 0: default position weights)
 *   then per rule: profile top has_max max has_min min has_penalty penalty kind count v...
 *   where kind 0 = items (count indices follow), 1 = coefficients (count numbers follow).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lprank.h"

#include "check.h"
#include "read_input.h"

static void check_errors(void) {
    double scores[4] = {0.9, 0.8, 0.7, 0.3};
    size_t jobs[2] = {0, 1};
    lprank_rule rule = {0};
    rule.name = "jobs_top2";
    rule.items = jobs;
    rule.items_len = 2;
    rule.profile = LPRANK_PROFILE_TOP;
    rule.top = 2;
    rule.has_max = 1;
    rule.max = 1.0;
    lprank_problem problem = {scores, 4, 3, NULL, 0, &rule, 1};
    lprank_summary summary;

    CHECK(strlen(lprank_version()) > 0, "version");
    lprank_solver_free(NULL); /* a no-op */

    lprank_solver *solver = lprank_solver_new(NULL);
    CHECK(solver != NULL, "new with default settings");

    /* Nothing to read before the first solve. */
    double p[8];
    size_t r[64];
    CHECK(lprank_solver_lottery(solver, p, 8, r, 64) == LPRANK_NO_SOLUTION, "lottery before solve");
    CHECK(lprank_solver_summary(solver, &summary) == LPRANK_NO_SOLUTION, "summary before solve");

    /* NULL handle, NULL problem, NULL out. */
    CHECK(lprank_solver_solve(NULL, &problem, &summary) == LPRANK_NULL_POINTER, "NULL handle");
    CHECK(strstr(lprank_last_error(), "solver") != NULL, "message names the handle");
    CHECK(lprank_solver_solve(solver, NULL, &summary) == LPRANK_NULL_POINTER, "NULL problem");
    CHECK(lprank_solver_solve(solver, &problem, NULL) == LPRANK_NULL_POINTER, "NULL out");

    /* NULL array with a non-zero length. */
    lprank_problem bad = problem;
    bad.scores = NULL;
    CHECK(lprank_solver_solve(solver, &bad, &summary) == LPRANK_NULL_POINTER, "NULL scores");
    CHECK(strstr(lprank_last_error(), "problem.scores") != NULL, "message names scores");
    lprank_rule bad_rule = rule;
    bad_rule.items = NULL;
    bad = problem;
    bad.rules = &bad_rule;
    CHECK(lprank_solver_solve(solver, &bad, &summary) == LPRANK_NULL_POINTER, "NULL items");

    /* A length that overflows the address space. */
    bad = problem;
    bad.scores_len = (size_t)-1;
    CHECK(lprank_solver_solve(solver, &bad, &summary) == LPRANK_LENGTH_MISMATCH, "overflowing length");

    /* Length mismatch: coefficients of the wrong length; more slots than weights. */
    double coef[3] = {1, 0, 1};
    bad_rule = rule;
    bad_rule.items = NULL;
    bad_rule.items_len = 0;
    bad_rule.coefficients = coef;
    bad_rule.coefficients_len = 3;
    bad = problem;
    bad.rules = &bad_rule;
    CHECK(lprank_solver_solve(solver, &bad, &summary) == LPRANK_INVALID_INPUT, "coefficient count");
    CHECK(strstr(lprank_last_error(), "constraints[0].coefficients") != NULL, "names the coefficients: %s",
          lprank_last_error());
    double weights[2] = {1.0, 0.5};
    bad = problem;
    bad.position_weights = weights;
    bad.position_weights_len = 2;
    bad.slots = 3;
    CHECK(lprank_solver_solve(solver, &bad, &summary) == LPRANK_LENGTH_MISMATCH, "slots vs weights");

    /* NaN score, bad profile, min > max, zero depth. */
    double nan_scores[4] = {0.9, NAN, 0.7, 0.3};
    bad = problem;
    bad.scores = nan_scores;
    CHECK(lprank_solver_solve(solver, &bad, &summary) == LPRANK_INVALID_INPUT, "NaN score");
    CHECK(strstr(lprank_last_error(), "scores[1]") != NULL, "names scores[1]: %s", lprank_last_error());
    bad_rule = rule;
    bad_rule.profile = 77;
    bad = problem;
    bad.rules = &bad_rule;
    CHECK(lprank_solver_solve(solver, &bad, &summary) == LPRANK_INVALID_INPUT, "unknown profile");
    bad_rule = rule;
    bad_rule.has_min = 1;
    bad_rule.min = 2.0;
    bad.rules = &bad_rule;
    CHECK(lprank_solver_solve(solver, &bad, &summary) == LPRANK_INVALID_INPUT, "min > max");
    bad_rule = rule;
    bad_rule.top = 0;
    bad.rules = &bad_rule;
    CHECK(lprank_solver_solve(solver, &bad, &summary) == LPRANK_INVALID_INPUT, "top = 0");
    /* A failed solve leaves nothing to read. */
    CHECK(lprank_solver_summary(solver, &summary) == LPRANK_NO_SOLUTION, "no solution after a failed solve");

    /* Success, then buffers too small and NULL-with-length. */
    CHECK(lprank_solver_solve(solver, &problem, &summary) == LPRANK_OK, "solve");
    CHECK(strlen(lprank_last_error()) == 0, "no error after success");
    CHECK(summary.solution_status == LPRANK_SOLUTION_OPTIMAL, "optimal");
    CHECK(summary.slate_len == 3 && summary.lottery_len >= 1 && summary.rules_len == 1, "sizes");
    CHECK(lprank_solver_lottery(solver, p, 0, NULL, 0) == LPRANK_OK, "skip both buffers");
    CHECK(lprank_solver_lottery(solver, p, summary.lottery_len - 1 == 0 ? 0 : summary.lottery_len - 1, r, 1) ==
              LPRANK_BUFFER_TOO_SMALL,
          "rankings buffer too small");
    CHECK(strstr(lprank_last_error(), "needed") != NULL, "says what is needed");
    CHECK(lprank_solver_lottery(solver, NULL, 5, NULL, 0) == LPRANK_NULL_POINTER, "NULL probabilities with length");
    size_t ranking[3];
    CHECK(lprank_solver_sample(solver, 0.5, ranking, 2) == LPRANK_BUFFER_TOO_SMALL, "sample buffer too small");
    CHECK(lprank_solver_sample(solver, 0.5, ranking, 3) == LPRANK_OK, "sample");

    /* The cap holds in expectation over the whole lottery (that is the rule's meaning), and
     * every ranking is a slate of distinct items. */
    CHECK(summary.lottery_len >= 1 && summary.lottery_len <= 2, "lottery of %zu rankings for one rule",
          summary.lottery_len);
    double lottery_p[2] = {0, 0};
    size_t lottery_r[6];
    size_t rankings = summary.lottery_len <= 2 ? summary.lottery_len : 2;
    CHECK(lprank_solver_lottery(solver, lottery_p, rankings, lottery_r, 3 * rankings) == LPRANK_OK, "lottery");
    double total = 0, jobs_expected = 0;
    int sampled_is_in_lottery = 0;
    for (size_t t = 0; t < rankings; t++) {
        const size_t *items = &lottery_r[3 * t];
        CHECK(lottery_p[t] > 0 && lottery_p[t] <= 1, "probability %g", lottery_p[t]);
        CHECK(items[0] < 4 && items[1] < 4 && items[2] < 4 && items[0] != items[1] && items[0] != items[2] &&
                  items[1] != items[2],
              "ranking %zu is a slate of distinct items", t);
        total += lottery_p[t];
        jobs_expected += lottery_p[t] * ((items[0] <= 1) + (items[1] <= 1));
        sampled_is_in_lottery |= memcmp(items, ranking, sizeof ranking) == 0;
    }
    CHECK(fabs(total - 1) <= 1e-12, "probabilities sum to %.17g", total);
    CHECK(jobs_expected <= rule.max + 1e-9, "the cap holds in expectation: %.17g jobs in the top 2", jobs_expected);
    CHECK(sampled_is_in_lottery, "the sampled ranking is one of the lottery's");
    /* This problem's optimum is one ranking: the cap admits one of the jobs {0, 1} to the top
     * 2, best the stronger job 0 in slot 0, then item 2 (0.7) beats item 3, and job 1 takes
     * slot 2. Scores and position weights strictly decrease, so any other x scores less and
     * the optimum is this vertex alone: the lottery is {0, 2, 1} with probability 1. */
    CHECK(summary.lottery_len == 1, "a unique integral optimum is one ranking, got %zu", summary.lottery_len);
    CHECK(fabs(lottery_p[0] - 1) <= 1e-12 && lottery_r[0] == 0 && lottery_r[1] == 2 && lottery_r[2] == 1,
          "lottery {%zu, %zu, %zu} with probability %.17g, want {0, 2, 1} with 1", lottery_r[0], lottery_r[1],
          lottery_r[2], lottery_p[0]);
    double w[3] = {1 / log2(2.0), 1 / log2(3.0), 1 / log2(4.0)};
    double optimum = 0.9 * w[0] + 0.7 * w[1] + 0.8 * w[2];
    CHECK(fabs(summary.objective - optimum) <= 1e-12, "objective %.17g, want %.17g", summary.objective, optimum);
    lprank_rule_outcome outcome;
    CHECK(lprank_solver_rule_outcomes(solver, &outcome, 0) == LPRANK_BUFFER_TOO_SMALL, "outcomes too small");
    CHECK(lprank_solver_rule_outcomes(solver, &outcome, 1) == LPRANK_OK, "outcomes");
    CHECK(outcome.value <= 1.0 + 1e-9, "cap holds: %g", outcome.value);
    double ray[1];
    CHECK(lprank_solver_infeasibility_ray(solver, ray, 1) == LPRANK_NO_SOLUTION, "no ray when optimal");

    /* Infeasible: item 0 twice in the top 1. */
    size_t only0[1] = {0};
    lprank_rule impossible = rule;
    impossible.items = only0;
    impossible.items_len = 1;
    impossible.top = 1;
    impossible.has_max = 0;
    impossible.has_min = 1;
    impossible.min = 2.0;
    lprank_problem infeasible = problem;
    infeasible.rules = &impossible;
    CHECK(lprank_solver_solve(solver, &infeasible, &summary) == LPRANK_OK, "infeasible solves");
    CHECK(summary.solution_status == LPRANK_SOLUTION_INFEASIBLE, "status infeasible");
    CHECK(summary.lottery_len == 0 && isnan(summary.objective), "no lottery, no objective");
    CHECK(lprank_solver_infeasibility_ray(solver, ray, 1) == LPRANK_OK && ray[0] < 0, "ray proves the min");
    CHECK(lprank_solver_sample(solver, 0.5, ranking, 3) == LPRANK_NO_SOLUTION, "nothing to sample");

    /* Invalid settings give a NULL handle and a message. */
    lprank_settings settings = lprank_settings_default();
    settings.relative_gap = -1;
    CHECK(lprank_solver_new(&settings) == NULL, "bad settings");
    CHECK(strstr(lprank_last_error(), "relative_gap") != NULL, "names the setting");
    settings = lprank_settings_default();
    settings.time_limit_ns = 1000000000ull;
    lprank_solver *timed = lprank_solver_new(&settings);
    CHECK(timed != NULL, "settings with a time limit");
    lprank_solver_free(timed);

    lprank_solver_free(solver);
}

static int read_problem(const char *path, lprank_problem *problem, lprank_rule **rules_out) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n, slots, k, wn;
    double *scores = NULL, *weights = NULL;
    lprank_rule *rules = NULL;
    int ok = fscanf(f, "%zu %zu %zu", &n, &slots, &k) == 3;
    if (ok) {
        scores = malloc((n ? n : 1) * sizeof(double));
        ok = read_doubles(f, scores, n) && fscanf(f, "%zu", &wn) == 1;
    }
    if (ok) {
        weights = wn ? malloc(wn * sizeof(double)) : NULL;
        ok = read_doubles(f, weights, wn) && (rules = read_rules(f, k)) != NULL;
    }
    fclose(f);
    if (!ok) {
        free(scores);
        free(weights);
        return 0;
    }
    problem->scores = scores;
    problem->scores_len = n;
    problem->slots = slots;
    problem->position_weights = weights;
    problem->position_weights_len = wn;
    problem->rules = rules;
    problem->rules_len = k;
    *rules_out = rules;
    return 1;
}

static int solve_file(const char *path) {
    lprank_problem problem;
    lprank_rule *rules;
    if (!read_problem(path, &problem, &rules)) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    lprank_solver *solver = lprank_solver_new(NULL);
    lprank_summary s;
    /* Twice: the second solve runs on a warm workspace and must agree. */
    lprank_status st = lprank_solver_solve(solver, &problem, &s);
    if (st == LPRANK_OK) st = lprank_solver_solve(solver, &problem, &s);
    if (st != LPRANK_OK) {
        printf("error %u %s\n", (unsigned)st, lprank_last_error());
    } else {
        printf("status %u\nobjective %.17g\nbound %.17g\nlottery %zu\n", s.solution_status, s.objective, s.bound,
               s.lottery_len);
        double *p = malloc((s.lottery_len ? s.lottery_len : 1) * sizeof(double));
        size_t cells = s.lottery_len * s.slate_len;
        size_t *r = malloc((cells > 0 ? cells : 1) * sizeof(size_t));
        if (lprank_solver_lottery(solver, p, s.lottery_len, r, s.lottery_len * s.slate_len) != LPRANK_OK) return 1;
        for (size_t t = 0; t < s.lottery_len; t++) {
            printf("ranking %.17g", p[t]);
            for (size_t j = 0; j < s.slate_len; j++) printf(" %zu", r[t * s.slate_len + j]);
            printf("\n");
        }
        lprank_rule_outcome *o = malloc((s.rules_len ? s.rules_len : 1) * sizeof(lprank_rule_outcome));
        if (lprank_solver_rule_outcomes(solver, o, s.rules_len) != LPRANK_OK) return 1;
        for (size_t k = 0; k < s.rules_len; k++) printf("rule %.17g %.17g %.17g\n", o[k].value, o[k].dual, o[k].violation);
        free(p);
        free(r);
        free(o);
    }
    lprank_solver_free(solver);
    free_rules(rules, problem.rules_len);
    free((void *)problem.scores);
    free((void *)problem.position_weights);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "errors") == 0) {
        check_errors();
        return check_report();
    }
    if (argc >= 3 && strcmp(argv[1], "solve") == 0) return solve_file(argv[2]);
#ifdef LPRANK_TEST_HOOKS
    if (argc >= 2 && strcmp(argv[1], "panic") == 0) {
        lprank_status st = lprank_test_panic();
        int ok = st == LPRANK_PANIC && strstr(lprank_last_error(), "deliberate panic") != NULL;
        /* The library still works after a caught panic. */
        lprank_solver *solver = lprank_solver_new(NULL);
        double scores[2] = {1, 2};
        lprank_problem problem = {scores, 2, 1, NULL, 0, NULL, 0};
        lprank_summary s;
        ok = ok && lprank_solver_solve(solver, &problem, &s) == LPRANK_OK && s.solution_status == LPRANK_SOLUTION_OPTIMAL;
        lprank_solver_free(solver);
        printf(ok ? "ok panic\n" : "FAILED panic\n");
        return ok ? 0 : 1;
    }
#endif
    fprintf(stderr, "usage: test_solver errors | solve FILE | panic\n");
    return 2;
}
