package io.turnout.admin;

import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.support.EtcdTestCluster;
import io.turnout.admin.support.FleetProxy;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.ClientLoad;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §10 when etcd fails: three Turnout processes on a three-member etcd, through one outage
 * told in order. Member 0 dies (A's watch is on it); then the other two; then members 0 and 1 come
 * back while B, which knows only member 2, stays cut off and misses changes (made through A and
 * C, then compacted away); then member 2 comes back and B catches up. The tests run in that order
 * and share the fleet, as the outage does.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetOutageTest {
    private static final Duration RECONNECTED = Duration.ofSeconds(15);

    @TempDir
    static Path dir;
    private static EtcdTestCluster etcd;
    private static final TestBackend v1 = TestBackend.echo("1.0");
    private static final TestBackend v2 = TestBackend.echo("2.0");
    private static final TestBackend v3 = TestBackend.echo("3.0");
    private static FleetProxy a;
    private static FleetProxy b;
    private static FleetProxy c;
    private static String v1Uuid;

    @BeforeAll
    static void startFleet() {
        etcd = EtcdTestCluster.startThree(dir);
        String seed = "\"cluster\": {\"version\": \"1.0\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": "
                + v1.port() + "}]}";
        a = FleetProxy.start(dir, "a", etcd.endpointsJson(0, 1, 2), seed);
        b = FleetProxy.start(dir, "b", etcd.endpointsJson(2), seed);
        c = FleetProxy.start(dir, "c", etcd.endpointsJson(1, 0, 2), seed);
        for (FleetProxy p : List.of(a, b, c)) {
            p.awaitUp();
        }
        v1Uuid = a.clusters().getJSONObject(0).getJSONObject("cluster").getString("uuid");
    }

    @AfterAll
    static void stopFleet() {
        for (AutoCloseable x : new AutoCloseable[] {a, b, c, v1, v2, v3, etcd}) {
            try {
                if (x != null) {
                    x.close();
                }
            } catch (Exception e) {
                // the next one still closes
            }
        }
    }

    private static String cluster(String version, TestBackend backend) {
        return "{\"cluster\": {\"version\": \"" + version + "\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": "
                + backend.port() + "}]}}";
    }

    private static void awaitRouted(FleetProxy proxy, String version, Duration timeout) {
        Await.until("proxy " + proxy.name + " to route " + version, timeout, () -> proxy.page().startsWith(version + " "));
    }

    private static void awaitStore(FleetProxy proxy, String status) {
        Await.until("proxy " + proxy.name + "'s store to be " + status, RECONNECTED,
                () -> status.equals(proxy.storeStatus()));
    }

    private static ClientLoad loadOn(FleetProxy proxy) {
        return ClientLoad.on(proxy.proxyPort).clients(2).requestsPerClient(1_000_000).maxDuration(Duration.ofSeconds(60))
                .start();
    }

    @Test
    @Order(1)
    void killingOneMemberOfAThreeMemberEtcdChangesNothingForTheProxies() throws Exception {
        ClientLoad load = loadOn(a);
        etcd.kill(0);
        // Routing does not wait for etcd; a write does wait for its leader. If the killed member led,
        // the other two elect one, which on a loaded 2-core machine can outlast the client's 5 s read.
        etcd.awaitHealthy();
        String uuid = a.put(cluster("2.0", v2));
        assertTrue(a.page().startsWith("2.0 "));
        awaitRouted(b, "2.0", Duration.ofSeconds(1));
        awaitRouted(c, "2.0", Duration.ofSeconds(1));
        assertEquals(202, c.delete(uuid).status());
        awaitRouted(a, "1.0", Duration.ofSeconds(1));
        awaitRouted(b, "1.0", Duration.ofSeconds(1));
        for (FleetProxy p : List.of(a, b, c)) {
            awaitStore(p, "UP");
        }
        ClientLoad.Result result = load.finish();
        assertEquals(0, result.errorCount(), result::toString);
    }

    @Test
    @Order(2)
    void killingEveryMemberLeavesRoutingAsItWasAndAdminChangesGet503NamingEtcd() throws Exception {
        ClientLoad load = loadOn(b);
        etcd.kill(1);
        etcd.kill(2);
        for (FleetProxy p : List.of(a, b, c)) {
            awaitStore(p, "DOWN");
            assertTrue(p.page().startsWith("1.0 "), p::toString);
            assertTrue(p.metrics().contains("\nturnout_store_connected 0\n"));
        }
        JSONObject store = a.status().getJSONObject("store");
        assertTrue(store.getString("error").contains("etcd"), store::toString);
        HttpResponse put = a.admin("PUT", "/configuration/cluster", cluster("9.0", v3));
        assertEquals(503, put.status(), put::toString);
        assertTrue(put.bodyText().startsWith("etcd is unreachable: "), put::toString);
        assertTrue(put.bodyText().contains("the cluster was not added. PUT and DELETE need etcd"), put::toString);
        HttpResponse delete = c.delete(v1Uuid);
        assertEquals(503, delete.status(), delete::toString);
        assertEquals(List.of(v1Uuid + "=1.0"), c.clusterList());
        ClientLoad.Result result = load.finish();
        assertEquals(0, result.errorCount(), result::toString);
    }

    @Test
    @Order(3)
    void afterARestartAChangeMadeWhileAProxyWasCutOffReachesItEvenPastACompaction() {
        etcd.restart(0);
        etcd.restart(1);
        awaitStore(a, "UP");
        awaitStore(c, "UP");
        // B knows only member 2, which stays down: it misses what follows.
        String v3Uuid = a.put(cluster("3.0", v3));
        awaitRouted(c, "3.0", Duration.ofSeconds(1));
        assertEquals(202, c.delete(v1Uuid).status());
        awaitRouted(a, "3.0", Duration.ofSeconds(1));
        etcd.compact(0, etcd.revision(0));
        assertEquals("DOWN", b.storeStatus());
        assertEquals(List.of(v1Uuid + "=1.0"), b.clusterList(), "B routes what it had");

        etcd.restart(2);
        awaitStore(b, "UP");
        Await.until("B to catch up", RECONNECTED, () -> b.clusterList().equals(List.of(v3Uuid + "=3.0")));
        awaitRouted(b, "3.0", Duration.ofSeconds(1));
    }

    @Test
    @Order(4)
    void noChangeIsLostOrAppliedTwice() {
        List<String> expected = a.clusterList();
        assertEquals(expected, b.clusterList());
        assertEquals(expected, c.clusterList());
        for (FleetProxy p : List.of(a, b, c)) {
            Map<String, Long> perChange = p.events().stream().map(e -> (JSONObject) e)
                    .filter(e -> List.of("UPGRADE", "DELETE").contains(e.getString("type")))
                    .collect(Collectors.groupingBy(e -> e.getString("type") + " " + e.getString("cluster"),
                            Collectors.counting()));
            assertTrue(perChange.values().stream().allMatch(n -> n == 1), p.name + ": " + perChange);
            // 2.0 added and deleted, 3.0 added, 1.0 deleted: whoever made each change, every proxy has it once.
            assertEquals(4, perChange.size(), p.name + ": " + perChange);
        }
    }
}
