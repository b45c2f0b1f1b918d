package dev.lprank.replay;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The logged-request schema (see replay/README.md) and a generator of synthetic feed logs
 * for the bundled feed-dcn model: random features, and feed rules over item kinds (kind =
 * index mod 4: job posts, fresh posts, creators' posts, others) like the demo's feed.
 */
public final class FeedLog {
    private FeedLog() {}

    /** One rule: its name, member items, profile (0 whole slate, 1 top, 2 exposure), depth and bounds (null: none). */
    public static final StructType RULE = new StructType(new StructField[] {
        DataTypes.createStructField("name", DataTypes.StringType, false),
        DataTypes.createStructField("items", DataTypes.createArrayType(DataTypes.LongType, false), false),
        DataTypes.createStructField("profile", DataTypes.IntegerType, false),
        DataTypes.createStructField("top", DataTypes.IntegerType, false),
        DataTypes.createStructField("max", DataTypes.DoubleType, true),
        DataTypes.createStructField("min", DataTypes.DoubleType, true),
    });

    /** One logged request: the model's features for its candidates, the slate size and the rules in force. */
    public static final StructType REQUEST = new StructType(new StructField[] {
        DataTypes.createStructField("request_id", DataTypes.LongType, false),
        DataTypes.createStructField("candidates", DataTypes.IntegerType, false),
        DataTypes.createStructField("slots", DataTypes.IntegerType, false),
        // Features as packed little-endian f32 / i64: a log of millions of requests decodes them
        // as one copy each, where array columns box every value (measured with `check` on
        // local[1], 10,000 requests: Spark's cost per request beyond a plain loop, 22% → 17%).
        DataTypes.createStructField("request_dense", DataTypes.BinaryType, false),
        DataTypes.createStructField("request_ids", DataTypes.BinaryType, false),
        DataTypes.createStructField("item_dense", DataTypes.BinaryType, false),
        DataTypes.createStructField("item_ids", DataTypes.BinaryType, false),
        DataTypes.createStructField("rules", DataTypes.createArrayType(RULE, false), false),
    });

    /** Writes {@code count} requests of {@code candidates} candidates and {@code slots} slots to Parquet at {@code path}. */
    public static void generate(SparkSession spark, String path, int count, int candidates, int slots, long seed) {
        List<Row> rows = new ArrayList<>(count);
        for (int r = 0; r < count; r++) rows.add(request(r, candidates, slots, new Random(seed * 1_000_003L + r)));
        spark.createDataFrame(rows, REQUEST).write().mode("overwrite").parquet(path);
    }

    static Row request(long id, int n, int slots, Random random) {
        // feed-dcn's input widths: 4 request dense values, 3 request ids, 4 item dense, 5 item ids.
        float[] requestDense = new float[4];
        long[] requestIds = new long[3];
        float[] itemDense = new float[4 * n];
        long[] itemIds = new long[5 * n];
        for (int i = 0; i < requestDense.length; i++) requestDense[i] = random.nextFloat();
        for (int i = 0; i < requestIds.length; i++) requestIds[i] = (long) random.nextInt(3);
        for (int i = 0; i < itemDense.length; i++) itemDense[i] = random.nextFloat();
        for (int i = 0; i < itemIds.length; i++) itemIds[i] = (long) random.nextInt(4);
        double exposure = 0;
        for (int j = 0; j < Math.min(slots, n); j++) exposure += 1.0 / (Math.log(j + 2.0) / Math.log(2.0));
        List<Row> rules = new ArrayList<>();
        rules.add(RowFactory.create("jobs_top5", kind(n, 0), 1, 5, 1.0, null));
        rules.add(RowFactory.create("fresh_exposure", kind(n, 1), 2, 0, null, 0.25 * exposure));
        rules.add(RowFactory.create("creators_top10", kind(n, 2), 1, 10, null, 2.0));
        return RowFactory.create(id, n, slots, pack(requestDense), pack(requestIds), pack(itemDense), pack(itemIds),
                rules);
    }

    /** Little-endian f32 values. */
    static byte[] pack(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    /** Little-endian i64 values. */
    static byte[] pack(long[] values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return b.array();
    }

    static float[] floats(byte[] packed) {
        float[] out = new float[packed.length / 4];
        ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    static long[] longs(byte[] packed) {
        long[] out = new long[packed.length / 8];
        ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    private static List<Long> kind(int n, int kind) {
        List<Long> items = new ArrayList<>();
        for (long i = kind; i < n; i += 4) items.add(i);
        return items;
    }
}
