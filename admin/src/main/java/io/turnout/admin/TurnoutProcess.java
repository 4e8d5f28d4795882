package io.turnout.admin;

import io.turnout.admin.api.AdminApi;
import io.turnout.admin.api.AdminServer;
import io.turnout.admin.api.AdminSettings;
import io.turnout.admin.api.DashboardEndpoints;
import io.turnout.admin.catalog.ApiException;
import io.turnout.admin.catalog.ClusterCatalog;
import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.admin.dashboard.Dashboard;
import io.turnout.admin.docker.DockerProvisioner;
import io.turnout.admin.state.StateFile;
import io.turnout.engine.ProxyEngine;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.SnapshotWriter;
import org.tinylog.Logger;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running Turnout: the snapshot writer, the cluster catalog with its Docker provisioner, the
 * state file, the proxy engine and the admin API, started and stopped in a fixed order.
 *
 * <p>Start: the clusters at start (the state file's if it exists, else the config's; a corrupt
 * state file stops here) → writer → catalog, each cluster added through it in file order (its
 * containers adopted or started first) → state file attached → engine → the dashboard's sampler →
 * admin API. The admin API starts last, so no change can arrive before the proxy routes.
 *
 * <p>Stop: admin API (no change arrives while draining) → sampler → engine drain → the containers, when
 * {@code stopContainersOnExit} → Docker workers → writer.
 */
public final class TurnoutProcess {

    /** The proxy or the admin API cannot listen (the port is taken): a user error. */
    public static final class ListenFailure extends IOException {
        private static final long serialVersionUID = 1L;
        private final String field;
        private final String what;
        private final String hostname;
        private final int port;

        ListenFailure(String field, String what, String hostname, int port, Throwable cause) {
            super(what + " cannot listen on " + hostname + ":" + port + " (" + cause.getMessage() + ")", cause);
            this.field = field;
            this.what = what;
            this.hostname = hostname;
            this.port = port;
        }

        /** The config field that chose the port: {@code proxy.port} or {@code configService.port}. */
        public String field() {
            return field;
        }

        /** {@code the proxy} or {@code the admin API}. */
        public String what() {
            return what;
        }

        public String hostname() {
            return hostname;
        }

        public int port() {
            return port;
        }
    }

