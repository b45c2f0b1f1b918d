import dev.lprank.Rule;
import dev.lprank.Solution;
import dev.lprank.Solver;

/**
 * A minimal Java caller. Build and run (after cargo build --release and compiling the JNI
 * shim bindings/java/jni/lprank_jni.c into liblprank_jni.so):
 *   javac -d classes bindings/java/src/dev/lprank/*.java examples/java/Rank.java
 *   java -Djava.library.path=DIR_WITH_SHIM -cp classes Rank
 */
public final class Rank {
    public static void main(String[] args) {
        double[] scores = {0.9, 0.8, 0.7, 0.3, 0.2, 0.1};
        Rule[] rules = {Rule.atMost(new long[] {0, 1, 2}, Rule.TOP, 3, 1.0).named("jobs_top3")};
        try (Solver solver = new Solver()) {
            Solution s = solver.solve(scores, 4, rules);
            long[] slate = s.sample(0.42);
            StringBuilder line = new StringBuilder("slate:");
            for (long i : slate) line.append(' ').append(i);
            System.out.printf("status %d, objective %.6f%n%s%njobs in the top 3: %.3f%n", s.status, s.objective, line,
                    s.ruleValues[0]);
        }
    }
}
