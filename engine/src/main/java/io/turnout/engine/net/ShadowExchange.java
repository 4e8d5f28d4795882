package io.turnout.engine.net;

import io.turnout.engine.http.BodyFramer;
import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.ResponseHead;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;
import io.turnout.engine.settings.ProxySettings;
import org.tinylog.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.zip.CRC32C;

/**
 * The second half of a CONCURRENT request (SPEC §2): the same request sent to the previous
 * version P while the newest L answers. Until L's response head arrives this exchange holds P's
 * head unread beyond it, so it can still be handed to the client if L fails. Once L has won, it
 * reads and discards P's body at its own pace, keeping only a running checksum, and compares the
 * two answers (status, Content-Type, body) when both have ended. It never delays the client.
 */
final class ShadowExchange implements UpstreamOwner {
    /** What the client's exchange takes over when P answers in L's place. */
    record Answer(UpstreamConnection upstream, ByteBuffer buffer, ResponseHead head, int headEnd, Cluster cluster) {
    }

    private enum State { CONNECTING, SENDING, AWAIT_HEAD, HOLDING, DISCARDING, PROMOTED, ENDED }

    private final SelectorLoop loop;
    private final ProxySettings settings;
    private final BufferPool buffers;
    private final Cluster newest;
    private final Cluster cluster;
    private final boolean headRequest;
    private final ResponseHead response = new ResponseHead();
    private final BodyFramer body = new BodyFramer();
    private final CRC32C checksum = new CRC32C();
    private final RelayBuffer in;
    private Exchange client;
    private State state = State.CONNECTING;
    private boolean primaryWon;
    private boolean promoteRequested;
    private boolean bodyComplete;
    private UpstreamConnection upstream;
    private ByteBuffer out;
    private int headEnd;

    // The primary's answer, for the comparison.
    private boolean primaryEnded;
    private int primaryStatus;
    private long primaryContentType;
    private long primaryChecksum;
    private long primaryLength;

    ShadowExchange(SelectorLoop loop, Exchange client, Cluster newest, Cluster previous, boolean headRequest) {
        this.loop = loop;
        this.settings = loop.context().settings();
        this.buffers = loop.buffers();
        this.in = new RelayBuffer(buffers);
        this.client = client;
        this.newest = newest;
        this.cluster = previous;
        this.headRequest = headRequest;
    }

    /** Copies the request (head and complete body) and connects to {@code server} of P. */
    boolean start(Server server, ByteBuffer requestHead, ByteBuffer requestBody, int bodyFrom, int bodyTo) {
        out = buffers.acquire();
        if (server == null || out == null || requestHead.limit() + (bodyTo - bodyFrom) > out.capacity()) {
            end();
            return false;
        }
        out.put(out.position(), requestHead, 0, requestHead.limit());
        out.position(requestHead.limit());
        out.put(out.position(), requestBody, bodyFrom, bodyTo - bodyFrom);
        out.position(out.position() + bodyTo - bodyFrom).flip();
        try {
            upstream = loop.upstreams().leaseOrOpen(server, this, Long.MAX_VALUE);
        } catch (IOException e) {
            loop.context().health().onFailure(cluster, server, true, e.getMessage());
            upstream = null;
            end();
            return false;
        }
        if (!upstream.isConnecting()) {
            connected();
        }
        return true;
    }

    @Override
    public void onUpstreamReady(UpstreamConnection from, int ready) {
        if (from != upstream) {
            from.close();
            return;
        }
        if (state == State.CONNECTING && (ready & SelectionKey.OP_CONNECT) != 0) {
            connected();
            return;
        }
        if (state == State.SENDING && (ready & SelectionKey.OP_WRITE) != 0) {
            send();
        }
        if ((state == State.AWAIT_HEAD || state == State.DISCARDING) && (ready & SelectionKey.OP_READ) != 0) {
            read();
        }
    }

    @Override
    public void onUpstreamConnectFailed(UpstreamConnection from, IOException failure) {
        if (from == upstream) {
            fail(true, "connect: " + failure.getMessage());
        } else {
            from.close();
        }
    }

    @Override
    public void onUpstreamTimeout(UpstreamConnection from) {
        if (from == upstream) {
            fail(state == State.CONNECTING, "timeout");
        } else {
            from.close();
        }
    }

    @Override
    public void closeAfterError(UpstreamConnection from) {
        upstream = null;
        fail(false, "internal error");
    }

    private void connected() {
        state = State.SENDING;
        upstream.deadlineIn(settings.responseTimeout().toNanos());
        send();
    }

    private void send() {
        try {
            upstream.channel.write(out);
        } catch (IOException e) {
            fail(false, "write: " + e.getMessage());
            return;
        }
        if (out.hasRemaining()) {
            upstream.interest(SelectionKey.OP_WRITE);
            return;
        }
        buffers.release(out);
        out = null;
        state = State.AWAIT_HEAD;
        upstream.interest(SelectionKey.OP_READ);
    }

