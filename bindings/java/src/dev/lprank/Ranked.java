package dev.lprank;

/** What {@link Ranker#rank} gave for one request: the slate to serve, the scores and the solve. */
public final class Ranked {
    /**
     * The slate drawn for the request's {@code u}: an item index per slot, best slot first.
     * Null when there is no lottery to draw from (infeasible rules, or a time budget that ran
     * out before any feasible lottery).
     */
    public final long[] slate;
    /**
     * The probability with which the lottery serves {@code slate}, in (0, 1]; 0 when there
     * is no slate. Log it with the impression: it is the denominator of an
     * inverse-propensity estimate of another policy's value.
     */
    public final double propensity;
    /** The model's score of each candidate: what the LP maximised. */
    public final double[] scores;
    /** The solve: status, objective, bound, the lottery, per-rule outcomes and the ray. */
    public final Solution solution;
    /** Nanoseconds spent scoring and solving. */
    public final long scoreNanos, solveNanos;

    Ranked(long[] slate, double propensity, double[] scores, Solution solution, long scoreNanos, long solveNanos) {
        this.slate = slate;
        this.propensity = propensity;
        this.scores = scores;
        this.solution = solution;
        this.scoreNanos = scoreNanos;
        this.solveNanos = solveNanos;
    }
}
