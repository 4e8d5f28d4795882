package io.turnout.engine.http;

import java.nio.ByteBuffer;
import java.util.zip.Checksum;

/**
 * Where one message body ends (RFC 9112 §6.3), followed as its bytes pass through: the one
 * framing switch for requests, responses and CONCURRENT's second answer. It reads the bytes and
 * never moves or re-encodes them. One instance per direction, reused for every message.
 */
public final class BodyFramer {
    /** How a body is delimited. */
    public enum Kind { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    /** Returned by {@link #frame} for a malformed chunked body. */
    public static final int ERROR = ChunkScanner.ERROR;

    private final ChunkScanner chunks = new ChunkScanner();
    private Kind kind = Kind.NONE;
    private long remaining;
    private long length;
    private boolean done = true;
    private Checksum checksum;

    /** Starts a body of {@code kind}; {@code contentLength} counts only for {@link Kind#LENGTH}. */
    public void begin(Kind kind, long contentLength) {
        this.kind = kind;
        remaining = kind == Kind.LENGTH ? contentLength : 0;
        length = 0;
        checksum = null;
        chunks.reset();
        done = kind == Kind.NONE || (kind == Kind.LENGTH && contentLength == 0);
    }

    /**
     * Also feeds the body's content to {@code digest} as it passes: chunk data only, not the
     * chunk framing, so two bodies chunked differently compare equal when their content is.
     */
    public void digestInto(Checksum digest) {
        checksum = digest;
        chunks.checksumData(digest);
    }

    /**
     * Frames bytes {@code [from, to)} of {@code buf} (absolute indexes; the buffer is not moved).
     * Returns the index where this body's bytes stop: {@code to} while more are needed, less when
     * the body ended inside the range, or {@link #ERROR}.
     */
    public int frame(ByteBuffer buf, int from, int to) {
        switch (kind) {
            case NONE -> {
                return from;
            }
            case CHUNKED -> {
                int end = chunks.scan(buf, from, to);
                done = end != ERROR && chunks.isDone();
                return end;
            }
            case LENGTH -> {
                int end = from + (int) Math.min(remaining, to - from);
                remaining -= end - from;
                done = remaining == 0;
                count(buf, from, end);
                return end;
            }
            default -> {
                count(buf, from, to);
                return to;
            }
        }
    }

    private void count(ByteBuffer buf, int from, int to) {
        length += to - from;
        if (checksum != null) {
            Checksums.update(checksum, buf, from, to);
        }
    }

    /** The sender closed. Returns whether that completed the body (it does only a close-delimited one). */
    public boolean endOfInput() {
        if (kind == Kind.UNTIL_CLOSE) {
            done = true;
        }
        return done;
    }

    public boolean isDone() {
        return done;
    }

    /** Bytes of a {@link Kind#LENGTH} body still to come. */
    public long remaining() {
        return remaining;
    }

    public Kind kind() {
        return kind;
    }

    /** Body bytes framed so far, or -1 for a chunked body (its decoded length is not tracked). */
    public long length() {
        return kind == Kind.CHUNKED ? -1 : length;
    }
}
