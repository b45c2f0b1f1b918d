package dev.lprank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks a {@link Solution} against its problem with no help from lprank: the slate LP's
 * optimum is proven from the answer itself. An OPTIMAL answer must offer a lottery of valid
 * slates whose rule values, violations and objective this class recomputes, and rule duals
 * whose Lagrangian bound (the best slate for the dual-reduced scores, by {@link Assignment})
 * comes within the solver's relative gap of that objective: a feasible lottery and a dual
 * bound that meet prove optimality, whatever computed them. An INFEASIBLE answer must carry
 * a Farkas ray that no slate can satisfy. The same checks as tests/common/mod.rs
 * check_solution, which verified the Rust answers the old Java programs were compared with.
 */
final class Oracle {
    private Oracle() {}

    /** The default relative gap of Solver and Ranker (Settings::relative_gap). */
    static final double GAP = 1e-9;

    /**
     * A problem as the solver reads it: {@code weights} null means the default weights for
     * {@code slots} slots; with weights, {@code slots} 0 means all of them.
     */
    record Problem(double[] scores, int slots, double[] weights, Rule[] rules) {
        Problem {
            rules = rules == null ? new Rule[0] : rules;
        }

        /** The weights of the slate's slots, min(slots, n) of them. */
        double[] slateWeights() {
            double[] w;
            if (weights == null) {
                w = new double[slots];
                // docs/design.md: slot j is worth 1 / log2(j + 2) by default.
                for (int j = 0; j < slots; j++) w[j] = Math.log(2) / Math.log(j + 2.0);
            } else {
                w = java.util.Arrays.copyOf(weights, slots == 0 ? weights.length : slots);
            }
            return java.util.Arrays.copyOf(w, Math.min(w.length, scores.length));
        }
    }

    /** a_i: one coefficient per item (members count 1). */
    static double[] coefficients(Rule r, int n) {
        if (r.coefficients != null) return r.coefficients.clone();
        double[] a = new double[n];
        for (long i : r.items) a[(int) i] = 1;
        return a;
    }

    /** v_j: what slot j counts for the rule's profile. */
    static double[] profileWeights(Rule r, double[] w) {
        double[] v = new double[w.length];
        for (int j = 0; j < w.length; j++)
            v[j] = r.profile == Rule.EXPOSURE ? w[j] : r.profile == Rule.TOP ? (j < r.top ? 1 : 0) : 1;
        return v;
    }

    /**
     * The scale relative gaps are measured in (Solution::relative_gap's documentation): the
     * largest the score terms can reach, plus for soft rules their penalty times the largest
     * value and bound.
     */
    static double scale(Problem p) {
        double[] w = p.slateWeights();
        double totalWeight = 0, maxScore = 0;
        for (double x : w) totalWeight += x;
        for (double s : p.scores()) maxScore = Math.max(maxScore, Math.abs(s));
        double scale = totalWeight * maxScore;
        for (Rule r : p.rules()) {
            if (!r.hasPenalty) continue;
            double slots = r.profile == Rule.TOP ? Math.min(r.top, w.length)
                    : r.profile == Rule.EXPOSURE ? totalWeight : w.length;
            double coef = 0;
            for (double a : coefficients(r, p.scores().length)) coef = Math.max(coef, Math.abs(a));
            scale += r.penalty * (slots * coef + magnitude(r));
        }
        return scale;
    }

    private static double magnitude(Rule r) {
        return Math.max(r.hasMax ? Math.abs(r.max) : 0, r.hasMin ? Math.abs(r.min) : 0);
    }

    /** The bound a signed dual (or ray) entry pairs with: max when positive, min when negative. */
    private static double boundFor(Rule r, double y, String what) {
        if (y > 0) {
            assertTrue(r.hasMax, what + ": a positive entry needs a max");
            return r.max;
        }
        if (y < 0) {
            assertTrue(r.hasMin, what + ": a negative entry needs a min");
            return r.min;
        }
        return 0;
    }

