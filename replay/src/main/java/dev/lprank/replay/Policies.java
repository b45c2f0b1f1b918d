package dev.lprank.replay;

import dev.lprank.Greedy;
import dev.lprank.GreedySlate;
import dev.lprank.Model;
import dev.lprank.Ranked;
import dev.lprank.Ranker;
import dev.lprank.Rule;
import dev.lprank.Solution;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The three policies on one logged request: the LP (lprank's lottery, scored by the model),
 * the greedy baseline and the unconstrained sort, all on the same model scores. One per
 * partition (or per thread): it owns a Ranker and a Greedy with their reusable buffers.
 *
 * Expected clicks of a slate are Σ_j w_j p_slate(j) with the default position weights
 * w_j = 1/log2(j + 2) and the model's click probabilities p; for the LP it is the lottery's
 * expectation, its objective. A rule counts as violated beyond 1e-9 · max(1, |bound|):
 * for the LP in expectation over its lottery, for greedy and sort on the one slate.
 */
public final class Policies implements AutoCloseable {
    public static final String LP = "lp", GREEDY = "greedy", SORT = "sort";

    /** One policy's outcome on one request. */
    public static final StructType OUTCOME = new StructType(new StructField[] {
        DataTypes.createStructField("request_id", DataTypes.LongType, false),
        DataTypes.createStructField("policy", DataTypes.StringType, false),
        DataTypes.createStructField("slate", DataTypes.createArrayType(DataTypes.LongType, false), false),
        DataTypes.createStructField("propensity", DataTypes.DoubleType, false),
        DataTypes.createStructField("expected_clicks", DataTypes.DoubleType, false),
        DataTypes.createStructField("bound", DataTypes.DoubleType, false),
        DataTypes.createStructField("status", DataTypes.IntegerType, false),
        DataTypes.createStructField("rule_values", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
        DataTypes.createStructField("rule_violations", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
        DataTypes.createStructField("violated_rules", DataTypes.IntegerType, false),
        DataTypes.createStructField("nanos", DataTypes.LongType, false),
    });

    private final Model model;
    private final Ranker ranker = new Ranker();
    private final Greedy greedy = new Greedy();

    public Policies(String modelDir) {
        model = new Model(modelDir);
    }

    /** Nanoseconds spent in {@link #evaluate} so far (decoding, scoring, solving, building the outcome rows). */
    private long busyNanos;

    public long busyNanos() {
        return busyNanos;
    }

    /** The three outcomes of one logged request (a row of {@link FeedLog#REQUEST}). */
    public List<Row> evaluate(Row request) {
        long begin = System.nanoTime();
        List<Row> out = outcomes(request);
        busyNanos += System.nanoTime() - begin;
        return out;
    }

    private List<Row> outcomes(Row request) {
        long id = request.getLong(0);
        int n = request.getInt(1), slots = request.getInt(2);
        float[] requestDense = FeedLog.floats(request.getAs(3));
        long[] requestIds = FeedLog.longs(request.<byte[]>getAs(4));
        float[] itemDense = FeedLog.floats(request.getAs(5));
        long[] itemIds = FeedLog.longs(request.<byte[]>getAs(6));
        List<Row> ruleRows = request.getList(7);
        Rule[] rules = new Rule[ruleRows.size()];
        for (int k = 0; k < rules.length; k++) rules[k] = rule(ruleRows.get(k));

        List<Row> out = new ArrayList<>(3);
        // The served draw is deterministic per request, as a request's own random stream would be.
        double u = (id * 0.6180339887498949) % 1.0;
        Ranked lp = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, slots, null, rules, u);
        Solution s = lp.solution;
        int lpViolated = 0;
        for (int k = 0; k < rules.length; k++)
            if (s.status != Solution.OPTIMAL || s.ruleViolations[k] > tolerance(ruleRows.get(k))) lpViolated++;
        out.add(RowFactory.create(id, LP, lp.slate == null ? new long[0] : lp.slate, lp.propensity, s.objective,
                s.bound, s.status, s.ruleValues, s.ruleViolations, lpViolated, lp.solveNanos));

        double[] scores = lp.scores;
        long start = System.nanoTime();
        GreedySlate g = greedy.rank(scores, slots, null, rules);
        long greedyNanos = System.nanoTime() - start;
        out.add(RowFactory.create(id, GREEDY, g.slate, 1.0, clicks(g.slate, scores), Double.NaN, -1,
                g.ruleValues, g.ruleViolations, g.brokenHardRules, greedyNanos));

        start = System.nanoTime();
        long[] sorted = sort(scores, Math.min(slots, n));
        long sortNanos = System.nanoTime() - start;
        double[] values = new double[rules.length], violations = new double[rules.length];
        int sortViolated = 0;
        for (int k = 0; k < rules.length; k++) {
            values[k] = ruleValue(ruleRows.get(k), sorted);
            violations[k] = violation(ruleRows.get(k), values[k]);
            if (violations[k] > tolerance(ruleRows.get(k))) sortViolated++;
        }
        out.add(RowFactory.create(id, SORT, sorted, 1.0, clicks(sorted, scores), Double.NaN, -1, values,
                violations, sortViolated, sortNanos));
        return out;
    }

    static Rule rule(Row r) {
        long[] items = longs(r.getList(1));
        int profile = r.getInt(2), top = r.getInt(3);
        Double max = r.isNullAt(4) ? null : r.getDouble(4), min = r.isNullAt(5) ? null : r.getDouble(5);
        return Rule.between(items, null, profile, top, min, max).named(r.getString(0));
    }

    static double weight(int j) {
        return 1.0 / (Math.log(j + 2.0) / Math.log(2.0));
    }

    static double clicks(long[] slate, double[] scores) {
        double sum = 0;
        for (int j = 0; j < slate.length; j++) sum += weight(j) * scores[(int) slate[j]];
        return sum;
    }

    /** The top {@code m} items by score (ties by index), best first. */
    static long[] sort(double[] scores, int m) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> scores[b] != scores[a] ? Double.compare(scores[b], scores[a]) : Integer.compare(a, b));
        long[] out = new long[m];
        for (int j = 0; j < m; j++) out[j] = order[j];
        return out;
    }

    /** The rule's value on one slate: members counted in its slots (top: once, exposure: by weight). */
    static double ruleValue(Row rule, long[] slate) {
        List<Long> items = rule.getList(1);
        int profile = rule.getInt(2), top = rule.getInt(3);
        double value = 0;
        for (int j = 0; j < slate.length; j++) {
            if (!items.contains(slate[j])) continue;
            value += profile == 2 ? weight(j) : profile == 1 ? (j < top ? 1 : 0) : 1;
        }
        return value;
    }

    static double violation(Row rule, double value) {
        double v = 0;
        if (!rule.isNullAt(4)) v += Math.max(0, value - rule.getDouble(4));
        if (!rule.isNullAt(5)) v += Math.max(0, rule.getDouble(5) - value);
        return v;
    }

    static double tolerance(Row rule) {
        double bound = Math.max(rule.isNullAt(4) ? 0 : Math.abs(rule.getDouble(4)), rule.isNullAt(5) ? 0 : Math.abs(rule.getDouble(5)));
        return 1e-9 * Math.max(1, bound);
    }

    // Array columns go to the row encoder as Java arrays (a Java array is a Scala array).

    private static long[] longs(List<Long> list) {
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = list.get(i);
        return out;
    }

    @Override
    public void close() {
        greedy.close();
        ranker.close();
        model.close();
    }
}
