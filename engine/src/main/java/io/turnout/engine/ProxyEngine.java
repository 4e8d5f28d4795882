package io.turnout.engine;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.health.EventLog;
import io.turnout.engine.health.HealthMonitor;
import io.turnout.engine.metrics.PrometheusText;
import io.turnout.engine.net.BufferPool;
import io.turnout.engine.net.ProxyServer;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.tls.TlsContext;

import java.io.IOException;

/**
 * The running proxy: its listening socket and selector threads. Routing reads the writer's
 * snapshot; everything else about the clusters is the writer's business.
 */
public final class ProxyEngine implements AutoCloseable {
    private final ProxySettings settings;
    private final SnapshotWriter writer;
    private final ProxyServer server;
    private final EventLog events = new EventLog(256);
    private final HealthMonitor health;
    private final TlsContext tls;

    /**
     * Reads the certificate of {@code proxy.tls}, if any, now: a bad one is a
     * {@link io.turnout.engine.tls.TlsConfigException} before anything is bound.
     */
    public ProxyEngine(ProxySettings settings, SnapshotWriter writer) {
        this.settings = settings;
        this.writer = writer;
        this.health = new HealthMonitor(writer, settings.rollback(), events, settings.connectTimeout());
        this.tls = settings.tls() == null ? null : TlsContext.open(settings.tls());
        this.server = new ProxyServer(settings, writer, health, tls);
    }

    /** Upgrades, deletions, ejections, re-admissions and rollbacks, newest first. */
    public EventLog events() {
        return events;
    }

    /** {@code GET /metrics}: Prometheus text of the current clusters and connections. */
    public String metricsText() {
        int inUse = 0;
        int allocated = 0;
        long exhausted = 0;
        for (BufferPool pool : server.bufferPools()) {
            inUse += pool.inUse();
            allocated += pool.allocated();
            exhausted += pool.exhaustedCount();
        }
        PrometheusText.Tls tlsFigures = tls == null ? null : new PrometheusText.Tls(tls.handshakes(),
                tls.handshakeFailures(), tls.identity().notAfter().getEpochSecond());
        return PrometheusText.render(writer.snapshot(), health.rollbacksByVersion(),
                new PrometheusText.Gauges(server.openClients(), server.openUpstreams(), inUse, allocated, exhausted),
                tlsFigures);
    }

    /** The certificate in force and the handshake counters; {@code null} when the proxy speaks plain HTTP. */
    public TlsContext tls() {
        return tls;
    }

    public HealthMonitor health() {
        return health;
    }

    /** Binds and starts the selector threads; a port anyone listens on is refused. */
    public void start() throws IOException {
        server.start(false);
    }

    /** Binds beside the Turnout serving the port now, to take over from it (SPEC §11). */
    public void startBesideRunning() throws IOException {
        server.start(true);
    }

    /** The bound port (useful when the settings asked for port 0). */
    public int port() {
        return server.port();
    }

    /**
     * Stops accepting, lets in-flight exchanges finish within the drain timeout, then closes
     * everything. Returns when done. Safe to call more than once.
     */
    public void shutdownGracefully() {
        server.shutdownGracefully(settings.drainTimeout());
        health.close();
    }

    @Override
    public void close() {
        shutdownGracefully();
    }

    public ProxySettings settings() {
        return settings;
    }

    public SnapshotWriter writer() {
        return writer;
    }

    /** The selector loops' buffer pools: tests and metrics read their counters. */
    public ProxyServer server() {
        return server;
    }
}
