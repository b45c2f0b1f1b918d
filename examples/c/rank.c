/* A minimal C caller: score six candidates with the bundled click model, then rank them on
 * four slots with "at most one job post in the top 3" and serve one slate.
 * Build (after cargo build --release) and run from the repository root:
 *   gcc -std=c11 -Iinclude examples/c/rank.c -Ltarget/release -llprank -o rank
 *   LD_LIBRARY_PATH=target/release ./rank [MODEL_DIR]     (default ranking-models/feed-dcn)
 */
#include <stdio.h>

#include "lprank.h"

enum { N = 6, SLOTS = 4 };

/* Scores the six candidates of one feed request into `scores` (click probabilities). */
static int score(const char *dir, double scores[N]) {
    /* The request's features, in the order of the model's config.json: user activity,
     * tenure, hour (sin, cos); user segment, topic, device. */
    float request_dense[4] = {0.8f, 0.3f, 0.5f, -0.87f};
    uint64_t request_ids[3] = {2, 11, 1};
    /* Per candidate: age, length, creator followers, prior CTR; then content type (1 = job
     * post), creator group, topic, item id, creator id. Candidates 0-2 are job posts. */
    float item_dense[N * 4] = {0.1f, 0.5f, 0.2f, 0.06f, 0.3f, 0.4f, 0.9f, 0.05f, 0.2f, 0.6f, 0.1f, 0.04f,
                               0.5f, 0.2f, 0.7f, 0.08f, 0.9f, 0.8f, 0.3f, 0.03f, 0.4f, 0.3f, 0.5f, 0.05f};
    uint64_t item_ids[N * 5] = {1, 0, 11, 1001, 17, 1, 2, 3, 1002, 18, 1, 1, 11, 1003, 19,
                                0, 0, 11, 1004, 20, 2, 3, 5, 1005, 21, 3, 1, 11, 1006, 22};
    lprank_score_request request = {request_dense, 4, request_ids, 3, item_dense, N * 4, item_ids, N * 5};

    lprank_model *model = lprank_model_load(dir); /* once per process; share it between threads */
    if (!model) {
        fprintf(stderr, "lprank: %s\n", lprank_last_error());
        return 0;
    }
    lprank_input_widths w;
    lprank_model_widths(model, &w);
    if (w.request_dense != 4 || w.request_ids != 3 || w.item_dense != 4 || w.item_ids != 5) {
        fprintf(stderr, "%s: this example's request is built for feed-dcn's inputs\n", dir);
        lprank_model_free(model);
        return 0;
    }
    lprank_scorer *scorer = lprank_scorer_new(NULL); /* one per thread, reused for every request */
    float p[N];
    int ok = scorer && lprank_scorer_score(scorer, model, &request, LPRANK_OUTPUT_PROBABILITY, p, N) == LPRANK_OK;
    if (!ok) fprintf(stderr, "lprank: %s\n", lprank_last_error());
    for (size_t i = 0; ok && i < N; i++) scores[i] = p[i];
    lprank_scorer_free(scorer);
    lprank_model_free(model);
    return ok;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "ranking-models/feed-dcn";
    double scores[N];
    if (!score(dir, scores)) return 1;
    printf("click probabilities:");
    for (size_t i = 0; i < N; i++) printf(" %.4f", scores[i]);
    printf("\n");

    size_t jobs[3] = {0, 1, 2};
    lprank_rule cap = {0};
    cap.name = "jobs_top3";
    cap.items = jobs;
    cap.items_len = 3;
    cap.profile = LPRANK_PROFILE_TOP;
    cap.top = 3;
    cap.has_max = 1;
    cap.max = 1.0;
    lprank_problem problem = {scores, N, SLOTS, NULL, 0, &cap, 1};

    lprank_solver *solver = lprank_solver_new(NULL);
    lprank_summary s;
    if (!solver || lprank_solver_solve(solver, &problem, &s) != LPRANK_OK) {
        fprintf(stderr, "lprank: %s\n", lprank_last_error());
        lprank_solver_free(solver);
        return 1;
    }
    size_t slate[SLOTS];
    lprank_solver_sample(solver, 0.42, slate, SLOTS); /* u from the request's random stream */
    lprank_rule_outcome jobs_top3;
    lprank_solver_rule_outcomes(solver, &jobs_top3, 1);
    printf("status %u, objective %.6f (certified within %.1e)\n", s.solution_status, s.objective, s.relative_gap);
    printf("slate:");
    for (size_t j = 0; j < SLOTS; j++) printf(" %zu", slate[j]);
    printf("\njobs in the top 3 (expected over the lottery of %zu): %.3f\n", s.lottery_len, jobs_top3.value);
    lprank_solver_free(solver);
    return 0;
}
