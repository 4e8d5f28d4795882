package io.turnout.engine.net;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.health.HealthMonitor;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.SnapshotWriter;
import org.tinylog.Logger;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What every selector loop of one proxy shares: settings, the snapshot source, global counts. */
final class ProxyContext {
    private final ProxySettings settings;
    private final SnapshotWriter writer;
    private final HealthMonitor health;
    private final AtomicInteger openClients = new AtomicInteger();
    private final AtomicInteger openUpstreams = new AtomicInteger();
    private final AtomicLong responsesServed = new AtomicLong();
    /** Read once: tinylog's level is frozen at start, and WARN must cost nothing per request. */
    private final boolean logResponses = Logger.isInfoEnabled();

    ProxyContext(ProxySettings settings, SnapshotWriter writer, HealthMonitor health) {
        this.settings = settings;
        this.writer = writer;
        this.health = health;
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

    /** The thesis's per-response INFO line (SPEC §7); nothing at all at WARN. */
    void logResponse(Server server, Cluster served, Cluster newest) {
        if (logResponses) {
            Logger.info("Serving response {} from ip: [{}] port: [{}] version: [{}] mode: [{}]",
                    responsesServed.getAndIncrement(), server.hostname(), server.port(), served.version(),
                    newest.mode());
        }
    }
}
