/* The ranker's C ABI from C: every error status, and ranked requests whose results the
 * Rust test driver (tests/bindings.rs) compares with the Rust Ranker's.
 *
 *   test_ranker errors MODEL_DIR                check the error matrix; ends "checks <run> failed <failed>"
 *   test_ranker rank MODEL_DIR FILE PRECISION   rank the request in FILE (format in
 *                                               tests/bindings.rs, write_rank_request) with
 *                                               an f32 or int8 scorer; print the results
 *
 * MODEL_DIR must be ranking-models/feed-dcn (the error checks use its widths).
 * Output: status, objective, bound, lottery size, one "ranking p items..." line per
 * ranking, one "rule value dual violation" line per rule, "slate items..." (or "slate
 * none"), and "scores s_0 ... s_{n-1}"; doubles with %.17g (exact).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lprank.h"

#include "check.h"
#include "read_input.h"

#define HAS(text) (strstr(lprank_last_error(), (text)) != NULL)

enum { N = 6, M = 4 };

/* True when no slot was written: failed calls must not touch the slate. */
static int untouched(const size_t *slate, size_t m) {
    for (size_t j = 0; j < m; j++)
        if (slate[j] != 999) return 0;
    return 1;
}

static void check_errors(const char *dir) {
    lprank_ranker_free(NULL); /* a no-op */
    lprank_model *model = lprank_model_load(dir);
    CHECK(model != NULL, "load %s", dir);
    if (!model) return;

    /* Settings: defaults, and each bad field named. */
    lprank_ranker_settings settings = lprank_ranker_settings_default();
    CHECK(settings.output == LPRANK_OUTPUT_PROBABILITY && settings.scorer.precision == LPRANK_PRECISION_F32,
          "defaults");
    settings.output = 17;
    CHECK(lprank_ranker_new(&settings) == NULL && HAS("settings.output"), "unknown output");
    settings = lprank_ranker_settings_default();
    settings.scorer.precision = 5;
    CHECK(lprank_ranker_new(&settings) == NULL && HAS("settings.scorer.precision"), "unknown precision");
    settings = lprank_ranker_settings_default();
    settings.solver.max_iterations = 0;
    CHECK(lprank_ranker_new(&settings) == NULL && HAS("settings.solver.max_iterations"), "bad solver setting");
    lprank_ranker *ranker = lprank_ranker_new(NULL);
    CHECK(ranker != NULL, "new with the defaults");
    if (!ranker) {
        lprank_model_free(model);
        return;
    }

    /* A small valid request: 6 candidates of feed-dcn's widths, 4 slots, one rule. */
    float request_dense[4] = {0.3f, 0.1f, -0.5f, 0.8f};
    uint64_t request_ids[3] = {4, 5, 2};
    float item_dense[N * 4];
    uint64_t item_ids[N * 5];
    for (size_t i = 0; i < N; i++) {
        for (size_t d = 0; d < 4; d++) item_dense[i * 4 + d] = (float)((i * 7 + d * 3) % 10) / 10.0f;
        uint64_t ids[5] = {i % 5, i % 4, i % 3, i, i % 2};
        memcpy(&item_ids[i * 5], ids, sizeof ids);
    }
    size_t jobs[3] = {0, 1, 2};
    lprank_rule rule = {0};
    rule.name = "jobs: at most 1 in the top 2";
    rule.items = jobs;
    rule.items_len = 3;
    rule.profile = LPRANK_PROFILE_TOP;
    rule.top = 2;
    rule.has_max = 1;
    rule.max = 1.0;
    lprank_rank_request good = {{request_dense, 4, request_ids, 3, item_dense, N * 4, item_ids, N * 5},
                                N, M, NULL, 0, &rule, 1, 0.5};
    lprank_rank_result result;
    size_t slate[M];
    double scores[N];

    CHECK(lprank_ranker_scores(ranker, scores, N) == LPRANK_NO_SOLUTION, "nothing to read before a request");

    /* NULL handles and out-parameters. */
    CHECK(lprank_ranker_rank(NULL, model, &good, slate, M, &result) == LPRANK_NULL_POINTER && HAS("ranker"),
          "NULL ranker");
    CHECK(lprank_ranker_rank(ranker, NULL, &good, slate, M, &result) == LPRANK_NULL_POINTER && HAS("model"),
          "NULL model");
    CHECK(lprank_ranker_rank(ranker, model, NULL, slate, M, &result) == LPRANK_NULL_POINTER, "NULL request");
    CHECK(lprank_ranker_rank(ranker, model, &good, slate, M, NULL) == LPRANK_NULL_POINTER, "NULL result");
    CHECK(lprank_ranker_rank(ranker, model, &good, NULL, M, &result) == LPRANK_NULL_POINTER && HAS("slate"),
          "NULL slate with a length");

    /* Bad requests: the status, the field in the message, and an untouched slate. */
    struct {
        lprank_rank_request request;
        lprank_status status;
        const char *field;
    } cases[16];
    size_t count = 0;
    float nan_dense[N * 4];
    memcpy(nan_dense, item_dense, sizeof nan_dense);
    nan_dense[9] = NAN;
    size_t outside[1] = {N};
    lprank_rule bad_member = rule, zero_depth = rule, inverted = rule, bad_profile = rule;
    bad_member.items = outside;
    bad_member.items_len = 1;
    zero_depth.top = 0;
    inverted.has_min = 1;
    inverted.min = 2.0;
    bad_profile.profile = 42;
    double weights[2] = {1.0, 0.5};
#define CASE(edit, st, text)          \
    do {                              \
        cases[count].request = good;  \
        lprank_rank_request *r = &cases[count].request; \
        edit;                         \
        cases[count].status = (st);   \
        cases[count].field = (text);  \
        count++;                      \
    } while (0)
    CASE(r->features.item_dense = NULL, LPRANK_NULL_POINTER, "request.features.item_dense");
    CASE(r->candidates = N - 1, LPRANK_LENGTH_MISMATCH, "request.features.item_dense");
    CASE(r->candidates = (size_t)-1, LPRANK_LENGTH_MISMATCH, "request.features.item_dense");
    CASE(r->features.request_dense_len = 3, LPRANK_LENGTH_MISMATCH, "request.features.request_dense");
    CASE(r->features.item_ids_len = (size_t)-1, LPRANK_LENGTH_MISMATCH, "request.features.item_ids");
    CASE((r->position_weights = weights, r->position_weights_len = 2), LPRANK_LENGTH_MISMATCH, "request.slots");
    CASE(r->features.item_dense = nan_dense, LPRANK_INVALID_INPUT, "candidate 2");
    CASE(r->rules = &bad_member, LPRANK_INVALID_INPUT, "constraints[0].items[0]");
    CASE(r->rules = &zero_depth, LPRANK_INVALID_INPUT, "constraints[0]");
    CASE(r->rules = &inverted, LPRANK_INVALID_INPUT, "constraints[0]");
    CASE(r->rules = &bad_profile, LPRANK_INVALID_INPUT, "rules[0].profile");
    CASE(r->rules = NULL, LPRANK_NULL_POINTER, "request.rules");
#undef CASE
    for (size_t c = 0; c < count; c++) {
        for (size_t j = 0; j < M; j++) slate[j] = 999;
        lprank_status st = lprank_ranker_rank(ranker, model, &cases[c].request, slate, M, &result);
        CHECK(st == cases[c].status, "case %zu: status %u, want %u", c, (unsigned)st, (unsigned)cases[c].status);
        CHECK(HAS(cases[c].field), "case %zu: message lacks %s", c, cases[c].field);
        CHECK(untouched(slate, M), "case %zu: slate written on failure", c);
        CHECK(lprank_ranker_scores(ranker, scores, N) == LPRANK_NO_SOLUTION, "case %zu: readable after failure",
              c);
    }

    /* A slate buffer too short is refused up front; none at all is fine. */
    CHECK(lprank_ranker_rank(ranker, model, &good, slate, M - 1, &result) == LPRANK_BUFFER_TOO_SMALL &&
              HAS("4 needed"),
          "short slate");
    CHECK(lprank_ranker_rank(ranker, model, &good, NULL, 0, &result) == LPRANK_OK && result.has_slate == 0,
          "no slate buffer");

    /* Success: the slate, the cap, the scores, the readers. */
    CHECK(lprank_ranker_rank(ranker, model, &good, slate, M, &result) == LPRANK_OK, "rank");
    CHECK(strlen(lprank_last_error()) == 0, "no error after success");
    CHECK(result.has_slate == 1 && result.summary.slate_len == M && result.summary.rules_len == 1, "sizes");
    CHECK(result.summary.solution_status == LPRANK_SOLUTION_OPTIMAL, "optimal");
    int distinct = 1;
    for (size_t a = 0; a < M; a++)
        for (size_t b = a + 1; b < M; b++) distinct &= slate[a] != slate[b] && slate[a] < N;
    CHECK(distinct, "the slate lists distinct candidates");
    CHECK(lprank_ranker_scores(ranker, scores, N - 1) == LPRANK_BUFFER_TOO_SMALL, "scores buffer too small");
    CHECK(lprank_ranker_scores(ranker, scores, N) == LPRANK_OK, "scores");
    int probabilities = 1;
    for (size_t i = 0; i < N; i++) probabilities &= scores[i] >= 0.0 && scores[i] <= 1.0;
    CHECK(probabilities, "scores are click probabilities by default");
    lprank_rule_outcome outcome;
    CHECK(lprank_ranker_rule_outcomes(ranker, &outcome, 1) == LPRANK_OK && outcome.value <= 1.0 + 1e-9,
          "the cap holds in expectation: %g", outcome.value);
    double p[8];
    size_t rankings[8 * M];
    CHECK(lprank_ranker_lottery(ranker, p, 8, rankings, 8 * M) == LPRANK_OK, "lottery");
    /* The propensity: the total probability of the lottery's rankings that are this slate. */
    double same = 0;
    for (size_t t = 0; t < result.summary.lottery_len; t++)
        if (memcmp(&rankings[t * M], slate, M * sizeof(size_t)) == 0) same += p[t];
    CHECK(result.propensity > 0 && result.propensity <= 1 && fabs(result.propensity - same) < 1e-12,
          "the propensity %g is the slate's lottery probability %g", result.propensity, same);
    size_t again[M];
    CHECK(lprank_ranker_sample(ranker, 0.5, again, M) == LPRANK_OK && memcmp(again, slate, sizeof again) == 0,
          "re-sampling with the same u gives the same slate");
    double ray[1];
    CHECK(lprank_ranker_infeasibility_ray(ranker, ray, 1) == LPRANK_NO_SOLUTION, "no ray when optimal");

    /* Infeasible rules: a solution status, not an error; no slate, and a ray. */
    size_t everyone[N] = {0, 1, 2, 3, 4, 5};
    lprank_rule impossible = rule;
    impossible.items = everyone;
    impossible.items_len = N;
    impossible.has_max = 0;
    impossible.has_min = 1;
    impossible.min = 3.0; /* 3 of the top 2 */
    lprank_rank_request infeasible = good;
    infeasible.rules = &impossible;
    for (size_t j = 0; j < M; j++) slate[j] = 999;
    CHECK(lprank_ranker_rank(ranker, model, &infeasible, slate, M, &result) == LPRANK_OK, "infeasible ranks");
    CHECK(result.summary.solution_status == LPRANK_SOLUTION_INFEASIBLE && result.has_slate == 0 &&
              untouched(slate, M),
          "infeasible: no slate");
    CHECK(lprank_ranker_infeasibility_ray(ranker, ray, 1) == LPRANK_OK && ray[0] < 0, "the ray proves the min");
    CHECK(lprank_ranker_sample(ranker, 0.5, again, M) == LPRANK_NO_SOLUTION, "nothing to sample");

    /* Readers on a NULL handle. */
    CHECK(lprank_ranker_scores(NULL, scores, N) == LPRANK_NULL_POINTER, "scores of NULL");
    CHECK(lprank_ranker_lottery(NULL, p, 8, NULL, 0) == LPRANK_NULL_POINTER, "lottery of NULL");

    lprank_ranker_free(ranker);
    lprank_model_free(model);
}

