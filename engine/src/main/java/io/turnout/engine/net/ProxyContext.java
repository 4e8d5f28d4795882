package io.turnout.engine.net;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.health.HealthMonitor;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.RouteDecision;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.tls.TlsContext;
import org.tinylog.Logger;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** What every selector loop of one proxy shares: settings, the snapshot source, global counts. */
final class ProxyContext {
    private static final int RECORDS_PER_BUFFER = 4;
    private static final int HANDSHAKE_QUEUE = 16_384;
    /** All loops' TLS pools together; with the plaintext pools' budget it fits 1 GiB of direct memory. */
    private static final long TLS_BUFFER_BUDGET = 256L * 1024 * 1024;
    private final ProxySettings settings;
    private final SnapshotWriter writer;
    private final HealthMonitor health;
    private final TlsContext tls;
    private final ExecutorService handshakeTasks;
    private final int tlsBufferSize;
    private final AtomicInteger openClients = new AtomicInteger();
    private final AtomicInteger openUpstreams = new AtomicInteger();
    /** Read once: tinylog's level is frozen at start, and WARN must cost nothing per request. */
    private final boolean logResponses = Logger.isInfoEnabled();

    ProxyContext(ProxySettings settings, SnapshotWriter writer, HealthMonitor health, TlsContext tls) {
        this.settings = settings;
        this.tls = tls;
        if (tls == null) {
            this.handshakeTasks = null;
            this.tlsBufferSize = 0;
        } else {
            this.handshakeTasks = handshakeThreads(settings.effectiveSelectorThreads());
            // Room for a few whole records, so a large body goes out in few writes.
            this.tlsBufferSize = RECORDS_PER_BUFFER * tls.newEngine().getSession().getPacketBufferSize();
        }
        this.writer = writer;
        this.health = health;
    }

    /** {@code null} on a plain listener. */
    TlsContext tls() {
        return tls;
    }

    /**
     * Where TLS handshakes' delegated tasks run: as many threads as selector loops, as nginx has
     * as many workers doing handshakes, with a bounded queue. Beyond it a handshake is refused
     * rather than queued without limit.
     */
    private static ExecutorService handshakeThreads(int threads) {
        AtomicInteger number = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(HANDSHAKE_QUEUE), task -> {
                    Thread thread = new Thread(task, "turnout-tls-handshake-" + number.getAndIncrement());
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    ExecutorService handshakeTasks() {
        return handshakeTasks;
    }

    int tlsBufferSize() {
        return tlsBufferSize;
    }

    /** TLS buffers per loop: a share of {@link #TLS_BUFFER_BUDGET}, as the plaintext pools have theirs. */
    int tlsBuffersPerThread() {
        return (int) Math.max(64, TLS_BUFFER_BUDGET / tlsBufferSize / settings.effectiveSelectorThreads());
    }

    /** After the loops stopped. */
    void close() {
        if (handshakeTasks != null) {
            handshakeTasks.shutdownNow();
        }
    }

    HealthMonitor health() {
        return health;
    }

    ProxySettings settings() {
        return settings;
    }

    SnapshotWriter writer() {
        return writer;
    }

    AtomicInteger openClients() {
        return openClients;
    }

    AtomicInteger openUpstreams() {
        return openUpstreams;
    }

    /**
     * The thesis's per-response INFO line (SPEC §7), as its §6.2 shows it: numbered per version
     * from 0, with the mode of the version that served (a client pinned to 3.9.1 while 3.9.2 is
     * SESSION is served by 3.9.1 in INSTANT mode), then SESSION's or GRADUAL's fields. Nothing at
     * all below INFO.
     */
    void logResponse(Server server, Cluster served, RouteDecision route) {
        if (logResponses) {
            Logger.info("Serving response {} from ip: [{}] port: [{}] version: [{}] mode: [{}]{}",
                    served.state().nextResponseNumber(), server.hostname(), server.port(), served.version(),
                    served.mode(), route.thesisModeFields(served));
        }
    }
}
