package io.turnout.engine.net;

import io.turnout.engine.health.Event;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RecordedRequest;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §3, issue 12: a stale pooled connection is not a server failure. A server that closes an
 * idle keep-alive connection did nothing wrong; a safe request that meets such a connection is
 * retried on a fresh one to the same server without counting against it, and an unsafe request
 * is never sent on a connection that sat idle for a second or more (HAProxy's
 * {@code http-reuse safe}).
 *
 * <p>One selector thread, so every request goes through the same upstream pool and a stale
 * connection there is really met.
 */
class StalePoolTest {
    private TestBackend backend;
    private RunningProxy proxy;
    private Cluster cluster;

    /** The backend as the only server of 1.0; a single counted failure would eject it. */
    private void start(TestBackend.Handler handler) {
        backend = TestBackend.start("v1", handler);
        proxy = RunningProxy.start(b -> b.selectorThreads(1).rollback(new RollbackPolicy(1, 20, 0.5)));
        cluster = proxy.addCluster("1.0", backend);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private boolean ejected() {
        proxy.settle();
        return proxy.writer().snapshot().byUuid(cluster.uuid()).isEjected(0);
    }

    private List<Event> ejections() {
        return proxy.engine().events().snapshot().stream().filter(e -> e.type() == Event.Type.EJECTION).toList();
    }

    @Test
    void requestsSpacedAroundTheServersIdleTimeoutAllSucceedAndTheServerIsNeverEjected() {
        start(request -> Reply.ok("fresh " + request.target()));
        backend.closeIdleConnectionsAfter(Duration.ofMillis(100));
        int[] delaysMillis = {80, 100, 120};
        List<String> errors = new ArrayList<>();
        List<Integer> ejectedAfter = new ArrayList<>();
        RawHttpClient client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(5));
        try {
            for (int i = 0; i < 60; i++) {
                // Shaping the load, not synchronising: each request comes this long after the last answer.
                pause(delaysMillis[i % delaysMillis.length]);
                try {
                    HttpResponse response = client.send("GET /r" + i + " HTTP/1.1\r\nHost: a\r\n\r\n").readResponse();
                    if (response.status() != 200 || !response.bodyText().equals("fresh /r" + i)) {
                        errors.add("request " + i + ": " + response.status() + " " + response.bodyText());
                    }
                    if (response.headers().hasToken("Connection", "close")) {
                        client.close();
                        client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(5));
                    }
                } catch (UncheckedIOException e) {
                    errors.add("request " + i + ": " + e.getMessage());
                    client.close();
                    client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(5));
                }
                if (ejected()) {
                    ejectedAfter.add(i);
                }
            }
        } finally {
            client.close();
        }
        assertAll(
                () -> assertEquals(List.of(), errors, "client-visible errors"),
                () -> assertEquals(List.of(), ejectedAfter, "requests after which the server was ejected"),
                () -> assertEquals(List.of(), ejections(), "ejection events"),
                // The scenario really happened: the backend closed idle connections under the proxy.
                () -> assertTrue(backend.idleClosedConnectionCount() >= 10,
                        "idle connections the backend closed: " + backend.idleClosedConnectionCount()));
    }

    @Test
    void safeRequestMeetingAReusedConnectionTheServerClosedIsRetriedOnAFreshOneWithoutCountingAgainstIt() {
        // The first request on each connection is answered; any later one finds the connection gone
        // (reset before a byte of answer), as when the server's idle close crosses the request.
        Set<Long> served = ConcurrentHashMap.newKeySet();
        start(request -> served.add(request.connectionId()) ? Reply.ok("answer on connection " + request.connectionId())
                : Reply.resetWithoutResponse());
        HttpResponse first = RawHttpClient.get(proxy.port(), "/first");
        assertEquals(200, first.status(), first.toString());
        HttpResponse second = RawHttpClient.get(proxy.port(), "/second");
        List<RecordedRequest> seen = backend.requests();
        assertAll(
                () -> assertEquals(200, second.status(), "the client sees no error: " + second),
                () -> assertTrue(second.bodyText().startsWith("answer on connection"), second.bodyText()),
                () -> assertEquals(List.of("/first", "/second", "/second"),
                        seen.stream().map(RecordedRequest::target).toList(),
                        "the GET was sent on the pooled connection, then once more on a fresh one: " + seen),
                () -> assertTrue(seen.size() < 3 || seen.get(1).connectionId() == seen.get(0).connectionId()
                        && seen.get(2).connectionId() != seen.get(0).connectionId(), "connections: " + seen),
                () -> assertEquals(false, ejected(), "a stale connection does not count against the server"),
                () -> assertEquals(List.of(), ejections(), "ejection events"));
    }

    @Test
    void postAfterOneAndAHalfSecondsIdleSucceedsAgainstAServerThatClosesIdleConnectionsAfterOnePointTwo() {
        start(request -> Reply.ok(request.method() + " done"));
        backend.closeIdleConnectionsAfter(Duration.ofMillis(1200));
        assertEquals(200, RawHttpClient.get(proxy.port(), "/warm").status(), "a GET pools a connection");
        pause(1500);
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("POST /order HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
            HttpResponse response = client.readResponse();
            assertEquals(200, response.status(), response.toString());
            assertEquals("POST done", response.bodyText());
        }
        List<RecordedRequest> posts = backend.requests().stream().filter(r -> r.method().equals("POST")).toList();
        assertEquals(1, posts.size(), "the backend saw exactly one POST: " + backend.requests());
        assertEquals("hello", posts.get(0).bodyText());
        assertEquals(false, ejected());
    }

    @Test
    void postNeverGoesOutOnAConnectionThatSatIdleForASecondOrMore() {
        // This server never closes idle connections, so only the proxy's rule keeps the POST off the
        // old one: the proxy cannot know whether a server closed a connection idle that long.
        start(request -> Reply.ok(request.method() + " done"));
        assertEquals(200, RawHttpClient.get(proxy.port(), "/warm").status());
        long warmConnection = backend.lastRequest().connectionId();
        pause(1500);
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("POST /order HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
            assertEquals(200, client.readResponse().status());
        }
        RecordedRequest post = backend.lastRequest();
        assertEquals("POST", post.method());
        assertNotEquals(warmConnection, post.connectionId(),
                "the POST went out on the connection idle for 1.5 s: " + backend.requests());
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
