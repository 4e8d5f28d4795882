package io.turnout.admin.api;

import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.RequestHead;
import org.tinylog.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One admin client connection: a state machine driven only by the admin selector thread.
 * Request heads are read by the proxy's own parser, {@link RequestHead}, so the admin API is
 * exactly as strict as the proxy (SPEC §7, and a bare LF is 400 too); on top of that the API
 * takes only origin-form targets and Content-Length bodies.
 * Requests are handed to the {@link AdminHandler} one at a time: the next pipelined request is
 * dispatched only once the previous one's future has completed, so a GET pipelined after a PUT
 * sees the PUT's effect (RFC 9112 §9.3.2 allows parallel processing only for safe methods).
 * Responses are written in request order.
 */
final class AdminConnection {
    /** Answered requests whose responses are not yet written, before this connection stops reading. */
    static final int MAX_PIPELINED = 32;
    /** Unwritten response bytes above which no further request is handled: a client that does not read is not served ahead. */
    static final int OUT_HIGH_WATER = 256 * 1024;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_BODY = new byte[0];

    enum State {
        /** Waiting for, or in the middle of, a request head. */
        READING_HEAD,
        /** The head is accepted; reading its Content-Length body. */
        READING_BODY,
        /** No more requests will be read: writing what is owed, then closing. */
        STOPPED,
        /** Output is shut down; reading and discarding until the client closes (avoids a RST that would eat the response). */
        LINGERING,
        CLOSED
    }

    /** One request's slot in the response order. */
    private static final class Exchange {
        final boolean close;
        final boolean headRequest;
        AdminResponse response;

        Exchange(boolean close, boolean headRequest) {
            this.close = close;
            this.headRequest = headRequest;
        }
    }

    private final AdminServer server;
    private final SocketChannel channel;
    private final AdminSettings settings;
    private SelectionKey key;
    private State state = State.READING_HEAD;

    private final byte[] in;
    /** {@link #in} as the parser reads it: position and limit are set before each use. */
    private final ByteBuffer inView;
    /** Reused for every head; forgets its scan position whenever the bytes in {@link #in} move. */
    private final RequestHead parser = new RequestHead();
    private int inStart;
    private int inEnd;
    /** The request whose body is being read, with an empty body until it is complete. */
    private AdminRequest awaitingBody;
    private boolean keepAliveAfterBody;
    private ByteBuffer body;
    private boolean inputClosed;

    private final ArrayDeque<Exchange> exchanges = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private boolean closeWhenWritten;
    /** A dispatched request whose handler has not completed yet. */
    private boolean inFlight;

    private long lastActivityNanos;
    private long requestStartNanos;
    private long lingerDeadlineNanos;

    AdminConnection(AdminServer server, SocketChannel channel, AdminSettings settings, long now) {
        this.server = server;
        this.channel = channel;
        this.settings = settings;
        this.in = new byte[settings.maxHeadBytes()];
        this.inView = ByteBuffer.wrap(in);
        this.lastActivityNanos = now;
    }

    void registered(SelectionKey key) {
        this.key = key;
    }

    State state() {
        return state;
    }

    // ---- readiness ----------------------------------------------------------------------------

    void onReady(long now) throws IOException {
        if (key.isWritable()) {
            // Written responses may unblock requests that are already buffered: dispatch them too.
            process(now);
        }
        if (state != State.CLOSED && key.isValid() && key.isReadable()) {
            onReadable(now);
        }
    }

    private void onReadable(long now) throws IOException {
        if (state == State.LINGERING) {
            discardInput();
            return;
        }
        int n;
        if (state == State.READING_BODY && inStart == inEnd) {
            n = channel.read(body);
        } else {
            if (inStart == inEnd) {
                inStart = 0;
                inEnd = 0;
                parser.reset();
            } else if (inEnd == in.length && inStart > 0) {
                System.arraycopy(in, inStart, in, 0, inEnd - inStart);
                inEnd -= inStart;
                inStart = 0;
                parser.reset();
            }
            if (inEnd == in.length) {
                process(now); // full: 431 if no head ends in it, else wait until unblocked
                return;
            }
            boolean startsRequest = state == State.READING_HEAD && inStart == inEnd;
            n = channel.read(ByteBuffer.wrap(in, inEnd, in.length - inEnd));
            if (n > 0) {
                inEnd += n;
                if (startsRequest) {
                    requestStartNanos = now;
                }
            }
        }
        if (n < 0) {
            // The client half-closed: answer every complete request it sent, then close.
            inputClosed = true;
        }
        if (n > 0) {
            lastActivityNanos = now;
        }
        process(now);
    }

