package io.turnout.admin;

import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ContainerSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.StateFile;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.engine.ProxyEngine;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.SnapshotWriter;
import org.tinylog.Logger;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running Turnout: the snapshot writer, the proxy engine and (to come) the admin API server,
 * started and stopped in a fixed order.
 *
 * <p>Start: initial clusters (the state file's if it exists, else the config's, in file order)
 * → snapshot writer → engine → admin API. The admin API starts last so no change can arrive
 * before the proxy routes. Stop: admin API → engine drain → writer. The admin API stops first so
 * no change arrives while draining.
 */
public final class TurnoutProcess {

    /**
     * Starts a Docker-managed cluster's containers (SPEC §6) and returns their servers, one per
     * container in container order. The Docker client provides it; see {@link #NO_DOCKER}.
     */
    @FunctionalInterface
    public interface ContainerLauncher {
        List<Server> start(String uuid, ClusterSpec spec) throws IOException;
    }

    /** Until the Docker client is wired in, a cluster with containers cannot start. */
    public static final ContainerLauncher NO_DOCKER = (uuid, spec) -> {
        throw new InvalidConfigException("cluster version " + spec.version() + ": containers",
                "Docker-managed clusters are not available in this build; list servers instead");
    };

    private final TurnoutConfig config;
    private final ContainerLauncher containerLauncher;
    private final StateFile stateFile;
    /** Each cluster's containers by uuid, for GET and the state file. */
    private final Map<String, List<ContainerSpec>> containersByUuid = new ConcurrentHashMap<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);
    private volatile SnapshotWriter writer;
    private volatile ProxyEngine engine;

    public TurnoutProcess(TurnoutConfig config, ContainerLauncher containerLauncher) {
        this.config = config;
        this.containerLauncher = containerLauncher;
        this.stateFile = config.stateFile() == null ? null : new StateFile(config.stateFile());
    }

    /**
     * Brings everything up. On failure, what was started stays for {@link #stop()} to take down.
     *
     * @throws InvalidConfigException for a user error (a corrupt state file, containers without Docker)
     * @throws IOException            when the proxy cannot listen
     */
    public void start() throws IOException {
        List<ClusterSpec> specs = config.clusters();
        String from = config.source();
        if (stateFile != null) {
            List<ClusterSpec> saved = stateFile.load().orElse(null);
            if (saved != null) {
                // SPEC §5: a state file that exists takes precedence over the config's clusters.
                specs = saved;
                from = stateFile.path().toString();
            }
        }
        ClusterSnapshot initial = ClusterSnapshot.EMPTY;
        for (ClusterSpec spec : specs) {
            String uuid = spec.uuidOrNew();
            List<Server> extra = List.of();
            if (!spec.containers().isEmpty()) {
                extra = containerLauncher.start(uuid, spec);
                containersByUuid.put(uuid.toLowerCase(java.util.Locale.ROOT), spec.containers());
            }
            initial = initial.with(spec.toCluster(uuid, extra));
        }
        Logger.info("Loaded {} cluster(s) from {}", initial.size(), from);

        writer = new SnapshotWriter(initial);
        if (stateFile != null) {
            saveState(initial);
            writer.addListener((before, after) -> {
                if (!sameClusters(before, after)) {
                    saveState(after);
                }
            });
        }

        ProxyEngine e = new ProxyEngine(config.proxy(), writer);
        e.start();
        engine = e; // only a started engine is drained in stop()
        Logger.info("Proxy listening on {}:{}", config.proxy().hostname(), engine.port());

        // ---- Admin API (SPEC §4) -------------------------------------------------------------
        // Start the admin server here, after the engine, with config.configService(), writer()
        // and containers(); keep it in a field and stop it first in stop().
        // -----------------------------------------------------------------------------------------
    }

    /** Stops everything, in order, once; later calls return at once. Waits for the drain. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            // ---- Admin API: stop the admin server here, before the drain. ----
            ProxyEngine e = engine;
            if (e != null) {
                Logger.info("Shutting down: draining in-flight exchanges (at most {} s)",
                        config.proxy().drainTimeout().toMillis() / 1000.0);
                e.shutdownGracefully();
                Logger.info("Shut down");
            }
            SnapshotWriter w = writer;
            if (w != null) {
                w.close();
            }
        } finally {
            stoppedLatch.countDown();
        }
    }

    /** Blocks until {@link #stop()} has finished. */
    public void awaitStopped() throws InterruptedException {
        stoppedLatch.await();
    }

    public TurnoutConfig config() {
        return config;
    }

    /** The single writer of the cluster snapshot; {@code null} before {@link #start()}. */
    public SnapshotWriter writer() {
        return writer;
    }

    public ProxyEngine engine() {
        return engine;
    }

    /**
     * Each Docker-managed cluster's containers by lower-case uuid. Whoever adds such a cluster
     * records its containers here, so GET and the state file show them.
     */
    public Map<String, List<ContainerSpec>> containers() {
        return containersByUuid;
    }

    private void saveState(ClusterSnapshot snapshot) {
        try {
            stateFile.save(snapshot.clusters(), uuid -> containersByUuid.get(uuid));
        } catch (IOException e) {
            Logger.error(e, "Could not write the state file {}; the change is live but will not survive a restart",
                    stateFile.path());
        }
    }

    /** Ejection and re-admission publish a new snapshot too; only membership changes are saved. */
    private static boolean sameClusters(ClusterSnapshot a, ClusterSnapshot b) {
        if (a.size() != b.size()) {
            return false;
        }
        Set<String> uuids = new HashSet<>();
        for (Cluster c : a.clusters()) {
            uuids.add(c.uuid());
        }
        for (Cluster c : b.clusters()) {
            if (!uuids.contains(c.uuid())) {
                return false;
            }
        }
        return true;
    }
}
