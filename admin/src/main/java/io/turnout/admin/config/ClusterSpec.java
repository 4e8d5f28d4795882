package io.turnout.admin.config;

import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.TransitionMode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A validated cluster object (SPEC §1), as the config file, the state file and the admin API's
 * {@code PUT /configuration/cluster} give it. {@link ClusterJson} builds it; every value here has
 * passed its checks. {@link #toCluster} turns it into the engine's {@link Cluster}.
 *
 * @param uuid            the uuid the user gave, or {@code null} to generate one
 * @param version         as written: a JSON number {@code 2.50} gives {@code "2.50"}
 * @param sessionTimeoutSeconds          SESSION only, else 0
 * @param percentageTransitionPerRequest GRADUAL only (this or the next), else 0
 * @param percentageTransitionPerMinute  GRADUAL only (this or the previous), else 0
 * @param mirrorUnsafeMethods            CONCURRENT only, else false
 * @param h2cUpgrade                     clients may switch to h2c through this cluster (off by default)
 * @param rollback        this cluster's own thresholds, or {@code null} for the proxy-wide ones
 * @param transitionStart when a per-minute ramp started, as the state file keeps it; {@code null}
 *                        for a new cluster, whose ramp starts when it is added ({@link #toCluster})
 */
public record ClusterSpec(String uuid, String version, List<ServerSpec> servers, List<ContainerSpec> containers,
        TransitionMode mode, long sessionTimeoutSeconds, double percentageTransitionPerRequest,
        double percentageTransitionPerMinute, boolean mirrorUnsafeMethods, RollbackPolicy rollback,
        Instant transitionStart, boolean h2cUpgrade) {
    public static final String DEFAULT_VERSION = "0.0";

    public ClusterSpec {
        version = version == null ? DEFAULT_VERSION : version;
        servers = servers == null ? List.of() : List.copyOf(servers);
        containers = containers == null ? List.of() : List.copyOf(containers);
        mode = mode == null ? TransitionMode.INSTANT : mode;
    }

    /** A cluster of plain servers in INSTANT mode. */
    public static ClusterSpec instant(String version, List<ServerSpec> servers) {
        return new ClusterSpec(null, version, servers, List.of(), TransitionMode.INSTANT, 0, 0, 0, false, null, null, false);
    }

    public static String newUuid() {
        return UUID.randomUUID().toString();
    }

    public ClusterSpec withUuid(String newUuid) {
        return new ClusterSpec(newUuid, version, servers, containers, mode, sessionTimeoutSeconds,
                percentageTransitionPerRequest, percentageTransitionPerMinute, mirrorUnsafeMethods, rollback,
                transitionStart, h2cUpgrade);
    }

    /**
     * The same cluster with each container's Docker id, in container order, as they were started
     * ({@link ContainerSpec#id}).
     */
    public ClusterSpec withContainerIds(List<String> ids) {
        if (ids.size() != containers.size()) {
            throw new IllegalArgumentException(ids.size() + " container ids for " + containers.size() + " containers");
        }
        List<ContainerSpec> started = new ArrayList<>(containers.size());
        for (int i = 0; i < containers.size(); i++) {
            started.add(containers.get(i).withId(ids.get(i)));
        }
        return new ClusterSpec(uuid, version, servers, started, mode, sessionTimeoutSeconds,
                percentageTransitionPerRequest, percentageTransitionPerMinute, mirrorUnsafeMethods, rollback,
                transitionStart, h2cUpgrade);
    }

    /** Whether any container records the Docker id of a container started for it earlier. */
    public boolean hasContainerIds() {
        for (ContainerSpec c : containers) {
            if (c.id() != null) {
                return true;
            }
        }
        return false;
    }

    /** The engine cluster of a spec with servers only; see {@link #toCluster(String, List)}. */
    public Cluster toCluster(String clusterUuid) {
        return toCluster(clusterUuid, List.of());
    }

    /**
     * Builds the engine cluster, just before it is added. Docker-managed clusters pass the servers
     * of their started containers as {@code extraServers}; they follow the listed servers. A
     * per-minute GRADUAL ramp starts now unless the spec brings its start (a restored cluster).
     *
     * @throws IllegalStateException when the cluster would have no server at all, for example a
     *                               containers-only spec whose containers were not started
     */
    public Cluster toCluster(String clusterUuid, List<Server> extraServers) {
        Objects.requireNonNull(clusterUuid, "clusterUuid");
        List<Server> all = new ArrayList<>(servers.size() + extraServers.size());
        for (ServerSpec s : servers) {
            all.add(s.toServer());
        }
        all.addAll(extraServers);
        if (all.isEmpty()) {
            throw new IllegalStateException("cluster version " + version
                    + " has no servers; start its containers and pass their servers as extraServers");
        }
        return Cluster.builder(clusterUuid, version)
                .mode(mode)
                .sessionTimeoutSeconds(sessionTimeoutSeconds)
                .percentagePerRequest(percentageTransitionPerRequest)
                .percentagePerMinute(percentageTransitionPerMinute)
                .transitionStartMillis(transitionStart != null ? transitionStart.toEpochMilli() : System.currentTimeMillis())
                .mirrorUnsafeMethods(mirrorUnsafeMethods)
                .h2cUpgrade(h2cUpgrade)
                .rollback(rollback)
                .servers(all)
                .build();
    }

    @Override
    public String toString() {
        return "version: " + version + " " + servers + (containers.isEmpty() ? "" : " containers: " + containers.size())
                + " mode: " + mode;
    }
}
