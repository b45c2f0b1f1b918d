package dev.lprank;

import static dev.lprank.ScorerTest.failsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Java solver and greedy bindings: error statuses and messages, numerical trouble,
 * infeasible answers, and a large mixed problem whose optimum {@link Oracle} proves from
 * the answer (lottery and rule duals) without lprank. The small problems' answers are worked
 * out by hand; tests/fixtures' problems against HiGHS are {@link FixturesTest}.
 */
class SolverTest {
    private static final double[] SCORES = {0.9, 0.8, 0.7, 0.3};

    @Test
    void aCapHoldsAndTheAnswerIsCertified() {
        try (Solver solver = new Solver()) {
            Rule[] rules = {Rule.atMost(new long[] {0, 1}, Rule.TOP, 2, 1.0).named("jobs")};
            Solution s = solver.solve(SCORES, 3, rules);
            assertEquals(Solution.OPTIMAL, s.status);
            assertEquals(3, s.sample(0.3).length);
            assertTrue(s.ruleValues[0] <= 1.0 + 1e-9, "the cap holds: " + s.ruleValues[0]);
            assertNull(s.infeasibilityRay);
            Oracle.certify(new Oracle.Problem(SCORES, 3, null, rules), s, "cap");
            // By hand: items 0 and 1 are both better than 2, but only one may take the top
            // two slots; the best slate is 0, 2, 1 (1 + 0.7 / log2 3 + 0.8 / 2).
            assertEquals(0.9 + 0.7 / (Math.log(3) / Math.log(2)) + 0.8 / 2, s.objective, 1e-9);
        }
    }

    @Test
    void badInputFailsNamingTheField() {
        try (Solver solver = new Solver()) {
            assertTrue(failsWith(LprankException.INVALID_INPUT,
                    () -> solver.solve(new double[] {0.9, Double.NaN}, 1, new Rule[0])).contains("scores[1]"));
            // A null array is an empty one: no candidates.
            failsWith(LprankException.INVALID_INPUT, () -> solver.solve(null, 1, new Rule[0]));
            failsWith(LprankException.LENGTH_MISMATCH,
                    () -> solver.solve(SCORES, 3, new double[] {1.0, 0.5}, new Rule[0]));
            Rule both = Rule.between(new long[] {0}, new double[] {1, 0, 0, 0}, Rule.EXPOSURE, 0, null, 1.0);
            failsWith(LprankException.INVALID_INPUT, () -> solver.solve(SCORES, 2, new Rule[] {both}));
            // Java has no unsigned long: -1 reaches the C side as 2^64 - 1, out of range.
            failsWith(LprankException.INVALID_INPUT,
                    () -> solver.solve(SCORES, 2, new Rule[] {Rule.atMost(new long[] {-1}, Rule.TOP, 1, 1)}));
            failsWith(LprankException.INVALID_INPUT, () -> solver.solve(SCORES, 2, new Rule[] {null}));
        }
        failsWith(LprankException.INVALID_INPUT, () -> new Solver(-1, 1e-9, 10, 0));
    }

    /**
     * Numbers the tolerances cannot survive (a weight of 1e10 beside an exposure minimum of
     * 0.3056): numerical trouble with its message, never a wrong OPTIMAL; at 1e6 and 1e8
     * optimal, and certified by the Java oracle.
     */
    @Test
    void numbersBeyondTheTolerancesAreTroubleNotAWrongOptimum() {
        Rule[] rules = {Rule.atLeast(new long[] {0, 1}, Rule.TOP, 1, 1.0),
                Rule.atLeast(new long[] {1, 2}, Rule.EXPOSURE, 0, 0.3056)};
        double[] three = {1.0, 0.2, 0.5};
        try (Solver solver = new Solver()) {
            Solution trouble = solver.solve(three, 0, new double[] {1e10}, rules);
            assertEquals(Solution.NUMERICAL_TROUBLE, trouble.status);
            assertTrue(trouble.message != null && trouble.message.contains("hard rule"), trouble.message);
            for (double weight : new double[] {1e6, 1e8}) {
                Solution fine = solver.solve(three, 0, new double[] {weight}, rules);
                assertEquals(Solution.OPTIMAL, fine.status, "weight " + weight);
                assertNull(fine.message);
                Oracle.certify(new Oracle.Problem(three, 0, new double[] {weight}, rules), fine, "weight " + weight);
            }
        }
    }

    @Test
    void impossibleRulesAreInfeasibleWithARayThatProvesIt() {
        Rule[] rules = {Rule.atLeast(new long[] {0}, Rule.TOP, 1, 2.0)};
        try (Solver solver = new Solver()) {
            Solution s = solver.solve(SCORES, 2, rules);
            assertEquals(Solution.INFEASIBLE, s.status);
            assertTrue(s.infeasibilityRay != null && s.infeasibilityRay[0] < 0, "a ray on the minimum");
            assertNull(s.sample(0.5));
            assertEquals(0, s.rankings.length);
            Oracle.certify(new Oracle.Problem(SCORES, 2, null, rules), s, "impossible minimum");
        }
    }

