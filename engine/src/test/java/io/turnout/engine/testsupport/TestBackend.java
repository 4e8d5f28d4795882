package io.turnout.engine.testsupport;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 origin server on 127.0.0.1 for tests, with behaviour scripted per request by a
 * {@link Handler} returning a {@link Reply}. It records every request it receives.
 *
 * <p>It is built on blocking sockets and a thread per connection on purpose: test code should be
 * obviously correct, and it must not share any code or design with the NIO engine it tests.
 * Requests on one connection are served strictly in order, so pipelining works naturally.
 */
public final class TestBackend implements AutoCloseable {

    /** Recorded request bodies keep at most this many bytes; length and digest cover the whole body. */
    public static final int BODY_KEEP_LIMIT = 1 << 20;

    /** Generous: the proxy enforces its own 64 KiB bound, and the backend should record what got through. */
    static final int MAX_REQUEST_HEAD = 1 << 20;

    static final InetAddress LOOPBACK = loopbackV4();

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final Duration LINGER = Duration.ofSeconds(1);
    private static final Map<List<Long>, String> GENERATED_DIGESTS = new ConcurrentHashMap<>();

    /** Chooses the reply from the request head, before the body is read (see {@link BackendRequest}). */
    @FunctionalInterface
    public interface Handler {
        Reply handle(BackendRequest request);
    }

    private final String name;
    private final int port;
    private volatile Handler handler;
    private final List<RecordedRequest> requests = new ArrayList<>();      // guarded by itself
    private final AtomicLong acceptedConnections = new AtomicLong();
    private final AtomicLong idleClosedConnections = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private volatile Duration idleCloseAfter;                              // null: idle connections stay open
    private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();
    private ServerSocket listener;                                          // guarded by this
    private Thread acceptor;                                                // guarded by this
    private boolean closed;                                                 // guarded by this

    private TestBackend(String name, Handler handler, ServerSocket listener) {
        this.name = name;
        this.handler = handler;
        this.port = listener.getLocalPort();
        this.listener = listener;
    }

    // ---- Starting ------------------------------------------------------------------------

    /** Starts a backend on an ephemeral loopback port; {@code name} goes into {@code X-Backend}. */
    public static TestBackend start(String name, Handler handler) {
        TestBackend backend = new TestBackend(name, handler, bind(0));
        synchronized (backend) {
            backend.startAcceptor();
        }
        return backend;
    }

    /** A backend that answers 200 {@code "<name> <method> <target>"}, and accepts {@code Upgrade: echo}. */
    public static TestBackend echo(String name) {
        return start(name, echoHandler(name));
    }

    /** The handler behind {@link #echo(String)}, e.g. to restore it after {@link #respondWith}. */
    public static Handler echoHandler(String name) {
        return request -> request.headers().hasToken("Upgrade", "echo")
                ? Reply.upgradeToEcho()
                : Reply.ok(name + " " + request.method() + " " + request.target());
    }

