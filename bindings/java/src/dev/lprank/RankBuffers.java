package dev.lprank;

/**
 * Reusable output buffers for {@link Ranker#rankInto}: one per thread, sized once for the
 * largest request, so that ranking allocates nothing on the Java heap per request (the
 * native side allocates nothing once warm either). After a call the fields describe that
 * request; arrays are valid in their first {@code slateLength}, {@code candidates},
 * {@code lotteryLength} and {@code ruleCount} entries.
 */
public final class RankBuffers {
    /** Capacities this object was made for. */
    public final int maxCandidates, maxSlots, maxRules;

    /** The slate to serve (first {@code slateLength} entries); meaningful when {@code hasSlate}. */
    public final long[] slate;
    /** The candidates' scores (first {@code candidates} entries). */
    public final double[] scores;
    /** Lottery probabilities (first {@code lotteryLength}). */
    public final double[] probabilities;
    /** Lottery rankings, one after another, {@code slateLength} items each. */
    public final long[] rankings;
    /** Per rule: value, dual and violation (three numbers per rule). */
    public final double[] ruleOutcomes;
    /** The Farkas ray when {@code status} is {@link Solution#INFEASIBLE} (first {@code ruleCount}). */
    public final double[] infeasibilityRay;

    /** A {@code Solution} status constant. */
    public int status;
    /** As {@link Solution#message}: why, for NUMERICAL_TROUBLE; null otherwise. */
    public String message;
    /** Whether {@code slate} holds a slate (false: no lottery, e.g. infeasible rules). */
    public boolean hasSlate;
    public int candidates, slateLength, lotteryLength, ruleCount;
    public double objective, bound, gap, relativeGap;
    /** As {@link Ranked#propensity}: the probability the lottery serves the slate (0: none). */
    public double propensity;
    public long scoreNanos, solveNanos;

    final double[] summary = new double[6];
    final long[] counts = new long[6];

    /**
     * Buffers for requests of at most {@code maxCandidates} candidates, {@code maxSlots}
     * slots and {@code maxRules} rules.
     */
    public RankBuffers(int maxCandidates, int maxSlots, int maxRules) {
        if (maxCandidates < 0 || maxSlots < 0 || maxRules < 0)
            throw new LprankException(LprankException.LENGTH_MISMATCH, "RankBuffers: negative capacity");
        this.maxCandidates = maxCandidates;
        this.maxSlots = maxSlots;
        this.maxRules = maxRules;
        int slate = Math.min(maxCandidates, maxSlots);
        // A lottery has at most one ranking more than there are rule bounds (two per rule).
        int lottery = 2 * maxRules + 1;
        this.slate = new long[slate];
        this.scores = new double[maxCandidates];
        this.probabilities = new double[lottery];
        this.rankings = new long[Math.multiplyExact(lottery, slate)];
        this.ruleOutcomes = new double[3 * maxRules];
        this.infeasibilityRay = new double[maxRules];
    }
}
