package dev.lprank;

/** The result of one solve: status, objective and bound, the lottery and per-rule outcomes. */
public final class Solution {
    /**
     * Solution statuses. NUMERICAL_TROUBLE: floating point could not carry the solve to an
     * answer that can be trusted ({@link #message} says why); do not serve its lottery
     * without reading it.
     */
    public static final int OPTIMAL = 0, INFEASIBLE = 1, TIME_LIMIT = 2, ITERATION_LIMIT = 3, NUMERICAL_TROUBLE = 4;

    public final int status;
    public final double objective, bound, gap, relativeGap;
    /** Probability of each ranking of the lottery. */
    public final double[] probabilities;
    /** The rankings: item index per slot, best slot first. */
    public final long[][] rankings;
    /** Per rule: value, dual and violation. */
    public final double[] ruleValues, ruleDuals, ruleViolations;
    /** For INFEASIBLE: the Farkas ray, one number per rule; otherwise null. */
    public final double[] infeasibilityRay;
    /**
     * For NUMERICAL_TROUBLE (and an ITERATION_LIMIT the master's pivot cap caused): one
     * sentence saying what went wrong; otherwise null.
     */
    public final String message;

    Solution(int status, double objective, double bound, double gap, double relativeGap, double[] probabilities,
            long[][] rankings, double[] ruleValues, double[] ruleDuals, double[] ruleViolations,
            double[] infeasibilityRay, String message) {
        this.status = status;
        this.objective = objective;
        this.bound = bound;
        this.gap = gap;
        this.relativeGap = relativeGap;
        this.probabilities = probabilities;
        this.rankings = rankings;
        this.ruleValues = ruleValues;
        this.ruleDuals = ruleDuals;
        this.ruleViolations = ruleViolations;
        this.infeasibilityRay = infeasibilityRay;
        this.message = message;
    }

    /**
     * A solution from the flat arrays the native readers fill: {@code flatRankings} holds the
     * rankings one after another ({@code slateLen} items each), {@code outcomes} three numbers
     * per rule (value, dual, violation).
     */
    static Solution fromNative(int status, double objective, double bound, double gap, double relativeGap,
            double[] probabilities, long[] flatRankings, int slateLen, double[] outcomes, double[] ray,
            String message) {
        long[][] rankings = new long[probabilities.length][];
        for (int t = 0; t < rankings.length; t++)
            rankings[t] = java.util.Arrays.copyOfRange(flatRankings, t * slateLen, (t + 1) * slateLen);
        int rules = outcomes.length / 3;
        double[] values = new double[rules], duals = new double[rules], violations = new double[rules];
        for (int k = 0; k < rules; k++) {
            values[k] = outcomes[3 * k];
            duals[k] = outcomes[3 * k + 1];
            violations[k] = outcomes[3 * k + 2];
        }
        return new Solution(status, objective, bound, gap, relativeGap, probabilities, rankings, values, duals,
                violations, ray, message);
    }

    /** Whether a solution of this status may carry a message (so it is worth a native call). */
    static boolean mayCarryMessage(int status) {
        return status == NUMERICAL_TROUBLE || status == ITERATION_LIMIT;
    }

    /**
     * The ranking to serve for a uniform u in [0, 1) (clamped; NaN reads as 0): ranking t
     * for u in [P_{t-1}, P_t). Null when there is no lottery. Same rule as the Rust API.
     */
    public long[] sample(double u) {
        if (rankings.length == 0) return null;
        double x = Double.isNaN(u) ? 0 : Math.min(Math.max(u, 0), 1);
        double cumulative = 0;
        for (int t = 0; t < rankings.length; t++) {
            cumulative += probabilities[t];
            if (x < cumulative) return rankings[t];
        }
        return rankings[rankings.length - 1];
    }
}
