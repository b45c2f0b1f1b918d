// The tiny check harness the C++ test programs share: CHECK counts every check and reports
// a failed one with its location and message (a stream expression) and keeps going;
// check_report ends the run with the count; status_of runs a call and returns the status
// of the lprank::Error it throws.
#ifndef LPRANK_TEST_CHECK_HPP
#define LPRANK_TEST_CHECK_HPP

#include <iostream>
#include <string>

#include "lprank.hpp"

static int checks = 0, failures = 0;
#define CHECK(cond, what)                                                                  \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            std::cerr << "FAILED " << __FILE__ << ":" << __LINE__ << ": " << what << "\n"; \
        }                                                                                  \
    } while (0)

// After the checks: prints the fixed final line "checks <run> failed <failed>" (which
// tests/bindings.rs reads: it requires the program's known number of checks and no failure)
// and returns the program's exit code, 1 when a check failed.
[[maybe_unused]] static int check_report() {
    if (failures) std::cerr << failures << " of " << checks << " checks failed\n";
    std::cout << "checks " << checks << " failed " << failures << "\n" << std::flush;
    return failures ? 1 : 0;
}

// The status of the lprank::Error `f` throws (LPRANK_OK when it throws none), and its text.
template <class F>
static lprank_status status_of(F f, std::string *message = nullptr) {
    try {
        f();
    } catch (const lprank::Error &e) {
        if (message) *message = e.what();
        return e.status();
    }
    return LPRANK_OK;
}

[[maybe_unused]] static bool contains(const std::string &text, const char *part) {
    return text.find(part) != std::string::npos;
}

#endif
