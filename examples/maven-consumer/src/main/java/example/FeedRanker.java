package example;

import dev.lprank.Model;
import dev.lprank.Ranked;
import dev.lprank.Ranker;
import dev.lprank.Rule;

/** What a service does with lprank: load the model once, rank each request with a per-thread ranker. */
public final class FeedRanker implements AutoCloseable {
    private final Model model;
    private final Ranker ranker = new Ranker();

    public FeedRanker(String modelDir) {
        model = new Model(modelDir);
    }

    /** Ranks {@code n} candidates onto {@code slots} slots with at most one of {@code capped} in the top 3. */
    public Ranked rank(float[] requestDense, long[] requestIds, float[] itemDense, long[] itemIds, int n, int slots,
            long[] capped, double u) {
        Rule[] rules = {Rule.atMost(capped, Rule.TOP, 3, 1.0).named("capped_top3")};
        return ranker.rank(model, requestDense, requestIds, itemDense, itemIds, n, slots, null, rules, u);
    }

    public Model model() {
        return model;
    }

    @Override
    public void close() {
        ranker.close();
        model.close();
    }
}
