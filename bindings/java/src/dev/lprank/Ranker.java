package dev.lprank;

/**
 * Scores a request's candidates with a {@link Model} and solves the slate LP on those scores
 * under the request's rules, in one native call (owns a native handle with a scorer
 * workspace, a solver and the score buffers). Not thread-safe: use one per thread; the Model
 * may be shared by all of them. Close it, or use try-with-resources.
 *
 * <pre>
 * try (Model model = new Model("ranking-models/feed-dcn"); Ranker ranker = new Ranker()) {
 *     Ranked r = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 10, null,
 *             new Rule[] {Rule.atMost(jobs, Rule.TOP, 5, 2)}, random.nextDouble());
 *     long[] slate = r.slate; // null when the rules are infeasible: see r.solution
 * }
 * </pre>
 *
 * <p>The features are laid out as for {@link Scorer}; the arrays are pinned, not copied, and
 * a null array is an empty one.
 */
public final class Ranker implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    private long handle;

    /**
     * A ranker with the library's defaults: f32 scorer on the best kernels, the default
     * solver settings, ranking by the calibrated probability ({@link Scorer#PROBABILITY}).
     */
    public Ranker() {
        handle = nativeNewDefault();
        if (handle == 0) throw new LprankException(LprankException.INVALID_INPUT, nativeLastError());
    }

    /**
     * A ranker with this precision ({@link Scorer#F32}, {@link Scorer#INT8}), kernel tier
     * ({@code Scorer.KERNELS_*}), output the LP maximises ({@link Scorer#LOGIT},
     * {@link Scorer#CALIBRATED_LOGIT}, {@link Scorer#PROBABILITY}) and solver settings as for
     * {@link Solver#Solver(double, double, int, long)} (timeLimitNanos 0: no budget).
     */
    public Ranker(int precision, int kernels, int output, double relativeGap, double feasibilityTolerance,
            int maxIterations, long timeLimitNanos) {
        handle = nativeNew(precision, kernels, output, relativeGap, feasibilityTolerance, maxIterations,
                timeLimitNanos);
        if (handle == 0) throw new LprankException(LprankException.INVALID_INPUT, nativeLastError());
    }

    /**
     * Ranks one request of {@code candidates} items: scores them, solves the slate LP under
     * {@code rules} (member indices refer to candidates; null for none) and draws the slate
     * for the uniform {@code u} in [0, 1). {@code positionWeights} null means the default
     * weights for {@code slots} slots; with weights, {@code slots} 0 means all of them. An
     * infeasible request is no exception: see {@code solution.status}.
     */
    public Ranked rank(Model model, float[] requestDense, long[] requestIds, float[] itemDense, long[] itemIds,
            int candidates, int slots, double[] positionWeights, Rule[] rules, double u) {
        // The native side takes sizes as size_t: a negative count must not wrap into a huge one.
        if (candidates < 0)
            throw new LprankException(LprankException.LENGTH_MISMATCH, "candidates: negative (" + candidates + ")");
        if (slots < 0) throw new LprankException(LprankException.LENGTH_MISMATCH, "slots: negative (" + slots + ")");
        // The slate buffer the C side requires: min(slot count, candidates), the slot count
        // read as lprank_ranker_rank reads it.
        int slotCount = positionWeights == null || slots != 0 ? slots : positionWeights.length;
        long[] slate = new long[Math.min(slotCount, candidates)];
        double[] summary = new double[6];
        long[] counts = new long[6];
        check(nativeRank(handle, model == null ? 0 : model.handle(), requestDense, requestIds, itemDense, itemIds,
                candidates, slots, positionWeights, rules, u, slate, summary, counts));
        int status = (int) summary[0];
        int slateLen = (int) counts[0], lotteryLen = (int) counts[1], rulesLen = (int) counts[2];

        double[] scores = new double[candidates];
        check(nativeScores(handle, scores));
        double[] probabilities = new double[lotteryLen];
        long[] flat = new long[lotteryLen * slateLen];
        check(nativeLottery(handle, probabilities, flat));
        double[] outcomes = new double[3 * rulesLen];
        check(nativeRuleOutcomes(handle, outcomes));
        double[] ray = null;
        if (status == Solution.INFEASIBLE) {
            ray = new double[rulesLen];
            check(nativeRay(handle, ray));
        }
        String message = Solution.mayCarryMessage(status) ? nativeMessage(handle) : null;
        Solution solution = Solution.fromNative(status, summary[1], summary[2], summary[3], summary[4], probabilities,
                flat, slateLen, outcomes, ray, message);
        long[] served = counts[5] == 0 ? null
                : slate.length == slateLen ? slate : java.util.Arrays.copyOf(slate, slateLen);
        return new Ranked(served, served == null ? 0 : summary[5], scores, solution, counts[3], counts[4]);
    }

    /**
     * Reserves the native buffers for requests of at most {@code candidates} candidates,
     * {@code slots} slots and as many rules and bounds as {@code rules}, so that no such
     * request allocates natively once one of {@code candidates} has been scored (without it
     * the buffers grow to the largest request seen). Throws {@code INVALID_INPUT} naming
     * the sizes when that is over the solver's memory cap.
     */
    public void reserve(int candidates, int slots, Rule[] rules) {
        if (candidates < 0 || slots < 0)
            throw new LprankException(LprankException.LENGTH_MISMATCH, "reserve: negative count");
        check(nativeReserve(handle, candidates, slots, rules == null ? new Rule[0] : rules));
    }

    /**
     * {@link #rank} into caller-owned buffers: the same request and answer, without a Java
     * allocation per call. Throws {@code LENGTH_MISMATCH} before any work when the request
     * exceeds the buffers' capacities.
     */
    public void rankInto(Model model, float[] requestDense, long[] requestIds, float[] itemDense, long[] itemIds,
            int candidates, int slots, double[] positionWeights, Rule[] rules, double u, RankBuffers out) {
        if (out == null) throw new LprankException(LprankException.NULL_POINTER, "out is null");
        if (candidates < 0)
            throw new LprankException(LprankException.LENGTH_MISMATCH, "candidates: negative (" + candidates + ")");
        if (slots < 0) throw new LprankException(LprankException.LENGTH_MISMATCH, "slots: negative (" + slots + ")");
        int slotCount = positionWeights == null || slots != 0 ? slots : positionWeights.length;
        int ruleCount = rules == null ? 0 : rules.length;
        if (candidates > out.maxCandidates || slotCount > out.maxSlots || ruleCount > out.maxRules)
            throw new LprankException(LprankException.LENGTH_MISMATCH, "out: buffers for " + out.maxCandidates
                    + " candidates, " + out.maxSlots + " slots and " + out.maxRules + " rules, request has "
                    + candidates + ", " + slotCount + " and " + ruleCount);
        out.hasSlate = false;
        check(nativeRank(handle, model == null ? 0 : model.handle(), requestDense, requestIds, itemDense, itemIds,
                candidates, slots, positionWeights, rules, u, out.slate, out.summary, out.counts));
        out.status = (int) out.summary[0];
        out.message = Solution.mayCarryMessage(out.status) ? nativeMessage(handle) : null;
        out.objective = out.summary[1];
        out.bound = out.summary[2];
        out.gap = out.summary[3];
        out.relativeGap = out.summary[4];
        out.propensity = out.summary[5];
        out.candidates = candidates;
        out.slateLength = (int) out.counts[0];
        out.lotteryLength = (int) out.counts[1];
        out.ruleCount = (int) out.counts[2];
        out.scoreNanos = out.counts[3];
        out.solveNanos = out.counts[4];
        out.hasSlate = out.counts[5] != 0;
        check(nativeScores(handle, out.scores));
        check(nativeLottery(handle, out.probabilities, out.rankings));
        check(nativeRuleOutcomes(handle, out.ruleOutcomes));
        if (out.status == Solution.INFEASIBLE) check(nativeRay(handle, out.infeasibilityRay));
    }

    @Override
    public void close() {
        nativeFree(handle);
        handle = 0;
    }

    private static void check(int status) {
        if (status != 0) throw new LprankException(status, nativeLastError());
    }

    private static native long nativeNew(int precision, int kernels, int output, double relativeGap,
            double feasibilityTolerance, int maxIterations, long timeLimitNanos);

    private static native long nativeNewDefault();

    private static native void nativeFree(long handle);

    /** The last request's summary message (NULL in C: null). */
    private static native String nativeMessage(long handle);

    private static native int nativeReserve(long handle, int candidates, int slots, Rule[] rules);

    private static native int nativeRank(long handle, long model, float[] requestDense, long[] requestIds,
            float[] itemDense, long[] itemIds, int candidates, int slots, double[] positionWeights, Rule[] rules,
            double u, long[] slate, double[] summary, long[] counts);

    private static native int nativeScores(long handle, double[] out);

    private static native int nativeLottery(long handle, double[] probabilities, long[] rankings);

    private static native int nativeRuleOutcomes(long handle, double[] outcomes);

    private static native int nativeRay(long handle, double[] ray);

    private static native String nativeLastError();
}
