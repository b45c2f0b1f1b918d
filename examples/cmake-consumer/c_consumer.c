/* Built with nothing but pkg-config's flags for lprank: solves a capped 6-item problem
 * and checks the answer. Exit 0 when every check holds. */
#include <stdio.h>

#include "lprank.h"

int main(void) {
    double scores[] = {0.9, 0.8, 0.7, 0.3, 0.2, 0.1};
    size_t jobs[] = {0, 1, 2};
    lprank_rule cap = {.name = "jobs_top3", .items = jobs, .items_len = 3,
                       .profile = LPRANK_PROFILE_TOP, .top = 3, .has_max = 1, .max = 1.0};
    lprank_problem problem = {scores, 6, 4, NULL, 0, &cap, 1};
    lprank_solver *solver = lprank_solver_new(NULL);
    lprank_summary s;
    if (!solver || lprank_solver_solve(solver, &problem, &s) != LPRANK_OK) {
        fprintf(stderr, "solve failed: %s\n", lprank_last_error());
        return 1;
    }
    lprank_rule_outcome outcome;
    int ok = s.solution_status == LPRANK_SOLUTION_OPTIMAL &&
             lprank_solver_rule_outcomes(solver, &outcome, 1) == LPRANK_OK && outcome.value <= 1.0 + 1e-9;
    lprank_solver_free(solver);
    printf("%s: status %u, jobs in the top 3: %.6f\n", ok ? "ok" : "FAILED", s.solution_status, outcome.value);
    return ok ? 0 : 1;
}