    /**
     * {@code Σ_k y_k V_k} spread over item i in slot j: the amount the rules' prices take
     * from (or give to) that placement.
     */
    private static double[][] priced(Problem p, double[] w, double[] y) {
        int n = p.scores().length, m = w.length;
        double[][] c = new double[m][n];
        for (int k = 0; k < y.length; k++) {
            if (y[k] == 0) continue;
            double[] a = coefficients(p.rules()[k], n), v = profileWeights(p.rules()[k], w);
            for (int j = 0; j < m; j++)
                for (int i = 0; i < n; i++) c[j][i] += y[k] * a[i] * v[j];
        }
        return c;
    }

    /**
     * Verifies {@code s} for {@code p}: OPTIMAL with a certified optimum, or INFEASIBLE with a
     * ray proving it; anything else fails. Returns the status.
     */
    static int certify(Problem p, Solution s, String what) {
        if (s.status == Solution.INFEASIBLE) {
            certifyInfeasible(p, s, what);
        } else {
            assertEquals(Solution.OPTIMAL, s.status, what + ": status (message: " + s.message + ")");
            certifyOptimal(p, s, what);
        }
        return s.status;
    }

    private static void certifyOptimal(Problem p, Solution s, String what) {
        double[] scores = p.scores(), w = p.slateWeights();
        Rule[] rules = p.rules();
        int n = scores.length, m = w.length, rows = 0;
        for (Rule r : rules) rows += (r.hasMax ? 1 : 0) + (r.hasMin ? 1 : 0);
        double scale = Math.max(scale(p), Double.MIN_NORMAL);
        assertNull(s.infeasibilityRay, what + ": an optimal answer has no ray");
        assertNull(s.message, what + ": an optimal answer has no message");

        // The lottery: slates of m distinct items, a distribution, at most rows + 1 rankings
        // (a basic solution of the master LP).
        int lottery = s.rankings.length;
        assertEquals(lottery, s.probabilities.length, what);
        assertTrue(lottery >= 1 && lottery <= rows + 1, what + ": " + lottery + " rankings for " + rows + " bounds");
        double[][] x = new double[n][m];
        double total = 0;
        for (int t = 0; t < lottery; t++) {
            double q = s.probabilities[t];
            assertTrue(q > 0 && q <= 1 + 1e-12, what + ": probability " + q);
            assertEquals(m, s.rankings[t].length, what + ": ranking " + t + " length");
            boolean[] seen = new boolean[n];
            for (int j = 0; j < m; j++) {
                long i = s.rankings[t][j];
                assertTrue(i >= 0 && i < n && !seen[(int) i], what + ": ranking " + t + " is not a slate: "
                        + java.util.Arrays.toString(s.rankings[t]));
                seen[(int) i] = true;
                x[(int) i][j] += q;
            }
            total += q;
        }
        assertEquals(1.0, total, 1e-12, what + ": probabilities sum to 1");

        // Rule values, violations and the objective, from the lottery alone.
        double objective = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) objective += scores[i] * w[j] * x[i][j];
        assertEquals(rules.length, s.ruleValues.length, what + ": one value per rule");
        boolean anyDual = false;
        for (int k = 0; k < rules.length; k++) {
            Rule r = rules[k];
            double[] a = coefficients(r, n), v = profileWeights(r, w);
            double value = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++) value += a[i] * v[j] * x[i][j];
            assertEquals(value, s.ruleValues[k], 1e-9 * Math.max(1, Math.abs(value)), what + ": rule " + k + " value");
            double violation = (r.hasMax ? Math.max(0, value - r.max) : 0)
                    + (r.hasMin ? Math.max(0, r.min - value) : 0);
            double size = Math.max(1, magnitude(r));
            assertEquals(violation, s.ruleViolations[k], 1e-9 * size, what + ": rule " + k + " violation");
            if (r.hasPenalty) {
                objective -= r.penalty * violation;
            } else {
                assertTrue(violation <= 1e-9 * size, what + ": hard rule " + k + " broken by " + violation);
            }
            double y = s.ruleDuals[k];
            assertTrue(Double.isFinite(y), what + ": rule " + k + " dual " + y);
            if (r.hasPenalty)
                assertTrue(Math.abs(y) <= r.penalty * (1 + 1e-12), what + ": soft rule " + k + " dual " + y
                        + " beyond its penalty " + r.penalty);
            anyDual |= y != 0;
        }
        double tolerance = GAP * Math.max(scale, Math.abs(s.objective));
        assertEquals(objective, s.objective, tolerance, what + ": objective rebuilt from the lottery");

        // The Lagrangian bound of the rule duals: Σ_k y_k b_k plus the best slate for the
        // reduced scores s_i w_j − Σ_k y_k a_i v_kj. Every lottery meeting the rules is worth
        // at most this, so it meeting the objective proves the lottery optimal.
        double lagrangian = 0;
        for (int k = 0; k < rules.length; k++)
            lagrangian += s.ruleDuals[k] * boundFor(rules[k], s.ruleDuals[k], what + ": rule " + k + " dual");
        double[][] reduced = priced(p, w, s.ruleDuals);
        for (int j = 0; j < m; j++)
            for (int i = 0; i < n; i++) reduced[j][i] = scores[i] * w[j] - reduced[j][i];
        lagrangian += Assignment.max(reduced);
        assertTrue(lagrangian >= objective - tolerance,
                what + ": the lottery's objective " + objective + " beats the dual bound " + lagrangian);
        assertTrue(lagrangian <= s.objective + tolerance, what + ": the rule duals bound the optimum by " + lagrangian
                + ", " + (lagrangian - s.objective) + " above the objective " + s.objective
                + (anyDual ? "" : " (all duals 0)"));
        // The reported bound: lprank's certificate, at least the tightest bound of its duals.
        assertTrue(s.bound >= lagrangian - tolerance,
                what + ": bound " + s.bound + " below the dual bound " + lagrangian);
        assertTrue(s.bound - s.objective <= tolerance && s.bound - s.objective >= -tolerance,
                what + ": bound " + s.bound + " vs objective " + s.objective);
        assertEquals(s.bound - s.objective, s.gap, 1e-12 * scale, what + ": gap");
        assertTrue(s.relativeGap <= GAP * (1 + 1e-6), what + ": relative gap " + s.relativeGap);
    }

    private static void certifyInfeasible(Problem p, Solution s, String what) {
        Rule[] rules = p.rules();
        double[] w = p.slateWeights();
        assertEquals(0, s.rankings.length, what + ": an infeasible answer offers no lottery");
        assertNull(s.sample(0.5), what + ": nothing to sample");
        assertTrue(Double.isNaN(s.objective), what + ": no objective, got " + s.objective);
        double[] ray = s.infeasibilityRay;
        assertNotNull(ray, what + ": infeasible answers carry a ray");
        assertEquals(rules.length, ray.length, what + ": one ray entry per rule");
        // The ray proves infeasibility when even the slate that makes Σ δ_k V_k smallest
        // exceeds Σ δ_k b_k: no lottery (a mix of slates) can then satisfy every bound.
        double rhs = 0;
        boolean any = false;
        for (int k = 0; k < rules.length; k++) {
            if (rules[k].hasPenalty) assertEquals(0.0, ray[k], what + ": soft rule " + k + " in the ray");
            rhs += ray[k] * boundFor(rules[k], ray[k], what + ": ray entry " + k);
            any |= ray[k] != 0;
        }
        if (!any) fail(what + ": the ray is zero");
        double lhs = Assignment.min(priced(p, w, ray));
        assertTrue(lhs > rhs + 1e-9, what + ": the ray proves nothing: min δ·V = " + lhs + " ≤ δ·b = " + rhs);
    }
}