static int rank_file(const char *dir, const char *path, const char *precision) {
    FILE *f = fopen(path, "r");
    size_t n, m, dr, sr, di, si, wn = 0, k = 0;
    double u;
    if (!f || fscanf(f, "%zu %zu %zu %zu %zu %zu %lf", &n, &m, &dr, &sr, &di, &si, &u) != 7) {
        fprintf(stderr, "cannot read %s\n", path);
        if (f) fclose(f);
        return 1;
    }
    float *rd = malloc((dr + 1) * sizeof(float)), *id = malloc((n * di + 1) * sizeof(float));
    uint64_t *rs = malloc((sr + 1) * sizeof(uint64_t)), *is = malloc((n * si + 1) * sizeof(uint64_t));
    double *weights = NULL;
    lprank_rule *rules = NULL;
    int ok = read_floats(f, rd, dr) && read_ids(f, rs, sr) && read_floats(f, id, n * di) &&
             read_ids(f, is, n * si) && fscanf(f, "%zu", &wn) == 1;
    if (ok) {
        weights = malloc((wn + 1) * sizeof(double));
        ok = read_doubles(f, weights, wn) && fscanf(f, "%zu", &k) == 1 && (rules = read_rules(f, k)) != NULL;
    }
    fclose(f);
    int rc = 1;
    lprank_model *model = ok ? lprank_model_load(dir) : NULL;
    lprank_ranker_settings settings = lprank_ranker_settings_default();
    settings.scorer.precision = strcmp(precision, "int8") == 0 ? LPRANK_PRECISION_INT8 : LPRANK_PRECISION_F32;
    lprank_ranker *ranker = model ? lprank_ranker_new(&settings) : NULL;
    /* As lprank reads slots with weights: 0 means all of them. */
    size_t slots = wn && (m == 0 || m > wn) ? wn : m;
    size_t slate_len = slots < n ? slots : n;
    size_t *slate = malloc((slate_len + 1) * sizeof(size_t));
    if (!ok) fprintf(stderr, "%s is truncated\n", path);
    if (ranker) {
        lprank_rank_request request = {{rd, dr, rs, sr, id, n * di, is, n * si}, n, m, wn ? weights : NULL, wn,
                                       k ? rules : NULL, k, u};
        lprank_rank_result r;
        /* Twice: the second request runs on a warm workspace and must agree. */
        lprank_status st = lprank_ranker_rank(ranker, model, &request, slate, slate_len, &r);
        if (st == LPRANK_OK) st = lprank_ranker_rank(ranker, model, &request, slate, slate_len, &r);
        if (st != LPRANK_OK) {
            fprintf(stderr, "rank: %s\n", lprank_last_error());
        } else {
            const lprank_summary *s = &r.summary;
            printf("status %u\nobjective %.17g\nbound %.17g\nlottery %zu\n", s->solution_status, s->objective,
                   s->bound, s->lottery_len);
            double *p = malloc((s->lottery_len + 1) * sizeof(double));
            size_t *rankings = malloc((s->lottery_len * s->slate_len + 1) * sizeof(size_t));
            lprank_rule_outcome *o = malloc((s->rules_len + 1) * sizeof(lprank_rule_outcome));
            double *scores = malloc((n + 1) * sizeof(double));
            if (lprank_ranker_lottery(ranker, p, s->lottery_len, rankings, s->lottery_len * s->slate_len) ==
                    LPRANK_OK &&
                lprank_ranker_rule_outcomes(ranker, o, s->rules_len) == LPRANK_OK &&
                lprank_ranker_scores(ranker, scores, n) == LPRANK_OK) {
                for (size_t t = 0; t < s->lottery_len; t++) {
                    printf("ranking %.17g", p[t]);
                    for (size_t j = 0; j < s->slate_len; j++) printf(" %zu", rankings[t * s->slate_len + j]);
                    printf("\n");
                }
                for (size_t q = 0; q < s->rules_len; q++)
                    printf("rule %.17g %.17g %.17g\n", o[q].value, o[q].dual, o[q].violation);
                if (r.has_slate) {
                    printf("slate");
                    for (size_t j = 0; j < s->slate_len; j++) printf(" %zu", slate[j]);
                    printf("\n");
                } else {
                    printf("slate none\n");
                }
                printf("scores");
                for (size_t i = 0; i < n; i++) printf(" %.17g", scores[i]);
                printf("\n");
                rc = 0;
            } else {
                fprintf(stderr, "readers: %s\n", lprank_last_error());
            }
            free(p);
            free(rankings);
            free(o);
            free(scores);
        }
    } else if (ok) {
        fprintf(stderr, "setup: %s\n", lprank_last_error());
    }
    lprank_ranker_free(ranker);
    lprank_model_free(model);
    free(slate);
    free_rules(rules, k);
    free(weights);
    free(rd);
    free(id);
    free(rs);
    free(is);
    return rc;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "errors") == 0) {
        check_errors(argv[2]);
        return check_report();
    }
    if (argc >= 5 && strcmp(argv[1], "rank") == 0) return rank_file(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: test_ranker errors MODEL_DIR | rank MODEL_DIR FILE f32|int8\n");
    return 2;
}