    /** Parses and dispatches every complete request that is buffered, in order, then writes what is ready. */
    private void process(long now) throws IOException {
        while (true) {
            boolean heldBack = dispatchBuffered(now);
            int waiting = exchanges.size();
            long backlog = outBacklog();
            flush(now);
            // Requests held back get their turn once responses went out; they are already
            // buffered, so no read event would bring them back.
            if (!heldBack || state == State.CLOSED || (exchanges.size() >= waiting && outBacklog() >= backlog)) {
                return;
            }
        }
    }

    /** True when the next request must wait: its predecessor is in flight, or too much of the output is unwritten. */
    private boolean blocked() {
        return inFlight || exchanges.size() >= MAX_PIPELINED || outBacklog() > OUT_HIGH_WATER;
    }

    private long outBacklog() {
        long n = 0;
        for (ByteBuffer b : out) {
            n += b.remaining();
        }
        return n;
    }

    /** Returns true when it stopped only because the connection is {@link #blocked()}. */
    private boolean dispatchBuffered(long now) {
        while (true) {
            if (blocked()) {
                return state == State.READING_HEAD || state == State.READING_BODY;
            }
            if (state == State.READING_HEAD) {
                if (inStart == inEnd || !readHead(now)) {
                    return false;
                }
            } else if (state == State.READING_BODY) {
                int available = inEnd - inStart;
                if (available > 0) {
                    int take = Math.min(available, body.remaining());
                    body.put(in, inStart, take);
                    inStart += take;
                }
                if (body.hasRemaining()) {
                    return false;
                }
                AdminRequest request = awaitingBody.withBody(body.array());
                body = null;
                awaitingBody = null;
                state = State.READING_HEAD;
                dispatch(request, keepAliveAfterBody, now);
            } else {
                return false;
            }
        }
    }

    /** Consumes one head when it is complete; returns false when more bytes are needed or the connection stopped. */
    private boolean readHead(long now) {
        // RFC 9112 §2.2: empty lines before a request line are ignored, as the proxy does.
        while (inEnd - inStart >= 2 && in[inStart] == '\r' && in[inStart + 1] == '\n') {
            inStart += 2;
        }
        if (inStart == inEnd) {
            return false;
        }
        inView.limit(inEnd).position(inStart);
        int end = parser.findEnd(inView);
        if (end < 0) {
            if (inEnd - inStart >= in.length) {
                reject(431, "request head larger than " + in.length + " bytes");
            }
            return false;
        }
        int status = parser.parse(inView, end);
        inStart = end;
        AdminResponse refused = refusal(status);
        if (refused != null) {
            // The framing is unknown, so nothing after this head can be trusted (RFC 9112 §11.2).
            parser.reset();
            respondAndStop(refused, "");
            return false;
        }
        AdminRequest h = request();
        boolean keepAlive = parser.keepAlive();
        long contentLength = parser.bodyLength();
        // RFC 9110 §10.1.1: an HTTP/1.0 client cannot ask for 100 Continue.
        boolean expectContinue = parser.isHttp11() && parser.expectsContinue();
        parser.reset();
        if (!server.admits(h)) {
            AdminResponse denied = AdminServer.unauthorized();
            if (contentLength > 0 || !keepAlive) {
                // Do not read a body for an unauthenticated client.
                respondAndStop(denied, h.method());
                return false;
            }
            Exchange ex = new Exchange(false, isHead(h.method()));
            ex.response = denied;
            exchanges.add(ex);
            return true;
        }
        if (contentLength > settings.maxBodyBytes()) {
            // SPEC §4 / LIBRARY-NOTES: decided from Content-Length, before any body byte is read.
            reject(413, "request body of " + contentLength + " bytes is over the limit of "
                    + settings.maxBodyBytes() + " bytes");
            return false;
        }
        if (contentLength == 0) {
            dispatch(h, keepAlive, now);
            return true;
        }
        awaitingBody = h;
        keepAliveAfterBody = keepAlive;
        body = ByteBuffer.allocate((int) contentLength);
        state = State.READING_BODY;
        if (expectContinue && inStart == inEnd && exchanges.isEmpty()) {
            // RFC 9110 §10.1.1: the client waits for this before sending the body.
            out.add(ByteBuffer.wrap(CONTINUE));
        }
        return true;
    }

