/* The tiny check harness the C test programs share: CHECK counts every check, reports a
 * failed one with its location, message and lprank's last error, and keeps going;
 * check_report ends the run with the count. */
#ifndef LPRANK_TEST_CHECK_H
#define LPRANK_TEST_CHECK_H

#include <stdio.h>

#include "lprank.h"

static int checks = 0;
static int failures = 0;

#define CHECK(cond, ...)                                                 \
    do {                                                                 \
        checks++;                                                        \
        if (!(cond)) {                                                   \
            failures++;                                                  \
            fprintf(stderr, "FAILED %s:%d: ", __FILE__, __LINE__);       \
            fprintf(stderr, __VA_ARGS__);                                \
            fprintf(stderr, " (last error: %s)\n", lprank_last_error()); \
        }                                                                \
    } while (0)

/* After the checks: prints the fixed final line "checks <run> failed <failed>" (which
 * tests/bindings.rs reads: it requires the program's known number of checks and no failure)
 * and returns the program's exit code, 1 when a check failed. */
static inline int check_report(void) {
    if (failures) fprintf(stderr, "%d of %d checks failed\n", failures, checks);
    printf("checks %d failed %d\n", checks, failures);
    return failures ? 1 : 0;
}

#endif
