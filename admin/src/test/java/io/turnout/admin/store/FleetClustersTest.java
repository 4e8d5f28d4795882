package io.turnout.admin.store;

import io.turnout.admin.catalog.ApiException;
import io.turnout.admin.catalog.ClusterCatalog;
import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.admin.config.ClusterJson;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.EtcdEndpoint;
import io.turnout.admin.config.EtcdSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.ServerSpec;
import io.turnout.admin.support.EtcdTestCluster;
import io.turnout.admin.support.TcpRelay;
import io.turnout.engine.health.Event;
import io.turnout.engine.health.EventLog;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.ClusterSnapshot;
import io.turnout.engine.route.SnapshotWriter;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §10 in one JVM: several members of a fleet (each its own writer, event log and store, as
 * each proxy has) against one real etcd. A {@link TcpRelay} in front of etcd cuts one member off
 * while the others carry on, which is how the outage cases are made deterministic.
 */
class FleetClustersTest {
    private static final Duration CONVERGED = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    private static EtcdTestCluster etcd;
    private static int prefixes;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdTestCluster.startSingle(dir);
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    /** One proxy's side of the fleet: what TurnoutProcess builds, without the engine. */
    private final class Member implements AutoCloseable {
        final String name;
        final SnapshotWriter writer = new SnapshotWriter(ClusterSnapshot.EMPTY);
        final EventLog events = new EventLog(256);
        final FleetClusters fleet;
        final ClusterCatalog catalog;

        Member(String name, String endpoint, List<ClusterSpec> configClusters) {
            this.name = name;
            this.fleet = FleetClusters.start(new EtcdSpec(List.of(EtcdEndpoint.parse(endpoint)), prefix,
                    Duration.ofSeconds(1), name), name, writer, events, configClusters);
            this.catalog = new ClusterCatalog(writer, ClusterProvisioner.NONE, fleet);
        }

        List<String> uuids() {
            return writer.snapshot().clusters().stream().map(Cluster::uuid).toList();
        }

        String put(String version) {
            return catalog.add(spec(version)).join().uuid();
        }

        /**
         * What HealthMonitor.rollback does: unless the cluster is gone already, record the event
         * and remove it, in a mutation that tells the listener.
         */
        void rollBack(String uuid) {
            writer.submit(current -> {
                Cluster cluster = current.byUuid(uuid);
                if (cluster == null) {
                    return current;
                }
                events.record(Event.Type.ROLLBACK, uuid, cluster.version(), null, "failure ratio 20/20 reached 0.5");
                fleet.rolledBack(cluster, "failure ratio 20/20 reached 0.5");
                return current.without(uuid);
            }).join();
        }

        List<Event> eventsOf(Event.Type type) {
            return events.snapshot().stream().filter(e -> e.type() == type).toList();
        }

        @Override
        public void close() {
            fleet.close();
            writer.close();
        }
    }

    private Member member(String name) {
        return member(name, etcd.clientUrls().get(0), List.of());
    }

    private Member member(String name, String endpoint, List<ClusterSpec> configClusters) {
        if (prefix == null) {
            prefix = "/fleet-" + (++prefixes) + "/";
        }
        Member m = new Member(name, endpoint, configClusters);
        closing.add(0, m);
        return m;
    }

    private static ClusterSpec spec(String version) {
        return ClusterSpec.instant(version, List.of(new ServerSpec("127.0.0.1", 1034)));
    }

    private static void awaitSame(Member... members) {
        Await.until("every member to have the same clusters", CONVERGED, () -> {
            List<String> first = members[0].uuids();
            for (Member m : members) {
                if (!m.uuids().equals(first)) {
                    return false;
                }
            }
            return true;
        });
    }

    private static int status(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return ((ApiException) e.getCause()).status();
    }

    private static String message(CompletableFuture<?> f) {
        return assertThrows(CompletionException.class, f::join).getCause().getMessage();
    }

    @Test
    void aPutIsInTheWritersSnapshotWhenItCompletesAndReachesTheOthersFromTheirWatch() {
        Member a = member("a");
        Member b = member("b");
        String uuid = a.put("2.0");
        assertEquals(List.of(uuid), a.uuids(), "202 only once this proxy's own snapshot has it");
        Await.until("b to have it", CONVERGED, () -> b.uuids().equals(List.of(uuid)));
        assertEquals(1, b.eventsOf(Event.Type.UPGRADE).size(), "b records the upgrade it learned from etcd");
        assertTrue(a.eventsOf(Event.Type.UPGRADE).isEmpty(), "a's own PUT is recorded by its admin API, not twice");
    }

    @Test
    void aUuidTakenThroughOneMemberIs409ThroughAnother() {
        Member a = member("a");
        Member b = member("b");
        String uuid = a.put("2.0");
        CompletableFuture<Cluster> again = b.catalog.add(spec("3.0").withUuid(uuid.toUpperCase()));
        assertEquals(409, status(again));
        assertTrue(message(again).startsWith("cluster.uuid: " + uuid + " is already in use in the fleet"), message(again));
        awaitSame(a, b);
        assertEquals("2.0", b.writer.snapshot().byUuid(uuid).version());
    }

