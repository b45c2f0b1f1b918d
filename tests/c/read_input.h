/* Readers for the plain-number input files the C test programs share (written by
 * tests/bindings.rs): feature arrays and rules. Each returns 0 on a short or bad file. */
#ifndef LPRANK_TEST_READ_INPUT_H
#define LPRANK_TEST_READ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lprank.h"

static inline int read_floats(FILE *f, float *v, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (fscanf(f, "%f", &v[i]) != 1) return 0;
    return 1;
}

static inline int read_doubles(FILE *f, double *v, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (fscanf(f, "%lf", &v[i]) != 1) return 0;
    return 1;
}

static inline int read_ids(FILE *f, uint64_t *v, size_t count) {
    for (size_t i = 0; i < count; i++) {
        unsigned long long x;
        if (fscanf(f, "%llu", &x) != 1) return 0;
        v[i] = (uint64_t)x;
    }
    return 1;
}

/* Frees rules from read_rules (their member arrays, then the array). */
static inline void free_rules(lprank_rule *rules, size_t k) {
    if (!rules) return;
    for (size_t r = 0; r < k; r++) {
        free((void *)rules[r].items);
        free((void *)rules[r].coefficients);
    }
    free(rules);
}

/* Reads k rules, one per line:
 *   profile top has_max max has_min min has_penalty penalty kind count v...
 * where kind 0 = items (count indices follow), 1 = coefficients (count numbers follow).
 * Returns a calloc'd array (free it with free_rules), or NULL on a bad file. */
static inline lprank_rule *read_rules(FILE *f, size_t k) {
    lprank_rule *rules = calloc(k ? k : 1, sizeof(lprank_rule));
    if (!rules) return NULL;
    for (size_t r = 0; r < k; r++) {
        unsigned profile, has_max, has_min, has_penalty, kind;
        size_t top, count;
        double max, min, penalty;
        if (fscanf(f, "%u %zu %u %lf %u %lf %u %lf %u %zu", &profile, &top, &has_max, &max, &has_min, &min,
                   &has_penalty, &penalty, &kind, &count) != 10) {
            free_rules(rules, k);
            return NULL;
        }
        lprank_rule *rule = &rules[r];
        rule->profile = profile;
        rule->top = top;
        rule->has_max = (uint8_t)has_max;
        rule->max = max;
        rule->has_min = (uint8_t)has_min;
        rule->min = min;
        rule->has_penalty = (uint8_t)has_penalty;
        rule->penalty = penalty;
        int ok = 1;
        if (kind == 0) {
            size_t *items = malloc((count ? count : 1) * sizeof(size_t));
            for (size_t i = 0; ok && i < count; i++) ok = fscanf(f, "%zu", &items[i]) == 1;
            rule->items = items;
            rule->items_len = count;
        } else {
            double *c = malloc((count ? count : 1) * sizeof(double));
            ok = read_doubles(f, c, count);
            rule->coefficients = c;
            rule->coefficients_len = count;
        }
        if (!ok) {
            free_rules(rules, k);
            return NULL;
        }
    }
    return rules;
}

#endif
