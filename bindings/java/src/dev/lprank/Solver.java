package dev.lprank;

/**
 * An lprank solver (owns a native handle and its reusable workspace). Not thread-safe:
 * use one per thread. Close it, or use try-with-resources.
 *
 * <pre>
 * try (Solver solver = new Solver()) {
 *     Solution s = solver.solve(scores, 10, new Rule[] {Rule.atMost(jobs, Rule.TOP, 5, 2)});
 *     long[] slate = s.sample(random.nextDouble());
 * }
 * </pre>
 */
public final class Solver implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    private long handle;

    /** A solver with the default settings. */
    public Solver() {
        this(1e-9, 1e-9, 10_000, 0);
    }

    /** A solver with these settings (timeLimitNanos 0: no budget). */
    public Solver(double relativeGap, double feasibilityTolerance, int maxIterations, long timeLimitNanos) {
        handle = nativeNew(relativeGap, feasibilityTolerance, maxIterations, timeLimitNanos);
        if (handle == 0) throw new LprankException(LprankException.INVALID_INPUT, nativeLastError());
    }

    /** Solves with default position weights for {@code slots} slots. */
    public Solution solve(double[] scores, int slots, Rule[] rules) {
        return solve(scores, slots, null, rules);
    }

    /** Solves; {@code positionWeights} may be null (defaults). Scores are pinned, not copied. */
    public Solution solve(double[] scores, int slots, double[] positionWeights, Rule[] rules) {
        double[] summary = new double[8];
        check(nativeSolve(handle, scores, slots, positionWeights, rules == null ? new Rule[0] : rules, summary));
        int status = (int) summary[0];
        int slate = (int) summary[5], lotteryLen = (int) summary[6], rulesLen = (int) summary[7];
        double[] probabilities = new double[lotteryLen];
        long[] flat = new long[lotteryLen * slate];
        check(nativeLottery(handle, probabilities, flat));
        double[] outcomes = new double[3 * rulesLen];
        check(nativeRuleOutcomes(handle, outcomes));
        double[] ray = null;
        if (status == Solution.INFEASIBLE) {
            ray = new double[rulesLen];
            check(nativeRay(handle, ray));
        }
        String message = Solution.mayCarryMessage(status) ? nativeMessage(handle) : null;
        return Solution.fromNative(status, summary[1], summary[2], summary[3], summary[4], probabilities, flat, slate,
                outcomes, ray, message);
    }

    @Override
    public void close() {
        nativeFree(handle);
        handle = 0;
    }

    private static void check(int status) {
        if (status != 0) throw new LprankException(status, nativeLastError());
    }

    private static native long nativeNew(double relativeGap, double feasibilityTolerance, int maxIterations,
            long timeLimitNanos);

    private static native void nativeFree(long handle);

    private static native int nativeSolve(long handle, double[] scores, int slots, double[] positionWeights,
            Rule[] rules, double[] summary);

    private static native int nativeLottery(long handle, double[] probabilities, long[] rankings);

    private static native int nativeRuleOutcomes(long handle, double[] outcomes);

    private static native int nativeRay(long handle, double[] ray);

    private static native String nativeLastError();

    /** The last solve's summary message (NULL in C: null). */
    private static native String nativeMessage(long handle);
}
