package io.turnout.engine.http;

import java.nio.ByteBuffer;

/**
 * A parsed message head, held as indexes into the buffer it arrived in: nothing is copied or
 * decoded. One instance per connection and direction is reused for every message. Subclasses parse
 * the start line and decide what each header means for framing.
 *
 * <p>Parsing happens in two steps: {@link #findEnd} scans for the empty line that ends the head as
 * bytes arrive, then {@link #parse} walks the complete head once.
 */
public abstract class HttpHead {
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

    protected ByteBuffer buf;
    protected int start;
    protected int end;
    /** Bytes after the head's start that {@link #findEnd} has already looked at. */
    private int scanned;

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
        for (int i = base + scanned; i < limit; i++) {
            if (in.get(i) != Ascii.LF) {
                continue;
            }
            if (i + 1 >= limit) {
                scanned = i - base;
                return -1;
            }
            byte next = in.get(i + 1);
            if (next == Ascii.LF) {
                return i + 2;
            }
            if (next == Ascii.CR) {
                if (i + 2 >= limit) {
                    scanned = i - base;
                    return -1;
                }
                if (in.get(i + 2) == Ascii.LF) {
                    return i + 3;
                }
            }
        }
        scanned = limit - base;
        return -1;
    }

    /**
     * Parses the complete head in {@code [in.position(), headEnd)}. Returns {@link ParseResult#OK}
     * or the status to answer with (400, 431, 501, 502, 505).
     */
    public final int parse(ByteBuffer in, int headEnd) {
        this.buf = in;
        this.start = in.position();
        this.end = headEnd;
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
            int next = lineEnd(line);
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
            if (status != ParseResult.OK) {
                return status;
            }
            line = next;
        }
        return validateFraming();
    }

    /** Index after the CRLF ending the line at {@code from}; -1 for a bare CR or LF. */
    private int lineEnd(int from) {
        for (int i = from; i < end; i++) {
            byte b = buf.get(i);
            if (b == Ascii.CR) {
                return i + 1 < end && buf.get(i + 1) == Ascii.LF ? i + 2 : -1;
            }
            if (b == Ascii.LF) {
                return -1; // RFC 9112 §2.2: a bare LF is not accepted here
            }
        }
        return -1;
    }

    private int parseHeaderLine(int from, int to) {
        byte first = buf.get(from);
        if (first == Ascii.SP || first == Ascii.HTAB) {
            return malformed("folded header lines are not accepted"); // RFC 9112 §5.2: obs-fold
        }
        int colon = from;
        while (colon < to && buf.get(colon) != ':') {
            if (!Ascii.isTchar(buf.get(colon))) {
                return malformed("malformed header name"); // whitespace before the colon too (RFC 9112 §5.1)
            }
            colon++;
        }
        if (colon == from || colon == to) {
            return malformed("malformed header line; expected Name: value");
        }
        int vs = colon + 1;
        while (vs < to && (buf.get(vs) == Ascii.SP || buf.get(vs) == Ascii.HTAB)) {
            vs++;
        }
        int ve = Ascii.trimEnd(buf, vs, to);
        if (Ascii.hasFieldValueControl(buf, vs, ve)) {
            return malformed("control character in a header value"); // NUL, CR... are a smuggling aid
        }
        int h = headerCount++;
        lineStart[h] = from;
        lineEnd[h] = to + 2;
        nameEnd[h] = colon;
        valueStart[h] = vs;
        valueEnd[h] = ve;
        kind[h] = classify(from, colon);
        return onHeader(h);
    }

    private byte classify(int from, int to) {
        int length = to - from;
        for (byte k = 1; k < NAMES.length; k++) {
            if (NAMES[k].length == length && Ascii.equalsIgnoreCase(buf, from, to, NAMES[k])) {
                return k;
            }
        }
        return OTHER;
    }

    /** Interprets the framing-relevant header {@code h}. */
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

    /** Digits only, optionally a list of equal values (RFC 9110 §8.6); -1 when invalid. */
    private long parseContentLength(int from, int to) {
        long value = -1;
        int i = from;
        while (i < to) {
            long element = 0;
            int digits = 0;
            while (i < to && buf.get(i) >= '0' && buf.get(i) <= '9') {
                if (++digits > 18) {
                    return -1;
                }
                element = element * 10 + (buf.get(i) - '0');
                i++;
            }
            if (digits == 0 || (value >= 0 && value != element)) {
                return -1;
            }
            value = element;
            while (i < to && (buf.get(i) == Ascii.SP || buf.get(i) == Ascii.HTAB)) {
                i++;
            }
            if (i < to) {
                if (buf.get(i) != ',') {
                    return -1;
                }
                i++;
                while (i < to && (buf.get(i) == Ascii.SP || buf.get(i) == Ascii.HTAB)) {
                    i++;
                }
                if (i == to) {
                    return -1;
                }
            }
        }
        return value;
    }

    private static final byte[] CHUNKED = Ascii.bytes("chunked");

    private boolean contains(int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (buf.get(i) == b) {
                return true;
            }
        }
        return false;
    }

    protected final boolean lastCodingIsChunked(int from, int to) {
        int i = to;
        while (i > from && buf.get(i - 1) != ',') {
            i--;
        }
        int s = i;
        while (s < to && (buf.get(s) == Ascii.SP || buf.get(s) == Ascii.HTAB)) {
            s++;
        }
        return Ascii.equalsIgnoreCase(buf, s, to, CHUNKED);
    }

    private int chunkedCount(int from, int to) {
        int count = 0;
        int i = Ascii.elementStart(buf, from, to);
        while (i < to) {
            int comma = Ascii.elementEnd(buf, i, to);
            if (Ascii.equalsIgnoreCase(buf, i, Ascii.trimEnd(buf, i, comma), CHUNKED)) {
                count++;
            }
            i = Ascii.elementStart(buf, comma, to);
        }
        return count;
    }

    private boolean onlyCodingIsChunked(int from, int to) {
        return Ascii.equalsIgnoreCase(buf, from, to, CHUNKED);
    }

    private void parseConnection(int from, int to) {
        int i = Ascii.elementStart(buf, from, to);
        while (i < to) {
            int comma = Ascii.elementEnd(buf, i, to);
            int ts = i;
            int te = Ascii.trimEnd(buf, i, comma);
            i = Ascii.elementStart(buf, comma, to);
            if (Ascii.equalsIgnoreCase(buf, ts, te, CLOSE)) {
                connectionClose = true;
            } else if (Ascii.equalsIgnoreCase(buf, ts, te, KEEP_ALIVE_TOKEN)) {
                connectionKeepAlive = true;
            } else if (Ascii.equalsIgnoreCase(buf, ts, te, UPGRADE_TOKEN)) {
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

    protected abstract int parseStartLine(int from, int to);

    protected abstract int validateFraming();

    protected abstract int malformed();

    /** {@link #malformed()}, saying why in a few words (a constant) for an error message. */
    protected int malformed(String why) {
        return malformed();
    }

    protected abstract int tooManyHeaders();

    /** Copies bytes {@code [from, to)} of the head's buffer to {@code out}. */
    protected final void copy(ByteBuffer out, int from, int to) {
        int length = to - from;
        out.put(out.position(), buf, from, length);
        out.position(out.position() + length);
    }

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
