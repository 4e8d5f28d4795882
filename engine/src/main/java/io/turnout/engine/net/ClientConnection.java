package io.turnout.engine.net;

import io.turnout.engine.http.ErrorResponses;
import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.RequestHead;
import io.turnout.engine.settings.ProxySettings;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One client connection, HAProxy's {@code h1c}: the socket, its input buffer, the request head
 * parser, the connection's phase, its timeouts, lingering close and interest ops. Each request
 * on it is an {@link Exchange} (reset, not reallocated), so every request on a keep-alive
 * connection is routed on its own; after a 101 the connection becomes a {@link Tunnel}. On a TLS
 * listener the bytes pass through a {@link TlsStream}; everything above it reads and writes
 * plaintext through the {@link ClientStream}, so a plain connection pays nothing for TLS.
 */
final class ClientConnection extends Timed implements IoHandler {
    private enum Phase { READ_HEAD, EXCHANGE, TUNNEL, CLOSING, CLOSED }

    private static final long LINGER_NANOS = 2_000_000_000L;
    /**
     * While draining, an idle keep-alive connection closes after this long without a request. At
     * once would race a request already on its way, which the client would see as a reset; this
     * way it gets its answer, with {@code Connection: close} (SPEC §11).
     */
    private static final long DRAIN_IDLE_GRACE_NANOS = 1_000_000_000L;
    /** Client input, request head out, upstream input, response head out. */
    private static final int BUFFERS_PER_EXCHANGE = 4;

    private final SelectorLoop loop;
    private final ProxySettings settings;
    private final SocketChannel channel;
    private final ClientStream stream;
    /** The same object as {@code stream} on a TLS listener, else {@code null}. */
    private final TlsStream tls;
    private final long idleTimeoutNanos;
    private final byte[] clientAddress;
    private final RequestHead request = new RequestHead();
    private final RelayBuffer in;
    private final Exchange exchange;
    private Tunnel tunnel;
    private SelectionKey key;
    private int clientInterest = -1;
    private Phase phase = Phase.READ_HEAD;
    /** Reading is paused until the buffer pool has a buffer again. */
    private boolean awaitingBuffer;
    /** The client half-closed after a complete request; it still gets its response. */
    private boolean clientEof;
    private ByteBuffer errorOut;

    ClientConnection(SelectorLoop loop, SocketChannel channel) throws IOException {
        this.loop = loop;
        this.settings = loop.context().settings();
        this.channel = channel;
        this.idleTimeoutNanos = settings.idleTimeout().toNanos();
        InetSocketAddress remote = (InetSocketAddress) channel.getRemoteAddress();
        this.clientAddress = remote.getAddress().getHostAddress().getBytes(StandardCharsets.US_ASCII);
        this.in = new RelayBuffer(loop.buffers());
        this.stream = ClientStream.open(channel, loop, this::resume);
        this.tls = stream instanceof TlsStream secure ? secure : null;
        this.exchange = new Exchange(this, loop, stream, tls != null, clientAddress,
                RequestHead.authority((InetSocketAddress) channel.getLocalAddress()), in);
    }

    void register(Selector selector) throws IOException {
        key = channel.register(selector, SelectionKey.OP_READ, this);
        clientInterest = SelectionKey.OP_READ;
        loop.track(this);
        awaitNextRequest();
        if (tls != null) {
            deadlineIn(settings.headTimeout().toNanos()); // the handshake and the first head (SPEC §12)
        }
    }

    // ---- readiness --------------------------------------------------------------------------------

    @Override
    public void onReady(SelectionKey readyKey) {
        if (!readyKey.isValid()) {
            return;
        }
        int ready = readyKey.readyOps();
        boolean readable = (ready & SelectionKey.OP_READ) != 0;
        if ((ready & SelectionKey.OP_WRITE) != 0 && flushStream()) {
            onWritable();
            readable |= tls != null && !tls.isHandshaken(); // the handshake goes on once its flight is out
        }
        if (phase != Phase.CLOSED && readable) {
            onReadable();
        }
        afterExchangeEvent();
    }

    /** Records the TLS layer still holds go out first; false when they could not all go. */
    private boolean flushStream() {
        try {
            return stream.flush();
        } catch (IOException e) {
            close();
            return false;
        }
    }

    /** On the loop, when the TLS layer can go on: its handshake tasks are done, or it holds input. */
    private void resume() {
        if (phase != Phase.CLOSED) {
            onReadable();
            afterExchangeEvent();
        }
    }

