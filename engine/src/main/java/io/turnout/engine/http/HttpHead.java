package io.turnout.engine.http;

import java.nio.ByteBuffer;

/**
 * A parsed message head, held as indexes into the buffer it arrived in: nothing is decoded, and
 * nothing but indexes outlives the parse. One instance per connection and direction is reused for
 * every message. Subclasses parse the start line and decide what each header means for framing.
 *
 * <p>Parsing happens in two steps: {@link #findEnd} scans for the empty line that ends the head as
 * bytes arrive, then {@link #parse} copies the complete head once and walks the copy. The indexes
 * it records are indexes into the buffer, which is what everything after the parse reads; the
 * copy is read ({@link #at}) only while {@code parse} runs.
 */
public abstract class HttpHead extends HeadBytes {
    static final int MAX_HEADERS = 128;

    // Header kinds the proxy acts on; everything else passes through untouched.
    static final byte OTHER = 0;
    static final byte CONTENT_LENGTH = 1;
    static final byte TRANSFER_ENCODING = 2;
    static final byte CONNECTION = 3;
    static final byte HOST = 4;
    static final byte UPGRADE = 5;
    static final byte EXPECT = 6;
    static final byte COOKIE = 7;
    static final byte KEEP_ALIVE = 8;
    static final byte PROXY_CONNECTION = 9;
    static final byte TE = 10;
    static final byte X_FORWARDED_FOR = 11;
    static final byte X_FORWARDED_PROTO = 12;
    static final byte X_FORWARDED_HOST = 13;
    static final byte TRAILER = 14;
    static final byte SET_COOKIE = 15;
    static final byte HTTP2_SETTINGS = 16;

    private static final byte[][] NAMES = {
            null,
            Ascii.bytes("content-length"), Ascii.bytes("transfer-encoding"), Ascii.bytes("connection"),
            Ascii.bytes("host"), Ascii.bytes("upgrade"), Ascii.bytes("expect"), Ascii.bytes("cookie"),
            Ascii.bytes("keep-alive"), Ascii.bytes("proxy-connection"), Ascii.bytes("te"),
            Ascii.bytes("x-forwarded-for"), Ascii.bytes("x-forwarded-proto"), Ascii.bytes("x-forwarded-host"),
            Ascii.bytes("trailer"), Ascii.bytes("set-cookie"), Ascii.bytes("http2-settings"),
    };
    private static final byte[] CLOSE = Ascii.bytes("close");
    private static final byte[] KEEP_ALIVE_TOKEN = Ascii.bytes("keep-alive");
    private static final byte[] UPGRADE_TOKEN = Ascii.bytes("upgrade");
    private static final int MAX_CONNECTION_TOKENS = 8;

    protected int end;
    protected int startLineEnd;
    protected int headerCount;
    protected final int[] lineStart = new int[MAX_HEADERS];
    protected final int[] lineEnd = new int[MAX_HEADERS];
    protected final int[] nameEnd = new int[MAX_HEADERS];
    protected final int[] valueStart = new int[MAX_HEADERS];
    protected final int[] valueEnd = new int[MAX_HEADERS];
    protected final byte[] kind = new byte[MAX_HEADERS];

    protected long contentLength;
    /** Content-Length field lines, and whether one held a list: then it is rewritten as one value. */
    protected int contentLengthLines;
    protected boolean contentLengthList;
    protected boolean hasTransferEncoding;
    protected boolean chunked;
    protected boolean connectionClose;
    protected boolean connectionKeepAlive;
    protected boolean connectionUpgrade;
    protected boolean hasUpgrade;
    protected boolean http11;
    private final int[] connectionTokenStart = new int[MAX_CONNECTION_TOKENS];
    private final int[] connectionTokenEnd = new int[MAX_CONNECTION_TOKENS];
    private int connectionTokens;

    /** Forgets the previous message; call before scanning a new head. */
    public void reset() {
        buf = null;
        scanned = 0;
        headerCount = 0;
        contentLength = -1;
        contentLengthLines = 0;
        contentLengthList = false;
        hasTransferEncoding = false;
        chunked = false;
        connectionClose = false;
        connectionKeepAlive = false;
        connectionUpgrade = false;
        hasUpgrade = false;
        http11 = false;
        connectionTokens = 0;
    }

