import dev.lprank.Model;
import dev.lprank.Ranked;
import dev.lprank.Ranker;
import dev.lprank.Rule;

/**
 * A minimal Java caller: rank six candidates of one feed request with the bundled click
 * model under "at most one job post in the top 3", in one call. Build and run from the
 * repository root (after cargo build --release and compiling the JNI shim
 * bindings/java/jni/lprank_jni.c into liblprank_jni.so):
 *   javac -d classes bindings/java/src/dev/lprank/*.java examples/java/Rank.java
 *   java -Djava.library.path=DIR_WITH_SHIM -cp classes Rank [MODEL_DIR]
 * (MODEL_DIR defaults to ranking-models/feed-dcn).
 */
public final class Rank {
    public static void main(String[] args) {
        String dir = args.length > 0 ? args[0] : "ranking-models/feed-dcn";
        // One request of six candidates, features in config.json order (see examples/c/rank.c).
        float[] requestDense = {0.8f, 0.3f, 0.5f, -0.87f};
        long[] requestIds = {2, 11, 1};
        float[] itemDense = {0.1f, 0.5f, 0.2f, 0.06f, 0.3f, 0.4f, 0.9f, 0.05f, 0.2f, 0.6f, 0.1f, 0.04f, 0.5f, 0.2f,
                0.7f, 0.08f, 0.9f, 0.8f, 0.3f, 0.03f, 0.4f, 0.3f, 0.5f, 0.05f};
        long[] itemIds = {1, 0, 11, 1001, 17, 1, 2, 3, 1002, 18, 1, 1, 11, 1003, 19, 0, 0, 11, 1004, 20, 2, 3, 5,
                1005, 21, 3, 1, 11, 1006, 22};
        Rule[] rules = {Rule.atMost(new long[] {0, 1, 2}, Rule.TOP, 3, 1.0).named("jobs_top3")};
        // The model is loaded once and may be shared by threads; a ranker is per thread.
        try (Model model = new Model(dir); Ranker ranker = new Ranker()) {
            Ranked r = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, 6, 4, null, rules, 0.42);
            StringBuilder probabilities = new StringBuilder("click probabilities:");
            for (double p : r.scores) probabilities.append(String.format(java.util.Locale.ROOT, " %.4f", p));
            StringBuilder line = new StringBuilder("slate:");
            for (long i : r.slate) line.append(' ').append(i);
            System.out.printf("%s%nstatus %d, objective %.6f%n%s%njobs in the top 3: %.3f%n", probabilities,
                    r.solution.status, r.solution.objective, line, r.solution.ruleValues[0]);
        }
    }
}