    @Override
    void onTimeout(long now) {
        if (awaitingBuffer) {
            awaitingBuffer = false; // read interest comes back; the read retries the pool
            deadlineIn(idleTimeoutNanos);
        } else if (phase == Phase.READ_HEAD && in.isHeld() && in.bytes().hasRemaining()) {
            respondError(408); // half a head, then silence: slowloris (SPEC §7 head timeout)
        } else if (phase == Phase.EXCHANGE && !exchange.requestComplete()) {
            exchange.onBodyTimeout(); // half a body, then silence
            afterExchangeEvent();
            return;
        } else {
            close(); // an idle keep-alive connection, a lingering close, or a client that stopped reading
        }
        updateInterest();
    }

    @Override
    public void closeAfterError() {
        close();
    }

    private void onWritable() {
        switch (phase) {
            case CLOSING -> {
                if (errorOut != null) {
                    flushError();
                }
            }
            case TUNNEL -> tunnel.onClientWritable();
            case EXCHANGE -> exchange.pumpResponse();
            default -> {
                // nothing is written in other phases
            }
        }
    }

    private void onReadable() {
        if (phase == Phase.CLOSING) {
            discardInput();
            return;
        }
        if (!readClient()) {
            return;
        }
        switch (phase) {
            case READ_HEAD -> processHead();
            case EXCHANGE -> exchange.pumpRequest(); // body bytes, or read-ahead of the next request
            case TUNNEL -> tunnel.onClientInput();
            default -> {
                // nothing to read in other phases
            }
        }
    }

    /**
     * Acts on how the exchange ended, then derives the interest ops. Called after every event,
     * the connection's own and those the exchange, a shadow or the tunnel handled.
     */
    void afterExchangeEvent() {
        while (phase == Phase.EXCHANGE && exchange.outcome() != ExchangeOutcome.RUNNING) {
            switch (exchange.outcome()) {
                case KEEP_ALIVE -> nextRequest();
                case CLOSE -> closeAfterResponse();
                case TUNNEL -> enterTunnel();
                case ANSWER -> respondError(exchange.answerStatus());
                default -> close();
            }
        }
        updateInterest();
    }

    // ---- client input -----------------------------------------------------------------------------

    /** Reads what the client sent. Returns false when nothing more can happen now. */
    private boolean readClient() {
        if (tls != null && !tls.isHandshaken()) {
            if (!tls.shakeHands()) {
                close();
            }
            return false;
        }
        if (!in.acquire(BUFFERS_PER_EXCHANGE)) {
            // Every buffer is in use: stop reading this client and try again at the next sweep,
            // instead of allocating beyond the pool's bound.
            awaitingBuffer = true;
            deadlineIn(0);
            return false;
        }
        boolean headBegins = phase == Phase.READ_HEAD && !in.bytes().hasRemaining();
        int n;
        try {
            n = in.readFrom(stream);
        } catch (IOException e) {
            close();
            return false;
        }
        if (n < 0) {
            onClientEof();
            return false;
        }
        if (n == 0 && phase == Phase.READ_HEAD && !in.bytes().hasRemaining()) {
            in.release(); // a TLS record that held no plaintext: an idle connection holds no buffer
        }
        if (headBegins && n > 0) {
            deadlineIn(settings.headTimeout().toNanos());
        }
        return n > 0;
    }

    private void onClientEof() {
        if (phase == Phase.TUNNEL) {
            tunnel.onClientEof();
        } else if (phase == Phase.EXCHANGE && exchange.requestComplete()) {
            clientEof = true; // a half-close after a whole request still gets its response
        } else {
            close(); // between requests this is the normal end; mid-body the client gave up
        }
    }

    private void processHead() {
        ByteBuffer bytes = in.bytes();
        if (RequestHead.skipLeadingEmptyLines(bytes)) {
            request.reset(); // the head starts later than the scan so far assumed
        }
        if (!bytes.hasRemaining()) {
            awaitNextRequest();
            return;
        }
        int end = request.findEnd(bytes);
        if (end < 0) {
            if (bytes.remaining() >= settings.maxHeadBytes()) {
                respondError(RequestHead.tooLargeStatus(bytes, settings.maxHeadBytes()));
            }
            return;
        }
        if (end - bytes.position() > settings.maxHeadBytes()) {
            respondError(RequestHead.tooLargeStatus(bytes, settings.maxHeadBytes()));
            return;
        }
        int status = request.parse(bytes, end);
        if (status != ParseResult.OK) {
            respondError(status);
            return;
        }
        phase = Phase.EXCHANGE;
        clearDeadline();
        exchange.start(request, end);
    }

    // ---- between requests -------------------------------------------------------------------------

