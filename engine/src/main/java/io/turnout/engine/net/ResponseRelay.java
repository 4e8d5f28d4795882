package io.turnout.engine.net;

import io.turnout.engine.http.BodyFramer;
import io.turnout.engine.http.ChunkScanner;
import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.ResponseHead;
import io.turnout.engine.retry.Attempt;
import io.turnout.engine.retry.Failure;
import io.turnout.engine.settings.ProxySettings;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.zip.Checksum;

/**
 * The response half of an exchange: reads the upstream's bytes, finds each head, frames the body
 * and writes both to the client, and says what it got to as a {@link Step}. It decides nothing:
 * whether a head is accepted, retried or answered for is the {@link Exchange}'s call.
 */
final class ResponseRelay {
    /** How far {@link #advance} got. */
    enum Step {
        /** Nothing more until the upstream sends or the client reads. */
        WAITING,
        /** A complete head was parsed: {@link #head()} says what it is, and the exchange decides. */
        HEAD,
        /** A head the proxy cannot relay: malformed or too large. */
        BAD_HEAD,
        /** The body's framing broke after the head went out. */
        BAD_BODY,
        /** Writing to the client failed. */
        CLIENT_GONE,
        /** The whole response reached the client. */
        DONE
    }

    private enum Phase { HEAD, BODY, DONE }

    /** What {@link #readFrom} returns when no buffer was free to read into. */
    static final int NO_BUFFER = -2;

    /**
     * A safe request's response with a Content-Length up to this is held until its body is in,
     * so a server that dies between its head and its body is retried instead of showing the
     * client a truncated response (SPEC §3: retry while no response byte reached the client).
     */
    private static final int HOLD_BODY_LIMIT = 16 * 1024;

    private final ClientConnection connection;
    private final ClientStream client;
    private final BufferPool buffers;
    private final ProxySettings settings;
    private final Attempt attempt;
    private final RelayBuffer upIn;
    private final BodyFramer body = new BodyFramer();
    /** Follows a chunked body that goes to an HTTP/1.0 client decoded. */
    private final ChunkScanner dechunker = new ChunkScanner();
    private boolean dechunking;
    private ResponseHead head = new ResponseHead();
    private ByteBuffer headOut;
    private Phase phase = Phase.DONE;
    private int headEnd;
    private boolean holding;
    private boolean overran;
    // What the request says about its response: set per request.
    private boolean headRequest;
    private boolean clientIsHttp10;
    private boolean clientWantsClose;
    // Decided with the final head.
    private boolean closeClient;
    private boolean reusable;

    ResponseRelay(ClientConnection connection, ClientStream client, BufferPool buffers, ProxySettings settings,
                  Attempt attempt) {
        this.connection = connection;
        this.client = client;
        this.buffers = buffers;
        this.settings = settings;
        this.attempt = attempt;
        this.upIn = new RelayBuffer(buffers);
    }

    /** A new request: how its response may be framed for the client. */
    void forRequest(boolean isHeadRequest, boolean http10Client, boolean clientAsksForClose) {
        headRequest = isHeadRequest;
        clientIsHttp10 = http10Client;
        clientWantsClose = clientAsksForClose;
    }

    /** A new try: nothing of a response is here yet. */
    void begin() {
        head.reset();
        phase = Phase.HEAD;
        holding = false;
        overran = false;
        closeClient = false;
        reusable = false;
    }

    /** Reads from the upstream. Returns the bytes read, -1 at its end, or {@link #NO_BUFFER}. */
    int readFrom(SocketChannel upstream) {
        return upIn.acquire(0) ? upIn.readUntilEnd(upstream) : NO_BUFFER;
    }

    /** Parses, frames and writes as far as the bytes and the client go. */
    Step advance() {
        while (true) {
            if (phase == Phase.HEAD && !outputPending()) {
                return parseHead(); // a 1xx head still going out is written first
            }
            if (phase == Phase.BODY && !frameBody()) {
                return Step.BAD_BODY;
            }
            holding = shouldHold();
            if (holding) {
                return Step.WAITING;
            }
            int flushed = flush();
            if (flushed < 0) {
                return Step.CLIENT_GONE;
            }
            if (flushed == 0) {
                return Step.WAITING;
            }
            if (phase == Phase.DONE) {
                return Step.DONE;
            }
            if (phase != Phase.HEAD || !upIn.bytes().hasRemaining()) {
                return Step.WAITING; // otherwise the final head may follow a 1xx in the same read
            }
        }
    }

    private Step parseHead() {
        ByteBuffer bytes = upIn.bytes();
        int end = head.findEnd(bytes);
        if (end < 0) {
            return bytes.remaining() >= settings.maxHeadBytes() ? Step.BAD_HEAD : Step.WAITING;
        }
        if (head.parse(bytes, end) != ParseResult.OK || end - bytes.position() > settings.maxHeadBytes()) {
            return Step.BAD_HEAD;
        }
        headEnd = end;
        return Step.HEAD;
    }

    /** 1xx (100-continue) passes through unchanged; the final head follows. False when no buffer was free. */
    boolean relayInterim() {
        headOut = buffers.acquire();
        if (headOut == null) {
            return false;
        }
        head.writeInterimHead(headOut);
        headOut.flip();
        upIn.skipTo(headEnd);
        head.reset();
        attempt.responseStarted(true);
        return true;
    }

