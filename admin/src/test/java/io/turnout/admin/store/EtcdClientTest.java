package io.turnout.admin.store;

import io.turnout.admin.config.EtcdEndpoint;
import io.turnout.admin.support.EtcdTestCluster;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our etcd client against a real etcd: each call of the JSON gateway, the watch stream, failover. */
class EtcdClientTest {
    @TempDir
    static Path dir;
    private static EtcdTestCluster etcd;
    private static EtcdClient client;
    private static int prefixes;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdTestCluster.startSingle(dir);
        client = new EtcdClient(List.of(EtcdEndpoint.parse(etcd.clientUrls().get(0))), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    /** Every test writes under its own prefix, so they do not see each other's keys. */
    private static String freshPrefix() {
        return "/test-" + (++prefixes) + "/";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void createIfAbsentSucceedsOnceAndTheRangeSeesTheKeyWithItsRevisions() throws Exception {
        String prefix = freshPrefix();
        EtcdClient.TxnResult first = client.txn(new Txn().ifAbsent(prefix + "a").put(prefix + "a", bytes("one")));
        EtcdClient.TxnResult second = client.txn(new Txn().ifAbsent(prefix + "a").put(prefix + "a", bytes("two")));
        assertTrue(first.succeeded());
        assertFalse(second.succeeded(), "the key exists: the comparison fails and nothing is written");

        EtcdClient.Range range = client.range(prefix);
        assertEquals(1, range.kvs().size());
        KeyValue kv = range.kvs().get(0);
        assertEquals(prefix + "a", kv.key());
        assertArrayEquals(bytes("one"), kv.value());
        assertEquals(first.revision(), kv.createRevision());
        assertEquals(first.revision(), kv.modRevision());
        assertTrue(range.revision() >= first.revision());
    }

    @Test
    void aKeyOfAnotherPrefixIsOutsideTheRange() throws Exception {
        String prefix = freshPrefix();
        client.txn(new Txn().put(prefix + "in", bytes("x")).put(prefix.substring(0, prefix.length() - 1) + "0", bytes("y")));
        assertEquals(List.of(prefix + "in"), client.range(prefix).kvs().stream().map(KeyValue::key).toList());
    }

    @Test
    void noKeysUnderHoldsOnlyForAnEmptyPrefix() throws Exception {
        String prefix = freshPrefix();
        assertTrue(client.txn(new Txn().ifNoKeysUnder(prefix).put(prefix + "seed", bytes("1"))).succeeded());
        assertFalse(client.txn(new Txn().ifNoKeysUnder(prefix).put(prefix + "again", bytes("2"))).succeeded());
    }

    @Test
    void modRevisionComparisonDeletesOnlyTheVersionSeen() throws Exception {
        String prefix = freshPrefix();
        long created = client.txn(new Txn().put(prefix + "k", bytes("v1"))).revision();
        client.txn(new Txn().put(prefix + "k", bytes("v2")));
        assertFalse(client.txn(new Txn().ifModRevision(prefix + "k", created).delete(prefix + "k")).succeeded());
        long now = client.range(prefix).kvs().get(0).modRevision();
        assertTrue(client.txn(new Txn().ifModRevision(prefix + "k", now).delete(prefix + "k")).succeeded());
        assertTrue(client.range(prefix).kvs().isEmpty());
    }

    @Test
    void deleteAnswersThePreviousValueAndNothingForAMissingKey() throws Exception {
        String prefix = freshPrefix();
        client.txn(new Txn().put(prefix + "gone", bytes("before")));
        EtcdClient.Deleted deleted = client.delete(prefix + "gone");
        assertEquals(1, deleted.previous().size());
        assertArrayEquals(bytes("before"), deleted.previous().get(0).value());
        assertTrue(client.delete(prefix + "gone").previous().isEmpty());
    }

    @Test
    void watchStreamsATransactionsPutAndDeleteInOneMessageInOrder() throws Exception {
        String prefix = freshPrefix();
        client.txn(new Txn().put(prefix + "old", bytes("o")));
        long from = client.range(prefix).revision() + 1;
        try (EtcdClient.Watch watch = client.watch(prefix, from)) {
            long revision = client.txn(new Txn().put(prefix + "note", bytes("n")).delete(prefix + "old")).revision();
            WatchResponse message = watch.next();
            assertEquals(revision, message.revision());
            assertEquals(2, message.events().size(), message::toString);
            assertFalse(message.events().get(0).deleted());
            assertEquals(prefix + "note", message.events().get(0).kv().key());
            assertArrayEquals(bytes("n"), message.events().get(0).kv().value());
            assertTrue(message.events().get(1).deleted());
            assertEquals(prefix + "old", message.events().get(1).kv().key());
            assertEquals(revision, message.events().get(1).kv().modRevision());
        }
    }

    @Test
    void watchFromAnEarlierRevisionReplaysWhatCameAfterIt() throws Exception {
        String prefix = freshPrefix();
        long first = client.txn(new Txn().put(prefix + "1", bytes("a"))).revision();
        long second = client.txn(new Txn().put(prefix + "2", bytes("b"))).revision();
        try (EtcdClient.Watch watch = client.watch(prefix, first + 1)) {
            WatchResponse message = watch.next();
            assertEquals(1, message.events().size(), message::toString);
            assertEquals(prefix + "2", message.events().get(0).kv().key());
            assertEquals(second, message.events().get(0).kv().modRevision());
        }
    }

    @Test
    void watchFromACompactedRevisionIsCanceledWithTheCompactRevision() throws Exception {
        String prefix = freshPrefix();
        long old = client.txn(new Txn().put(prefix + "x", bytes("1"))).revision();
        long latest = client.txn(new Txn().put(prefix + "x", bytes("2"))).revision();
        etcd.compact(0, latest);
        try (EtcdClient.Watch watch = client.watch(prefix, old)) {
            WatchResponse message = watch.next();
            assertTrue(message.canceled(), message::toString);
            assertEquals(latest, message.compactRevision());
        }
    }

    @Test
    void abortEndsAWatchBlockedInAnotherThread() throws Exception {
        String prefix = freshPrefix();
        try (EtcdClient.Watch watch = client.watch(prefix, client.range(prefix).revision() + 1)) {
            CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    watch.next();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            watch.abort();
            assertTrue(reader.get(5, TimeUnit.SECONDS) instanceof IOException);
        }
    }

    @Test
    void aCallFailsOverFromAMemberThatRefusesAndKeepsToTheOneThatAnswered() throws Exception {
        EtcdEndpoint down = EtcdEndpoint.parse("http://" + TestBackend.refusingAddress());
        EtcdEndpoint up = EtcdEndpoint.parse(etcd.clientUrls().get(0));
        EtcdClient failover = new EtcdClient(List.of(down, up), Duration.ofSeconds(2));
        String prefix = freshPrefix();
        assertTrue(failover.txn(new Txn().ifAbsent(prefix + "k").put(prefix + "k", bytes("v"))).succeeded());
        assertEquals(up, failover.preferred());
        try (EtcdClient.Watch watch = new EtcdClient(List.of(down, up), Duration.ofSeconds(2)).watch(prefix, 1)) {
            assertEquals(up, watch.member());
        }
    }

    @Test
    void noMemberAnsweringIsUnreachableNamingEachMember() {
        EtcdEndpoint a = EtcdEndpoint.parse("http://" + TestBackend.refusingAddress());
        EtcdEndpoint b = EtcdEndpoint.parse("http://" + TestBackend.refusingAddress());
        EtcdClient none = new EtcdClient(List.of(a, b), Duration.ofSeconds(2));
        EtcdException e = assertThrows(EtcdException.class, () -> none.txn(new Txn().put("/k", bytes("v"))));
        assertTrue(e.unreachable());
        assertFalse(e.uncertain(), "nothing was sent, so nothing can have been applied");
        assertTrue(e.getMessage().startsWith("etcd is unreachable: " + a + " ("), e.getMessage());
        assertTrue(e.getMessage().contains(b + " ("), e.getMessage());
        assertThrows(EtcdException.class, () -> none.watch("/p/", 1));
    }

    @Test
    void rangeEndOfAPrefixIsItsLastByteIncremented() {
        assertArrayEquals(bytes("/t0"), EtcdClient.rangeEnd("/t/"));
        assertArrayEquals(bytes("/turnout/clusters0"), EtcdClient.rangeEnd("/turnout/clusters/"));
    }
}