    /**
     * The answer to a head the admin API does not take, or null: first the proxy parser's verdict,
     * then the API's own rules.
     */
    private AdminResponse refusal(int status) {
        String message = switch (status) {
            case ParseResult.OK -> null;
            case 405 -> "CONNECT is not supported; the admin API serves paths such as /configuration/cluster";
            case 431 -> "too many header fields";
            case 501 -> "transfer codings other than chunked are not accepted; send the body with a Content-Length";
            case 505 -> "only HTTP/1.1 and HTTP/1.0 are supported";
            default -> parser.problem() != null ? parser.problem() : "malformed request head";
        };
        if (message != null) {
            return AdminResponse.error(status, message);
        }
        if (parser.target().charAt(0) != '/') {
            // RFC 9112 §3.2: the admin API takes origin-form targets only.
            return AdminResponse.error(400, "malformed request target; expected a path such as /configuration/cluster");
        }
        if (parser.isChunked()) {
            return AdminResponse.error(411, "chunked request bodies are not accepted; send the body with a Content-Length");
        }
        return null;
    }

    /** The parsed head as the handler sees it, with an empty body. */
    private AdminRequest request() {
        Map<String, String> headers = new HashMap<>();
        for (int h = 0; h < parser.headerCount(); h++) {
            // RFC 9110 §5.3: repeated fields combine into one comma-separated value.
            headers.merge(parser.name(h).toLowerCase(Locale.ROOT), parser.value(h), (a, b) -> a + ", " + b);
        }
        String target = parser.target();
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        String query = question < 0 ? null : target.substring(question + 1);
        return new AdminRequest(parser.methodName(), path, query, headers, NO_BODY);
    }

    private static boolean isHead(String method) {
        return method.equals("HEAD");
    }

