package io.turnout.admin;

import io.turnout.admin.store.FleetClusters;
import io.turnout.admin.takeover.Handover;
import io.turnout.admin.takeover.HandoverState;
import io.turnout.admin.takeover.TakeoverClient;
import io.turnout.admin.takeover.TakeoverFailure;
import io.turnout.engine.route.Cluster;
import io.turnout.admin.api.AdminApi;
import io.turnout.admin.api.AdminServer;
import io.turnout.admin.api.AdminSettings;
import io.turnout.admin.api.DashboardEndpoints;
import io.turnout.admin.catalog.ApiException;
import io.turnout.admin.catalog.ClusterCatalog;
import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.LevelTags;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.admin.dashboard.Dashboard;
import io.turnout.admin.docker.DockerProvisioner;
import io.turnout.admin.state.StateFile;
import io.turnout.engine.ProxyEngine;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.tls.TlsConfigException;
import org.tinylog.Logger;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

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
    /** How long a takeover waits for the running Turnout to answer. */
    private static final Duration TAKEOVER_TIMEOUT = Duration.ofSeconds(10);

    private final AtomicBoolean stopped = new AtomicBoolean();
    private final CountDownLatch stoppedLatch = new CountDownLatch(1);
    private volatile SnapshotWriter writer;
    private volatile DockerProvisioner docker;
    private volatile ClusterCatalog catalog;
    private volatile ProxyEngine engine;
    private volatile AdminServer admin;
    private volatile FleetClusters fleet;
    private volatile StateFile stateFile;
    /** This process handed over to a new one (SPEC §11): what it served is the new one's now. */
    private volatile boolean handedOver;
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
        start(false);
    }

    /**
     * Brings everything up; with {@code takeOver}, from the state of the Turnout serving the same
     * ports now, which goes once this one accepts (SPEC §11). If this one fails first, the running
     * one goes on serving.
     *
     * @throws io.turnout.admin.takeover.TakeoverFailure when the running Turnout cannot be taken over
     */
    public void start(boolean takeOver) throws IOException {
        if (config.store() != null) {
            if (takeOver) {
                throw new TakeoverFailure("a fleet member (store.etcd) cannot take over from another process yet;"
                        + " start the new proxy on other ports beside the fleet and retire the old one");
            }
            startInFleet();
            return;
        }
        TakeoverClient takeover = takeOver ? TakeoverClient.connect(adminHostToReach(), config.configService().port(),
                config.configService().token(), TAKEOVER_TIMEOUT) : null;
        try {
            HandoverState handed = takeover != null ? takeover.begin(Handover.DEFAULT_HOLD) : null;
            startServing(handed);
            if (takeover != null) {
                warnUnlessAcceptQueuesMigrate();
                takeover.commit();
                LevelTags.notice("Took over from the Turnout on {}:{}", adminHostToReach(), config.configService().port());
            }
        } catch (IOException | RuntimeException e) {
            if (takeover != null) {
                takeover.abort();
            }
            throw e;
        } finally {
            if (takeover != null) {
                takeover.close();
            }
        }
    }

    private void startServing(HandoverState handed) throws IOException {
        if (handed != null && handed.proxyPort() != config.proxy().port()) {
            throw new TakeoverFailure(config.source() + ": proxy.port is " + config.proxy().port()
                    + " but the running Turnout serves port " + handed.proxyPort() + "; take over with the same ports");
        }
        // The new process keeps writing the state file the running one wrote, unless told another.
        Path statePath = config.stateFile() != null || handed == null ? config.stateFile() : handed.stateFile();
        // SPEC §5: a state file that exists takes precedence over the config's clusters.
        boolean restoring = handed == null && statePath != null && Files.exists(statePath);
        List<ClusterSpec> specs = handed != null ? handed.clusters() : StateFile.clustersAtStart(statePath, config.clusters());
        String from = handed != null ? "the running Turnout's hand-over" : restoring ? statePath.toString() : config.source();

        writer = new SnapshotWriter(ClusterSnapshot.EMPTY);
        ClusterCatalog c = new ClusterCatalog(writer, provisioner(specs, from));
        catalog = c;
        for (ClusterSpec spec : specs) {
            addAtStart(c, spec, from);
        }
        if (handed != null) {
            for (Cluster cluster : writer.snapshot().clusters()) {
                Long routed = handed.gradualRouted().get(cluster.uuid());
                if (routed != null) {
                    cluster.state().continueGradual(routed);
                }
            }
        }
        LevelTags.notice("Loaded {} cluster(s) from {}", writer.snapshot().size(), from);
        if (statePath != null) {
            // After the clusters at start: a crash during start leaves the previous file whole.
            stateFile = StateFile.attach(statePath, c);
        }

        ProxyEngine e = newEngine();
        startEngine(e, handed != null);
        startAdmin(c, e, e::metricsText, new Handover(c, e::port, statePath, this::handOverAndExit), handed != null);
    }

    /**
     * SPEC §10: the clusters come from etcd (the config's are written there only when it holds
     * none), and the proxy routes only once it has read them. The engine exists before the fleet
     * so that its rollbacks reach etcd; Docker-managed clusters are refused, so no provisioner.
     */
    private void startInFleet() throws IOException {
        writer = new SnapshotWriter(ClusterSnapshot.EMPTY);
        ProxyEngine e = newEngine();
        String name = config.store().name() != null ? config.store().name() : defaultProxyName();
        FleetClusters f;
        try {
            f = FleetClusters.start(config.store(), name, writer, e.events(), config.clusters());
        } catch (InvalidConfigException unreachable) {
            throw new InvalidConfigException(config.source(), unreachable.getMessage());
        }
        fleet = f;
        e.health().addRollbackListener(f);
        ClusterCatalog c = new ClusterCatalog(writer, ClusterProvisioner.NONE, f);
        catalog = c;
        startEngine(e, false);
        startAdmin(c, e, () -> e.metricsText() + f.metricsText(), null, false);
    }

    /**
     * The engine reads {@code proxy.tls}'s files again (the config loader checked them): one that
     * changed since is still one line naming the field, not a stack trace.
     */
    private ProxyEngine newEngine() {
        try {
            return new ProxyEngine(config.proxy(), writer);
        } catch (TlsConfigException tls) {
            throw new InvalidConfigException(config.source(), "proxy.tls." + tls.field() + ": " + tls.getMessage());
        }
    }

    /** {@code <host name>:<configService.port>}: where an operator finds the proxy that decided a rollback. */
    private String defaultProxyName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException ex) {
            host = "localhost";
        }
        return host + ":" + config.configService().port();
    }

    /** {@code besideRunning}: bind beside the Turnout being taken over (SPEC §11). */
    private void startEngine(ProxyEngine e, boolean besideRunning) throws IOException {
        try {
            if (besideRunning) {
                e.startBesideRunning();
            } else {
                e.start();
            }
        } catch (BindException b) {
            throw new ListenFailure("proxy.port", "the proxy", config.proxy().hostname(), config.proxy().port(), b);
        }
        engine = e; // only a started engine is drained in stop()
        LevelTags.notice("Proxy listening on {}:{}", config.proxy().hostname(), e.port());
    }

    /** @param handover this process's side of a takeover, or null when it cannot be taken over */
    private void startAdmin(ClusterCatalog c, ProxyEngine e, Supplier<String> metrics, Handover handover,
                            boolean besideRunning) throws IOException {
        Dashboard board = Dashboard.start(writer::snapshot, e.events(), e.health()::policyOf);
        dashboard = board;
        AdminApi api = new AdminApi(c, metrics, e.events(), handover, e.tls());
        DashboardEndpoints.addTo(api, board);
        AdminServer a = new AdminServer(AdminSettings.of(config.configService()), api);
        try {
            a.start(besideRunning);
        } catch (IOException io) {
            throw new ListenFailure("configService.port", "the admin API", config.configService().hostname(),
                    config.configService().port(), io.getCause() != null ? io.getCause() : io);
        }
        admin = a;
        warnIfOpen(a.address());
    }

    /** The admin API of this config, as a client reaches it: a wildcard address is reached on loopback. */
    private String adminHostToReach() {
        String host = config.configService().hostname();
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    /**
     * SPEC §11: closing the running one's listeners resets the connections still in their accept
     * queues, unless the kernel moves them to this process's listeners (Linux 5.14+).
     */
    private static void warnUnlessAcceptQueuesMigrate() {
        Path sysctl = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
        try {
            if (!Files.readString(sysctl).trim().equals("1")) {
                Logger.warn("net.ipv4.tcp_migrate_req is 0: connections waiting in the old Turnout's accept queue"
                        + " may be reset when it closes its listeners; set it to 1 (sysctl -w net.ipv4.tcp_migrate_req=1)");
            }
        } catch (IOException e) {
            Logger.warn("This kernel cannot move waiting connections between listeners ({} is missing, Linux 5.14+):"
                    + " a few connections may be reset when the old Turnout closes its listeners", sysctl);
        }
    }

    /**
     * The new Turnout accepts (SPEC §11): stop accepting, drain, leave its containers and its
     * state file to it, exit 0. On the admin thread: the exit starts after this event, so the
     * answer to the commit is written first.
     */
    private void handOverAndExit() {
        handedOver = true;
        StateFile file = stateFile;
        if (file != null) {
            writer.removeListener(file);
        }
        admin.execute(() -> new Thread(() -> GracefulExit.exit(0), "turnout-handover").start());
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
                if (c != null && !handedOver && config.dockerHost() != null
                        && config.dockerHost().stopContainersOnExit()) {
                    List<String> uuids = c.clustersWithContainers();
                    Logger.info("Stopping the containers of {} cluster(s) (stopContainersOnExit)", uuids.size());
                    d.stopAndRemoveClusters(uuids);
                }
                d.close();
            }
            FleetClusters f = fleet;
            if (f != null) {
                f.close();
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

    /** The fleet's etcd store, or {@code null} without {@code store.etcd} or before {@link #start()}. */
    public FleetClusters fleet() {
        return fleet;
    }

    /** The started admin API server, or {@code null}. */
    public AdminServer admin() {
        return admin;
    }
}
