/* The scorer's C ABI from C: every error status, and scores whose values the Rust test
 * driver (tests/bindings.rs) compares with the Rust API's.
 *
 *   test_scorer errors MODEL_DIR                 check the error matrix; ends "checks <run> failed <failed>"
 *   test_scorer score MODEL_DIR FILE PRECISION   score every request of FILE (format below)
 *                                                with all three outputs; print the scores
 *
 * MODEL_DIR must be ranking-models/feed-dcn (the error checks use its widths and tables).
 * Request file (whitespace-separated numbers):
 *   R n Dr Sr Di Si
 *   then per request: Dr floats, Sr ids, n*Di floats (row-major), n*Si ids (row-major).
 * Output, per request r and output o: "scores r o v_0 ... v_{n-1}" with %.9g (exact for
 * float); then "heads r 0" and the n × heads head logits of the last call.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lprank.h"

#include "check.h"
#include "read_input.h"

#define HAS(text) (strstr(lprank_last_error(), (text)) != NULL)

enum { N = 3 };

/* True when every score still holds the sentinel: failed calls must not write. */
static int untouched(const float *scores, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (scores[i] != -7.0f) return 0;
    return 1;
}

static void check_errors(const char *dir) {
    CHECK(lprank_model_load(NULL) == NULL && HAS("dir"), "NULL directory");
    CHECK(lprank_model_load("/nonexistent/model") == NULL && HAS("config.json"), "missing directory");
    CHECK(lprank_model_load("tests") == NULL && strlen(lprank_last_error()) > 0, "not a model directory");
    lprank_model_free(NULL); /* no-ops */
    lprank_scorer_free(NULL);

    lprank_model *model = lprank_model_load(dir);
    CHECK(model != NULL, "load %s", dir);
    if (!model) return;
    CHECK(strlen(lprank_last_error()) == 0, "no error after a load");
    lprank_input_widths w;
    CHECK(lprank_model_widths(NULL, &w) == LPRANK_NULL_POINTER && HAS("model"), "widths of NULL");
    CHECK(lprank_model_widths(model, NULL) == LPRANK_NULL_POINTER, "widths into NULL");
    CHECK(lprank_model_widths(model, &w) == LPRANK_OK, "widths");
    CHECK(w.request_dense == 4 && w.request_ids == 3 && w.item_dense == 4 && w.item_ids == 5 && w.heads == 2,
          "feed-dcn widths: %zu %zu %zu %zu %zu", w.request_dense, w.request_ids, w.item_dense, w.item_ids, w.heads);

    lprank_scorer_settings settings = lprank_scorer_settings_default();
    CHECK(settings.precision == LPRANK_PRECISION_F32 && settings.kernels == LPRANK_KERNELS_AUTO, "defaults");
    settings.precision = 9;
    CHECK(lprank_scorer_new(&settings) == NULL && HAS("settings.precision"), "unknown precision");
    settings = lprank_scorer_settings_default();
    settings.kernels = 9;
    CHECK(lprank_scorer_new(&settings) == NULL && HAS("settings.kernels"), "unknown kernel tier");
    settings.kernels = LPRANK_KERNELS_PORTABLE;
    settings.precision = LPRANK_PRECISION_INT8;
    lprank_scorer *portable = lprank_scorer_new(&settings);
    CHECK(portable != NULL, "int8 portable scorer");
    lprank_scorer *scorer = lprank_scorer_new(NULL);
    CHECK(scorer != NULL, "default scorer");

    /* A valid request of N candidates for feed-dcn: plain tables have 8, 24, 3 rows
     * (request) and 5, 4, 24 rows (item); the last two item tables are QR (any id). */
    float request_dense[4] = {0.5f, 1.0f, 0.0f, 1.0f};
    uint64_t request_ids[3] = {1, 2, 0};
    float item_dense[N * 4] = {0.1f, 0.2f, 0.3f, 0.4f, 1.5f, 0.5f, 0.5f, 0.2f, 3.0f, 0.0f, 0.9f, 0.05f};
    uint64_t item_ids[N * 5] = {0, 1, 2, 123456789, 987, 1, 2, 3, 42, 7, 4, 3, 23, 99999, 123456};
    lprank_score_request req = {request_dense, 4, request_ids, 3, item_dense, N * 4, item_ids, N * 5};
    float scores[N], head_logits[2 * N];
    for (size_t i = 0; i < N; i++) scores[i] = -7.0f;

    /* Nothing to read before the first call. */
    CHECK(lprank_scorer_head_logits(scorer, head_logits, 2 * N) == LPRANK_NO_SOLUTION, "head logits too early");

    /* NULL handles and request. */
    CHECK(lprank_scorer_score(NULL, model, &req, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_NULL_POINTER &&
              HAS("scorer"),
          "NULL scorer");
    CHECK(lprank_scorer_score(scorer, NULL, &req, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_NULL_POINTER &&
              HAS("model"),
          "NULL model");
    CHECK(lprank_scorer_score(scorer, model, NULL, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_NULL_POINTER &&
              HAS("request"),
          "NULL request");
    CHECK(lprank_scorer_head_logits(NULL, head_logits, 2 * N) == LPRANK_NULL_POINTER, "head logits of NULL");

    /* NULL arrays with non-zero lengths. */
    lprank_score_request bad = req;
    bad.request_dense = NULL;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_NULL_POINTER &&
              HAS("request.request_dense"),
          "NULL request_dense");
    bad = req;
    bad.request_ids = NULL;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_NULL_POINTER &&
              HAS("request.request_ids"),
          "NULL request_ids");
    bad = req;
    bad.item_dense = NULL;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_NULL_POINTER &&
              HAS("request.item_dense"),
          "NULL item_dense");
    bad = req;
    bad.item_ids = NULL;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_NULL_POINTER &&
              HAS("request.item_ids"),
          "NULL item_ids");
    CHECK(lprank_scorer_score(scorer, model, &req, LPRANK_OUTPUT_LOGIT, NULL, N) == LPRANK_NULL_POINTER &&
              HAS("scores"),
          "NULL scores");

    /* Lengths: overflow, and each field against the model's widths and n. */
    bad = req;
    bad.item_ids_len = (size_t)-1;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_LENGTH_MISMATCH &&
              HAS("overflows"),
          "overflowing length");
    CHECK(lprank_scorer_score(scorer, model, &req, LPRANK_OUTPUT_LOGIT, scores, (size_t)-1 / 4) ==
              LPRANK_LENGTH_MISMATCH,
          "overflowing scores length");
    bad = req;
    bad.request_dense_len = 3;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_LENGTH_MISMATCH &&
              HAS("request_dense: expected 4"),
          "request_dense length");
    bad = req;
    bad.request_ids_len = 2;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_LENGTH_MISMATCH &&
              HAS("request_ids: expected 3"),
          "request_ids length");
    bad = req;
    bad.item_dense_len = N * 4 - 1;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_LENGTH_MISMATCH &&
              HAS("item_dense: expected 12"),
          "item_dense length");
    bad = req;
    bad.item_ids_len = N * 5 - 5;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_LENGTH_MISMATCH &&
              HAS("item_ids: expected 15"),
          "item_ids length");
    CHECK(lprank_scorer_score(scorer, model, &req, LPRANK_OUTPUT_LOGIT, scores, N - 1) == LPRANK_LENGTH_MISMATCH &&
              HAS("2 candidates"),
          "scores length disagrees with the item rows");

    /* Invalid content: NaN and infinite dense values, out-of-range plain ids, the output. */
    float nan_request[4] = {0.5f, NAN, 0.0f, 1.0f};
    bad = req;
    bad.request_dense = nan_request;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_INVALID_INPUT &&
              HAS("user_tenure") && HAS("not finite"),
          "NaN request dense value");
    float inf_items[N * 4];
    memcpy(inf_items, item_dense, sizeof inf_items);
    inf_items[4 + 2] = INFINITY;
    bad = req;
    bad.item_dense = inf_items;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_INVALID_INPUT &&
              HAS("creator_followers") && HAS("candidate 1"),
          "infinite item dense value");
    uint64_t bad_request_ids[3] = {8, 2, 0};
    bad = req;
    bad.request_ids = bad_request_ids;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_INVALID_INPUT &&
              HAS("user_segment") && HAS("out of range"),
          "request id out of range");
    uint64_t bad_item_ids[N * 5];
    memcpy(bad_item_ids, item_ids, sizeof bad_item_ids);
    bad_item_ids[2 * 5 + 0] = (uint64_t)-1;
    bad = req;
    bad.item_ids = bad_item_ids;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_INVALID_INPUT &&
              HAS("content_type") && HAS("candidate 2"),
          "item id out of range");
    CHECK(lprank_scorer_score(scorer, model, &req, 3, scores, N) == LPRANK_INVALID_INPUT && HAS("output"),
          "unknown output");
    CHECK(untouched(scores, N), "failed calls leave the scores untouched");
    CHECK(lprank_scorer_head_logits(scorer, head_logits, 2 * N) == LPRANK_NO_SOLUTION, "still nothing to read");

    /* Success: the outputs agree with one another, and across precisions and tiers. */
    float logit[N], calibrated[N], probability[N], int8_probability[N];
    CHECK(lprank_scorer_score(scorer, model, &req, LPRANK_OUTPUT_LOGIT, logit, N) == LPRANK_OK, "logit");
    CHECK(strlen(lprank_last_error()) == 0, "no error after success");
    CHECK(lprank_scorer_score(scorer, model, &req, LPRANK_OUTPUT_CALIBRATED_LOGIT, calibrated, N) == LPRANK_OK,
          "calibrated logit");
    CHECK(lprank_scorer_score(scorer, model, &req, LPRANK_OUTPUT_PROBABILITY, probability, N) == LPRANK_OK,
          "probability");
    CHECK(lprank_scorer_score(portable, model, &req, LPRANK_OUTPUT_PROBABILITY, int8_probability, N) == LPRANK_OK,
          "int8 probability");
    for (size_t i = 0; i < N; i++) {
        CHECK(isfinite(logit[i]) && isfinite(calibrated[i]), "finite logits");
        CHECK(fabsf(probability[i] - 1.0f / (1.0f + expf(-calibrated[i]))) < 1e-6f, "probability = sigmoid(c)");
        CHECK(probability[i] >= 0.0f && probability[i] <= 1.0f, "probability in [0, 1]");
        CHECK(fabsf(int8_probability[i] - probability[i]) < 0.05f, "int8 close to f32: %g vs %g",
              int8_probability[i], probability[i]);
    }
    CHECK(logit[0] != logit[1] || logit[1] != logit[2], "candidates are told apart");

    /* Head logits: buffer sizes, then s = Σ_h weight_h · logit_h (weights 1 and 0.5). */
    CHECK(lprank_scorer_head_logits(scorer, head_logits, 2 * N - 1) == LPRANK_BUFFER_TOO_SMALL && HAS("6 needed"),
          "head logits buffer too small");
    CHECK(lprank_scorer_head_logits(scorer, NULL, 2) == LPRANK_NULL_POINTER, "head logits into NULL");
    CHECK(lprank_scorer_head_logits(scorer, head_logits, 2 * N) == LPRANK_OK, "head logits");
    for (size_t i = 0; i < N; i++)
        CHECK(fabsf(head_logits[2 * i] + 0.5f * head_logits[2 * i + 1] - logit[i]) < 1e-5f * (1 + fabsf(logit[i])),
              "heads combine into the logit");

    /* A failed call after a success keeps the last results; an empty request is valid. */
    bad = req;
    bad.request_dense = nan_request;
    CHECK(lprank_scorer_score(scorer, model, &bad, LPRANK_OUTPUT_LOGIT, scores, N) == LPRANK_INVALID_INPUT, "NaN");
    CHECK(lprank_scorer_head_logits(scorer, head_logits, 2 * N) == LPRANK_OK, "results survive a failed call");
    lprank_score_request empty = {request_dense, 4, request_ids, 3, NULL, 0, NULL, 0};
    CHECK(lprank_scorer_score(scorer, model, &empty, LPRANK_OUTPUT_LOGIT, NULL, 0) == LPRANK_OK, "no candidates");

    lprank_scorer_free(portable);
    lprank_scorer_free(scorer);
    lprank_model_free(model);
}

