import dev.lprank.Greedy;
import dev.lprank.GreedySlate;
import dev.lprank.LprankException;
import dev.lprank.Rule;
import dev.lprank.Solution;
import dev.lprank.Solver;

import java.io.File;
import java.util.Locale;
import java.util.Scanner;

/** The Java binding: errors, infeasible answers, and solves tests/bindings.rs compares with Rust. */
public final class SolverTest {
    private static void errors() {
        double[] scores = {0.9, 0.8, 0.7, 0.3};
        try (Solver solver = new Solver()) {
            Rule cap = Rule.atMost(new long[] {0, 1}, Rule.TOP, 2, 1.0).named("jobs");
            Solution s = solver.solve(scores, 3, new Rule[] {cap});
            Checks.check(s.status == Solution.OPTIMAL, "optimal");
            Checks.check(s.sample(0.3).length == 3, "sample length");
            Checks.check(s.ruleValues[0] <= 1.0 + 1e-9, "cap holds");
            Checks.check(s.infeasibilityRay == null, "no ray");

            Checks.check(Checks.statusOf(() -> solver.solve(new double[] {0.9, Double.NaN}, 1, new Rule[0])) == LprankException.INVALID_INPUT,
                    "NaN score");
            try {
                solver.solve(new double[] {0.9, Double.NaN}, 1, new Rule[0]);
            } catch (LprankException e) {
                Checks.check(e.getMessage().contains("scores[1]"), "message names scores[1]: " + e.getMessage());
            }
            Checks.check(Checks.statusOf(() -> solver.solve(null, 1, new Rule[0])) == LprankException.INVALID_INPUT, "null scores: empty");
            Checks.check(Checks.statusOf(() -> solver.solve(scores, 3, new double[] {1.0, 0.5}, new Rule[0])) == LprankException.LENGTH_MISMATCH,
                    "more slots than weights");
            // Numbers the tolerances cannot survive (a weight of 1e8 beside an exposure minimum
            // of 0.3056): numerical trouble with its message, never a wrong OPTIMAL; at 1e6 optimal.
            Rule[] scale = {Rule.atLeast(new long[] {0, 1}, Rule.TOP, 1, 1.0),
                    Rule.atLeast(new long[] {1, 2}, Rule.EXPOSURE, 0, 0.3056)};
            double[] three = {1.0, 0.2, 0.5};
            Solution trouble = solver.solve(three, 0, new double[] {1e8}, scale);
            Checks.check(trouble.status == Solution.NUMERICAL_TROUBLE, "numerical trouble: " + trouble.status);
            Checks.check(trouble.message != null && trouble.message.contains("hard rule"), "its message: " + trouble.message);
            Solution fine = solver.solve(three, 0, new double[] {1e6}, scale);
            Checks.check(fine.status == Solution.OPTIMAL && fine.message == null, "optimal at 1e6: " + fine.status);
            // The greedy baseline: two minimums competing for the top two slots defeat its myopic
            // check (slot 0 goes to the best item), and it reports the broken one.
            try (Greedy greedy = new Greedy()) {
                Rule[] competing = {Rule.atLeast(new long[] {4}, Rule.TOP, 2, 1.0),
                        Rule.atLeast(new long[] {5}, Rule.TOP, 2, 1.0)};
                double[] six = {0.9, 0.8, 0.7, 0.3, 0.2, 0.1};
                GreedySlate g = greedy.rank(six, 3, null, competing);
                Checks.check(g.slate.length == 3 && g.slate[0] == 0, "greedy slate starts with the best item");
                Checks.check(g.brokenHardRules == 1 && g.ruleViolations[0] + g.ruleViolations[1] == 1.0,
                        "greedy reports one broken minimum");
                Checks.check(g.ruleValues[0] + g.ruleValues[1] == 1.0, "one of the two is in the top two");
                Checks.check(Checks.statusOf(() -> greedy.rank(new double[] {0.9, Double.NaN}, 1, null, null))
                        == LprankException.INVALID_INPUT, "greedy: NaN score");
                Checks.check(greedy.rank(six, 2, null, null).slate[1] == 1, "greedy without rules is the sort");
            }

            Rule both = Rule.between(new long[] {0}, new double[] {1, 0, 0, 0}, Rule.EXPOSURE, 0, null, 1.0);
            Checks.check(Checks.statusOf(() -> solver.solve(scores, 2, new Rule[] {both})) == LprankException.INVALID_INPUT,
                    "items and coefficients");
            Checks.check(Checks.statusOf(() -> solver.solve(scores, 2, new Rule[] {Rule.atMost(new long[] {-1}, Rule.TOP, 1, 1)}))
                    == LprankException.INVALID_INPUT, "negative index is out of range");
            Checks.check(Checks.statusOf(() -> solver.solve(scores, 2, new Rule[] {null})) == LprankException.INVALID_INPUT, "null rule");

            Solution inf = solver.solve(scores, 2, new Rule[] {Rule.atLeast(new long[] {0}, Rule.TOP, 1, 2.0)});
            Checks.check(inf.status == Solution.INFEASIBLE, "infeasible");
            Checks.check(inf.infeasibilityRay != null && inf.infeasibilityRay[0] < 0, "ray");
            Checks.check(inf.sample(0.5) == null && inf.rankings.length == 0, "nothing to sample");
        }
        Checks.check(Checks.statusOf(() -> new Solver(-1, 1e-9, 10, 0)) == LprankException.INVALID_INPUT, "bad settings");
    }