    /**
     * Rewrites the final head for the client, with {@code extraLines} (Set-Cookie), and sets up
     * the body framing. The client's connection closes after it when the client asked, when the
     * proxy is draining, or when only the close can end the body: an HTTP/1.0 client's
     * keep-alive holds while the length is known, and a chunked answer reaches it de-chunked
     * (SPEC §7). Returns null, or why it could not: no buffer was free, or the rewritten head
     * does not fit one.
     */
    Failure acceptFinal(byte[] extraLines, int extraLength, boolean draining) {
        headOut = buffers.acquire();
        if (headOut == null) {
            return Failure.NO_BUFFER;
        }
        int needed = (headEnd - upIn.bytes().position()) + extraLength + ResponseHead.rewriteOverhead() + 2;
        if (needed > headOut.capacity()) {
            return Failure.BAD_RESPONSE;
        }
        boolean switching = head.isSwitchingProtocols();
        BodyFramer.Kind kind = head.bodyKind(headRequest);
        dechunking = clientIsHttp10 && kind == BodyFramer.Kind.CHUNKED;
        reusable = !switching && head.upstreamReusable(headRequest);
        closeClient = !switching && (clientWantsClose || draining || kind == BodyFramer.Kind.UNTIL_CLOSE || dechunking);
        head.writeClientHead(headOut, extraLines, extraLength, closeClient, clientIsHttp10);
        headOut.flip();
        upIn.skipTo(headEnd);
        body.begin(kind, head.contentLength());
        dechunker.reset();
        phase = kind == BodyFramer.Kind.NONE ? Phase.DONE : Phase.BODY;
        return null;
    }

    /** Whether the client's connection closes after this response. */
    boolean closesClient() {
        return closeClient;
    }

    /** Also digests the body as it passes (CONCURRENT's comparison). */
    void digestBodyInto(Checksum digest) {
        body.digestInto(digest);
        dechunker.checksumData(digest);
    }

    private boolean frameBody() {
        if (dechunking) {
            if (!upIn.frameDechunked(dechunker)) {
                flush();
                return false;
            }
            if (dechunker.isDone()) {
                phase = Phase.DONE;
                overran = upIn.bytes().limit() > upIn.sendEnd();
            }
            return true;
        }
        ByteBuffer bytes = upIn.bytes();
        int end = body.frame(bytes, upIn.sendEnd(), bytes.limit());
        if (end == BodyFramer.ERROR) {
            flush(); // the head is out, so a 502 is impossible; the client sees a truncated close
            return false;
        }
        upIn.framedTo(end);
        if (body.isDone()) {
            phase = Phase.DONE;
            overran = end < bytes.limit(); // the upstream sent more than its response
        }
        return true;
    }

    private boolean shouldHold() {
        return !attempt.responseStarted() && attempt.isSafe() && phase == Phase.BODY
                && body.kind() == BodyFramer.Kind.LENGTH && head.contentLength() <= HOLD_BODY_LIMIT
                && upIn.sendEnd() + body.remaining() <= upIn.bytes().capacity();
    }

    /** Writes the pending head and framed body bytes: 1 when nothing is left, 0 when some is, -1 on error. */
    private int flush() {
        if (!outputPending()) {
            releaseHeadOut();
            return 1;
        }
        try {
            if (upIn.writeTo(client, headOut) > 0) {
                attempt.responseStarted(true);
                connection.deadlineIn(settings.idleTimeout().toNanos()); // the client must keep reading
            }
        } catch (IOException e) {
            return -1;
        }
        if (outputPending()) {
            return 0;
        }
        releaseHeadOut();
        connection.clearDeadline();
        return 1;
    }

    /**
     * The upstream closed. Returns true when that ended a close-delimited body (the rest is
     * then written), false when the response is cut short.
     */
    boolean endOfInput() {
        reusable = false;
        if (phase == Phase.BODY && !dechunking && body.endOfInput()) {
            phase = Phase.DONE;
            return true;
        }
        return false;
    }

    /**
     * Whether the upstream connection can carry another request: the server keeps it open, and
     * the response is complete with nothing extra read.
     */
    boolean leftUpstreamReusable() {
        return reusable && phase == Phase.DONE && !overran && upIn.isHeld() && !upIn.bytes().hasRemaining();
    }

    /**
     * A read left the response incomplete: the rest may wait on the ACK of what came (a server
     * with Nagle on that wrote its head alone), so it goes now (TCP_QUICKACK). A response read
     * whole costs nothing.
     */
    void acknowledgeIfIncomplete(UpstreamConnection upstream) {
        if (phase != Phase.DONE) {
            upstream.acknowledgeNow();
        }
    }

    /** Takes over a head P parsed for CONCURRENT, in the buffer it was read into. */
    void adopt(ResponseHead parsed, ByteBuffer buffer, int parsedHeadEnd) {
        upIn.adopt(buffer);
        head = parsed;
        headEnd = parsedHeadEnd;
    }

    /** The bytes after a 101 head, and the head itself, leave for the tunnel. */
    ByteBuffer takeHeadOut() {
        ByteBuffer taken = headOut;
        headOut = null;
        return taken;
    }

    RelayBuffer buffer() {
        return upIn;
    }

    ResponseHead head() {
        return head;
    }

    long bodyLength() {
        return body.length();
    }

    boolean awaitingHead() {
        return phase == Phase.HEAD;
    }

    boolean inBody() {
        return phase == Phase.BODY;
    }

    boolean isDone() {
        return phase == Phase.DONE;
    }

    boolean outputPending() {
        return (headOut != null && headOut.hasRemaining()) || upIn.hasPending();
    }

    boolean wantsClientWrite() {
        return outputPending() && !holding;
    }

    /** Gives back what this try read and did not send: the buffer, and a head that never went out. */
    void release() {
        upIn.release();
        releaseHeadOut();
        holding = false;
    }

    private void releaseHeadOut() {
        if (headOut != null) {
            buffers.release(headOut);
            headOut = null;
        }
    }
}
