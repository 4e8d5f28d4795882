package io.turnout.admin.catalog;

import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ContainerSpec;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Starts what a Docker-managed cluster needs before it may be routed to (SPEC §6), and stops it
 * when the cluster leaves. {@link ClusterCatalog#add} calls it only for specs that list
 * {@code containers}; {@link #NONE} refuses those.
 */
public interface ClusterProvisioner {

    /** For a proxy without a Docker host: a cluster with containers gets 502 and nothing starts. */
    ClusterProvisioner NONE = (uuid, spec) -> CompletableFuture.failedFuture(new ApiException(502,
            "cluster.containers: this proxy has no Docker host configured; set dockerHost or DOCKER_HOST"));

    /**
     * Starts the spec's containers and completes, once each accepts connections, with one
     * {@link StartedContainer} per container in container order; their servers are routed after
     * {@code spec.servers()}. A container whose spec records an {@link ContainerSpec#id id} (a
     * cluster restored from the state file) is adopted when it still runs, replaced when not.
     * Called on the admin selector thread or the launcher's: return at once and do the work
     * elsewhere. On failure complete exceptionally (an {@link ApiException}, or anything else,
     * which becomes 502 with its message) and leave nothing running.
     */
    CompletableFuture<List<StartedContainer>> provision(String uuid, ClusterSpec spec);

    /**
     * Publication was refused after {@link #provision} succeeded (a duplicate uuid raced in, or
     * the proxy is stopping): undo exactly what it started. Must not block.
     */
    default void abandon(String uuid, ClusterSpec spec, List<StartedContainer> started) {
    }

    /**
     * The cluster left routing (DELETE, or a rollback the engine made): stop and remove its
     * containers. Called once per cluster, on the snapshot writer thread after publication;
     * hand the work to another thread.
     */
    default void retired(String uuid, ClusterSpec spec) {
    }
}
