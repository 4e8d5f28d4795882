package io.turnout.admin.dashboard;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shape of GET /stats, which the page reads key by key. */
class StatsJsonTest {
    private final SteppedClock clock = SteppedClock.startingNow();
    private final EventLog events = new EventLog(256);
    private final AtomicReference<ClusterSnapshot> snapshot = new AtomicReference<>(ClusterSnapshot.EMPTY);
    private final Dashboard dashboard = Dashboard.manual(snapshot::get, events, c -> RollbackPolicy.DEFAULT, clock);

    private Cluster add(Cluster.Builder b) {
        Cluster c = b.build();
        snapshot.set(snapshot.get().with(c));
        return snapshot.get().byUuid(c.uuid());
    }

    private JSONObject stats() {
        return JSON.parseObject(StatsJson.render(dashboard.stats()));
    }

    @Test
    void eachModeCarriesItsOwnFigureAndEveryVersionTheCommonOnes() {
        add(Cluster.builder("c", "1.0").mode(TransitionMode.CONCURRENT).servers(List.of(new Server("127.0.0.1", 1))));
        add(Cluster.builder("s", "2.0").mode(TransitionMode.SESSION).sessionTimeoutSeconds(60)
                .servers(List.of(new Server("127.0.0.1", 2))));
        Cluster g = add(Cluster.builder("g", "3.0").mode(TransitionMode.GRADUAL).percentagePerRequest(12.5)
                .servers(List.of(new Server("127.0.0.1", 3), new Server("localhost", 4))));
        snapshot.set(snapshot.get().replacing(g.withEjected(g.servers().get(1), true)));
        g.state().countGradualRequest(12.5);
        clock.advance(Duration.ofSeconds(1));
        dashboard.sampler().sample();

        JSONArray versions = stats().getJSONArray("versions");
        assertEquals(List.of("3.0", "2.0", "1.0"), versions.stream().map(v -> ((JSONObject) v).getString("version")).toList());
        JSONObject gradual = versions.getJSONObject(0);
        assertEquals("GRADUAL", gradual.getString("mode"));
        assertEquals(12.5, gradual.getDoubleValue("transitionCounter"));
        assertEquals(JSON.parseArray("[{\"hostname\":\"127.0.0.1\",\"port\":3,\"ejected\":false},"
                + "{\"hostname\":\"localhost\",\"port\":4,\"ejected\":true}]"), gradual.getJSONArray("servers"));
        assertEquals(JSON.parseObject("{\"failures\":0,\"seen\":0,\"window\":20,\"rollsBackAt\":10}"),
                gradual.getJSONObject("rollbackGuard"));
        assertEquals(60, versions.getJSONObject(1).getIntValue("sessionTimeout"));
        assertFalse(versions.getJSONObject(1).containsKey("rollbackGuard"), "only the newest can be rolled back");
        assertEquals(0, versions.getJSONObject(2).getIntValue("divergences"));
        for (Object o : versions) {
            JSONObject v = (JSONObject) o;
            for (String key : List.of("uuid", "version", "mode", "sequence", "servers", "share", "requestsPerSecond",
                    "responses", "failures", "failureRate", "latencyMillis")) {
                assertTrue(v.containsKey(key), v.getString("version") + " has " + key);
            }
            // No response in the window: no share, no failure rate, no latency; and said as null.
            assertNull(v.get("share"));
            assertNull(v.get("failureRate"));
            assertNull(v.getJSONObject("latencyMillis").get("p99"));
            assertEquals(0.0, v.getDoubleValue("requestsPerSecond"));
        }
        assertFalse(versions.getJSONObject(0).containsKey("divergences"));
        assertFalse(versions.getJSONObject(2).containsKey("transitionCounter"));
    }

    @Test
    void theHistoryHasSixtySecondsOfEveryVersionSeenLiveOrNot() {
        Cluster v1 = add(Cluster.builder("v1", "1.0").servers(List.of(new Server("127.0.0.1", 1))));
        Cluster v2 = add(Cluster.builder("v2", "2.0").servers(List.of(new Server("127.0.0.1", 2))));
        v2.state().metrics().onResponse(200, 1_500_000);
        v2.state().metrics().onUpstreamFailure();
        clock.advance(Duration.ofSeconds(1));
        dashboard.sampler().sample();
        snapshot.set(snapshot.get().without("v2"));
        events.record(Event.Type.ROLLBACK, "v2", "2.0", null, "failure ratio 10/20 reached 0.5");
        v1.state().metrics().onResponse(200, 1_000);
        clock.advance(Duration.ofSeconds(1));
        dashboard.sampler().sample();

        JSONObject stats = stats();
        JSONObject history = stats.getJSONObject("history");
        assertEquals(60, history.getIntValue("seconds"));
        assertEquals(clock.instant().toString(), history.getString("end"));
        JSONArray series = history.getJSONArray("versions");
        JSONObject gone = series.getJSONObject(0);
        assertEquals("v2", gone.getString("uuid"));
        assertFalse(gone.getBooleanValue("live"));
        assertEquals(60, gone.getJSONArray("responses").size());
        assertEquals(1, gone.getJSONArray("responses").getIntValue(58));
        assertEquals(1, gone.getJSONArray("failures").getIntValue(58));
        assertTrue(gone.getJSONArray("p99Millis").getDoubleValue(58) > 1.0);
        assertNull(gone.getJSONArray("p99Millis").get(59), "no response that second");
        assertTrue(series.getJSONObject(1).getBooleanValue("live"));

        assertEquals(1, stats.getJSONArray("versions").size());
        assertEquals(0.5, stats.getJSONArray("versions").getJSONObject(0).getDoubleValue("share"),
                "the rolled-back version's response counts toward the minute's total");
        assertEquals("ROLLBACK", stats.getJSONObject("rollback").getString("type"));
        assertEquals("2.0", stats.getJSONArray("events").getJSONObject(0).getString("version"));
        assertTrue(stats.getJSONArray("events").getJSONObject(0).containsKey("server"), "nulls are written");
    }
}
