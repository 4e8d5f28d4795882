package io.turnout.engine.net;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.health.HealthMonitor;
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

    boolean logResponses() {
        return logResponses;
    }

    long nextResponseNumber() {
        return responsesServed.getAndIncrement();
    }
}
