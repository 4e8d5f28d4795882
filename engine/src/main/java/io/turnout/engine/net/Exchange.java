package io.turnout.engine.net;

import io.turnout.engine.http.BodyFramer;
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
 * <p>Client bytes go from the connection's buffer to the upstream, upstream bytes through the
 * {@link ResponseRelay} to the client; only the heads are rewritten, into their own buffers, and
 * go out in a gathering write with the body bytes that follow. A side is read only while the
 * other side has nothing pending, which is the back pressure (Netty's HexDumpProxy discipline).
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

    private final ClientConnection connection;
    private final SelectorLoop loop;
    private final ProxyContext context;
    private final ProxySettings settings;
    private final BufferPool buffers;
    private final SocketChannel client;
    private final RelayBuffer in;
    private final RequestRelay request;
    private final ResponseRelay response;
    private final ConcurrentPair concurrent;
    private final RouteDecision route = new RouteDecision();
    private final ServerCursor cursor = new ServerCursor();
    private final Attempt attempt = new Attempt();
    private final byte[] cookieScratch = new byte[Router.cookieScratchSize()];
    private UpstreamConnection upstream;
    private Cluster servingCluster;
    private boolean headRequest;
    private boolean clientHttp10;
    private boolean clientWantsClose;
    private boolean upgradeRequested;
    private long requestStart;
    private boolean upstreamReusable;
    private boolean closeAfterResponse;
    private Outcome outcome = Outcome.RUNNING;
    private int answerStatus;

    Exchange(ClientConnection connection, SelectorLoop loop, SocketChannel client, byte[] clientAddress, RelayBuffer in) {
        this.connection = connection;
        this.loop = loop;
        this.context = loop.context();
        this.settings = context.settings();
        this.buffers = loop.buffers();
        this.client = client;
        this.in = in;
        this.concurrent = new ConcurrentPair(loop);
        this.request = new RequestRelay(in, buffers, attempt, clientAddress);
        this.response = new ResponseRelay(connection, client, buffers, settings, attempt);
    }

    Outcome outcome() {
        return outcome;
    }

    int answerStatus() {
        return answerStatus;
    }

    // ---- starting -----------------------------------------------------------------------------

    /** Starts the exchange for {@code parsed}, read from the client's buffer up to {@code headEnd}. */
    void start(RequestHead parsed, int headEnd) {
        outcome = Outcome.RUNNING;
        attempt.begin(parsed.method().isSafe());
        requestStart = System.nanoTime();
        loop.retryPolicy().onRequest(requestStart);
        if (!loop.router().route(context.writer().snapshot(), parsed, route)) {
            answer(503);
            return;
        }
        int refused = request.begin(parsed, headEnd);
        if (refused != 0) {
            answer(refused);
            return;
        }
        headRequest = parsed.method() == RequestHead.Method.HEAD;
        clientHttp10 = !parsed.isHttp11();
        clientWantsClose = !parsed.keepAlive();
        upgradeRequested = parsed.isUpgrade();
        beginTry();
        Cluster fallback = route.fallback();
        if (route.shadow() != null && concurrent.start(this, route, headRequest, request.head(), in.bytes(), headEnd,
                parsed.bodyLength(), parsed.isChunked())) {
            fallback = null; // if L fails, P's answer is already on its way
        }
        cursor.begin(route.primary(), fallback, route.primary().state().nextRoundRobin());
        connectNext();
    }

    /** Everything one try of the request starts afresh. */
    private void beginTry() {
        request.beginTry();
        attempt.requestBytesSent(false).responseStarted(false);
        response.begin();
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
        try {
            upstream = loop.upstreams().leaseOrOpen(server, this);
        } catch (IOException e) {
            failed(Failure.CONNECT_REFUSED, server, 0, e.getMessage());
            return;
        }
        if (!upstream.isConnecting()) {
            onConnected();
        }
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
            onConnected();
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
    public void onUpstreamConnectFailed(UpstreamConnection from, IOException failure) {
        if (from == upstream) {
            failed(Failure.CONNECT_REFUSED, from.server, 0, failure.getMessage());
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
        } else if (response.awaitingHead()) {
            failed(Failure.RESPONSE_TIMEOUT, from.server, 0, null);
        } else if (!attempt.responseStarted()) {
            failed(Failure.RESET, from.server, 0, null); // stalled before a byte reached the client
        } else {
            outcome = Outcome.ABORT; // stalled mid-body: the client can only see the connection end
        }
        connection.afterExchangeEvent();
    }

    @Override
    public void closeAfterError(UpstreamConnection from) {
        upstream = from == upstream ? null : upstream;
        outcome = Outcome.ABORT;
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
        return request.isComplete();
    }

    // ---- request side -------------------------------------------------------------------------

    private void pumpRequest() {
        if (upstream == null || !upstream.isLeased()) {
            return;
        }
        switch (request.pump(upstream.channel)) {
            case BAD_BODY -> answer(400);
            case UPSTREAM_GONE -> failed(Failure.RESET, upstream.server, 0, null);
            case SENT -> {
                if (response.isDone()) {
                    finish(); // the response finished while the body was still going out
                }
            }
            default -> {
                // more to come
            }
        }
    }

    // ---- response side ------------------------------------------------------------------------

    private void onUpstreamReadable() {
        int n = response.readFrom(upstream.channel);
        if (n == ResponseRelay.NO_BUFFER) {
            failed(Failure.NO_BUFFER, upstream.server, 0, null);
        } else if (n < 0) {
            onUpstreamEof();
        } else if (n > 0) {
            if (response.inBody()) {
                upstream.deadlineIn(settings.idleTimeout().toNanos());
            }
            pumpResponse();
        }
    }

    private void onUpstreamEof() {
        upstreamReusable = false;
        if (response.awaitingHead()) {
            failed(Failure.RESET, upstream.server, 0, null);
        } else if (response.endOfInput()) {
            pumpResponse(); // the close is the end of this body
        } else if (response.inBody() && !attempt.responseStarted()) {
            failed(Failure.RESET, upstream.server, 0, null); // died before its held body was complete
        } else if (response.inBody()) {
            outcome = Outcome.ABORT; // truncated: closing is the only honest signal left
        }
    }

    /** Relays the response as far as the bytes go, deciding at each head. */
    private void pumpResponse() {
        while (outcome == Outcome.RUNNING) {
            switch (response.advance()) {
                case HEAD -> {
                    if (!onResponseHead()) {
                        return;
                    }
                }
                case BAD_HEAD -> {
                    failed(Failure.BAD_RESPONSE, upstream.server, 0, null);
                    return;
                }
                case BAD_BODY, CLIENT_GONE -> {
                    outcome = Outcome.ABORT;
                    return;
                }
                case DONE -> {
                    if (request.isSent() || !request.isComplete()) {
                        finish();
                    }
                    return;
                }
                default -> {
                    return;
                }
            }
        }
    }

    /** A complete head arrived. Returns true when the relay goes on with it. */
    private boolean onResponseHead() {
        ResponseHead head = response.head();
        if (!head.isInterim() && head.status() >= 500
                && failed(Failure.SERVER_ERROR, upstream.server, head.status(), null) != Action.RELAY) {
            return false;
        }
        if (head.isInterim()) {
            if (!response.relayInterim()) {
                failed(Failure.NO_BUFFER, upstream.server, 0, null);
                return false;
            }
            return true;
        }
        return acceptFinalHead();
    }

    /** Decides the final head's cookies and Connection, and counts the answer. */
    private boolean acceptFinalHead() {
        ResponseHead head = response.head();
        boolean switching = head.isSwitchingProtocols();
        if (switching && !upgradeRequested) {
            // RFC 9110 §15.2.2: a switch nobody asked for; the connection's protocol is unknown now.
            failed(Failure.BAD_RESPONSE, upstream.server, 0, null);
            return false;
        }
        upstream.clearDeadline();
        if (head.status() < 500) {
            context.health().onSuccess(servingCluster, upstream.server);
        }
        servingCluster.state().metrics().onResponse(head.status(), System.nanoTime() - requestStart);
        BodyFramer.Kind kind = head.bodyKind(headRequest);
        upstreamReusable = !switching && head.upstreamReusable(headRequest);
        closeAfterResponse = !switching && (clientWantsClose || clientHttp10 || loop.isDraining()
                || kind == BodyFramer.Kind.UNTIL_CLOSE);
        int cookies = loop.router().writeCookies(route, servingCluster, cookieScratch);
        Failure unrelayable = response.acceptFinal(kind, cookieScratch, cookies, closeAfterResponse, clientHttp10);
        if (unrelayable != null) {
            failed(unrelayable, upstream.server, 0, null);
            return false;
        }
        context.logResponse(upstream.server, servingCluster, route);
        CRC32C digest = concurrent.primaryAnswers(head);
        if (digest != null) {
            response.digestBodyInto(digest);
        }
        if (switching) {
            outcome = Outcome.TUNNEL;
        }
        return true;
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
            context.health().onTryFailed(servingCluster, server, failure, status, reason);
        }
        attempt.replayable(in.hasKept()).nextCandidate(cursor.hasNext()).shadowCanAnswer(concurrent.canAnswer());
        Action action = loop.retryPolicy().decide(failure, attempt, System.nanoTime());
        if (action == Action.RELAY) {
            return action;
        }
        closeUpstream();
        response.release(); // with a held head that never went out
        concurrent.primaryCut();
        switch (action) {
            case RETRY_NEXT -> resend();
            case PROMOTE_SHADOW -> concurrent.promote();
            case CLOSE -> outcome = Outcome.ABORT;
            default -> answer(action.status());
        }
        return action;
    }

    private void resend() {
        servingCluster.state().metrics().onRetry();
        request.rewind();
        beginTry();
        connectNext();
    }

    /** Called by the shadow when its head is here and L has failed: P answers the client. */
    void adoptShadow(ShadowExchange.Answer answer) {
        upstream = answer.upstream();
        upstream.handTo(this);
        response.adopt(answer.head(), answer.buffer(), answer.headEnd());
        servingCluster = answer.cluster();
        request.skipRest();
        if (acceptFinalHead()) {
            pumpResponse();
        }
        connection.afterExchangeEvent();
    }

    /** The shadow that was to answer failed too. */
    void onShadowFailed() {
        if (outcome == Outcome.RUNNING) {
            answer(502);
        }
        connection.afterExchangeEvent();
    }

    // ---- ending -------------------------------------------------------------------------------

    private void finish() {
        concurrent.primaryEnded(response.bodyLength());
        if (!request.isSent()) {
            // The response ended before the request did: the rest of the request cannot be told
            // apart from a next request, so neither connection can carry another exchange.
            upstreamReusable = false;
            closeAfterResponse = true;
        }
        if (upstream != null) {
            if (upstreamReusable && response.leftUpstreamClean()) {
                loop.upstreams().giveBack(upstream);
            } else {
                upstream.close();
            }
            upstream = null;
        }
        in.dropKept();
        release();
        outcome = closeAfterResponse ? Outcome.CLOSE : Outcome.KEEP_ALIVE;
    }

    /** No response byte went out: the client is answered {@code status}; otherwise it can only be cut off. */
    private void answer(int status) {
        answerStatus = status;
        outcome = attempt.responseStarted() ? Outcome.ABORT : Outcome.ANSWER;
    }

    /** After a 101: the upstream and what was read of it become a tunnel, and this exchange is over. */
    Tunnel openTunnel() {
        Tunnel tunnel = new Tunnel(connection, client, in, response.buffer(), upstream, response.takeHeadOut(), buffers);
        in.dropKept();
        upstream = null;
        request.release();
        return tunnel;
    }

    /** Gives back everything this exchange holds; safe to call at any point, and again. */
    void release() {
        concurrent.abandon();
        closeUpstream();
        response.release();
        request.release();
    }

    private void closeUpstream() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        request.upstreamClosed();
    }

    // ---- interest -----------------------------------------------------------------------------

    /** Whether the connection should read from the client now. */
    boolean wantsClientInput() {
        if (request.writePending()) {
            return false;
        }
        if (request.isComplete()) {
            // Reading ahead (a pipelined request, or the client's close) keeps the interest set as
            // it is between requests: no epoll_ctl per request. Stops when the buffer is full.
            return in.bytes().remaining() < in.bytes().capacity();
        }
        return upstream != null && upstream.isLeased();
    }

    boolean wantsClientWrite() {
        return response.wantsClientWrite();
    }

    void updateUpstreamInterest(boolean clientOutputPending) {
        if (upstream != null) {
            upstream.await(request.writePending(), !response.isDone() && !clientOutputPending);
        }
    }
}