    /**
     * Parses the complete head in {@code [in.position(), headEnd)}. Returns {@link ParseResult#OK}
     * or the status to answer with (400, 431, 501, 502, 505).
     *
     * <p>The head is first copied, with one bulk {@code get}, into this thread's {@link #SCRATCH},
     * and every rule reads that array ({@link #at}): an absolute {@code DirectByteBuffer.get} costs
     * a bounds check and a memory-session check per byte, ~2 ns a byte over three or four passes.
     * Then a plain header line is read in one pass ({@link #plainHeaderLine}). The indexes it
     * records stay indexes into {@code in}, which is what everything after the parse reads.
     */
    public final int parse(ByteBuffer in, int headEnd) {
        this.buf = in;
        this.start = in.position();
        this.end = headEnd;
        int length = Math.max(headEnd - start, 0);
        byte[] copy = SCRATCH.get();
        if (copy.length < length) {
            copy = new byte[Integer.highestOneBit(length - 1) << 1]; // grows to the largest head seen, then stays
            SCRATCH.set(copy);
        }
        in.get(start, copy, 0, length);
        text = copy;
        try {
            return parseCopy();
        } finally {
            text = null; // the scratch belongs to the next parse on this thread
        }
    }

    private int parseCopy() {
        int lineEndIndex = lineEnd(start);
        if (lineEndIndex < 0) {
            return malformed("a line ends in a bare CR or LF; end lines with CRLF");
        }
        int status = parseStartLine(start, lineEndIndex - 2);
        if (status != ParseResult.OK) {
            return status;
        }
        startLineEnd = lineEndIndex;
        int line = lineEndIndex;
        while (true) {
            int next = headerCount < MAX_HEADERS ? plainHeaderLine(line) : -1;
            if (next < 0) {
                // The empty line, or a line the fast path does not take: every rule, in order.
                next = lineEnd(line);
                if (next < 0) {
                    return malformed("a line ends in a bare CR or LF; end lines with CRLF");
                }
                if (next == line + 2) {
                    break; // the empty line
                }
                if (headerCount == MAX_HEADERS) {
                    return tooManyHeaders();
                }
                status = parseHeaderLine(line, next - 2);
            } else {
                status = kind[headerCount - 1] == OTHER ? ParseResult.OK : onHeader(headerCount - 1);
            }
            if (status != ParseResult.OK) {
                return status;
            }
            line = next;
        }
        return validateFraming();
    }

    /**
     * The fast path for one header line: {@code token ":" OWS value OWS CRLF} with no control in
     * the value but HTAB, read in one pass. Records it as {@link #parseHeaderLine} would and
     * returns the index after its CRLF; returns -1, recording nothing, for anything else (the
     * empty line, obs-fold, a bad name, a control, a bare CR or LF), which
     * {@link #parseHeaderLine} then judges. Every line it accepts, that method accepts with the
     * same indexes, so it changes no answer.
     */
    private int plainHeaderLine(int from) {
        byte[] t = text;
        int offset = start;
        int n = end - offset;
        int i = from - offset;
        while (i < n && Ascii.isTchar(t[i])) {
            i++;
        }
        if (i == from - offset || i >= n || t[i] != ':') {
            return -1;
        }
        int colon = i++;
        while (i < n && (t[i] == Ascii.SP || t[i] == Ascii.HTAB)) {
            i++;
        }
        int vs = i;
        i = firstControl(t, i, n);
        while (i < n && t[i] == Ascii.HTAB) {
            i = firstControl(t, i + 1, n);
        }
        if (i + 1 >= n || t[i] != Ascii.CR || t[i + 1] != Ascii.LF) {
            return -1;
        }
        int ve = i;
        while (ve > vs && (t[ve - 1] == Ascii.SP || t[ve - 1] == Ascii.HTAB)) {
            ve--;
        }
        int h = headerCount++;
        lineStart[h] = from;
        lineEnd[h] = i + 2 + offset;
        nameEnd[h] = colon + offset;
        valueStart[h] = vs + offset;
        valueEnd[h] = ve + offset;
        kind[h] = classify(from, colon + offset);
        return i + 2 + offset;
    }

