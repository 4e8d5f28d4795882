package io.turnout.engine.net;

import io.turnout.engine.http.BodyFramer;
import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.RequestHead;
import io.turnout.engine.http.ResponseHead;
import io.turnout.engine.retry.Action;
import io.turnout.engine.retry.Attempt;
import io.turnout.engine.retry.Failure;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.RouteDecision;
import io.turnout.engine.route.Router;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.ServerCursor;
import io.turnout.engine.settings.ProxySettings;
import org.tinylog.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.zip.CRC32C;

/**
 * One request and its response, HAProxy's {@code h1s} to the connection's {@code h1c}: the route,
 * the upstream lease, the request and response pumps, the held head and CONCURRENT's second
 * answer. One per client connection, reset for every request, so keep-alive routes each request
 * on its own and the path allocates nothing. It never closes the client connection itself: it
 * ends with an {@link Outcome}, and the connection acts on it.
 *
 * <p>Client bytes go from the connection's buffer to the upstream, upstream bytes from
 * {@link #upIn} to the client; only the heads are rewritten, into their own buffers, and go out in
 * a gathering write with the body bytes that follow. A side is read only while the other side has
 * nothing pending, which is the back pressure (Netty's HexDumpProxy discipline).
 */
final class Exchange implements UpstreamOwner {
    /** How an exchange ended, for the connection to act on. */
    enum Outcome {
        RUNNING,
        /** The response is complete; the connection can carry the next request. */
        KEEP_ALIVE,
        /** The response is complete and the connection closes after it. */
        CLOSE,
        /** Close now: a response was cut short, or the client went away. */
        ABORT,
        /** A 101: the connection becomes a two-way tunnel. */
        TUNNEL,
        /** No response byte went out yet: answer with {@link #answerStatus()} and close. */
        ANSWER
    }

    private enum ResponsePhase { HEAD, BODY, DONE }

    /**
     * A safe request's response with a Content-Length up to this is held until its body is in,
     * so a server that dies between its head and its body is retried instead of showing the
     * client a truncated response (SPEC §3: retry while no response byte reached the client).
     */
    private static final int HOLD_BODY_LIMIT = 16 * 1024;

    private final ClientConnection connection;
    private final SelectorLoop loop;
    private final ProxyContext context;
    private final ProxySettings settings;
    private final BufferPool buffers;
    private final SocketChannel client;
    private final byte[] clientAddress;
    private final RelayBuffer in;
    private final RelayBuffer upIn;
    private final BodyFramer requestBody = new BodyFramer();
    private final BodyFramer responseBody = new BodyFramer();
    private final RouteDecision route = new RouteDecision();
    private final ServerCursor cursor = new ServerCursor();
    private final ServerCursor shadowCursor = new ServerCursor();
    private final Attempt attempt = new Attempt();
    private final byte[] cookieScratch = new byte[Router.cookieScratchSize()];
    private RequestHead request;
    private ResponseHead response = new ResponseHead();
    private ByteBuffer requestHeadOut;
    private ByteBuffer responseHeadOut;
    private UpstreamConnection upstream;
    private Cluster servingCluster;
    private boolean headRequest;
    private boolean clientHttp10;
    private boolean clientWantsClose;
    private boolean upgradeRequested;
    private boolean requestSent;
    private boolean upstreamWritePending;
    private long requestStart;
    private ResponsePhase responsePhase = ResponsePhase.DONE;
    private boolean holdingHead;
    private boolean upstreamReusable;
    private boolean closeAfterResponse;
    private Outcome outcome = Outcome.RUNNING;
    private int answerStatus;

    // CONCURRENT: P asked in parallel, then (once L answers) compared with L's answer.
    private ShadowExchange shadow;
    private ShadowExchange comparing;
    private CRC32C bodyDigest;

