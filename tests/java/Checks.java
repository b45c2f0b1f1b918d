import dev.lprank.LprankException;

/**
 * The small check harness the Java test programs share: {@link #check} counts every check
 * and reports a failed one, {@link #statusOf} runs a call and returns the status of the
 * {@link LprankException} it throws (0 for none), keeping its message in {@link #lastMessage},
 * and {@link #finish} prints how many checks ran and failed, exiting non-zero on a failure.
 */
final class Checks {
    private Checks() {}

    private static int checks = 0, failures = 0;

    /** The message of the exception the last {@link #statusOf} caught ("" for none). */
    static String lastMessage = "";

    interface Call {
        void run();
    }

    static void check(boolean ok, String what) {
        checks++;
        if (!ok) {
            failures++;
            System.err.println("FAILED: " + what);
        }
    }

    static int statusOf(Call call) {
        lastMessage = "";
        try {
            call.run();
        } catch (LprankException e) {
            lastMessage = e.getMessage();
            return e.status();
        }
        return 0;
    }

    /**
     * Ends the checks with the fixed final line "checks RUN failed FAILED" (which
     * tests/bindings.rs reads: it requires the program's known number of checks and no
     * failure), and exits with 1 when a check failed.
     */
    static void finish() {
        if (failures > 0) System.err.println(failures + " of " + checks + " checks failed");
        System.out.println("checks " + checks + " failed " + failures);
        System.out.flush();
        if (failures > 0) System.exit(1);
    }
}
