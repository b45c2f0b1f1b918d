package dev.lprank.replay;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.Encoders;

/**
 * Offline replay of logged feed requests through three policies (the LP, the greedy
 * baseline, the unconstrained sort) on Spark, one {@link Policies} (Ranker + Greedy) per
 * partition. See replay/README.md.
 *
 * <pre>
 *   generate LOG COUNT [CANDIDATES SLOTS SEED]     write a synthetic log as Parquet
 *   run LOG MODEL_DIR OUT                          replay on Spark, write outcomes, print the summary
 *   check LOG MODEL_DIR OUT                        run, then the same requests in one process: the
 *                                                  summaries must agree; prints both throughputs
 * </pre>
 * The master is {@code spark.master} (default {@code local[2]}).
 */
public final class Replay {
    private Replay() {}

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: generate LOG COUNT [CANDIDATES SLOTS SEED] | run LOG MODEL_DIR OUT | check LOG MODEL_DIR OUT");
            System.exit(2);
        }
        SparkSession spark = SparkSession.builder()
                .appName("lprank-replay")
                .master(System.getProperty("spark.master", "local[2]"))
                .config("spark.ui.enabled", "false")
                // Local mode talks only to itself: keep every socket on the loopback.
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            switch (args[0]) {
                case "generate" -> {
                    int count = Integer.parseInt(args[2]);
                    int candidates = args.length > 3 ? Integer.parseInt(args[3]) : 200;
                    int slots = args.length > 4 ? Integer.parseInt(args[4]) : 20;
                    long seed = args.length > 5 ? Long.parseLong(args[5]) : 1;
                    FeedLog.generate(spark, args[1], count, candidates, slots, seed);
                    System.out.printf("wrote %d requests of %d candidates and %d slots to %s%n", count, candidates, slots, args[1]);
                }
                case "run" -> run(spark, args[1], args[2], args[3]);
                case "check" -> check(spark, args[1], args[2], args[3]);
                default -> {
                    System.err.println("unknown command " + args[0]);
                    System.exit(2);
                }
            }
        } finally {
            spark.stop();
        }
    }

    /** Replays the log on Spark; returns the outcome rows and prints the summary and the time. */
    static List<Row> run(SparkSession spark, String log, String modelDir, String out) {
        return run(spark, log, modelDir, out, true);
    }

    private static List<Row> run(SparkSession spark, String log, String modelDir, String out, boolean print) {
        int cores = spark.sparkContext().defaultParallelism();
        // One partition per core, the requests read and cached before the clock starts.
        Dataset<Row> requests = spark.read().parquet(log).repartition(cores).cache();
        long count = requests.count();
        long start = System.nanoTime();
        MapPartitionsFunction<Row, Row> replay = rows -> {
            List<Row> outcomes = new ArrayList<>();
            try (Policies policies = new Policies(modelDir)) {
                while (rows.hasNext()) outcomes.addAll(policies.evaluate(rows.next()));
            }
            return outcomes.iterator();
        };
        Dataset<Row> outcomes = requests.mapPartitions(replay, Encoders.row(Policies.OUTCOME)).cache();
        outcomes.write().mode("overwrite").parquet(out);
        List<Row> rows = outcomes.collectAsList();
        double seconds = (System.nanoTime() - start) / 1e9;
        requests.unpersist();
        outcomes.unpersist();
        lastPerCore = count / seconds / cores;
        if (print) {
            System.out.printf("spark (%s, %d cores): %d requests in %.2f s = %.1f requests/s per core%n",
                    spark.sparkContext().master(), cores, count, seconds, lastPerCore);
            System.out.print(Summary.of(rows).table());
        }
        return rows;
    }

    /** Requests per second per core of the last {@link #run}. */
    private static double lastPerCore;

    /**
     * {@link #run}, then the same requests in a plain loop in this process; the summaries must
     * agree. The throughputs compared are steady-state: the Spark job runs once untimed
     * first (so that both sides run JIT-compiled code), and each side times only ranking the
     * requests it already holds (Spark: through writing and collecting the outcomes).
     */
    static void check(SparkSession spark, String log, String modelDir, String out) {
        run(spark, log, modelDir, out, false);
        List<Row> sparkRows = run(spark, log, modelDir, out, true);
        double sparkPerCore = lastPerCore;
        List<Row> requests = spark.read().parquet(log).collectAsList();
        List<Row> local = new ArrayList<>(3 * requests.size());
        long start = System.nanoTime();
        try (Policies policies = new Policies(modelDir)) {
            for (Iterator<Row> it = requests.iterator(); it.hasNext();) local.addAll(policies.evaluate(it.next()));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double single = requests.size() / seconds;
        System.out.printf("single process (1 core): %d requests in %.2f s = %.1f requests/s%n", requests.size(), seconds,
                single);
        System.out.printf("Spark's cost per request beyond the single-process loop: %+.1f%%%n",
                100 * (single / sparkPerCore - 1));
        Summary a = Summary.of(sparkRows), b = Summary.of(local);
        if (!a.sameOutcomes(b)) {
            System.out.print("single-process summary differs:\n" + b.table());
            System.exit(1);
        }
        Summary.Line lp = a.lines.get(0);
        if (lp.requestsBreaking() != 0) {
            System.out.println("the LP broke a hard rule in expectation on " + lp.requestsBreaking() + " requests");
            System.exit(1);
        }
        System.out.println("check: the Spark and single-process summaries agree; the LP meets every hard rule in expectation");
    }
}