    Exchange(ClientConnection connection, SelectorLoop loop, SocketChannel client, byte[] clientAddress, RelayBuffer in) {
        this.connection = connection;
        this.loop = loop;
        this.context = loop.context();
        this.settings = context.settings();
        this.buffers = loop.buffers();
        this.client = client;
        this.clientAddress = clientAddress;
        this.in = in;
        this.upIn = new RelayBuffer(buffers);
    }

    Outcome outcome() {
        return outcome;
    }

    int answerStatus() {
        return answerStatus;
    }

    // ---- starting -----------------------------------------------------------------------------

    /** Starts the exchange for {@code head}, parsed from the client's buffer up to {@code headEnd}. */
    void start(RequestHead head, int headEnd) {
        request = head;
        outcome = Outcome.RUNNING;
        attempt.begin(head.method().isSafe());
        requestStart = System.nanoTime();
        loop.retryPolicy().onRequest(requestStart);
        if (!loop.router().route(context.writer().snapshot(), head, route)) {
            answer(503);
            return;
        }
        requestHeadOut = buffers.acquire();
        if (requestHeadOut == null) {
            answer(503);
            return;
        }
        if (head.length() + head.rewriteOverhead(clientAddress.length) > requestHeadOut.capacity()) {
            answer(431);
            return;
        }
        head.writeUpstreamHead(requestHeadOut, clientAddress);
        requestHeadOut.flip();
        headRequest = head.method() == RequestHead.Method.HEAD;
        clientHttp10 = !head.isHttp11();
        clientWantsClose = !head.keepAlive();
        upgradeRequested = head.isUpgrade();
        in.skipTo(headEnd);
        in.keepFromHere();
        beginTry();
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
        long bodyLength = request.bodyLength();
        if (request.isChunked() || in.bytes().limit() - headEnd < bodyLength) {
            return false; // a streamed body is sent to L only
        }
        shadowCursor.begin(route.shadow(), null, loop.nextRoundRobin());
        ShadowExchange started = new ShadowExchange(loop, this, route.newest(), route.shadow(), headRequest);
        if (!started.start(shadowCursor.next(), requestHeadOut, in.bytes(), headEnd, headEnd + (int) bodyLength)) {
            return false;
        }
        shadow = started;
        return true;
    }

    /** Everything one try of the request starts afresh. */
    private void beginTry() {
        requestBody.begin(request.bodyKind(), request.bodyLength());
        requestSent = false;
        upstreamWritePending = false;
        attempt.requestBytesSent(false).responseStarted(false);
        response.reset();
        responsePhase = ResponsePhase.HEAD;
        holdingHead = false;
        upstreamReusable = false;
        closeAfterResponse = false;
    }

    /** Leases or opens a connection to the next candidate server. */
    private void connectNext() {
        Server server = cursor.next();
        if (server == null) {
            failed(Failure.CONNECT_REFUSED, null, 0, null); // no candidate at all
            return;
        }
        servingCluster = cursor.currentCluster();
        upstream = loop.upstreams().lease(server, this);
        if (upstream == null) {
            try {
                upstream = UpstreamConnection.open(loop, server, this);
            } catch (IOException e) {
                failed(Failure.CONNECT_REFUSED, server, 0, e.getMessage());
                return;
            }
        }
        if (!upstream.isConnecting()) {
            onConnected();
        }
    }

