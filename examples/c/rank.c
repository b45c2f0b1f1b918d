/* A minimal C caller: rank six items on four slots with "at most one job post in the
 * top 3" and serve one slate.  Build (after cargo build --release):
 *   gcc -std=c11 -Iinclude examples/c/rank.c -Ltarget/release -llprank -o rank
 *   LD_LIBRARY_PATH=target/release ./rank
 */
#include <stdio.h>

#include "lprank.h"

int main(void) {
    double scores[6] = {0.9, 0.8, 0.7, 0.3, 0.2, 0.1};
    size_t jobs[3] = {0, 1, 2};
    lprank_rule cap = {0};
    cap.name = "jobs_top3";
    cap.items = jobs;
    cap.items_len = 3;
    cap.profile = LPRANK_PROFILE_TOP;
    cap.top = 3;
    cap.has_max = 1;
    cap.max = 1.0;
    lprank_problem problem = {scores, 6, 4, NULL, 0, &cap, 1};

    lprank_solver *solver = lprank_solver_new(NULL);
    lprank_summary s;
    if (!solver || lprank_solver_solve(solver, &problem, &s) != LPRANK_OK) {
        fprintf(stderr, "lprank: %s\n", lprank_last_error());
        lprank_solver_free(solver);
        return 1;
    }
    size_t slate[4];
    lprank_solver_sample(solver, 0.42, slate, 4); /* u from the request's random stream */
    lprank_rule_outcome jobs_top3;
    lprank_solver_rule_outcomes(solver, &jobs_top3, 1);
    printf("status %u, objective %.6f (certified within %.1e)\n", s.solution_status, s.objective, s.relative_gap);
    printf("slate:");
    for (size_t j = 0; j < 4; j++) printf(" %zu", slate[j]);
    printf("\njobs in the top 3 (expected over the lottery of %zu): %.3f\n", s.lottery_len, jobs_top3.value);
    lprank_solver_free(solver);
    return 0;
}