    @Test
    void aDeleteThroughOneMemberRemovesItEverywhereAndAnUnknownUuidIs404() {
        Member a = member("a");
        Member b = member("b");
        String keep = a.put("1.0");
        String gone = a.put("2.0");
        awaitSame(a, b);
        Cluster deleted = b.catalog.remove(gone).join();
        assertEquals("2.0", deleted.version());
        assertEquals(List.of(keep), b.uuids());
        Await.until("a to drop it", CONVERGED, () -> a.uuids().equals(List.of(keep)));
        assertEquals(1, a.eventsOf(Event.Type.DELETE).size());
        assertEquals(404, status(b.catalog.remove(gone)));
    }

    @Test
    void containersAreRefusedWith400NamingTheReason() {
        Member a = member("a");
        ClusterSpec withContainers = ClusterJson.parseBody("{\"cluster\": {\"version\": \"2.0\", \"containers\": "
                + "[{\"image\": \"app\", \"portToProxy\": 80}]}}");
        CompletableFuture<Cluster> put = a.catalog.add(withContainers);
        assertEquals(400, status(put));
        assertTrue(message(put).startsWith("cluster.containers: Docker-managed clusters are refused while store.etcd is set"),
                message(put));
    }

    @Test
    void equalVersionsRankAlikeOnEveryMemberWhoeverAddedThem() {
        Member a = member("a");
        Member b = member("b");
        String first = a.put("2.0");
        String second = b.put("2.0");
        String third = a.put("2.0");
        awaitSame(a, b);
        assertEquals(List.of(third, second, first), a.uuids(), "equal versions: the newer first (SPEC §1)");
    }

    @Test
    void configClustersAreWrittenInFileOrderOnlyWhenThePrefixHoldsNone() {
        Member a = member("a", etcd.clientUrls().get(0), List.of(spec("1.0"), spec("1.0").withUuid("fixed")));
        Member b = member("b", etcd.clientUrls().get(0), List.of(spec("9.0")));
        assertEquals(2, a.uuids().size());
        assertEquals("fixed", a.uuids().get(0), "of equal versions the one later in the file ranks first");
        assertEquals(a.uuids(), b.uuids(), "b's config cluster is not written: etcd held clusters already");
    }

    @Test
    void twoMembersRollingBackAtOnceDeleteTheKeyOnceAndEveryMemberLogsItOnce() throws Exception {
        Member a = member("a");
        Member b = member("b");
        Member c = member("c");
        String old = a.put("1.0");
        String bad = a.put("2.0");
        awaitSame(a, b, c);
        long before = etcd.revision(0);

        CompletableFuture<Void> ra = CompletableFuture.runAsync(() -> a.rollBack(bad));
        CompletableFuture<Void> rb = CompletableFuture.runAsync(() -> b.rollBack(bad));
        CompletableFuture.allOf(ra, rb).join();
        Await.until("c to drop it", CONVERGED, () -> c.uuids().equals(List.of(old)));
        Await.until("both deciders to be done with etcd", CONVERGED,
                () -> a.fleet.status().get("pendingRollbacks").equals(0) && b.fleet.status().get("pendingRollbacks").equals(0));

        // etcd's own history of the key: one deletion, whoever won.
        EtcdClient client = new EtcdClient(List.of(EtcdEndpoint.parse(etcd.clientUrls().get(0))), Duration.ofSeconds(1));
        int deletions = 0;
        try (EtcdClient.Watch history = client.watch(prefix + "clusters/" + bad, before + 1)) {
            long now = etcd.revision(0);
            for (long seen = before; seen < now; ) {
                WatchResponse m = history.next();
                for (WatchResponse.Event e : m.events()) {
                    deletions += e.deleted() ? 1 : 0;
                    seen = Math.max(seen, e.kv().modRevision());
                }
            }
        }
        assertEquals(1, deletions, "the key is deleted once");
        List<Event> seenByC = c.eventsOf(Event.Type.ROLLBACK);
        assertEquals(1, seenByC.size(), seenByC::toString);
        assertTrue(seenByC.get(0).reason().matches("rolled back by proxy [ab]: failure ratio 20/20 reached 0\\.5"),
                seenByC.get(0).reason());
        // Whether a decider rolled back first or heard of the other's rollback first, it has it once.
        assertEquals(1, a.eventsOf(Event.Type.ROLLBACK).size(), a.events.snapshot()::toString);
        assertEquals(1, b.eventsOf(Event.Type.ROLLBACK).size(), b.events.snapshot()::toString);
        assertEquals(List.of(old), a.uuids());
        assertEquals(List.of(old), b.uuids());
    }

