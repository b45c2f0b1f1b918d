package dev.lprank;

/** A failed lprank call: the C status code and the library's message. */
public final class LprankException extends RuntimeException {
    /** Status codes of the C ABI (include/lprank.h). */
    public static final int NULL_POINTER = 1, INVALID_INPUT = 2, LENGTH_MISMATCH = 3, BUFFER_TOO_SMALL = 4,
            NO_SOLUTION = 5, PANIC = 6;

    private static final long serialVersionUID = 1L;

    private final int status;

    public LprankException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The lprank_status value. */
    public int status() {
        return status;
    }
}
