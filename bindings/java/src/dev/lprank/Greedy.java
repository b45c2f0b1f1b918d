package dev.lprank;

/**
 * The greedy baseline to compare the LP with offline: it fills slots in order with the
 * best-scoring item that a myopic check lets keep every rule satisfiable (see the Rust
 * docs of {@code lprank::greedy} for what it does not guarantee). Owns a native handle with
 * reusable buffers; not thread-safe: one per thread. Close it, or use try-with-resources.
 */
public final class Greedy implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    private long handle;

    /** A greedy builder. */
    public Greedy() {
        handle = nativeNew();
        if (handle == 0) throw new LprankException(LprankException.PANIC, nativeLastError());
    }

    /**
     * The greedy slate for {@code scores} on {@code slots} slots ({@code positionWeights}
     * may be null: the defaults) under {@code rules}. Bad input throws with the solver's
     * messages; broken rules are reported in the result, not thrown.
     */
    public GreedySlate rank(double[] scores, int slots, double[] positionWeights, Rule[] rules) {
        if (slots < 0) throw new LprankException(LprankException.LENGTH_MISMATCH, "slots: negative (" + slots + ")");
        Rule[] given = rules == null ? new Rule[0] : rules;
        int n = scores == null ? 0 : scores.length;
        int slotCount = positionWeights == null || slots != 0 ? slots : positionWeights.length;
        long[] slate = new long[Math.min(slotCount, n)];
        double[] outcomes = new double[2 * given.length];
        double[] result = new double[2];
        check(nativeRank(handle, scores, slots, positionWeights, given, slate, outcomes, result));
        double[] values = new double[given.length], violations = new double[given.length];
        for (int k = 0; k < given.length; k++) {
            values[k] = outcomes[2 * k];
            violations[k] = outcomes[2 * k + 1];
        }
        return new GreedySlate(slate, result[0], (int) result[1], values, violations);
    }

    @Override
    public void close() {
        nativeFree(handle);
        handle = 0;
    }

    private static void check(int status) {
        if (status != 0) throw new LprankException(status, nativeLastError());
    }

    private static native long nativeNew();

    private static native void nativeFree(long handle);

    /** On success: slate filled, outcomes = {value, violation} per rule, result = {objective, broken hard rules}. */
    private static native int nativeRank(long handle, double[] scores, int slots, double[] positionWeights, Rule[] rules,
            long[] slate, double[] outcomes, double[] result);

    private static native String nativeLastError();
}