    @Test
    void cutOffFromEtcdAMemberKeepsItsClustersAnswers503AndLaterGetsWhatChangedMeanwhile() throws Exception {
        TcpRelay relay = TcpRelay.to(port(etcd.clientUrls().get(0)));
        closing.add(relay);
        Member a = member("a");
        Member b = member("b", "http://127.0.0.1:" + relay.port(), List.of());
        String old = a.put("1.0");
        awaitSame(a, b);
        assertTrue(b.fleet.connected());

        relay.cut();
        Await.until("b to see etcd down", CONVERGED, () -> !b.fleet.connected());
        assertEquals("DOWN", b.fleet.status().get("status"));
        assertTrue(String.valueOf(b.fleet.status().get("error")).contains("etcd at http://127.0.0.1:" + relay.port()),
                b.fleet.status()::toString);
        assertTrue(b.fleet.metricsText().contains("turnout_store_connected 0\n"));
        CompletableFuture<Cluster> refused = b.catalog.add(spec("9.0"));
        assertEquals(503, status(refused));
        assertTrue(message(refused).startsWith("etcd is unreachable: http://127.0.0.1:" + relay.port() + " ("), message(refused));
        assertEquals(503, status(b.catalog.remove(old)));
        assertEquals(List.of(old), b.uuids(), "b routes its last clusters");

        String added = a.put("2.0");
        relay.restore();
        Await.until("b to get the change made while it was cut off", CONVERGED, () -> b.uuids().equals(List.of(added, old)));
        Await.until("b to be connected again", CONVERGED, b.fleet::connected);
        assertTrue(b.fleet.metricsText().contains("turnout_store_connected 1\n"));
        assertEquals(1, b.eventsOf(Event.Type.UPGRADE).stream().filter(e -> e.clusterUuid().equals(added)).count(),
                "applied once");
    }

    @Test
    void aCompactionWhileCutOffMakesTheMemberReadEverythingAgainAndMissNothing() {
        TcpRelay relay = TcpRelay.to(port(etcd.clientUrls().get(0)));
        closing.add(relay);
        Member a = member("a");
        Member b = member("b", "http://127.0.0.1:" + relay.port(), List.of());
        String kept = a.put("1.0");
        String deleted = a.put("1.5");
        awaitSame(a, b);

        relay.cut();
        Await.until("b to see etcd down", CONVERGED, () -> !b.fleet.connected());
        String added = a.put("2.0");
        a.catalog.remove(deleted).join();
        etcd.compact(0, etcd.revision(0));
        relay.restore();

        Await.until("b to read everything again", CONVERGED, () -> b.uuids().equals(List.of(added, kept)));
        assertEquals(3, b.eventsOf(Event.Type.UPGRADE).size(), "two before the cut, one from the full read");
        assertEquals(1, b.eventsOf(Event.Type.DELETE).size());
        assertEquals(deleted, b.eventsOf(Event.Type.DELETE).get(0).clusterUuid());
    }

    @Test
    void aRollbackDecidedWhileCutOffReachesTheFleetOnceEtcdIsBack() {
        TcpRelay relay = TcpRelay.to(port(etcd.clientUrls().get(0)));
        closing.add(relay);
        Member a = member("a");
        Member b = member("b", "http://127.0.0.1:" + relay.port(), List.of());
        String old = a.put("1.0");
        String bad = a.put("2.0");
        awaitSame(a, b);

        relay.cut();
        Await.until("b to see etcd down", CONVERGED, () -> !b.fleet.connected());
        b.rollBack(bad);
        assertEquals(1, b.fleet.status().get("pendingRollbacks"));
        assertEquals(List.of(bad, old), a.uuids(), "a cannot know yet");
        relay.restore();

        Await.until("a to drop the version b rolled back", CONVERGED, () -> a.uuids().equals(List.of(old)));
        List<Event> rollbacks = a.eventsOf(Event.Type.ROLLBACK);
        assertEquals(1, rollbacks.size(), rollbacks::toString);
        assertEquals("rolled back by proxy b: failure ratio 20/20 reached 0.5", rollbacks.get(0).reason());
        Await.until("b's delete to be done", CONVERGED, () -> b.fleet.status().get("pendingRollbacks").equals(0));
        assertEquals(List.of(old), b.uuids(), "reconnecting brought nothing back");
    }

    @Test
    void aMemberThatCannotReachEtcdAtStartIsAConfigErrorNamingTheStore() {
        prefix = "/unreachable/";
        String down = "http://" + TestBackend.refusingAddress();
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> new Member("x", down, List.of()));
        assertTrue(e.getMessage().startsWith("store.etcd: etcd is unreachable: " + down + " ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("; start etcd, or check store.etcd.endpoints"), e.getMessage());
    }

    @Test
    void inStepTheLagIsZeroAndTheRevisionIsEtcds() {
        Member a = member("a");
        a.put("1.0");
        long now = etcd.revision(0);
        Await.until("a heartbeat to find a in step at etcd's revision", CONVERGED,
                () -> a.fleet.metricsText().contains("turnout_store_revision " + now + "\n"));
        assertTrue(a.fleet.metricsText().contains("turnout_store_watch_lag_revisions 0\n"), a.fleet.metricsText());
        assertNotNull(a.fleet.status().get("member"));
        assertNull(a.fleet.status().get("error"));
        assertFalse(a.fleet.status().containsKey("downSince"));
    }

    private static int port(String url) {
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }
}
