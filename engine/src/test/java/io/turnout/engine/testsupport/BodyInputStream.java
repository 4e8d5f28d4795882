package io.turnout.engine.testsupport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoded bytes of one message body, read straight off a {@link WireInput} in whatever piece
 * size the caller asks for. Chunked framing is decoded strictly (RFC 9112 §7.1); a malformed
 * chunk raises {@link ProtocolException}, a body cut short raises {@link EOFException}.
 */
final class BodyInputStream extends InputStream {

    private final WireInput in;
    private final BodyFraming framing;
    private long remaining;          // CONTENT_LENGTH: bytes left; CHUNKED: bytes left in the chunk
    private final long declaredLength;
    private boolean chunkDataEnded;  // CHUNKED: a chunk's data was read, its CRLF is still due
    private boolean done;
    private long decoded;
    private HeaderList trailers = HeaderList.EMPTY;

    BodyInputStream(WireInput in, BodyFraming framing, long contentLength) {
        this.in = in;
        this.framing = framing;
        this.declaredLength = contentLength;
        this.remaining = framing == BodyFraming.CONTENT_LENGTH ? contentLength : 0;
        this.done = framing == BodyFraming.NONE || (framing == BodyFraming.CONTENT_LENGTH && contentLength == 0);
    }

    /** Decoded body bytes handed out so far. */
    long decodedLength() {
        return decoded;
    }

    boolean isComplete() {
        return done;
    }

    /** Trailer fields of a chunked body; empty until the last chunk has been read. */
    HeaderList trailers() {
        return trailers;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (done) {
            return -1;
        }
        if (length == 0) {
            return 0;
        }
        int n;
        switch (framing) {
            case CONTENT_LENGTH -> {
                n = in.read(target, offset, (int) Math.min(length, remaining));
                if (n < 0) {
                    throw new EOFException("body ended after " + decoded + " of " + declaredLength + " bytes");
                }
                remaining -= n;
                done = remaining == 0;
            }
            case CLOSE_DELIMITED -> {
                n = in.read(target, offset, length);
                if (n < 0) {
                    done = true;
                    return -1;
                }
            }
            case CHUNKED -> {
                if (remaining == 0 && !startNextChunk()) {
                    return -1;
                }
                n = in.read(target, offset, (int) Math.min(length, remaining));
                if (n < 0) {
                    throw new EOFException("connection closed inside a chunk after " + decoded + " body bytes");
                }
                remaining -= n;
                chunkDataEnded = remaining == 0;
            }
            default -> throw new IllegalStateException("no body to read for " + framing);
        }
        decoded += n;
        return n;
    }

    /** Reads the CRLF after the previous chunk and the next size line; false at the last chunk. */
    private boolean startNextChunk() throws IOException {
        if (chunkDataEnded) {
            int cr = in.read();
            int lf = in.read();
            if (cr != '\r' || lf != '\n') {
                throw new ProtocolException("chunk data not followed by CRLF (got " + describe(cr) + " " + describe(lf) + ")");
            }
            chunkDataEnded = false;
        }
        long size = parseChunkSize(in.readLine());
        if (size > 0) {
            remaining = size;
            return true;
        }
        List<HeaderList.Header> fields = new ArrayList<>();
        for (String line; !(line = in.readLine()).isEmpty(); ) {
            MessageHead.addFieldLine(line, fields);
        }
        trailers = HeaderList.of(fields);
        done = true;
        return false;
    }

    /** chunk-size = 1*HEXDIG, then optional whitespace and ";ext" (RFC 9112 §7.1.1). */
    static long parseChunkSize(String line) throws ProtocolException {
        int i = 0;
        long size = 0;
        while (i < line.length() && Character.digit(line.charAt(i), 16) >= 0) {
            if (i >= 15) {
                throw new ProtocolException("chunk size too large: " + line);
            }
            size = size * 16 + Character.digit(line.charAt(i), 16);
            i++;
        }
        if (i == 0) {
            throw new ProtocolException("bad chunk size line: \"" + line + "\"");
        }
        int j = i;
        while (j < line.length() && (line.charAt(j) == ' ' || line.charAt(j) == '\t')) {
            j++;
        }
        if (j < line.length() && line.charAt(j) != ';') {
            throw new ProtocolException("bad chunk size line: \"" + line + "\"");
        }
        return size;
    }

    private static String describe(int b) {
        return b < 0 ? "EOF" : String.format("0x%02x", b);
    }
}
