package dev.lprank;

/**
 * Scores candidates with a {@link Model} (owns a native handle with the per-thread buffers
 * and kernels). Not thread-safe: use one per thread. Close it, or use try-with-resources.
 *
 * <p>A request of {@code n} candidates: {@code requestDense} (the model's request dense
 * width), {@code requestIds} (one per request sparse feature), {@code itemDense} ({@code n}
 * rows of the item dense width, row-major) and {@code itemIds} ({@code n} rows of the item
 * id width, row-major; ids are read as unsigned 64-bit). The arrays are pinned, not copied.
 * A null array is an empty one.
 */
public final class Scorer implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    /** Precision: f32 towers (the reference, the default). */
    public static final int F32 = 0;
    /** Precision: int8 towers. */
    public static final int INT8 = 1;
    /** Kernel tiers (every tier gives bit-identical scores). */
    public static final int KERNELS_AUTO = 0, KERNELS_PORTABLE = 1, KERNELS_AVX2 = 2;
    /** Outputs: the ranking logit, the calibrated logit, the calibrated probability. */
    public static final int LOGIT = 0, CALIBRATED_LOGIT = 1, PROBABILITY = 2;

    private long handle;
    private int lastN = 0;

    /** An f32 scorer with the best kernels for this CPU. */
    public Scorer() {
        this(F32, KERNELS_AUTO);
    }

    /** A scorer with this precision ({@link #F32}, {@link #INT8}) and kernel tier. */
    public Scorer(int precision, int kernels) {
        handle = nativeNew(precision, kernels);
        if (handle == 0) throw new LprankException(LprankException.INVALID_INPUT, nativeLastError());
    }

    /** Scores the {@code n} candidates of a request; returns {@code n} values of {@code output}. */
    public float[] score(Model model, float[] requestDense, long[] requestIds, float[] itemDense, long[] itemIds, int n,
            int output) {
        if (n < 0) throw new LprankException(LprankException.LENGTH_MISMATCH, "n: negative (" + n + ")");
        float[] out = new float[n];
        score(model, requestDense, requestIds, itemDense, itemIds, output, out);
        return out;
    }

    /**
     * Scores {@code out.length} candidates into {@code out} (a buffer reused across calls, so
     * that a warm scorer allocates nothing). On failure {@code out} is untouched.
     */
    public void score(Model model, float[] requestDense, long[] requestIds, float[] itemDense, long[] itemIds,
            int output, float[] out) {
        if (out == null) throw new LprankException(LprankException.NULL_POINTER, "out is null");
        check(nativeScore(handle, model == null ? 0 : model.handle(), requestDense, requestIds, itemDense, itemIds,
                output, out));
        lastN = out.length;
    }

    /** Head logits of the last successful call: {@code n × model.heads()}, candidate by candidate. */
    public float[] headLogits(Model model) {
        float[] out = new float[lastN * model.heads()];
        check(nativeHeadLogits(handle, out));
        return out;
    }

    @Override
    public void close() {
        nativeFree(handle);
        handle = 0;
    }

    static void check(int status) {
        if (status != 0) throw new LprankException(status, nativeLastError());
    }

    /** This thread's last lprank error message. */
    static String lastError() {
        return nativeLastError();
    }

    private static native long nativeNew(int precision, int kernels);

    private static native void nativeFree(long handle);

    private static native int nativeScore(long handle, long model, float[] requestDense, long[] requestIds,
            float[] itemDense, long[] itemIds, int output, float[] out);

    private static native int nativeHeadLogits(long handle, float[] out);

    private static native String nativeLastError();
}
