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

    /** Replays the log on Spark; prints the summary and the time (reading the log included). */
    static void run(SparkSession spark, String log, String modelDir, String out) {
        int cores = spark.sparkContext().defaultParallelism();
        Dataset<Row> read = spark.read().parquet(log);
        // At least a partition per core; no shuffle when the log's files give that already.
        Dataset<Row> requests = read.rdd().getNumPartitions() < cores ? read.repartition(cores) : read;
        Timed<List<Row>> t = timed(() -> replay(requests, modelDir, out));
        long count = t.value().size() / 3;
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
        LongAccumulator inTasks = requests.sparkSession().sparkContext().longAccumulator("tasks' nanoseconds");
        MapPartitionsFunction<Row, Row> replay = rows -> {
            long begin = System.nanoTime();
            Policies policies = new Policies(modelDir);
            TaskContext.get().addTaskCompletionListener((TaskCompletionListener) context -> {
                policies.close();
                busy.add(policies.busyNanos());
                inTasks.add(System.nanoTime() - begin);
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
        lastTaskNanos = inTasks.value();
        return rows;
    }

    /** Nanoseconds the policies took (Policies.busyNanos) over every partition or in the loop, in the last {@link #replay} or {@link #loop}. */
    private static long lastBusyNanos;

    /** Nanoseconds Spark's tasks took over every partition (from building their Policies to the task's end), in the last {@link #replay}. */
    private static long lastTaskNanos;

    /**
     * The same requests in plain loops in this process: {@code threads} threads, each with its
     * own Policies and a contiguous share of the requests (as Spark's partitions); the outcome rows.
     */
    static List<Row> loop(List<Row> requests, String modelDir, int threads) {
        List<List<Row>> outcomes = new ArrayList<>(Collections.nCopies(threads, null));
        long[] busy = new long[threads];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int part = t;
            List<Row> share = requests.subList(part * requests.size() / threads, (part + 1) * requests.size() / threads);
            workers[t] = new Thread(() -> {
                List<Row> local = new ArrayList<>(3 * share.size());
                try (Policies policies = new Policies(modelDir)) {
                    for (Row request : share) local.addAll(policies.evaluate(request));
                    busy[part] = policies.busyNanos();
                }
                outcomes.set(part, local);
            }, "loop-" + part);
        }
        if (threads == 1) workers[0].run();  // on this thread, as a plain loop would be
        else {
            for (Thread w : workers) w.start();
            for (Thread w : workers) {
                try {
                    w.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        List<Row> all = new ArrayList<>(3 * requests.size());
        lastBusyNanos = 0;
        for (int t = 0; t < threads; t++) {
            if (outcomes.get(t) == null) throw new IllegalStateException("loop thread " + t + " failed");
            all.addAll(outcomes.get(t));
            lastBusyNanos += busy[t];
        }
        return all;
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

    /** Per-request figures of one side over the rounds: wall clock per core, process CPU, time in the policies. */
    private static final class Side {
        final String name;
        final double[] wall, cpu, busy, tasks;

        Side(String name, int rounds) {
            this.name = name;
            wall = new double[rounds];
            cpu = new double[rounds];
            busy = new double[rounds];
            tasks = new double[rounds];
        }

        void record(int round, Timed<?> t, int threads, long requests, long taskNanos) {
            wall[round] = t.seconds() * threads / requests;
            cpu[round] = t.cpuSeconds() / requests;
            busy[round] = lastBusyNanos / 1e9 / requests;
            tasks[round] = taskNanos / 1e9 / requests;
        }

        String line(int round) {
            return String.format("%s %.1f us wall per core (%spolicies %.1f), %.1f us CPU", name, 1e6 * wall[round],
                    tasks[round] > 0 ? String.format("tasks %.1f, ", 1e6 * tasks[round]) : "", 1e6 * busy[round],
                    1e6 * cpu[round]);
        }
    }

    /**
     * The log replayed on Spark and the same requests in plain loops in this process; the
     * summaries must agree. Throughputs are steady-state and fair to both sides: the requests
     * are read and cached (Spark) or collected (the loops) before any clock, and both sides
     * hold the log in memory throughout; the Spark job runs once untimed first (both sides then
     * run JIT-compiled policy code); then {@code -Dreplay.rounds=R} rounds (default 1), each one
     * Spark replay and the loops, interleaved so that load from elsewhere on the machine falls
     * on both. Each side's time is the whole of its work: Spark's from the job's start through
     * writing the outcomes and reading their summary columns back; a loop's from building its
     * Policies through keeping every outcome row. The loop runs on one thread and, when Spark
     * has more than one core, also on as many threads as Spark has cores (so that both share
     * the machine alike). Medians over the rounds are reported, by wall clock per core and by
     * the process's CPU time (every thread, so Spark's own threads, the JIT and the GC count),
     * and Spark's wall clock beside the time its own policies took inside it (the same measure
     * of the same work on both sides: Policies.busyNanos), which needs no second run and so is
     * the steadiest figure on a busy machine.
     */
    static void check(SparkSession spark, String log, String modelDir, String out) {
        int rounds = Integer.getInteger("replay.rounds", 1);
        int cores = spark.sparkContext().defaultParallelism();
        // One partition per core, the requests read and cached before the clock starts.
        Dataset<Row> cached = spark.read().parquet(log).repartition(cores).cache();
        long count = cached.count();
        List<Row> requests = spark.read().parquet(log).collectAsList();
        replay(cached, modelDir, out);
        Side sparkSide = new Side("spark", rounds), loop = new Side("loop", rounds),
                parallel = cores > 1 ? new Side(cores + " loops", rounds) : null;
        List<Row> sparkRows = null, localRows = null;
        for (int r = 0; r < rounds; r++) {
            Profiler.start();
            Timed<List<Row>> s = timed(() -> replay(cached, modelDir, out));
            Profiler.stop("spark");
            sparkSide.record(r, s, cores, count, lastTaskNanos);
            sparkRows = s.value();
            Profiler.start();
            Timed<List<Row>> l = timed(() -> loop(requests, modelDir, 1));
            Profiler.stop("loop");
            loop.record(r, l, 1, requests.size(), 0);
            localRows = l.value();
            if (parallel != null) {
                Timed<List<Row>> p = timed(() -> loop(requests, modelDir, cores));
                parallel.record(r, p, cores, requests.size(), 0);
                if (!Summary.ofOutcomes(p.value()).sameOutcomes(Summary.ofOutcomes(localRows))) {
                    System.out.println("the loops on one and on " + cores + " threads disagree");
                    System.exit(1);
                }
            }
            if (rounds > 1)
                System.out.printf("round %d, per request: %s; %s%s%n", r + 1, sparkSide.line(r), loop.line(r),
                        parallel == null ? "" : "; " + parallel.line(r));
        }
        cached.unpersist();
        String of = rounds > 1 ? " (medians of " + rounds + " rounds)" : "";
        double sw = median(sparkSide.wall), sc = median(sparkSide.cpu), sb = median(sparkSide.busy);
        System.out.printf("spark (%s, %d cores): %d requests, %.1f requests/s per core, %.1f us CPU per request%s%n",
                spark.sparkContext().master(), cores, count, 1 / sw, 1e6 * sc, of);
        System.out.print(Summary.of(sparkRows).table());
        System.out.printf("single process (1 thread): %d requests, %.1f requests/s, %.1f us CPU per request%n",
                requests.size(), 1 / median(loop.wall), 1e6 * median(loop.cpu));
        if (parallel != null)
            System.out.printf("single process (%d threads): %.1f requests/s per core, %.1f us CPU per request%n", cores,
                    1 / median(parallel.wall), 1e6 * median(parallel.cpu));
        System.out.printf("Spark's cost per request beyond the single-process loop: %+.1f%% wall clock per core, "
                + "%+.1f%% CPU%n", 100 * (sw / median(loop.wall) - 1), 100 * (sc / median(loop.cpu) - 1));
        if (parallel != null)
            System.out.printf("Spark's cost per request beyond %d loops on %d threads: %+.1f%% wall clock per core, "
                    + "%+.1f%% CPU%n", cores, cores, 100 * (sw / median(parallel.wall) - 1),
                    100 * (sc / median(parallel.cpu) - 1));
        // The same split from within the Spark run alone: its tasks beside its policies (a cost per
        // request: decoding requests, encoding and writing outcomes), and the replay outside its
        // tasks (a cost per replay: planning, scheduling, committing, reading the summary back).
        double st = median(sparkSide.tasks);
        System.out.printf("Spark's wall clock per core beyond its own time in the policies: %+.1f%% (policies: %.1f us "
                + "per request in Spark, %.1f in the loop) = %+.1f%% in its tasks + %.2f s per replay outside "
                + "them (%+.1f%% over %d requests)%n", 100 * (sw / sb - 1), 1e6 * sb, 1e6 * median(loop.busy),
                100 * (st / sb - 1), (sw - st) * count / cores, 100 * (sw - st) / sb, count);
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