    private void read() {
        if (!in.acquire(0)) {
            fail(false, "no buffer");
            return;
        }
        int n = in.readUntilEnd(upstream.channel);
        if (n < 0) {
            if (state == State.DISCARDING && body.endOfInput()) {
                bodyEnded(false);
            } else {
                fail(false, "connection closed");
            }
        } else if (state == State.AWAIT_HEAD) {
            parseHead();
        } else {
            upstream.deadlineIn(settings.idleTimeout().toNanos());
            discard();
        }
    }

    private void parseHead() {
        ByteBuffer bytes = in.bytes();
        while (true) {
            int end = response.findEnd(bytes);
            if (end < 0) {
                if (bytes.remaining() >= settings.maxHeadBytes()) {
                    fail(false, "response head too large");
                }
                return;
            }
            if (response.parse(bytes, end) != ParseResult.OK) {
                fail(false, "malformed response head");
                return;
            }
            if (!response.isInterim()) {
                headEnd = end;
                break;
            }
            in.skipTo(end);
            response.reset();
        }
        upstream.clearDeadline();
        upstream.interest(0); // hold P's answer until L's head decides who answers
        state = State.HOLDING;
        if (response.status() < 500) {
            loop.context().health().onSuccess(cluster, upstream.server);
        } else {
            loop.context().health().onServerError(cluster, upstream.server, response.status());
        }
        if (primaryWon) {
            startDiscarding();
        } else if (promoteRequested) {
            promote();
        }
    }

    // ---- decided by the primary -----------------------------------------------------------------

    /** L's head arrived and L answers the client: P's response is only compared. */
    void primaryWon(int status, long contentTypeHash) {
        primaryWon = true;
        primaryStatus = status;
        primaryContentType = contentTypeHash;
        client = null; // from now on this exchange lives on its own
        if (state == State.HOLDING) {
            startDiscarding();
        }
    }

    /** L's body ended; compare once P's has too. {@code length} is -1 for a chunked body (checksum only). */
    void primaryEnded(long bodyChecksum, long length) {
        primaryEnded = true;
        primaryChecksum = bodyChecksum;
        primaryLength = length;
        if (state == State.ENDED && bodyComplete) {
            compare();
        }
    }

    /** L failed before answering: P's response goes to the client as soon as its head is here. */
    void promoteWhenReady() {
        promoteRequested = true;
        if (state == State.HOLDING) {
            promote();
        }
    }

    /** The client went away before L decided: nothing is left to compare or to answer. */
    void abandon() {
        client = null;
        if (!primaryWon) {
            end();
        }
    }

    boolean isAlive() {
        return state != State.ENDED;
    }

    /** Hands P's connection, buffer and parsed head to the client's exchange; this one is then over. */
    private void promote() {
        state = State.PROMOTED;
        Exchange owner = client;
        client = null;
        Answer answer = new Answer(upstream, in.detach(), response, headEnd, cluster);
        upstream = null;
        owner.adoptShadow(answer);
    }

    // ---- discarding P's body ----------------------------------------------------------------------

    private void startDiscarding() {
        state = State.DISCARDING;
        body.begin(response.bodyKind(headRequest), response.contentLength());
        body.digestInto(checksum);
        in.skipTo(headEnd);
        if (body.isDone()) {
            bodyEnded(response.upstreamReusable(headRequest) && !in.bytes().hasRemaining());
            return;
        }
        upstream.interest(SelectionKey.OP_READ);
        upstream.deadlineIn(settings.idleTimeout().toNanos());
        discard();
    }

    private void discard() {
        ByteBuffer bytes = in.bytes();
        int end = body.frame(bytes, bytes.position(), bytes.limit());
        if (end == BodyFramer.ERROR) {
            fail(false, "bad chunk");
            return;
        }
        in.skipTo(end);
        if (body.isDone()) {
            bodyEnded(response.upstreamReusable(headRequest) && !bytes.hasRemaining());
        }
    }

    private void bodyEnded(boolean reusable) {
        if (upstream != null) {
            if (reusable) {
                loop.upstreams().giveBack(upstream);
            } else {
                upstream.close();
            }
            upstream = null;
        }
        bodyComplete = true;
        end();
        if (primaryEnded) {
            compare();
        }
    }

    private void compare() {
        long length = body.length();
        boolean diverged = primaryStatus != response.status()
                || primaryContentType != response.contentTypeHash()
                || primaryChecksum != checksum.getValue()
                || (length >= 0 && primaryLength >= 0 && primaryLength != length);
        if (diverged) {
            newest.state().countDivergence();
            Logger.debug("CONCURRENT divergence between {} and {}: status {} vs {}", newest.version(),
                    cluster.version(), primaryStatus, response.status());
        }
    }

    // ---- ending -----------------------------------------------------------------------------------

    private void fail(boolean connectFailure, String reason) {
        if (upstream != null) {
            if (connectFailure || state == State.AWAIT_HEAD || state == State.SENDING) {
                loop.context().health().onFailure(cluster, upstream.server, connectFailure, reason);
            }
            upstream.close();
            upstream = null;
        }
        bodyComplete = false; // nothing to compare
        boolean waitingClient = promoteRequested && client != null;
        Exchange owner = client;
        client = null;
        end();
        if (waitingClient) {
            owner.onShadowFailed();
        }
    }

    private void end() {
        state = State.ENDED;
        buffers.release(out);
        out = null;
        in.release();
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
    }
}
