package io.turnout.engine.net;

import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §7's strict request checks: each answered with a status and a closed connection. */
class RequestValidationTest {
    private static TestBackend backend;
    private static RunningProxy proxy;

    @BeforeAll
    static void start() {
        backend = TestBackend.start("v1", request -> Reply.ok("ok"));
        proxy = RunningProxy.start(b -> b.headTimeout(Duration.ofMillis(700)));
        proxy.addCluster("1.0", backend);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    @BeforeEach
    void forget() {
        backend.clearRequests();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("differing CLs", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
                Arguments.of("TE not chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
                Arguments.of("bad chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
                Arguments.of("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", 400),
                Arguments.of("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
                Arguments.of("control char in target", "GET /\u0007 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
                Arguments.of("control char in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u0001b\r\n\r\n", 400),
                Arguments.of("missing Host", "GET / HTTP/1.1\r\n\r\n", 400),
                Arguments.of("bare LF", "GET / HTTP/1.1\nHost: a\n\n", 400));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformed")
    void malformedRequestGetsAStatusWithABodyAndTheConnectionCloses(String name, String request, int status) {
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send(request);
            HttpResponse response = client.readResponse();
            assertEquals(status, response.status());
            assertTrue(response.bodyText().length() > 10, "a short explanation: " + response.bodyText());
            assertEquals("close", response.header("Connection"));
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)));
        }
        assertEquals(0, backend.requestCount(), "nothing reached the backend");
    }

    @Test
    void hundredKilobyteHeaderGets431() {
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(100_000) + "\r\n\r\n");
            assertEquals(431, client.readResponse().status());
        }
        assertEquals(0, backend.requestCount());
    }

    @Test
    void clientThatSendsHalfAHeadAndStallsIsCutAfterTheHeadTimeout() {
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ");
            long start = System.nanoTime();
            HttpResponse response = client.readResponse();
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(408, response.status());
            assertTrue(waitedMillis >= 500, "cut too early: " + waitedMillis + " ms");
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)));
        }
    }

    @Test
    void headArrivingInSmallFragmentsIsAccepted() {
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.sendInFragments("GET /frag HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(), 1, 2, 3);
            assertEquals(200, client.readResponse().status());
        }
        assertEquals(1, backend.requestCount());
    }
}