    private final TurnoutConfig config;
    private final Map<String, String> environment;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);
    private volatile SnapshotWriter writer;
    private volatile DockerProvisioner docker;
    private volatile ClusterCatalog catalog;
    private volatile ProxyEngine engine;
    private volatile AdminServer admin;
    private volatile Dashboard dashboard;

    public TurnoutProcess(TurnoutConfig config) {
        this(config, System.getenv());
    }

    /** @param environment where {@code DOCKER_HOST} is looked up */
    TurnoutProcess(TurnoutConfig config, Map<String, String> environment) {
        this.config = config;
        this.environment = environment;
    }

    /**
     * Brings everything up. On failure, what was started stays for {@link #stop()} to take down.
     *
     * @throws io.turnout.admin.state.StateFileException when the state file exists but is corrupt
     * @throws InvalidConfigException for another user error: a cluster whose containers cannot
     *                                start, an unusable {@code DOCKER_HOST}
     * @throws ListenFailure          when the proxy or the admin API cannot listen
     */
    public void start() throws IOException {
        // SPEC §5: a state file that exists takes precedence over the config's clusters.
        boolean restoring = config.stateFile() != null && Files.exists(config.stateFile());
        List<ClusterSpec> specs = StateFile.clustersAtStart(config.stateFile(), config.clusters());
        String from = restoring ? config.stateFile().toString() : config.source();

        writer = new SnapshotWriter(ClusterSnapshot.EMPTY);
        ClusterCatalog c = new ClusterCatalog(writer, provisioner(specs, from));
        catalog = c;
        for (ClusterSpec spec : specs) {
            addAtStart(c, spec, from);
        }
        Logger.info("Loaded {} cluster(s) from {}", writer.snapshot().size(), from);
        if (config.stateFile() != null) {
            // After the clusters at start: a crash during start leaves the previous file whole.
            StateFile.attach(config.stateFile(), c);
        }

        ProxyEngine e = new ProxyEngine(config.proxy(), writer);
        try {
            e.start();
        } catch (BindException b) {
            throw new ListenFailure("proxy.port", "the proxy", config.proxy().hostname(), config.proxy().port(), b);
        }
        engine = e; // only a started engine is drained in stop()
        Logger.info("Proxy listening on {}:{}", config.proxy().hostname(), e.port());

        Dashboard board = Dashboard.start(writer::snapshot, e.events(), e.health()::policyOf);
        dashboard = board;
        AdminApi api = new AdminApi(c, e::metricsText, e.events());
        DashboardEndpoints.addTo(api, board);
        AdminServer a = new AdminServer(AdminSettings.of(config.configService()), api);
        try {
            a.start();
        } catch (IOException io) {
            throw new ListenFailure("configService.port", "the admin API", config.configService().hostname(),
                    config.configService().port(), io.getCause() != null ? io.getCause() : io);
        }
        admin = a;
        warnIfOpen(a.address());
    }

    /** The Docker provisioner; an unusable {@code DOCKER_HOST} matters only once a cluster has containers. */
    private ClusterProvisioner provisioner(List<ClusterSpec> specs, String from) {
        try {
            docker = DockerProvisioner.forHost(config.dockerHost(), environment);
            return docker;
        } catch (IllegalArgumentException e) {
            for (ClusterSpec spec : specs) {
                if (!spec.containers().isEmpty()) {
                    throw new InvalidConfigException(from, "cluster version " + spec.version() + " has containers, but "
                            + e.getMessage() + "; or set dockerHost in the config file");
                }
            }
            Logger.warn("Docker-managed clusters are unavailable: {}", e.getMessage());
            return (uuid, spec) -> CompletableFuture.failedFuture(new ApiException(502,
                    "cluster.containers: " + e.getMessage() + "; or set dockerHost in the config file"));
        }
    }

    /** Adds one cluster of the config or state file, waiting for its containers; failures are one line. */
    private static void addAtStart(ClusterCatalog catalog, ClusterSpec spec, String from) {
        try {
            catalog.add(spec).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ApiException || cause instanceof SnapshotWriter.MutationRejected) {
                throw new InvalidConfigException(from, cause.getMessage());
            }
            throw e;
        }
    }

    /** SPEC hardening: an admin API others can reach, with no token, lets them change routing. */
    private void warnIfOpen(InetSocketAddress bound) {
        if (!config.configService().requiresToken() && !bound.getAddress().isLoopbackAddress()) {
            Logger.warn("The admin API listens on {}:{} without a token: anyone who can reach it can change routing; "
                    + "set configService.token, or configService.hostname 127.0.0.1", config.configService().hostname(),
                    bound.getPort());
        }
    }

    /** Stops everything, in order, once; later calls return at once. Waits for the drain. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            AdminServer a = admin;
            if (a != null) {
                a.close();
            }
            Dashboard board = dashboard;
            if (board != null) {
                board.close();
            }
            ProxyEngine e = engine;
            if (e != null) {
                Logger.info("Shutting down: draining in-flight exchanges (at most {} s)",
                        config.proxy().drainTimeout().toMillis() / 1000.0);
                e.shutdownGracefully();
                Logger.info("Shut down");
            }
            DockerProvisioner d = docker;
            if (d != null) {
                ClusterCatalog c = catalog;
                if (c != null && config.dockerHost() != null && config.dockerHost().stopContainersOnExit()) {
                    List<String> uuids = c.clustersWithContainers();
                    Logger.info("Stopping the containers of {} cluster(s) (stopContainersOnExit)", uuids.size());
                    d.stopAndRemoveClusters(uuids);
                }
                d.close();
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

    /** The clusters with what the snapshot does not carry (their containers); {@code null} before start. */
    public ClusterCatalog catalog() {
        return catalog;
    }

    /** The started engine, or {@code null}. */
    public ProxyEngine engine() {
        return engine;
    }

    /** The started admin API server, or {@code null}. */
    public AdminServer admin() {
        return admin;
    }
}
