/* The tiny check harness the C test programs share: CHECK counts every check, reports a
 * failed one with its location, message and lprank's last error, and keeps going. */
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

#endif
