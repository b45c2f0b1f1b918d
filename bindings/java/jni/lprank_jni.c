/* JNI glue between dev.lprank.Solver and the C ABI (include/lprank.h).
 *
 * Arrays are pinned with Get/ReleasePrimitiveArrayCritical around the solve call (no
 * copies of scores, weights, items or coefficients where the JVM allows pinning); rule
 * objects and their names are read before any array is pinned, since no other JNI call
 * may happen inside a critical region. Java long[] item indices are passed as size_t[],
 * which has the same size on the 64-bit platforms this targets (checked at compile time).
 */
#include <jni.h>
#include <stdlib.h>
#include <string.h>

#include "lprank.h"

_Static_assert(sizeof(jlong) == sizeof(size_t), "item indices are passed as size_t");

#define MAX_STACK_RULES 32

typedef struct {
    jfieldID name, items, coefficients, profile, top, has_max, has_min, has_penalty, max, min, penalty;
} rule_fields;

static int rule_field_ids(JNIEnv *env, jclass cls, rule_fields *f) {
    f->name = (*env)->GetFieldID(env, cls, "name", "Ljava/lang/String;");
    f->items = (*env)->GetFieldID(env, cls, "items", "[J");
    f->coefficients = (*env)->GetFieldID(env, cls, "coefficients", "[D");
    f->profile = (*env)->GetFieldID(env, cls, "profile", "I");
    f->top = (*env)->GetFieldID(env, cls, "top", "J");
    f->has_max = (*env)->GetFieldID(env, cls, "hasMax", "Z");
    f->has_min = (*env)->GetFieldID(env, cls, "hasMin", "Z");
    f->has_penalty = (*env)->GetFieldID(env, cls, "hasPenalty", "Z");
    f->max = (*env)->GetFieldID(env, cls, "max", "D");
    f->min = (*env)->GetFieldID(env, cls, "min", "D");
    f->penalty = (*env)->GetFieldID(env, cls, "penalty", "D");
    return f->name && f->items && f->coefficients && f->profile && f->top && f->has_max && f->has_min &&
           f->has_penalty && f->max && f->min && f->penalty;
}

JNIEXPORT jlong JNICALL Java_dev_lprank_Solver_nativeNew(JNIEnv *env, jclass cls, jdouble gap, jdouble tol,
                                                         jint iterations, jlong time_limit_ns) {
    (void)env;
    (void)cls;
    lprank_settings s = lprank_settings_default();
    s.relative_gap = gap;
    s.feasibility_tolerance = tol;
    s.max_iterations = iterations < 0 ? 0u : (uint32_t)iterations;
    s.time_limit_ns = time_limit_ns < 0 ? 0u : (uint64_t)time_limit_ns;
    return (jlong)(intptr_t)lprank_solver_new(&s);
}

JNIEXPORT void JNICALL Java_dev_lprank_Solver_nativeFree(JNIEnv *env, jclass cls, jlong handle) {
    (void)env;
    (void)cls;
    lprank_solver_free((lprank_solver *)(intptr_t)handle);
}

JNIEXPORT jstring JNICALL Java_dev_lprank_Solver_nativeLastError(JNIEnv *env, jclass cls) {
    (void)cls;
    return (*env)->NewStringUTF(env, lprank_last_error());
}

