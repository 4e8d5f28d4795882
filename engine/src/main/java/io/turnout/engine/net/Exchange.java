package io.turnout.engine.net;

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
import java.util.zip.CRC32C;

/**
 * One request and its response, HAProxy's {@code h1s} to the connection's {@code h1c}: the route,
 * the upstream lease, the request and response pumps, the held head and CONCURRENT's second
 * answer. One per client connection, reset for every request, so keep-alive routes each request
 * on its own and the path allocates nothing. It never closes the client connection itself: it
 * ends with an {@link ExchangeOutcome}, and the connection acts on it.
 *
 * <p>Client bytes go from the connection's buffer to the upstream, upstream bytes through the
 * {@link ResponseRelay} to the client; only the heads are rewritten, into their own buffers, and
 * go out in a gathering write with the body bytes that follow. A side is read only while the
 * other side has nothing pending, which is the back pressure (Netty's HexDumpProxy discipline).
 */
final class Exchange implements UpstreamOwner {
    /** SPEC §3 ({@code http-reuse safe}): an unsafe request never meets a connection idle this long. */
    private static final long UNSAFE_MAX_IDLE_NANOS = 1_000_000_000L;

    private final ClientConnection connection;
    private final SelectorLoop loop;
    private final ProxyContext context;
    private final ProxySettings settings;
    private final BufferPool buffers;
    private final ClientStream client;
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
    private boolean upgradeRequested;
    private long requestStart;
    private ExchangeOutcome outcome = ExchangeOutcome.RUNNING;
    private int answerStatus;

    Exchange(ClientConnection connection, SelectorLoop loop, ClientStream client, boolean secure,
             byte[] clientAddress, byte[] localAuthority, RelayBuffer in) {
        this.connection = connection;
        this.loop = loop;
        this.context = loop.context();
        this.settings = context.settings();
        this.buffers = loop.buffers();
        this.client = client;
        this.in = in;
        this.concurrent = new ConcurrentPair(loop);
        this.request = new RequestRelay(in, buffers, attempt, clientAddress, localAuthority, secure, settings);
        this.response = new ResponseRelay(connection, client, buffers, settings, attempt);
    }

    ExchangeOutcome outcome() {
        return outcome;
    }

    int answerStatus() {
        return answerStatus;
    }

    // ---- starting -----------------------------------------------------------------------------

    /** Starts the exchange for {@code parsed}, read from the client's buffer up to {@code headEnd}. */
    void start(RequestHead parsed, int headEnd) {
        outcome = ExchangeOutcome.RUNNING;
        attempt.begin(parsed.method().isSafe());
        requestStart = System.nanoTime();
        loop.retryPolicy().onRequest(requestStart);
        if (!loop.router().route(context.writer().snapshot(), parsed, route)) {
            answer(503);
            return;
        }
        boolean h2cAllowed = route.primary().h2cUpgrade();
        int refused = request.begin(parsed, headEnd, h2cAllowed);
        if (refused != 0) {
            answer(refused);
            return;
        }
        boolean headRequest = parsed.method() == RequestHead.Method.HEAD;
        response.forRequest(headRequest, !parsed.isHttp11(), !parsed.keepAlive());
        upgradeRequested = parsed.wantsTunnel(h2cAllowed);
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
        attempt.newTry(false);
        response.begin();
    }

    /** Leases or opens a connection to the next candidate server. */
    private void connectNext() {
        Server server = cursor.next();
        if (server == null) {
            failed(Failure.CONNECT_REFUSED, null, 0, null); // no candidate at all
            return;
        }
        servingCluster = cursor.currentCluster();
        connectTo(server, attempt.isSafe() ? Long.MAX_VALUE : UNSAFE_MAX_IDLE_NANOS);
    }

    /** A pooled connection idle for less than {@code maxIdleNanos} if there is one, else a new one. */
    private void connectTo(Server server, long maxIdleNanos) {
        try {
            upstream = loop.upstreams().leaseOrOpen(server, this, maxIdleNanos);
        } catch (IOException e) {
            failed(Failure.CONNECT_REFUSED, server, 0, e.getMessage());
            return;
        }
        attempt.reusedConnection(upstream.isReused());
        if (!upstream.isConnecting()) {
            onConnected();
        }
    }

