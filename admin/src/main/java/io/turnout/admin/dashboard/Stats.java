package io.turnout.admin.dashboard;

import io.turnout.engine.health.Event;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.settings.RollbackPolicy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Everything {@code GET /stats} and {@code turnoutctl}'s tables show, at one moment: every live
 * version newest first, the last minute of traffic, and the recent events.
 *
 * @param recentRollback the newest rollback of the last minute, which the page shows as a banner; or {@code null}
 */
public record Stats(Instant now, List<VersionStats> versions, TrafficHistory history, List<Event> events,
                    Event recentRollback) {

    /** How many events {@code /stats} carries: enough for the timeline, newest first. */
    public static final int EVENTS_SHOWN = 50;

    /** How long the page's banner says that a version was rolled back. */
    public static final Duration ROLLBACK_SHOWN = Duration.ofSeconds(TrafficSampler.WINDOW_SECONDS);

    /**
     * @param events   newest first, as {@code EventLog.snapshot()} gives them
     * @param policies the rollback thresholds each version is held to
     */
    public static Stats of(ClusterSnapshot snapshot, List<TrafficSample> samples, List<Event> events,
                           Function<Cluster, RollbackPolicy> policies, Instant now) {
        TrafficHistory history = TrafficHistory.of(samples, TrafficSampler.WINDOW_SECONDS);
        List<VersionStats> versions = new ArrayList<>(snapshot.size());
        for (int rank = 0; rank < snapshot.size(); rank++) {
            Cluster c = snapshot.get(rank);
            // SPEC §3: only the newest version, and never the last one left, can be rolled back.
            boolean candidate = rank == 0 && snapshot.size() > 1;
            versions.add(VersionStats.of(c, candidate, history, policies.apply(c)));
        }
        Event rollback = null;
        for (Event e : events) {
            if (e.type() == Event.Type.ROLLBACK && !e.time().isBefore(now.minus(ROLLBACK_SHOWN))) {
                rollback = e;
                break;
            }
        }
        List<Event> shown = events.size() > EVENTS_SHOWN ? events.subList(0, EVENTS_SHOWN) : events;
        return new Stats(now, List.copyOf(versions), history, List.copyOf(shown), rollback);
    }
}