    /** Index after the CRLF ending the line at {@code from}; -1 for a bare CR or LF. */
    private int lineEnd(int from) {
        for (int i = from; i < end; i++) {
            byte b = at(i);
            if (b == Ascii.CR) {
                return i + 1 < end && at(i + 1) == Ascii.LF ? i + 2 : -1;
            }
            if (b == Ascii.LF) {
                return -1; // RFC 9112 §2.2: a bare LF is not accepted here
            }
        }
        return -1;
    }

    private int parseHeaderLine(int from, int to) {
        byte first = at(from);
        if (first == Ascii.SP || first == Ascii.HTAB) {
            return malformed("folded header lines are not accepted"); // RFC 9112 §5.2: obs-fold
        }
        int colon = from;
        while (colon < to && at(colon) != ':') {
            if (!Ascii.isTchar(at(colon))) {
                return malformed("malformed header name"); // whitespace before the colon too (RFC 9112 §5.1)
            }
            colon++;
        }
        if (colon == from || colon == to) {
            return malformed("malformed header line; expected Name: value");
        }
        int vs = colon + 1;
        while (vs < to && (at(vs) == Ascii.SP || at(vs) == Ascii.HTAB)) {
            vs++;
        }
        int ve = trimEnd(vs, to);
        if (hasFieldValueControl(vs, ve)) {
            return malformed("control character in a header value"); // NUL, CR... are a smuggling aid
        }
        int h = headerCount++;
        lineStart[h] = from;
        lineEnd[h] = to + 2;
        nameEnd[h] = colon;
        valueStart[h] = vs;
        valueEnd[h] = ve;
        kind[h] = classify(from, colon);
        return kind[h] == OTHER ? ParseResult.OK : onHeader(h);
    }

    /**
     * The one kind a name could be, by its length and its first letter: no two names the proxy
     * acts on share both, so a name is compared with at most one of them.
     */
    private static final byte[] KIND_BY_LENGTH_AND_LETTER = kindByLengthAndLetter();

    private static int slot(int length, int first) {
        return length << 5 | (first & 31); // ASCII letters of either case share their low five bits
    }

    private static byte[] kindByLengthAndLetter() {
        byte[] table = new byte[32 << 5];
        for (byte k = 1; k < NAMES.length; k++) {
            int slot = slot(NAMES[k].length, NAMES[k][0]);
            if (table[slot] != OTHER) {
                throw new IllegalStateException("two header names share a length and a first letter");
            }
            table[slot] = k;
        }
        return table;
    }

    private byte classify(int from, int to) {
        int length = to - from;
        if (length >= 32) {
            return OTHER;
        }
        byte k = KIND_BY_LENGTH_AND_LETTER[slot(length, at(from))];
        return k != OTHER && equalsIgnoreCase(from, to, NAMES[k]) ? k : OTHER;
    }

    /** Interprets header {@code h}, of a kind the proxy acts on (never {@link #OTHER}). */
    protected int onHeader(int h) {
        switch (kind[h]) {
            case CONTENT_LENGTH -> {
                long value = parseContentLength(valueStart[h], valueEnd[h]);
                if (value < 0 || (contentLength >= 0 && contentLength != value)) {
                    // RFC 9112 §6.3: differing lengths are unrecoverable
                    return malformed(value < 0 ? "malformed Content-Length" : "several different Content-Lengths");
                }
                contentLength = value;
                contentLengthLines++;
                contentLengthList |= contains(valueStart[h], valueEnd[h], (byte) ',');
            }
            case TRANSFER_ENCODING -> {
                if (hasTransferEncoding) {
                    return malformed("more than one Transfer-Encoding header"); // it would apply a coding twice
                }
                hasTransferEncoding = true;
                if (onlyCodingIsChunked(valueStart[h], valueEnd[h])) {
                    chunked = true;
                } else if (chunkedCount(valueStart[h], valueEnd[h]) > 1) {
                    return malformed("chunked applied more than once"); // RFC 9112 §6.1: MUST NOT be applied twice
                } else {
                    return otherCodings(lastCodingIsChunked(valueStart[h], valueEnd[h]));
                }
            }
            case CONNECTION -> parseConnection(valueStart[h], valueEnd[h]);
            case UPGRADE -> hasUpgrade = true;
            default -> {
                // passes through as it is
            }
        }
        return ParseResult.OK;
    }