    /** A loopback port with nothing listening: bound once to pick it, then closed. */
    public static int refusingPort() {
        try (ServerSocket socket = bind(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code "127.0.0.1:<port>"} with nothing listening. */
    public static String refusingAddress() {
        return "127.0.0.1:" + refusingPort();
    }

    /** SHA-256 hex of {@link Reply#generated}{@code (length, seed)}'s body (cached per pair). */
    public static String digestOfGenerated(long length, long seed) {
        return GENERATED_DIGESTS.computeIfAbsent(List.of(length, seed),
                key -> Digests.sha256Hex(new GeneratedBody(length, seed)));
    }

    private static ServerSocket bind(int port) {
        try {
            ServerSocket socket = new ServerSocket();
            // Lets restartOnSamePort() re-bind while old connections sit in TIME_WAIT.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(LOOPBACK, port), 200);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind test backend to 127.0.0.1:" + port, e);
        }
    }

    private void startAcceptor() {
        ServerSocket server = listener;
        acceptor = new Thread(() -> acceptLoop(server), "test-backend-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    // ---- Observing -----------------------------------------------------------------------

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** {@code "127.0.0.1:<port>"}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Every request received so far (since the last {@link #clearRequests()}), in arrival order. */
    public List<RecordedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public int requestCount() {
        synchronized (requests) {
            return requests.size();
        }
    }

    /** The most recent request; fails the test when there is none. */
    public RecordedRequest lastRequest() {
        synchronized (requests) {
            if (requests.isEmpty()) {
                throw new AssertionError("backend " + name + " has received no request");
            }
            return requests.get(requests.size() - 1);
        }
    }

    public void clearRequests() {
        synchronized (requests) {
            requests.clear();
        }
    }

    /** Connections accepted since start, across restarts. */
    public long connectionCount() {
        return acceptedConnections.get();
    }

    /** Connections currently open (a "never respond" connection stays open until the backend stops). */
    public int openConnectionCount() {
        return openSockets.size();
    }

    /**
     * Response bytes the socket has accepted so far, across every connection: a write blocks while
     * the peer's window and the kernel's buffers are full, so a count that stops short of a body's
     * length shows the proxy pushed back instead of buffering the rest.
     */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /** Connections this backend closed because they sat idle (see {@link #closeIdleConnectionsAfter}). */
    public long idleClosedConnectionCount() {
        return idleClosedConnections.get();
    }

    // ---- Controlling ---------------------------------------------------------------------

    /** Replaces the handler for requests whose head arrives from now on. */
    public void respondWith(Handler handler) {
        this.handler = handler;
    }

    /**
     * From now on, closes (FIN) a connection that has waited this long for its next request, as a
     * server with a short keep-alive timeout does; {@code null} keeps idle connections open again.
     * A proxy that reuses such a connection after the close meets a stale one.
     */
    public void closeIdleConnectionsAfter(Duration idle) {
        this.idleCloseAfter = idle;
    }

    /** Stops listening and closes every open connection; the port then refuses connections. */
    public void stop() {
        Thread oldAcceptor;
        synchronized (this) {
            closeQuietly(listener);
            for (Socket socket : openSockets) {
                closeQuietly(socket);
            }
            oldAcceptor = acceptor;
        }
        joinQuietly(oldAcceptor);
    }

    /** Listens again on the same port after {@link #stop()}, keeping the recorded requests. */
    public synchronized void restartOnSamePort() {
        if (closed) {
            throw new IllegalStateException("backend " + name + " is closed; start a new one");
        }
        if (!listener.isClosed()) {
            throw new IllegalStateException("backend " + name + " is still running; stop() it first");
        }
        listener = bind(port);
        startAcceptor();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        stop();
    }

    // ---- Serving -------------------------------------------------------------------------

    private void acceptLoop(ServerSocket server) {
        while (true) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // stop() closed the listener
            }
            long id = acceptedConnections.incrementAndGet();
            synchronized (this) {
                // stop() may have run between accept() returning and here.
                if (server.isClosed()) {
                    closeQuietly(socket);
                    return;
                }
                openSockets.add(socket);
            }
            Thread thread = new Thread(() -> serve(socket, id), "test-backend-" + name + "-conn-" + id);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void serve(Socket socket, long connectionId) {
        try {
            socket.setTcpNoDelay(true);
            WireInput in = new WireInput(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(new CountingOutputStream(socket.getOutputStream(), bytesWritten),
                    64 * 1024);
            while (awaitRequestWithinIdleLimit(socket, in) && serveOne(socket, connectionId, in, out)) {
                // keep-alive: next request on the same connection
            }
        } catch (IOException e) {
            // The peer went away or the test stopped the backend; both are normal for a test origin.
        } finally {
            openSockets.remove(socket);
            closeQuietly(socket);
        }
    }

    /**
     * With an idle limit set, waits at most that long for the first byte of the next request;
     * returns false (the caller closes) when none came. Bytes already buffered count as arrived.
     */
    private boolean awaitRequestWithinIdleLimit(Socket socket, WireInput in) throws IOException {
        Duration limit = idleCloseAfter;
        if (limit == null || in.buffered() > 0) {
            return true;
        }
        socket.setSoTimeout((int) Math.max(1, limit.toMillis()));
        try {
            in.fill(); // end of stream is left for serveOne to see as a clean close
            return true;
        } catch (SocketTimeoutException e) {
            idleClosedConnections.incrementAndGet();
            return false;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(0);
            }
        }
    }

    /** Serves one exchange; returns true when the connection stays open for another request. */
    private boolean serveOne(Socket socket, long connectionId, WireInput in, OutputStream out) throws IOException {
        BackendRequest head;
        BodyFraming framing;
        long contentLength;
        try {
            byte[] rawHead = in.readHead(MAX_REQUEST_HEAD, true);
            if (rawHead == null) {
                return false; // clean close between requests
            }
            head = parseRequest(connectionId, rawHead);
            contentLength = MessageHead.contentLength(head.headers());
            if (head.headers().contains("Transfer-Encoding")) {
                // RFC 9112 §6.3: TE overrides CL; a request whose final coding is not chunked has no framing.
                if (!MessageHead.finalCodingIsChunked(head.headers())) {
                    throw new ProtocolException("request Transfer-Encoding does not end in chunked: "
                            + head.headers("Transfer-Encoding"));
                }
                framing = BodyFraming.CHUNKED;
            } else {
                framing = contentLength >= 0 ? BodyFraming.CONTENT_LENGTH : BodyFraming.NONE;
            }
        } catch (WireInput.HeadTooLargeException e) {
            sendErrorAndClose(socket, out, 431, e.getMessage());
            return false;
        } catch (ProtocolException e) {
            sendErrorAndClose(socket, out, 400, e.getMessage());
            return false;
        }

        Reply reply = chooseReply(head);

        BodyInputStream body = new BodyInputStream(in, framing, contentLength);
        if (reply.readBody()) {
            if (head.expectsContinue() && reply.sendContinue() && framing != BodyFraming.NONE) {
                // RFC 9110 §10.1.1: the client may be waiting for this before it sends the body.
                out.write(CONTINUE);
                out.flush();
            }
            long readLimit = reply.resetAfterBodyBytes() >= 0 ? reply.resetAfterBodyBytes() : Long.MAX_VALUE;
            try {
                if (!readBody(head, framing, body, readLimit)) {
                    if (reply.resetAfterBodyBytes() >= 0) {
                        reset(socket);
                    }
                    return false; // stopped at the scripted limit, or the peer closed mid-body
                }
            } catch (ProtocolException e) {
                sendErrorAndClose(socket, out, 400, e.getMessage());
                return false;
            }
        } else {
            record(head, framing, body, new ByteArrayOutputStream(), Digests.sha256());
        }
        switch (reply.kind()) {
            case NEVER_RESPOND -> {
                holdUntilStopped(socket);
                return false;
            }
            case CLOSE_WITHOUT_RESPONSE -> {
                socket.close();
                return false;
            }
            case RESET_WITHOUT_RESPONSE -> {
                reset(socket);
                return false;
            }
            default -> {
                boolean keepOpen = respond(in, out, head, reply);
                if (!keepOpen) {
                    closeLingering(socket);
                }
                return keepOpen;
            }
        }
    }

    private Reply chooseReply(BackendRequest head) {
        try {
            Reply reply = handler.handle(head);
            if (reply == null) {
                throw new NullPointerException("handler returned null for " + head.method() + " " + head.target());
            }
            return reply;
        } catch (RuntimeException e) {
            // A broken script should fail the test loudly, not hang it.
            System.err.println("test backend " + name + ": handler failed");
            e.printStackTrace();
            return Reply.status(500, "test backend handler failed: " + e).withConnectionClose();
        }
    }

    private static BackendRequest parseRequest(long connectionId, byte[] rawHead) throws ProtocolException {
        MessageHead parsed = MessageHead.parse(rawHead);
        String[] parts = parsed.startLine().split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || !parts[2].startsWith("HTTP/")) {
            throw new ProtocolException("bad request line: " + parsed.startLine());
        }
        return new BackendRequest(connectionId, parts[0], parts[1], parts[2], parsed.headers(), rawHead);
    }

    /**
     * Reads and records the body, keeping at most {@link #BODY_KEEP_LIMIT} bytes but digesting all.
     * Returns false when reading stopped early: at {@code readLimit} bytes, or because the peer closed.
     */
    private boolean readBody(BackendRequest head, BodyFraming framing, BodyInputStream body, long readLimit)
            throws IOException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        MessageDigest digest = Digests.sha256();
        byte[] buffer = new byte[64 * 1024];
        try {
            while (!body.isComplete() && body.decodedLength() < readLimit) {
                int want = (int) Math.min(buffer.length, readLimit - body.decodedLength());
                int n = body.read(buffer, 0, want);
                if (n < 0) {
                    break;
                }
                digest.update(buffer, 0, n);
                int keep = Math.min(n, BODY_KEEP_LIMIT - kept.size());
                kept.write(buffer, 0, keep);
            }
        } catch (EOFException e) {
            record(head, framing, body, kept, digest);
            return false;
        } catch (ProtocolException e) {
            record(head, framing, body, kept, digest);
            throw e;
        }
        record(head, framing, body, kept, digest);
        return body.isComplete();
    }

    private void record(BackendRequest head, BodyFraming framing, BodyInputStream body, ByteArrayOutputStream kept,
                        MessageDigest digest) {
        RecordedRequest request = new RecordedRequest(head.connectionId(), head.method(), head.target(),
                head.version(), head.headers(), head.rawHead(), framing, kept.toByteArray(), body.decodedLength(),
                Digests.hex(digest), body.isComplete(), body.trailers());
        synchronized (requests) {
            requests.add(request);
        }
    }

    /** Writes the response; returns true when the connection may serve another request. */
    private boolean respond(WireInput in, OutputStream out, BackendRequest request, Reply reply) throws IOException {
        pause(reply.headDelay());
        for (byte[] interim : reply.interimHeads()) {
            out.write(interim);
        }
        switch (reply.kind()) {
            case RAW -> {
                out.write(reply.body());
                out.flush();
                return !reply.closeAfterRaw();
            }
            case UPGRADE_ECHO -> {
                writeHead(out, reply, List.of(new HeaderList.Header("Connection", "Upgrade"),
                        new HeaderList.Header("Upgrade", "echo")));
                out.flush();
                echoUntilEof(in, out);
                return false;
            }
            default -> {
            }
        }
        boolean closeAfter = reply.closeConnection() || !request.wantsKeepAlive()
                || reply.kind() == Reply.Kind.CLOSE_DELIMITED || reply.closeAfterHead();
        List<HeaderList.Header> extra = new ArrayList<>(2);
        switch (reply.kind()) {
            case FIXED -> extra.add(new HeaderList.Header("Content-Length", Integer.toString(reply.body().length)));
            case CHUNKED -> extra.add(new HeaderList.Header("Transfer-Encoding", "chunked"));
            case GENERATED -> extra.add(reply.generatedChunkSize() > 0
                    ? new HeaderList.Header("Transfer-Encoding", "chunked")
                    : new HeaderList.Header("Content-Length", Long.toString(reply.generatedLength())));
            default -> {
            }
        }
        // A server that dies after its head, or closes without notice, does not say it will close.
        if (closeAfter && reply.kind() != Reply.Kind.CLOSE_DELIMITED && reply.announceClose() && !reply.closeAfterHead()) {
            extra.add(new HeaderList.Header("Connection", "close"));
        }
        writeHead(out, reply, extra);
        if (reply.closeAfterHead()) {
            out.flush();
            return false;
        }
        if (request.method().equals("HEAD") || reply.kind() == Reply.Kind.NO_BODY) {
            out.flush();
            return !closeAfter;
        }
        if (!reply.bodyDelay().isZero()) {
            out.flush();
            pause(reply.bodyDelay());
        }
        switch (reply.kind()) {
            case FIXED, CLOSE_DELIMITED -> out.write(reply.body());
            case CHUNKED -> writeChunks(out, reply);
            case GENERATED -> writeGenerated(out, reply);
            default -> throw new IllegalStateException("unexpected reply kind " + reply.kind());
        }
        out.flush();
        return !closeAfter;
    }

    /** Status line, X-Backend, the reply's headers, then the framing headers the backend adds. */
    private void writeHead(OutputStream out, Reply reply, List<HeaderList.Header> extra) throws IOException {
        StringBuilder head = new StringBuilder(256);
        head.append("HTTP/1.1 ").append(reply.status()).append(' ').append(reply.reason()).append("\r\n");
        if (reply.backendHeader()) {
            head.append("X-Backend: ").append(name).append("\r\n");
        }
        for (HeaderList.Header h : reply.headers()) {
            head.append(h.name()).append(": ").append(h.value()).append("\r\n");
        }
        HeaderList own = HeaderList.of(reply.headers());
        for (HeaderList.Header h : extra) {
            // A test that sets its own framing or Connection header gets exactly that.
            if (!own.contains(h.name())) {
                head.append(h.name()).append(": ").append(h.value()).append("\r\n");
            }
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void writeChunks(OutputStream out, Reply reply) throws IOException {
        boolean first = true;
        for (byte[] chunk : reply.chunks()) {
            if (!first) {
                pause(reply.chunkDelay());
            }
            first = false;
            out.write(Reply.chunkHeader(chunk.length));
            out.write(chunk);
            out.write(Reply.CRLF);
            // Each chunk leaves as its own write, so the proxy sees chunk boundaries as sent.
            out.flush();
        }
        out.write(reply.lastChunk());
    }

    private static void writeGenerated(OutputStream out, Reply reply) throws IOException {
        GeneratedBody body = new GeneratedBody(reply.generatedLength(), reply.generatedSeed());
        int chunkSize = reply.generatedChunkSize();
        if (chunkSize == 0) {
            body.transferTo(out);
            return;
        }
        byte[] chunk = new byte[chunkSize];
        boolean first = true;
        for (int n; (n = body.read(chunk, 0, chunkSize)) > 0; ) {
            if (!first && !reply.chunkDelay().isZero()) {
                out.flush();
                pause(reply.chunkDelay());
            }
            first = false;
            out.write(Reply.chunkHeader(n));
            out.write(chunk, 0, n);
            out.write(Reply.CRLF);
        }
        out.write(reply.lastChunk());
    }

    /**
     * After a 101: echo whatever arrives until EOF. Reading through the connection's WireInput
     * first returns any bytes the client sent right behind the request head.
     */
    private static void echoUntilEof(WireInput in, OutputStream out) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = in.read(buffer, 0, buffer.length)) >= 0; ) {
            out.write(buffer, 0, n);
            out.flush();
        }
    }

    private void sendErrorAndClose(Socket socket, OutputStream out, int status, String message) throws IOException {
        Reply reply = Reply.status(status, message + "\n").withConnectionClose();
        writeHead(out, reply, List.of(new HeaderList.Header("Content-Length", Integer.toString(reply.body().length)),
                new HeaderList.Header("Connection", "close")));
        out.write(reply.body());
        out.flush();
        closeLingering(socket);
    }

    // ---- Closing -------------------------------------------------------------------------

    /** Holds the connection, reading nothing, until stop() or close() closes the socket. */
    private static void holdUntilStopped(Socket socket) {
        while (!socket.isClosed()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** SO_LINGER 0 makes close() send RST instead of FIN. */
    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed: nothing left to reset
        }
        closeQuietly(socket);
    }

    /**
     * Half-closes, then drains the input briefly before closing. Closing with unread input makes
     * the kernel send RST, which can destroy the response before the peer reads it (the "lingering
     * close" of RFC 9112 §9.6).
     */
    private static void closeLingering(Socket socket) {
        try {
            socket.shutdownOutput();
            socket.setSoTimeout((int) LINGER.toMillis());
            InputStream in = socket.getInputStream();
            byte[] discard = new byte[8192];
            long deadline = System.nanoTime() + LINGER.toNanos();
            while (System.nanoTime() < deadline && in.read(discard) >= 0) {
                // discard
            }
        } catch (IOException ignored) {
            // timed out, reset or closed: we are closing anyway
        } finally {
            closeQuietly(socket);
        }
    }

    private static void pause(Duration delay) {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing a test socket twice or after a reset is fine
        }
    }

    private static void joinQuietly(Thread thread) {
        if (thread == null) {
            return;
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static InetAddress loopbackV4() {
        try {
            return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts what reaches the socket (below the connection's 64 KiB buffer). */
    private static final class CountingOutputStream extends OutputStream {
        private final OutputStream out;
        private final AtomicLong count;

        CountingOutputStream(OutputStream out, AtomicLong count) {
            this.out = out;
            this.count = count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count.incrementAndGet();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count.addAndGet(len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }

    @Override
    public String toString() {
        return "TestBackend[" + name + " at " + address() + "]";
    }
}
