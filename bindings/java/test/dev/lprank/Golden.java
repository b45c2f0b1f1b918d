package dev.lprank;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A model's golden.safetensors (ranking-models/FORMAT.md §11): R requests of N candidates
 * with the outputs the JAX reference computed for them, the scorer's oracle independent of
 * lprank. Safetensors is an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data.
 */
final class Golden {
    final int requests, n, requestDenseWidth, requestIdsWidth, itemDenseWidth, itemIdsWidth, heads;
    private final float[] requestDense, itemDense, headLogits, logit, calibratedLogit, probability;
    private final long[] requestIds, itemIds;

    /** FORMAT.md §14: |got − want| ≤ 1e-5 · max(1, |want|) for the f32 forward pass. */
    static final double F32_TOLERANCE = 1e-5;
    /**
     * The int8 path's own tolerance on the trained feed-dcn model under the same measure, the
     * one tests/scorer_int8.rs holds it to: measured at most 5.6e-2 on the calibrated logit
     * with 7-bit activations (2.3e-2 with the 8-bit ones before them; a row with both signs
     * gets at most twice the step, so each layer's error bound at most doubles).
     */
    static final double INT8_TOLERANCE = 0.06;

    private Golden(ByteBuffer data, JsonNode header) {
        logit = floats(data, header, "logit");
        int[] shape = shape(header, "logit");
        requests = shape[0];
        n = shape[1];
        requestDense = floats(data, header, "request_dense");
        requestIds = longs(data, header, "request_ids");
        itemDense = floats(data, header, "item_dense");
        itemIds = longs(data, header, "item_ids");
        headLogits = floats(data, header, "head_logits");
        calibratedLogit = floats(data, header, "calibrated_logit");
        probability = floats(data, header, "probability");
        requestDenseWidth = shape(header, "request_dense")[1];
        requestIdsWidth = shape(header, "request_ids")[1];
        itemDenseWidth = shape(header, "item_dense")[2];
        itemIdsWidth = shape(header, "item_ids")[2];
        heads = shape(header, "head_logits")[2];
    }

    /** The golden file of the model directory surefire names in lprank.model.dir. */
    static Golden ofBundledModel() throws IOException {
        return read(Path.of(modelDir(), "golden.safetensors"));
    }

    /** The bundled model's directory; a test that needs it fails without it. */
    static String modelDir() {
        String dir = System.getProperty("lprank.model.dir");
        if (dir == null) throw new AssertionError("surefire sets lprank.model.dir (see pom.xml)");
        if (!Files.isDirectory(Path.of(dir))) throw new AssertionError(dir + " is not a directory");
        return dir;
    }

    static Golden read(Path path) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Math.toIntExact(bytes.getLong(0));
        JsonNode header = new ObjectMapper().readTree(new String(bytes.array(), 8, headerLength,
                java.nio.charset.StandardCharsets.UTF_8));
        ByteBuffer data = bytes.slice(8 + headerLength, bytes.capacity() - 8 - headerLength)
                .order(ByteOrder.LITTLE_ENDIAN);
        return new Golden(data, header);
    }

    private static JsonNode tensor(JsonNode header, String name) {
        JsonNode t = header.get(name);
        if (t == null) throw new AssertionError("golden file without " + name);
        return t;
    }

    private static int[] shape(JsonNode header, String name) {
        JsonNode s = tensor(header, name).get("shape");
        int[] shape = new int[s.size()];
        for (int k = 0; k < shape.length; k++) shape[k] = s.get(k).asInt();
        return shape;
    }

    private static ByteBuffer bytes(ByteBuffer data, JsonNode header, String name, String dtype, int size) {
        JsonNode t = tensor(header, name);
        if (!t.get("dtype").asText().equals(dtype)) throw new AssertionError(name + ": dtype " + t.get("dtype"));
        int begin = t.get("data_offsets").get(0).asInt(), end = t.get("data_offsets").get(1).asInt();
        int count = 1;
        for (int d : shape(header, name)) count *= d;
        if (end - begin != count * size) throw new AssertionError(name + ": " + (end - begin) + " bytes for " + count);
        return data.slice(begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static float[] floats(ByteBuffer data, JsonNode header, String name) {
        ByteBuffer b = bytes(data, header, name, "F32", 4);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    private static long[] longs(ByteBuffer data, JsonNode header, String name) {
        ByteBuffer b = bytes(data, header, name, "I64", 8);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }

    private static float[] rows(float[] all, int r, int perRequest) {
        return Arrays.copyOfRange(all, r * perRequest, (r + 1) * perRequest);
    }

    private static long[] rows(long[] all, int r, int perRequest) {
        return Arrays.copyOfRange(all, r * perRequest, (r + 1) * perRequest);
    }

    float[] requestDense(int r) {
        return rows(requestDense, r, requestDenseWidth);
    }

    long[] requestIds(int r) {
        return rows(requestIds, r, requestIdsWidth);
    }

    float[] itemDense(int r) {
        return rows(itemDense, r, n * itemDenseWidth);
    }

    long[] itemIds(int r) {
        return rows(itemIds, r, n * itemIdsWidth);
    }

    /** Request r's reference values of a {@code Scorer} output constant. */
    float[] output(int r, int output) {
        float[] all = output == Scorer.LOGIT ? logit : output == Scorer.CALIBRATED_LOGIT ? calibratedLogit
                : output == Scorer.PROBABILITY ? probability : null;
        if (all == null) throw new IllegalArgumentException("output " + output);
        return rows(all, r, n);
    }

    /** Request r's head logits, candidate by candidate (n × heads). */
    float[] headLogits(int r) {
        return rows(headLogits, r, n * heads);
    }

    /** FORMAT.md §14's measure: the largest |got − want| / max(1, |want|). */
    static double maxRelativeError(float[] got, float[] want) {
        if (got.length != want.length) throw new AssertionError(got.length + " values, want " + want.length);
        double worst = 0;
        for (int i = 0; i < got.length; i++)
            worst = Math.max(worst, Math.abs((double) got[i] - want[i]) / Math.max(1, Math.abs((double) want[i])));
        return worst;
    }

    static double maxRelativeError(double[] got, float[] want) {
        if (got.length != want.length) throw new AssertionError(got.length + " values, want " + want.length);
        double worst = 0;
        for (int i = 0; i < got.length; i++)
            worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs((double) want[i])));
        return worst;
    }
}
