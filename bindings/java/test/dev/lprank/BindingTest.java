package dev.lprank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The binding as the jar delivers it: the native library loads from the jar, and the solver,
 * the greedy baseline and the ranker answer as they must. Expected values come from the
 * problems (worked out by hand, or HiGHS's optimum recorded in tests/fixtures/expected.json),
 * never from lprank. Surefire runs these with -Xcheck:jni.
 */
class BindingTest {
    private static final double[] SCORES = {0.9, 0.8, 0.7, 0.3, 0.2, 0.1};

    @Test
    void theLibraryComesFromTheJar() {
        String resource = "/dev/lprank/native/" + NativeLibrary.platform() + "/" + System.mapLibraryName("lprank_jni");
        assertNotNull(NativeLibrary.class.getResource(resource), resource + " is packaged");
        try (Solver solver = new Solver()) {
            assertEquals(Solution.OPTIMAL, solver.solve(SCORES, 2, null).status);
        }
    }

    @Test
    void aCapHoldsAtTheKnownOptimum() {
        try (Solver solver = new Solver()) {
            Solution s = solver.solve(SCORES, 4, new Rule[] {Rule.atMost(new long[] {0, 1, 2}, Rule.TOP, 3, 1.0)});
            assertEquals(Solution.OPTIMAL, s.status);
            assertEquals(1.5338201725, s.objective, 1e-9); // tests/fixtures/02-top-cap.json
            assertTrue(s.ruleValues[0] <= 1.0 + 1e-9);
            assertNull(s.message);
        }
    }

    @Test
    void impossibleRulesAreInfeasibleWithARay() {
        try (Solver solver = new Solver()) {
            Solution s = solver.solve(SCORES, 3, new Rule[] {Rule.atLeast(new long[] {4, 5}, Rule.TOP, 1, 2.0)});
            assertEquals(Solution.INFEASIBLE, s.status);
            assertTrue(s.infeasibilityRay[0] < 0);
            assertNull(s.sample(0.5));
        }
    }

    @Test
    void badInputThrowsNamingTheField() {
        try (Solver solver = new Solver()) {
            LprankException e = assertThrows(LprankException.class,
                    () -> solver.solve(new double[] {0.5, Double.NaN}, 1, null));
            assertEquals(LprankException.INVALID_INPUT, e.status());
            assertTrue(e.getMessage().startsWith("scores[1]"), e.getMessage());
        }
    }

    @Test
    void numbersBeyondTheTolerancesAreNumericalTroubleWithAMessage() {
        Rule[] rules = {Rule.atLeast(new long[] {0, 1}, Rule.TOP, 1, 1.0),
                Rule.atLeast(new long[] {1, 2}, Rule.EXPOSURE, 0, 0.3056)};
        try (Solver solver = new Solver()) {
            Solution s = solver.solve(new double[] {1.0, 0.2, 0.5}, 0, new double[] {1e10}, rules);
            assertEquals(Solution.NUMERICAL_TROUBLE, s.status);
            assertTrue(s.message != null && s.message.contains("hard rule"), s.message);
        }
    }

    @Test
    void theGreedyBaselineReportsWhatItBreaks() {
        Rule[] competing = {Rule.atLeast(new long[] {4}, Rule.TOP, 2, 1.0), Rule.atLeast(new long[] {5}, Rule.TOP, 2, 1.0)};
        try (Greedy greedy = new Greedy()) {
            GreedySlate g = greedy.rank(SCORES, 3, null, competing);
            assertEquals(0, g.slate[0]);
            assertEquals(1, g.brokenHardRules);
            assertEquals(1.0, g.ruleViolations[0] + g.ruleViolations[1]);
        }
    }

    @Test
    void theRankerRanksWithTheBundledModel() {
        String dir = System.getProperty("lprank.model.dir");
        assertNotNull(dir, "surefire sets lprank.model.dir");
        try (Model model = new Model(dir); Ranker ranker = new Ranker()) {
            int n = 60, slots = 10;
            Random random = new Random(7);
            float[] requestDense = new float[model.requestDenseWidth()];
            long[] requestIds = new long[model.requestIdsWidth()];
            float[] itemDense = new float[n * model.itemDenseWidth()];
            long[] itemIds = new long[n * model.itemIdsWidth()];
            for (int i = 0; i < requestDense.length; i++) requestDense[i] = random.nextFloat();
            for (int i = 0; i < itemDense.length; i++) itemDense[i] = random.nextFloat();
            for (int i = 0; i < requestIds.length; i++) requestIds[i] = random.nextInt(4);
            for (int i = 0; i < itemIds.length; i++) itemIds[i] = random.nextInt(4);
            long[] group = {0, 3, 6, 9, 12, 15, 18, 21};
            Rule[] rules = {Rule.atMost(group, Rule.TOP, 5, 1.0)};
            Ranked r = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, slots, null, rules, 0.3);
            assertEquals(Solution.OPTIMAL, r.solution.status);
            assertEquals(slots, r.slate.length);
            assertTrue(r.solution.ruleValues[0] <= 1.0 + 1e-9);
            for (double s : r.scores) assertTrue(s >= 0 && s <= 1, "a click probability: " + s);
            double same = 0;
            for (int t = 0; t < r.solution.rankings.length; t++)
                if (java.util.Arrays.equals(r.solution.rankings[t], r.slate)) same += r.solution.probabilities[t];
            assertEquals(same, r.propensity, 1e-12);
            RankBuffers buffers = new RankBuffers(n, slots, 1);
            ranker.rankInto(model, requestDense, requestIds, itemDense, itemIds, n, slots, null, rules, 0.3, buffers);
            assertArrayEquals(r.slate, java.util.Arrays.copyOf(buffers.slate, buffers.slateLength));
            assertEquals(r.propensity, buffers.propensity);
        }
    }
}
