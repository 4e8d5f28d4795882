package io.turnout.engine.health;

import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.counters.OutcomeWindow;
import io.turnout.engine.retry.Failure;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.SnapshotWriter;
import org.tinylog.Logger;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Turns failure signals from the data path into ejections and rollbacks (SPEC §3). The data path
 * only bumps counters; every change to routing is a mutation through the single writer. Ejected
 * servers are probed with a TCP connect, backing off from 1 s to 30 s, and re-admitted when it
 * succeeds.
 */
public final class HealthMonitor implements AutoCloseable {
    static final long FIRST_PROBE_MILLIS = 1_000;
    static final long MAX_PROBE_MILLIS = 30_000;

    private final SnapshotWriter writer;
    private final RollbackPolicy globalPolicy;
    private final EventLog events;
    private final int probeTimeoutMillis;
    private final Map<String, Long> rollbacksByVersion = new ConcurrentHashMap<>();
    private final List<RollbackListener> rollbackListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "turnout-prober");
        thread.setDaemon(true);
        return thread;
    });

    public HealthMonitor(SnapshotWriter writer, RollbackPolicy globalPolicy, EventLog events, Duration probeTimeout) {
        this.writer = writer;
        this.globalPolicy = globalPolicy;
        this.events = events;
        this.probeTimeoutMillis = (int) Math.max(1, probeTimeout.toMillis());
    }

    public EventLog events() {
        return events;
    }

    /** Rollbacks so far, by the version rolled back. */
    public Map<String, Long> rollbacksByVersion() {
        return new TreeMap<>(rollbacksByVersion);
    }

    /** {@code listener} hears of every rollback from now on; see {@link RollbackListener}. */
    public void addRollbackListener(RollbackListener listener) {
        rollbackListeners.add(listener);
    }

    public RollbackPolicy policyOf(Cluster cluster) {
        return cluster.rollback() != null ? cluster.rollback() : globalPolicy;
    }

    // ---- called by the selector threads -----------------------------------------------------------

    /** A response head arrived from {@code server} and was not a failure. */
    public void onSuccess(Cluster cluster, Server server) {
        server.health().onSuccess();
        if (isRollbackCandidate(cluster)) {
            RollbackPolicy policy = policyOf(cluster);
            OutcomeWindow window = cluster.state().outcomes(policy.window());
            // A success cannot raise the failure share, except by completing the first window.
            if (window.record(false) == window.size()) {
                rollbackIfReached(cluster, policy, window);
            }
        }
    }

    /**
     * {@code server} of {@code cluster} failed. A connect failure ejects at once; other failures
     * after {@code consecutiveFailures} in a row.
     */
    public void onFailure(Cluster cluster, Server server, boolean connectFailure, String reason) {
        onFailure(cluster, server, connectFailure, reason, 0);
    }

    /**
     * One try on {@code server} failed as {@code failure} (with the 5xx {@code status} for a
     * server error, and a {@code reason} when there is more to say than the failure's name).
     */
    public void onTryFailed(Cluster cluster, Server server, Failure failure, int status, String reason) {
        if (failure == Failure.SERVER_ERROR) {
            onServerError(cluster, server, status);
        } else {
            onFailure(cluster, server, failure.isConnect(), reason != null ? reason : failure.name());
        }
        cluster.state().metrics().onUpstreamFailure();
    }

    /** {@code server} answered with a 5xx {@code status}; the reason text is made only if needed. */
    public void onServerError(Cluster cluster, Server server, int status) {
        onFailure(cluster, server, false, null, status);
    }

    private void onFailure(Cluster cluster, Server server, boolean connectFailure, String reason, int status) {
        RollbackPolicy policy = policyOf(cluster);
        int inARow = server.health().onFailure();
        if ((connectFailure || inARow >= policy.consecutiveFailures())
                && server.health().claimEjection()) {
            String why = reason != null ? reason : "status " + status;
            writer.submit(snapshot -> eject(snapshot, cluster.uuid(), server, why));
        }
        if (isRollbackCandidate(cluster)) {
            OutcomeWindow window = cluster.state().outcomes(policy.window());
            window.record(true);
            rollbackIfReached(cluster, policy, window);
        }
    }

    private void rollbackIfReached(Cluster cluster, RollbackPolicy policy, OutcomeWindow window) {
        if (window.reaches(policy.failureRatio())) {
            String why = "failure ratio " + window.failures() + "/" + window.size() + " reached "
                    + policy.failureRatio();
            writer.submit(snapshot -> rollback(snapshot, cluster.uuid(), why));
        }
    }

    /** Only the newest cluster, and never the last one left, can be rolled back. */
    private boolean isRollbackCandidate(Cluster cluster) {
        ClusterSnapshot snapshot = writer.snapshot();
        return snapshot.size() > 1 && snapshot.newest().uuid().equals(cluster.uuid());
    }

    // ---- mutations, run on the writer thread ------------------------------------------------------

    private ClusterSnapshot eject(ClusterSnapshot snapshot, String uuid, Server server, String reason) {
        Cluster cluster = snapshot.byUuid(uuid);
        int index = cluster == null ? -1 : cluster.indexOf(server);
        if (index < 0 || cluster.isEjected(index)) {
            server.health().releaseEjection();
            return snapshot;
        }
        Cluster ejected = cluster.withEjected(server, true);
        ClusterSnapshot next = snapshot.replacing(ejected);
        Logger.warn("Ejecting server {} of version {}: {}", server, cluster.version(), reason);
        events.record(Event.Type.EJECTION, uuid, cluster.version(), server.toString(), reason);
        if (ejected.ejectedCount() == ejected.servers().size() && next.size() > 1
                && next.newest().uuid().equals(uuid)) {
            next = rollback(next, uuid, "all servers ejected");
        }
        scheduleProbe(server, FIRST_PROBE_MILLIS);
        return next;
    }

    private ClusterSnapshot rollback(ClusterSnapshot snapshot, String uuid, String reason) {
        Cluster cluster = snapshot.byUuid(uuid);
        if (cluster == null || snapshot.size() < 2 || !snapshot.newest().uuid().equals(uuid)) {
            return snapshot; // already rolled back, deleted, or no longer the newest
        }
        Logger.warn("Removing cluster from configuration - version: {} {}", cluster.version(), cluster.servers());
        events.record(Event.Type.ROLLBACK, uuid, cluster.version(), null, reason);
        rollbacksByVersion.merge(cluster.version(), 1L, Long::sum);
        for (RollbackListener listener : rollbackListeners) {
            try {
                listener.rolledBack(cluster, reason);
            } catch (RuntimeException e) {
                // The rollback itself stands: routing must drop the version whatever a listener does.
                Logger.error(e, "Rollback listener failed for version {}", cluster.version());
            }
        }
        return snapshot.without(uuid);
    }

    // ---- probing ------------------------------------------------------------------------------------

    private void scheduleProbe(Server server, long delayMillis) {
        prober.schedule(() -> probe(server, delayMillis), delayMillis, TimeUnit.MILLISECONDS);
    }

    private void probe(Server server, long delayMillis) {
        if (!isEjectedSomewhere(writer.snapshot(), server)) {
            server.health().releaseEjection(); // its cluster is gone: nothing left to re-admit
            return;
        }
        try (Socket socket = new Socket()) {
            socket.connect(server.address(), probeTimeoutMillis);
        } catch (IOException e) {
            long next = Math.min(delayMillis * 2, MAX_PROBE_MILLIS);
            events.record(Event.Type.PROBE_FAILED, null, null, server.toString(),
                    "probe failed (" + e.getMessage() + "); next probe in " + next / 1000 + " s");
            scheduleProbe(server, next);
            return;
        }
        writer.submit(snapshot -> readmit(snapshot, server));
    }

    private ClusterSnapshot readmit(ClusterSnapshot snapshot, Server server) {
        ClusterSnapshot next = snapshot;
        for (Cluster cluster : snapshot.clusters()) {
            int index = cluster.indexOf(server);
            if (index >= 0 && cluster.isEjected(index)) {
                next = next.replacing(cluster.withEjected(server, false));
                Logger.info("Re-admitting server {} of version {}", server, cluster.version());
                events.record(Event.Type.READMISSION, cluster.uuid(), cluster.version(), server.toString(),
                        "TCP probe succeeded");
            }
        }
        server.health().reset();
        server.health().releaseEjection();
        return next;
    }

    private static boolean isEjectedSomewhere(ClusterSnapshot snapshot, Server server) {
        for (Cluster cluster : snapshot.clusters()) {
            int index = cluster.indexOf(server);
            if (index >= 0 && cluster.isEjected(index)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}
