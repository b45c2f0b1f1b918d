package dev.lprank;

/** What {@link Greedy#rank} built: the slate, its objective and how each rule fared. */
public final class GreedySlate {
    /** One item index per slot, best slot first. */
    public final long[] slate;
    /** The slate's position-weighted score, minus the penalties of soft rules it breaks. */
    public final double objective;
    /** Hard rules the slate breaks beyond their tolerance (0: every hard rule holds). */
    public final int brokenHardRules;
    /** Each rule's value on the slate, and its violation (0 where it holds). */
    public final double[] ruleValues, ruleViolations;

    GreedySlate(long[] slate, double objective, int brokenHardRules, double[] ruleValues, double[] ruleViolations) {
        this.slate = slate;
        this.objective = objective;
        this.brokenHardRules = brokenHardRules;
        this.ruleValues = ruleValues;
        this.ruleViolations = ruleViolations;
    }
}
