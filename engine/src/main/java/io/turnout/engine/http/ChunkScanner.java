package io.turnout.engine.http;

import java.nio.ByteBuffer;
import java.util.zip.Checksum;

/**
 * Follows a chunked body (RFC 9112 §7.1) as its bytes pass through the proxy, to find where the
 * message ends. It does not decode or re-encode anything: the bytes are relayed exactly as they
 * arrived. Strict, because a lenient chunk parser is a smuggling vector: a chunk size is 1 to 15
 * hex digits, every line ends in CRLF, and a bad byte is an error.
 */
public final class ChunkScanner {
    /** Returned by {@link #scan} for malformed input. */
    public static final int ERROR = -1;

    private static final int MAX_SIZE_DIGITS = 15;
    /** Bounds a chunk-extension or trailer line so a peer cannot stream one forever. */
    private static final int MAX_LINE = 8 * 1024;

    private enum State {
        SIZE, SIZE_BLANK, SIZE_EXTENSION, EXTENSION_QUOTED, EXTENSION_ESCAPE, SIZE_LF, DATA, DATA_CR, DATA_LF,
        TRAILER_START, TRAILER_LINE, TRAILER_LF, FINAL_LF, DONE
    }

    private State state = State.SIZE;
    private long chunkRemaining;
    private int digits;
    private int lineLength;
    private Checksum dataChecksum;

    /**
     * Also feeds the chunk data (not the framing) to {@code checksum} as it passes, so two bodies
     * chunked differently compare equal when their content is. {@code null} turns it off.
     */
    public void checksumData(Checksum checksum) {
        this.dataChecksum = checksum;
    }

    public void reset() {
        dataChecksum = null;
        state = State.SIZE;
        chunkRemaining = 0;
        digits = 0;
        lineLength = 0;
    }

    public boolean isDone() {
        return state == State.DONE;
    }

    /**
     * How many bytes of chunk data come next, before any framing; 0 while framing is expected. A
     * reader that needs the content (the admin's Docker client) takes that many bytes as data.
     */
    public long dataRemaining() {
        return state == State.DATA ? chunkRemaining : 0;
    }

    /**
     * Scans bytes {@code [from, to)} of {@code buf} (absolute indexes, the buffer is not moved).
     * Returns the index just after the end of the message when it ends inside this range,
     * {@code to} when all bytes belong to the message and more are needed, or {@link #ERROR}.
     */
    public int scan(ByteBuffer buf, int from, int to) {
        int i = from;
        while (i < to) {
            switch (state) {
                case DATA -> {
                    // The body itself is skipped in one step; only framing bytes are examined.
                    long skip = Math.min(chunkRemaining, to - i);
                    if (dataChecksum != null) {
                        Checksums.update(dataChecksum, buf, i, i + (int) skip);
                    }
                    i += (int) skip;
                    chunkRemaining -= skip;
                    if (chunkRemaining == 0) {
                        state = State.DATA_CR;
                    }
                }
                case SIZE -> {
                    int b = buf.get(i++);
                    int hex = hexValue(b);
                    if (hex >= 0) {
                        if (++digits > MAX_SIZE_DIGITS) {
                            return ERROR;
                        }
                        chunkRemaining = (chunkRemaining << 4) | hex;
                    } else if (digits == 0) {
                        return ERROR;
                    } else if (b == ';') {
                        state = State.SIZE_EXTENSION;
                        lineLength = 0;
                    } else if (b == ' ' || b == '\t') {
                        state = State.SIZE_BLANK; // BWS, then only ';' or CRLF (RFC 9112 §7.1.1)
                    } else if (b == '\r') {
                        state = State.SIZE_LF;
                    } else {
                        return ERROR;
                    }
                }
                case SIZE_BLANK -> {
                    int b = buf.get(i++);
                    if (b == ';') {
                        state = State.SIZE_EXTENSION;
                        lineLength = 0;
                    } else if (b == '\r') {
                        state = State.SIZE_LF;
                    } else if (b != ' ' && b != '\t') {
                        return ERROR;
                    }
                }
                case SIZE_EXTENSION, EXTENSION_QUOTED, EXTENSION_ESCAPE -> {
                    int b = buf.get(i++);
                    if (b == '\n' || (b < 0x20 && b != '\t' && b != '\r') || b == 0x7f || ++lineLength > MAX_LINE) {
                        return ERROR;
                    }
                    if (state == State.EXTENSION_ESCAPE) {
                        if (b == '\r') {
                            return ERROR;
                        }
                        state = State.EXTENSION_QUOTED;
                    } else if (state == State.EXTENSION_QUOTED) {
                        if (b == '\r') {
                            return ERROR; // a quoted-string may not hide the line end
                        }
                        if (b == '"') {
                            state = State.SIZE_EXTENSION;
                        } else if (b == '\\') {
                            state = State.EXTENSION_ESCAPE;
                        }
                    } else if (b == '\r') {
                        state = State.SIZE_LF;
                    } else if (b == '"') {
                        state = State.EXTENSION_QUOTED;
                    }
                }
                case SIZE_LF -> {
                    if (buf.get(i++) != '\n') {
                        return ERROR;
                    }
                    digits = 0;
                    if (chunkRemaining == 0) {
                        state = State.TRAILER_START;
                    } else {
                        state = State.DATA;
                    }
                }
                case DATA_CR -> {
                    if (buf.get(i++) != '\r') {
                        return ERROR;
                    }
                    state = State.DATA_LF;
                }
                case DATA_LF -> {
                    if (buf.get(i++) != '\n') {
                        return ERROR;
                    }
                    state = State.SIZE;
                }
                case TRAILER_START -> {
                    int b = buf.get(i++);
                    if (b == '\r') {
                        state = State.FINAL_LF;
                    } else if (b == '\n') {
                        return ERROR;
                    } else {
                        state = State.TRAILER_LINE;
                        lineLength = 1;
                    }
                }
                case TRAILER_LINE -> {
                    int b = buf.get(i++);
                    if (b == '\r') {
                        state = State.TRAILER_LF;
                    } else if (b == '\n' || ++lineLength > MAX_LINE) {
                        return ERROR;
                    }
                }
                case TRAILER_LF -> {
                    if (buf.get(i++) != '\n') {
                        return ERROR;
                    }
                    state = State.TRAILER_START;
                }
                case FINAL_LF -> {
                    if (buf.get(i++) != '\n') {
                        return ERROR;
                    }
                    state = State.DONE;
                    return i;
                }
                case DONE -> {
                    return i;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        return state == State.DONE ? i : to;
    }

    private static int hexValue(int b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }
}
