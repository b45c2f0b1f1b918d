package dev.lprank;

import static dev.lprank.ScorerTest.ITEM_DENSE;
import static dev.lprank.ScorerTest.ITEM_IDS;
import static dev.lprank.ScorerTest.N;
import static dev.lprank.ScorerTest.REQUEST_DENSE;
import static dev.lprank.ScorerTest.REQUEST_IDS;
import static dev.lprank.ScorerTest.failsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java ranker binding: its error paths, the slate it draws and its propensity, the
 * golden requests' scores against the JAX reference, and feed requests of up to 1,000
 * candidates whose solves {@link Oracle} certifies from the scores the ranker returns, with
 * {@code rankInto} giving the same answer without allocating.
 */
class RankerTest {
    private static final double U = 0.37;
    private static final Rule CAP = Rule.atMost(new long[] {0, 1}, Rule.TOP, 1, 1.0).named("cap");

    private static Ranked rankSmall(Ranker ranker, Model model, int slots, double[] weights, Rule[] rules) {
        return ranker.rank(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, slots, weights, rules, U);
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertTrue(failsWith(LprankException.INVALID_INPUT,
                () -> new Ranker(7, Scorer.KERNELS_AUTO, Scorer.PROBABILITY, 1e-9, 1e-9, 10_000, 0).close())
                .contains("settings.scorer"));
        assertTrue(failsWith(LprankException.INVALID_INPUT,
                () -> new Ranker(Scorer.F32, Scorer.KERNELS_AUTO, 3, 1e-9, 1e-9, 10_000, 0).close())
                .contains("settings.output"));
        assertTrue(failsWith(LprankException.INVALID_INPUT,
                () -> new Ranker(Scorer.F32, Scorer.KERNELS_AUTO, -1, 1e-9, 1e-9, 10_000, 0).close())
                .contains("settings.output"));
        assertTrue(failsWith(LprankException.INVALID_INPUT,
                () -> new Ranker(Scorer.F32, Scorer.KERNELS_AUTO, Scorer.LOGIT, -1, 1e-9, 10_000, 0).close())
                .contains("settings.solver"));
    }

