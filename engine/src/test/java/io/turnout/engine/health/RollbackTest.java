package io.turnout.engine.health;

import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §3: a broken new version costs users nothing and is rolled back on its own. */
class RollbackTest {
    private final List<AutoCloseable> closing = new ArrayList<>();

    private <T extends AutoCloseable> T closeLater(T resource) {
        closing.add(0, resource);
        return resource;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    @Test
    void killingTheNewestVersionUnderLoadCostsClientsNothingAndRollsItBack() throws Exception {
        TestBackend v1 = closeLater(TestBackend.start("v1", request -> Reply.ok("version 1.0")));
        TestBackend v2 = closeLater(TestBackend.start("v2", request -> Reply.ok("version 2.0")));
        RunningProxy proxy = closeLater(RunningProxy.start());
        proxy.addCluster("1.0", v1);
        Cluster newest = proxy.addCluster("2.0", v2);

        AtomicInteger served = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicBoolean killed = new AtomicBoolean();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            clients.add(CompletableFuture.runAsync(() -> {
                try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
                    for (int i = 0; i < 500; i++) {
                        client.send("GET /item HTTP/1.1\r\nHost: shop\r\n\r\n");
                        HttpResponse response = client.readResponse();
                        if (response.status() != 200 || !response.bodyText().startsWith("version")) {
                            errors.incrementAndGet();
                        }
                        if (served.incrementAndGet() == 1000 && killed.compareAndSet(false, true)) {
                            v2.stop();
                        }
                    }
                } catch (RuntimeException e) {
                    errors.incrementAndGet();
                }
            }));
        }
        long killedAt = Await.value("the backend is killed", Duration.ofSeconds(20), () -> killed.get() ? System.nanoTime() : 0L, t -> t > 0);
        Await.until("a rollback event", Duration.ofSeconds(2), () -> proxy.engine().events().snapshot().stream()
                .anyMatch(e -> e.type() == Event.Type.ROLLBACK && e.clusterUuid().equals(newest.uuid())));
        long rolledBackMillis = (System.nanoTime() - killedAt) / 1_000_000;
        CompletableFuture.allOf(clients.toArray(new CompletableFuture[0])).get();

