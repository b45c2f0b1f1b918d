package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lprank.Ranked;
import dev.lprank.Solution;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The consumer ranks a request through the artifact alone: the native library comes from the jar. */
class FeedRankerTest {
    @Test
    void ranksARequestWithNoNativeSetUp() {
        assertTrue(System.getProperty("java.library.path", "").indexOf("lprank") < 0, "no native path set up");
        try (FeedRanker feed = new FeedRanker(System.getProperty("lprank.model.dir"))) {
            int n = 40, slots = 8;
            Random random = new Random(3);
            float[] requestDense = new float[feed.model().requestDenseWidth()];
            long[] requestIds = new long[feed.model().requestIdsWidth()];
            float[] itemDense = new float[n * feed.model().itemDenseWidth()];
            long[] itemIds = new long[n * feed.model().itemIdsWidth()];
            for (int i = 0; i < itemDense.length; i++) itemDense[i] = random.nextFloat();
            for (int i = 0; i < itemIds.length; i++) itemIds[i] = random.nextInt(4);
            long[] capped = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
            Ranked r = feed.rank(requestDense, requestIds, itemDense, itemIds, n, slots, capped, 0.5);
            assertEquals(Solution.OPTIMAL, r.solution.status);
            assertEquals(slots, r.slate.length);
            assertTrue(r.solution.ruleValues[0] <= 1.0 + 1e-9, "the cap holds in expectation");
            assertTrue(r.propensity > 0 && r.propensity <= 1);
        }
    }
}
