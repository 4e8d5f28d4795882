package io.turnout.admin;

import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.config.EtcdEndpoint;
import io.turnout.admin.store.EtcdClient;
import io.turnout.admin.support.EtcdTestCluster;
import io.turnout.admin.support.FleetProxy;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.ClientLoad;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §10's fleet as users run it: three Turnout processes (A, B, C) sharing one real etcd, each
 * in its own JVM. Every test leaves the fleet as it found it: version 1.0, which the config
 * file's cluster seeded into etcd when the first proxy started.
 */
class FleetTest {
    /** SPEC §10: a change made on one proxy is routed by every proxy within one second. */
    private static final long WITHIN_MILLIS = 1_000;
    private static final int ROUNDS = 10;

    @TempDir
    static Path dir;
    private static EtcdTestCluster etcd;
    private static TestBackend v1;
    private static TestBackend[] next;
    private static FleetProxy a;
    private static FleetProxy b;
    private static FleetProxy c;

    @BeforeAll
    static void startFleet() {
        etcd = EtcdTestCluster.startSingle(dir);
        v1 = TestBackend.echo("1.0");
        next = new TestBackend[] {TestBackend.echo("even"), TestBackend.echo("odd")};
        String seed = "\"cluster\": {\"version\": \"1.0\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": "
                + v1.port() + "}]}";
        // All three seed the same config cluster at once: etcd takes the first, and only it.
        a = FleetProxy.start(dir, "a", etcd.endpointsJson(), seed);
        b = FleetProxy.start(dir, "b", etcd.endpointsJson(), seed);
        c = FleetProxy.start(dir, "c", etcd.endpointsJson(), seed);
        for (FleetProxy p : List.of(a, b, c)) {
            p.awaitUp();
        }
    }

    @AfterAll
    static void stopFleet() {
        for (AutoCloseable x : new AutoCloseable[] {a, b, c, v1, next == null ? null : next[0],
                next == null ? null : next[1], etcd}) {
            if (x != null) {
                try {
                    x.close();
                } catch (Exception e) {
                    // the next one still closes
                }
            }
        }
    }

    private static String cluster(String version, TestBackend backend, String more) {
        return "{\"cluster\": {\"version\": \"" + version + "\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": "
                + backend.port() + "}]" + more + "}}";
    }

    /** Waits until {@code proxy} routes GETs to the backend named {@code backend}. */
    private static void awaitRouted(FleetProxy proxy, String backend) {
        Await.until("proxy " + proxy.name + " to route to " + backend, Duration.ofSeconds(5),
                () -> proxy.page().startsWith(backend + " "));
    }

    /**
     * When {@code proxy} applied the change: the time of its event of {@code type} for
     * {@code uuid}, recorded on its writer thread just before the snapshot that routes the change
     * is published. Reading it costs the proxies nothing, where timing by polling would put the
     * polling's load on the very proxies being timed.
     */
    private static Instant eventTime(FleetProxy proxy, String type, String uuid) {
        JSONObject event = Await.value("proxy " + proxy.name + " to record " + type + " of " + uuid, Duration.ofSeconds(5),
                () -> proxy.events().stream().map(e -> (JSONObject) e)
                        .filter(e -> type.equals(e.getString("type")) && uuid.equals(e.getString("cluster")))
                        .findFirst().orElse(null), e -> e != null);
        return Instant.parse(event.getString("time"));
    }

    private static long millisBetween(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1_000_000;
    }

    private static void awaitOnlyV1Everywhere() {
        for (FleetProxy p : List.of(a, b, c)) {
            Await.until("proxy " + p.name + " to list only 1.0", Duration.ofSeconds(5),
                    () -> p.clusterList().size() == 1 && p.clusterList().get(0).endsWith("=1.0"));
        }
    }

