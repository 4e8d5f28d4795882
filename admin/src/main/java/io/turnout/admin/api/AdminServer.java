package io.turnout.admin.api;

import io.turnout.admin.catalog.ApiException;
import io.turnout.admin.config.LevelTags;
import io.turnout.engine.http.HttpDate;
import io.turnout.engine.net.Listeners;
import io.turnout.engine.route.SnapshotWriter.MutationRejected;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.tinylog.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The admin API's HTTP/1.1 server: one non-blocking listening socket and one selector thread of
 * its own, apart from the proxy's. It frames requests (Content-Length bodies only, bounded heads
 * and bodies), checks the bearer token, and hands each request to an {@link AdminHandler}.
 *
 * <p>Handlers may answer later from any thread; their completions come back to this loop through
 * an MPSC queue and a wakeup, and only this loop touches channels and interest ops (STYLE: one
 * selector loop, read top to bottom).
 */
public final class AdminServer implements AutoCloseable {
    /** How long a closing connection waits for the client to close after the last response. */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);
    static final int MAX_CONNECTIONS = 256;

    private final AdminSettings settings;
    private final AdminHandler handler;
    private final byte[] tokenDigest;
    private final MpscUnboundedXaddArrayQueue<Runnable> commands = new MpscUnboundedXaddArrayQueue<>(64);
    /** Netty's wakenUp flag: producers call {@code wakeup()} at most once per loop turn. */
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final Set<AdminConnection> connections = new HashSet<>();
    private final long tickMillis;
    private final Clock clock;
    /** Formats the {@code Date} header; only the loop thread uses it. */
    private final HttpDate date = new HttpDate();

    private Selector selector;
    private ServerSocketChannel listener;
    private Thread thread;
    private volatile boolean running;
    private volatile InetSocketAddress boundAddress;

    public AdminServer(AdminSettings settings, AdminHandler handler) {
        this(settings, handler, Clock.systemUTC());
    }

    /** @param clock the time the {@code Date} header gives; tests fix it */
    AdminServer(AdminSettings settings, AdminHandler handler, Clock clock) {
        this.clock = clock;
        this.settings = settings;
        this.handler = handler;
        this.tokenDigest = settings.requiresToken() ? sha256(settings.token()) : null;
        long shortest = Math.min(settings.headTimeout().toMillis(), settings.idleTimeout().toMillis());
        this.tickMillis = Math.max(10, Math.min(1000, shortest / 4));
    }

    /**
     * Binds the listening socket on the calling thread, so a port in use fails here with a clear
     * exception, then starts the loop.
     */
    public synchronized void start() throws IOException {
        start(false);
    }

    /**
     * Like {@link #start()}; {@code joinRunning} (a takeover, SPEC §11) binds beside the Turnout
     * whose admin API listens on the port now. Every admin listener allows that
     * ({@code SO_REUSEPORT}), so any running Turnout can be taken over.
     */
    public synchronized void start(boolean joinRunning) throws IOException {
        if (thread != null) {
            throw new IllegalStateException("admin server already started");
        }
        selector = Selector.open();
        try {
            InetSocketAddress address = new InetSocketAddress(settings.hostname(), settings.port());
            if (settings.port() != 0 && !joinRunning) {
                Listeners.refuseIfTaken(address);
            }
            listener = Listeners.open(address, 128);
            listener.register(selector, SelectionKey.OP_ACCEPT);
            boundAddress = (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            if (listener != null) {
                listener.close();
            }
            selector.close();
            throw new IOException("admin API cannot listen on " + settings.hostname() + ":" + settings.port()
                    + ": " + e.getMessage(), e);
        }
        running = true;
        thread = new Thread(this::run, "turnout-admin");
        thread.setDaemon(true);
        thread.start();
        LevelTags.notice("Admin API listening on {}:{}", boundAddress.getHostString(), boundAddress.getPort());
    }

    /** The bound port; useful when the settings asked for port 0. */
    public int port() {
        return address().getPort();
    }

    /** The bound address, or {@code null} before {@link #start()}. */
    public InetSocketAddress address() {
        return boundAddress;
    }

    AdminHandler handler() {
        return handler;
    }

    /** Now as IMF-fixdate ({@code Tue, 01 Dec 2026 21:46:02 GMT}, RFC 9110 §5.6.7). Loop thread only. */
    String date() {
        return new String(date.format(clock.instant().getEpochSecond()), StandardCharsets.US_ASCII);
    }

    // ---- the loop -------------------------------------------------------------------------------

    private void run() {
        long nextTick = System.nanoTime();
        try {
            while (running) {
                runCommands();
                wakeupPending.set(false);
                if (commands.isEmpty()) {
                    selector.select(this::onReady, tickMillis);
                } else {
                    selector.selectNow(this::onReady);
                }
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    nextTick = now + TimeUnit.MILLISECONDS.toNanos(tickMillis);
                    for (AdminConnection c : new ArrayList<>(connections)) {
                        c.checkTimeouts(now);
                    }
                }
            }
        } catch (Throwable t) {
            LevelTags.critical(t, "Admin API loop stopped; the proxy goes on routing, but admin changes are impossible until a restart");
        } finally {
            for (AdminConnection c : new ArrayList<>(connections)) {
                c.close();
            }
            closeQuietly();
        }
    }

    private void runCommands() {
        commands.drain(command -> {
            try {
                command.run();
            } catch (RuntimeException e) {
                Logger.error(e, "Admin API command failed");
            }
        }, 1024);
    }

    private void onReady(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.channel() == listener) {
            accept();
            return;
        }
        AdminConnection connection = (AdminConnection) key.attachment();
        try {
            connection.onReady(System.nanoTime());
        } catch (IOException e) {
            Logger.debug("Admin connection closed: {}", e.getMessage());
            connection.close();
        } catch (RuntimeException e) {
            connectionFailed(connection, e);
        }
    }

    private void accept() {
        while (true) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException e) {
                Logger.warn("Admin API accept failed: {}", e.getMessage());
                return;
            }
            if (channel == null) {
                return;
            }
            try {
                if (connections.size() >= MAX_CONNECTIONS) {
                    Logger.warn("Admin API refused a connection: {} already open", MAX_CONNECTIONS);
                    channel.close();
                    continue;
                }
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                AdminConnection connection = new AdminConnection(this, channel, settings, System.nanoTime());
                connection.registered(channel.register(selector, SelectionKey.OP_READ, connection));
                connections.add(connection);
            } catch (IOException e) {
                Logger.debug("Admin connection setup failed: {}", e.getMessage());
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    /** Runs {@code command} on the loop thread. Safe from any thread. */
    /**
     * Runs {@code command} on the admin loop, after the event it is in, if called from there: an
     * answer being written now is out before it runs. Safe from any thread.
     */
    public void execute(Runnable command) {
        commands.offer(command);
        if (Thread.currentThread() != thread && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    void closed(AdminConnection connection) {
        connections.remove(connection);
    }

    /** Internal error on one connection: logged once, the connection closed, the loop goes on. */
    void connectionFailed(AdminConnection connection, Throwable e) {
        Logger.error(e, "Admin connection failed");
        connection.close();
    }

    // ---- token ----------------------------------------------------------------------------------

    /** Whether {@code request} may be handled: it is public, or it carries the token when one is set. */
    boolean admits(AdminRequest request) {
        return handler.isPublic(request) || authorized(request.header("authorization"));
    }

    /** Checks {@code Authorization: Bearer <token>} in time independent of where the values differ. */
    boolean authorized(String authorization) {
        if (tokenDigest == null) {
            return true;
        }
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        String presented = authorization.substring(7).trim();
        // Comparing digests makes the time independent of the token's length too.
        return MessageDigest.isEqual(tokenDigest, sha256(presented));
    }

    static AdminResponse unauthorized() {
        return AdminResponse.error(401, "missing or wrong token; send Authorization: Bearer <token>"
                        + " (turnoutctl --token or TURNOUT_TOKEN)")
                .withHeader("WWW-Authenticate", "Bearer realm=\"turnout\"");
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    // ---- failures -------------------------------------------------------------------------------

    /**
     * The response for a handler that failed: a user-facing status when the failure says so
     * ({@link ApiException}, {@link MutationRejected}), otherwise 500, logged once.
     */
    static AdminResponse failure(Throwable failure, AdminRequest request) {
        Throwable e = failure;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof ApiException api) {
            return AdminResponse.error(api.status(), api.getMessage());
        }
        if (e instanceof MutationRejected rejected) {
            return AdminResponse.error(rejected.status(), rejected.getMessage());
        }
        Logger.error(e, "Admin request failed: {}", request);
        return AdminResponse.error(500, "internal error; see the proxy log");
    }

    // ---- shutdown -------------------------------------------------------------------------------

    /** Stops accepting, closes every admin connection and waits for the loop to end. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = thread;
            if (!running) {
                if (t == null) {
                    closeQuietly();
                }
                return;
            }
            running = false;
        }
        selector.wakeup();
        if (t != Thread.currentThread()) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeQuietly() {
        try {
            if (listener != null) {
                listener.close();
            }
            if (selector != null) {
                selector.close();
            }
        } catch (IOException e) {
            Logger.debug(e, "Closing the admin listener");
        }
    }
}