JNIEXPORT jint JNICALL Java_dev_lprank_Solver_nativeSolve(JNIEnv *env, jclass cls, jlong handle, jdoubleArray scores,
                                                          jint slots, jdoubleArray weights, jobjectArray rules,
                                                          jdoubleArray summary_out) {
    (void)cls;
    jsize k = rules ? (*env)->GetArrayLength(env, rules) : 0;
    lprank_rule stack_rules[MAX_STACK_RULES];
    jarray stack_arrays[2 * MAX_STACK_RULES];
    jstring stack_names[MAX_STACK_RULES];
    const char *stack_chars[MAX_STACK_RULES];
    int heap = k > MAX_STACK_RULES;
    lprank_rule *c_rules = heap ? calloc((size_t)k, sizeof(lprank_rule)) : stack_rules;
    jarray *arrays = heap ? calloc(2 * (size_t)k, sizeof(jarray)) : stack_arrays;
    jstring *names = heap ? calloc((size_t)k, sizeof(jstring)) : stack_names;
    const char **chars = heap ? calloc((size_t)k, sizeof(char *)) : stack_chars;
    jint status = LPRANK_NULL_POINTER;
    if (!c_rules || !arrays || !names || !chars) {
        k = 0; /* nothing to clean up below but the buffers */
        goto out;
    }
    for (jsize r = 0; r < k; r++) {
        memset(&c_rules[r], 0, sizeof(lprank_rule));
        names[r] = NULL;
        chars[r] = NULL;
        arrays[2 * r] = arrays[2 * r + 1] = NULL;
    }

    /* 1. Everything that needs ordinary JNI calls: rule fields and names. */
    rule_fields f;
    if (k > 0) {
        jclass rule_class = (*env)->FindClass(env, "dev/lprank/Rule");
        if (!rule_class || !rule_field_ids(env, rule_class, &f)) goto out;
    }
    for (jsize r = 0; r < k; r++) {
        jobject rule = (*env)->GetObjectArrayElement(env, rules, r);
        if (!rule) continue; /* a NULL rule: items NULL with length 0, no bounds → rejected below */
        names[r] = (jstring)(*env)->GetObjectField(env, rule, f.name);
        chars[r] = names[r] ? (*env)->GetStringUTFChars(env, names[r], NULL) : NULL;
        arrays[2 * r] = (*env)->GetObjectField(env, rule, f.items);
        arrays[2 * r + 1] = (*env)->GetObjectField(env, rule, f.coefficients);
        lprank_rule *c = &c_rules[r];
        c->name = chars[r];
        c->items_len = arrays[2 * r] ? (size_t)(*env)->GetArrayLength(env, arrays[2 * r]) : 0;
        c->coefficients_len = arrays[2 * r + 1] ? (size_t)(*env)->GetArrayLength(env, arrays[2 * r + 1]) : 0;
        c->profile = (uint32_t)(*env)->GetIntField(env, rule, f.profile);
        jlong top = (*env)->GetLongField(env, rule, f.top);
        c->top = top < 0 ? 0 : (size_t)top;
        c->has_max = (*env)->GetBooleanField(env, rule, f.has_max);
        c->has_min = (*env)->GetBooleanField(env, rule, f.has_min);
        c->has_penalty = (*env)->GetBooleanField(env, rule, f.has_penalty);
        c->max = (*env)->GetDoubleField(env, rule, f.max);
        c->min = (*env)->GetDoubleField(env, rule, f.min);
        c->penalty = (*env)->GetDoubleField(env, rule, f.penalty);
        (*env)->DeleteLocalRef(env, rule);
    }
    jsize n = scores ? (*env)->GetArrayLength(env, scores) : 0;
    jsize wn = weights ? (*env)->GetArrayLength(env, weights) : 0;

    /* 2. Pin every array, solve, unpin: no JNI calls in between. */
    lprank_problem p;
    p.scores = scores ? (*env)->GetPrimitiveArrayCritical(env, scores, NULL) : NULL;
    p.scores_len = (size_t)n;
    p.slots = slots < 0 ? 0 : (size_t)slots;
    p.position_weights = weights ? (*env)->GetPrimitiveArrayCritical(env, weights, NULL) : NULL;
    p.position_weights_len = (size_t)wn;
    for (jsize r = 0; r < k; r++) {
        if (arrays[2 * r]) c_rules[r].items = (*env)->GetPrimitiveArrayCritical(env, arrays[2 * r], NULL);
        if (arrays[2 * r + 1])
            c_rules[r].coefficients = (*env)->GetPrimitiveArrayCritical(env, arrays[2 * r + 1], NULL);
    }
    p.rules = k > 0 ? c_rules : NULL;
    p.rules_len = (size_t)k;
    lprank_summary s;
    status = (jint)lprank_solver_solve((lprank_solver *)(intptr_t)handle, &p, &s);
    for (jsize r = k - 1; r >= 0; r--) {
        if (arrays[2 * r + 1])
            (*env)->ReleasePrimitiveArrayCritical(env, arrays[2 * r + 1], (void *)c_rules[r].coefficients, JNI_ABORT);
        if (arrays[2 * r]) (*env)->ReleasePrimitiveArrayCritical(env, arrays[2 * r], (void *)c_rules[r].items, JNI_ABORT);
    }
    if (weights) (*env)->ReleasePrimitiveArrayCritical(env, weights, (void *)p.position_weights, JNI_ABORT);
    if (scores) (*env)->ReleasePrimitiveArrayCritical(env, scores, (void *)p.scores, JNI_ABORT);

    if (status == LPRANK_OK) {
        jdouble out[8] = {(jdouble)s.solution_status, s.objective,        s.bound,
                          s.gap,                      s.relative_gap,     (jdouble)s.slate_len,
                          (jdouble)s.lottery_len,     (jdouble)s.rules_len};
        (*env)->SetDoubleArrayRegion(env, summary_out, 0, 8, out);
    }
out:
    for (jsize r = 0; r < k; r++) {
        if (chars[r]) (*env)->ReleaseStringUTFChars(env, names[r], chars[r]);
        if (names[r]) (*env)->DeleteLocalRef(env, names[r]);
        if (arrays[2 * r]) (*env)->DeleteLocalRef(env, arrays[2 * r]);
        if (arrays[2 * r + 1]) (*env)->DeleteLocalRef(env, arrays[2 * r + 1]);
    }
    if (heap) {
        /* free(NULL) is fine when an allocation failed */
        free(c_rules);
        free(arrays);
        free(names);
        free((void *)chars);
    }
    return status;
}

