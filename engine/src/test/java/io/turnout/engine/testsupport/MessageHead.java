package io.turnout.engine.testsupport;

import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A message head split into its start line and header fields. Parsing is deliberately plain:
 * names are kept exactly as sent (so a test can see {@code "Content-Length "} with a stray space),
 * values are trimmed of optional whitespace, and obs-fold continuations are joined with one space.
 */
record MessageHead(String startLine, HeaderList headers) {

    /** Parses a head as returned by {@link WireInput#readHead}, CRLF line endings guaranteed. */
    static MessageHead parse(byte[] rawHead) throws ProtocolException {
        String text = new String(rawHead, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r\n", -1);
        // The head ends with CRLF CRLF, so the split leaves two empty strings at the end.
        List<HeaderList.Header> fields = new ArrayList<>();
        for (int i = 1; i < lines.length - 2; i++) {
            addFieldLine(lines[i], fields);
        }
        if (lines[0].indexOf('\r') >= 0) {
            throw new ProtocolException("bare CR in start line: " + WireInput.printable(lines[0].getBytes(StandardCharsets.ISO_8859_1)));
        }
        return new MessageHead(lines[0], HeaderList.of(fields));
    }

    /** Adds one header or trailer line, joining an obs-fold continuation onto the previous field. */
    static void addFieldLine(String line, List<HeaderList.Header> fields) throws ProtocolException {
        if (line.indexOf('\r') >= 0) {
            throw new ProtocolException("bare CR in field line: " + WireInput.printable(line.getBytes(StandardCharsets.ISO_8859_1)));
        }
        if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
            if (fields.isEmpty()) {
                throw new ProtocolException("continuation line before any field: " + line);
            }
            HeaderList.Header last = fields.remove(fields.size() - 1);
            fields.add(new HeaderList.Header(last.name(), last.value() + " " + trimOws(line)));
            return;
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new ProtocolException("field line without a name and colon: " + line);
        }
        fields.add(new HeaderList.Header(line.substring(0, colon), trimOws(line.substring(colon + 1))));
    }

    private static String trimOws(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(start, end);
    }

    /**
     * The single Content-Length value, or -1 when absent. Several lines or list members must all
     * agree (RFC 9112 §6.3 rule 5); anything else is a framing error.
     */
    static long contentLength(HeaderList headers) throws ProtocolException {
        long length = -1;
        for (String value : headers.all("Content-Length")) {
            for (String member : value.split(",", -1)) {
                String digits = member.strip();
                if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new ProtocolException("invalid Content-Length: " + value);
                }
                long parsed = Long.parseLong(digits);
                if (length >= 0 && parsed != length) {
                    throw new ProtocolException("differing Content-Length values: " + headers.all("Content-Length"));
                }
                length = parsed;
            }
        }
        return length;
    }

    /** True when Transfer-Encoding is present and its final coding is chunked. */
    static boolean finalCodingIsChunked(HeaderList headers) {
        List<String> values = headers.all("Transfer-Encoding");
        if (values.isEmpty()) {
            return false;
        }
        String[] codings = values.get(values.size() - 1).split(",");
        return codings[codings.length - 1].strip().equalsIgnoreCase("chunked");
    }
}