    private void nextRequest() {
        if (clientEof) {
            closeAfterResponse(); // it half-closed: nothing more comes
            return;
        }
        phase = Phase.READ_HEAD;
        request.reset();
        if (in.bytes().hasRemaining()) {
            deadlineIn(settings.headTimeout().toNanos()); // a pipelined head has begun
            processHead();
        } else {
            awaitNextRequest();
        }
    }

    private void awaitNextRequest() {
        phase = Phase.READ_HEAD;
        request.reset();
        if (in.isHeld() && !in.bytes().hasRemaining()) {
            in.release();
        }
        deadlineIn(loop.isDraining() ? Math.min(idleTimeoutNanos, DRAIN_IDLE_GRACE_NANOS) : idleTimeoutNanos);
    }

    /** The proxy drains: an idle connection gets a last moment for a request already on its way. */
    void onDrain() {
        boolean idle = phase == Phase.READ_HEAD && !(in.isHeld() && in.bytes().hasRemaining());
        if (idle && deadline - System.nanoTime() > DRAIN_IDLE_GRACE_NANOS) {
            deadlineIn(DRAIN_IDLE_GRACE_NANOS);
        }
    }

    private void enterTunnel() {
        phase = Phase.TUNNEL;
        clearDeadline();
        tunnel = exchange.openTunnel();
        tunnel.open();
    }

    // ---- errors and closing -----------------------------------------------------------------------

    /** Answers with a canned error and closes; the exchange, if any, is abandoned. */
    private void respondError(int status) {
        exchange.release();
        phase = Phase.CLOSING;
        errorOut = ErrorResponses.forStatus(status);
        deadlineIn(LINGER_NANOS);
        flushError();
    }

    private void flushError() {
        if (errorOut != null) {
            try {
                stream.write(errorOut);
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
     * Closes at once when the client will send nothing more (it asked for the close, or
     * half-closed) and nothing it sent is unread, as nginx's {@code lingering_close on} does: a
     * lingering close costs a wakeup, a read and a shutdown. Otherwise, and on TLS, it lingers.
     */
    private void closeAfterResponse() {
        boolean clientDone = clientEof || (!request.keepAlive() && exchange.requestComplete());
        boolean allRead = !in.isHeld() || !in.bytes().hasRemaining();
        if (tls == null && clientDone && allRead) {
            close();
        } else {
            beginClose();
        }
    }

    /**
     * Half-closes and reads until the client closes too (a lingering close, as nginx does):
     * closing with unread input would send a reset that can destroy the response in flight.
     */
    private void beginClose() {
        phase = Phase.CLOSING;
        deadlineIn(LINGER_NANOS);
        try {
            stream.shutdownOutput();
        } catch (IOException e) {
            close();
        }
    }

    private void discardInput() {
        if (!in.acquire(0)) {
            close();
            return;
        }
        try {
            if (in.discardFrom(channel) < 0) {
                close();
            }
        } catch (IOException e) {
            close();
        }
    }

    /** Closes everything now, whatever state the exchange is in. */
    void close() {
        if (phase == Phase.CLOSED) {
            return;
        }
        Phase was = phase;
        phase = Phase.CLOSED;
        if (was == Phase.TUNNEL) {
            tunnel.close();
        } else {
            exchange.release();
        }
        in.release();
        loop.untrack(this);
        key.cancel();
        try {
            stream.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
        loop.clientClosed();
    }

    // ---- interest ops -----------------------------------------------------------------------------

    /** Derives both channels' interest from the state, once per event: one place to read it. */
    private void updateInterest() {
        if (phase == Phase.CLOSED) {
            return;
        }
        boolean clientOut = false;
        int client = 0;
        switch (phase) {
            case READ_HEAD -> client = awaitingBuffer ? 0 : SelectionKey.OP_READ;
            case EXCHANGE -> {
                clientOut = exchange.wantsClientWrite();
                if (!clientEof && exchange.wantsClientInput()) {
                    client = SelectionKey.OP_READ;
                }
                exchange.updateUpstreamInterest(clientOut);
            }
            case TUNNEL -> {
                clientOut = tunnel.wantsClientWrite();
                if (tunnel.wantsClientInput()) {
                    client = SelectionKey.OP_READ;
                }
                tunnel.updateUpstreamInterest(clientOut);
            }
            default -> client = errorOut != null ? 0 : SelectionKey.OP_READ; // CLOSING
        }
        if (clientOut || errorOut != null) {
            client |= SelectionKey.OP_WRITE;
        }
        if (tls != null) {
            client = tls.interestOps(client); // and a read of what it holds, if the connection reads
        }
        if (client != clientInterest && key.isValid()) {
            key.interestOps(client);
            clientInterest = client;
        }
    }

    @Override
    public String toString() {
        return "client " + new String(clientAddress, StandardCharsets.US_ASCII) + " " + phase;
    }
}
