package dev.lprank.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * Per policy, over the outcomes of a replay: requests, expected clicks relative to the sort,
 * requests that break a rule and rules broken, p50/p99 time. Built from the outcome rows in
 * request order, so that a Spark run and a single-process run of the same log give the same
 * numbers (times aside) and can be compared exactly.
 */
public final class Summary {
    /** One policy's line. */
    public record Line(String policy, long requests, double clicks, long requestsBreaking, long rulesBroken,
            double p50Micros, double p99Micros) {}

    public final List<Line> lines;

    private Summary(List<Line> lines) {
        this.lines = lines;
    }

    /** The outcome columns ({@link Policies#OUTCOME}) a summary reads, in the order {@link #of} takes them. */
    public static final String[] COLUMNS = {"request_id", "policy", "expected_clicks", "violated_rules", "nanos"};

    private static final int[] IN_OUTCOME = {0, 1, 4, 9, 10};

    /** The summary of whole outcome rows ({@link Policies#OUTCOME}), in any order. */
    public static Summary ofOutcomes(List<Row> outcomes) {
        return summarize(outcomes, IN_OUTCOME);
    }

    /** The summary of outcome rows cut to {@link #COLUMNS}, in any order. */
    public static Summary of(List<Row> rows) {
        return summarize(rows, new int[] {0, 1, 2, 3, 4});
    }

    private static Summary summarize(List<Row> outcomes, int[] at) {
        int id = at[0], policy = at[1], expectedClicks = at[2], violatedRules = at[3], time = at[4];
        List<Row> sorted = new ArrayList<>(outcomes);
        sorted.sort(Comparator.comparingLong((Row r) -> r.getLong(id)).thenComparing(r -> r.getString(policy)));
        Map<String, List<Row>> byPolicy = new LinkedHashMap<>();
        for (String p : new String[] {Policies.LP, Policies.GREEDY, Policies.SORT}) byPolicy.put(p, new ArrayList<>());
        for (Row r : sorted) byPolicy.get(r.getString(policy)).add(r);
        List<Line> lines = new ArrayList<>();
        for (Map.Entry<String, List<Row>> e : byPolicy.entrySet()) {
            List<Row> rows = e.getValue();
            double clicks = 0;
            long breaking = 0, broken = 0;
            long[] nanos = new long[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                double c = r.getDouble(expectedClicks);
                if (!Double.isNaN(c)) clicks += c;
                int violated = r.getInt(violatedRules);
                broken += violated;
                if (violated > 0) breaking++;
                nanos[i] = r.getLong(time);
            }
            Arrays.sort(nanos);
            lines.add(new Line(e.getKey(), rows.size(), clicks, breaking, broken, quantile(nanos, 0.5) / 1e3,
                    quantile(nanos, 0.99) / 1e3));
        }
        return new Summary(lines);
    }

    private static double quantile(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[(int) Math.round((sorted.length - 1) * q)];
    }

    /** Whether two summaries agree on everything but the times. */
    public boolean sameOutcomes(Summary other) {
        if (lines.size() != other.lines.size()) return false;
        for (int i = 0; i < lines.size(); i++) {
            Line a = lines.get(i), b = other.lines.get(i);
            if (!a.policy().equals(b.policy()) || a.requests() != b.requests() || a.clicks() != b.clicks()
                    || a.requestsBreaking() != b.requestsBreaking() || a.rulesBroken() != b.rulesBroken())
                return false;
        }
        return true;
    }

    /** The table: clicks relative to the sort, rule breaking, time per request. */
    public String table() {
        double sortClicks = lines.stream().filter(l -> l.policy().equals(Policies.SORT)).findFirst().get().clicks();
        StringBuilder out = new StringBuilder();
        out.append("| policy | requests | expected clicks vs sort | requests breaking a rule | rules broken | p50 time | p99 time |\n");
        out.append("|---|---|---|---|---|---|---|\n");
        for (Line l : lines)
            out.append(String.format("| %s | %d | %.4f | %d | %d | %.1f us | %.1f us |%n", l.policy(), l.requests(),
                    l.clicks() / sortClicks, l.requestsBreaking(), l.rulesBroken(), l.p50Micros(), l.p99Micros()));
        return out.toString();
    }
}
