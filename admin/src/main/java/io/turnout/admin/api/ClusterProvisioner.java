package io.turnout.admin.api;

import io.turnout.admin.config.ClusterSpec;
import io.turnout.engine.route.Server;

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
     * Starts the spec's containers and completes, once each accepts connections, with one server
     * per container in container order; they are routed after {@code spec.servers()}. Called on
     * the admin selector thread: return at once and do the work elsewhere. On failure complete
     * exceptionally (an {@link ApiException}, or anything else, which becomes 502 with its
     * message) and leave nothing running.
     */
    CompletableFuture<List<Server>> provision(String uuid, ClusterSpec spec);

    /**
     * Publication was refused after {@link #provision} succeeded (a duplicate uuid raced in):
     * undo exactly what it started for these servers. Must not block.
     */
    default void abandon(String uuid, ClusterSpec spec, List<Server> servers) {
    }

    /**
     * The cluster left routing (DELETE or rollback): stop and remove its containers. Called on
     * the snapshot writer thread after publication; hand the work to another thread.
     */
    default void retired(String uuid, ClusterSpec spec) {
    }
}
