package dev.lprank;

/**
 * One ranking rule: members (item indices, or one coefficient per item), the slots it
 * counts, and bounds. Build with {@link #atMost}, {@link #atLeast} or {@link #between}.
 */
public final class Rule {
    /** Every slot counts once. */
    public static final int WHOLE_SLATE = 0;
    /** Slots 0..top-1 count once each. */
    public static final int TOP = 1;
    /** Every slot counts with its position weight. */
    public static final int EXPOSURE = 2;

    // Read by the JNI shim by name: keep names and types.
    final String name;
    final long[] items;
    final double[] coefficients;
    final int profile;
    final long top;
    final boolean hasMax, hasMin, hasPenalty;
    final double max, min, penalty;

    private Rule(String name, long[] items, double[] coefficients, int profile, long top, Double min, Double max,
            Double penalty) {
        this.name = name == null ? "" : name;
        this.items = items;
        this.coefficients = coefficients;
        this.profile = profile;
        this.top = top;
        this.hasMax = max != null;
        this.max = max == null ? 0 : max;
        this.hasMin = min != null;
        this.min = min == null ? 0 : min;
        this.hasPenalty = penalty != null;
        this.penalty = penalty == null ? 0 : penalty;
    }

    /** value ≤ max over the members' indices; profile TOP (with depth), EXPOSURE or WHOLE_SLATE. */
    public static Rule atMost(long[] items, int profile, long top, double max) {
        return new Rule("", items, null, profile, top, null, max, null);
    }

    /** value ≥ min. */
    public static Rule atLeast(long[] items, int profile, long top, double min) {
        return new Rule("", items, null, profile, top, min, null, null);
    }

    /** min ≤ value ≤ max, with items or (items == null) coefficients; null bounds are absent. */
    public static Rule between(long[] items, double[] coefficients, int profile, long top, Double min, Double max) {
        return new Rule("", items, coefficients, profile, top, min, max, null);
    }

    /** The same rule with a name (echoed in error messages). */
    public Rule named(String name) {
        return new Rule(name, items, coefficients, profile, top, hasMin ? min : null, hasMax ? max : null,
                hasPenalty ? penalty : null);
    }

    /** The same rule made soft: each unit of violation costs penalty. */
    public Rule soft(double penalty) {
        return new Rule(name, items, coefficients, profile, top, hasMin ? min : null, hasMax ? max : null, penalty);
    }
}
