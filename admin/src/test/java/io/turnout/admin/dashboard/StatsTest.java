package io.turnout.admin.dashboard;

import io.turnout.admin.support.SteppedClock;
import io.turnout.engine.health.Event;
import io.turnout.engine.health.EventLog;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.Server;
import io.turnout.engine.route.TransitionMode;
import io.turnout.engine.settings.RollbackPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What /stats says about each version, from counters bumped by hand and a clock stepped by hand. */
class StatsTest {
    private final SteppedClock clock = SteppedClock.startingNow();
    private final EventLog events = new EventLog(256);
    private final AtomicReference<ClusterSnapshot> snapshot = new AtomicReference<>(ClusterSnapshot.EMPTY);
    private final Dashboard dashboard = Dashboard.manual(snapshot::get, events,
            c -> new RollbackPolicy(3, 10, 0.5), clock);

    private Cluster add(String uuid, String version, TransitionMode mode, Server... servers) {
        Cluster.Builder b = Cluster.builder(uuid, version).mode(mode).servers(List.of(servers));
        if (mode == TransitionMode.GRADUAL) {
            b.percentagePerRequest(5);
        }
        snapshot.set(snapshot.get().with(b.build()));
        return snapshot.get().byUuid(uuid);
    }

    private void secondPasses() {
        clock.advance(Duration.ofSeconds(1));
        dashboard.sampler().sample();
    }

    private static void respond(Cluster c, int n, int status, long latencyNanos) {
        for (int i = 0; i < n; i++) {
            c.state().metrics().onResponse(status, latencyNanos);
        }
    }

    private static VersionStats version(Stats stats, String uuid) {
        return stats.versions().stream().filter(v -> v.uuid().equals(uuid)).findFirst().orElseThrow();
    }

    @Test
    void sharesRatesAndFailuresAreOverTheSamplesOfTheLastMinute() {
        Cluster v1 = add("v1", "1.0", TransitionMode.INSTANT, new Server("127.0.0.1", 1034));
        respond(v1, 30, 200, 2_000_000);
        secondPasses();
        Cluster v2 = add("v2", "2.0", TransitionMode.GRADUAL, new Server("127.0.0.1", 1035));
        respond(v2, 8, 200, 400_000);
        respond(v2, 2, 503, 400_000); // relayed 5xx: failures of the servers too
        for (int i = 0; i < 3; i++) {
            v2.state().metrics().onUpstreamFailure();
        }
        respond(v1, 10, 200, 2_000_000);
        secondPasses();

        Stats stats = dashboard.stats();
        assertEquals(List.of("v2", "v1"), stats.versions().stream().map(VersionStats::uuid).toList(), "newest first");
        VersionStats s1 = version(stats, "v1");
        VersionStats s2 = version(stats, "v2");
        assertEquals(40.0 / 50, s1.share(), 1e-9);
        assertEquals(10.0 / 50, s2.share(), 1e-9);
        assertEquals(20.0, s1.requestsPerSecond(), 1e-9, "40 responses over the two seconds sampled");
        assertEquals(5.0, s2.requestsPerSecond(), 1e-9);
        // 3 failed tries against 8 good responses; the relayed 503s are among the 3 failures.
        assertEquals(3.0 / 11, s2.failureRate(), 1e-9);
        assertEquals(0.0, s1.failureRate());
        assertTrue(s2.p99Millis() <= 1.0);
        assertTrue(s1.p50Millis() > 1.0 && s1.p50Millis() <= 2.5);
        assertEquals(0.0, s2.transitionCounter());
        assertTrue(Double.isNaN(s1.transitionCounter()), "no counter for INSTANT");
    }

    @Test
    void onlyTheNewestOfSeveralVersionsHasARollbackGuard() {
        Cluster v1 = add("v1", "1.0", TransitionMode.INSTANT, new Server("127.0.0.1", 1034));
        assertNull(version(dashboard.stats(), "v1").guard(), "the last version is never rolled back");
        Cluster v2 = add("v2", "2.0", TransitionMode.INSTANT, new Server("127.0.0.1", 1035));
        VersionStats.RollbackGuard empty = version(dashboard.stats(), "v2").guard();
        assertEquals(new VersionStats.RollbackGuard(0, 0, 10, 5), empty);
        v2.state().outcomes(10).record(true);
        v2.state().outcomes(10).record(false);
        assertEquals(new VersionStats.RollbackGuard(1, 2, 10, 5), version(dashboard.stats(), "v2").guard());
        assertNull(version(dashboard.stats(), v1.uuid()).guard());
    }

    @Test
    void readingStatsWritesNothingTheDataPathUses() {
        Cluster v1 = add("v1", "1.0", TransitionMode.INSTANT, new Server("127.0.0.1", 1034));
        Cluster v2 = add("v2", "2.0", TransitionMode.GRADUAL, new Server("127.0.0.1", 1035));
        respond(v2, 5, 200, 1_000);
        for (int i = 0; i < 10; i++) {
            secondPasses();
            StatsJson.render(dashboard.stats());
            StatsTable.versions(dashboard.stats());
        }
        assertNull(v2.state().outcomesSoFar(), "the rollback window is the health monitor's to make");
        assertEquals(5, v2.state().metrics().requests());
        assertEquals(0, v1.state().metrics().requests());
        assertEquals(0.0, v2.state().transitionCounter(v2.percentagePerRequest()));
    }

    @Test
    void aRollbackOfTheLastMinuteIsTheBannersAndAnOlderOneIsNot() {
        add("v1", "1.0", TransitionMode.INSTANT, new Server("127.0.0.1", 1034));
        events.record(Event.Type.ROLLBACK, "v2", "2.0", null, "all servers ejected");
        Event rollback = dashboard.stats().recentRollback();
        assertNotNull(rollback);
        assertEquals("2.0", rollback.version());
        clock.advance(Stats.ROLLBACK_SHOWN.plusSeconds(1));
        assertNull(dashboard.stats().recentRollback());
    }

    @Test
    void theEventsAreTheNewestFifty() {
        for (int i = 0; i < 80; i++) {
            events.record(Event.Type.UPGRADE, "u" + i, String.valueOf(i), null, "added");
        }
        List<Event> shown = dashboard.stats().events();
        assertEquals(Stats.EVENTS_SHOWN, shown.size());
        assertEquals("79", shown.get(0).version());
    }
}
