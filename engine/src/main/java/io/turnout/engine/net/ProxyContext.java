package io.turnout.engine.net;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.health.HealthMonitor;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.RouteDecision;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.tls.TlsContext;
import org.tinylog.Logger;

import java.util.concurrent.atomic.AtomicInteger;

/** What every selector loop of one proxy shares: settings, the snapshot source, global counts. */
final class ProxyContext {
    private final ProxySettings settings;
    private final SnapshotWriter writer;
    private final HealthMonitor health;
    private final TlsContext tls;
    private final AtomicInteger openClients = new AtomicInteger();
    private final AtomicInteger openUpstreams = new AtomicInteger();
    /** Read once: tinylog's level is frozen at start, and WARN must cost nothing per request. */
    private final boolean logResponses = Logger.isInfoEnabled();

    ProxyContext(ProxySettings settings, SnapshotWriter writer, HealthMonitor health, TlsContext tls) {
        this.settings = settings;
        this.tls = tls;
        this.writer = writer;
        this.health = health;
    }

    /** {@code null} on a plain listener. */
    TlsContext tls() {
        return tls;
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
