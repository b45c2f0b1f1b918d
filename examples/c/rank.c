/* A minimal C caller: rank six candidates of one feed request with the bundled click model
 * on four slots under "at most one job post in the top 3", in one call, and serve the slate.
 * Build (after cargo build --release) and run from the repository root:
 *   gcc -std=c11 -Iinclude examples/c/rank.c -Ltarget/release -llprank -o rank
 *   LD_LIBRARY_PATH=target/release ./rank [MODEL_DIR]     (default ranking-models/feed-dcn)
 */
#include <stdio.h>

#include "lprank.h"

enum { N = 6, SLOTS = 4 };

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "ranking-models/feed-dcn";
    lprank_model *model = lprank_model_load(dir); /* once per process; share it between threads */
    if (!model) {
        fprintf(stderr, "lprank: %s\n", lprank_last_error());
        return 1;
    }
    lprank_ranker *ranker = lprank_ranker_new(NULL); /* one per thread, reused for every request */
    if (!ranker) {
        fprintf(stderr, "lprank: %s\n", lprank_last_error());
        lprank_model_free(model);
        return 1;
    }

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
    size_t jobs[3] = {0, 1, 2};
    lprank_rule cap = {0};
    cap.name = "jobs_top3";
    cap.items = jobs;
    cap.items_len = 3;
    cap.profile = LPRANK_PROFILE_TOP;
    cap.top = 3;
    cap.has_max = 1;
    cap.max = 1.0;
    lprank_rank_request request = {
        {request_dense, 4, request_ids, 3, item_dense, N * 4, item_ids, N * 5}, /* features */
        N,                                                                      /* candidates */
        SLOTS,   NULL, 0, /* default position weights */
        &cap,    1,       /* rules */
        0.42,             /* u, from the request's random stream */
    };

    size_t slate[SLOTS];
    lprank_rank_result r;
    double scores[N];
    lprank_rule_outcome jobs_top3;
    if (lprank_ranker_rank(ranker, model, &request, slate, SLOTS, &r) != LPRANK_OK ||
        lprank_ranker_scores(ranker, scores, N) != LPRANK_OK ||
        lprank_ranker_rule_outcomes(ranker, &jobs_top3, 1) != LPRANK_OK) {
        fprintf(stderr, "lprank: %s\n", lprank_last_error());
        lprank_ranker_free(ranker);
        lprank_model_free(model);
        return 1;
    }
    printf("click probabilities:");
    for (size_t i = 0; i < N; i++) printf(" %.4f", scores[i]);
    printf("\nstatus %u, objective %.6f (certified within %.1e)\n", r.summary.solution_status, r.summary.objective,
           r.summary.relative_gap);
    if (r.has_slate) {
        printf("slate:");
        for (size_t j = 0; j < SLOTS; j++) printf(" %zu", slate[j]);
    }
    printf("\njobs in the top 3 (expected over the lottery of %zu): %.3f\n", r.summary.lottery_len, jobs_top3.value);
    printf("score %.1f us, solve %.1f us\n", r.score_ns / 1e3, r.solve_ns / 1e3);
    lprank_ranker_free(ranker);
    lprank_model_free(model);
    return 0;
}
