package io.turnout.engine.http;

import java.nio.ByteBuffer;

/** Finds one cookie in a Cookie header value by exact name (RFC 6265 §5.4), without allocating. */
final class CookieScanner {
    private CookieScanner() {
    }

    /**
     * Searches {@code [from, to)} for a {@code name=value} pair whose name is exactly
     * {@code name} (cookie names are case-sensitive). Returns {@code valueStart << 32 | valueEnd} or -1.
     * Surrounding double quotes of a value are stripped.
     */
    static long find(ByteBuffer buf, int from, int to, byte[] name) {
        int i = from;
        while (i < to) {
            while (i < to && (buf.get(i) == ' ' || buf.get(i) == '\t' || buf.get(i) == ';')) {
                i++;
            }
            int nameStart = i;
            while (i < to && buf.get(i) != '=' && buf.get(i) != ';') {
                i++;
            }
            int nameEnd = i;
            while (nameEnd > nameStart && (buf.get(nameEnd - 1) == ' ' || buf.get(nameEnd - 1) == '\t')) {
                nameEnd--;
            }
            if (i >= to || buf.get(i) == ';') {
                continue; // a pair without '=' has no value
            }
            i++; // '='
            int valueStart = i;
            while (i < to && buf.get(i) != ';') {
                i++;
            }
            int valueEnd = i;
            while (valueEnd > valueStart && (buf.get(valueEnd - 1) == ' ' || buf.get(valueEnd - 1) == '\t')) {
                valueEnd--;
            }
            while (valueStart < valueEnd && (buf.get(valueStart) == ' ' || buf.get(valueStart) == '\t')) {
                valueStart++;
            }
            if (valueEnd - valueStart >= 2 && buf.get(valueStart) == '"' && buf.get(valueEnd - 1) == '"') {
                valueStart++;
                valueEnd--;
            }
            if (Ascii.equals(buf, nameStart, nameEnd, name)) {
                return ((long) valueStart << 32) | valueEnd;
            }
        }
        return -1;
    }
}