        assertEquals(0, errors.get(), "client-visible errors");
        assertEquals(4000, served.get());
        assertTrue(rolledBackMillis < 2000, "rolled back after " + rolledBackMillis + " ms");
        assertNull(proxy.writer().snapshot().byUuid(newest.uuid()), "2.0 is no longer listed");
        assertEquals(1, proxy.writer().snapshot().size());
        assertTrue(Files.readString(Path.of("target/turnout-test.log"))
                        .contains("Removing cluster from configuration - version: 2.0 [127.0.0.1:" + v2.port() + "]"),
                "the thesis's WARNING line is logged");
    }

    @Test
    void rollbackListenersHearEachRollbackOnceAndAFailingOneDoesNotStopIt() {
        TestBackend v1 = closeLater(TestBackend.start("v1", request -> Reply.ok("version 1.0")));
        TestBackend v2 = closeLater(TestBackend.start("v2", request -> Reply.status(500)));
        RunningProxy proxy = closeLater(RunningProxy.start(b -> b.rollback(new RollbackPolicy(100, 20, 0.5))));
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        proxy.engine().health().addRollbackListener((cluster, reason) -> {
            throw new IllegalStateException("a listener that fails");
        });
        proxy.engine().health().addRollbackListener((cluster, reason) -> heard.add(cluster.uuid() + " " + reason));
        proxy.addCluster("1.0", v1);
        Cluster newest = proxy.addCluster("2.0", v2);
        for (int i = 0; i < 40; i++) {
            RawHttpClient.get(proxy.port(), "/");
        }
        proxy.settle();
        assertNull(proxy.writer().snapshot().byUuid(newest.uuid()), "rolled back although a listener threw");
        assertEquals(1, heard.size(), heard::toString);
        assertTrue(heard.get(0).startsWith(newest.uuid() + " failure ratio 20/20"), heard::toString);
    }

    @Test
    void newestAnswering500OnSixtyPercentIsRolledBackAfterTheWindow() {
        assertEquals(true, rollsBack(6));
    }

    @Test
    void newestAnswering500OnFortyPercentIsKept() {
        assertEquals(false, rollsBack(4));
    }

    /**
     * Runs GETs against a 2.0 that answers 500 to {@code failuresPerTen} of every ten (window 20,
     * ratio 0.5) until it is rolled back or 40 have gone through. Retries are bounded by the retry
     * budget, so a client may see a 500 as it is, but never a proxy error.
     */
    private boolean rollsBack(int failuresPerTen) {
        AtomicInteger n = new AtomicInteger();
        TestBackend v1 = closeLater(TestBackend.start("v1", request -> Reply.ok("version 1.0")));
        TestBackend v2 = closeLater(TestBackend.start("v2", request ->
                n.getAndIncrement() % 10 < failuresPerTen ? Reply.status(500) : Reply.ok("version 2.0")));
        // consecutiveFailures high enough that ejection does not decide the outcome here.
        RunningProxy proxy = closeLater(RunningProxy.start(b -> b.rollback(new RollbackPolicy(100, 20, 0.5))));
        proxy.addCluster("1.0", v1);
        Cluster newest = proxy.addCluster("2.0", v2);
        for (int i = 0; i < 40 && proxy.writer().snapshot().byUuid(newest.uuid()) != null; i++) {
            int status = RawHttpClient.get(proxy.port(), "/").status();
            assertTrue(status == 200 || status == 500, "status " + status);
            proxy.settle();
        }
        boolean rolledBack = proxy.writer().snapshot().byUuid(newest.uuid()) == null;
        if (rolledBack) {
            assertEquals(20, v2.requestCount(), "rolled back when the window of 20 filled");
            assertTrue(proxy.engine().events().snapshot().stream().anyMatch(e -> e.type() == Event.Type.ROLLBACK
                    && e.reason().startsWith("failure ratio 12/20")), proxy.engine().events().snapshot().toString());
        } else {
            assertEquals(40, v2.requestCount());
        }
        return rolledBack;
    }

    @Test
    void refusingServerIsEjectedSkippedAndReadmittedWhenItComesBack() {
        TestBackend a = closeLater(TestBackend.start("a", request -> Reply.ok("a")));
        TestBackend b = closeLater(TestBackend.start("b", request -> Reply.ok("b")));
        RunningProxy proxy = closeLater(RunningProxy.start());
        Cluster cluster = proxy.addCluster("1.0", a, b);
        b.stop();
        for (int i = 0; i < 6; i++) {
            assertEquals("a", RawHttpClient.get(proxy.port(), "/").bodyText());
        }
        Await.until("b is ejected", () -> proxy.writer().snapshot().byUuid(cluster.uuid()).isEjected(1));
        long connectionsBefore = b.connectionCount();
        for (int i = 0; i < 6; i++) {
            assertEquals("a", RawHttpClient.get(proxy.port(), "/").bodyText());
        }
        // The back-off shows in the events: probes 1 s, then 2 s apart.
        Await.until("two failed probes", Duration.ofSeconds(6), () -> proxy.engine().events().snapshot().stream()
                .filter(e -> e.type() == Event.Type.PROBE_FAILED).count() >= 2);
        List<Event> probes = proxy.engine().events().snapshot().stream()
                .filter(e -> e.type() == Event.Type.PROBE_FAILED).toList();
        assertTrue(probes.get(probes.size() - 1).reason().contains("next probe in 2 s"), probes.toString());
        assertTrue(probes.get(probes.size() - 2).reason().contains("next probe in 4 s"), probes.toString());

        b.restartOnSamePort();
        Await.until("b is re-admitted", Duration.ofSeconds(10),
                () -> !proxy.writer().snapshot().byUuid(cluster.uuid()).isEjected(1));
        assertTrue(proxy.engine().events().snapshot().stream().anyMatch(e -> e.type() == Event.Type.READMISSION));
        // The probe's connect succeeds in the kernel before the backend's accept thread counts it.
        Await.until("the probe's connection is counted", () -> b.connectionCount() > connectionsBefore);
        assertEquals(connectionsBefore, b.connectionCount() - 1, "only the probe connected while it was ejected");
        Await.until("b serves again", () -> RawHttpClient.get(proxy.port(), "/").bodyText().equals("b"));
    }

    @Test
    void postWhoseBodyReachedAServerThatResetGets502AndIsNotReplayed() {
        TestBackend v1 = closeLater(TestBackend.start("v1", request -> Reply.ok("version 1.0")));
        TestBackend v2 = closeLater(TestBackend.start("v2", request -> Reply.resetWithoutResponse()));
        RunningProxy proxy = closeLater(RunningProxy.start());
        proxy.addCluster("1.0", v1);
        proxy.addCluster("2.0", v2);
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("POST /order HTTP/1.1\r\nHost: shop\r\nContent-Length: 5\r\n\r\nhello");
            HttpResponse response = client.readResponse();
            assertEquals(502, response.status());
            assertTrue(response.bodyText().startsWith("Bad gateway"));
        }
        assertEquals(1, v2.requestCount(), "the POST reached 2.0 once");
        assertEquals(0, v1.requestCount(), "and was not replayed on 1.0");

        HttpResponse get = RawHttpClient.get(proxy.port(), "/item");
        assertEquals(200, get.status());
        assertEquals("version 1.0", get.bodyText(), "the same failure on a GET is retried invisibly");
    }

    @Test
    void serverDyingBetweenItsHeadAndItsBodyIsRetriedForAGet() {
        TestBackend v1 = closeLater(TestBackend.start("v1", request -> Reply.ok("version 1.0")));
        // A head promising ten bytes, three of them, then the connection closes.
        TestBackend v2 = closeLater(TestBackend.start("v2", request ->
                Reply.raw("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true)));
        RunningProxy proxy = closeLater(RunningProxy.start());
        proxy.addCluster("1.0", v1);
        proxy.addCluster("2.0", v2);
        HttpResponse response = RawHttpClient.get(proxy.port(), "/");
        assertEquals(200, response.status());
        assertEquals("version 1.0", response.bodyText(), "the held head was never sent, so the GET was retried");
        assertEquals(1, v2.requestCount());
    }

    @Test
    void oldestClusterWithEveryServerDownAnswers502AndStaysListed() {
        RunningProxy proxy = closeLater(RunningProxy.start());
        Cluster only = proxy.addClusterAt("1.0", TestBackend.refusingAddress(), TestBackend.refusingAddress());
        for (int i = 0; i < 5; i++) {
            HttpResponse response = RawHttpClient.get(proxy.port(), "/");
            assertEquals(502, response.status());
            assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));
            assertTrue(response.bodyText().startsWith("Bad gateway"));
        }
        assertEquals(only.uuid(), proxy.writer().snapshot().newest().uuid());
    }
}
