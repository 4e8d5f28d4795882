package io.turnout.engine.net;

import io.turnout.engine.health.Event;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RecordedRequest;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §7, issue 12: a client that sends its head and then stalls its body gets 408 after
 * {@code bodyTimeout} (idle time between body bytes, default 30 s) when no response has started,
 * then the connection closes; the server connection it held is let go, and the stall counts
 * against no server (nginx's {@code client_body_timeout}).
 *
 * <p>Written against {@code ProxySettings.Builder.bodyTimeout(Duration)} and
 * {@code ProxySettings.bodyTimeout()} before they exist: until the engine has them this file does
 * not compile.
 */
class BodyTimeoutTest {
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private TestBackend backend;
    private RunningProxy proxy;
    private Cluster cluster;

    @BeforeEach
    void start() {
        backend = TestBackend.start("v1", request -> request.target().equals("/slow-answer")
                ? Reply.ok("slow answer").withHeadDelay(BODY_TIMEOUT.plusMillis(500))
                : Reply.ok("v1 " + request.method() + " " + request.target()));
        // consecutiveFailures 1: a stall counted against the server would eject it at once.
        proxy = RunningProxy.start(b -> b.bodyTimeout(BODY_TIMEOUT).rollback(new RollbackPolicy(1, 20, 0.5)));
        cluster = proxy.addCluster("1.0", backend);
    }

    @AfterEach
    void stop() {
        proxy.close();
        backend.close();
    }

    @Test
    void bodyTimeoutDefaultsToThirtySeconds() {
        assertEquals(Duration.ofSeconds(30), ProxySettings.builder(0).build().bodyTimeout());
    }

    @Test
    void clientThatStopsMidwayThroughAContentLengthBodyGets408AfterTheBodyTimeout() {
        assertStallGets408("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    }

    @Test
    void clientThatStopsMidwayThroughAChunkedBodyGets408AfterTheBodyTimeout() {
        assertStallGets408("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    }

    @Test
    void clientThatSendsNoBodyByteAfterItsHeadGets408AfterTheBodyTimeout() {
        assertStallGets408("PUT /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n");
    }

    /** Sends {@code stalled} (a head and at most part of its body), then nothing. */
    private void assertStallGets408(String stalled) {
        try (RawHttpClient client = RawHttpClient.connect(proxy.port(), READ_TIMEOUT)) {
            client.send(stalled);
            long start = System.nanoTime();
            HttpResponse response = client.readResponse();
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertAll(
                    () -> assertEquals(408, response.status(), response.toString()),
                    () -> assertFalse(response.bodyText().isBlank(), "SPEC §3: an error response has a short text body"),
                    () -> assertEquals("close", response.header("Connection"), response.toString()),
                    () -> assertTrue(waitedMillis >= BODY_TIMEOUT.toMillis() - 100, "cut too early: " + waitedMillis + " ms"),
                    () -> assertTrue(waitedMillis < BODY_TIMEOUT.toMillis() + 2_000, "cut too late: " + waitedMillis + " ms"));
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), "the proxy closes after the 408");
        }
        Await.until("the server connection the stalled request held is let go", Duration.ofSeconds(3),
                () -> backend.openConnectionCount() == 0);
        List<RecordedRequest> seen = backend.requests();
        assertTrue(seen.size() <= 1 && seen.stream().noneMatch(RecordedRequest::bodyComplete),
                "the server saw at most the head and part of the body: " + seen);
        proxy.settle();
        assertAll("the stall counts against no server",
                () -> assertFalse(proxy.writer().snapshot().byUuid(cluster.uuid()).isEjected(0), "ejected"),
                () -> assertEquals(List.of(), proxy.engine().events().snapshot().stream()
                        .filter(e -> e.type() == Event.Type.EJECTION).toList(), "ejection events"));
        assertEquals("v1 GET /after", RawHttpClient.get(proxy.port(), "/after").bodyText(), "the server still serves");
    }

    @Test
    void bodyBytesThatKeepComingWithinTheTimeoutAreNeverCutHoweverLongTheWholeBodyTakes() {
        byte[] body = "abcdef".getBytes(StandardCharsets.US_ASCII);
        try (RawHttpClient client = RawHttpClient.connect(proxy.port(), READ_TIMEOUT)) {
            client.send("POST /trickle HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
            // 400 ms between bytes, under the 1 s body timeout; 2.4 s in all, over it.
            client.sendInFragments(body, Duration.ofMillis(400), 1);
            HttpResponse response = client.readResponse();
            assertEquals(200, response.status(), response.toString());
            assertEquals("v1 POST /trickle", response.bodyText());
        }
        assertEquals("abcdef", backend.lastRequest().bodyText());
        assertTrue(backend.lastRequest().bodyComplete());
    }

    @Test
    void serverTakingLongerThanTheBodyTimeoutToAnswerACompleteBodyIsNotCut() {
        try (RawHttpClient client = RawHttpClient.connect(proxy.port(), READ_TIMEOUT)) {
            client.send("POST /slow-answer HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
            HttpResponse response = client.readResponse();
            assertEquals(200, response.status(), "the body timeout covers the body, not the wait for the answer: "
                    + response);
            assertEquals("slow answer", response.bodyText());
        }
    }
}
