package io.turnout.engine.net;

import io.turnout.engine.route.Cluster;
import java.util.Locale;
import java.util.UUID;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RecordedRequest;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 9112 message framing through the proxy, each case over real sockets. */
class MessageFramingTest {
    private TestBackend backend;
    private RunningProxy proxy;

    private void start(TestBackend.Handler handler) {
        backend = TestBackend.start("v1", handler);
        proxy = RunningProxy.fronting(backend);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static void assertStillUsable(RawHttpClient client) {
        client.send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
        HttpResponse next = client.readResponse();
        assertEquals(200, next.status());
    }

    @Test
    void headResponseHasNoBodyAndTheConnectionContinues() {
        start(request -> Reply.ok("a body the HEAD must not carry"));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n");
            HttpResponse head = client.readResponse(true);
            assertEquals(200, head.status());
            assertEquals(String.valueOf("a body the HEAD must not carry".length()), head.header("Content-Length"));
            assertEquals(0, head.body().length);
            assertStillUsable(client);
        }
    }

    @Test
    void noContentAndNotModifiedHaveNoBody() {
        start(request -> request.target().equals("/204") ? Reply.noContent()
                : request.target().equals("/304") ? Reply.notModified() : Reply.ok("ok"));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("GET /204 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(204, client.readResponse().status());
            client.send("GET /304 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(304, client.readResponse().status());
            assertStillUsable(client);
        }
    }

    @Test
    void closeDelimitedResponseIsRelayedAndTheClientConnectionCloses() {
        start(request -> Reply.closeDelimited("until the end"));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            HttpResponse response = client.readResponse();
            assertEquals(200, response.status());
            assertEquals("until the end", response.bodyText());
            assertEquals("close", response.header("Connection"));
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)));
        }
    }

    @Test
    void expectContinueIsPassedThroughBeforeTheBody() {
        start(request -> Reply.ok("got it"));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            HttpResponse interim = client.readResponse();
            assertEquals(100, interim.status());
            assertNull(interim.header("Set-Cookie"), "interim responses carry no cookie");
            client.send("hello");
            HttpResponse response = client.readResponse();
            assertEquals(200, response.status());
            assertEquals("got it", response.bodyText());
        }
        assertEquals("hello", backend.lastRequest().bodyText());
    }

    @Test
    void finalAnswerWithoutContinueEndsTheExchangeAndCloses() {
        start(request -> Reply.status(417).withoutReadingBody());
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(417, client.readResponse().status());
            // The unsent body could be mistaken for a next request, so the proxy must close.
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)));
        }
    }

    @Test
    void http10RequestIsAnsweredAndClosed() {
        start(request -> Reply.ok("old client, version " + request.version()));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("GET /old HTTP/1.0\r\n\r\n");
            HttpResponse response = client.readResponse();
            assertEquals(200, response.status());
            // RFC 9110 §2.5, SPEC §7: the proxy sends its own version upstream (issue 12).
            assertEquals("old client, version HTTP/1.1", response.bodyText());
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)));
        }
    }

    @Test
    void connectionCloseIsHonoured() {
        start(request -> Reply.ok("bye"));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            HttpResponse response = client.readResponse();
            assertEquals("bye", response.bodyText());
            assertEquals("close", response.header("Connection"));
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)));
        }
        assertEquals(null, backend.lastRequest().header("Connection"), "Connection is hop-by-hop");
    }

    @Test
    void upgradeSwitchesToATunnelThatEchoesBothWays() {
        start(TestBackend.echoHandler("v1"));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
            HttpResponse switching = client.readResponse();
            assertEquals(101, switching.status());
            assertEquals("echo", switching.header("Upgrade"));
            for (int i = 0; i < 5; i++) {
                byte[] message = ("message " + i + " both ways").getBytes(StandardCharsets.US_ASCII);
                client.send(message);
                assertArrayEquals(message, client.readExactly(message.length));
            }
            client.shutdownOutput();
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)));
        }
        assertEquals("echo", backend.lastRequest().header("Upgrade"));
    }

    @Test
    void h2cUpgradeNeverOpensATunnelEvenWhenTheServerAnswers101() {
        // A server that switches to h2c whatever it is asked: if the proxy relayed the 101, the client
        // would speak HTTP/2 to it through a tunnel, past every rule of the proxy (h2c smuggling, issue 12).
        start(request -> request.target().equals("/h2c")
                ? Reply.raw("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", false)
                : Reply.ok("proxied " + request.target()));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(5))) {
            client.send("GET /h2c HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
            HttpResponse response = client.readResponse();
            assertNotEquals(101, response.status(), "the client was switched to h2c: " + response);
            try {
                // Through a tunnel this would reach the server raw, without the proxy's forwarding headers.
                client.send("GET /internal HTTP/1.1\r\nHost: a\r\n\r\n");
                client.readResponse();
            } catch (UncheckedIOException closed) {
                // the proxy closed after its answer: nothing more can reach the server
            }
        }
        Await.until("the backend has finished every connection the proxy let go",
                () -> backend.openConnectionCount() == proxy.engine().server().openUpstreams());
        for (RecordedRequest seen : backend.requests()) {
            assertNull(seen.header("Upgrade"), "Upgrade: h2c reached the server: " + seen);
            assertNull(seen.header("HTTP2-Settings"), "HTTP2-Settings reached the server: " + seen);
            assertNotNull(seen.header("X-Forwarded-For"), "a request reached the server past the proxy: " + seen);
        }
    }

    /** Issue 12: the strip has an opt-in per cluster, for the rare backend that speaks h2c on purpose. */
    @Test
    void h2cUpgradeReachesTheServerAndTunnelsWhereTheClusterAllowsIt() {
        backend = TestBackend.start("h2c", request -> "h2c".equals(request.header("Upgrade"))
                && request.header("HTTP2-Settings") != null ? Reply.upgradeToEcho() : Reply.status(400));
        proxy = RunningProxy.start();
        proxy.addCluster(Cluster.builder(UUID.randomUUID().toString(), "1.0")
                .servers(RunningProxy.servers(backend)).h2cUpgrade(true));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(5))) {
            client.send("GET /h2c HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
            assertEquals(101, client.readResponse().status());
            client.send("PRI * HTTP/2.0");
            assertEquals("PRI * HTTP/2.0", new String(client.readExactly(14), StandardCharsets.US_ASCII));
        }
        RecordedRequest seen = backend.lastRequest();
        assertTrue(seen.header("Connection").toLowerCase(Locale.ROOT).contains("http2-settings"), seen.toString());
    }
}
