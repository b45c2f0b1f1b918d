/* JNI glue between dev.lprank (Solver, Model, Scorer, Ranker) and the C ABI (include/lprank.h).
 *
 * Arrays are pinned with Get/ReleasePrimitiveArrayCritical around the lprank call (no
 * copies of scores, features, weights, items or coefficients where the JVM allows
 * pinning); rule objects and their names are read before any array is pinned, since no
 * other JNI call may happen inside a critical region. Java long[] item indices are passed
 * as size_t[], which has the same size on the 64-bit platforms this targets (checked at
 * compile time).
 */
#include <jni.h>
#include <stdlib.h>
#include <string.h>

#include "lprank.h"

_Static_assert(sizeof(jlong) == sizeof(size_t), "item indices are passed as size_t");

#define MAX_STACK_RULES 32

/* Pins `array` (NULL stays NULL). A failed pin also gives NULL, which lprank reports as
 * LPRANK_NULL_POINTER since the length is non-zero. */
static void *pin(JNIEnv *env, jarray array) {
    return array ? (*env)->GetPrimitiveArrayCritical(env, array, NULL) : NULL;
}

static void unpin(JNIEnv *env, jarray array, void *pinned, jint mode) {
    if (array && pinned) (*env)->ReleasePrimitiveArrayCritical(env, array, pinned, mode);
}

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

/* dev.lprank.Rule and its field IDs, looked up once when the JVM loads this library
 * (JNI_OnLoad) rather than on every call that passes rules: FindClass and eleven GetFieldID
 * calls are string lookups, a few microseconds a call. The global reference keeps the
 * class loaded, which keeps the IDs valid. Should the lookup fail there (Rule ships in the
 * same jar, so it should not), calls look them up themselves, as before. */
static jclass cached_rule_class;
static rule_fields cached_fields;
static int fields_cached;

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
    (void)reserved;
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) return JNI_VERSION_1_8;
    jclass local = (*env)->FindClass(env, "dev/lprank/Rule");
    if (local) {
        cached_rule_class = (jclass)(*env)->NewGlobalRef(env, local);
        fields_cached = cached_rule_class && rule_field_ids(env, cached_rule_class, &cached_fields);
        (*env)->DeleteLocalRef(env, local);
    }
    /* A failed lookup leaves an exception pending; clear it so that loading succeeds and the
     * calls fall back to their own lookup (which reports the error where it happens). */
    if ((*env)->ExceptionCheck(env)) (*env)->ExceptionClear(env);
    return JNI_VERSION_1_8;
}

JNIEXPORT void JNICALL JNI_OnUnload(JavaVM *vm, void *reserved) {
    (void)reserved;
    JNIEnv *env;
    if (cached_rule_class && (*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) == JNI_OK) {
        (*env)->DeleteGlobalRef(env, cached_rule_class);
    }
    cached_rule_class = NULL;
    fields_cached = 0;
}

/* A Java Rule[] as lprank_rule structs, in the two phases a call needs: rule_set_read makes
 * every ordinary JNI call (fields, names, lengths) before the caller enters its critical
 * region, rule_set_pin/rule_set_unpin run inside it, and rule_set_release runs on every
 * path, including a failed read. Small sets live on the stack so that a typical call does
 * not allocate. */
typedef struct {
    jsize k;
    int heap;
    int framed;
    lprank_rule *rules;
    jarray *arrays; /* rule r: items at 2r, coefficients at 2r + 1 */
    jstring *names;
    const char **chars;
    lprank_rule stack_rules[MAX_STACK_RULES];
    jarray stack_arrays[2 * MAX_STACK_RULES];
    jstring stack_names[MAX_STACK_RULES];
    const char *stack_chars[MAX_STACK_RULES];
} rule_set;

/* Returns 0 when the rules could not be read (out of memory, or a pending Java exception);
 * the caller then skips the lprank call, and must still call rule_set_release. */