    private void finishConnect() {
        try {
            if (!upstream.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            failed(Failure.CONNECT_REFUSED, upstream.server, 0, e.getMessage());
            return;
        }
        onConnected();
    }

    private void onConnected() {
        attempt.sends(attempt.sends() + 1);
        upstream.deadlineIn(settings.responseTimeout().toNanos());
        pumpRequest();
    }

    // ---- readiness ----------------------------------------------------------------------------

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
                pumpRequest();
            }
            if (upstream == from && outcome == Outcome.RUNNING && (ready & SelectionKey.OP_READ) != 0) {
                onUpstreamReadable();
            }
        }
        connection.afterExchangeEvent();
    }

    @Override
    public void onUpstreamTimeout(UpstreamConnection from) {
        if (from != upstream) {
            from.close();
            return;
        }
        if (from.isConnecting()) {
            failed(Failure.CONNECT_TIMEOUT, from.server, 0, null);
        } else if (responsePhase == ResponsePhase.HEAD) {
            failed(Failure.RESPONSE_TIMEOUT, from.server, 0, null);
        } else if (!attempt.responseStarted()) {
            failed(Failure.RESET, from.server, 0, null); // stalled before a byte reached the client
        } else {
            end(Outcome.ABORT); // stalled mid-body: the client can only see the connection end
        }
        connection.afterExchangeEvent();
    }

    @Override
    public void closeAfterError(UpstreamConnection from) {
        upstream = from == upstream ? null : upstream;
        end(Outcome.ABORT);
        connection.afterExchangeEvent();
    }

    /** New client bytes: body bytes of this request, or read-ahead of the next. */
    void onClientInput() {
        pumpRequest();
    }

    void onClientWritable() {
        pumpResponse();
    }

    /** Whether the request is complete, so a client's half-close can still get its response. */
    boolean requestComplete() {
        return requestBody.isDone();
    }

    // ---- request side -------------------------------------------------------------------------

    /** Frames newly read request body bytes and writes what is framed to the upstream. */
    private void pumpRequest() {
        if (upstream == null || !upstream.isLeased()) {
            return;
        }
        if (!requestBody.isDone() && !frameRequestBody()) {
            return;
        }
        if (flushToUpstream() && requestBody.isDone()) {
            requestSent = true;
            if (responsePhase == ResponsePhase.DONE) {
                finish(); // the response finished while the body was still going out
            }
        }
    }

    private boolean frameRequestBody() {
        int end = requestBody.frame(in.bytes(), in.sendEnd(), in.bytes().limit());
        if (end == BodyFramer.ERROR) {
            answer(400);
            return false;
        }
        in.framedTo(end);
        return true;
    }

    /** Writes the pending request head and framed body bytes. Returns true when nothing is left. */
    private boolean flushToUpstream() {
        if (!(requestHeadOut != null && requestHeadOut.hasRemaining()) && !in.hasPending()) {
            upstreamWritePending = false;
            return true;
        }
        try {
            if (in.writeTo(upstream.channel, requestHeadOut) > 0) {
                attempt.requestBytesSent(true);
            }
        } catch (IOException e) {
            failed(Failure.RESET, upstream.server, 0, null);
            return false;
        }
        upstreamWritePending = requestHeadOut.hasRemaining() || in.hasPending();
        return !upstreamWritePending;
    }

    // ---- response side ------------------------------------------------------------------------

    private void onUpstreamReadable() {
        if (!upIn.acquire(0)) {
            failed(Failure.NO_BUFFER, upstream.server, 0, null);
            return;
        }
        int n;
        try {
            n = upIn.readFrom(upstream.channel);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            onUpstreamEof();
        } else if (n > 0) {
            if (responsePhase == ResponsePhase.BODY) {
                upstream.deadlineIn(settings.idleTimeout().toNanos());
            }
            pumpResponse();
        }
    }

    private void onUpstreamEof() {
        switch (responsePhase) {
            case HEAD -> failed(Failure.RESET, upstream.server, 0, null);
            case BODY -> {
                upstreamReusable = false;
                if (responseBody.endOfInput()) {
                    responsePhase = ResponsePhase.DONE; // the close is the end of this body
                    if (flushToClient()) {
                        finish();
                    }
                } else if (!attempt.responseStarted()) {
                    failed(Failure.RESET, upstream.server, 0, null); // died before its held body was complete
                } else {
                    end(Outcome.ABORT); // truncated: closing is the only honest signal left
                }
            }
            default -> upstreamReusable = false;
        }
    }

    /** Parses heads, frames body bytes and writes them to the client, as far as the bytes go. */
    private void pumpResponse() {
        while (outcome == Outcome.RUNNING) {
            if (responsePhase == ResponsePhase.HEAD && !parseResponseHead()) {
                return;
            }
            if (outcome != Outcome.RUNNING || (responsePhase == ResponsePhase.BODY && !frameResponseBody())) {
                return;
            }
            holdingHead = shouldHoldHead();
            if (holdingHead || !flushToClient()) {
                return;
            }
            if (responsePhase == ResponsePhase.DONE) {
                if (requestSent || !requestBody.isDone()) {
                    finish();
                }
                return;
            }
            if (responsePhase != ResponsePhase.HEAD || !upIn.bytes().hasRemaining()) {
                return; // otherwise the final head may follow a 1xx in the same read
            }
        }
    }

    private boolean shouldHoldHead() {
        return !attempt.responseStarted() && attempt.isSafe() && responsePhase == ResponsePhase.BODY
                && responseBody.kind() == BodyFramer.Kind.LENGTH && response.contentLength() <= HOLD_BODY_LIMIT
                && upIn.sendEnd() + responseBody.remaining() <= upIn.bytes().capacity();
    }

    /** Returns true when a head was consumed (final or interim). */
    private boolean parseResponseHead() {
        ByteBuffer bytes = upIn.bytes();
        int end = response.findEnd(bytes);
        if (end < 0) {
            if (bytes.remaining() >= settings.maxHeadBytes()) {
                failed(Failure.BAD_RESPONSE, upstream.server, 0, null);
            }
            return false;
        }
        if (response.parse(bytes, end) != ParseResult.OK || end - bytes.position() > settings.maxHeadBytes()) {
            failed(Failure.BAD_RESPONSE, upstream.server, 0, null);
            return false;
        }
        if (!response.isInterim() && response.status() >= 500
                && failed(Failure.SERVER_ERROR, upstream.server, response.status(), null) != Action.RELAY) {
            return false;
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
            failed(Failure.NO_BUFFER, upstream.server, 0, null);
            return false;
        }
        response.writeInterimHead(responseHeadOut);
        responseHeadOut.flip();
        upIn.skipTo(end);
        response.reset();
        attempt.responseStarted(true);
        return true;
    }

    /** Rewrites the final head (cookies, Connection) for the client and sets up the body framing. */
    private boolean acceptFinalHead(int end) {
        responseHeadOut = buffers.acquire();
        if (responseHeadOut == null) {
            failed(Failure.NO_BUFFER, upstream.server, 0, null);
            return false;
        }
        boolean switching = response.isSwitchingProtocols();
        if (switching && !upgradeRequested) {
            // RFC 9110 §15.2.2: a switch nobody asked for; the connection's protocol is unknown now.
            failed(Failure.BAD_RESPONSE, upstream.server, 0, null);
            return false;
        }
        upstream.clearDeadline();
        if (response.status() < 500) {
            context.health().onSuccess(servingCluster, upstream.server);
        }
        servingCluster.state().metrics().onResponse(response.status(), System.nanoTime() - requestStart);
        BodyFramer.Kind kind = response.bodyKind(headRequest);
        upstreamReusable = !switching && response.upstreamReusable(headRequest);
        closeAfterResponse = !switching && (clientWantsClose || clientHttp10 || loop.isDraining()
                || kind == BodyFramer.Kind.UNTIL_CLOSE);
        int cookies = loop.router().writeCookies(route, servingCluster, cookieScratch);
        int needed = (end - upIn.bytes().position()) + cookies + ResponseHead.rewriteOverhead() + 2;
        if (needed > responseHeadOut.capacity()) {
            failed(Failure.BAD_RESPONSE, upstream.server, 0, null);
            return false;
        }
        response.writeClientHead(responseHeadOut, cookieScratch, cookies, closeAfterResponse, clientHttp10);
        responseHeadOut.flip();
        logResponse();
        upIn.skipTo(end);
        responseBody.begin(kind, response.contentLength());
        if (comparing != null) {
            responseBody.digestInto(bodyDigest);
        }
        if (switching) {
            end(Outcome.TUNNEL);
        } else {
            responsePhase = kind == BodyFramer.Kind.NONE ? ResponsePhase.DONE : ResponsePhase.BODY;
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

    private boolean frameResponseBody() {
        ByteBuffer bytes = upIn.bytes();
        int end = responseBody.frame(bytes, upIn.sendEnd(), bytes.limit());
        if (end == BodyFramer.ERROR) {
            // The head is out, so a 502 is impossible; the client sees a truncated close.
            flushToClient();
            end(Outcome.ABORT);
            return false;
        }
        upIn.framedTo(end);
        if (responseBody.isDone()) {
            responsePhase = ResponsePhase.DONE;
            if (end < bytes.limit()) {
                upstreamReusable = false; // the upstream sent more than its response: never reuse it
            }
        }
        return true;
    }

    /** Writes the pending response head and framed body bytes. Returns true when nothing is left. */
    private boolean flushToClient() {
        if (!clientOutputPending()) {
            releaseResponseHead();
            return true;
        }
        try {
            if (upIn.writeTo(client, responseHeadOut) > 0) {
                attempt.responseStarted(true);
                connection.deadlineIn(settings.idleTimeout().toNanos()); // the client must keep reading
            }
        } catch (IOException e) {
            end(Outcome.ABORT);
            return false;
        }
        if (clientOutputPending()) {
            return false;
        }
        releaseResponseHead();
        connection.clearDeadline();
        return true;
    }

    private boolean clientOutputPending() {
        return (responseHeadOut != null && responseHeadOut.hasRemaining()) || upIn.hasPending();
    }

    // ---- failure and retry (SPEC §3) ------------------------------------------------------------

    /**
     * One try failed; {@code server} (null when there was none to try) takes the blame and the
     * retry policy says what happens next. Returns what it decided; for {@link Action#RELAY} the
     * server's own 5xx response goes on to the client.
     */
    private Action failed(Failure failure, Server server, int status, String reason) {
        if (Logger.isDebugEnabled()) {
            Logger.debug("Upstream {} failed: {} {}", server, failure, reason != null ? reason : "");
        }
        if (server != null && loop.retryPolicy().blamesServer(failure)) {
            if (failure == Failure.SERVER_ERROR) {
                context.health().onServerError(servingCluster, server, status);
            } else {
                context.health().onFailure(servingCluster, server, failure.isConnect(),
                        reason != null ? reason : failure.name());
            }
            servingCluster.state().metrics().onUpstreamFailure();
        }
        attempt.replayable(in.hasKept()).nextCandidate(cursor.hasNext()).shadowCanAnswer(shadowCanAnswer());
        Action action = loop.retryPolicy().decide(failure, attempt, System.nanoTime());
        if (action == Action.RELAY) {
            return action;
        }
        closeUpstream();
        upIn.release();
        releaseResponseHead(); // a held head that never went out
        holdingHead = false;
        comparing = null;
        switch (action) {
            case RETRY_NEXT -> resend();
            case PROMOTE_SHADOW -> shadow.promoteWhenReady();
            case CLOSE -> end(Outcome.ABORT);
            default -> answer(action.status());
        }
        return action;
    }

    private void resend() {
        servingCluster.state().metrics().onRetry();
        requestHeadOut.position(0);
        in.rewind();
        beginTry();
        connectNext();
    }

    private boolean shadowCanAnswer() {
        return shadow != null && shadow.isAlive() && !attempt.responseStarted();
    }

    /** L answers: P's response, still arriving, is only compared with it from now on. */
    private void startComparing() {
        comparing = shadow;
        shadow = null;
        comparing.primaryWon(response.status(), response.contentTypeHash());
        if (bodyDigest == null) {
            bodyDigest = new CRC32C();
        }
        bodyDigest.reset();
    }

    /** Called by the shadow when its head is here and L has failed: P answers the client. */
    void adoptShadow(ShadowExchange.Answer answer) {
        shadow = null;
        upstream = answer.upstream();
        upstream.handTo(this);
        upIn.adopt(answer.buffer());
        response = answer.head();
        servingCluster = answer.cluster();
        // P was sent the whole request, which was in the buffer: the client's input moves past it.
        frameRequestBody();
        in.skipTo(in.sendEnd());
        requestSent = true;
        if (acceptFinalHead(answer.headEnd())) {
            pumpResponse();
        }
        connection.afterExchangeEvent();
    }

    /** The shadow that was to answer failed too. */
    void onShadowFailed() {
        shadow = null;
        if (outcome == Outcome.RUNNING) {
            answer(502);
        }
        connection.afterExchangeEvent();
    }

    // ---- ending -------------------------------------------------------------------------------

    private void finish() {
        if (comparing != null) {
            comparing.primaryEnded(bodyDigest.getValue(), responseBody.length());
            comparing = null;
        }
        if (!requestSent) {
            // The response ended before the request did: the rest of the request cannot be told
            // apart from a next request, so neither connection can carry another exchange.
            upstreamReusable = false;
            closeAfterResponse = true;
        }
        if (upstream != null) {
            if (upstreamReusable && upIn.isHeld() && !upIn.bytes().hasRemaining()) {
                loop.upstreams().giveBack(upstream);
            } else {
                upstream.close();
            }
            upstream = null;
        }
        in.dropKept();
        release();
        end(closeAfterResponse ? Outcome.CLOSE : Outcome.KEEP_ALIVE);
    }

    /** No response byte went out: the client is answered {@code status}; otherwise it can only be cut off. */
    private void answer(int status) {
        answerStatus = status;
        end(attempt.responseStarted() ? Outcome.ABORT : Outcome.ANSWER);
    }

    private void end(Outcome how) {
        outcome = how;
    }

    /** After a 101: the upstream and what was read of it become a tunnel, and this exchange is over. */
    Tunnel openTunnel() {
        Tunnel tunnel = new Tunnel(connection, client, in, upIn, upstream, responseHeadOut, buffers);
        in.dropKept();
        upstream = null;
        responseHeadOut = null;
        buffers.release(requestHeadOut);
        requestHeadOut = null;
        return tunnel;
    }

    /** Gives back everything this exchange holds; safe to call at any point, and again. */
    void release() {
        if (shadow != null) {
            shadow.abandon();
            shadow = null;
        }
        comparing = null; // an answer cut short is not compared
        closeUpstream();
        upIn.release();
        buffers.release(requestHeadOut);
        requestHeadOut = null;
        releaseResponseHead();
    }

    private void closeUpstream() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        upstreamWritePending = false;
    }

    private void releaseResponseHead() {
        if (responseHeadOut != null) {
            buffers.release(responseHeadOut);
            responseHeadOut = null;
        }
    }

    // ---- interest -----------------------------------------------------------------------------

    /** Whether the connection should read from the client now. */
    boolean wantsClientInput() {
        if (upstreamWritePending) {
            return false;
        }
        if (requestBody.isDone()) {
            // Reading ahead (a pipelined request, or the client's close) keeps the interest set as
            // it is between requests: no epoll_ctl per request. Stops when the buffer is full.
            return in.bytes().remaining() < in.bytes().capacity();
        }
        return upstream != null && upstream.isLeased();
    }

    boolean wantsClientWrite() {
        return clientOutputPending() && !holdingHead;
    }

    void updateUpstreamInterest(boolean clientOutputPending) {
        if (upstream == null) {
            return;
        }
        int ops = 0;
        if (upstream.isConnecting()) {
            ops = SelectionKey.OP_CONNECT;
        } else if (upstream.isLeased()) {
            if (upstreamWritePending) {
                ops = SelectionKey.OP_WRITE;
            }
            if (responsePhase != ResponsePhase.DONE && !clientOutputPending) {
                ops |= SelectionKey.OP_READ;
            }
        }
        upstream.interest(ops);
    }
}
