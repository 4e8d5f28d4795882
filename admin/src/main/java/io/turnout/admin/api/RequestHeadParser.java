package io.turnout.admin.api;

import io.turnout.engine.http.Ascii;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses an admin request head. Never throws on bad input: every defect becomes a status and a
 * one-line message (STYLE: parsers report, callers answer). The admin API is not a hot path, so
 * this favours plainness over zero allocation; the proxy's own parser lives in the engine.
 */
final class RequestHeadParser {
    static final int MAX_HEADER_FIELDS = 100;

    /** Either {@code head} or an error {@code status} with its {@code message}. */
    record Result(RequestHead head, int status, String message) {
        static Result error(int status, String message) {
            return new Result(null, status, message);
        }

        boolean ok() {
            return head != null;
        }
    }

    private RequestHeadParser() {
    }

    /**
     * Where the head that starts at {@code from} ends (the index just past its blank line), or -1
     * when it is not complete in {@code buf[from, to)}. Lines end in LF, with or without CR
     * (RFC 9112 §2.2 lets a server accept a bare LF).
     */
    static int findHeadEnd(byte[] buf, int from, int to) {
        int lineStart = from;
        for (int i = from; i < to; i++) {
            if (buf[i] == '\n') {
                int lineLength = i - lineStart;
                if (lineLength == 0 || (lineLength == 1 && buf[lineStart] == '\r')) {
                    return i + 1;
                }
                lineStart = i + 1;
            }
        }
        return -1;
    }

    /** Skips the empty lines a client may send before a request line (RFC 9112 §2.2). */
    static int skipLeadingEmptyLines(byte[] buf, int from, int to) {
        int i = from;
        while (i < to && (buf[i] == '\r' || buf[i] == '\n')) {
            i++;
        }
        return i;
    }

    /** Parses {@code buf[from, end)}, a complete head as found by {@link #findHeadEnd}. */
    static Result parse(byte[] buf, int from, int end) {
        int lineEnd = lineEnd(buf, from, end);
        String requestLine = ascii(buf, from, contentEnd(buf, from, lineEnd));
        int sp1 = requestLine.indexOf(' ');
        int sp2 = requestLine.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 == sp1) {
            return Result.error(400, "malformed request line; expected METHOD /path HTTP/1.1");
        }
        String method = requestLine.substring(0, sp1);
        String target = requestLine.substring(sp1 + 1, sp2);
        String version = requestLine.substring(sp2 + 1);
        if (!isToken(method)) {
            return Result.error(400, "malformed request method");
        }
        if (target.isEmpty() || target.charAt(0) != '/' || hasControlOrSpace(target)) {
            // RFC 9112 §3.2: the admin API takes origin-form targets only.
            return Result.error(400, "malformed request target; expected a path such as /configuration/cluster");
        }
        boolean http11;
        if (version.equals("HTTP/1.1")) {
            http11 = true;
        } else if (version.equals("HTTP/1.0")) {
            http11 = false;
        } else if (version.startsWith("HTTP/")) {
            return Result.error(505, "only HTTP/1.1 and HTTP/1.0 are supported");
        } else {
            return Result.error(400, "malformed request line; expected METHOD /path HTTP/1.1");
        }

        Map<String, String> headers = new HashMap<>();
        String contentLength = null;
        int fields = 0;
        int pos = lineEnd + 1;
        while (pos < end) {
            int next = lineEnd(buf, pos, end);
            int contentEnd = contentEnd(buf, pos, next);
            if (contentEnd == pos) {
                break; // the blank line that ends the head
            }
            if (++fields > MAX_HEADER_FIELDS) {
                return Result.error(431, "too many header fields (more than " + MAX_HEADER_FIELDS + ")");
            }
            if (buf[pos] == ' ' || buf[pos] == '\t') {
                // RFC 9112 §5.2: obs-fold is rejected.
                return Result.error(400, "folded header lines are not accepted");
            }
            int colon = -1;
            for (int i = pos; i < contentEnd; i++) {
                if (buf[i] == ':') {
                    colon = i;
                    break;
                }
            }
            if (colon <= pos) {
                return Result.error(400, "malformed header line; expected Name: value");
            }
            String name = ascii(buf, pos, colon);
            if (!isToken(name)) {
                // RFC 9112 §5.1: no whitespace between the field name and the colon.
                return Result.error(400, "malformed header name: " + Ascii.printable(name));
            }
            int valueStart = colon + 1;
            int valueEnd = contentEnd;
            while (valueStart < valueEnd && (buf[valueStart] == ' ' || buf[valueStart] == '\t')) {
                valueStart++;
            }
            while (valueEnd > valueStart && (buf[valueEnd - 1] == ' ' || buf[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            for (int i = valueStart; i < valueEnd; i++) {
                int b = buf[i] & 0xff;
                if (b != '\t' && Ascii.isControl(b)) {
                    return Result.error(400, "control character in header " + name);
                }
            }
            String value = new String(buf, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
            String key = name.toLowerCase(Locale.ROOT);
            if (key.equals("content-length")) {
                if (contentLength != null && !contentLength.equals(value)) {
                    return Result.error(400, "several different Content-Length values");
                }
                contentLength = value;
            } else {
                headers.merge(key, value, (a, b) -> a + ", " + b);
            }
            pos = next + 1;
        }

        if (headers.containsKey("transfer-encoding")) {
            if (contentLength != null) {
                // RFC 9112 §6.3: Content-Length with Transfer-Encoding is a smuggling vector.
                return Result.error(400, "both Content-Length and Transfer-Encoding; send Content-Length only");
            }
            return Result.error(411, "chunked request bodies are not accepted; send the body with a Content-Length");
        }
        long length = 0;
        if (contentLength != null) {
            headers.put("content-length", contentLength);
            length = parseLength(contentLength);
            if (length < 0) {
                return Result.error(400, "malformed Content-Length: " + Ascii.printable(contentLength));
            }
        }
        String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
        boolean keepAlive = http11 ? !hasToken(connection, "close") : hasToken(connection, "keep-alive");
        String expect = headers.get("expect");
        boolean expectContinue = http11 && expect != null && expect.equalsIgnoreCase("100-continue");

        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        String query = question < 0 ? null : target.substring(question + 1);
        return new Result(new RequestHead(method, path, query, headers, length, keepAlive, expectContinue), 0, null);
    }

    private static int lineEnd(byte[] buf, int from, int end) {
        for (int i = from; i < end; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return end;
    }

    private static int contentEnd(byte[] buf, int from, int lineEnd) {
        return lineEnd > from && buf[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
    }

    private static String ascii(byte[] buf, int from, int to) {
        return new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** Digits only, at most 18 of them (no sign, no spaces: RFC 9110 §8.6); -1 when invalid. */
    private static long parseLength(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static boolean hasToken(String list, String token) {
        for (String part : list.split(",")) {
            if (part.trim().equals(token)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 9110 §5.6.2 token. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasControlOrSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