    private void onConnected() {
        attempt.sends(attempt.sends() + 1);
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
            if (upstream == from && outcome == ExchangeOutcome.RUNNING && (ready & SelectionKey.OP_READ) != 0) {
                onUpstreamReadable();
            }
        }
        connection.afterExchangeEvent();
    }

    @Override
    public void onUpstreamConnectFailed(UpstreamConnection from, IOException failure) {
        if (from == upstream) {
            failed(Failure.CONNECT_REFUSED, from.server, 0, failure.getMessage());
        } else {
            from.close();
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
            outcome = ExchangeOutcome.ABORT; // stalled mid-body: the client can only see the connection end
        }
        connection.afterExchangeEvent();
    }

    @Override
    public void closeAfterError(UpstreamConnection from) {
        upstream = from == upstream ? null : upstream;
        outcome = ExchangeOutcome.ABORT;
        connection.afterExchangeEvent();
    }

    /**
     * The client sent no body byte for {@code bodyTimeout} (SPEC §7): 408 while no response
     * byte went out. Its server did nothing wrong, so nothing counts against it.
     */
    void onBodyTimeout() {
        answer(408);
    }

    /** Whether the request is complete, so a client's half-close can still get its response. */
    boolean requestComplete() {
        return request.isComplete();
    }

    // ---- request side -------------------------------------------------------------------------

    /** Frames and writes the request as far as it has come: after new client bytes, or the upstream's readiness. */
    void pumpRequest() {
        if (upstream == null || !upstream.isLeased()) {
            return;
        }
        RequestRelay.Step step = request.pump(upstream.channel);
        request.armClocks(step, connection, upstream, response.outputPending());
        switch (step) {
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
            attempt.responseBytesRead(true);
            pumpResponse();
            if (outcome == ExchangeOutcome.RUNNING && upstream != null) {
                response.acknowledgeIfIncomplete(upstream);
            }
        }
    }

    private void onUpstreamEof() {
        if (response.awaitingHead()) {
            failed(Failure.RESET, upstream.server, 0, null);
        } else if (response.endOfInput()) {
            pumpResponse(); // the close is the end of this body
        } else if (response.inBody() && !attempt.responseStarted()) {
            failed(Failure.RESET, upstream.server, 0, null); // died before its held body was complete
        } else if (response.inBody()) {
            outcome = ExchangeOutcome.ABORT; // truncated: closing is the only honest signal left
        }
    }

    /**
     * Relays the response as far as the bytes go, deciding at each head; then the body's idle
     * timeout runs, however the head arrived, and a response a byte of which reached the client
     * is the one CONCURRENT compares.
     */
    void pumpResponse() {
        relayResponse();
        if (outcome == ExchangeOutcome.RUNNING && upstream != null && response.inBody()) {
            upstream.deadlineIn(settings.idleTimeout().toNanos());
        }
        if (attempt.responseStarted()) {
            concurrent.primaryCommitted();
        }
    }

    private void relayResponse() {
        while (outcome == ExchangeOutcome.RUNNING) {
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
                    outcome = ExchangeOutcome.ABORT;
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

    /** Decides the final head's cookies, and counts the answer. */
    private boolean acceptFinalHead() {
        ResponseHead head = response.head();
        if (head.isSwitchingProtocols() && !upgradeRequested) {
            // RFC 9110 §15.2.2: a switch nobody asked for; the connection's protocol is unknown now.
            failed(Failure.BAD_RESPONSE, upstream.server, 0, null);
            return false;
        }
        upstream.clearDeadline();
        if (head.status() < 500) {
            context.health().onSuccess(servingCluster, upstream.server);
        }
        servingCluster.state().metrics().onResponse(head.status(), System.nanoTime() - requestStart);
        int cookies = loop.router().writeCookies(route, context.writer().snapshot(), servingCluster, cookieScratch);
        Failure unrelayable = response.acceptFinal(cookieScratch, cookies, loop.isDraining());
        if (unrelayable != null) {
            failed(unrelayable, upstream.server, 0, null);
            return false;
        }
        context.logResponse(upstream.server, servingCluster, route);
        CRC32C digest = concurrent.primaryAnswers(head);
        if (digest != null) {
            response.digestBodyInto(digest);
        }
        if (head.isSwitchingProtocols()) {
            outcome = ExchangeOutcome.TUNNEL;
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
        if (server != null && loop.retryPolicy().blamesServer(failure, attempt)) {
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
            case RETRY_FRESH -> resendFresh(server);
            case PROMOTE_SHADOW -> concurrent.promote();
            case CLOSE -> outcome = ExchangeOutcome.ABORT;
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

    /** The pooled connection had gone stale: the same server again, on a new connection. */
    private void resendFresh(Server server) {
        servingCluster.state().metrics().onRetry();
        attempt.staleRetried(true);
        request.rewind();
        beginTry();
        connectTo(server, 0);
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
        if (outcome == ExchangeOutcome.RUNNING) {
            answer(502);
        }
        connection.afterExchangeEvent();
    }

    // ---- ending -------------------------------------------------------------------------------

    private void finish() {
        concurrent.primaryEnded(response.bodyLength());
        // A response that ended before its request did leaves the rest of the request impossible
        // to tell apart from a next request: neither connection can carry another exchange.
        boolean sent = request.isSent();
        if (upstream != null) {
            if (sent && response.leftUpstreamReusable()) {
                loop.upstreams().giveBack(upstream);
            } else {
                upstream.close();
            }
            upstream = null;
        }
        in.dropKept();
        release();
        outcome = sent && !response.closesClient() ? ExchangeOutcome.KEEP_ALIVE : ExchangeOutcome.CLOSE;
    }

    /** No response byte went out: the client is answered {@code status}; otherwise it can only be cut off. */
    private void answer(int status) {
        answerStatus = status;
        outcome = attempt.responseStarted() ? ExchangeOutcome.ABORT : ExchangeOutcome.ANSWER;
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
        return request.wantsClientInput(upstream != null && upstream.isLeased());
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
