package dev.lprank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java scorer binding: every error status with its message, a model shared by threads,
 * and the bundled model's scores against the JAX reference's golden outputs
 * (ranking-models/feed-dcn/golden.safetensors, FORMAT.md §11), in both precisions.
 */
class ScorerTest {
    /** A request of three candidates at feed-dcn's widths (4, 3, 4 and 5). */
    static final int N = 3;
    static final float[] REQUEST_DENSE = {0.5f, 1.0f, 0.0f, 1.0f};
    static final long[] REQUEST_IDS = {1, 2, 0};
    static final float[] ITEM_DENSE = {0.1f, 0.2f, 0.3f, 0.4f, 1.5f, 0.5f, 0.5f, 0.2f, 3.0f, 0.0f, 0.9f, 0.05f};
    static final long[] ITEM_IDS = {0, 1, 2, 123456789, 987, 1, 2, 3, 42, 7, 4, 3, 23, 99999, 123456};

    /** Runs {@code call}, requires an LprankException of {@code status}, returns its message. */
    static String failsWith(int status, Executable call) {
        LprankException e = assertThrows(LprankException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void badModelsAndSettingsAreRefusedByName() {
        assertTrue(failsWith(LprankException.INVALID_INPUT, () -> new Model("/nonexistent/model").close())
                .contains("config.json"));
        failsWith(LprankException.NULL_POINTER, () -> new Model(null).close());
        assertTrue(failsWith(LprankException.INVALID_INPUT, () -> new Scorer(7, Scorer.KERNELS_AUTO).close())
                .contains("precision"));
        failsWith(LprankException.INVALID_INPUT, () -> new Scorer(Scorer.F32, -1).close());
    }

    @Test
    void scoresABufferAndHeadLogitsThatCombineIntoTheLogit() {
        try (Model model = new Model(Golden.modelDir()); Scorer scorer = new Scorer()) {
            assertEquals(4, model.requestDenseWidth());
            assertEquals(3, model.requestIdsWidth());
            assertEquals(4, model.itemDenseWidth());
            assertEquals(5, model.itemIdsWidth());
            assertEquals(2, model.heads());
            // No call yet: no head logits to copy.
            failsWith(LprankException.NO_SOLUTION, () -> scorer.headLogits(model));

            float[] logit = scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, Scorer.LOGIT);
            float[] p = scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, Scorer.PROBABILITY);
            assertEquals(N, logit.length);
            assertEquals(N, p.length);
            for (float x : p) assertTrue(x >= 0 && x <= 1, "a probability: " + x);

            float[] into = new float[N];
            Arrays.fill(into, -7f);
            float[] nan = REQUEST_DENSE.clone();
            nan[0] = Float.NaN;
            failsWith(LprankException.INVALID_INPUT,
                    () -> scorer.score(model, nan, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, Scorer.LOGIT, into));
            assertArrayEquals(new float[] {-7f, -7f, -7f}, into, "a failed call leaves the buffer untouched");
            scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, Scorer.PROBABILITY, into);
            assertArrayEquals(p, into, "scores into a caller's buffer");

            // feed-dcn's config.json: the ranking logit is head 0 + 0.5 · head 1.
            float[] heads = scorer.headLogits(model);
            assertEquals(2 * N, heads.length, "n × heads");
            for (int i = 0; i < N; i++)
                assertEquals(logit[i], heads[2 * i] + 0.5f * heads[2 * i + 1], 1e-5f * (1 + Math.abs(logit[i])),
                        "heads combine into the logit of candidate " + i);
        }
    }

    @Test
    void badRequestsFailNamingTheField() {
        try (Model model = new Model(Golden.modelDir()); Scorer scorer = new Scorer()) {
            assertTrue(failsWith(LprankException.NULL_POINTER,
                    () -> scorer.score(null, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, 0))
                    .contains("model"));
            // A null array is an empty one, so its length mismatches.
            assertTrue(failsWith(LprankException.LENGTH_MISMATCH,
                    () -> scorer.score(model, null, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, 0))
                    .contains("request_dense"));
            assertTrue(failsWith(LprankException.LENGTH_MISMATCH,
                    () -> scorer.score(model, REQUEST_DENSE, new long[] {1, 2}, ITEM_DENSE, ITEM_IDS, N, 0))
                    .contains("request_ids"));
            assertTrue(failsWith(LprankException.LENGTH_MISMATCH,
                    () -> scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N - 1, 0))
                    .contains("item_dense"));
            failsWith(LprankException.LENGTH_MISMATCH,
                    () -> scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, -1, 0));
            float[] nan = REQUEST_DENSE.clone();
            nan[0] = Float.NaN;
            assertTrue(failsWith(LprankException.INVALID_INPUT,
                    () -> scorer.score(model, nan, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, 0)).contains("user_activity"));
            long[] badIds = ITEM_IDS.clone();
            badIds[5 + 1] = -1; // read as unsigned: far past creator_group's 4 rows
            assertTrue(failsWith(LprankException.INVALID_INPUT,
                    () -> scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, badIds, N, 0))
                    .contains("creator_group"));
            assertTrue(failsWith(LprankException.INVALID_INPUT,
                    () -> scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, 3))
                    .contains("output"));
        }
    }

    @Test
    void oneModelServesThreadsEachWithItsOwnScorer() throws InterruptedException {
        try (Model model = new Model(Golden.modelDir()); Scorer scorer = new Scorer()) {
            float[] logit = scorer.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, Scorer.LOGIT);
            float[][] results = new float[4][];
            Thread[] threads = new Thread[results.length];
            for (int t = 0; t < threads.length; t++) {
                final int slot = t;
                threads[t] = new Thread(() -> {
                    try (Scorer local = new Scorer(Scorer.F32, Scorer.KERNELS_AUTO)) {
                        for (int k = 0; k < 20; k++)
                            results[slot] = local.score(model, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N,
                                    Scorer.LOGIT);
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) t.join();
            // A thread that failed leaves its slot null, which fails here too.
            for (float[] r : results) assertArrayEquals(logit, r, "threads agree");
        }
    }

    @Test
    void closedHandlesAreNullPointers() {
        Model closed = new Model(Golden.modelDir());
        closed.close();
        closed.close(); // idempotent
        try (Scorer scorer = new Scorer()) {
            failsWith(LprankException.NULL_POINTER,
                    () -> scorer.score(closed, REQUEST_DENSE, REQUEST_IDS, ITEM_DENSE, ITEM_IDS, N, 0));
        }
        Scorer closedScorer = new Scorer();
        closedScorer.close();
        failsWith(LprankException.NULL_POINTER, () -> closedScorer.score(null, null, null, null, null, 0, 0));
    }

    /**
     * Every golden request, every output and the head logits, within FORMAT.md §14's
     * tolerance of the JAX reference, on the best kernels and on the portable ones.
     */
    @ParameterizedTest
    @ValueSource(ints = {Scorer.KERNELS_AUTO, Scorer.KERNELS_PORTABLE})
    void f32ScoresMatchTheJaxReference(int kernels) throws IOException {
        checkGolden(Scorer.F32, kernels, Golden.F32_TOLERANCE);
    }

    /** The int8 path against the same f32 reference, within its own looser tolerance. */
    @ParameterizedTest
    @ValueSource(ints = {Scorer.KERNELS_AUTO, Scorer.KERNELS_PORTABLE})
    void int8ScoresStayCloseToTheJaxReference(int kernels) throws IOException {
        checkGolden(Scorer.INT8, kernels, Golden.INT8_TOLERANCE);
    }

    private static void checkGolden(int precision, int kernels, double tolerance) throws IOException {
        Golden golden = Golden.ofBundledModel();
        assertTrue(golden.requests >= 2 && golden.n >= 5, "a golden file of " + golden.requests + " × " + golden.n);
        try (Model model = new Model(Golden.modelDir()); Scorer scorer = new Scorer(precision, kernels)) {
            for (int r = 0; r < golden.requests; r++) {
                for (int o = Scorer.LOGIT; o <= Scorer.PROBABILITY; o++) {
                    float[] got = scorer.score(model, golden.requestDense(r), golden.requestIds(r),
                            golden.itemDense(r), golden.itemIds(r), golden.n, o);
                    double err = Golden.maxRelativeError(got, golden.output(r, o));
                    assertTrue(err <= tolerance, "request " + r + " output " + o + ": error " + err);
                    err = Golden.maxRelativeError(scorer.headLogits(model), golden.headLogits(r));
                    assertTrue(err <= tolerance, "request " + r + " head logits after output " + o + ": error " + err);
                }
            }
        }
    }

    /** So that the int8 test above measures the int8 path: its logits are not the f32 ones. */
    @Test
    void int8IsNotF32() throws IOException {
        Golden golden = Golden.ofBundledModel();
        try (Model model = new Model(Golden.modelDir()); Scorer f32 = new Scorer(Scorer.F32, Scorer.KERNELS_AUTO);
                Scorer int8 = new Scorer(Scorer.INT8, Scorer.KERNELS_AUTO)) {
            double err = 0;
            for (int r = 0; r < golden.requests; r++) {
                float[] a = f32.score(model, golden.requestDense(r), golden.requestIds(r), golden.itemDense(r),
                        golden.itemIds(r), golden.n, Scorer.LOGIT);
                float[] b = int8.score(model, golden.requestDense(r), golden.requestIds(r), golden.itemDense(r),
                        golden.itemIds(r), golden.n, Scorer.LOGIT);
                err = Math.max(err, Golden.maxRelativeError(b, a));
            }
            assertTrue(err > 1e-6, "int8 logits equal the f32 ones (" + err + "): is the precision passed on?");
        }
    }
}