    private void dispatch(AdminRequest request, boolean keepAlive, long now) {
        Exchange ex = new Exchange(!keepAlive, isHead(request.method()));
        exchanges.add(ex);
        if (!keepAlive) {
            state = State.STOPPED;
        }
        // A pipelined request already buffered starts its head clock now.
        requestStartNanos = inEnd > inStart ? now : 0;
        CompletableFuture<AdminResponse> future;
        try {
            future = server.handler().handle(request);
            if (future == null) {
                future = CompletableFuture.failedFuture(new IllegalStateException("handler returned no future"));
            }
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        if (future.isDone()) {
            ex.response = responseOf(future, request);
        } else {
            inFlight = true;
            CompletableFuture<AdminResponse> pending = future;
            // Completion may come on any thread (snapshot writer, Docker); only this loop touches the channel.
            pending.whenComplete((r, e) -> server.execute(() -> completed(ex, pending, request)));
        }
    }

    private static AdminResponse responseOf(CompletableFuture<AdminResponse> future, AdminRequest request) {
        try {
            AdminResponse r = future.join();
            return r != null ? r : AdminServer.failure(new IllegalStateException("handler completed with no response"), request);
        } catch (RuntimeException e) {
            return AdminServer.failure(e, request);
        }
    }

    /** On the selector thread, when a handler's future completes. */
    private void completed(Exchange ex, CompletableFuture<AdminResponse> future, AdminRequest request) {
        if (state == State.CLOSED) {
            return;
        }
        ex.response = responseOf(future, request);
        inFlight = false;
        long now = System.nanoTime();
        try {
            // The next pipelined request, if buffered, may go now.
            process(now);
        } catch (IOException | RuntimeException e) {
            server.connectionFailed(this, e);
        }
    }

    private void reject(int status, String message) {
        respondAndStop(AdminResponse.error(status, message), "");
    }

    private void respondAndStop(AdminResponse response, String method) {
        Exchange ex = new Exchange(true, isHead(method));
        ex.response = response;
        exchanges.add(ex);
        state = State.STOPPED;
        awaitingBody = null;
        body = null;
    }

    // ---- writing --------------------------------------------------------------------------------

    private void flush(long now) throws IOException {
        if (state == State.CLOSED) {
            return;
        }
        while (!exchanges.isEmpty() && exchanges.peekFirst().response != null && !closeWhenWritten) {
            Exchange ex = exchanges.pollFirst();
            serialize(ex);
            if (ex.close) {
                closeWhenWritten = true;
                exchanges.clear();
            }
        }
        while (!out.isEmpty()) {
            long written = channel.write(out.toArray(new ByteBuffer[0]));
            while (!out.isEmpty() && !out.peekFirst().hasRemaining()) {
                out.pollFirst();
            }
            if (written > 0) {
                lastActivityNanos = now;
            } else {
                break;
            }
        }
        if (out.isEmpty()) {
            if (closeWhenWritten) {
                startLinger(now);
            } else {
                closeIfDone();
            }
        }
        updateInterest();
    }

    private void serialize(Exchange ex) {
        AdminResponse r = ex.response;
        StringBuilder b = new StringBuilder(160);
        b.append("HTTP/1.1 ").append(r.status()).append(' ').append(AdminResponse.reason(r.status())).append("\r\n");
        b.append("Date: ").append(server.date()).append("\r\n");
        if (r.contentType() != null) {
            b.append("Content-Type: ").append(r.contentType()).append("\r\n");
        }
        b.append("Content-Length: ").append(r.body().length).append("\r\n");
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            b.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        if (ex.close) {
            b.append("Connection: close\r\n");
        }
        b.append("\r\n");
        out.add(ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.ISO_8859_1)));
        if (!ex.headRequest && r.body().length > 0) {
            // RFC 9110 §9.3.2: a response to HEAD carries no content.
            out.add(ByteBuffer.wrap(r.body()));
        }
    }

    /** After a half-close: once every complete request is answered, what is left can never complete. */
    private void closeIfDone() {
        if (inputClosed && !inFlight && exchanges.isEmpty() && out.isEmpty()) {
            close();
        }
    }

    private void startLinger(long now) throws IOException {
        if (state == State.LINGERING || state == State.CLOSED) {
            return;
        }
        if (inputClosed) {
            close();
            return;
        }
        // Closing with unread input makes the kernel send RST, which can destroy the response
        // before the client reads it (RFC 9112 §9.6): half-close, then drain until the client closes.
        channel.shutdownOutput();
        state = State.LINGERING;
        lingerDeadlineNanos = now + AdminServer.LINGER_NANOS;
    }

    private void discardInput() throws IOException {
        ByteBuffer scratch = ByteBuffer.wrap(in);
        int n;
        do {
            scratch.clear();
            n = channel.read(scratch);
        } while (n > 0);
        if (n < 0) {
            close();
        }
    }

    private void updateInterest() {
        if (state == State.CLOSED || !key.isValid()) {
            return;
        }
        int ops = 0;
        boolean readingRequests = state == State.READING_HEAD || state == State.READING_BODY;
        // While blocked, keep reading only until the buffer is full: no busy loop on a full buffer.
        boolean room = !blocked() || inEnd - inStart < in.length;
        if ((readingRequests && room && !inputClosed) || state == State.LINGERING) {
            ops |= SelectionKey.OP_READ;
        }
        if (!out.isEmpty()) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    // ---- timers and closing ---------------------------------------------------------------------

    /** Closes the connection when it has overstayed; called by the loop about once per tick. */
    void checkTimeouts(long now) {
        switch (state) {
            case CLOSED -> {
            }
            case LINGERING -> {
                if (now - lingerDeadlineNanos > 0) {
                    close();
                }
            }
            default -> {
                if (inFlight) {
                    return; // a handler may take long (a container start); its own deadline applies
                }
                boolean partial = state == State.READING_BODY || (state == State.READING_HEAD && inEnd > inStart);
                if (partial && requestStartNanos != 0 && now - requestStartNanos > settings.headTimeout().toNanos()) {
                    Logger.debug("Admin connection closed: request not complete within {}", settings.headTimeout());
                    close();
                } else if (!partial && now - lastActivityNanos > settings.idleTimeout().toNanos()) {
                    close();
                }
            }
        }
    }

    void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        exchanges.clear();
        out.clear();
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            Logger.debug(e, "Closing admin connection");
        }
        server.closed(this);
    }
}
