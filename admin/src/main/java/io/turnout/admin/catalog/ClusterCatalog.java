package io.turnout.admin.catalog;

import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ConfigLoader;
import io.turnout.admin.config.ContainerSpec;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.route.SnapshotWriter.MutationRejected;
import org.tinylog.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Adds and removes clusters the way the admin API promises (SPEC §4): every change is a
 * mutation on the {@link SnapshotWriter}, and its future completes only after the new snapshot
 * is published, so a 202 is never sent before routing sees the change. The spec each cluster was
 * added with is kept beside the snapshot, for what the engine's {@link Cluster} does not carry
 * (its containers) — for GET and for the state file.
 *
 * <p>The launcher adds the clusters of the config or state file through {@link #add} too, so a
 * cluster enters in one way only. It leaves in two: an admin DELETE ({@link #remove}) or a
 * rollback the engine's health monitor publishes on its own. Both are seen here the same way, as
 * a cluster missing from the next snapshot, and {@link ClusterProvisioner#retired} is called once
 * for it, so a rolled-back version's containers are removed like a deleted one's.
 *
 * <p>In a fleet ({@link SharedClusters}, SPEC §10) PUT and DELETE go to the shared store instead,
 * which publishes them through the same writer once etcd has them; clusters with containers are
 * refused there.
 */
public final class ClusterCatalog {
    private final SnapshotWriter writer;
    private final ClusterProvisioner provisioner;
    private final SharedClusters shared;
    /** By lower-case uuid; written inside mutations (writer thread), read anywhere. */
    private final Map<String, ClusterSpec> specs = new ConcurrentHashMap<>();

    public ClusterCatalog(SnapshotWriter writer, ClusterProvisioner provisioner) {
        this(writer, provisioner, null);
    }

    /** A catalog whose clusters live in {@code shared}, or this proxy's own when it is {@code null}. */
    public ClusterCatalog(SnapshotWriter writer, ClusterProvisioner provisioner, SharedClusters shared) {
        this.writer = writer;
        this.provisioner = provisioner;
        this.shared = shared;
        writer.addListener(this::published);
    }

    /** A catalog for clusters of plain servers; one with containers is refused with 502. */
    public ClusterCatalog(SnapshotWriter writer) {
        this(writer, ClusterProvisioner.NONE);
    }

    public SnapshotWriter writer() {
        return writer;
    }

    public ClusterSnapshot snapshot() {
        return writer.snapshot();
    }

    /** The fleet's store, or {@code null} when the clusters are this proxy's own. */
    public SharedClusters shared() {
        return shared;
    }

    /** The spec a live cluster was added with, or {@code null}. */
    public ClusterSpec specOf(String uuid) {
        return specs.get(uuid.toLowerCase(Locale.ROOT));
    }

    /** The containers of a cluster, empty for one of plain servers. */
    public List<ContainerSpec> containersOf(String uuid) {
        ClusterSpec spec = specOf(uuid);
        return spec == null ? List.of() : spec.containers();
    }

    /** The uuids of the live clusters that run containers; for {@code stopContainersOnExit}. */
    public List<String> clustersWithContainers() {
        List<String> uuids = new ArrayList<>();
        for (Cluster c : writer.snapshot().clusters()) {
            if (!containersOf(c.uuid()).isEmpty()) {
                uuids.add(c.uuid());
            }
        }
        return uuids;
    }

    /**
     * Adds a cluster: starts its containers if it has any, then publishes it. Completes with it as
     * published (its uuid the given one in lower case, or a new one) once routing sees it; or
     * exceptionally with {@link MutationRejected} 409 for a uuid already in use, or
     * {@link ApiException} 502 when its containers did not start.
     */
    public CompletableFuture<Cluster> add(ClusterSpec spec) {
        String uuid = (spec.uuid() != null ? spec.uuid() : ClusterSpec.newUuid()).toLowerCase(Locale.ROOT);
        ClusterSpec named = spec.withUuid(uuid);
        if (shared != null) {
            if (!spec.containers().isEmpty()) {
                return CompletableFuture.failedFuture(new ApiException(400, "cluster.containers: "
                        + ConfigLoader.FLEET_CONTAINERS));
            }
            // The store completes once this proxy's own snapshot has the cluster (SPEC §10).
            return shared.create(named).thenApply(created -> writer.snapshot().byUuid(created));
        }
        if (writer.snapshot().byUuid(uuid) != null) {
            // Early answer that starts no container; the check that counts is in the mutation.
            return CompletableFuture.failedFuture(duplicate(uuid));
        }
        return provision(named)
                .thenCompose(started -> publish(named, started))
                .thenApply(snapshot -> snapshot.byUuid(uuid));
    }

    /**
     * Removes a cluster; completes with it as it was last published, once routing no longer sees
     * it, or with {@link MutationRejected} 404.
     */
    public CompletableFuture<Cluster> remove(String uuid) {
        if (shared != null) {
            return shared.delete(uuid.toLowerCase(Locale.ROOT));
        }
        AtomicReference<Cluster> removed = new AtomicReference<>();
        return writer.submit(current -> {
            Cluster cluster = current.byUuid(uuid);
            if (cluster == null) {
                throw new MutationRejected(404, "no cluster with uuid " + uuid + "; list them with GET /configuration/cluster");
            }
            removed.set(cluster);
            return current.without(uuid);
        }).thenApply(snapshot -> removed.get());
    }

    private CompletableFuture<List<StartedContainer>> provision(ClusterSpec spec) {
        if (spec.containers().isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        CompletableFuture<List<StartedContainer>> started;
        try {
            started = provisioner.provision(spec.uuid(), spec);
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        return started.exceptionallyCompose(e -> CompletableFuture.failedFuture(dockerFailure(spec, e)));
    }

    private CompletableFuture<ClusterSnapshot> publish(ClusterSpec requested, List<StartedContainer> started) {
        String uuid = requested.uuid();
        Cluster cluster;
        ClusterSpec spec;
        try {
            List<Server> servers = new ArrayList<>(started.size());
            List<String> ids = new ArrayList<>(started.size());
            for (StartedContainer c : started) {
                servers.add(c.server());
                ids.add(c.id());
            }
            // What GET and the state file show: the containers with the ids that run them.
            spec = started.isEmpty() ? requested : requested.withContainerIds(ids);
            cluster = spec.toCluster(uuid, servers);
        } catch (RuntimeException e) {
            abandon(requested, started);
            return CompletableFuture.failedFuture(e);
        }
        return writer.submit(current -> {
            // Inside the single writer, so two PUTs of one uuid cannot both pass.
            if (current.byUuid(uuid) != null) {
                throw duplicate(uuid);
            }
            ClusterSnapshot next = current.with(cluster);
            // Before publication, so listeners (the state file) see the containers with the cluster.
            specs.put(uuid, spec);
            return next;
        }).whenComplete((snapshot, e) -> {
            if (e != null) {
                abandon(requested, started);
            }
        });
    }

    private void abandon(ClusterSpec spec, List<StartedContainer> started) {
        if (!started.isEmpty()) {
            try {
                provisioner.abandon(spec.uuid(), spec, started);
            } catch (RuntimeException e) {
                Logger.error(e, "Could not undo the containers of cluster {}", spec.uuid());
            }
        }
    }

    /** Writer thread, after each publication: forget clusters that left, and retire their containers. */
    private void published(ClusterSnapshot before, ClusterSnapshot after) {
        if (before.size() == 0) {
            return;
        }
        Set<String> live = new HashSet<>();
        for (Cluster c : after.clusters()) {
            live.add(c.uuid());
        }
        for (Cluster c : before.clusters()) {
            if (!live.contains(c.uuid())) {
                ClusterSpec spec = specs.remove(c.uuid());
                if (spec != null && !spec.containers().isEmpty()) {
                    provisioner.retired(c.uuid(), spec);
                }
            }
        }
    }

    private static MutationRejected duplicate(String uuid) {
        return new MutationRejected(409, "cluster.uuid: " + uuid + " is already in use; leave uuid out to get a new one,"
                + " or DELETE /configuration/cluster/" + uuid + " first");
    }

    private static ApiException dockerFailure(ClusterSpec spec, Throwable failure) {
        Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (e instanceof ApiException api) {
            return api;
        }
        return new ApiException(502, "starting the containers of cluster " + spec.uuid() + " (version " + spec.version()
                + ") failed: " + e.getMessage());
    }
}
