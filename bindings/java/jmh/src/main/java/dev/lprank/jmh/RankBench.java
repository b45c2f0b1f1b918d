package dev.lprank.jmh;

import dev.lprank.Model;
import dev.lprank.RankBuffers;
import dev.lprank.Ranked;
import dev.lprank.Ranker;
import dev.lprank.Rule;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ranker.rank and Ranker.rankInto on a feed-like request of the bundled model (random
 * features; a cap of one of eight groups in the top 5 and an exposure minimum for another),
 * beside lprank's own score + solve time for the same calls, printed at each trial's end.
 * The model directory is the system property lprank.model.dir (default: the repository's
 * ranking-models/feed-dcn when run from bindings/java/jmh).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RankBench {
    @Param({"200", "1000"})
    public int candidates;

    private static final int SLOTS = 50;
    private Model model;
    private Ranker ranker;
    private RankBuffers buffers;
    private float[] requestDense, itemDense;
    private long[] requestIds, itemIds;
    private Rule[] rules;
    private long[] inside;
    private int calls;

    @Setup(Level.Trial)
    public void setUp() {
        model = new Model(System.getProperty("lprank.model.dir", "../../../ranking-models/feed-dcn"));
        ranker = new Ranker();
        int n = candidates;
        Random random = new Random(1);
        requestDense = new float[model.requestDenseWidth()];
        requestIds = new long[model.requestIdsWidth()];
        itemDense = new float[n * model.itemDenseWidth()];
        itemIds = new long[n * model.itemIdsWidth()];
        for (int i = 0; i < requestDense.length; i++) requestDense[i] = random.nextFloat();
        for (int i = 0; i < itemDense.length; i++) itemDense[i] = random.nextFloat();
        for (int i = 0; i < itemIds.length; i++) itemIds[i] = random.nextInt(4);
        long[] jobs = new long[n / 8], fresh = new long[n / 8];
        for (int i = 0; i < jobs.length; i++) {
            jobs[i] = 8L * i;
            fresh[i] = 8L * i + 1;
        }
        rules = new Rule[] {Rule.atMost(jobs, Rule.TOP, 5, 1.0), Rule.atLeast(fresh, Rule.EXPOSURE, 0, 1.0)};
        buffers = new RankBuffers(n, SLOTS, rules.length);
        inside = new long[1 << 16];
        calls = 0;
    }

    @Benchmark
    public Ranked rank() {
        Ranked r = ranker.rank(model, requestDense, requestIds, itemDense, itemIds, candidates, SLOTS, null, rules, 0.5);
        if (calls < inside.length) inside[calls++] = r.scoreNanos + r.solveNanos;
        return r;
    }

    @Benchmark
    public RankBuffers rankInto() {
        ranker.rankInto(model, requestDense, requestIds, itemDense, itemIds, candidates, SLOTS, null, rules, 0.5, buffers);
        if (calls < inside.length) inside[calls++] = buffers.scoreNanos + buffers.solveNanos;
        return buffers;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long[] times = Arrays.copyOf(inside, calls);
        Arrays.sort(times);
        if (times.length > 0)
            System.out.printf("%n[lprank] %d candidates: median score + solve inside lprank %.1f us over %d calls%n",
                    candidates, times[times.length / 2] / 1e3, times.length);
        ranker.close();
        model.close();
    }
}