    /**
     * A Transfer-Encoding other than exactly {@code chunked}, whose last coding is or is not
     * chunked. Requests refuse it; responses fall back to the framing RFC 9112 §6.3 gives.
     */
    protected abstract int otherCodings(boolean lastIsChunked);

    private void parseConnection(int from, int to) {
        int i = elementStart(from, to);
        while (i < to) {
            int comma = elementEnd(i, to);
            int ts = i;
            int te = trimEnd(i, comma);
            i = elementStart(comma, to);
            if (equalsIgnoreCase(ts, te, CLOSE)) {
                connectionClose = true;
            } else if (equalsIgnoreCase(ts, te, KEEP_ALIVE_TOKEN)) {
                connectionKeepAlive = true;
            } else if (equalsIgnoreCase(ts, te, UPGRADE_TOKEN)) {
                connectionUpgrade = true;
            } else if (connectionTokens < MAX_CONNECTION_TOKENS) {
                connectionTokenStart[connectionTokens] = ts;
                connectionTokenEnd[connectionTokens] = te;
                connectionTokens++;
            }
        }
    }

    /**
     * Whether header {@code h} is hop-by-hop (RFC 9110 §7.6.1) and so is not forwarded: the
     * standard ones, and those the message's own Connection header names.
     */
    protected boolean isHopByHop(int h) {
        switch (kind[h]) {
            case CONNECTION, KEEP_ALIVE, PROXY_CONNECTION, TE, UPGRADE, TRAILER -> {
                return true;
            }
            case OTHER -> {
                for (int t = 0; t < connectionTokens; t++) {
                    if (sameName(h, connectionTokenStart[t], connectionTokenEnd[t])) {
                        return true;
                    }
                }
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    private boolean sameName(int h, int from, int to) {
        int ns = lineStart[h];
        if (nameEnd[h] - ns != to - from) {
            return false;
        }
        for (int i = 0; i < to - from; i++) {
            if (Ascii.lower(buf.get(ns + i)) != Ascii.lower(buf.get(from + i))) {
                return false;
            }
        }
        return true;
    }

    // ---- reading the head's copy: only while parse() runs, with indexes into buf ----------------

    protected abstract int parseStartLine(int from, int to);

    protected abstract int validateFraming();

    protected abstract int malformed();

    /** {@link #malformed()}, saying why in a few words (a constant) for an error message. */
    protected int malformed(String why) {
        return malformed();
    }

    protected abstract int tooManyHeaders();

    /** Copies the start line (with its CRLF). */
    protected final void copyStartLine(ByteBuffer out) {
        copy(out, start, startLineEnd);
    }

    /** Copies header line {@code h} as it arrived. */
    protected final void copyHeaderLine(ByteBuffer out, int h) {
        copy(out, lineStart[h], lineEnd[h]);
    }

    /** Index just after the head's final CRLF. */
    public final int end() {
        return end;
    }

    public final int length() {
        return end - start;
    }

    public final boolean isHttp11() {
        return http11;
    }

    /** The Content-Length, or -1 when absent. */
    public final long contentLength() {
        return contentLength;
    }

    public final boolean isChunked() {
        return chunked;
    }

    /** {@code Connection: upgrade} together with an {@code Upgrade} header. */
    public final boolean isUpgrade() {
        return connectionUpgrade && hasUpgrade;
    }

    /** Whether the sender wants the connection kept open after this message. */
    public final boolean keepAlive() {
        return http11 ? !connectionClose : connectionKeepAlive && !connectionClose;
    }

    public final int headerCount() {
        return headerCount;
    }

    public final ByteBuffer buffer() {
        return buf;
    }

    /** Finds a header by lower-case name; -1 when absent. For tests and the cold path. */
    public final int indexOf(String lowerName) {
        byte[] name = Ascii.bytes(lowerName);
        for (int h = 0; h < headerCount; h++) {
            if (Ascii.equalsIgnoreCase(buf, lineStart[h], nameEnd[h], name)) {
                return h;
            }
        }
        return -1;
    }

    /** Header {@code h}'s value as a String. For tests and the cold path. */
    public final String value(int h) {
        byte[] bytes = new byte[valueEnd[h] - valueStart[h]];
        buf.get(valueStart[h], bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
