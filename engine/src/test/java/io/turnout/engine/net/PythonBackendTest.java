package io.turnout.engine.net;

import io.turnout.engine.testsupport.ClientLoad;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.PythonHttpServer;
import io.turnout.engine.testsupport.RunningProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real third-party origin behind the proxy (issue 12): Python's {@code http.server} with
 * {@code protocol_version = "HTTP/1.1"}, the server the issue measured (19% 502 and no keep-alive
 * for {@code ab -k} through Turnout; 0 failures through HAProxy). It closes after an HTTP/1.0
 * request without saying so, and writes head and body in two sends, so it finds out what a
 * hand-written test backend might not.
 */
class PythonBackendTest {
    private static final int CLIENTS = 10;
    private static final int REQUESTS_PER_CLIENT = 100;
    private static final int REQUESTS = CLIENTS * REQUESTS_PER_CLIENT;

    private PythonHttpServer python;
    private RunningProxy proxy;
    /** Answers by the request version the server saw (it writes that into its body). */
    private final Map<String, LongAdder> upstreamVersions = new ConcurrentHashMap<>();

    @BeforeEach
    void start() {
        assumeTrue(PythonHttpServer.isAvailable(),
                "python3 with http.server is not on PATH; install python3 to run the third-party backend tests");
        python = PythonHttpServer.start();
        proxy = RunningProxy.start();
        proxy.addClusterAt("1.0", python.address());
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (python != null) {
            python.close();
        }
    }

    private ClientLoad.Result load(int clients, int requestsPerClient, String request) {
        return ClientLoad.on(proxy.port()).clients(clients).requestsPerClient(requestsPerClient).request(request)
                .maxDuration(Duration.ofSeconds(30)).readTimeout(Duration.ofSeconds(5))
                .verdict(this::judge).start().awaitCompletion();
    }

    /** Null for the server's own 200 for {@code /page}; its body says which request version it saw. */
    private String judge(HttpResponse response) {
        String body = response.bodyText();
        if (response.status() == 200 && body.startsWith("python saw ") && body.endsWith(" /page")) {
            upstreamVersions.computeIfAbsent(body.split(" ")[2], v -> new LongAdder()).increment();
            return null;
        }
        return response.status() + " " + body.lines().findFirst().orElse("");
    }

    private Map<String, Long> upstreamVersions() {
        Map<String, Long> versions = new TreeMap<>();
        upstreamVersions.forEach((version, count) -> versions.put(version, count.sum()));
        return versions;
    }

    @Test
    void http10KeepAliveClientsSeeNoErrorAndKeepTheirConnections() {
        ClientLoad.Result result = load(CLIENTS, REQUESTS_PER_CLIENT,
                "GET /page HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
        assertAll(result + "; python stderr: " + python.errors(),
                () -> assertEquals(REQUESTS, result.requests(), "requests"),
                () -> assertEquals(Map.of(), result.errors(), "client-visible errors"),
                () -> assertTrue(result.keepAliveResponses() >= REQUESTS * 95 / 100,
                        "answers with Connection: keep-alive: " + result.keepAliveResponses()),
                () -> assertEquals(Map.of("HTTP/1.1", (long) REQUESTS), upstreamVersions(),
                        "request versions the server saw (RFC 9110 §2.5)"));
    }

    @Test
    void http11KeepAliveClientsSeeNoError() {
        ClientLoad.Result result = load(CLIENTS, REQUESTS_PER_CLIENT, "GET /page HTTP/1.1\r\nHost: a\r\n\r\n");
        assertAll(result + "; python stderr: " + python.errors(),
                () -> assertEquals(REQUESTS, result.requests(), "requests"),
                () -> assertEquals(Map.of(), result.errors(), "client-visible errors"),
                () -> assertTrue(result.reusedRequests() >= REQUESTS - CLIENTS,
                        "requests on a kept-alive client connection: " + result.reusedRequests()));
    }

    @Test
    void http11ClientsThatCloseAfterEachRequestSeeNoError() {
        // A new client connection each time, while the proxy's upstream connections stay pooled.
        ClientLoad.Result result = load(4, 50, "GET /page HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertAll(result + "; python stderr: " + python.errors(),
                () -> assertEquals(200, result.requests(), "requests"),
                () -> assertEquals(Map.of(), result.errors(), "client-visible errors"));
    }
}
