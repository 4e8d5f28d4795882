package io.turnout.engine.http;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A head's bytes and the reads over them that {@link HttpHead} parses with: the buffer it arrived
 * in, its one copy into a per-thread array while {@code parse} runs ({@link #at} and the value
 * rules read that copy by indexes into the buffer), and the eight-bytes-at-a-time scans. Kept
 * apart so the parser reads as rules, not as byte fiddling.
 */
abstract class HeadBytes {
    protected ByteBuffer buf;
    protected int start;
    /** While {@code parse} runs, bytes {@code [start, end)} of {@link #buf} at index 0; null otherwise. */
    byte[] text;
    /** Bytes after the head's start that {@link #findEnd} has already looked at. */
    int scanned;

    /**
     * Looks for the end of a head that starts at {@code buf.position()} and whose bytes end at
     * {@code buf.limit()}. Returns the index just after the empty line that ends it, or -1 if it
     * is not complete. Remembers how far it looked, relative to the head's start (as HAProxy's
     * {@code h1m.next} is), so each byte is scanned once across calls and moving the head within
     * its buffer needs no adjustment. A bare LF also ends the head here, so that the parser can
     * reject it instead of waiting.
     */
    public int findEnd(ByteBuffer in) {
        int base = in.position();
        int limit = in.limit();
        byte[] t = SCRATCH.get();
        for (int from = base + scanned; from < limit; ) {
            // One bulk copy, then a scan of the array: a DirectByteBuffer.get per byte costs ~2 ns.
            int n = Math.min(limit - from, FIND_CHUNK);
            in.get(from, t, 0, n);
            for (int j = nextLf(t, 0, n); j < n; j = nextLf(t, j + 1, n)) {
                int i = from + j;
                if (i + 1 >= limit) {
                    scanned = i - base;
                    return -1;
                }
                byte next = j + 1 < n ? t[j + 1] : in.get(i + 1);
                if (next == Ascii.LF) {
                    return i + 2;
                }
                if (next == Ascii.CR) {
                    if (i + 2 >= limit) {
                        scanned = i - base;
                        return -1;
                    }
                    if ((j + 2 < n ? t[j + 2] : in.get(i + 2)) == Ascii.LF) {
                        return i + 3;
                    }
                }
            }
            from += n;
        }
        scanned = limit - base;
        return -1;
    }

    /**
     * Where {@link #parse} copies each head: one array per thread (a selector thread parses one
     * head at a time), grown to the largest head it has parsed. Per thread rather than per head,
     * so 10,000 connections do not each keep a copy of their largest head (up to
     * {@code maxHeadBytes}) outside the bounded buffer pool.
     */
    static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[4096]);
    /**
     * Bytes {@link #findEnd} copies at a time: a head usually fits one chunk, and a body that came
     * in the same read costs at most one chunk of copying.
     */
    static final int FIND_CHUNK = 1024;
    // Eight bytes at a time (SWAR): a word read little-endian from the copy, and one bit per byte.
    static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final long ONES = 0x0101010101010101L;
    static final long HIGHS = 0x8080808080808080L;
    static final long LFS = 0x0a0a0a0a0a0a0a0aL;
    static final long SPACES = 0x2020202020202020L;
    static final long DELS = 0x7f7f7f7f7f7f7f7fL;
    /**
     * The index of the first LF in bytes {@code [i, n)} of {@code t}, or {@code n}: the first byte
     * flagged as zero in {@code word ^ LFS}. In a little-endian word a borrow only runs towards
     * later bytes, so the first flagged byte is exactly the first zero (see {@link #firstControl}).
     */
    static int nextLf(byte[] t, int i, int n) {
        for (; i <= n - Long.BYTES; i += Long.BYTES) {
            long x = (long) LONG_LE.get(t, i) ^ LFS;
            long lfs = (x - ONES) & ~x & HIGHS;
            if (lfs != 0) {
                return i + (Long.numberOfTrailingZeros(lfs) >>> 3);
            }
        }
        for (; i < n; i++) {
            if (t[i] == Ascii.LF) {
                return i;
            }
        }
        return n;
    }
    /**
     * The index of the first control ({@link Ascii#isControl}: below SP, or DEL) in bytes
     * {@code [i, n)} of {@code t}, or {@code n}. A byte below SP borrows in {@code x - SPACES}, DEL
     * is the zero of {@code x ^ DELS}; {@code & ~x} drops obs-text (%x80-FF), which is no control.
     * As in {@link #nextLf}, the first flagged byte is exact.
     */
    static int firstControl(byte[] t, int i, int n) {
        for (; i <= n - Long.BYTES; i += Long.BYTES) {
            long x = (long) LONG_LE.get(t, i);
            long y = x ^ DELS;
            long controls = ((x - SPACES) & ~x | (y - ONES) & ~y) & HIGHS;
            if (controls != 0) {
                return i + (Long.numberOfTrailingZeros(controls) >>> 3);
            }
        }
        for (; i < n; i++) {
            if (Ascii.isControl(t[i])) {
                return i;
            }
        }
        return n;
    }
    /** Byte {@code i} of the head's buffer, read from the copy. Only during {@link #parse}. */
    protected final byte at(int i) {
        return text[i - start];
    }
    /** Whether bytes [from, to) equal {@code lowerName}, ignoring ASCII case. Only during {@link #parse}. */
    protected final boolean equalsIgnoreCase(int from, int to, byte[] lowerName) {
        if (to - from != lowerName.length) {
            return false;
        }
        byte[] t = text;
        int offset = from - start;
        for (int i = 0; i < lowerName.length; i++) {
            if (Ascii.lower(t[offset + i]) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }
    /** Whether bytes [from, to) are exactly {@code bytes}. Only during {@link #parse}. */
    protected final boolean equalsExactly(int from, int to, byte[] bytes) {
        if (to - from != bytes.length) {
            return false;
        }
        byte[] t = text;
        int offset = from - start;
        for (int i = 0; i < bytes.length; i++) {
            if (t[offset + i] != bytes[i]) {
                return false;
            }
        }
        return true;
    }
    /** {@code to} moved back over trailing blanks, but not before {@code from}. */
    final int trimEnd(int from, int to) {
        while (to > from && (at(to - 1) == Ascii.SP || at(to - 1) == Ascii.HTAB)) {
            to--;
        }
        return to;
    }
    /** The start of the next element of a comma-separated list at or after {@code i} (RFC 9110 §5.6.1). */
    final int elementStart(int i, int to) {
        while (i < to && (at(i) == Ascii.SP || at(i) == Ascii.HTAB || at(i) == ',')) {
            i++;
        }
        return i;
    }
    /** The index of the comma ending the list element that starts at {@code i}, or {@code to}. */
    final int elementEnd(int i, int to) {
        while (i < to && at(i) != ',') {
            i++;
        }
        return i;
    }
    final boolean contains(int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (at(i) == b) {
                return true;
            }
        }
        return false;
    }
    /** Whether bytes [from, to) hold a control other than HTAB, which no field value may (RFC 9110 §5.5). */
    final boolean hasFieldValueControl(int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = at(i);
            if (b != Ascii.HTAB && Ascii.isControl(b)) {
                return true;
            }
        }
        return false;
    }
    /** Digits only, optionally a list of equal values (RFC 9110 §8.6); -1 when invalid. */
    final long parseContentLength(int from, int to) {
        long value = -1;
        int i = from;
        while (i < to) {
            long element = 0;
            int digits = 0;
            while (i < to && at(i) >= '0' && at(i) <= '9') {
                if (++digits > 18) {
                    return -1;
                }
                element = element * 10 + (at(i) - '0');
                i++;
            }
            if (digits == 0 || (value >= 0 && value != element)) {
                return -1;
            }
            value = element;
            while (i < to && (at(i) == Ascii.SP || at(i) == Ascii.HTAB)) {
                i++;
            }
            if (i < to) {
                if (at(i) != ',') {
                    return -1;
                }
                i++;
                while (i < to && (at(i) == Ascii.SP || at(i) == Ascii.HTAB)) {
                    i++;
                }
                if (i == to) {
                    return -1;
                }
            }
        }
        return value;
    }
    static final byte[] CHUNKED = Ascii.bytes("chunked");
    protected final boolean lastCodingIsChunked(int from, int to) {
        int i = to;
        while (i > from && at(i - 1) != ',') {
            i--;
        }
        int s = i;
        while (s < to && (at(s) == Ascii.SP || at(s) == Ascii.HTAB)) {
            s++;
        }
        return equalsIgnoreCase(s, to, CHUNKED);
    }
    final int chunkedCount(int from, int to) {
        int count = 0;
        int i = elementStart(from, to);
        while (i < to) {
            int comma = elementEnd(i, to);
            if (equalsIgnoreCase(i, trimEnd(i, comma), CHUNKED)) {
                count++;
            }
            i = elementStart(comma, to);
        }
        return count;
    }
    final boolean onlyCodingIsChunked(int from, int to) {
        return equalsIgnoreCase(from, to, CHUNKED);
    }
    /** Copies bytes {@code [from, to)} of the head's buffer to {@code out}. */
    protected final void copy(ByteBuffer out, int from, int to) {
        int length = to - from;
        out.put(out.position(), buf, from, length);
        out.position(out.position() + length);
    }
    /** For a head that does not fit {@code maxHeadBytes}: 414 when the request line alone does not (RFC 9112 §3), else 431. */
    public static int tooLargeStatus(ByteBuffer bytes, int maxHeadBytes) {
        int limit = Math.min(bytes.limit(), bytes.position() + maxHeadBytes);
        for (int i = bytes.position(); i < limit; i++) {
            if (bytes.get(i) == '\n') {
                return 431;
            }
        }
        return 414;
    }
    /**
     * RFC 9112 §2.2: a server should ignore empty lines received before a request line. Moves
     * {@code bytes}' position past them; true when there were any.
     */
    public static boolean skipLeadingEmptyLines(ByteBuffer bytes) {
        int from = bytes.position();
        while (bytes.remaining() >= 2 && bytes.get(bytes.position()) == '\r' && bytes.get(bytes.position() + 1) == '\n') {
            bytes.position(bytes.position() + 2);
        }
        return bytes.position() != from;
    }
}
