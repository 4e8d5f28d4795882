package io.turnout.engine.health;

import io.turnout.engine.route.Cluster;

/**
 * Told when this proxy rolls a version back (SPEC §3), so that what keeps the clusters beyond
 * this process can follow: in a fleet (SPEC §10) the deciding proxy deletes the version's key, and
 * every other proxy drops it too. Called on the snapshot writer thread, inside the mutation that
 * removes the cluster, once per rollback; it must hand any slow work to another thread.
 */
@FunctionalInterface
public interface RollbackListener {
    void rolledBack(Cluster cluster, String reason);
}
