package io.turnout.admin.http;

import io.turnout.engine.http.Ascii;
import io.turnout.engine.http.ChunkScanner;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads one HTTP/1.1 response from a service the admin side calls (the Docker Engine API, etcd's
 * JSON gateway): the head, then a body stream framed as RFC 9112 §6.3 says (no body for HEAD, 1xx,
 * 204 and 304; a final {@code chunked} coding; else Content-Length; else until the connection
 * closes). Blocking, for a worker thread. Every error message names the peer.
 *
 * <p>Chunked bodies are framed by the engine's {@link ChunkScanner}. The head is parsed here, not
 * by the engine's {@code ResponseHead}: that is a proxy's parser, which refuses with 502 what the
 * final recipient of a response must still read (RFC 9112 §6.3: with Transfer-Encoding and
 * Content-Length both, chunked wins), and it keeps no reason phrase for the peer's error messages.
 *
 * <p>The input should be buffered: heads and chunk framing are read a byte at a time.
 */
public final class HttpResponseReader {
    static final int MAX_HEAD_BYTES = 64 * 1024;

    private final InputStream in;
    private final String peer;

    /** @param peer who answers, for messages: {@code Docker}, {@code etcd at http://127.0.0.1:2379} */
    public HttpResponseReader(InputStream in, String peer) {
        this.in = in;
        this.peer = peer;
    }

    /** The next final response head; interim 1xx responses (100 Continue) are skipped. */
    public ResponseHead readHead() throws IOException {
        while (true) {
            ResponseHead head = readOneHead();
            // RFC 9110 §15.2: 1xx are interim; 101 would switch protocols, which we never ask for.
            if (head.status() >= 200 || head.status() == 101) {
                return head;
            }
        }
    }

    private ResponseHead readOneHead() throws IOException {
        int[] budget = {MAX_HEAD_BYTES};
        String statusLine = readLine(in, budget, true, peer);
        if (statusLine == null) {
            throw new EOFException(peer + " closed the connection before sending a response");
        }
        // HTTP/1.1 200 OK   (the reason phrase may be empty or absent)
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new IOException("malformed status line from " + peer + ": " + Ascii.printable(statusLine));
        }
        int status = parseStatus(statusLine.substring(9, 12));
        if (status < 0 || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
            throw new IOException("malformed status line from " + peer + ": " + Ascii.printable(statusLine));
        }
        String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
        Map<String, String> headers = new LinkedHashMap<>();
        while (true) {
            String line = readLine(in, budget, false, peer);
            if (line == null) {
                throw new EOFException(peer + " closed the connection inside a response head");
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new IOException("malformed header line from " + peer + ": " + Ascii.printable(line));
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            headers.merge(name, value, (a, b) -> a + ", " + b);
        }
        return new ResponseHead(status, reason, headers);
    }

    /** The body of {@code head}, framed per RFC 9112 §6.3. Closing it does not close the input. */
    public InputStream body(ResponseHead head, String requestMethod) throws IOException {
        int status = head.status();
        if ("HEAD".equals(requestMethod) || status == 204 || status == 304 || status < 200) {
            return InputStream.nullInputStream();
        }
        String te = head.header("transfer-encoding");
        if (te != null) {
            // RFC 9112 §6.3: TE overrides CL; a final coding other than chunked reads to close.
            String last = te.substring(te.lastIndexOf(',') + 1).trim();
            return last.equalsIgnoreCase("chunked") ? new ChunkedBody(in, peer) : new CloseDelimitedBody(in);
        }
        String cl = head.header("content-length");
        if (cl != null) {
            return new FixedLengthBody(in, parseContentLength(cl, peer), peer);
        }
        return new CloseDelimitedBody(in);
    }

