package io.turnout.engine.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A buffered reader over one side of a socket that understands HTTP/1.1 line structure. Both the
 * test backend and the raw client read through it. It can capture every byte it hands out, so the
 * client can return a response exactly as it arrived on the wire, and it can buffer without
 * consuming, so a client can watch for the peer's close without losing data that arrived first.
 */
final class WireInput {

    static final int MAX_LINE = 64 * 1024;

    private final InputStream in;
    private byte[] buffer = new byte[16 * 1024];
    private int position;
    private int limit;
    private ByteArrayOutputStream capture;

    WireInput(InputStream in) {
        this.in = in;
    }

    /** Starts (or restarts) recording the bytes consumed from here on. */
    void startCapture() {
        capture = new ByteArrayOutputStream();
    }

    /** Stops recording and returns what was consumed since {@link #startCapture()}. */
    byte[] stopCapture() {
        byte[] captured = capture == null ? new byte[0] : capture.toByteArray();
        capture = null;
        return captured;
    }

    int buffered() {
        return limit - position;
    }

    /**
     * Reads more bytes from the socket into the buffer without consuming any, growing the buffer
     * when it is full. Returns false at end of stream.
     */
    boolean fill() throws IOException {
        if (position == limit) {
            position = 0;
            limit = 0;
        } else if (limit == buffer.length) {
            if (position > 0) {
                System.arraycopy(buffer, position, buffer, 0, limit - position);
                limit -= position;
                position = 0;
            } else {
                buffer = Arrays.copyOf(buffer, buffer.length * 2);
            }
        }
        int n = in.read(buffer, limit, buffer.length - limit);
        if (n < 0) {
            return false;
        }
        limit += n;
        return true;
    }

    int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        int b = buffer[position++] & 0xff;
        if (capture != null) {
            capture.write(b);
        }
        return b;
    }

    int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position == limit && !fill()) {
            return -1;
        }
        int n = Math.min(length, limit - position);
        System.arraycopy(buffer, position, target, offset, n);
        if (capture != null) {
            capture.write(buffer, position, n);
        }
        position += n;
        return n;
    }

    /**
     * Reads one message head, up to and including the empty line that ends it. Returns null when
     * the stream ends before the first byte (a clean close between messages).
     *
     * @param skipLeadingEmptyLines RFC 9112 §2.2: a server ignores empty lines before a request
     * @throws ProtocolException on a bare LF (never valid in our strict reading) or a head over
     *                           {@code maxBytes}; the message says which
     * @throws EOFException      when the stream ends inside the head
     */
    byte[] readHead(int maxBytes, boolean skipLeadingEmptyLines) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(512);
        int previous = -1;
        int lastFour = 0;
        while (true) {
            int b = read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed inside a message head after " + head.size() + " bytes");
            }
            if (skipLeadingEmptyLines && head.size() == 0 && (b == '\r' || b == '\n')) {
                continue;
            }
            if (b == '\n' && previous != '\r') {
                throw new ProtocolException("bare LF in message head at byte " + head.size());
            }
            head.write(b);
            previous = b;
            lastFour = (lastFour << 8) | b;
            if (lastFour == 0x0d0a0d0a) {
                return head.toByteArray();
            }
            if (head.size() > maxBytes) {
                throw new HeadTooLargeException("message head exceeds " + maxBytes + " bytes");
            }
        }
    }

    /** Reads one CRLF-terminated line (chunk size or trailer) and returns it without the CRLF. */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(32);
        while (true) {
            int b = read();
            if (b < 0) {
                throw new EOFException("connection closed inside a line after " + line.size() + " bytes");
            }
            if (b == '\r') {
                int next = read();
                if (next != '\n') {
                    throw new ProtocolException("CR not followed by LF in line: " + printable(line.toByteArray()));
                }
                return line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b == '\n') {
                throw new ProtocolException("bare LF after line: " + printable(line.toByteArray()));
            }
            line.write(b);
            if (line.size() > MAX_LINE) {
                throw new ProtocolException("line exceeds " + MAX_LINE + " bytes");
            }
        }
    }

    static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte value : bytes) {
            int b = value & 0xff;
            if (b == '\r') {
                s.append("\\r");
            } else if (b == '\n') {
                s.append("\\n");
            } else if (b < 0x20 || b >= 0x7f) {
                s.append(String.format("\\x%02x", b));
            } else {
                s.append((char) b);
            }
        }
        return s.toString();
    }

    /** A head larger than the reader's bound: a server answers 431, a client reports it. */
    static final class HeadTooLargeException extends ProtocolException {
        HeadTooLargeException(String message) {
            super(message);
        }
    }
}