JNIEXPORT jint JNICALL Java_dev_lprank_Solver_nativeLottery(JNIEnv *env, jclass cls, jlong handle,
                                                            jdoubleArray probabilities, jlongArray rankings) {
    (void)cls;
    jsize np = (*env)->GetArrayLength(env, probabilities), nr = (*env)->GetArrayLength(env, rankings);
    double *p = (*env)->GetPrimitiveArrayCritical(env, probabilities, NULL);
    jlong *r = (*env)->GetPrimitiveArrayCritical(env, rankings, NULL);
    jint status = (jint)lprank_solver_lottery((lprank_solver *)(intptr_t)handle, np ? p : NULL, (size_t)np,
                                              nr ? (size_t *)r : NULL, (size_t)nr);
    (*env)->ReleasePrimitiveArrayCritical(env, rankings, r, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, probabilities, p, 0);
    return status;
}

JNIEXPORT jint JNICALL Java_dev_lprank_Solver_nativeRuleOutcomes(JNIEnv *env, jclass cls, jlong handle,
                                                                 jdoubleArray out) {
    (void)cls;
    jsize n = (*env)->GetArrayLength(env, out);
    _Static_assert(sizeof(lprank_rule_outcome) == 3 * sizeof(double), "outcomes are three doubles");
    double *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    jint status = (jint)lprank_solver_rule_outcomes((lprank_solver *)(intptr_t)handle,
                                                    n ? (lprank_rule_outcome *)o : NULL, (size_t)n / 3);
    (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
    return status;
}

JNIEXPORT jint JNICALL Java_dev_lprank_Solver_nativeRay(JNIEnv *env, jclass cls, jlong handle, jdoubleArray out) {
    (void)cls;
    jsize n = (*env)->GetArrayLength(env, out);
    double *o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    jint status = (jint)lprank_solver_infeasibility_ray((lprank_solver *)(intptr_t)handle, n ? o : NULL, (size_t)n);
    (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
    return status;
}

/* ---- dev.lprank.Model and dev.lprank.Scorer ----------------------------------------- */

_Static_assert(sizeof(jlong) == sizeof(uint64_t), "ids are passed as uint64_t");
_Static_assert(sizeof(jfloat) == sizeof(float), "dense values are passed as float");

JNIEXPORT jlong JNICALL Java_dev_lprank_Model_nativeLoad(JNIEnv *env, jclass cls, jstring dir) {
    (void)cls;
    /* Modified UTF-8 equals UTF-8 for every path without NUL or supplementary characters. */
    const char *path = (*env)->GetStringUTFChars(env, dir, NULL);
    if (!path) return 0; /* OutOfMemoryError is pending */
    lprank_model *model = lprank_model_load(path);
    (*env)->ReleaseStringUTFChars(env, dir, path);
    return (jlong)(intptr_t)model;
}

JNIEXPORT jint JNICALL Java_dev_lprank_Model_nativeWidths(JNIEnv *env, jclass cls, jlong handle, jlongArray out) {
    (void)cls;
    lprank_input_widths w;
    lprank_status status = lprank_model_widths((const lprank_model *)(intptr_t)handle, &w);
    if (status == LPRANK_OK) {
        jlong values[5] = {(jlong)w.request_dense, (jlong)w.request_ids, (jlong)w.item_dense, (jlong)w.item_ids,
                           (jlong)w.heads};
        (*env)->SetLongArrayRegion(env, out, 0, 5, values);
    }
    return (jint)status;
}

JNIEXPORT void JNICALL Java_dev_lprank_Model_nativeFree(JNIEnv *env, jclass cls, jlong handle) {
    (void)env;
    (void)cls;
    lprank_model_free((lprank_model *)(intptr_t)handle);
}

JNIEXPORT jlong JNICALL Java_dev_lprank_Scorer_nativeNew(JNIEnv *env, jclass cls, jint precision, jint kernels) {
    (void)env;
    (void)cls;
    /* Negative values become large unsigned ones, which lprank rejects as unknown. */
    lprank_scorer_settings s = {(uint32_t)precision, (uint32_t)kernels};
    return (jlong)(intptr_t)lprank_scorer_new(&s);
}

JNIEXPORT void JNICALL Java_dev_lprank_Scorer_nativeFree(JNIEnv *env, jclass cls, jlong handle) {
    (void)env;
    (void)cls;
    lprank_scorer_free((lprank_scorer *)(intptr_t)handle);
}

JNIEXPORT jstring JNICALL Java_dev_lprank_Scorer_nativeLastError(JNIEnv *env, jclass cls) {
    (void)cls;
    return (*env)->NewStringUTF(env, lprank_last_error());
}

/* Pins `array` (NULL stays NULL). A failed pin also gives NULL, which lprank reports as
 * LPRANK_NULL_POINTER since the length is non-zero. */
static void *pin(JNIEnv *env, jarray array) {
    return array ? (*env)->GetPrimitiveArrayCritical(env, array, NULL) : NULL;
}

static void unpin(JNIEnv *env, jarray array, void *pinned, jint mode) {
    if (array && pinned) (*env)->ReleasePrimitiveArrayCritical(env, array, pinned, mode);
}

JNIEXPORT jint JNICALL Java_dev_lprank_Scorer_nativeScore(JNIEnv *env, jclass cls, jlong handle, jlong model,
                                                          jfloatArray request_dense, jlongArray request_ids,
                                                          jfloatArray item_dense, jlongArray item_ids, jint output,
                                                          jfloatArray out) {
    (void)cls;
    /* Lengths first: no JNI call other than the pins may happen inside the critical region. */
    lprank_score_request r;
    r.request_dense_len = request_dense ? (size_t)(*env)->GetArrayLength(env, request_dense) : 0;
    r.request_ids_len = request_ids ? (size_t)(*env)->GetArrayLength(env, request_ids) : 0;
    r.item_dense_len = item_dense ? (size_t)(*env)->GetArrayLength(env, item_dense) : 0;
    r.item_ids_len = item_ids ? (size_t)(*env)->GetArrayLength(env, item_ids) : 0;
    size_t n = out ? (size_t)(*env)->GetArrayLength(env, out) : 0;

    r.request_dense = pin(env, request_dense);
    r.request_ids = pin(env, request_ids);
    r.item_dense = pin(env, item_dense);
    r.item_ids = pin(env, item_ids);
    float *scores = pin(env, out);
    jint status = (jint)lprank_scorer_score((lprank_scorer *)(intptr_t)handle, (const lprank_model *)(intptr_t)model,
                                            &r, (uint32_t)output, scores, n);
    /* Unpin in reverse order; inputs were only read (JNI_ABORT: nothing to copy back). */
    unpin(env, out, scores, 0);
    unpin(env, item_ids, (void *)r.item_ids, JNI_ABORT);
    unpin(env, item_dense, (void *)r.item_dense, JNI_ABORT);
    unpin(env, request_ids, (void *)r.request_ids, JNI_ABORT);
    unpin(env, request_dense, (void *)r.request_dense, JNI_ABORT);
    return status;
}

JNIEXPORT jint JNICALL Java_dev_lprank_Scorer_nativeHeadLogits(JNIEnv *env, jclass cls, jlong handle,
                                                               jfloatArray out) {
    (void)cls;
    size_t n = (size_t)(*env)->GetArrayLength(env, out);
    float *o = pin(env, out);
    jint status = (jint)lprank_scorer_head_logits((const lprank_scorer *)(intptr_t)handle, o, n);
    unpin(env, out, o, 0);
    return status;
}