static int rule_set_read(JNIEnv *env, jobjectArray rules, rule_set *s) {
    s->k = rules ? (*env)->GetArrayLength(env, rules) : 0;
    s->heap = s->k > MAX_STACK_RULES;
    s->framed = 0;
    s->rules = s->heap ? calloc((size_t)s->k, sizeof(lprank_rule)) : s->stack_rules;
    s->arrays = s->heap ? calloc(2 * (size_t)s->k, sizeof(jarray)) : s->stack_arrays;
    s->names = s->heap ? calloc((size_t)s->k, sizeof(jstring)) : s->stack_names;
    s->chars = s->heap ? calloc((size_t)s->k, sizeof(char *)) : s->stack_chars;
    if (!s->rules || !s->arrays || !s->names || !s->chars) {
        s->k = 0; /* nothing to clean up but the buffers */
        return 0;
    }
    for (jsize r = 0; r < s->k; r++) {
        memset(&s->rules[r], 0, sizeof(lprank_rule));
        s->names[r] = NULL;
        s->chars[r] = NULL;
        s->arrays[2 * r] = s->arrays[2 * r + 1] = NULL;
    }
    if (s->k == 0) return 1;
    /* Three local refs per rule stay live until the call returns; -Xcheck:jni warns past
     * the default capacity (32) unless a frame this large is asked for. */
    if (s->k > (INT32_MAX - 2) / 3 || (*env)->PushLocalFrame(env, 3 * s->k + 2) != 0) return 0;
    s->framed = 1;
    rule_fields f;
    if (fields_cached) {
        f = cached_fields;
    } else {
        jclass rule_class = (*env)->FindClass(env, "dev/lprank/Rule");
        if (!rule_class || !rule_field_ids(env, rule_class, &f)) return 0;
    }
    for (jsize r = 0; r < s->k; r++) {
        jobject rule = (*env)->GetObjectArrayElement(env, rules, r);
        if (!rule) continue; /* a NULL rule: items NULL with length 0, no bounds → rejected by lprank */
        s->names[r] = (jstring)(*env)->GetObjectField(env, rule, f.name);
        s->chars[r] = s->names[r] ? (*env)->GetStringUTFChars(env, s->names[r], NULL) : NULL;
        if (s->names[r] && !s->chars[r]) return 0; /* OutOfMemoryError is pending */
        s->arrays[2 * r] = (*env)->GetObjectField(env, rule, f.items);
        s->arrays[2 * r + 1] = (*env)->GetObjectField(env, rule, f.coefficients);
        lprank_rule *c = &s->rules[r];
        c->name = s->chars[r];
        c->items_len = s->arrays[2 * r] ? (size_t)(*env)->GetArrayLength(env, s->arrays[2 * r]) : 0;
        c->coefficients_len =
            s->arrays[2 * r + 1] ? (size_t)(*env)->GetArrayLength(env, s->arrays[2 * r + 1]) : 0;
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
    return 1;
}

/* The rules as lprank reads them: NULL with 0 for none. */
static const lprank_rule *rule_set_rules(const rule_set *s) {
    return s->k > 0 ? s->rules : NULL;
}

static void rule_set_pin(JNIEnv *env, rule_set *s) {
    for (jsize r = 0; r < s->k; r++) {
        s->rules[r].items = pin(env, s->arrays[2 * r]);
        s->rules[r].coefficients = pin(env, s->arrays[2 * r + 1]);
    }
}

/* Reverse order of rule_set_pin; the rules were only read (JNI_ABORT: nothing to copy back). */
static void rule_set_unpin(JNIEnv *env, rule_set *s) {
    for (jsize r = s->k - 1; r >= 0; r--) {
        unpin(env, s->arrays[2 * r + 1], (void *)s->rules[r].coefficients, JNI_ABORT);
        unpin(env, s->arrays[2 * r], (void *)s->rules[r].items, JNI_ABORT);
        s->rules[r].coefficients = NULL;
        s->rules[r].items = NULL;
    }
}

static void rule_set_release(JNIEnv *env, rule_set *s) {
    for (jsize r = 0; r < s->k; r++)
        if (s->chars[r]) (*env)->ReleaseStringUTFChars(env, s->names[r], s->chars[r]);
    /* Popping the frame frees every local ref the read made, on the failure paths too. */
    if (s->framed) (*env)->PopLocalFrame(env, NULL);
    if (s->heap) {
        /* free(NULL) is fine when an allocation failed */
        free(s->rules);
        free(s->arrays);
        free(s->names);
        free((void *)s->chars);
    }
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

/* The last solve's summary message (static C string), or null. */
JNIEXPORT jstring JNICALL Java_dev_lprank_Solver_nativeMessage(JNIEnv *env, jclass cls, jlong handle) {
    (void)cls;
    lprank_summary s;
    if (lprank_solver_summary((const lprank_solver *)(intptr_t)handle, &s) != LPRANK_OK || s.message == NULL)
        return NULL;
    return (*env)->NewStringUTF(env, s.message);
}

JNIEXPORT jint JNICALL Java_dev_lprank_Solver_nativeSolve(JNIEnv *env, jclass cls, jlong handle, jdoubleArray scores,
                                                          jint slots, jdoubleArray weights, jobjectArray rules,
                                                          jdoubleArray summary_out) {
    (void)cls;
    rule_set set;
    jint status = LPRANK_NULL_POINTER;
    if (rule_set_read(env, rules, &set)) {
        lprank_problem p;
        p.scores_len = scores ? (size_t)(*env)->GetArrayLength(env, scores) : 0;
        p.slots = slots < 0 ? 0 : (size_t)slots;
        p.position_weights_len = weights ? (size_t)(*env)->GetArrayLength(env, weights) : 0;
        p.rules = rule_set_rules(&set);
        p.rules_len = (size_t)set.k;

        /* Pin every array, solve, unpin: no other JNI call in between. */
        p.scores = pin(env, scores);
        p.position_weights = pin(env, weights);
        rule_set_pin(env, &set);
        lprank_summary s;
        status = (jint)lprank_solver_solve((lprank_solver *)(intptr_t)handle, &p, &s);
        rule_set_unpin(env, &set);
        unpin(env, weights, (void *)p.position_weights, JNI_ABORT);
        unpin(env, scores, (void *)p.scores, JNI_ABORT);

        if (status == LPRANK_OK) {
            jdouble out[8] = {(jdouble)s.solution_status, s.objective,        s.bound,
                              s.gap,                      s.relative_gap,     (jdouble)s.slate_len,
                              (jdouble)s.lottery_len,     (jdouble)s.rules_len};
            (*env)->SetDoubleArrayRegion(env, summary_out, 0, 8, out);
        }
    }
    rule_set_release(env, &set);
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

/* ---- dev.lprank.Ranker -------------------------------------------------------------- */

JNIEXPORT jlong JNICALL Java_dev_lprank_Ranker_nativeNew(JNIEnv *env, jclass cls, jint precision, jint kernels,
                                                         jint output, jdouble gap, jdouble tol, jint iterations,
                                                         jlong time_limit_ns) {
    (void)env;
    (void)cls;
    lprank_ranker_settings s = lprank_ranker_settings_default();
    /* Negative codes become large unsigned ones, which lprank rejects as unknown; the
     * solver fields are converted as for dev.lprank.Solver. */
    s.scorer.precision = (uint32_t)precision;
    s.scorer.kernels = (uint32_t)kernels;
    s.output = (uint32_t)output;
    s.solver.relative_gap = gap;
    s.solver.feasibility_tolerance = tol;
    s.solver.max_iterations = iterations < 0 ? 0u : (uint32_t)iterations;
    s.solver.time_limit_ns = time_limit_ns < 0 ? 0u : (uint64_t)time_limit_ns;
    return (jlong)(intptr_t)lprank_ranker_new(&s);
}

JNIEXPORT jlong JNICALL Java_dev_lprank_Ranker_nativeNewDefault(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    /* NULL rather than copied numbers, so Java follows the library's defaults if they change. */
    return (jlong)(intptr_t)lprank_ranker_new(NULL);
}

JNIEXPORT void JNICALL Java_dev_lprank_Ranker_nativeFree(JNIEnv *env, jclass cls, jlong handle) {
    (void)env;
    (void)cls;
    lprank_ranker_free((lprank_ranker *)(intptr_t)handle);
}

JNIEXPORT jstring JNICALL Java_dev_lprank_Ranker_nativeLastError(JNIEnv *env, jclass cls) {
    (void)cls;
    return (*env)->NewStringUTF(env, lprank_last_error());
}

/* On LPRANK_OK writes summary_out = {solution status, objective, bound, gap, relative gap, propensity}
 * and counts_out = {slate_len, lottery_len, rules_len, score_ns, solve_ns, has_slate}. */
JNIEXPORT jint JNICALL Java_dev_lprank_Ranker_nativeRank(JNIEnv *env, jclass cls, jlong handle, jlong model,
                                                         jfloatArray request_dense, jlongArray request_ids,
                                                         jfloatArray item_dense, jlongArray item_ids,
                                                         jint candidates, jint slots, jdoubleArray weights,
                                                         jobjectArray rules, jdouble u, jlongArray slate,
                                                         jdoubleArray summary_out, jlongArray counts_out) {
    (void)cls;
    rule_set set;
    jint status = LPRANK_NULL_POINTER;
    if (rule_set_read(env, rules, &set)) {
        lprank_rank_request r;
        r.features.request_dense_len = request_dense ? (size_t)(*env)->GetArrayLength(env, request_dense) : 0;
        r.features.request_ids_len = request_ids ? (size_t)(*env)->GetArrayLength(env, request_ids) : 0;
        r.features.item_dense_len = item_dense ? (size_t)(*env)->GetArrayLength(env, item_dense) : 0;
        r.features.item_ids_len = item_ids ? (size_t)(*env)->GetArrayLength(env, item_ids) : 0;
        /* Ranker.rank refuses negative counts before calling; never wrap one to a huge size_t. */
        r.candidates = candidates < 0 ? 0 : (size_t)candidates;
        r.slots = slots < 0 ? 0 : (size_t)slots;
        r.position_weights_len = weights ? (size_t)(*env)->GetArrayLength(env, weights) : 0;
        r.rules = rule_set_rules(&set);
        r.rules_len = (size_t)set.k;
        r.u = u;
        size_t slate_len = slate ? (size_t)(*env)->GetArrayLength(env, slate) : 0;

        /* Pin every array, rank, unpin: no other JNI call in between. */
        r.features.request_dense = pin(env, request_dense);
        r.features.request_ids = pin(env, request_ids);
        r.features.item_dense = pin(env, item_dense);
        r.features.item_ids = pin(env, item_ids);
        r.position_weights = pin(env, weights);
        rule_set_pin(env, &set);
        jlong *slate_items = pin(env, slate);
        lprank_rank_result out;
        status = (jint)lprank_ranker_rank((lprank_ranker *)(intptr_t)handle, (const lprank_model *)(intptr_t)model,
                                          &r, slate_len ? (size_t *)slate_items : NULL, slate_len, &out);
        /* A failed call left the slate untouched: nothing to copy back. */
        unpin(env, slate, slate_items, status == LPRANK_OK ? 0 : JNI_ABORT);
        rule_set_unpin(env, &set);
        unpin(env, weights, (void *)r.position_weights, JNI_ABORT);
        unpin(env, item_ids, (void *)r.features.item_ids, JNI_ABORT);
        unpin(env, item_dense, (void *)r.features.item_dense, JNI_ABORT);
        unpin(env, request_ids, (void *)r.features.request_ids, JNI_ABORT);
        unpin(env, request_dense, (void *)r.features.request_dense, JNI_ABORT);

        if (status == LPRANK_OK) {
            const lprank_summary *s = &out.summary;
            jdouble summary[6] = {(jdouble)s->solution_status, s->objective,     s->bound,
                                  s->gap,                      s->relative_gap,  out.propensity};
            jlong counts[6] = {(jlong)s->slate_len, (jlong)s->lottery_len, (jlong)s->rules_len,
                               (jlong)out.score_ns,  (jlong)out.solve_ns,    (jlong)out.has_slate};
            (*env)->SetDoubleArrayRegion(env, summary_out, 0, 6, summary);
            (*env)->SetLongArrayRegion(env, counts_out, 0, 6, counts);
        }
    }
    rule_set_release(env, &set);
    return status;
}

/* Ranker.reserve: lprank_ranker_reserve with the rules read as for a rank call. */
JNIEXPORT jint JNICALL Java_dev_lprank_Ranker_nativeReserve(JNIEnv *env, jclass cls, jlong handle, jint candidates,
                                                            jint slots, jobjectArray rules) {
    (void)cls;
    rule_set set;
    jint status = LPRANK_NULL_POINTER;
    if (rule_set_read(env, rules, &set)) {
        /* Ranker.reserve refuses negative counts before calling; never wrap one to a huge size_t. */
        size_t n = candidates < 0 ? 0 : (size_t)candidates, m = slots < 0 ? 0 : (size_t)slots;
        rule_set_pin(env, &set);
        status = (jint)lprank_ranker_reserve((lprank_ranker *)(intptr_t)handle, n, m, rule_set_rules(&set),
                                             (size_t)set.k);
        rule_set_unpin(env, &set);
    }
    rule_set_release(env, &set);
    return status;
}

/* The last request's summary message (static C string), or null. */
JNIEXPORT jstring JNICALL Java_dev_lprank_Ranker_nativeMessage(JNIEnv *env, jclass cls, jlong handle) {
    (void)cls;
    lprank_summary s;
    if (lprank_ranker_summary((const lprank_ranker *)(intptr_t)handle, &s) != LPRANK_OK || s.message == NULL)
        return NULL;
    return (*env)->NewStringUTF(env, s.message);
}

JNIEXPORT jint JNICALL Java_dev_lprank_Ranker_nativeScores(JNIEnv *env, jclass cls, jlong handle, jdoubleArray out) {
    (void)cls;
    jsize n = (*env)->GetArrayLength(env, out);
    double *o = pin(env, out);
    jint status = (jint)lprank_ranker_scores((const lprank_ranker *)(intptr_t)handle, n ? o : NULL, (size_t)n);
    unpin(env, out, o, 0);
    return status;
}

JNIEXPORT jint JNICALL Java_dev_lprank_Ranker_nativeLottery(JNIEnv *env, jclass cls, jlong handle,
                                                            jdoubleArray probabilities, jlongArray rankings) {
    (void)cls;
    jsize np = (*env)->GetArrayLength(env, probabilities), nr = (*env)->GetArrayLength(env, rankings);
    double *p = pin(env, probabilities);
    jlong *r = pin(env, rankings);
    jint status = (jint)lprank_ranker_lottery((const lprank_ranker *)(intptr_t)handle, np ? p : NULL, (size_t)np,
                                              nr ? (size_t *)r : NULL, (size_t)nr);
    unpin(env, rankings, r, 0);
    unpin(env, probabilities, p, 0);
    return status;
}

JNIEXPORT jint JNICALL Java_dev_lprank_Ranker_nativeRuleOutcomes(JNIEnv *env, jclass cls, jlong handle,
                                                                 jdoubleArray out) {
    (void)cls;
    jsize n = (*env)->GetArrayLength(env, out);
    double *o = pin(env, out);
    jint status = (jint)lprank_ranker_rule_outcomes((const lprank_ranker *)(intptr_t)handle,
                                                    n ? (lprank_rule_outcome *)o : NULL, (size_t)n / 3);
    unpin(env, out, o, 0);
    return status;
}

JNIEXPORT jint JNICALL Java_dev_lprank_Ranker_nativeRay(JNIEnv *env, jclass cls, jlong handle, jdoubleArray out) {
    (void)cls;
    jsize n = (*env)->GetArrayLength(env, out);
    double *o = pin(env, out);
    jint status = (jint)lprank_ranker_infeasibility_ray((const lprank_ranker *)(intptr_t)handle, n ? o : NULL,
                                                        (size_t)n);
    unpin(env, out, o, 0);
    return status;
}

/* ---- Greedy ---- */

JNIEXPORT jlong JNICALL Java_dev_lprank_Greedy_nativeNew(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return (jlong)(intptr_t)lprank_greedy_new();
}

JNIEXPORT void JNICALL Java_dev_lprank_Greedy_nativeFree(JNIEnv *env, jclass cls, jlong handle) {
    (void)env;
    (void)cls;
    lprank_greedy_free((lprank_greedy *)(intptr_t)handle);
}

JNIEXPORT jstring JNICALL Java_dev_lprank_Greedy_nativeLastError(JNIEnv *env, jclass cls) {
    (void)cls;
    return (*env)->NewStringUTF(env, lprank_last_error());
}

/* On LPRANK_OK: slate filled, outcomes = {value, violation} per rule, result = {objective,
 * broken hard rules}. */
JNIEXPORT jint JNICALL Java_dev_lprank_Greedy_nativeRank(JNIEnv *env, jclass cls, jlong handle, jdoubleArray scores,
                                                         jint slots, jdoubleArray weights, jobjectArray rules,
                                                         jlongArray slate, jdoubleArray outcomes_out,
                                                         jdoubleArray result_out) {
    (void)cls;
    rule_set set;
    jint status = LPRANK_NULL_POINTER;
    if (rule_set_read(env, rules, &set)) {
        lprank_problem p;
        p.scores_len = scores ? (size_t)(*env)->GetArrayLength(env, scores) : 0;
        p.slots = slots < 0 ? 0 : (size_t)slots;
        p.position_weights_len = weights ? (size_t)(*env)->GetArrayLength(env, weights) : 0;
        p.rules = rule_set_rules(&set);
        p.rules_len = (size_t)set.k;
        size_t slate_len = slate ? (size_t)(*env)->GetArrayLength(env, slate) : 0;
        /* One outcome per rule, on the C heap (no JNI call may run while arrays are pinned). */
        lprank_rule_outcome *outcomes = set.k ? malloc((size_t)set.k * sizeof *outcomes) : NULL;
        if (set.k && !outcomes) {
            status = LPRANK_PANIC;
        } else {
            /* Pin every array, build, unpin: no other JNI call in between. */
            p.scores = pin(env, scores);
            p.position_weights = pin(env, weights);
            rule_set_pin(env, &set);
            jlong *slate_items = pin(env, slate);
            lprank_greedy_result r;
            status = (jint)lprank_greedy_rank((lprank_greedy *)(intptr_t)handle, &p,
                                              slate_len ? (size_t *)slate_items : NULL, slate_len, outcomes,
                                              (size_t)set.k, &r);
            unpin(env, slate, slate_items, status == LPRANK_OK ? 0 : JNI_ABORT);
            rule_set_unpin(env, &set);
            unpin(env, weights, (void *)p.position_weights, JNI_ABORT);
            unpin(env, scores, (void *)p.scores, JNI_ABORT);
            if (status == LPRANK_OK) {
                for (jsize k = 0; k < set.k; k++) {
                    jdouble pair[2] = {outcomes[k].value, outcomes[k].violation};
                    (*env)->SetDoubleArrayRegion(env, outcomes_out, 2 * k, 2, pair);
                }
                jdouble result[2] = {r.objective, (jdouble)r.broken_hard_rules};
                (*env)->SetDoubleArrayRegion(env, result_out, 0, 2, result);
            }
        }
        free(outcomes);
    }
    rule_set_release(env, &set);
    return status;
}
