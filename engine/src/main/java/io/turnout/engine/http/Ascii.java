package io.turnout.engine.http;

import java.nio.ByteBuffer;

/**
 * Byte-level helpers for HTTP text in buffers; nothing here allocates but {@link #printable}. The
 * control-character rule lives here once, for the engine's parsers and the admin module alike.
 */
public final class Ascii {
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HTAB = '\t';

    private static final int MAX_QUOTED = 100;
    private static final boolean[] TCHAR = new boolean[128];

    static {
        // RFC 9110 §5.6.2 token characters.
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private Ascii() {
    }

    static boolean isTchar(int b) {
        return b >= 0 && b < 128 && TCHAR[b];
    }

    /**
     * RFC 5234 CTL: %x00-1F and DEL. Takes a char, an unsigned byte or a signed one: obs-text
     * (%x80-FF, negative as a Java byte) is not a control, RFC 9110 §5.5 allows it in field values.
     */
    public static boolean isControl(int c) {
        return (c >= 0 && c < 0x20) || c == 0x7f;
    }

    /** Whether bytes [from, to) hold a control other than HTAB, which no field value may (RFC 9110 §5.5). */
    static boolean hasFieldValueControl(ByteBuffer buf, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = buf.get(i);
            if (b != HTAB && isControl(b)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code s} as a one-line error message may quote it: controls become {@code ?} so the text
     * cannot forge log lines, and it is cut after {@value #MAX_QUOTED} characters. Cold path.
     */
    public static String printable(String s) {
        int n = Math.min(s.length(), MAX_QUOTED);
        StringBuilder b = new StringBuilder(n + 3);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            b.append(isControl(c) ? '?' : c);
        }
        return s.length() > MAX_QUOTED ? b.append("...").toString() : b.toString();
    }

    static int lower(int b) {
        return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
    }

    /** Whether bytes [start, end) of {@code buf} equal {@code lowerName}, ignoring ASCII case. */
    static boolean equalsIgnoreCase(ByteBuffer buf, int start, int end, byte[] lowerName) {
        if (end - start != lowerName.length) {
            return false;
        }
        for (int i = 0; i < lowerName.length; i++) {
            if (lower(buf.get(start + i)) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether bytes [start, end) of {@code buf} are exactly {@code bytes}. */
    static boolean equals(ByteBuffer buf, int start, int end, byte[] bytes) {
        if (end - start != bytes.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (buf.get(start + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** The start of the next element of a comma-separated list at or after {@code i} (RFC 9110 §5.6.1). */
    static int elementStart(ByteBuffer buf, int i, int to) {
        while (i < to && (buf.get(i) == SP || buf.get(i) == HTAB || buf.get(i) == ',')) {
            i++;
        }
        return i;
    }

    /** The index of the comma ending the list element that starts at {@code i}, or {@code to}. */
    static int elementEnd(ByteBuffer buf, int i, int to) {
        while (i < to && buf.get(i) != ',') {
            i++;
        }
        return i;
    }

    /** {@code to} moved back over trailing blanks, but not before {@code from}. */
    static int trimEnd(ByteBuffer buf, int from, int to) {
        while (to > from && (buf.get(to - 1) == SP || buf.get(to - 1) == HTAB)) {
            to--;
        }
        return to;
    }

    static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