    @Test
    void aPutOnOneProxyIsRoutedByTheOthersWithinOneSecond() throws IOException {
        List<Long> millis = new ArrayList<>();
        List<Long> accepted = new ArrayList<>();
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            // Alternate backends, so the page names the newest version of this round.
            TestBackend backend = next[i % 2];
            Instant sent = Instant.now();
            String uuid = a.put(cluster("2." + i, backend, ""));
            accepted.add(millisBetween(sent, Instant.now()));
            uuids.add(uuid);
            assertTrue(a.page().startsWith(backend.name() + " "), "A routes it once it answered 202");
            for (FleetProxy other : List.of(b, c)) {
                awaitRouted(other, backend.name());
                millis.add(millisBetween(sent, eventTime(other, "UPGRADE", uuid)));
            }
        }
        String line = "fleet convergence: PUT on A until B and C route it: " + summary(millis)
                + " (PUT until A's 202: " + summary(accepted) + ")";
        System.out.println(line);
        Files.writeString(Path.of("target", "fleet-convergence.txt"), line + "\n");
        assertTrue(Collections.max(millis) < WITHIN_MILLIS, line);
        for (String uuid : uuids) {
            assertEquals(202, a.delete(uuid).status());
        }
        awaitOnlyV1Everywhere();
    }

    private static String summary(List<Long> millis) {
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        return "median " + sorted.get(sorted.size() / 2) + " ms, worst " + sorted.get(sorted.size() - 1) + " ms over "
                + sorted.size();
    }

    @Test
    void aDeleteOnCRemovesTheVersionFromAAndB() {
        String uuid = a.put(cluster("3.0", next[0], ""));
        awaitRouted(b, "even");
        awaitRouted(c, "even");
        Instant sent = Instant.now();
        HttpResponse delete = c.delete(uuid);
        assertEquals(202, delete.status(), delete::toString);
        for (FleetProxy other : List.of(a, b)) {
            awaitRouted(other, "1.0");
            long millis = millisBetween(sent, eventTime(other, "DELETE", uuid));
            assertTrue(millis < WITHIN_MILLIS, other.name + " applied the DELETE after " + millis + " ms");
            assertEquals(404, other.admin("GET", "/configuration/cluster/" + uuid, null).status());
        }
    }

    @Test
    void aDuplicateUuidThroughAnotherProxyIs409() {
        String uuid = a.put(cluster("4.0", next[1], ", \"uuid\": \"dup-4\""));
        assertEquals("dup-4", uuid);
        HttpResponse again = b.admin("PUT", "/configuration/cluster", cluster("5.0", next[0], ", \"uuid\": \"dup-4\""));
        assertEquals(409, again.status(), again::toString);
        assertTrue(again.bodyText().startsWith("cluster.uuid: dup-4 is already in use in the fleet"), again::toString);
        assertEquals(202, b.delete(uuid).status());
        awaitOnlyV1Everywhere();
    }

    @Test
    void aVersionFailingBehindBIsRolledBackByBAndAAndCStopRoutingItWithinOneSecondWithNoErrorOnA() throws Exception {
        // 6.0 fails only the requests that come through B (they carry X-Through: b), so B decides.
        TestBackend bad = TestBackend.start("6.0", r -> "b".equals(r.header("X-Through"))
                ? Reply.status(500, "broken") : Reply.ok("6.0 " + r.target()));
        try (bad) {
            String uuid = a.put(cluster("6.0", bad, ""));
            awaitRouted(b, "6.0");
            awaitRouted(c, "6.0");

            AtomicLong lastSixOnA = new AtomicLong();
            ClientLoad load = ClientLoad.on(a.proxyPort).clients(4).requestsPerClient(1_000_000)
                    .maxDuration(Duration.ofSeconds(30)).verdict(r -> {
                        if (r.status() != 200) {
                            return "status " + r.status();
                        }
                        if (r.bodyText().startsWith("6.0")) {
                            lastSixOnA.set(System.currentTimeMillis());
                        }
                        return null;
                    }).start();
            Await.until("A's clients to reach 6.0", () -> lastSixOnA.get() > 0);

            // Safe GETs through B: each 500 is retried on 1.0 unseen, and counts against 6.0.
            try (RawHttpClient client = RawHttpClient.connect(b.proxyPort)) {
                for (int i = 0; i < 50 && b.clusterList().size() > 1; i++) {
                    HttpResponse r = client.send("GET / HTTP/1.1\r\nHost: fleet\r\nX-Through: b\r\n\r\n").readResponse();
                    assertEquals(200, r.status(), r::toString);
                }
            }
            Instant decided = eventTime(b, "ROLLBACK", uuid);
            awaitRouted(c, "1.0");
            awaitRouted(a, "1.0");
            long cStopped = millisBetween(decided, eventTime(c, "ROLLBACK", uuid));
            long aApplied = millisBetween(decided, eventTime(a, "ROLLBACK", uuid));
            long requestsSoFar = load.requests();
            Await.until("more load on A after the rollback", () -> load.requests() > requestsSoFar + 200);
            ClientLoad.Result result = load.finish();
            long aLastSix = lastSixOnA.get() - decided.toEpochMilli();

            System.out.println("fleet rollback: B decided; A dropped 6.0 " + aApplied + " ms after (its clients last got "
                    + "6.0 " + aLastSix + " ms after), C " + cStopped + " ms after; A's load: " + result);
            assertEquals(0, result.errorCount(), result::toString);
            assertTrue(aApplied < WITHIN_MILLIS && aLastSix < WITHIN_MILLIS, "A routed 6.0 until " + aLastSix
                    + " ms after B rolled it back");
            assertTrue(cStopped < WITHIN_MILLIS, "C routed 6.0 until " + cStopped + " ms after B rolled it back");

            String line = "Removing cluster from configuration - version: 6.0 [127.0.0.1:" + bad.port() + "]";
            assertEquals(1, b.logCount(line), b::toString);
            assertEquals(1, b.logCount("Rolled back version 6.0 for the whole fleet"), b::toString);
            for (FleetProxy other : List.of(a, c)) {
                assertEquals(1, other.logCount(line + " - rolled back by proxy b: all servers ejected"), other::toString);
                assertTrue(other.events().stream().map(e -> (JSONObject) e).anyMatch(e -> "ROLLBACK".equals(e.getString("type"))
                        && e.getString("reason").startsWith("rolled back by proxy b: ")), other.events()::toString);
            }
            EtcdClient client = new EtcdClient(List.of(EtcdEndpoint.parse(etcd.clientUrls().get(0))), Duration.ofSeconds(1));
            assertTrue(client.range("/turnout/clusters/" + uuid).kvs().isEmpty(), "the key is gone from etcd");
        }
        awaitOnlyV1Everywhere();
    }
}
