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
    /** Indexed by a byte's unsigned value, so obs-text (%x80-FF) needs no range check: it is never a token. */
    private static final boolean[] TCHAR = new boolean[256];

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

    /** RFC 9110 §5.6.2 tchar, for a byte (signed or not). */
    static boolean isTchar(byte b) {
        return TCHAR[b & 0xff];
    }

    /**
     * RFC 5234 CTL: %x00-1F and DEL. Takes a char, an unsigned byte or a signed one: obs-text
     * (%x80-FF, negative as a Java byte) is not a control, RFC 9110 §5.5 allows it in field values.
     */
    public static boolean isControl(int c) {
        return (c >= 0 && c < 0x20) || c == 0x7f;
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

    static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
