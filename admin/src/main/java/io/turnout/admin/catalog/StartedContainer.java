package io.turnout.admin.catalog;

import io.turnout.engine.route.Server;

/**
 * A container a {@link ClusterProvisioner} started (or adopted) for a cluster, ready to serve.
 *
 * @param id     Docker's container id: kept with the cluster's spec and in the state file, so a
 *               restart can adopt the container rather than start a second one
 * @param server where routing reaches it (always a loopback address, SPEC §6)
 */
public record StartedContainer(String id, Server server) {
}
