package io.turnout.engine.net;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.http.ChunkScanner;
import io.turnout.engine.http.Checksums;
import io.turnout.engine.http.HttpStatus;
import io.turnout.engine.http.ResponseHead;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;
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
    private enum State { CONNECTING, SENDING, AWAIT_HEAD, HOLDING, DISCARDING, PROMOTED, ENDED }

    private final SelectorLoop loop;
    private final ProxySettings settings;
    private final BufferPool buffers;
    private final Cluster newest;
    private final Cluster cluster;
    private final boolean headRequest;
    private ClientConnection client;
    private State state = State.CONNECTING;
    private boolean primaryWon;
    private boolean promoteRequested;
    private ResponseHead response = new ResponseHead();
    private final ChunkScanner chunks = new ChunkScanner();
    private final CRC32C checksum = new CRC32C();
    private UpstreamConnection upstream;
    private ByteBuffer out;
    private ByteBuffer in;
    private int headEnd;
    private ResponseHead.BodyKind kind;
    private long remaining;
    private long bodyLength;

    // The primary's answer, for the comparison.
    private boolean primaryEnded;
    private int primaryStatus;
    private long primaryContentType;
    private long primaryChecksum;
    private long primaryLength;

    ShadowExchange(SelectorLoop loop, ClientConnection client, Cluster newest, Cluster previous, boolean headRequest) {
        this.loop = loop;
        this.settings = loop.context().settings();
        this.buffers = loop.buffers();
        this.client = client;
        this.newest = newest;
        this.cluster = previous;
        this.headRequest = headRequest;
    }

    Cluster cluster() {
        return cluster;
    }

    /** Copies the request (head and complete body) and connects to a server of P. */
    boolean start(ByteBuffer requestHead, ByteBuffer body, int bodyFrom, int bodyTo) {
        Server server = pickServer();
        out = buffers.acquire();
        if (server == null || out == null || requestHead.limit() + (bodyTo - bodyFrom) > out.capacity()) {
            end();
            return false;
        }
        out.put(out.position(), requestHead, 0, requestHead.limit());
        out.position(requestHead.limit());
        out.put(out.position(), body, bodyFrom, bodyTo - bodyFrom);
        out.position(out.position() + bodyTo - bodyFrom).flip();
        upstream = loop.upstreams().lease(server, this);
        try {
            if (upstream == null) {
                upstream = UpstreamConnection.open(loop, server, this);
            }
        } catch (IOException e) {
            loop.context().health().onFailure(cluster, server, true, e.getMessage());
            upstream = null;
            end();
            return false;
        }
        if (upstream.state == UpstreamConnection.State.LEASED) {
            connected();
        } else {
            upstream.deadline = System.nanoTime() + settings.connectTimeout().toNanos();
            upstream.interest(SelectionKey.OP_CONNECT);
        }
        return true;
    }

    private Server pickServer() {
        int n = cluster.servers().size();
        int start = loop.nextRoundRobin() & Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            int index = (start + i) % n;
            if (!cluster.isEjected(index)) {
                return cluster.servers().get(index);
            }
        }
        return n > 0 ? cluster.servers().get(start % n) : null;
    }

    @Override
    public void onUpstreamReady(UpstreamConnection from, int ready) {
        if (from != upstream) {
            from.close();
            return;
        }
        if (state == State.CONNECTING && (ready & SelectionKey.OP_CONNECT) != 0) {
            try {
                if (!upstream.channel.finishConnect()) {
                    return;
                }
            } catch (IOException e) {
                fail(true, "connect: " + e.getMessage());
                return;
            }
            upstream.state = UpstreamConnection.State.LEASED;
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
    public void onUpstreamTimeout(UpstreamConnection from) {
        if (from == upstream) {
            fail(state == State.CONNECTING, "timeout");
        } else {
            from.close();
        }
    }

    private void connected() {
        state = State.SENDING;
        upstream.deadline = System.nanoTime() + settings.responseTimeout().toNanos();
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
        if (in == null) {
            in = buffers.acquire();
            if (in == null) {
                fail(false, "no buffer");
                return;
            }
            in.flip();
        }
        int scanned = response.scannedBytes(in);
        in.compact();
        int n;
        try {
            n = upstream.channel.read(in);
        } catch (IOException e) {
            n = -1;
        }
        in.flip();
        if (state == State.AWAIT_HEAD) {
            response.rebaseScan(scanned);
        }
        if (n < 0) {
            if (state == State.DISCARDING && kind == ResponseHead.BodyKind.UNTIL_CLOSE) {
                bodyEnded(false);
            } else {
                fail(false, "connection closed");
            }
            return;
        }
        if (state == State.AWAIT_HEAD) {
            parseHead();
        } else if (state == State.DISCARDING) {
            upstream.deadline = System.nanoTime() + settings.idleTimeout().toNanos();
            discard();
        }
    }

    private void parseHead() {
        while (true) {
            int end = response.findEnd(in);
            if (end < 0) {
                if (in.remaining() >= settings.maxHeadBytes()) {
                    fail(false, "response head too large");
                }
                return;
            }
            if (response.parse(in, end) != HttpStatus.OK) {
                fail(false, "malformed response head");
                return;
            }
            if (!response.isInterim()) {
                headEnd = end;
                break;
            }
            in.position(end);
            response.reset();
        }
        upstream.deadline = 0;
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
        if (state == State.ENDED && kind != null) {
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

    private void promote() {
        state = State.PROMOTED;
        ClientConnection owner = client;
        client = null;
        owner.adoptShadow(this);
    }

    /** Hands P's connection, buffer and parsed head to the client; this exchange is then over. */
    UpstreamConnection takeUpstream() {
        UpstreamConnection taken = upstream;
        upstream = null;
        return taken;
    }

    ByteBuffer takeBuffer() {
        ByteBuffer taken = in;
        in = null;
        return taken;
    }

    ResponseHead swapResponse(ResponseHead spare) {
        ResponseHead taken = response;
        response = spare;
        return taken;
    }

    int headEnd() {
        return headEnd;
    }

    // ---- discarding P's body ----------------------------------------------------------------------

    private void startDiscarding() {
        state = State.DISCARDING;
        kind = response.bodyKind(headRequest);
        remaining = response.contentLength();
        chunks.reset();
        if (kind == ResponseHead.BodyKind.CHUNKED) {
            chunks.checksumData(checksum);
        }
        in.position(headEnd);
        if (kind == ResponseHead.BodyKind.NONE) {
            bodyEnded(response.upstreamReusable(headRequest) && !in.hasRemaining());
            return;
        }
        upstream.interest(SelectionKey.OP_READ);
        upstream.deadline = System.nanoTime() + settings.idleTimeout().toNanos();
        discard();
    }

    private void discard() {
        int from = in.position();
        int limit = in.limit();
        int end;
        switch (kind) {
            case LENGTH -> {
                end = from + (int) Math.min(remaining, limit - from);
                remaining -= end - from;
                Checksums.update(checksum, in, from, end);
                bodyLength += end - from;
            }
            case CHUNKED -> {
                end = chunks.scan(in, from, limit);
                if (end == ChunkScanner.ERROR) {
                    fail(false, "bad chunk");
                    return;
                }
            }
            default -> {
                end = limit;
                Checksums.update(checksum, in, from, end);
                bodyLength += end - from;
            }
        }
        in.position(end);
        boolean done = (kind == ResponseHead.BodyKind.LENGTH && remaining == 0)
                || (kind == ResponseHead.BodyKind.CHUNKED && chunks.isDone());
        if (done) {
            bodyEnded(response.upstreamReusable(headRequest) && !in.hasRemaining());
        }
    }

    private void bodyEnded(boolean reusable) {
        if (upstream != null) {
            if (reusable) {
                upstream.deadline = 0;
                loop.upstreams().giveBack(upstream);
            } else {
                upstream.close();
            }
            upstream = null;
        }
        end();
        if (primaryEnded) {
            compare();
        }
    }

    private void compare() {
        boolean diverged = primaryStatus != response.status()
                || primaryContentType != response.contentTypeHash()
                || primaryChecksum != checksum.getValue()
                || (kind != ResponseHead.BodyKind.CHUNKED && primaryLength >= 0 && primaryLength != bodyLength);
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
        kind = null; // nothing to compare
        boolean waitingClient = promoteRequested && client != null;
        ClientConnection owner = client;
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
        buffers.release(in);
        in = null;
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
    }
}
