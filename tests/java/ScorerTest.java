import dev.lprank.LprankException;
import dev.lprank.Model;
import dev.lprank.Scorer;

import java.io.File;
import java.util.Arrays;
import java.util.Locale;
import java.util.Scanner;

/**
 * The Java scorer binding: every error status, a model shared by threads, and scores that
 * tests/bindings.rs compares with the Rust API (request file and output format of
 * tests/c/test_scorer.c).
 *
 * <pre>
 *   ScorerTest errors MODEL_DIR
 *   ScorerTest score MODEL_DIR FILE f32|int8
 * </pre>
 */
public final class ScorerTest {
    private static void errors(String dir) throws Exception {
        Checks.check(Checks.statusOf(() -> new Model("/nonexistent/model").close()) == LprankException.INVALID_INPUT
                && Checks.lastMessage.contains("config.json"), "bad model directory: " + Checks.lastMessage);
        Checks.check(Checks.statusOf(() -> new Model(null).close()) == LprankException.NULL_POINTER, "null directory");
        Checks.check(Checks.statusOf(() -> new Scorer(7, Scorer.KERNELS_AUTO).close()) == LprankException.INVALID_INPUT
                && Checks.lastMessage.contains("precision"), "unknown precision: " + Checks.lastMessage);
        Checks.check(Checks.statusOf(() -> new Scorer(Scorer.F32, -1).close()) == LprankException.INVALID_INPUT, "unknown tier");

        final int n = 3;
        float[] requestDense = {0.5f, 1.0f, 0.0f, 1.0f};
        long[] requestIds = {1, 2, 0};
        float[] itemDense = {0.1f, 0.2f, 0.3f, 0.4f, 1.5f, 0.5f, 0.5f, 0.2f, 3.0f, 0.0f, 0.9f, 0.05f};
        long[] itemIds = {0, 1, 2, 123456789, 987, 1, 2, 3, 42, 7, 4, 3, 23, 99999, 123456};
        try (Model model = new Model(dir); Scorer scorer = new Scorer()) {
            Checks.check(model.requestDenseWidth() == 4 && model.requestIdsWidth() == 3 && model.itemDenseWidth() == 4
                    && model.itemIdsWidth() == 5 && model.heads() == 2, "feed-dcn widths");
            Checks.check(Checks.statusOf(() -> scorer.headLogits(model)) == LprankException.NO_SOLUTION, "head logits too early");
            float[] logit = scorer.score(model, requestDense, requestIds, itemDense, itemIds, n, Scorer.LOGIT);
            float[] p = scorer.score(model, requestDense, requestIds, itemDense, itemIds, n, Scorer.PROBABILITY);
            Checks.check(logit.length == n && p.length == n, "n scores");
            for (float x : p) Checks.check(x >= 0 && x <= 1, "probability in [0, 1]");
            float[] into = new float[n];
            Arrays.fill(into, -7f);
            Checks.check(Checks.statusOf(() -> scorer.score(model, nan(requestDense), requestIds, itemDense, itemIds, Scorer.LOGIT,
                    into)) == LprankException.INVALID_INPUT, "NaN into a buffer");
            Checks.check(Arrays.equals(into, new float[] {-7f, -7f, -7f}), "a failed call leaves the buffer untouched");
            scorer.score(model, requestDense, requestIds, itemDense, itemIds, Scorer.PROBABILITY, into);
            Checks.check(Arrays.equals(into, p), "scores into a caller's buffer");
            float[] heads = scorer.headLogits(model);
            Checks.check(heads.length == 2 * n, "n × heads");
            for (int i = 0; i < n; i++)
                Checks.check(Math.abs(heads[2 * i] + 0.5f * heads[2 * i + 1] - logit[i]) < 1e-5f * (1 + Math.abs(logit[i])),
                        "heads combine into the logit");

            Checks.check(Checks.statusOf(() -> scorer.score(null, requestDense, requestIds, itemDense, itemIds, n, 0))
                    == LprankException.NULL_POINTER && Checks.lastMessage.contains("model"), "null model");
            Checks.check(Checks.statusOf(() -> scorer.score(model, null, requestIds, itemDense, itemIds, n, 0))
                    == LprankException.LENGTH_MISMATCH && Checks.lastMessage.contains("request_dense"),
                    "null array: empty, so the length mismatches: " + Checks.lastMessage);
            Checks.check(Checks.statusOf(() -> scorer.score(model, requestDense, new long[] {1, 2}, itemDense, itemIds, n, 0))
                    == LprankException.LENGTH_MISMATCH && Checks.lastMessage.contains("request_ids"), "request_ids length");
            Checks.check(Checks.statusOf(() -> scorer.score(model, requestDense, requestIds, itemDense, itemIds, n - 1, 0))
                    == LprankException.LENGTH_MISMATCH && Checks.lastMessage.contains("item_dense"), "n vs item rows");
            Checks.check(Checks.statusOf(() -> scorer.score(model, requestDense, requestIds, itemDense, itemIds, -1, 0))
                    == LprankException.LENGTH_MISMATCH, "negative n");
            float[] nan = requestDense.clone();
            nan[0] = Float.NaN;
            Checks.check(Checks.statusOf(() -> scorer.score(model, nan, requestIds, itemDense, itemIds, n, 0))
                    == LprankException.INVALID_INPUT && Checks.lastMessage.contains("user_activity"), "NaN: " + Checks.lastMessage);
            long[] badIds = itemIds.clone();
            badIds[5 + 1] = -1; /* unsigned: far past creator_group's 4 rows */
            Checks.check(Checks.statusOf(() -> scorer.score(model, requestDense, requestIds, itemDense, badIds, n, 0))
                    == LprankException.INVALID_INPUT && Checks.lastMessage.contains("creator_group"), "id: " + Checks.lastMessage);
            Checks.check(Checks.statusOf(() -> scorer.score(model, requestDense, requestIds, itemDense, itemIds, n, 3))
                    == LprankException.INVALID_INPUT && Checks.lastMessage.contains("output"), "unknown output");

            // One model, several threads, each with its own scorer: the same scores.
            float[][] results = new float[4][];
            Thread[] threads = new Thread[results.length];
            for (int t = 0; t < threads.length; t++) {
                final int slot = t;
                threads[t] = new Thread(() -> {
                    try (Scorer local = new Scorer(Scorer.F32, Scorer.KERNELS_AUTO)) {
                        for (int k = 0; k < 20; k++)
                            results[slot] = local.score(model, requestDense, requestIds, itemDense, itemIds, n,
                                    Scorer.LOGIT);
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) t.join();
            for (float[] r : results) Checks.check(Arrays.equals(r, logit), "threads agree");

            Model closed = new Model(dir);
            closed.close();
            closed.close(); /* idempotent */
            Checks.check(Checks.statusOf(() -> scorer.score(closed, requestDense, requestIds, itemDense, itemIds, n, 0))
                    == LprankException.NULL_POINTER, "closed model");
        }
        Scorer closed = new Scorer();
        closed.close();
        Checks.check(Checks.statusOf(() -> closed.score(null, null, null, null, null, 0, 0)) == LprankException.NULL_POINTER,
                "closed scorer");
    }

    private static void scoreFile(String dir, String path, String precision) throws Exception {
        Scanner in = new Scanner(new File(path)).useLocale(Locale.ROOT);
        int requests = in.nextInt(), n = in.nextInt(), dr = in.nextInt(), sr = in.nextInt(), di = in.nextInt(),
                si = in.nextInt();
        StringBuilder out = new StringBuilder();
        try (Model model = new Model(dir);
                Scorer scorer = new Scorer(precision.equals("int8") ? Scorer.INT8 : Scorer.F32, Scorer.KERNELS_AUTO)) {
            for (int r = 0; r < requests; r++) {
                float[] rd = TestInput.floats(in, dr);
                long[] rs = TestInput.ids(in, sr);
                float[] id = TestInput.floats(in, n * di);
                long[] is = TestInput.ids(in, n * si);
                for (int o = Scorer.LOGIT; o <= Scorer.PROBABILITY; o++) {
                    float[] s = scorer.score(model, rd, rs, id, is, n, o);
                    out.append("scores ").append(r).append(' ').append(o);
                    for (float x : s) out.append(' ').append(x);
                    out.append('\n');
                }
                out.append("heads ").append(r).append(" 0");
                for (float x : scorer.headLogits(model)) out.append(' ').append(x);
                out.append('\n');
            }
        }
        System.out.print(out);
    }

    private static float[] nan(float[] values) {
        float[] v = values.clone();
        v[0] = Float.NaN;
        return v;
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("errors")) {
            errors(args[1]);
            Checks.finish();
        } else if (args.length >= 4 && args[0].equals("score")) {
            scoreFile(args[1], args[2], args[3]);
        } else {
            System.err.println("usage: ScorerTest errors MODEL_DIR | score MODEL_DIR FILE f32|int8");
            System.exit(2);
        }
    }
}
