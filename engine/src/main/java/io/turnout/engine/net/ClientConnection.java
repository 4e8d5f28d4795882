package io.turnout.engine.net;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.http.ChunkScanner;
import io.turnout.engine.http.Checksums;
import io.turnout.engine.http.ErrorResponses;
import io.turnout.engine.http.HttpStatus;
import io.turnout.engine.http.RequestHead;
import io.turnout.engine.http.ResponseHead;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.RouteDecision;
import io.turnout.engine.route.Router;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.ServerCursor;
import org.tinylog.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * One client connection and the exchange (request and response) it is in, HAProxy style: the
 * connection owns the socket and its input buffer; the exchange state is reset for every request,
 * so each request on a keep-alive connection is routed on its own.
 *
 * <p>Bytes are relayed without copies: client bytes are read into {@code in} and written from
 * {@code in} to the upstream; upstream bytes are read into {@code upIn} and written from there to
 * the client. Only the heads are rewritten, into their own buffers, and go out in a gathering
 * write together with the body bytes that follow them. A side is read only while the other side
 * has nothing pending, which is the back pressure (Netty's HexDumpProxy discipline).
 *
 * <p>Buffers are in "drain mode" between events: {@code [position, limit)} holds unread bytes,
 * and {@code [position, sendEnd)} the bytes already framed as part of the current message and
 * waiting to be written to the peer.
 */
final class ClientConnection extends Timed implements IoHandler, UpstreamOwner {
    private enum Phase { READ_HEAD, EXCHANGE, TUNNEL, CLOSING, CLOSED }

    private enum ResponsePhase { HEAD, BODY, DONE }

    private enum Failure {
        CONNECT, CONNECT_TIMEOUT, RESET, RESPONSE_TIMEOUT, BAD_RESPONSE,
        /** The proxy ran out of buffers: not the server's fault. */
        NO_BUFFER;

        boolean isConnect() {
            return this == CONNECT || this == CONNECT_TIMEOUT;
        }
    }

    private static final long LINGER_NANOS = 2_000_000_000L;
    /** Client input, request head out, upstream input, response head out. */
    private static final int BUFFERS_PER_EXCHANGE = 4;
    /**
     * A safe request's response with a Content-Length up to this is held until its body is in,
     * so a server that dies between its head and its body is retried instead of showing the
     * client a truncated response (SPEC §3: retry while no response byte reached the client).
     */
    private static final int HOLD_BODY_LIMIT = 16 * 1024;

    private final SelectorLoop loop;
    private final ProxyContext context;
    private final ProxySettings settings;
    private final BufferPool buffers;
    private final SocketChannel channel;
    private final long idleTimeoutNanos;
    private final byte[] clientAddress;
    private final RequestHead request = new RequestHead();
    private ResponseHead response = new ResponseHead();
    private final ChunkScanner requestChunks = new ChunkScanner();
    private final ChunkScanner responseChunks = new ChunkScanner();
    private final RouteDecision route = new RouteDecision();
    private final ServerCursor cursor = new ServerCursor();
    private final ByteBuffer[] gather = new ByteBuffer[2];
    private final byte[] cookieScratch = new byte[Router.cookieScratchSize()];
    private SelectionKey key;
    private int clientInterest = -1;
    private Phase phase = Phase.READ_HEAD;
    /** Reading is paused until the buffer pool has a buffer again. */
    private boolean awaitingBuffer;

    private ByteBuffer in;
    private int inSendEnd;
    /** Where the current request's body starts in {@code in}, for a replay; -1 once it is gone. */
    private int replayFrom;

    // The current exchange: request side.
    private ByteBuffer requestHeadOut;
    private UpstreamConnection upstream;
    private Cluster servingCluster;
    private boolean headRequest;
    private boolean safeMethod;
    private boolean clientHttp10;
    private boolean clientWantsClose;
    private boolean upgradeRequested;
    private boolean requestChunked;
    private long requestBodyLength;
    private long requestRemaining;
    private boolean requestFramed;
    private boolean requestSent;
    private boolean requestBytesSent;
    private boolean upstreamWritePending;
    private int sends;
    private long requestStart;

    // The current exchange: response side.
    private ByteBuffer upIn;
    private int upInSendEnd;
    private ByteBuffer responseHeadOut;
    private ResponsePhase responsePhase;
    private ResponseHead.BodyKind responseKind;
    private long responseRemaining;
    /** A response byte reached the client: from now on nothing can be retried. */
    private boolean responseStarted;
    /** The rewritten head waits for a small body (see {@link #HOLD_BODY_LIMIT}). */
    private boolean holdingHead;
    private boolean upstreamReusable;
    private boolean closeAfterResponse;

    // CONCURRENT: the same request to the previous version, and what is needed to compare.
    private ShadowExchange shadow;
    private ShadowExchange comparing;
    private CRC32C bodyChecksum;
    private long bodyBytes;

    // Tunnel (after 101) half-closes.
    private boolean clientEof;
    private boolean upstreamEof;

    ClientConnection(SelectorLoop loop, SocketChannel channel) throws IOException {
        this.loop = loop;
        this.context = loop.context();
        this.settings = context.settings();
        this.buffers = loop.buffers();
        this.channel = channel;
        this.idleTimeoutNanos = settings.idleTimeout().toNanos();
        InetSocketAddress remote = (InetSocketAddress) channel.getRemoteAddress();
        this.clientAddress = remote.getAddress().getHostAddress().getBytes(StandardCharsets.US_ASCII);
    }

    void register(Selector selector) throws IOException {
        key = channel.register(selector, SelectionKey.OP_READ, this);
        clientInterest = SelectionKey.OP_READ;
        loop.track(this);
        awaitNextRequest();
    }

    // ---- readiness --------------------------------------------------------------------------------

    @Override
    public void onReady(SelectionKey readyKey) {
        if (!readyKey.isValid()) {
            return;
        }
        int ready = readyKey.readyOps();
        if ((ready & SelectionKey.OP_WRITE) != 0) {
            onClientWritable();
        }
        if (phase != Phase.CLOSED && (ready & SelectionKey.OP_READ) != 0) {
            onClientReadable();
        }
        updateInterest();
    }

    @Override
    public void onUpstreamReady(UpstreamConnection from, int ready) {
        if (from != upstream) {
            from.close(); // a connection this exchange already gave up on
            return;
        }
        if ((ready & SelectionKey.OP_CONNECT) != 0) {
            finishConnect();
        } else {
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                if (phase == Phase.TUNNEL) {
                    flushToUpstream();
                    closeTunnelIfDone();
                } else {
                    pumpRequest();
                }
            }
            if (upstream == from && (ready & SelectionKey.OP_READ) != 0) {
                onUpstreamReadable();
            }
        }
        updateInterest();
    }

    @Override
    void onTimeout(long now) {
        if (awaitingBuffer) {
            awaitingBuffer = false; // read interest comes back; the read retries the pool
            deadline = now + idleTimeoutNanos;
            updateInterest();
            return;
        }
        switch (phase) {
            case READ_HEAD -> {
                if (in != null && in.hasRemaining()) {
                    respondError(408); // half a head, then silence: slowloris (SPEC §7 head timeout)
                } else {
                    close(); // idle keep-alive connection
                }
            }
            case CLOSING -> close();
            default -> close(); // the client stopped reading for longer than the idle timeout
        }
        updateInterest();
    }

    @Override
    public void onUpstreamTimeout(UpstreamConnection from) {
        if (from != upstream) {
            from.close();
            return;
        }
        if (from.state == UpstreamConnection.State.CONNECTING) {
            upstreamFailed(Failure.CONNECT_TIMEOUT);
        } else if (responsePhase == ResponsePhase.HEAD) {
            upstreamFailed(Failure.RESPONSE_TIMEOUT);
        } else if (!responseStarted) {
            upstreamFailed(Failure.RESET); // stalled before a byte reached the client
        } else {
            close(); // the upstream stalled mid-body: the client can only see the connection end
        }
        updateInterest();
    }

    // ---- client input -----------------------------------------------------------------------------

    private void onClientReadable() {
        if (phase == Phase.CLOSING) {
            discardInput();
            return;
        }
        if (!readClient()) {
            return;
        }
        switch (phase) {
            case READ_HEAD -> processHead();
            case EXCHANGE -> pumpRequest();
            case TUNNEL -> {
                inSendEnd = in.limit();
                flushToUpstream();
            }
            default -> {
                // nothing to read in other phases
            }
        }
    }

    /** Reads what the client sent into {@code in}. Returns false when nothing more can happen now. */
    private boolean readClient() {
        if (in == null) {
            in = buffers.acquireReserving(BUFFERS_PER_EXCHANGE);
            if (in == null) {
                // Every buffer is in use: stop reading this client and try again at the next
                // sweep, instead of allocating beyond the pool's bound.
                awaitingBuffer = true;
                deadline = System.nanoTime();
                return false;
            }
            in.flip();
            inSendEnd = 0;
        }
        int scanned = request.scannedBytes(in);
        int shift = in.position();
        in.compact();
        inSendEnd -= shift;
        if (replayFrom >= 0) {
            replayFrom = replayFrom >= shift ? replayFrom - shift : -1;
        }
        int n;
        try {
            n = channel.read(in);
        } catch (IOException e) {
            in.flip();
            close();
            return false;
        }
        in.flip();
        if (phase == Phase.READ_HEAD) {
            request.rebaseScan(scanned);
        }
        if (n < 0) {
            onClientEof();
            return false;
        }
        if (phase == Phase.READ_HEAD && in.position() == 0 && in.limit() == n && n > 0) {
            deadline = System.nanoTime() + settings.headTimeout().toNanos(); // the head has begun
        }
        return n > 0;
    }

    private void onClientEof() {
        if (phase == Phase.TUNNEL) {
            clientEof = true;
            flushToUpstream();
            closeTunnelIfDone();
        } else if (phase == Phase.EXCHANGE && requestFramed) {
            clientEof = true; // a half-close after a whole request still gets its response
        } else {
            close(); // between requests this is the normal end; mid-body the client gave up
        }
    }

    private void processHead() {
        skipLeadingEmptyLines();
        if (!in.hasRemaining()) {
            awaitNextRequest();
            return;
        }
        int end = request.findEnd(in);
        if (end < 0) {
            if (in.remaining() >= settings.maxHeadBytes()) {
                respondError(tooLargeStatus());
            }
            return;
        }
        if (end - in.position() > settings.maxHeadBytes()) {
            respondError(tooLargeStatus());
            return;
        }
        int status = request.parse(in, end);
        if (status != HttpStatus.OK) {
            respondError(status);
            return;
        }
        startExchange(end);
    }

    /** 414 when the request line alone does not fit (RFC 9112 §3), else 431. */
    private int tooLargeStatus() {
        int limit = Math.min(in.limit(), in.position() + settings.maxHeadBytes());
        for (int i = in.position(); i < limit; i++) {
            if (in.get(i) == '\n') {
                return 431;
            }
        }
        return 414;
    }

    /** RFC 9112 §2.2: a server should ignore empty lines received before a request line. */
    private void skipLeadingEmptyLines() {
        while (in.remaining() >= 2 && in.get(in.position()) == '\r' && in.get(in.position() + 1) == '\n') {
            in.position(in.position() + 2);
        }
    }

    // ---- one exchange -----------------------------------------------------------------------------

    private void startExchange(int headEnd) {
        phase = Phase.EXCHANGE;
        deadline = 0;
        requestStart = System.nanoTime();
        loop.retryBudget().onRequest(requestStart);
        if (!loop.router().route(context.writer().snapshot(), request, route)) {
            respondError(503);
            return;
        }
        requestHeadOut = buffers.acquire();
        if (requestHeadOut == null) {
            respondError(503);
            return;
        }
        if (request.length() + request.rewriteOverhead(clientAddress.length) > requestHeadOut.capacity()) {
            respondError(431);
            return;
        }
        request.writeUpstreamHead(requestHeadOut, clientAddress);
        requestHeadOut.flip();

        RequestHead.Method method = request.method();
        headRequest = method == RequestHead.Method.HEAD;
        safeMethod = method.isSafe();
        clientHttp10 = !request.isHttp11();
        clientWantsClose = !request.keepAlive();
        upgradeRequested = request.isUpgrade();
        requestChunked = request.isChunked();
        requestBodyLength = request.bodyLength();
        in.position(headEnd);
        inSendEnd = headEnd;
        replayFrom = headEnd;
        sends = 0;
        resetRequestFraming();
        resetResponse();
        Cluster fallback = route.fallback();
        if (route.shadow() != null && startShadow(headEnd)) {
            fallback = null; // if L fails, P's answer is already on its way
        }
        cursor.begin(route.primary(), fallback, loop.nextRoundRobin());
        connectNext();
    }

    /** CONCURRENT: asks P too, when the whole request (head and body) is at hand to copy. */
    private boolean startShadow(int headEnd) {
        shadow = null;
        if (requestChunked || in.limit() - headEnd < requestBodyLength) {
            return false; // a streamed body is sent to L only
        }
        ShadowExchange started = new ShadowExchange(loop, this, route.newest(), route.shadow(), headRequest);
        if (!started.start(requestHeadOut, in, headEnd, headEnd + (int) requestBodyLength)) {
            return false;
        }
        shadow = started;
        return true;
    }

    private boolean shadowCanAnswer() {
        return shadow != null && shadow.isAlive() && !responseStarted;
    }

    /** L failed before answering: the client gets P's answer from the shadow. */
    private void promoteShadow() {
        closeUpstream();
        buffers.release(upIn);
        upIn = null;
        upInSendEnd = 0;
        shadow.promoteWhenReady();
    }

    /** Called by the shadow when its head is here and L has failed: P answers the client. */
    void adoptShadow(ShadowExchange adopted) {
        shadow = null;
        upstream = adopted.takeUpstream();
        upstream.owner = this;
        upIn = adopted.takeBuffer();
        response = adopted.swapResponse(response);
        servingCluster = adopted.cluster();
        upInSendEnd = upIn.position();
        // The shadow sent the whole request; the client's buffer moves past it.
        in.position(replayFrom + (int) requestBodyLength);
        inSendEnd = in.position();
        requestFramed = true;
        requestSent = true;
        if (acceptFinalHead(adopted.headEnd())) {
            pumpResponse();
        }
        updateInterest();
    }

    /** The shadow that was to answer failed too. */
    void onShadowFailed() {
        shadow = null;
        if (phase == Phase.EXCHANGE) {
            respondError(502);
            updateInterest();
        }
    }

    private void resetRequestFraming() {
        requestChunks.reset();
        requestRemaining = requestBodyLength;
        requestFramed = !requestChunked && requestBodyLength == 0;
        requestSent = false;
        requestBytesSent = false;
        upstreamWritePending = false;
    }

    private void resetResponse() {
        response.reset();
        holdingHead = false;
        responsePhase = ResponsePhase.HEAD;
        responseStarted = false;
        upstreamReusable = false;
        closeAfterResponse = false;
    }

    /** Tries the next candidate server until one connects or none is left. */
    private void connectNext() {
        Server server;
        while ((server = cursor.next()) != null) {
            servingCluster = cursor.currentCluster();
            UpstreamConnection pooled = loop.upstreams().lease(server, this);
            if (pooled != null) {
                upstream = pooled;
                onUpstreamConnected();
                return;
            }
            try {
                upstream = UpstreamConnection.open(loop, server, this);
            } catch (IOException e) {
                if (Logger.isDebugEnabled()) {
                    Logger.debug("Connect to {} failed: {}", server, e.getMessage());
                }
                context.health().onFailure(servingCluster, server, true, e.getMessage());
                continue;
            }
            if (upstream.state == UpstreamConnection.State.LEASED) {
                onUpstreamConnected();
            } else {
                upstream.deadline = System.nanoTime() + settings.connectTimeout().toNanos();
            }
            return;
        }
        if (shadowCanAnswer()) {
            promoteShadow();
        } else {
            respondError(502);
        }
    }

    private void finishConnect() {
        try {
            if (!upstream.channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            if (Logger.isDebugEnabled()) {
                Logger.debug("Connect to {} failed: {}", upstream.server, e.getMessage());
            }
            upstreamFailed(Failure.CONNECT);
            return;
        }
        upstream.state = UpstreamConnection.State.LEASED;
        onUpstreamConnected();
    }

    private void onUpstreamConnected() {
        sends++;
        upstream.deadline = System.nanoTime() + settings.responseTimeout().toNanos();
        pumpRequest();
    }

    /** Frames newly read request body bytes and writes what is framed to the upstream. */
    private void pumpRequest() {
        if (upstream == null || upstream.state != UpstreamConnection.State.LEASED) {
            return;
        }
        if (!requestFramed) {
            frameRequestBody();
            if (phase != Phase.EXCHANGE) {
                return;
            }
        }
        if (flushToUpstream() && requestFramed) {
            requestSent = true;
            if (responsePhase == ResponsePhase.DONE) {
                finishExchange(); // the response finished while the body was still going out
            }
        }
    }

    private void frameRequestBody() {
        int limit = in.limit();
        if (requestChunked) {
            int end = requestChunks.scan(in, inSendEnd, limit);
            if (end == ChunkScanner.ERROR) {
                if (responseStarted) {
                    close();
                } else {
                    respondError(400);
                }
                return;
            }
            inSendEnd = end;
            requestFramed = requestChunks.isDone();
        } else {
            long take = Math.min(requestRemaining, limit - inSendEnd);
            inSendEnd += (int) take;
            requestRemaining -= take;
            requestFramed = requestRemaining == 0;
        }
    }

    /** Writes the pending request head and framed body bytes. Returns true when nothing is left. */
    private boolean flushToUpstream() {
        if (!(requestHeadOut != null && requestHeadOut.hasRemaining()) && in.position() >= inSendEnd) {
            upstreamWritePending = false;
            return true;
        }
        try {
            if (writeFramed(upstream.channel, requestHeadOut, in, inSendEnd) > 0) {
                requestBytesSent = true;
            }
        } catch (IOException e) {
            if (phase == Phase.TUNNEL) {
                close();
            } else {
                upstreamFailed(Failure.RESET);
            }
            return false;
        }
        upstreamWritePending = (requestHeadOut != null && requestHeadOut.hasRemaining()) || in.position() < inSendEnd;
        return !upstreamWritePending;
    }

    /**
     * Writes what remains of a rewritten {@code head} and the framed bytes
     * {@code [body.position(), sendEnd)} in one gathering write: one syscall for head and body.
     */
    private long writeFramed(SocketChannel to, ByteBuffer head, ByteBuffer body, int sendEnd) throws IOException {
        int limit = body.limit();
        body.limit(sendEnd);
        try {
            if (head != null && head.hasRemaining()) {
                gather[0] = head;
                gather[1] = body;
                return to.write(gather);
            }
            return to.write(body);
        } finally {
            body.limit(limit);
            gather[0] = null;
            gather[1] = null;
        }
    }

    // ---- upstream input ---------------------------------------------------------------------------

    private void onUpstreamReadable() {
        if (upIn == null) {
            upIn = buffers.acquire();
            if (upIn == null) {
                upstreamFailed(Failure.NO_BUFFER);
                return;
            }
            upIn.flip();
            upInSendEnd = 0;
        }
        int scanned = response.scannedBytes(upIn);
        int shift = upIn.position();
        upIn.compact();
        upInSendEnd -= shift;
        int n;
        try {
            n = upstream.channel.read(upIn);
        } catch (IOException e) {
            upIn.flip();
            onUpstreamEof();
            return;
        }
        upIn.flip();
        if (responsePhase == ResponsePhase.HEAD) {
            response.rebaseScan(scanned);
        }
        if (n < 0) {
            onUpstreamEof();
            return;
        }
        if (n == 0) {
            return;
        }
        if (phase == Phase.TUNNEL) {
            upInSendEnd = upIn.limit();
            flushToClient();
            return;
        }
        if (responsePhase == ResponsePhase.BODY) {
            upstream.deadline = System.nanoTime() + idleTimeoutNanos;
        }
        pumpResponse();
    }

    private void onUpstreamEof() {
        if (phase == Phase.TUNNEL) {
            upstreamEof = true;
            flushToClient();
            closeTunnelIfDone();
            return;
        }
        switch (responsePhase) {
            case HEAD -> upstreamFailed(Failure.RESET);
            case BODY -> {
                upstreamReusable = false;
                if (responseKind == ResponseHead.BodyKind.UNTIL_CLOSE) {
                    responsePhase = ResponsePhase.DONE; // the close is the end of this body
                    if (flushToClient()) {
                        finishExchange();
                    }
                } else if (!responseStarted) {
                    upstreamFailed(Failure.RESET); // died before its held body was complete: retry
                } else {
                    close(); // truncated: closing is the only honest signal left
                }
            }
            default -> upstreamReusable = false;
        }
    }

    /** Parses heads, frames body bytes and writes them to the client, as far as the bytes go. */
    private void pumpResponse() {
        while (phase == Phase.EXCHANGE) {
            if (responsePhase == ResponsePhase.HEAD && !parseResponseHead()) {
                return;
            }
            if (phase != Phase.EXCHANGE) {
                return;
            }
            if (responsePhase == ResponsePhase.BODY) {
                frameResponseBody();
                if (phase != Phase.EXCHANGE) {
                    return;
                }
            }
            holdingHead = shouldHoldHead();
            if (holdingHead || !flushToClient()) {
                return;
            }
            if (responsePhase == ResponsePhase.DONE) {
                if (requestSent || !requestFramed) {
                    finishExchange();
                }
                return;
            }
            if (responsePhase == ResponsePhase.HEAD && upIn.hasRemaining()) {
                continue; // the final head may follow a 1xx in the same read
            }
            return;
        }
        if (phase == Phase.TUNNEL) {
            flushToClient();
        }
    }

    private boolean shouldHoldHead() {
        return !responseStarted && safeMethod && responsePhase == ResponsePhase.BODY
                && responseKind == ResponseHead.BodyKind.LENGTH && response.contentLength() <= HOLD_BODY_LIMIT
                && upInSendEnd + responseRemaining <= upIn.capacity();
    }

    /** Returns true when a head was consumed (final or interim). */
    private boolean parseResponseHead() {
        int end = response.findEnd(upIn);
        if (end < 0) {
            if (upIn.remaining() >= settings.maxHeadBytes()) {
                upstreamFailed(Failure.BAD_RESPONSE);
            }
            return false;
        }
        int status = response.parse(upIn, end);
        if (status != HttpStatus.OK || end - upIn.position() > settings.maxHeadBytes()) {
            upstreamFailed(Failure.BAD_RESPONSE);
            return false;
        }
        if (!response.isInterim() && response.status() >= 500) {
            if (shadowCanAnswer()) {
                context.health().onServerError(servingCluster, upstream.server, response.status());
                servingCluster.state().metrics().onUpstreamFailure();
                promoteShadow();
                return false;
            }
            if (retryAfterServerError()) {
                return false;
            }
        }
        if (response.isInterim()) {
            return relayInterimHead(end);
        }
        if (shadow != null) {
            startComparing();
        }
        return acceptFinalHead(end);
    }

    /** 1xx (100-continue) passes through unchanged; the final head follows. */
    private boolean relayInterimHead(int end) {
        responseHeadOut = buffers.acquire();
        if (responseHeadOut == null) {
            upstreamFailed(Failure.NO_BUFFER);
            return false;
        }
        response.writeInterimHead(responseHeadOut);
        responseHeadOut.flip();
        upIn.position(end);
        upInSendEnd = end;
        response.reset();
        responseStarted = true;
        return true;
    }

    /** L answers: P's response, still arriving, is only compared with it from now on. */
    private void startComparing() {
        comparing = shadow;
        shadow = null;
        comparing.primaryWon(response.status(), response.contentTypeHash());
        if (bodyChecksum == null) {
            bodyChecksum = new CRC32C();
        }
        bodyChecksum.reset();
        bodyBytes = 0;
    }

    /** Rewrites the final head (cookies, Connection) for the client and sets up the body framing. */
    private boolean acceptFinalHead(int end) {
        responseHeadOut = buffers.acquire();
        if (responseHeadOut == null) {
            upstreamFailed(Failure.NO_BUFFER);
            return false;
        }
        if (response.isSwitchingProtocols() && !upgradeRequested) {
            // RFC 9110 §15.2.2: a switch nobody asked for; the connection's protocol is unknown now.
            releaseResponseHead();
            upstreamFailed(Failure.BAD_RESPONSE);
            return false;
        }
        upstream.deadline = 0;
        if (response.status() < 500) {
            context.health().onSuccess(servingCluster, upstream.server);
        }
        servingCluster.state().metrics().onResponse(response.status(), System.nanoTime() - requestStart);
        boolean switching = response.isSwitchingProtocols() && upgradeRequested;
        responseKind = response.bodyKind(headRequest);
        upstreamReusable = !switching && response.upstreamReusable(headRequest);
        closeAfterResponse = !switching && (clientWantsClose || clientHttp10 || loop.isDraining()
                || responseKind == ResponseHead.BodyKind.UNTIL_CLOSE);
        int cookies = loop.router().writeCookies(route, servingCluster, cookieScratch);
        int needed = (end - upIn.position()) + cookies + ResponseHead.rewriteOverhead() + 2;
        if (needed > responseHeadOut.capacity()) {
            upstreamFailed(Failure.BAD_RESPONSE);
            return false;
        }
        response.writeClientHead(responseHeadOut, cookieScratch, cookies, closeAfterResponse, clientHttp10);
        responseHeadOut.flip();
        logResponse();
        upIn.position(end);
        upInSendEnd = end;
        responseRemaining = response.contentLength();
        responseChunks.reset();
        if (comparing != null && responseKind == ResponseHead.BodyKind.CHUNKED) {
            responseChunks.checksumData(bodyChecksum);
        }
        if (switching) {
            enterTunnel();
        } else {
            responsePhase = responseKind == ResponseHead.BodyKind.NONE ? ResponsePhase.DONE : ResponsePhase.BODY;
        }
        return true;
    }

    private void logResponse() {
        if (context.logResponses()) {
            Server server = upstream.server;
            Logger.info("Serving response {} from ip: [{}] port: [{}] version: [{}] mode: [{}]",
                    context.nextResponseNumber(), server.hostname(), server.port(), servingCluster.version(),
                    route.newest().mode());
        }
    }

    private void frameResponseBody() {
        int limit = upIn.limit();
        switch (responseKind) {
            case LENGTH -> {
                long take = Math.min(responseRemaining, limit - upInSendEnd);
                compareBody(upInSendEnd, upInSendEnd + (int) take);
                upInSendEnd += (int) take;
                responseRemaining -= take;
                if (responseRemaining == 0) {
                    responsePhase = ResponsePhase.DONE;
                }
            }
            case CHUNKED -> {
                int end = responseChunks.scan(upIn, upInSendEnd, limit);
                if (end == ChunkScanner.ERROR) {
                    // The head is out, so a 502 is impossible; the client sees a truncated close.
                    flushToClient();
                    close();
                    return;
                }
                upInSendEnd = end;
                if (responseChunks.isDone()) {
                    responsePhase = ResponsePhase.DONE;
                }
            }
            default -> {
                compareBody(upInSendEnd, limit);
                upInSendEnd = limit;
            }
        }
        if (responsePhase == ResponsePhase.DONE && upInSendEnd < limit) {
            upstreamReusable = false; // the upstream sent more than its response: never reuse it
        }
    }

    private void compareBody(int from, int to) {
        if (comparing != null) {
            Checksums.update(bodyChecksum, upIn, from, to);
            bodyBytes += to - from;
        }
    }

    /** Writes the pending response head and framed body bytes. Returns true when nothing is left. */
    private boolean flushToClient() {
        if (!clientOutputPending()) {
            releaseResponseHead();
            return true;
        }
        try {
            if (writeFramed(channel, responseHeadOut, upIn, upInSendEnd) > 0) {
                responseStarted = true;
                deadline = System.nanoTime() + idleTimeoutNanos;
            }
        } catch (IOException e) {
            close();
            return false;
        }
        boolean pending = clientOutputPending();
        if (!pending) {
            releaseResponseHead();
            deadline = 0;
        }
        return !pending;
    }

    private boolean clientOutputPending() {
        return (responseHeadOut != null && responseHeadOut.hasRemaining())
                || (upIn != null && upIn.position() < upInSendEnd);
    }

    private void onClientWritable() {
        if (phase == Phase.CLOSING) {
            flushError();
        } else if (phase == Phase.TUNNEL) {
            flushToClient();
            closeTunnelIfDone();
        } else if (phase == Phase.EXCHANGE) {
            pumpResponse();
        }
    }

    // ---- failure and retry (SPEC §3) ---------------------------------------------------------------

    private void upstreamFailed(Failure failure) {
        Server failed = upstream != null ? upstream.server : null;
        if (Logger.isDebugEnabled()) {
            Logger.debug("Upstream {} failed: {}", failed, failure);
        }
        if (failed != null && failure != Failure.NO_BUFFER) {
            context.health().onFailure(servingCluster, failed, failure.isConnect(), failure.name());
            servingCluster.state().metrics().onUpstreamFailure();
        }
        closeUpstream();
        buffers.release(upIn);
        upIn = null;
        upInSendEnd = 0;
        if (responseStarted) {
            close();
            return;
        }
        releaseResponseHead(); // a held head that never went out
        holdingHead = false;
        comparing = null;
        if (shadowCanAnswer() && (failure == Failure.RESPONSE_TIMEOUT || failure == Failure.BAD_RESPONSE)) {
            promoteShadow();
            return;
        }
        switch (failure) {
            case RESPONSE_TIMEOUT -> respondError(504);
            case BAD_RESPONSE -> respondError(502);
            case NO_BUFFER -> respondError(503);
            default -> {
                if (retry()) {
                    return;
                }
                if (shadowCanAnswer()) {
                    promoteShadow();
                } else {
                    respondError(502);
                }
            }
        }
    }

    /**
     * A 5xx head arrived. SPEC §3 counts it as a failure; a safe request is sent again to the
     * next candidate when there is one and the retry budget allows, so the client never sees the
     * broken version's error. Otherwise the error goes to the client as it is. Returns true when
     * a retry was started.
     */
    private boolean retryAfterServerError() {
        context.health().onServerError(servingCluster, upstream.server, response.status());
        servingCluster.state().metrics().onUpstreamFailure();
        if (!safeMethod || !cursor.hasNext() || !mayRetry()) {
            return false;
        }
        closeUpstream(); // the rest of the error response is not read, so the connection cannot be reused
        buffers.release(upIn);
        upIn = null;
        upInSendEnd = 0;
        resend();
        return true;
    }

    /** Sends the request again to the next candidate, if the rules and the retry budget allow. */
    private boolean retry() {
        if (!mayRetry()) {
            return false;
        }
        resend();
        return true;
    }

    private boolean mayRetry() {
        return canReplay() && (!requestBytesSent || loop.retryBudget().tryRetry(System.nanoTime()));
    }

    private void resend() {
        if (servingCluster != null) {
            servingCluster.state().metrics().onRetry();
        }
        requestHeadOut.position(0);
        in.position(replayFrom);
        inSendEnd = replayFrom;
        resetRequestFraming();
        resetResponse();
        connectNext();
    }

    /**
     * SPEC §3: replay only what cannot have had an effect twice: a request no byte of which was
     * sent, or a safe one whose body is still whole in the buffer; at most {@code maxRetries}
     * times after the first send.
     */
    private boolean canReplay() {
        if (replayFrom < 0) {
            return false;
        }
        if (!requestBytesSent) {
            return true;
        }
        return safeMethod && sends <= settings.maxRetries();
    }

    private void closeUpstream() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        upstreamWritePending = false;
    }

    // ---- end of an exchange -----------------------------------------------------------------------

    private void finishExchange() {
        if (comparing != null) {
            // A chunked body's checksum covers its data; its decoded length is not counted.
            comparing.primaryEnded(bodyChecksum.getValue(),
                    responseKind == ResponseHead.BodyKind.CHUNKED ? -1 : bodyBytes);
            comparing = null;
        }
        if (!requestSent) {
            // The response ended before the request did: the rest of the request cannot be told
            // apart from a next request, so neither connection can carry another exchange.
            upstreamReusable = false;
            closeAfterResponse = true;
        }
        if (upstream != null) {
            if (upstreamReusable && upIn.position() == upIn.limit()) {
                upstream.deadline = 0;
                loop.upstreams().giveBack(upstream);
            } else {
                upstream.close();
            }
            upstream = null;
        }
        buffers.release(upIn);
        upIn = null;
        upInSendEnd = 0;
        buffers.release(requestHeadOut);
        requestHeadOut = null;
        releaseResponseHead();
        if (closeAfterResponse || clientEof) {
            beginClose();
            return;
        }
        phase = Phase.READ_HEAD;
        request.reset();
        responseStarted = false; // the next request's errors are answered, not cut
        if (in.hasRemaining()) {
            processHead(); // a pipelined request is already here
        } else {
            awaitNextRequest();
        }
    }

    private void awaitNextRequest() {
        phase = Phase.READ_HEAD;
        request.reset();
        if (in != null && !in.hasRemaining()) {
            buffers.release(in);
            in = null;
        }
        if (loop.isDraining() && in == null) {
            close();
            return;
        }
        deadline = System.nanoTime() + idleTimeoutNanos;
    }

    void onDrain() {
        if (phase == Phase.READ_HEAD && (in == null || !in.hasRemaining())) {
            close();
        }
    }

    // ---- tunnel (101 Switching Protocols) ----------------------------------------------------------

    private void enterTunnel() {
        phase = Phase.TUNNEL;
        deadline = 0;
        upstream.deadline = 0;
        buffers.release(requestHeadOut);
        requestHeadOut = null;
        upInSendEnd = upIn.limit();
        inSendEnd = in.limit();
        flushToClient();
        flushToUpstream();
    }

    private void closeTunnelIfDone() {
        if (phase != Phase.TUNNEL) {
            return;
        }
        try {
            if (clientEof && !upstreamWritePending && upstream != null && upstream.channel.isOpen()) {
                upstream.channel.shutdownOutput();
            }
            if (upstreamEof && !clientOutputPending()) {
                channel.shutdownOutput();
            }
        } catch (IOException e) {
            close();
            return;
        }
        if (clientEof && upstreamEof && !upstreamWritePending && !clientOutputPending()) {
            close();
        }
    }

    // ---- errors and closing -----------------------------------------------------------------------

    /** Answers with a canned error and closes; the exchange, if any, is abandoned. */
    private void respondError(int status) {
        if (responseStarted) {
            close();
            return;
        }
        closeUpstream();
        if (shadow != null) {
            shadow.abandon();
            shadow = null;
        }
        buffers.release(upIn);
        upIn = null;
        buffers.release(requestHeadOut);
        requestHeadOut = null;
        releaseResponseHead();
        phase = Phase.CLOSING;
        errorOut = ErrorResponses.forStatus(status);
        deadline = System.nanoTime() + LINGER_NANOS;
        flushError();
    }

    private ByteBuffer errorOut;

    private void flushError() {
        if (errorOut != null) {
            try {
                channel.write(errorOut);
            } catch (IOException e) {
                close();
                return;
            }
            if (errorOut.hasRemaining()) {
                return;
            }
            errorOut = null;
        }
        beginClose();
    }

    /**
     * Half-closes and reads until the client closes too (a lingering close, as nginx does):
     * closing with unread input would send a reset that can destroy the response in flight.
     */
    private void beginClose() {
        phase = Phase.CLOSING;
        deadline = System.nanoTime() + LINGER_NANOS;
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            close();
        }
    }

    private void discardInput() {
        if (in == null) {
            in = buffers.acquire();
            if (in == null) {
                close();
                return;
            }
        }
        in.clear();
        try {
            if (channel.read(in) < 0) {
                close();
                return;
            }
        } catch (IOException e) {
            close();
            return;
        }
        in.clear().flip();
    }

    /** Closes everything now, whatever state the exchange is in. */
    void close() {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        if (shadow != null) {
            shadow.abandon();
            shadow = null;
        }
        comparing = null; // an answer cut short is not compared
        closeUpstream();
        buffers.release(in);
        in = null;
        buffers.release(upIn);
        upIn = null;
        buffers.release(requestHeadOut);
        requestHeadOut = null;
        releaseResponseHead();
        loop.untrack(this);
        key.cancel();
        SelectorLoop.closeQuietly(channel);
        loop.clientClosed();
    }

    private void releaseResponseHead() {
        if (responseHeadOut != null) {
            buffers.release(responseHeadOut);
            responseHeadOut = null;
        }
    }

    // ---- interest ops -----------------------------------------------------------------------------

    /** Derives both channels' interest from the state, once per event: one place to read it. */
    private void updateInterest() {
        if (phase == Phase.CLOSED) {
            return;
        }
        boolean clientOut = clientOutputPending() && !holdingHead;
        boolean upstreamConnected = upstream != null && upstream.state == UpstreamConnection.State.LEASED;
        int client = 0;
        switch (phase) {
            case READ_HEAD -> client = awaitingBuffer ? 0 : SelectionKey.OP_READ;
            case EXCHANGE -> {
                if (requestFramed) {
                    // Reading ahead (a pipelined request, or the client's close) keeps the interest
                    // set as it is between requests: no epoll_ctl per request. Stops when full.
                    if (!clientEof && !upstreamWritePending && in.position() + in.capacity() > in.limit()) {
                        client = SelectionKey.OP_READ;
                    }
                } else if (upstreamConnected && !upstreamWritePending) {
                    client = SelectionKey.OP_READ;
                }
            }
            case TUNNEL -> {
                if (!clientEof && !upstreamWritePending) {
                    client = SelectionKey.OP_READ;
                }
            }
            case CLOSING -> client = errorOut != null ? 0 : SelectionKey.OP_READ;
            default -> {
            }
        }
        if (clientOut || errorOut != null) {
            client |= SelectionKey.OP_WRITE;
        }
        if (client != clientInterest && key.isValid()) {
            key.interestOps(client);
            clientInterest = client;
        }
        if (upstream != null) {
            int ops = 0;
            if (upstream.state == UpstreamConnection.State.CONNECTING) {
                ops = SelectionKey.OP_CONNECT;
            } else if (upstreamConnected) {
                if (upstreamWritePending) {
                    ops |= SelectionKey.OP_WRITE;
                }
                boolean wantResponse = phase == Phase.EXCHANGE && responsePhase != ResponsePhase.DONE;
                boolean wantTunnel = phase == Phase.TUNNEL && !upstreamEof;
                if ((wantResponse || wantTunnel) && !clientOut) {
                    ops |= SelectionKey.OP_READ;
                }
            }
            upstream.interest(ops);
        }
    }

    @Override
    public String toString() {
        return "client " + new String(clientAddress, StandardCharsets.US_ASCII) + " " + phase;
    }
}