    static long parseContentLength(String value, String peer) throws IOException {
        long length = -1;
        // Repeated headers were joined with ", "; identical repeats are allowed (RFC 9110 §8.6).
        for (String part : value.split(",")) {
            String v = part.trim();
            if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IOException("malformed Content-Length from " + peer + ": " + Ascii.printable(value));
            }
            long n = Long.parseLong(v);
            if (length != -1 && n != length) {
                throw new IOException("conflicting Content-Length values from " + peer + ": " + Ascii.printable(value));
            }
            length = n;
        }
        return length;
    }

    private static int parseStatus(String digits) {
        int status = 0;
        for (int i = 0; i < 3; i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            status = status * 10 + (c - '0');
        }
        return status >= 100 ? status : -1;
    }

    /**
     * One line without its LF or CRLF, or null at a clean EOF before any byte when
     * {@code eofIsNull}. {@code budget[0]} bounds the bytes read across a whole head.
     */
    static String readLine(InputStream in, int[] budget, boolean eofIsNull, String peer) throws IOException {
        byte[] line = new byte[128];
        int n = 0;
        while (true) {
            int b = in.read();
            if (b == -1) {
                if (n == 0 && eofIsNull) {
                    return null;
                }
                throw new EOFException(peer + " closed the connection in the middle of a line");
            }
            if (--budget[0] < 0) {
                throw new IOException("response head from " + peer + " exceeds " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                if (n > 0 && line[n - 1] == '\r') {
                    n--;
                }
                return new String(line, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (n == line.length) {
                line = java.util.Arrays.copyOf(line, n * 2);
            }
            line[n++] = (byte) b;
        }
    }

    /** Exactly {@code length} bytes; EOF before that is an error, not a short body. */
    static final class FixedLengthBody extends InputStream {
        private final InputStream in;
        private final String peer;
        private final long length;
        private long remaining;

        FixedLengthBody(InputStream in, long length, String peer) {
            this.in = in;
            this.peer = peer;
            this.length = length;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int c = in.read();
            if (c == -1) {
                throw new EOFException(peer + " closed the connection after " + (length - remaining)
                        + " of " + length + " body bytes");
            }
            remaining--;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n == -1) {
                throw new EOFException(peer + " closed the connection after " + (length - remaining)
                        + " of " + length + " body bytes");
            }
            remaining -= n;
            return n;
        }
    }

    /** Everything until the peer closes. */
    static final class CloseDelimitedBody extends InputStream {
        private final InputStream in;

        CloseDelimitedBody(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }
    }

    /**
     * RFC 9112 §7.1, framed by the proxy's own {@link ChunkScanner}, so the peer's chunks are held to
     * the same rules as any upstream's: framing bytes go to the scanner one at a time, and the data
     * it announces is read straight into the caller's array. The stream ends after the trailers,
     * so nothing after the message is read.
     */
    static final class ChunkedBody extends InputStream {
        /** Framing allowed between two data spans: a size line with its extensions, or the trailers. */
        private static final int MAX_FRAMING_BYTES = 16 * 1024;
        private final InputStream in;
        private final String peer;
        private final ChunkScanner scanner = new ChunkScanner();
        private final ByteBuffer framingByte = ByteBuffer.allocate(1);
        private final byte[] single = new byte[1];

        ChunkedBody(InputStream in, String peer) {
            this.in = in;
            this.peer = peer;
        }

        @Override
        public int read() throws IOException {
            return read(single, 0, 1) == -1 ? -1 : single[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (!skipToData()) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, scanner.dataRemaining()));
            if (n == -1) {
                throw new EOFException(peer + " closed the connection inside a chunk");
            }
            // Data bytes only move the scanner on; they cannot be an error.
            scanner.scan(ByteBuffer.wrap(b), off, off + n);
            return n;
        }

        /** Feeds framing to the scanner until chunk data comes next; false once the message ended. */
        private boolean skipToData() throws IOException {
            int framing = 0;
            while (scanner.dataRemaining() == 0) {
                if (scanner.isDone()) {
                    return false;
                }
                int c = in.read();
                if (c == -1) {
                    throw new EOFException(peer + " closed the connection inside a chunked body");
                }
                if (++framing > MAX_FRAMING_BYTES) {
                    throw new IOException("chunk framing from " + peer + " exceeds " + MAX_FRAMING_BYTES + " bytes");
                }
                framingByte.put(0, (byte) c);
                if (scanner.scan(framingByte, 0, 1) == ChunkScanner.ERROR) {
                    throw new IOException("malformed chunked body from " + peer + " (RFC 9112 §7.1)");
                }
            }
            return true;
        }
    }
}
