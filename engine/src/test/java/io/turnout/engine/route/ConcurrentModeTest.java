package io.turnout.engine.route;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §2 CONCURRENT: L and P asked in parallel, L answers unless it fails, answers compared. */
class ConcurrentModeTest {
    private final List<AutoCloseable> closing = new ArrayList<>();
    private RunningProxy proxy;
    private Cluster previous;
    private Cluster newest;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private TestBackend backend(String name, TestBackend.Handler handler) {
        TestBackend backend = TestBackend.start(name, handler);
        closing.add(0, backend);
        return backend;
    }

    private void start(TestBackend previous, String newestAddress, boolean mirror, Duration responseTimeout) {
        proxy = RunningProxy.start(b -> b.responseTimeout(responseTimeout));
        closing.add(0, proxy);
        this.previous = proxy.addCluster("1.0", previous);
        int colon = newestAddress.lastIndexOf(':');
        Server server = new Server(newestAddress.substring(0, colon), Integer.parseInt(newestAddress.substring(colon + 1)));
        newest = proxy.addCluster(Cluster.builder(UUID.randomUUID().toString(), "2.0")
                .mode(TransitionMode.CONCURRENT).mirrorUnsafeMethods(mirror).servers(List.of(server)));
    }

    private void start(TestBackend previous, TestBackend latest, boolean mirror) {
        start(previous, latest.address(), mirror, Duration.ofSeconds(30));
    }

    /** SPEC §2: CONCURRENT's cookie is {@code dynsoftup=<uuid of the cluster that served>}, so P's when P answers. */
    @Test
    void newestAnswering500GivesTheClientThePreviousVersionsAnswerAndItsCookie() {
        TestBackend v1 = backend("v1", r -> Reply.ok("version 1.0"));
        TestBackend v2 = backend("v2", r -> Reply.status(500));
        start(v1, v2, false);
        HttpResponse response = RawHttpClient.get(proxy.port(), "/");
        assertEquals(200, response.status());
        assertEquals("version 1.0", response.bodyText());
        assertEquals(List.of("dynsoftup=" + previous.uuid() + "; Path=/"), response.headers("Set-Cookie"));
        assertEquals(1, v1.requestCount());
        assertEquals(1, v2.requestCount());
    }

    @Test
    void newestAnsweringGivesTheClientItsAnswerAndItsCookie() {
        TestBackend v1 = backend("v1", r -> Reply.ok("version 1.0"));
        TestBackend v2 = backend("v2", r -> Reply.ok("version 2.0"));
        start(v1, v2, false);
        HttpResponse response = RawHttpClient.get(proxy.port(), "/");
        assertEquals("version 2.0", response.bodyText());
        assertEquals(List.of("dynsoftup=" + newest.uuid() + "; Path=/"), response.headers("Set-Cookie"));
    }

    /**
     * Issue 11, found by reading: with mirrorUnsafeMethods, a POST fully sent to L, then a
     * pipelined request read into the buffer, then L's 5xx. P answers the POST, and the next
     * request must be read from where the POST ended, not from an offset kept from before the
     * buffer was compacted.
     */
    @Test
    void pipelinedRequestAfterAPromotedMirroredPostIsReadFromWhereThePostEnded() throws Exception {
        TestBackend v1 = backend("v1", r -> Reply.ok("v1 " + r.method() + " " + r.target()));
        TestBackend v2 = backend("v2", r -> Reply.status(500).withHeadDelay(Duration.ofMillis(400)));
        start(v1, v2, true);
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("POST /order HTTP/1.1\r\nHost: shop\r\nContent-Length: 5\r\n\r\nhello");
            Await.until("the POST reached both versions", () -> v1.requestCount() == 1 && v2.requestCount() == 1);
            client.send("GET /next HTTP/1.1\r\nHost: shop\r\n\r\n");
            HttpResponse first = client.readResponse();
            assertEquals(200, first.status());
            assertEquals("v1 POST /order", first.bodyText());
            HttpResponse second = client.readResponse();
            assertEquals(200, second.status());
            assertEquals("v1 GET /next", second.bodyText());
        }
        assertEquals("hello", new String(v1.requests().get(0).body(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(2, v1.requestCount(), "P saw the POST and the GET, each once");
    }

    /**
     * L's small answer is held until its body is in; L dying in between must leave P able to
     * answer, as INSTANT's retry would (found tracing the split: P was released at L's head).
     */
    @Test
    void newestDyingBetweenItsHeldHeadAndItsBodyGivesThePreviousVersionsAnswer() {
        TestBackend v1 = backend("v1", r -> Reply.ok("version 1.0"));
        TestBackend v2 = backend("v2", r -> Reply.ok("version 2.0").withCloseAfterHead());
        start(v1, v2, false);
        for (int i = 0; i < 3; i++) {
            HttpResponse response = RawHttpClient.get(proxy.port(), "/");
            assertEquals(200, response.status());
            assertEquals("version 1.0", response.bodyText());
        }
    }

    @Test
    void newestRefusingGivesThePreviousVersionsAnswer() {
        TestBackend v1 = backend("v1", r -> Reply.ok("version 1.0"));
        start(v1, TestBackend.refusingAddress(), false, Duration.ofSeconds(30));
        assertEquals("version 1.0", RawHttpClient.get(proxy.port(), "/").bodyText());
    }

    @Test
    void newestHangingPastTheResponseTimeoutGivesThePreviousVersionsAnswer() {
        TestBackend v1 = backend("v1", r -> Reply.ok("version 1.0"));
        TestBackend v2 = backend("v2", r -> Reply.neverRespond());
        start(v1, v2.address(), false, Duration.ofMillis(700));
        HttpResponse response = RawHttpClient.get(proxy.port(), "/");
        assertEquals(200, response.status());
        assertEquals("version 1.0", response.bodyText());
    }

    @Test
    void slowPreviousVersionDoesNotDelayTheNewestsAnswer() {
        TestBackend v1 = backend("v1", r -> Reply.ok("version 1.0").withHeadDelay(Duration.ofSeconds(2)));
        TestBackend v2 = backend("v2", r -> Reply.ok("version 2.0"));
        start(v1, v2, false);
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                HttpResponse response = client.readResponse();
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals("version 2.0", response.bodyText());
                assertTrue(millis < 1000, "answered after " + millis + " ms");
            }
        }
        Await.until("1.0 saw all three", Duration.ofSeconds(10), () -> v1.requestCount() == 3);
    }

