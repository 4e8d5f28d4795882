package io.turnout.admin.dashboard;

import io.turnout.engine.counters.OutcomeWindow;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.TransitionMode;
import io.turnout.engine.settings.RollbackPolicy;

import java.util.ArrayList;
import java.util.List;

/**
 * One live version as the dashboard and {@code turnoutctl} show it: what the snapshot says (mode,
 * servers, ejections), and what the last minute of samples says (share, rate, failures, latency).
 * A figure with nothing to go on (no response in the window) is {@code NaN}.
 *
 * @param share             its responses over the window ÷ every version's, 0..1
 * @param requestsPerSecond responses a second over the last {@value #RATE_SECONDS} s
 * @param failureRate       failed tries ÷ (failed tries + non-5xx responses) over the window
 * @param transitionCounter GRADUAL's counter, 0..100; {@code NaN} for other modes
 * @param guard             how close it is to an automatic rollback; {@code null} unless it is
 *                          the newest of several versions (only that one can be rolled back)
 */
public record VersionStats(String uuid, String version, TransitionMode mode, long sequence, List<ServerState> servers,
                           double share, double requestsPerSecond, long responses, long failures, double failureRate,
                           double p50Millis, double p99Millis, double transitionCounter, long sessionTimeoutSeconds,
                           long divergences, RollbackGuard guard) {

    /** Seconds over which the request rate is averaged: short enough to follow a change, long enough to be steady. */
    public static final int RATE_SECONDS = 10;

    public record ServerState(String hostname, int port, boolean ejected) {
        public String address() {
            return hostname + ":" + port;
        }
    }

    /**
     * The rollback window of SPEC §3 as it stands: {@code failures} of the last {@code seen}
     * responses (at most {@code window}) failed; {@code rollsBackAt} failures in a full window roll it back.
     */
    public record RollbackGuard(int failures, int seen, int window, int rollsBackAt) {
    }

    static VersionStats of(Cluster cluster, boolean rollbackCandidate, TrafficHistory history, RollbackPolicy policy) {
        List<ServerState> servers = new ArrayList<>(cluster.servers().size());
        for (int i = 0; i < cluster.servers().size(); i++) {
            Server s = cluster.servers().get(i);
            servers.add(new ServerState(s.hostname(), s.port(), cluster.isEjected(i)));
        }
        int window = history.seconds();
        TrafficHistory.VersionHistory seen = history.version(cluster.uuid());
        long responses = seen == null ? 0 : seen.responses(window);
        long failures = seen == null ? 0 : seen.failures(window);
        long serverErrors = seen == null ? 0 : seen.serverErrors(window);
        long total = history.totalResponses();
        long rateMillis = history.millisOfLast(RATE_SECONDS);
        long recent = seen == null ? 0 : seen.responses(RATE_SECONDS);
        long tries = failures + responses - serverErrors;
        long[] latency = seen == null ? new long[] {0} : seen.latency(window);
        return new VersionStats(cluster.uuid(), cluster.version(), cluster.mode(), cluster.sequence(), List.copyOf(servers),
                total == 0 ? Double.NaN : (double) responses / total,
                rateMillis == 0 ? 0 : recent * 1000.0 / rateMillis,
                responses, failures,
                tries == 0 ? Double.NaN : (double) failures / tries,
                LatencyQuantile.millis(latency, 0.5), LatencyQuantile.millis(latency, 0.99),
                cluster.mode() == TransitionMode.GRADUAL ? gradualCounter(cluster) : Double.NaN,
                cluster.mode() == TransitionMode.SESSION ? cluster.sessionTimeoutSeconds() : 0,
                cluster.state().divergences(),
                rollbackCandidate ? guard(cluster, policy) : null);
    }

    private static double gradualCounter(Cluster cluster) {
        return cluster.transitionCounter(System.currentTimeMillis()); // per request or per minute
    }

    private static RollbackGuard guard(Cluster cluster, RollbackPolicy policy) {
        int rollsBackAt = (int) Math.ceil(policy.failureRatio() * policy.window() - 1e-9);
        OutcomeWindow outcomes = cluster.state().outcomesSoFar();
        if (outcomes == null) {
            return new RollbackGuard(0, 0, policy.window(), rollsBackAt);
        }
        int seen = (int) Math.min(outcomes.recorded(), outcomes.size());
        return new RollbackGuard(outcomes.failures(), seen, outcomes.size(), rollsBackAt);
    }

    public int ejectedCount() {
        int n = 0;
        for (ServerState s : servers) {
            if (s.ejected()) {
                n++;
            }
        }
        return n;
    }
}
