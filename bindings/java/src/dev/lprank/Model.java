package dev.lprank;

/**
 * A loaded, validated scoring model (owns a native handle). Immutable: one Model may be used
 * by many threads at once, each scoring with its own {@link Scorer}. Close it (or use
 * try-with-resources) once no thread uses it any more.
 *
 * <pre>
 * try (Model model = new Model("ranking-models/feed-dcn"); Scorer scorer = new Scorer()) {
 *     float[] p = scorer.score(model, requestDense, requestIds, itemDense, itemIds, n, Scorer.PROBABILITY);
 * }
 * </pre>
 */
public final class Model implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    private long handle;
    private final long[] widths = new long[5];

    /** Loads the model in directory {@code dir} (config.json + model.safetensors). */
    public Model(String dir) {
        if (dir == null) throw new LprankException(LprankException.NULL_POINTER, "dir is null");
        handle = nativeLoad(dir);
        if (handle == 0) throw new LprankException(LprankException.INVALID_INPUT, Scorer.lastError());
        Scorer.check(nativeWidths(handle, widths));
    }

    /** Request dense values a request must give. */
    public int requestDenseWidth() {
        return (int) widths[0];
    }

    /** Request ids a request must give (one per request sparse feature). */
    public int requestIdsWidth() {
        return (int) widths[1];
    }

    /** Item dense values per candidate. */
    public int itemDenseWidth() {
        return (int) widths[2];
    }

    /** Item ids per candidate (one per item sparse feature). */
    public int itemIdsWidth() {
        return (int) widths[3];
    }

    /** Heads of the model: the width of a row of {@link Scorer#headLogits}. */
    public int heads() {
        return (int) widths[4];
    }

    /** The native handle; 0 once closed (scoring with it then fails with NULL_POINTER). */
    long handle() {
        return handle;
    }

    @Override
    public void close() {
        nativeFree(handle);
        handle = 0;
    }

    private static native long nativeLoad(String dir);

    private static native int nativeWidths(long handle, long[] out);

    private static native void nativeFree(long handle);
}