    /**
     * Two minimums competing for the top two slots defeat the greedy baseline's myopic check
     * (slot 0 goes to the best item), and it reports the one it broke.
     */
    @Test
    void theGreedyBaselineReportsTheRuleItBreaks() {
        double[] six = {0.9, 0.8, 0.7, 0.3, 0.2, 0.1};
        Rule[] competing = {Rule.atLeast(new long[] {4}, Rule.TOP, 2, 1.0),
                Rule.atLeast(new long[] {5}, Rule.TOP, 2, 1.0)};
        try (Greedy greedy = new Greedy()) {
            GreedySlate g = greedy.rank(six, 3, null, competing);
            assertEquals(3, g.slate.length);
            assertEquals(0, g.slate[0], "slot 0 goes to the best item");
            assertEquals(1, g.brokenHardRules);
            assertEquals(1.0, g.ruleViolations[0] + g.ruleViolations[1], "one minimum missed by one item");
            assertEquals(1.0, g.ruleValues[0] + g.ruleValues[1], "the other one is in the top two");
            // Each rule's value and violation, and the objective, recomputed from the slate.
            double[] w = new Oracle.Problem(six, 3, null, null).slateWeights();
            double objective = 0;
            for (int j = 0; j < 3; j++) objective += six[(int) g.slate[j]] * w[j];
            assertEquals(objective, g.objective, 1e-12, "the slate's objective");
            for (int k = 0; k < 2; k++) {
                long member = competing[k].items[0];
                double value = g.slate[0] == member || g.slate[1] == member ? 1 : 0;
                assertEquals(value, g.ruleValues[k], "rule " + k + " value");
                assertEquals(1 - value, g.ruleViolations[k], "rule " + k + " violation");
            }
            failsWith(LprankException.INVALID_INPUT, () -> greedy.rank(new double[] {0.9, Double.NaN}, 1, null, null));
            assertEquals(1, greedy.rank(six, 2, null, null).slate[1], "without rules it is the sort");
        }
    }

    /**
     * A problem well beyond the fixtures' size through the binding (300 items, 20 slots, six
     * rules of every kind: top, exposure and whole-slate profiles, item lists and real
     * coefficients, a two-sided and a soft rule), solved cold and again warm by the same
     * solver. Its bounds are drawn around what a reference slate reaches, so that this slate
     * proves the rules feasible and most of them bind; its optimum is certified by the
     * oracle, not compared with lprank's.
     */
    @Test
    void aLargeMixedProblemIsCertifiedOptimal() {
        Oracle.Problem p = randomMixed(300, 20, 1);
        try (Solver solver = new Solver()) {
            Solution cold = solver.solve(p.scores(), p.slots(), p.weights(), p.rules());
            Oracle.certify(p, cold, "cold");
            Solution warm = solver.solve(p.scores(), p.slots(), p.weights(), p.rules());
            Oracle.certify(p, warm, "warm");
            assertEquals(cold.objective, warm.objective, 1e-9 * Math.abs(cold.objective), "warm and cold agree");
            long binding = Arrays.stream(cold.ruleDuals).filter(y -> y != 0).count();
            assertTrue(binding >= 2, binding + " rules bind: the dual bound must be tested on some");
            assertTrue(cold.rankings.length >= 2, "a lottery, not a single slate: " + cold.rankings.length);
        }
    }

    /** See {@link #aLargeMixedProblemIsCertifiedOptimal}. */
    static Oracle.Problem randomMixed(int n, int slots, long seed) {
        Random random = new Random(seed);
        int groups = 8;
        int[] group = new int[n];
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            group[i] = random.nextInt(groups);
            scores[i] = 0.1 * group[i] / groups + random.nextGaussian();
        }
        // The reference slate: the items in order of a noisy copy of the scores.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        double[] noisy = new double[n];
        for (int i = 0; i < n; i++) noisy[i] = scores[i] + 1.5 * random.nextGaussian();
        Arrays.sort(order, (a, b) -> Double.compare(noisy[b], noisy[a]));
        Oracle.Problem bare = new Oracle.Problem(scores, slots, null, null);
        double[] w = bare.slateWeights();

        Rule[] rules = new Rule[6];
        int[] profiles = {Rule.TOP, Rule.EXPOSURE, Rule.WHOLE_SLATE, Rule.TOP, Rule.EXPOSURE, Rule.EXPOSURE};
        for (int k = 0; k < rules.length; k++) {
            int profile = profiles[k];
            long top = profile == Rule.TOP ? 3 + random.nextInt(slots - 3) : 0;
            Rule shape;
            if (k == 4) {
                // Real coefficients, some negative.
                double[] c = new double[n];
                for (int i = 0; i < n; i++) c[i] = Math.round(random.nextGaussian() * 4) / 4.0;
                shape = Rule.between(null, c, profile, top, null, null);
            } else {
                boolean[] in = new boolean[groups];
                for (int g = 0; g < 1 + random.nextInt(3); g++) in[random.nextInt(groups)] = true;
                shape = Rule.between(java.util.stream.IntStream.range(0, n).filter(i -> in[group[i]])
                        .asLongStream().toArray(), null, profile, top, null, null);
            }
            double[] a = Oracle.coefficients(shape, n), v = Oracle.profileWeights(shape, w);
            double reference = 0, sorted = 0;
            Integer[] best = order.clone();
            Arrays.sort(best, (x, y) -> Double.compare(scores[y], scores[x]));
            for (int j = 0; j < w.length; j++) {
                reference += a[order[j]] * v[j];
                sorted += a[best[j]] * v[j];
            }
            // Halfway from the reference value towards the sort's: the sort breaks the rule,
            // the reference slate keeps it.
            double bound = reference + 0.5 * (sorted - reference);
            if (profile != Rule.EXPOSURE && k != 4) bound = sorted > reference ? Math.floor(bound) : Math.ceil(bound);
            Double max = sorted > reference ? bound : null, min = sorted > reference ? null : bound;
            if (k == 2) {
                // Two-sided: the other side a little past the reference value.
                if (max != null) min = reference - 2;
                else max = reference + 2;
            }
            Rule r = Rule.between(shape.items, shape.coefficients, profile, top, min, max).named("r" + k);
            rules[k] = k == 5 ? r.soft(0.5) : r;
        }
        return new Oracle.Problem(scores, slots, null, rules);
    }
}