    @Test
    void postGoesToTheNewestOnlyUnlessMirroringIsOn() {
        TestBackend v1 = backend("v1", r -> Reply.ok("version 1.0"));
        TestBackend v2 = backend("v2", r -> Reply.ok("version 2.0"));
        start(v1, v2, false);
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("POST /order HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbuy!");
            assertEquals("version 2.0", client.readResponse().bodyText());
        }
        assertEquals(1, v2.requestCount());
        assertEquals(0, v1.requestCount(), "a POST is not mirrored by default");

        proxy.close();
        closing.remove(proxy);
        start(v1, v2, true);
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("POST /order HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbuy!");
            assertEquals("version 2.0", client.readResponse().bodyText());
        }
        Await.until("the mirrored POST reached 1.0", () -> v1.requestCount() == 1);
        assertEquals("buy!", v1.lastRequest().bodyText());
        assertEquals(2, v2.requestCount());
    }

    @Test
    void identicalAnswersCountNoDivergenceAndDifferentOnesCountOne() {
        TestBackend v1 = backend("v1", r -> Reply.ok(r.target().equals("/same") ? "same body" : "old body"));
        TestBackend v2 = backend("v2", r -> Reply.ok(r.target().equals("/same") ? "same body" : "new body"));
        start(v1, v2, false);
        for (int i = 0; i < 5; i++) {
            assertEquals("same body", RawHttpClient.get(proxy.port(), "/same").bodyText());
        }
        Await.until("1.0 answered the five", () -> v1.requestCount() == 5);
        assertEquals(0, divergences(), "identical answers");
        assertEquals("new body", RawHttpClient.get(proxy.port(), "/different").bodyText());
        Await.until("one divergence", () -> divergences() == 1);
    }

    @Test
    void bodiesDifferingOnlyInTheLastByteOfFourMebibytesCountOneAndHeapStaysBounded() {
        int size = 4 * 1024 * 1024;
        byte[] a = new byte[size];
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            a[i] = (byte) (i * 31);
            b[i] = a[i];
        }
        b[size - 1] ^= 1;
        TestBackend v1 = backend("v1", r -> r.target().equals("/same") ? Reply.of(200, a) : Reply.of(200, b));
        TestBackend v2 = backend("v2", r -> Reply.of(200, a));
        start(v1, v2, false);
        long heapBefore = usedHeap();
        for (int i = 0; i < 5; i++) {
            HttpResponse same = RawHttpClient.get(proxy.port(), "/same");
            assertEquals(size, same.bodyLength());
        }
        Await.until("five compared", () -> v1.requestCount() == 5);
        assertEquals(0, divergences());
        assertEquals(size, RawHttpClient.get(proxy.port(), "/last-byte").bodyLength());
        Await.until("one divergence", Duration.ofSeconds(10), () -> divergences() == 1);
        // The proxy never holds a whole body: its buffers are bounded and all returned.
        Await.until("buffers returned", () -> proxy.buffersInUse() == 0);
        // Per loop: an exchange holds at most four buffers and a shadow two, and a shadow still
        // draining may overlap the next exchange; two loops. Far from 4 MiB bodies' worth.
        assertTrue(proxy.peakBuffersInUse() <= 16, "peak buffers " + proxy.peakBuffersInUse());
        assertTrue(usedHeap() - heapBefore < 256L * 1024 * 1024, "heap grew by " + (usedHeap() - heapBefore));
    }

    @Test
    void chunkedAndLengthFramedIdenticalContentDoNotDiverge() {
        TestBackend v1 = backend("v1", r -> Reply.ok("hello world"));
        TestBackend v2 = backend("v2", r -> Reply.chunked("hello", " ", "world")
                .withHeader("Content-Type", "TEXT/plain; charset=utf-8")); // same type, other case
        start(v1, v2, false);
        assertEquals("hello world", RawHttpClient.get(proxy.port(), "/").bodyText());
        Await.until("1.0 answered", () -> v1.requestCount() == 1);
        assertEquals(0, divergences());
    }

    private long divergences() {
        return proxy.writer().snapshot().byUuid(newest.uuid()).state().divergences();
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
