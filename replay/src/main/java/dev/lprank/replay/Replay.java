package dev.lprank.replay;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.Encoders;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;

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

    /** Replays the log on Spark; prints the summary and the time. */
    static void run(SparkSession spark, String log, String modelDir, String out) {
        int cores = spark.sparkContext().defaultParallelism();
        Dataset<Row> requests = spark.read().parquet(log).repartition(cores).cache();
        long count = requests.count();
        Timed<List<Row>> t = timed(() -> replay(requests, modelDir, out));
        requests.unpersist();
        System.out.printf("spark (%s, %d cores): %d requests in %.2f s = %.1f requests/s per core%n",
                spark.sparkContext().master(), cores, count, t.seconds(), count / t.seconds() / cores);
        System.out.print(Summary.of(t.value()).table());
    }

    /**
     * The replay proper: every request through the three policies, one Policies per partition,
     * the outcomes streamed to Parquet at {@code out} as they are made; then the summary's
     * columns of them ({@link Summary#COLUMNS}) read back for the driver.
     */
    static List<Row> replay(Dataset<Row> requests, String modelDir, String out) {
        LongAccumulator busy = requests.sparkSession().sparkContext().longAccumulator("policies' nanoseconds");
        MapPartitionsFunction<Row, Row> replay = rows -> {
            Policies policies = new Policies(modelDir);
            TaskContext.get().addTaskCompletionListener((TaskCompletionListener) context -> {
                busy.add(policies.busyNanos());
                policies.close();
            });
            // A request's three outcomes at a time: the partition's outcomes are never all held.
            return new Iterator<Row>() {
                private Iterator<Row> current = Collections.emptyIterator();

                @Override
                public boolean hasNext() {
                    while (!current.hasNext() && rows.hasNext()) current = policies.evaluate(rows.next()).iterator();
                    return current.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    return current.next();
                }
            };
        };
        requests.mapPartitions(replay, Encoders.row(Policies.OUTCOME)).write().mode("overwrite").parquet(out);
        // With the schema given, reading back needs no job of its own to infer it from the footers.
        List<Row> rows = requests.sparkSession().read().schema(Policies.OUTCOME).parquet(out).select(Summary.COLUMNS[0],
                Arrays.copyOfRange(Summary.COLUMNS, 1, Summary.COLUMNS.length)).collectAsList();
        lastBusyNanos = busy.value();
        return rows;
    }

    /** Nanoseconds the policies took (Policies.busyNanos) over every partition or in the loop, in the last {@link #replay} or {@link #loop}. */
    private static long lastBusyNanos;

    /** The same requests in a plain loop in this process, one Policies: the outcome rows. */
    static List<Row> loop(List<Row> requests, String modelDir) {
        List<Row> local = new ArrayList<>(3 * requests.size());
        try (Policies policies = new Policies(modelDir)) {
            for (Row request : requests) local.addAll(policies.evaluate(request));
            lastBusyNanos = policies.busyNanos();
        }
        return local;
    }

    /** A value with the wall-clock and the process CPU time (every thread: Spark's, the JIT's, the GC's) it took. */
    record Timed<T>(T value, double seconds, double cpuSeconds) {}

    static <T> Timed<T> timed(Supplier<T> work) {
        long cpu = cpuNanos(), start = System.nanoTime();
        T value = work.get();
        return new Timed<>(value, (System.nanoTime() - start) / 1e9, (cpuNanos() - cpu) / 1e9);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * The log replayed on Spark and the same requests in a plain loop in this process; the
     * summaries must agree. Throughputs are steady-state and fair to both sides: the requests are read and
     * cached (Spark) or collected (the loop) before any clock, the Spark job runs once
     * untimed first (both sides then run JIT-compiled policy code), and then
     * {@code -Dreplay.rounds=R} rounds (default 1) each time one Spark replay and one loop,
     * interleaved so that load from elsewhere on the machine falls on both. Each side's time is
     * the whole of its work: Spark's from the job's start through writing the outcomes and
     * bringing them to the driver; the loop's ranking every request and keeping its outcome
     * rows. Medians over the rounds are reported, by wall clock (Spark per core) and by the
     * process's CPU time (every thread, so Spark's own threads, the JIT and the GC count),
     * and, as a steadier figure on a busy machine, Spark's wall clock beside the time its own
     * policies took inside it (the same measure of the same work in both: Policies.busyNanos).
     */
    static void check(SparkSession spark, String log, String modelDir, String out) {
        int rounds = Integer.getInteger("replay.rounds", 1);
        int cores = spark.sparkContext().defaultParallelism();
        // One partition per core, the requests read and cached before the clock starts; both
        // sides hold the log in memory throughout (Spark's cache and the loop's rows).
        Dataset<Row> cached = spark.read().parquet(log).repartition(cores).cache();
        long count = cached.count();
        List<Row> requests = spark.read().parquet(log).collectAsList();
        replay(cached, modelDir, out);
        double[] sparkWall = new double[rounds], sparkCpu = new double[rounds], loopWall = new double[rounds],
                loopCpu = new double[rounds], sparkBusy = new double[rounds], loopBusy = new double[rounds];
        List<Row> sparkRows = null, localRows = null;
        for (int r = 0; r < rounds; r++) {
            Profiler.start();
            Timed<List<Row>> s = timed(() -> replay(cached, modelDir, out));
            Profiler.stop("spark");
            sparkBusy[r] = lastBusyNanos / 1e9 / count;
            Profiler.start();
            Timed<List<Row>> l = timed(() -> loop(requests, modelDir));
            Profiler.stop("loop");
            loopBusy[r] = lastBusyNanos / 1e9 / requests.size();
            sparkRows = s.value();
            localRows = l.value();
            // Per request: Spark's wall time per core, and each side's CPU time.
            sparkWall[r] = s.seconds() * cores / count;
            sparkCpu[r] = s.cpuSeconds() / count;
            loopWall[r] = l.seconds() / requests.size();
            loopCpu[r] = l.cpuSeconds() / requests.size();
            if (rounds > 1)
                System.out.printf("round %d, per request: spark %.1f us wall per core (policies %.1f), %.1f us CPU; "
                        + "loop %.1f us wall (policies %.1f), %.1f us CPU: %+.1f%% wall, %+.1f%% CPU, "
                        + "%+.1f%% Spark beside its policies%n", r + 1, 1e6 * sparkWall[r], 1e6 * sparkBusy[r],
                        1e6 * sparkCpu[r], 1e6 * loopWall[r], 1e6 * loopBusy[r], 1e6 * loopCpu[r],
                        100 * (sparkWall[r] / loopWall[r] - 1), 100 * (sparkCpu[r] / loopCpu[r] - 1),
                        100 * (sparkWall[r] / sparkBusy[r] - 1));
        }
        cached.unpersist();
        double sw = median(sparkWall), sc = median(sparkCpu), lw = median(loopWall), lc = median(loopCpu);
        String of = rounds > 1 ? " (median of " + rounds + " rounds)" : "";
        System.out.printf("spark (%s, %d cores): %d requests, %.1f requests/s per core, %.1f us CPU per request%s%n",
                spark.sparkContext().master(), cores, count, 1 / sw, 1e6 * sc, of);
        System.out.print(Summary.of(sparkRows).table());
        System.out.printf("single process (1 core): %d requests, %.1f requests/s, %.1f us CPU per request%s%n",
                requests.size(), 1 / lw, 1e6 * lc, of);
        System.out.printf("Spark's cost per request beyond the single-process loop: %+.1f%% wall clock per core, "
                + "%+.1f%% CPU%n", 100 * (sw / lw - 1), 100 * (sc / lc - 1));
        System.out.printf("Spark's wall clock per core beyond its own time in the policies: %+.1f%% (policies: %.1f us "
                + "per request in Spark, %.1f in the loop)%n", 100 * (sw / median(sparkBusy) - 1), 1e6 * median(sparkBusy),
                1e6 * median(loopBusy));
        Summary a = Summary.of(sparkRows), b = Summary.ofOutcomes(localRows);
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

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Optional CPU profiles of the timed sides with async-profiler, which this module does not
     * ship: {@code -Dreplay.asyncProfiler=/path/libasyncProfiler.so} with its jar's classes on
     * the class path ({@code REPLAY_CLASSPATH} in run.sh) writes collapsed stacks per thread of
     * the last round to {@code replay.profile}{@code .spark.collapsed} and {@code .loop.collapsed}
     * ({@code -Dreplay.profile=PREFIX}, default {@code /tmp/replay}); {@code -Dreplay.profileEvent}
     * picks the event (default {@code cpu,interval=1ms}; e.g. {@code alloc}).
     */
    private static final class Profiler {
        private static final String LIBRARY = System.getProperty("replay.asyncProfiler");

        static void start() {
            execute("start,event=" + System.getProperty("replay.profileEvent", "cpu,interval=1ms") + ",threads");
        }

        static void stop(String side) {
            execute("stop,collapsed,file=" + System.getProperty("replay.profile", "/tmp/replay") + "." + side + ".collapsed");
        }

        private static void execute(String command) {
            if (LIBRARY == null) return;
            try {
                Class<?> c = Class.forName("one.profiler.AsyncProfiler");
                Object profiler = c.getMethod("getInstance", String.class).invoke(null, LIBRARY);
                c.getMethod("execute", String.class).invoke(profiler, command);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("async-profiler: " + command, e);
            }
        }
    }
}
