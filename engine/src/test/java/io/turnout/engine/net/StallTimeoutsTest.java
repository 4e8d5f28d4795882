package io.turnout.engine.net;

import io.turnout.engine.health.Event;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every wait has a clock (SPEC §7): found by tracing the exchange after the connection/exchange
 * split, each was a place where a connection could hang with no timeout at all.
 */
class StallTimeoutsTest {
    private static final Duration IDLE = Duration.ofSeconds(1);

    @Test
    void newVersionThatSendsItsHeadThenStallsIsRetriedOnThePreviousVersion() {
        try (TestBackend v1 = TestBackend.start("v1", r -> Reply.ok("version 1.0"));
             TestBackend v2 = TestBackend.start("v2", r -> Reply.ok("version 2.0").withBodyDelay(Duration.ofSeconds(20)));
             RunningProxy proxy = RunningProxy.start(b -> b.idleTimeout(IDLE))) {
            proxy.addCluster("1.0", v1);
            proxy.addCluster("2.0", v2);
            long start = System.nanoTime();
            HttpResponse response = RawHttpClient.get(proxy.port(), "/");
            assertEquals(200, response.status());
            assertEquals("version 1.0", response.bodyText(), "the held head never reached the client");
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 5_000, "cut at the idle timeout");
        }
    }

    @Test
    void serverThatStallsAfterPartOfALargeBodyIsCutAtTheIdleTimeout() {
        // 10 of the 100,000 bytes the head promised, then silence on an open connection.
        String stalling = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n0123456789";
        try (TestBackend backend = TestBackend.start("v1", r -> Reply.raw(stalling, false));
             RunningProxy proxy = RunningProxy.start(b -> b.idleTimeout(IDLE))) {
            proxy.addCluster("1.0", backend);
            try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
                client.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
                assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)),
                        "a body that stops mid-way can only end in a close, and the close must come");
            }
        }
    }

    @Test
    void pipelinedHalfHeadAfterAServedRequestGets408AtTheHeadTimeout() {
        try (TestBackend backend = TestBackend.start("v1", r -> Reply.ok("one"));
             RunningProxy proxy = RunningProxy.start(b -> b.headTimeout(IDLE))) {
            proxy.addCluster("1.0", backend);
            try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
                client.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHo");
                assertEquals("one", client.readResponse().bodyText());
                HttpResponse timedOut = client.readResponse();
                assertEquals(408, timedOut.status(), "the half head that followed has the head timeout");
                assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)));
            }
            assertEquals(1, backend.requestCount());
        }
    }

    @Test
    void uploadThatTakesLongerThanTheResponseTimeoutButKeepsComingIsServedAndBlamesNoOne() {
        try (TestBackend backend = TestBackend.start("v1", r -> Reply.ok("stored"));
             RunningProxy proxy = RunningProxy.start(b -> b.responseTimeout(Duration.ofMillis(700)))) {
            proxy.addCluster("1.0", backend);
            byte[] body = "0123456789".repeat(4).getBytes(StandardCharsets.US_ASCII);
            try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
                client.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
                // 40 bytes over about 2.4 s: the client is slow but never idle for bodyTimeout.
                client.sendInFragments(body, Duration.ofMillis(300), 5);
                HttpResponse response = client.readResponse();
                assertEquals(200, response.status(), "responseTimeout runs from the request's last byte");
                assertEquals("stored", response.bodyText());
            }
            assertEquals(body.length, backend.lastRequest().body().length);
            assertFalse(proxy.engine().events().snapshot().stream().anyMatch(e -> e.type() == Event.Type.EJECTION),
                    proxy.engine().events().snapshot().toString());
        }
    }
}
