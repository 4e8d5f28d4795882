package io.turnout.admin.catalog;

import io.turnout.admin.config.ClusterSpec;
import io.turnout.engine.route.Cluster;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Where the clusters live when a fleet of proxies shares them (SPEC §10, {@code store.etcd}):
 * the catalog writes every PUT and DELETE there, not to its own writer, and the store feeds the
 * changes of every proxy (this one's included) back into this proxy's snapshot.
 */
public interface SharedClusters {

    /**
     * Writes a new cluster (its uuid is set and lower case). Completes with the uuid once this
     * proxy's own snapshot has it; exceptionally with {@link ApiException} 409 when the uuid is
     * taken anywhere in the fleet, or 503 naming the store when it cannot be reached.
     */
    CompletableFuture<String> create(ClusterSpec spec);

    /**
     * Deletes a cluster. Completes with it as it was, once this proxy's snapshot no longer has
     * it; exceptionally with {@link ApiException} 404 when the store has no such cluster, or 503.
     */
    CompletableFuture<Cluster> delete(String uuid);

    /** For {@code GET /status}: whether the store is up, and what this proxy has of it. */
    Map<String, Object> status();
}
