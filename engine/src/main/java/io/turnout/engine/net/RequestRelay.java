package io.turnout.engine.net;

import io.turnout.engine.http.BodyFramer;
import io.turnout.engine.http.RequestHead;
import io.turnout.engine.retry.Attempt;
import io.turnout.engine.settings.ProxySettings;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The request half of an exchange: the head rewritten for the upstream, and the body framed out
 * of the client's buffer as it arrives and written behind it. The request's bytes stay kept in
 * the client's buffer while they fit, so a retry can {@link #rewind} and send them again.
 */
final class RequestRelay {
    /** How far {@link #pump} got. */
    enum Step {
        /** More body to come, or bytes still to write. */
        WAITING,
        /** The whole request is written. */
        SENT,
        /** The chunked body is malformed. */
        BAD_BODY,
        /** Writing to the upstream failed. */
        UPSTREAM_GONE
    }

    private final RelayBuffer in;
    private final BufferPool buffers;
    private final Attempt attempt;
    private final byte[] clientAddress;
    private final byte[] localAuthority;
    private final boolean secure;
    private final long bodyTimeoutNanos;
    private final long responseTimeoutNanos;
    private final BodyFramer body = new BodyFramer();
    private RequestHead head;
    private ByteBuffer headOut;
    private boolean sent;
    private boolean writePending;

    /**
     * {@code localAuthority} is the address the client connected to: the Host of a request that
     * has none. {@code secure}: the client's connection is TLS.
     */
    RequestRelay(RelayBuffer in, BufferPool buffers, Attempt attempt, byte[] clientAddress, byte[] localAuthority,
                 boolean secure, ProxySettings settings) {
        this.secure = secure;
        this.in = in;
        this.bodyTimeoutNanos = settings.bodyTimeout().toNanos();
        this.responseTimeoutNanos = settings.responseTimeout().toNanos();
        this.buffers = buffers;
        this.attempt = attempt;
        this.clientAddress = clientAddress;
        this.localAuthority = localAuthority;
    }

    /**
     * Rewrites {@code parsed}, whose bytes end at {@code headEnd} in the client's buffer, for the
     * upstream, with an h2c upgrade only where {@code h2cAllowed}. Returns 0, or the status to
     * answer: 503 when no buffer is free, 431 when the rewritten head would not fit one.
     */
    int begin(RequestHead parsed, int headEnd, boolean h2cAllowed) {
        head = parsed;
        headOut = buffers.acquire();
        if (headOut == null) {
            return 503;
        }
        if (parsed.length() + parsed.rewriteOverhead(clientAddress.length, localAuthority.length) > headOut.capacity()) {
            return 431;
        }
        parsed.writeUpstreamHead(headOut, clientAddress, localAuthority, h2cAllowed, secure);
        headOut.flip();
        in.skipTo(headEnd);
        in.keepFromHere();
        return 0;
    }

    /** A new try: the body is framed afresh. */
    void beginTry() {
        body.begin(head.bodyKind(), head.bodyLength());
        sent = false;
        writePending = false;
    }

    /** Back to the first byte, to send the whole request again. */
    void rewind() {
        headOut.position(0);
        in.rewind();
    }

    /**
     * Frames newly read body bytes and writes what is framed to {@code upstream}. Says
     * {@link Step#SENT} once, when the last byte went out.
     */
    Step pump(SocketChannel upstream) {
        if (sent) {
            return Step.WAITING;
        }
        if (!body.isDone()) {
            int end = body.frame(in.bytes(), in.sendEnd(), in.bytes().limit());
            if (end == BodyFramer.ERROR) {
                return Step.BAD_BODY;
            }
            in.framedTo(end);
        }
        if (headOut.hasRemaining() || in.hasPending()) {
            try {
                if (in.writeTo(upstream, headOut) > 0) {
                    attempt.requestBytesSent(true);
                }
            } catch (IOException e) {
                writePending = false;
                return Step.UPSTREAM_GONE;
            }
        }
        writePending = headOut.hasRemaining() || in.hasPending();
        if (writePending || !body.isDone()) {
            return Step.WAITING;
        }
        sent = true;
        return Step.SENT;
    }

    /**
     * Sets the clocks after a {@link #pump}. While the client's body is awaited, the client has
     * {@code bodyTimeout} and the server no clock, for it has nothing to answer yet (SPEC §7);
     * while the server takes the bytes, and from the last one on, {@code responseTimeout} runs
     * (SPEC §3). The client's clock stays while a response is being written to it.
     */
    void armClocks(Step step, Timed client, Timed server, boolean responseOutputPending) {
        if (!body.isDone() && !writePending) {
            client.deadlineIn(bodyTimeoutNanos);
            server.clearDeadline();
            return;
        }
        if (!responseOutputPending) {
            client.clearDeadline();
        }
        if (step == Step.SENT || writePending) {
            server.deadlineIn(responseTimeoutNanos);
        }
    }

    /**
     * CONCURRENT: P was sent the whole request, which was in the buffer, and answers for L; the
     * client's input moves past it.
     */
    void skipRest() {
        in.framedTo(body.frame(in.bytes(), in.sendEnd(), in.bytes().limit()));
        in.skipTo(in.sendEnd());
        writePending = false;
        sent = true;
    }

    /** The upstream was closed: nothing is waiting to be written to it any more. */
    void upstreamClosed() {
        writePending = false;
    }

    /** The rewritten head, as it goes upstream. */
    ByteBuffer head() {
        return headOut;
    }

    /** The whole request is framed (possibly not yet written). */
    boolean isComplete() {
        return body.isDone();
    }

    boolean isSent() {
        return sent;
    }

    boolean writePending() {
        return writePending;
    }

    /**
     * Whether to read from the client now: body bytes while the upstream can take them, and once
     * the request is complete, read-ahead (a pipelined request, or the client's close), which
     * keeps the interest set as it is between requests: no epoll_ctl per request. Not while
     * bytes wait to be written, nor into a full buffer.
     */
    boolean wantsClientInput(boolean upstreamReady) {
        if (writePending) {
            return false;
        }
        return body.isDone() ? in.bytes().remaining() < in.bytes().capacity() : upstreamReady;
    }

    void release() {
        buffers.release(headOut);
        headOut = null;
    }
}
