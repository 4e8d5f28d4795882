package io.turnout.engine.net;

import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeepAliveAndPipeliningTest {
    private TestBackend backend;
    private RunningProxy proxy;

    @BeforeEach
    void start() {
        backend = TestBackend.start("v1", request -> Reply.ok("answer to " + request.target()));
        proxy = RunningProxy.fronting(backend);
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void thousandRequestsOnOneKeepAliveConnectionAreAllAnswered() {
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            for (int i = 0; i < 1000; i++) {
                client.send("GET /r" + i + " HTTP/1.1\r\nHost: example.org\r\n\r\n");
                HttpResponse response = client.readResponse();
                assertEquals(200, response.status());
                assertEquals("answer to /r" + i, response.bodyText());
                assertNotNull(response.header("Set-Cookie"));
            }
        }
        assertEquals(1000, backend.requestCount());
        // Upstream keep-alive: a thousand requests did not need a thousand upstream connections.
        assertTrue(backend.connectionCount() <= 2, "upstream connections: " + backend.connectionCount());
    }

    @Test
    void tenPipelinedRequestsAreAnsweredInOrder() {
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            pipeline.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: example.org\r\n\r\n");
        }
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send(pipeline.toString());
            for (int i = 0; i < 10; i++) {
                HttpResponse response = client.readResponse();
                assertEquals(200, response.status());
                assertEquals("answer to /p" + i, response.bodyText());
            }
        }
        assertEquals(10, backend.requestCount());
        for (int i = 0; i < 10; i++) {
            assertEquals("/p" + i, backend.requests().get(i).target());
        }
    }

    @Test
    void forwardedHeadersAreAddedAndHostIsKept() {
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("GET / HTTP/1.1\r\nHost: shop.example:8080\r\nX-Forwarded-For: 203.0.113.9\r\n"
                    + "Connection: keep-alive, X-Secret\r\nX-Secret: hop\r\nKeep-Alive: timeout=5\r\n\r\n");
            assertEquals(200, client.readResponse().status());
        }
        var seen = backend.lastRequest();
        assertEquals("shop.example:8080", seen.header("Host"));
        assertEquals("203.0.113.9, 127.0.0.1", seen.header("X-Forwarded-For"));
        assertEquals("http", seen.header("X-Forwarded-Proto"));
        assertEquals("shop.example:8080", seen.header("X-Forwarded-Host"));
        assertEquals(null, seen.header("X-Secret"));
        assertEquals(null, seen.header("Keep-Alive"));
        assertEquals(null, seen.header("Connection"));
    }

    @Test
    void everyResponseSetsTheClusterCookieAsItsOwnHeaderLine() {
        var cluster = proxy.writer().snapshot().newest();
        HttpResponse response = RawHttpClient.get(proxy.port(), "/");
        assertEquals("dynsoftup=" + cluster.uuid() + "; Path=/", response.header("Set-Cookie"));
        assertTrue(response.rawText().contains("\r\nSet-Cookie: dynsoftup=" + cluster.uuid() + "; Path=/\r\n"));
    }
}
