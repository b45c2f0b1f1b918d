package dev.lprank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The test oracle itself: its assignment solver against brute force, and its certificate
 * check rejecting answers that are wrong in one number, so that a binding passing it has
 * been checked by something that can fail.
 */
class OracleTest {
    @Test
    void assignmentMatchesBruteForce() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int m = 1 + random.nextInt(4), n = m + random.nextInt(3);
            double[][] c = new double[m][n];
            for (double[] row : c)
                for (int i = 0; i < n; i++) row[i] = random.nextInt(7) - 3 + random.nextDouble();
            assertEquals(brute(c, 0, new boolean[n], true), Assignment.max(c), 1e-12, "max, trial " + trial);
            assertEquals(brute(c, 0, new boolean[n], false), Assignment.min(c), 1e-12, "min, trial " + trial);
        }
    }

    private static double brute(double[][] c, int j, boolean[] used, boolean max) {
        if (j == c.length) return 0;
        double best = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        for (int i = 0; i < used.length; i++) {
            if (used[i]) continue;
            used[i] = true;
            double total = c[j][i] + brute(c, j + 1, used, max);
            used[i] = false;
            best = max ? Math.max(best, total) : Math.min(best, total);
        }
        return best;
    }

    /** {@code s} with other rule values, duals or ray. */
    private static Solution with(Solution s, double[] duals, double[] values, double[] ray) {
        return new Solution(s.status, s.objective, s.bound, s.gap, s.relativeGap, s.probabilities, s.rankings,
                values, duals, s.ruleViolations, ray, s.message);
    }

    @Test
    void rejectsAnAnswerWrongInOneNumber() {
        Oracle.Problem p = SolverTest.randomMixed(60, 8, 3);
        try (Solver solver = new Solver()) {
            Solution s = solver.solve(p.scores(), p.slots(), p.weights(), p.rules());
            Oracle.certify(p, s, "as solved");
            // Without the duals the bound is the sort's, above the optimum the binding rules
            // hold the lottery to. (A small change to one dual can be as good a certificate:
            // optimal duals need not be unique.)
            double[] none = new double[s.ruleDuals.length];
            assertThrows(AssertionError.class, () -> Oracle.certify(p, with(s, none, s.ruleValues, null), "no duals"));
            int k = 0;
            while (s.ruleDuals[k] == 0) k++;
            double[] flipped = s.ruleDuals.clone();
            flipped[k] = -flipped[k];
            assertThrows(AssertionError.class, () -> Oracle.certify(p, with(s, flipped, s.ruleValues, null), "sign"));
            double[] values = s.ruleValues.clone();
            values[0] += 1e-6;
            assertThrows(AssertionError.class, () -> Oracle.certify(p, with(s, s.ruleDuals, values, null), "value"));
        }
        Rule[] impossible = {Rule.atLeast(new long[] {0}, Rule.TOP, 1, 2.0),
                Rule.atMost(new long[] {1}, Rule.TOP, 1, 1)};
        Oracle.Problem infeasible = new Oracle.Problem(new double[] {0.9, 0.8, 0.7}, 2, null, impossible);
        try (Solver solver = new Solver()) {
            Solution s = solver.solve(infeasible.scores(), 2, infeasible.rules());
            Oracle.certify(infeasible, s, "as solved");
            double[] ray = s.infeasibilityRay.clone();
            ray[0] = -1e-12;
            assertThrows(AssertionError.class, () -> Oracle.certify(infeasible, with(s, s.ruleDuals, s.ruleValues, ray),
                    "weak ray"));
        }
    }
}
