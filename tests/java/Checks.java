import dev.lprank.LprankException;

/**
 * The small check harness the Java test programs share: {@link #check} counts every check
 * and reports a failed one, {@link #statusOf} runs a call and returns the status of the
 * {@link LprankException} it throws (0 for none), keeping its message in {@link #lastMessage},
 * and {@link #finish} prints "ok N" or exits non-zero.
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

    /** Prints "ok N" after the checks, or reports how many failed and exits with 1. */
    static void finish() {
        if (failures > 0) {
            System.err.println(failures + " of " + checks + " checks failed");
            System.exit(1);
        }
        System.out.println("ok " + checks);
    }
}
