package io.turnout.engine.http;

import java.nio.ByteBuffer;

/**
 * An upstream's response head. Anything that could make the client misframe the response is a
 * 502: the proxy never relays a response whose end it cannot tell.
 */
public final class ResponseHead extends HttpHead {
    private static final byte[] CONNECTION_CLOSE = Ascii.bytes("Connection: close\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE = Ascii.bytes("Connection: keep-alive\r\n");
    private static final byte[] CRLF = Ascii.bytes("\r\n");

    private int status;

    public ResponseHead() {
        reset();
    }

    @Override
    protected int parseStartLine(int from, int to) {
        // HTTP-version SP 3DIGIT SP [reason]; a missing reason (and its SP) is tolerated.
        if (to - from < 12 || at(from) != 'H' || at(from + 4) != '/' || at(from + 5) != '1'
                || at(from + 6) != '.' || at(from + 8) != ' ') {
            return 502;
        }
        byte minor = at(from + 7);
        if (minor != '0' && minor != '1') {
            return 502;
        }
        http11 = minor == '1';
        int code = 0;
        for (int i = from + 9; i < from + 12; i++) {
            byte b = at(i);
            if (b < '0' || b > '9') {
                return 502;
            }
            code = code * 10 + (b - '0');
        }
        if (code < 100 || (to > from + 12 && at(from + 12) != ' ')) {
            return 502;
        }
        status = code;
        return ParseResult.OK;
    }

    @Override
    protected int otherCodings(boolean lastIsChunked) {
        // RFC 9112 §6.3: chunked last means chunked framing; otherwise the body runs to the close.
        chunked = lastIsChunked;
        return ParseResult.OK;
    }

    @Override
    protected int validateFraming() {
        if (hasTransferEncoding && contentLength >= 0) {
            return 502; // ambiguous framing is never relayed (RFC 9112 §6.3 allows it, we do not)
        }
        return ParseResult.OK;
    }

    @Override
    protected int malformed() {
        return 502;
    }

    @Override
    protected int tooManyHeaders() {
        return 502;
    }

    private static final byte[] CONTENT_TYPE = Ascii.bytes("content-type");

    /**
     * A hash of the Content-Type value, ignoring case, or 0 when there is none. CONCURRENT
     * compares the two versions' answers with it without decoding the header.
     */
    public long contentTypeHash() {
        for (int h = 0; h < headerCount; h++) {
            if (Ascii.equalsIgnoreCase(buf, lineStart[h], nameEnd[h], CONTENT_TYPE)) {
                long hash = 0xcbf29ce484222325L;
                for (int i = valueStart[h]; i < valueEnd[h]; i++) {
                    hash = (hash ^ Ascii.lower(buf.get(i))) * 0x100000001b3L;
                }
                return hash;
            }
        }
        return 0;
    }

    public int status() {
        return status;
    }

    /** 1xx other than 101: more heads follow before the final response. */
    public boolean isInterim() {
        return status >= 100 && status < 200 && status != 101;
    }

    public boolean isSwitchingProtocols() {
        return status == 101;
    }

    /** How the body of this response is delimited (RFC 9112 §6.3). */
    public BodyFramer.Kind bodyKind(boolean requestWasHead) {
        if (requestWasHead || status < 200 || status == 204 || status == 304) {
            return BodyFramer.Kind.NONE;
        }
        if (chunked) {
            return BodyFramer.Kind.CHUNKED;
        }
        if (hasTransferEncoding) {
            return BodyFramer.Kind.UNTIL_CLOSE;
        }
        if (contentLength >= 0) {
            return BodyFramer.Kind.LENGTH;
        }
        return BodyFramer.Kind.UNTIL_CLOSE;
    }

    /** Whether the upstream connection can carry another request after this response. */
    public boolean upstreamReusable(boolean requestWasHead) {
        return keepAlive() && bodyKind(requestWasHead) != BodyFramer.Kind.UNTIL_CLOSE;
    }

    /** Upper bound of bytes {@link #writeClientHead} adds besides {@code extraLines}. */
    public static int rewriteOverhead() {
        return CONNECTION_KEEP_ALIVE.length;
    }

    /**
     * Writes the head to send to the client: status line and end-to-end headers as they arrived,
     * then {@code extraLines} (complete CRLF-terminated lines, such as Set-Cookie), then the
     * Connection header the proxy decided on. For 101 the Upgrade and Connection headers pass.
     */
    public void writeClientHead(ByteBuffer out, byte[] extraLines, int extraLength, boolean closeClient,
                                boolean clientIsHttp10) {
        boolean switching = isSwitchingProtocols();
        copyStartLine(out);
        for (int h = 0; h < headerCount; h++) {
            if (isHopByHop(h) && !(switching && (kind[h] == UPGRADE || kind[h] == CONNECTION))) {
                continue;
            }
            if (clientIsHttp10 && kind[h] == TRANSFER_ENCODING) {
                continue; // RFC 9112 §6.1: never to an HTTP/1.0 client; its body goes de-chunked
            }
            copyHeaderLine(out, h);
        }
        out.put(extraLines, 0, extraLength);
        if (!switching) {
            if (closeClient) {
                out.put(CONNECTION_CLOSE);
            } else if (clientIsHttp10) {
                out.put(CONNECTION_KEEP_ALIVE);
            }
        }
        out.put(CRLF);
    }

    /** Copies an interim (1xx) head unchanged. */
    public void writeInterimHead(ByteBuffer out) {
        copy(out, start, end);
    }
}