    @Test
    void theSlateIsTheLotterysDrawAndItsPropensity() {
        try (Model model = new Model(Golden.modelDir()); Ranker ranker = new Ranker(); Scorer scorer = new Scorer()) {
            Ranked r = rankSmall(ranker, model, 2, null, new Rule[] {CAP});
            assertEquals(Solution.OPTIMAL, r.solution.status);
            assertEquals(N, r.scores.length);
            for (double s : r.scores) assertTrue(s >= 0 && s <= 1, "a probability: " + s);
            float[] p = scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, Scorer.PROBABILITY);
            for (int i = 0; i < N; i++) assertEquals(p[i], r.scores[i], "the scorer's probability of " + i);
            assertNotNull(r.slate);
            assertEquals(2, r.slate.length, "a slate of min(slots, n)");
            checkDraw(r, U);
            assertEquals(1, r.solution.ruleValues.length);
            assertTrue(r.solution.ruleValues[0] <= 1.0 + 1e-9, "the cap holds");
            assertNull(r.solution.infeasibilityRay);
            assertTrue(r.scoreNanos >= 0 && r.solveNanos >= 0, "timings");
            Oracle.certify(new Oracle.Problem(r.scores, 2, null, new Rule[] {CAP}), r.solution, "cap");

            // A failed call in between does not disturb the next one.
            failsWith(LprankException.LENGTH_MISMATCH, () -> rankSmall(ranker, model, -1, null, null));
            Ranked again = rankSmall(ranker, model, 2, null, new Rule[] {CAP});
            assertArrayEquals(r.slate, again.slate, "a warm ranker agrees");
            assertArrayEquals(r.scores, again.scores, "a warm ranker agrees");
        }
    }

    /** The slate is the lottery's ranking for u, served with that ranking's probability. */
    private static void checkDraw(Ranked r, double u) {
        assertArrayEquals(r.solution.sample(u), r.slate, "the slate is the lottery's draw for u");
        double same = 0;
        for (int t = 0; t < r.solution.rankings.length; t++)
            if (Arrays.equals(r.solution.rankings[t], r.slate)) same += r.solution.probabilities[t];
        assertTrue(r.propensity > 0 && r.propensity <= 1, "propensity " + r.propensity);
        assertEquals(same, r.propensity, 1e-12, "the propensity is the slate's lottery probability");
    }

    @Test
    void slotsAndWeightsSizeTheSlate() {
        try (Model model = new Model(Golden.modelDir()); Ranker ranker = new Ranker()) {
            assertEquals(N, rankSmall(ranker, model, 5, null, null).slate.length, "more slots than candidates");
            double[] weights = {1.0, 0.5, 0.25};
            assertEquals(3, rankSmall(ranker, model, 0, weights, null).slate.length, "slots 0 with weights: all");
            assertEquals(2, rankSmall(ranker, model, 2, weights, null).slate.length, "the first slots of the weights");
            assertTrue(failsWith(LprankException.LENGTH_MISMATCH, () -> rankSmall(ranker, model, 4, weights, null))
                    .contains("slots"));
        }
    }

    @Test
    void badRequestsFailNamingTheField() {
        try (Model model = new Model(Golden.modelDir()); Ranker ranker = new Ranker()) {
            assertTrue(failsWith(LprankException.NULL_POINTER, () -> ranker.rank(null, REQUEST_DENSE, REQUEST_IDS,
                    ITEM_DENSE, ITEM_IDS, N, 2, null, null, U)).contains("model"));
            assertTrue(failsWith(LprankException.LENGTH_MISMATCH, () -> ranker.rank(model, REQUEST_DENSE, REQUEST_IDS,
                    Arrays.copyOf(ITEM_DENSE, 11), ITEM_IDS, N, 2, null, null, U))
                    .contains("request.features.item_dense"));
            failsWith(LprankException.LENGTH_MISMATCH, () -> ranker.rank(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE,
                    ITEM_IDS, N - 1, 2, null, null, U));
            float[] nan = ITEM_DENSE.clone();
            nan[5] = Float.NaN;
            assertTrue(failsWith(LprankException.INVALID_INPUT, () -> ranker.rank(model, REQUEST_DENSE, REQUEST_IDS,
                    nan, ITEM_IDS, N, 2, null, null, U)).contains("request.features"));
            Rule outside = Rule.atMost(new long[] {N}, Rule.TOP, 1, 1.0);
            assertTrue(failsWith(LprankException.INVALID_INPUT, () -> rankSmall(ranker, model, 2, null,
                    new Rule[] {outside})).contains("constraints[0].items[0]"));
            failsWith(LprankException.INVALID_INPUT, () -> rankSmall(ranker, model, 2, null, new Rule[] {null}));
            failsWith(LprankException.LENGTH_MISMATCH, () -> ranker.rank(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE,
                    ITEM_IDS, -1, 2, null, null, U));
            failsWith(LprankException.LENGTH_MISMATCH, () -> rankSmall(ranker, model, -1, null, null));
        }
    }

    /**
     * More rules than the JVM's default local-reference capacity (-Xcheck:jni warns if the
     * shim does not make room), and reserving: fine for these 40 rules, an error naming the
     * memory cap beyond it, negative counts refused before the native call.
     */
    @Test
    void manyRulesAndReserving() {
        Rule[] many = new Rule[40];
        for (int k = 0; k < many.length; k++)
            many[k] = Rule.atMost(new long[] {k % N}, Rule.WHOLE_SLATE, 0, 1.0).named("rule " + k);
        try (Model model = new Model(Golden.modelDir()); Ranker ranker = new Ranker()) {
            Ranked r = rankSmall(ranker, model, 2, null, many);
            assertEquals(Solution.OPTIMAL, r.solution.status);
            assertEquals(40, r.solution.ruleValues.length);
            assertNull(r.solution.message, "an optimal answer has no message");
            Oracle.certify(new Oracle.Problem(r.scores, 2, null, many), r.solution, "40 rules");
            ranker.reserve(N, 2, many);
            failsWith(LprankException.INVALID_INPUT, () -> ranker.reserve(Integer.MAX_VALUE, 1 << 20, many));
            failsWith(LprankException.LENGTH_MISMATCH, () -> ranker.reserve(-1, 2, many));
        }
    }

    @Test
    void impossibleRulesGiveNoSlateAndARay() {
        Rule[] impossible = {Rule.atLeast(new long[] {0}, Rule.TOP, 1, 2.0).named("impossible")};
        try (Model model = new Model(Golden.modelDir()); Ranker ranker = new Ranker()) {
            Ranked r = rankSmall(ranker, model, 2, null, impossible);
            assertEquals(Solution.INFEASIBLE, r.solution.status);
            assertNull(r.slate, "no slate");
            assertEquals(0.0, r.propensity);
            assertEquals(1, r.solution.infeasibilityRay.length);
            assertTrue(r.solution.infeasibilityRay[0] < 0, "the ray is negative on the minimum");
            assertEquals(0, r.solution.rankings.length);
            assertNull(r.solution.sample(U));
            assertTrue(Double.isNaN(r.solution.objective), "no objective");
            assertEquals(N, r.scores.length, "scores even when infeasible");
            Oracle.certify(new Oracle.Problem(r.scores, 2, null, impossible), r.solution, "impossible");
        }
    }

    @Test
    void int8LogitsAsTheScorerGivesThem() {
        try (Model model = new Model(Golden.modelDir());
                Ranker int8 = new Ranker(Scorer.INT8, Scorer.KERNELS_PORTABLE, Scorer.LOGIT, 1e-9, 1e-9, 10_000, 0);
                Scorer scorer = new Scorer(Scorer.INT8, Scorer.KERNELS_AUTO)) {
            Ranked r = rankSmall(int8, model, 2, null, null);
            float[] want = scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, Scorer.LOGIT);
            for (int i = 0; i < N; i++) assertEquals(want[i], r.scores[i], "int8 logit of " + i);
        }
    }

    @Test
    void closedRankerIsANullPointer() {
        Ranker closed = new Ranker();
        closed.close();
        closed.close(); // idempotent
        failsWith(LprankException.NULL_POINTER, () -> closed.rank(null, null, null, null, null, 0, 0, null, null, U));
    }

    static Stream<Arguments> outputs() {
        return Stream.of(Arguments.of(Scorer.F32, Scorer.PROBABILITY, Golden.F32_TOLERANCE),
                Arguments.of(Scorer.F32, Scorer.LOGIT, Golden.F32_TOLERANCE),
                Arguments.of(Scorer.F32, Scorer.CALIBRATED_LOGIT, Golden.F32_TOLERANCE),
                Arguments.of(Scorer.INT8, Scorer.PROBABILITY, Golden.INT8_TOLERANCE));
    }

    /**
     * The golden requests ranked: the scores the LP maximised are the JAX reference's (within
     * the precision's tolerance) for the output the ranker was built with, and the solve on
     * them is certified. The rules are built from the reference's own ranking, so that the
     * sort breaks them: of the reference's best three, at most one in the top two; the worst
     * four at least a quarter of the exposure.
     */
    @ParameterizedTest
    @MethodSource("outputs")
    void goldenRequestsScoreAsTheJaxReferenceAndSolveCertified(int precision, int output, double tolerance)
            throws IOException {
        Golden golden = Golden.ofBundledModel();
        int slots = 6;
        try (Model model = new Model(Golden.modelDir());
                Ranker ranker = new Ranker(precision, Scorer.KERNELS_AUTO, output, 1e-9, 1e-9, 10_000, 0)) {
            for (int r = 0; r < golden.requests; r++) {
                float[] want = golden.output(r, output);
                Integer[] byReference = IntStream.range(0, golden.n).boxed().toArray(Integer[]::new);
                Arrays.sort(byReference, (a, b) -> Float.compare(want[b], want[a]));
                long[] best = {byReference[0], byReference[1], byReference[2]};
                long[] worst = IntStream.range(golden.n - 4, golden.n).mapToLong(k -> byReference[k]).toArray();
                double exposure = Arrays.stream(new Oracle.Problem(new double[golden.n], slots, null, null)
                        .slateWeights()).sum();
                Rule[] rules = {Rule.atMost(best, Rule.TOP, 2, 1.0).named("best three"),
                        Rule.atLeast(worst, Rule.EXPOSURE, 0, 0.25 * exposure).named("worst four")};
                double u = (r + 0.5) / golden.requests;
                Ranked ranked = ranker.rank(model, golden.requestDense(r), golden.requestIds(r), golden.itemDense(r),
                        golden.itemIds(r), golden.n, slots, null, rules, u);
                double err = Golden.maxRelativeError(ranked.scores, want);
                assertTrue(err <= tolerance, "request " + r + ": scores off the reference by " + err);
                Oracle.certify(new Oracle.Problem(ranked.scores, slots, null, rules), ranked.solution, "request " + r);
                // A binding rule, so that the certificate's duals are tested.
                assertTrue(ranked.solution.ruleDuals[0] != 0 || ranked.solution.ruleDuals[1] != 0,
                        "request " + r + ": a rule binds");
                checkDraw(ranked, u);
            }
        }
    }

    /** A synthetic feed request: features at feed-dcn's widths and the feed's ten rules. */
    record FeedRequest(String name, int n, int slots, double[] weights, float[] requestDense, long[] requestIds,
            float[] itemDense, long[] itemIds, Rule[] rules) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * {@code n} candidates of a professional feed (content types, creator groups, fresh
     * items in roughly a feed's shares, features as src/synthetic.rs describes them) and its
     * ten rules on the slate. {@code jobs} forces that many job posts to the front.
     */
    static FeedRequest feedRequest(String name, int n, int slots, double[] weights, long seed, int jobs) {
        Random random = new Random(seed);
        double[] typeShare = {0.45, 0.15, 0.15, 0.15, 0.10}, groupShare = {0.25, 0.35, 0.25, 0.15};
        int[] type = new int[n], group = new int[n];
        boolean[] fresh = new boolean[n];
        for (int i = 0; i < n; i++) {
            type[i] = i < jobs ? 1 : pick(random, typeShare);
            group[i] = pick(random, groupShare);
            fresh[i] = random.nextDouble() < 0.2;
        }
        double hour = 20.0 * 2 * Math.PI / 24;
        float[] requestDense = {0.3f, 0.1f, (float) Math.sin(hour), (float) Math.cos(hour)};
        long[] requestIds = {4, 5, 2};
        double[] logFollowers = {11.0, 8.5, 6.0, 3.5}, quality = {0.45, 0.15, 0.0, -0.15};
        float[] itemDense = new float[4 * n];
        long[] itemIds = new long[5 * n];
        for (int i = 0; i < n; i++) {
            double ageHours = fresh[i] ? 6 * random.nextDouble() : 6 + 162 * random.nextDouble();
            itemDense[4 * i] = (float) (Math.log1p(ageHours) / Math.log1p(168) * 2 - 1);
            itemDense[4 * i + 1] = (float) random.nextGaussian();
            itemDense[4 * i + 2] = (float) ((logFollowers[group[i]] + random.nextGaussian() - 7) / 3);
            itemDense[4 * i + 3] = (float) (quality[group[i]] + 0.5 * random.nextGaussian());
            itemIds[5 * i] = type[i];
            itemIds[5 * i + 1] = group[i];
            itemIds[5 * i + 2] = random.nextDouble() < 0.3 ? 5 : random.nextInt(24);
            itemIds[5 * i + 3] = random.nextInt(30_000);
            itemIds[5 * i + 4] = random.nextInt(3_000);
        }
        double exposure = Arrays.stream(new Oracle.Problem(new double[n], slots, weights, null).slateWeights()).sum();
        long[] jobPosts = members(n, i -> type[i] == 1), ads = members(n, i -> type[i] == 4);
        long[] topCreators = members(n, i -> group[i] == 0);
        Rule[] rules = {Rule.atMost(jobPosts, Rule.TOP, 5, 2).named("jobs: at most 2 in the top 5"),
                Rule.atMost(jobPosts, Rule.WHOLE_SLATE, 0, 6).named("jobs: at most 6 on the slate"),
                Rule.atMost(ads, Rule.TOP, 3, 1).named("ads: at most 1 in the top 3"),
                Rule.between(ads, null, Rule.WHOLE_SLATE, 0, 3.0, 5.0).named("ads: 3 to 5 on the slate"),
                Rule.atLeast(members(n, i -> type[i] == 2), Rule.TOP, 5, 1).named("videos: at least 1 in the top 5"),
                Rule.atMost(members(n, i -> type[i] == 3), Rule.TOP, 25, 8).named("articles: at most 8 in the top 25"),
                Rule.atLeast(members(n, i -> fresh[i]), Rule.EXPOSURE, 0, 0.2 * exposure).named("fresh: 20% exposure"),
                Rule.atLeast(members(n, i -> group[i] == 3), Rule.EXPOSURE, 0, 0.1 * exposure).named("new creators"),
                Rule.atMost(topCreators, Rule.TOP, 25, 12).named("top creators: at most 12 in the top 25"),
                Rule.atMost(topCreators, Rule.EXPOSURE, 0, 0.35 * exposure).named("top creators (soft)").soft(0.5)};
        return new FeedRequest(name, n, slots, weights, requestDense, requestIds, itemDense, itemIds, rules);
    }

    private static int pick(Random random, double[] shares) {
        double u = random.nextDouble();
        for (int k = 0; k < shares.length; k++) {
            if (u < shares[k]) return k;
            u -= shares[k];
        }
        return shares.length - 1;
    }

    private static long[] members(int n, java.util.function.IntPredicate in) {
        return IntStream.range(0, n).filter(in).asLongStream().toArray();
    }

    /**
     * The requests every precision is checked on: a full feed request; explicit position
     * weights (slots 0: all twelve); a slate longer than the candidate list with eight job
     * posts, so that "at most 6 on the slate" cannot hold (no slate, a Farkas ray).
     */
    static Stream<Arguments> feedRequests() {
        double[] weights = IntStream.range(0, 12).mapToDouble(j -> 1.0 - 0.05 * j).toArray();
        List<Arguments> out = new ArrayList<>();
        for (int precision : new int[] {Scorer.F32, Scorer.INT8}) {
            out.add(Arguments.of(precision, feedRequest("1000 candidates, 50 slots", 1000, 50, null, 1, 0), true));
            out.add(Arguments.of(precision, feedRequest("200 candidates, 12 weights", 200, 0, weights, 3, 0), true));
            out.add(Arguments.of(precision, feedRequest("30 candidates, 40 slots", 30, 40, null, 2, 8), false));
        }
        return out.stream();
    }

    /**
     * Each feed request ranked twice by one ranker (cold, then warm): the scores are the
     * scorer's probabilities, the solve is certified on them, the slate is the draw; then
     * {@code rankInto} gives the same answer, and allocates nothing in 20 warm calls.
     */
    @ParameterizedTest
    @MethodSource("feedRequests")
    void feedRequestsAreCertifiedAndRankIntoAgrees(int precision, FeedRequest f, boolean feasible) {
        double u = 0.37;
        try (Model model = new Model(Golden.modelDir());
                Ranker ranker = new Ranker(precision, Scorer.KERNELS_AUTO, Scorer.PROBABILITY, 1e-9, 1e-9, 10_000, 0);
                Scorer scorer = new Scorer(precision, Scorer.KERNELS_AUTO)) {
            float[] p = scorer.score(model, f.requestDense(), f.requestIds(), f.itemDense(), f.itemIds(), f.n(),
                    Scorer.PROBABILITY);
            Oracle.Problem problem = null;
            Ranked r = null;
            for (String pass : new String[] {"cold", "warm"}) {
                r = ranker.rank(model, f.requestDense(), f.requestIds(), f.itemDense(), f.itemIds(), f.n(), f.slots(),
                        f.weights(), f.rules(), u);
                assertEquals(f.n(), r.scores.length);
                for (int i = 0; i < f.n(); i++) assertEquals(p[i], r.scores[i], pass + ": the scorer's probability");
                problem = new Oracle.Problem(r.scores, f.slots(), f.weights(), f.rules());
                int status = Oracle.certify(problem, r.solution, pass);
                assertEquals(feasible ? Solution.OPTIMAL : Solution.INFEASIBLE, status, pass);
                if (feasible) {
                    assertTrue(Arrays.stream(r.solution.ruleDuals).anyMatch(y -> y != 0), pass + ": a rule binds");
                    assertEquals(problem.slateWeights().length, r.slate.length, pass + ": a full slate");
                    checkDraw(r, u);
                } else {
                    assertNull(r.slate, pass + ": no slate");
                }
            }

            int slotCapacity = f.weights() == null ? f.slots() : f.weights().length;
            RankBuffers buffers = new RankBuffers(f.n(), slotCapacity, f.rules().length);
            ranker.rankInto(model, f.requestDense(), f.requestIds(), f.itemDense(), f.itemIds(), f.n(), f.slots(),
                    f.weights(), f.rules(), u, buffers);
            assertSameAnswer(r, buffers);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 20; k++)
                ranker.rankInto(model, f.requestDense(), f.requestIds(), f.itemDense(), f.itemIds(), f.n(), f.slots(),
                        f.weights(), f.rules(), u, buffers);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(0, allocated, "bytes rankInto allocated in 20 warm calls");
            assertSameAnswer(r, buffers);
        }
    }

    /** The buffers hold exactly the answer in {@code r}. */
    private static void assertSameAnswer(Ranked r, RankBuffers b) {
        Solution s = r.solution;
        assertEquals(s.status, b.status, "status");
        assertEquals(s.objective, b.objective, "objective");
        assertEquals(s.bound, b.bound, "bound");
        assertEquals(s.message, b.message, "message");
        assertEquals(r.slate != null, b.hasSlate, "hasSlate");
        if (r.slate != null) assertArrayEquals(r.slate, Arrays.copyOf(b.slate, b.slateLength), "slate");
        assertEquals(r.propensity, b.propensity, "propensity");
        assertArrayEquals(r.scores, Arrays.copyOf(b.scores, b.candidates), "scores");
        assertEquals(s.rankings.length, b.lotteryLength, "lottery length");
        for (int t = 0; t < b.lotteryLength; t++) {
            assertEquals(s.probabilities[t], b.probabilities[t], "probability " + t);
            assertArrayEquals(s.rankings[t], Arrays.copyOfRange(b.rankings, t * b.slateLength, (t + 1) * b.slateLength),
                    "ranking " + t);
        }
        assertEquals(s.ruleValues.length, b.ruleCount, "rules");
        for (int k = 0; k < b.ruleCount; k++) {
            assertEquals(s.ruleValues[k], b.ruleOutcomes[3 * k], "rule " + k + " value");
            assertEquals(s.ruleDuals[k], b.ruleOutcomes[3 * k + 1], "rule " + k + " dual");
            assertEquals(s.ruleViolations[k], b.ruleOutcomes[3 * k + 2], "rule " + k + " violation");
        }
        if (s.infeasibilityRay != null)
            assertArrayEquals(s.infeasibilityRay, Arrays.copyOf(b.infeasibilityRay, b.ruleCount), "ray");
    }
}
