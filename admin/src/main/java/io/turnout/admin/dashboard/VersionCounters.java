package io.turnout.admin.dashboard;

import io.turnout.engine.counters.ClusterMetrics;
import io.turnout.engine.route.Cluster;

/**
 * The cumulative counters of one version at one instant, copied from its {@link ClusterMetrics}.
 * Two of them, subtracted, say what happened in between.
 *
 * @param responses    responses relayed to clients, of any status
 * @param serverErrors of those, the 5xx ones
 * @param failures     failed tries of this version's servers (refused, reset, timed out, 5xx),
 *                     whether or not another version answered instead
 * @param latency      the latency histogram's cumulative bucket counts, +Inf last
 */
public record VersionCounters(String uuid, String version, long sequence, long responses, long serverErrors,
                              long failures, long[] latency) {

    /** Reads {@code cluster}'s counters: sums of LongAdders, no write to anything the data path touches. */
    public static VersionCounters of(Cluster cluster) {
        ClusterMetrics m = cluster.state().metrics();
        return new VersionCounters(cluster.uuid(), cluster.version(), cluster.sequence(), m.requests(), m.responses(5),
                m.upstreamFailures(), m.latencyCumulative());
    }

    /** Counters of a version that did not exist yet: it starts from zero when it is added. */
    static VersionCounters zeroLike(VersionCounters other) {
        return new VersionCounters(other.uuid, other.version, other.sequence, 0, 0, 0, new long[other.latency.length]);
    }
}