static int score_file(const char *dir, const char *path, const char *precision) {
    FILE *f = fopen(path, "r");
    size_t requests, n, dr, sr, di, si;
    if (!f || fscanf(f, "%zu %zu %zu %zu %zu %zu", &requests, &n, &dr, &sr, &di, &si) != 6) {
        fprintf(stderr, "cannot read %s\n", path);
        if (f) fclose(f);
        return 1;
    }
    lprank_model *model = lprank_model_load(dir);
    lprank_scorer_settings settings = lprank_scorer_settings_default();
    settings.precision = strcmp(precision, "int8") == 0 ? LPRANK_PRECISION_INT8 : LPRANK_PRECISION_F32;
    lprank_scorer *scorer = lprank_scorer_new(&settings);
    float *rd = malloc((dr + 1) * sizeof(float)), *id = malloc((n * di + 1) * sizeof(float));
    uint64_t *rs = malloc((sr + 1) * sizeof(uint64_t)), *is = malloc((n * si + 1) * sizeof(uint64_t));
    float *scores = malloc((n + 1) * sizeof(float));
    int rc = model && scorer ? 0 : 1;
    for (size_t r = 0; r < requests && rc == 0; r++) {
        if (!read_floats(f, rd, dr) || !read_ids(f, rs, sr) || !read_floats(f, id, n * di) ||
            !read_ids(f, is, n * si)) {
            fprintf(stderr, "%s: request %zu is truncated\n", path, r);
            rc = 1;
            break;
        }
        lprank_score_request req = {rd, dr, rs, sr, id, n * di, is, n * si};
        for (uint32_t o = LPRANK_OUTPUT_LOGIT; o <= LPRANK_OUTPUT_PROBABILITY && rc == 0; o++) {
            if (lprank_scorer_score(scorer, model, &req, o, scores, n) != LPRANK_OK) {
                fprintf(stderr, "score: %s\n", lprank_last_error());
                rc = 1;
                break;
            }
            printf("scores %zu %u", r, o);
            for (size_t i = 0; i < n; i++) printf(" %.9g", scores[i]);
            printf("\n");
        }
        lprank_input_widths w;
        if (rc == 0 && lprank_model_widths(model, &w) == LPRANK_OK) {
            float *heads = malloc((n * w.heads + 1) * sizeof(float));
            if (lprank_scorer_head_logits(scorer, heads, n * w.heads) != LPRANK_OK) {
                fprintf(stderr, "head logits: %s\n", lprank_last_error());
                rc = 1;
            } else {
                printf("heads %zu 0", r);
                for (size_t i = 0; i < n * w.heads; i++) printf(" %.9g", heads[i]);
                printf("\n");
            }
            free(heads);
        }
    }
    if (!model || !scorer) fprintf(stderr, "setup: %s\n", lprank_last_error());
    free(rd);
    free(id);
    free(rs);
    free(is);
    free(scores);
    lprank_scorer_free(scorer);
    lprank_model_free(model);
    fclose(f);
    return rc;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "errors") == 0) {
        check_errors(argv[2]);
        return check_report();
    }
    if (argc >= 5 && strcmp(argv[1], "score") == 0) return score_file(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: test_scorer errors MODEL_DIR | score MODEL_DIR FILE f32|int8\n");
    return 2;
}
