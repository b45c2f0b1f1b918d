import dev.lprank.LprankException;
import dev.lprank.Model;
import dev.lprank.RankBuffers;
import dev.lprank.Ranked;
import dev.lprank.Ranker;
import dev.lprank.Rule;
import dev.lprank.Scorer;
import dev.lprank.Solution;

import java.io.File;
import java.util.Arrays;
import java.util.Locale;
import java.util.Scanner;

/**
 * The Java ranker binding: its error paths, and ranked requests that tests/bindings.rs
 * compares with the Rust Ranker (request file and output format of tests/c/test_ranker.c).
 *
 * <pre>
 *   RankerTest errors MODEL_DIR
 *   RankerTest rank MODEL_DIR FILE f32|int8
 * </pre>
 */
public final class RankerTest {
    private static final double U = 0.37;

    private static void errors(String dir) throws Exception {
        Checks.check(Checks.statusOf(() -> new Ranker(7, Scorer.KERNELS_AUTO, Scorer.PROBABILITY, 1e-9, 1e-9, 10_000, 0).close())
                == LprankException.INVALID_INPUT && Checks.lastMessage.contains("settings.scorer"),
                "unknown precision: " + Checks.lastMessage);
        Checks.check(Checks.statusOf(() -> new Ranker(Scorer.F32, Scorer.KERNELS_AUTO, 3, 1e-9, 1e-9, 10_000, 0).close())
                == LprankException.INVALID_INPUT && Checks.lastMessage.contains("settings.output"),
                "unknown output: " + Checks.lastMessage);
        Checks.check(Checks.statusOf(() -> new Ranker(Scorer.F32, Scorer.KERNELS_AUTO, -1, 1e-9, 1e-9, 10_000, 0).close())
                == LprankException.INVALID_INPUT && Checks.lastMessage.contains("settings.output"),
                "negative output: " + Checks.lastMessage);
        Checks.check(Checks.statusOf(() -> new Ranker(Scorer.F32, Scorer.KERNELS_AUTO, Scorer.LOGIT, -1, 1e-9, 10_000, 0).close())
                == LprankException.INVALID_INPUT && Checks.lastMessage.contains("settings.solver"),
                "bad solver settings: " + Checks.lastMessage);

        // The request of tests/java/ScorerTest.java: feed-dcn widths 4, 3, 4 and 5.
        final int n = 3;
        float[] requestDense = {0.5f, 1.0f, 0.0f, 1.0f};
        long[] requestIds = {1, 2, 0};
        float[] itemDense = {0.1f, 0.2f, 0.3f, 0.4f, 1.5f, 0.5f, 0.5f, 0.2f, 3.0f, 0.0f, 0.9f, 0.05f};
        long[] itemIds = {0, 1, 2, 123456789, 987, 1, 2, 3, 42, 7, 4, 3, 23, 99999, 123456};
        Rule cap = Rule.atMost(new long[] {0, 1}, Rule.TOP, 1, 1.0).named("cap");
        try (Model model = new Model(dir); Ranker ranker = new Ranker(); Scorer scorer = new Scorer()) {
            Ranked r = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 2, null, new Rule[] {cap}, U);
            Checks.check(r.solution.status == Solution.OPTIMAL, "optimal: " + r.solution.status);
            Checks.check(r.scores.length == n, "n scores");
            for (double s : r.scores) Checks.check(s >= 0 && s <= 1, "probability in [0, 1]: " + s);
            float[] p = scorer.score(model, requestDense, requestIds, itemDense, itemIds, n, Scorer.PROBABILITY);
            for (int i = 0; i < n; i++) Checks.check(r.scores[i] == p[i], "the scorer's probabilities");
            Checks.check(r.slate != null && r.slate.length == 2, "a slate of min(slots, n)");
            Checks.check(Arrays.equals(r.slate, r.solution.sample(U)), "the slate is the lottery's draw for u");
            double same = 0;
            for (int t = 0; t < r.solution.rankings.length; t++)
                if (Arrays.equals(r.solution.rankings[t], r.slate)) same += r.solution.probabilities[t];
            Checks.check(r.propensity > 0 && r.propensity <= 1 && Math.abs(r.propensity - same) < 1e-12,
                    "the propensity " + r.propensity + " is the slate's lottery probability " + same);
            Checks.check(r.solution.ruleValues.length == 1 && r.solution.ruleValues[0] <= 1.0 + 1e-9, "cap holds");
            Checks.check(r.solution.infeasibilityRay == null, "no ray");
            Checks.check(r.scoreNanos >= 0 && r.solveNanos >= 0, "timings");

            Checks.check(ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 5, null, null, U).slate.length
                    == n, "more slots than candidates: the slate has them all");
            double[] weights = {1.0, 0.5, 0.25};
            Checks.check(ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 0, weights, null, U).slate.length
                    == 3, "slots 0 with weights: all of them");
            Checks.check(ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 2, weights, null, U).slate.length
                    == 2, "the first slots of the weights");
            Checks.check(Checks.statusOf(() -> ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 4, weights, null,
                    U)) == LprankException.LENGTH_MISMATCH && Checks.lastMessage.contains("slots"),
                    "more slots than weights: " + Checks.lastMessage);

            Checks.check(Checks.statusOf(() -> ranker.rank(null, requestDense, requestIds, itemDense, itemIds, n, 2, null, null, U))
                    == LprankException.NULL_POINTER && Checks.lastMessage.contains("model"), "null model: " + Checks.lastMessage);
            Checks.check(Checks.statusOf(() -> ranker.rank(model, requestDense, requestIds, Arrays.copyOf(itemDense, 11), itemIds,
                    n, 2, null, null, U)) == LprankException.LENGTH_MISMATCH
                    && Checks.lastMessage.contains("request.features.item_dense"), "item_dense length: " + Checks.lastMessage);
            Checks.check(Checks.statusOf(() -> ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n - 1, 2, null,
                    null, U)) == LprankException.LENGTH_MISMATCH, "candidates vs item rows");
            float[] nan = itemDense.clone();
            nan[5] = Float.NaN;
            Checks.check(Checks.statusOf(() -> ranker.rank(model, requestDense, requestIds, nan, itemIds, n, 2, null, null, U))
                    == LprankException.INVALID_INPUT && Checks.lastMessage.contains("request.features"),
                    "NaN feature: " + Checks.lastMessage);
            Rule outside = Rule.atMost(new long[] {n}, Rule.TOP, 1, 1.0);
            Checks.check(Checks.statusOf(() -> ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 2, null,
                    new Rule[] {outside}, U)) == LprankException.INVALID_INPUT
                    && Checks.lastMessage.contains("constraints[0].items[0]"), "member >= candidates: " + Checks.lastMessage);
            Checks.check(Checks.statusOf(() -> ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 2, null,
                    new Rule[] {null}, U)) == LprankException.INVALID_INPUT, "null rule");
            Checks.check(Checks.statusOf(() -> ranker.rank(model, requestDense, requestIds, itemDense, itemIds, -1, 2, null, null,
                    U)) == LprankException.LENGTH_MISMATCH, "negative candidates");
            Checks.check(Checks.statusOf(() -> ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, -1, null, null,
                    U)) == LprankException.LENGTH_MISMATCH, "negative slots");

            // More rules than the JVM's default local-reference capacity: -Xcheck:jni stays quiet.
            Rule[] many = new Rule[40];
            for (int k = 0; k < many.length; k++)
                many[k] = Rule.atMost(new long[] {k % n}, Rule.WHOLE_SLATE, 0, 1.0).named("rule " + k);
            Ranked manyRanked = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 2, null, many, U);
            Checks.check(manyRanked.solution.status == Solution.OPTIMAL && manyRanked.solution.ruleValues.length == 40,
                    "40 rules");

            // Reserving: fine for these 40 rules; beyond the memory cap an error naming it;
            // negative counts refused before the native call.
            Checks.check(Checks.statusOf(() -> ranker.reserve(n, 2, many)) == 0, "reserve for 40 rules");
            Checks.check(Checks.statusOf(() -> ranker.reserve(Integer.MAX_VALUE, 1 << 20, many))
                    == LprankException.INVALID_INPUT, "a reserve beyond the memory cap");
            Checks.check(Checks.statusOf(() -> ranker.reserve(-1, 2, many)) == LprankException.LENGTH_MISMATCH,
                    "a negative reserve");
            Checks.check(manyRanked.solution.message == null, "an optimal answer has no message");

            Rule impossible = Rule.atLeast(new long[] {0}, Rule.TOP, 1, 2.0).named("impossible");
            Ranked inf = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 2, null,
                    new Rule[] {impossible}, U);
            Checks.check(inf.solution.status == Solution.INFEASIBLE, "infeasible");
            Checks.check(inf.slate == null, "no slate");
            Checks.check(inf.solution.infeasibilityRay != null && inf.solution.infeasibilityRay.length == 1
                    && inf.solution.infeasibilityRay[0] < 0, "ray negative for the min rule");
            Checks.check(inf.solution.rankings.length == 0 && inf.solution.sample(U) == null, "nothing to sample");
            Checks.check(Double.isNaN(inf.solution.objective), "no objective");
            Checks.check(inf.scores.length == n, "scores even when infeasible");

            // A failed call in between does not disturb the next one.
            Ranked again = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, 2, null,
                    new Rule[] {cap}, U);
            Checks.check(Arrays.equals(again.slate, r.slate) && Arrays.equals(again.scores, r.scores), "a warm ranker agrees");

            try (Ranker int8 = new Ranker(Scorer.INT8, Scorer.KERNELS_PORTABLE, Scorer.LOGIT, 1e-9, 1e-9, 10_000, 0);
                    Scorer int8Scorer = new Scorer(Scorer.INT8, Scorer.KERNELS_AUTO)) {
                Ranked logits = int8.rank(model, requestDense, requestIds, itemDense, itemIds, n, 2, null, null, U);
                float[] want = int8Scorer.score(model, requestDense, requestIds, itemDense, itemIds, n, Scorer.LOGIT);
                for (int i = 0; i < n; i++) Checks.check(logits.scores[i] == want[i], "int8 logits as the scorer gives them");
            }
        }

        Ranker closed = new Ranker();
        closed.close();
        closed.close(); /* idempotent */
        Checks.check(Checks.statusOf(() -> closed.rank(null, null, null, null, null, 0, 0, null, null, U))
                == LprankException.NULL_POINTER, "closed ranker");
    }

    /** A rank request file (format in tests/bindings.rs, write_rank_request). */
    private static final class RankFile {
        int n, slots;
        double u;
        float[] requestDense, itemDense;
        long[] requestIds, itemIds;
        double[] weights; // null: default position weights
        Rule[] rules;

        static RankFile read(String path) throws Exception {
            Scanner in = new Scanner(new File(path)).useLocale(Locale.ROOT);
            RankFile f = new RankFile();
            f.n = in.nextInt();
            f.slots = in.nextInt();
            int dr = in.nextInt(), sr = in.nextInt(), di = in.nextInt(), si = in.nextInt();
            f.u = Double.parseDouble(in.next());
            f.requestDense = TestInput.floats(in, dr);
            f.requestIds = TestInput.ids(in, sr);
            f.itemDense = TestInput.floats(in, f.n * di);
            f.itemIds = TestInput.ids(in, f.n * si);
            int wn = in.nextInt();
            f.weights = wn == 0 ? null : TestInput.doubles(in, wn);
            f.rules = TestInput.rules(in.nextInt(), in);
            return f;
        }
    }

    /**
     * {@code bench MODEL_DIR FILE PRECISION N}: ranks the request N times and prints the
     * median wall time of {@code Ranker.rank} beside the median of the time lprank itself
     * reports (score + solve) for the same calls: the difference is what the JNI layer and
     * the Java result objects cost.
     */
    private static void benchFile(String dir, String path, String precision, int repeats) throws Exception {
        RankFile f = RankFile.read(path);
        int n = f.n, slots = f.slots;
        float[] requestDense = f.requestDense, itemDense = f.itemDense;
        long[] requestIds = f.requestIds, itemIds = f.itemIds;
        double[] weights = f.weights;
        Rule[] rules = f.rules;
        double u = f.u;
        int p = precision.equals("int8") ? Scorer.INT8 : Scorer.F32;
        long[] total = new long[repeats], inside = new long[repeats];
        try (Model model = new Model(dir);
                Ranker ranker = new Ranker(p, Scorer.KERNELS_AUTO, Scorer.PROBABILITY, 1e-9, 1e-9, 10_000, 0)) {
            for (int k = 0; k < 5; k++)
                ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, slots, weights, rules, u);
            for (int k = 0; k < repeats; k++) {
                long start = System.nanoTime();
                Ranked r = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, slots, weights, rules, u);
                total[k] = System.nanoTime() - start;
                inside[k] = r.scoreNanos + r.solveNanos;
            }
        }
        java.util.Arrays.sort(total);
        java.util.Arrays.sort(inside);
        System.out.printf(Locale.ROOT, "java rank p50 %d ns, lprank score+solve p50 %d ns, n %d%n", total[repeats / 2],
                inside[repeats / 2], repeats);
    }

    private static void rankFile(String dir, String path, String precision) throws Exception {
        RankFile f = RankFile.read(path);
        int n = f.n, slots = f.slots, wn = f.weights == null ? 0 : f.weights.length;
        float[] requestDense = f.requestDense, itemDense = f.itemDense;
        long[] requestIds = f.requestIds, itemIds = f.itemIds;
        double[] weights = f.weights;
        Rule[] rules = f.rules;
        double u = f.u;

        int p = precision.equals("int8") ? Scorer.INT8 : Scorer.F32;
        try (Model model = new Model(dir);
                Ranker ranker = new Ranker(p, Scorer.KERNELS_AUTO, Scorer.PROBABILITY, 1e-9, 1e-9, 10_000, 0)) {
            ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, slots, weights, rules, u);
            Ranked r = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, slots, weights, rules, u);
            Solution s = r.solution;
            StringBuilder out = new StringBuilder();
            out.append("status ").append(s.status).append('\n');
            out.append("objective ").append(s.objective).append('\n');
            out.append("bound ").append(s.bound).append('\n');
            out.append("lottery ").append(s.rankings.length).append('\n');
            for (int t = 0; t < s.rankings.length; t++) {
                out.append("ranking ").append(s.probabilities[t]);
                for (long i : s.rankings[t]) out.append(' ').append(i);
                out.append('\n');
            }
            for (int k = 0; k < s.ruleValues.length; k++)
                out.append("rule ").append(s.ruleValues[k]).append(' ').append(s.ruleDuals[k]).append(' ')
                        .append(s.ruleViolations[k]).append('\n');
            if (r.slate == null) {
                out.append("slate none\n");
            } else {
                out.append("slate");
                for (long i : r.slate) out.append(' ').append(i);
                out.append('\n');
            }
            out.append("scores");
            for (double x : r.scores) out.append(' ').append(x);
            out.append('\n');
            // rankInto must give the same answer and allocate nothing once warm; any
            // difference is printed, which the comparison with Rust then reports.
            RankBuffers buffers = new RankBuffers(n, wn == 0 ? slots : wn, rules.length);
            ranker.rankInto(model, requestDense, requestIds, itemDense, itemIds, n, slots, weights, rules, u, buffers);
            String differs = sameAnswer(r, buffers);
            if (differs != null) out.append("rankInto differs: ").append(differs).append('\n');
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 20; k++)
                ranker.rankInto(model, requestDense, requestIds, itemDense, itemIds, n, slots, weights, rules, u,
                        buffers);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (allocated != 0) out.append("rankInto allocated ").append(allocated).append(" bytes in 20 calls\n");
            System.out.print(out);
        }
    }

    /** Null when the buffers hold exactly the answer in {@code r}, else what differs. */
    private static String sameAnswer(Ranked r, RankBuffers b) {
        Solution s = r.solution;
        if (b.status != s.status || Double.doubleToLongBits(b.objective) != Double.doubleToLongBits(s.objective)
                || Double.doubleToLongBits(b.bound) != Double.doubleToLongBits(s.bound))
            return "status, objective or bound";
        if (b.hasSlate != (r.slate != null)) return "hasSlate";
        if (r.slate != null && !Arrays.equals(Arrays.copyOf(b.slate, b.slateLength), r.slate)) return "slate";
        if (!Arrays.equals(Arrays.copyOf(b.scores, b.candidates), r.scores)) return "scores";
        if (b.lotteryLength != s.rankings.length) return "lottery length";
        for (int t = 0; t < b.lotteryLength; t++) {
            if (b.probabilities[t] != s.probabilities[t]) return "probability " + t;
            long[] ranking = Arrays.copyOfRange(b.rankings, t * b.slateLength, (t + 1) * b.slateLength);
            if (!Arrays.equals(ranking, s.rankings[t])) return "ranking " + t;
        }
        for (int k = 0; k < b.ruleCount; k++)
            if (b.ruleOutcomes[3 * k] != s.ruleValues[k] || b.ruleOutcomes[3 * k + 1] != s.ruleDuals[k])
                return "rule " + k;
        if (s.infeasibilityRay != null
                && !Arrays.equals(Arrays.copyOf(b.infeasibilityRay, b.ruleCount), s.infeasibilityRay))
            return "ray";
        return null;
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("errors")) {
            errors(args[1]);
            Checks.finish();
        } else if (args.length >= 4 && args[0].equals("rank")) {
            rankFile(args[1], args[2], args[3]);
        } else if (args.length >= 5 && args[0].equals("bench")) {
            benchFile(args[1], args[2], args[3], Integer.parseInt(args[4]));
        } else {
            System.err.println("usage: RankerTest errors MODEL_DIR | rank MODEL_DIR FILE f32|int8 | bench MODEL_DIR FILE f32|int8 N");
            System.exit(2);
        }
    }
}