    /** Parses the problem file, then solves it {@code times} times; prints the median in ns. */
    private static void benchFile(String path, int times) throws Exception {
        Object[] p = readProblem(path);
        try (Solver solver = new Solver()) {
            long[] ns = new long[times];
            for (int i = 0; i < times; i++) {
                long t0 = System.nanoTime();
                solver.solve((double[]) p[0], (Integer) p[1], (double[]) p[2], (Rule[]) p[3]);
                ns[i] = System.nanoTime() - t0;
            }
            java.util.Arrays.sort(ns);
            System.out.println("median_ns " + ns[times / 2]);
        }
    }

    private static void solveFile(String path) throws Exception {
        Object[] p = readProblem(path);
        double[] scores = (double[]) p[0];
        int slots = (Integer) p[1];
        double[] weights = (double[]) p[2];
        Rule[] rules = (Rule[]) p[3];
        solveAndPrint(scores, slots, weights, rules);
    }

    private static Object[] readProblem(String path) throws Exception {
        Scanner in = new Scanner(new File(path)).useLocale(Locale.ROOT);
        int n = in.nextInt(), slots = in.nextInt(), k = in.nextInt();
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) scores[i] = Double.parseDouble(in.next());
        int wn = in.nextInt();
        double[] weights = wn == 0 ? null : new double[wn];
        for (int j = 0; j < wn; j++) weights[j] = Double.parseDouble(in.next());
        Rule[] rules = TestInput.rules(k, in);
        return new Object[] {scores, slots, weights, rules};
    }

    private static void solveAndPrint(double[] scores, int slots, double[] weights, Rule[] rules) {
        try (Solver solver = new Solver()) {
            solver.solve(scores, slots, weights, rules);
            Solution s = solver.solve(scores, slots, weights, rules); // warm
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
            for (int r = 0; r < s.ruleValues.length; r++)
                out.append("rule ").append(s.ruleValues[r]).append(' ').append(s.ruleDuals[r]).append(' ')
                        .append(s.ruleViolations[r]).append('\n');
            System.out.print(out);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("errors")) {
            errors();
            Checks.finish();
        } else if (args.length >= 2 && args[0].equals("solve")) {
            solveFile(args[1]);
        } else if (args.length >= 3 && args[0].equals("bench")) {
            benchFile(args[1], Integer.parseInt(args[2]));
        } else {
            System.err.println("usage: SolverTest errors | solve FILE | bench FILE N");
            System.exit(2);
        }
    }
}
