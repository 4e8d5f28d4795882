package io.turnout.admin.api;

import io.turnout.admin.catalog.ApiException;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static io.turnout.admin.api.AdminFixture.exchange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin HTTP server itself, over real sockets, with a scripted handler. */
class AdminServerTest {
    /** How long a test waits for the server to close a connection it should close. */
    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);
    private final Map<String, CompletableFuture<AdminResponse>> held = new ConcurrentHashMap<>();
    /** Paths in the order the server handed them to the handler. */
    private final Queue<String> dispatched = new ConcurrentLinkedQueue<>();
    private AdminServer server;

    private final AdminRoutes routes = new AdminRoutes()
            .add("GET", "/hello", (r, p) -> CompletableFuture.completedFuture(AdminResponse.json(200, "{\"hello\":1}")))
            .add("PUT", "/echo", (r, p) -> CompletableFuture.completedFuture(AdminResponse.text(200, r.bodyText())))
            .add("GET", "/item/{id}", (r, p) -> CompletableFuture.completedFuture(AdminResponse.text(200, p.get(0))))
            .add("DELETE", "/item/{id}", (r, p) -> CompletableFuture.completedFuture(AdminResponse.empty(202)))
            // Completes when the test says so, from the test's thread.
            .add("GET", "/held/{name}", (r, p) -> held.computeIfAbsent(p.get(0), k -> new CompletableFuture<>()))
            // Completes from another thread after a delay.
            .add("GET", "/later/{ms}", (r, p) -> CompletableFuture.supplyAsync(() -> AdminResponse.text(200, "later " + p.get(0)),
                    CompletableFuture.delayedExecutor(Long.parseLong(p.get(0)), TimeUnit.MILLISECONDS)))
            .add("GET", "/big/{n}", (r, p) -> CompletableFuture.completedFuture(
                    AdminResponse.text(200, p.get(0) + "x".repeat(256 * 1024))))
            .add("GET", "/boom", (r, p) -> {
                throw new IllegalStateException("scripted failure");
            })
            .add("GET", "/refused", (r, p) -> CompletableFuture.failedFuture(new ApiException(409, "scripted refusal")));

    private AdminServer start(AdminSettings settings) throws IOException {
        return start(settings, Clock.systemUTC());
    }

    private AdminServer start(AdminSettings settings, Clock clock) throws IOException {
        server = new AdminServer(settings, request -> {
            dispatched.add(request.path());
            return routes.handle(request);
        }, clock);
        server.start();
        return server;
    }

    private AdminServer start() throws IOException {
        return start(AdminSettings.of("127.0.0.1", 0, null));
    }

    /** A complete GET head; HTTP/1.1 needs its Host (RFC 9112 §3.2). */
    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: admin\r\n\r\n";
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** RFC 9110 §5.6.7: IMF-fixdate has a two-digit day, so the 1st of a month is "01". */
    @Test
    void dateHeaderOnTheFirstOfAMonthIsAnImfFixdateWithATwoDigitDay() throws IOException {
        start(AdminSettings.of("127.0.0.1", 0, null), Clock.fixed(Instant.parse("2026-12-01T21:46:02Z"), ZoneOffset.UTC));
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            assertEquals("Tue, 01 Dec 2026 21:46:02 GMT", exchange(c, "GET", "/hello", null).header("Date"));
        }
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            for (int i = 0; i < 3; i++) {
                HttpResponse r = exchange(c, "GET", "/hello", null);
                assertEquals(200, r.status());
                assertEquals("application/json", r.header("Content-Type"));
                assertEquals("{\"hello\":1}", r.bodyText());
                assertNull(r.header("Connection"));
            }
            HttpResponse echo = exchange(c, "PUT", "/echo", "{\"x\": \"é\"}");
            assertEquals("{\"x\": \"é\"}", echo.bodyText());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrderWhenTheFirstCompletesLast() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send(get("/later/300") + get("/hello") + get("/later/50") + get("/item/x"));
            assertEquals("later 300", c.readResponse().bodyText());
            assertEquals("{\"hello\":1}", c.readResponse().bodyText());
            assertEquals("later 50", c.readResponse().bodyText());
            assertEquals("x", c.readResponse().bodyText());
        }
    }

    @Test
    void aPipelinedRequestIsNotHandledUntilThePreviousOneCompletes() throws Exception {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send(get("/held/p") + get("/item/after"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!dispatched.contains("/held/p") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(List.of("/held/p"), List.copyOf(dispatched));
            // A PUT's effect must be visible to the GET pipelined after it (RFC 9112 §9.3.2), so
            // the second request waits. It would be handed over within microseconds if it did not.
            Thread.sleep(200);
            assertEquals(List.of("/held/p"), List.copyOf(dispatched));
            held.computeIfAbsent("p", k -> new CompletableFuture<>()).complete(AdminResponse.text(200, "p"));
            assertEquals("p", c.readResponse().bodyText());
            assertEquals("after", c.readResponse().bodyText());
            assertEquals(List.of("/held/p", "/item/after"), List.copyOf(dispatched));
        }
    }

    @Test
    void manyMorePipelinedRequestsThanThePipelineLimitAreAllAnswered() throws IOException {
        start();
        int n = AdminConnection.MAX_PIPELINED * 4;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i % 2 == 0 ? get("/item/" + i) : get("/later/1"));
        }
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send(b.toString());
            for (int i = 0; i < n; i++) {
                assertEquals(i % 2 == 0 ? String.valueOf(i) : "later 1", c.readResponse().bodyText());
            }
        }
    }

    @Test
    void pipelinedHeadsThatStraddleTheEndOfASmallInputBufferAreAllAnswered() throws IOException {
        // 256 bytes hold about six heads: most reads end inside one, which is moved to the front.
        start(new AdminSettings("127.0.0.1", 0, null, 256, AdminSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(30), Duration.ofSeconds(60)));
        int n = 200;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(get("/item/" + "x".repeat(i % 17) + i));
        }
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send(b.toString());
            for (int i = 0; i < n; i++) {
                assertEquals("x".repeat(i % 17) + i, c.readResponse().bodyText());
            }
        }
    }

    @Test
    void aSlowReaderOfManyLargePipelinedResponsesGetsThemAll() throws Exception {
        start();
        int n = 40; // 10 MiB of responses: more than the socket buffers hold
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(get("/big/" + i));
        }
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send(b.toString());
            Thread.sleep(100); // a slow reader: the server's writes fill the socket buffers and wait
            for (int i = 0; i < n; i++) {
                HttpResponse r = c.readResponse();
                assertTrue(r.bodyText().startsWith(i + "x"), "response " + i);
            }
        }
    }

    @Test
    void pipelinedRequestsFollowedByHalfCloseAreAllAnswered() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send(get("/later/100") + get("/item/2") + get("/later/10") + "GET /item/partial");
            c.shutdownOutput();
            assertEquals("later 100", c.readResponse().bodyText());
            assertEquals("2", c.readResponse().bodyText());
            assertEquals("later 10", c.readResponse().bodyText());
            assertTrue(c.isClosedByPeer(CLOSE_WITHIN), "the incomplete last request is dropped and the connection closed");
        }
    }

    @Test
    void aSlowHandlerDoesNotHoldUpOtherConnections() throws Exception {
        start();
        try (RawHttpClient slow = RawHttpClient.connect(server.port()); RawHttpClient fast = RawHttpClient.connect(server.port())) {
            slow.send(get("/held/a"));
            assertEquals(200, exchange(fast, "GET", "/hello", null).status());
            held.computeIfAbsent("a", k -> new CompletableFuture<>()).complete(AdminResponse.text(200, "released"));
            assertEquals("released", slow.readResponse().bodyText());
        }
    }

    @Test
    void unknownPathGets404WithAMessageNamingThePath() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            HttpResponse r = exchange(c, "GET", "/nope", null);
            assertEquals(404, r.status());
            assertTrue(r.header("Content-Type").startsWith("text/plain"));
            assertTrue(r.bodyText().contains("no such path: /nope"), r.bodyText());
            assertTrue(r.bodyText().contains("/hello"), r.bodyText());
            // The connection stays usable after a 404.
            assertEquals(200, exchange(c, "GET", "/hello", null).status());
        }
    }

    @ParameterizedTest
    @CsvSource({"POST,/hello,GET", "GET,/echo,PUT", "PUT,/item/7,'GET, DELETE'", "DELETE,/hello,GET"})
    void wrongMethodGets405WithAllowAndAMessage(String method, String path, String allow) throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            HttpResponse r = exchange(c, method, path, "");
            assertEquals(405, r.status());
            assertEquals(allow, r.header("Allow"));
            assertTrue(r.bodyText().contains("method " + method + " is not allowed on " + path), r.bodyText());
        }
    }

    @Test
    void headGets405WithoutABody() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send("HEAD /hello HTTP/1.1\r\nHost: admin\r\n\r\n");
            HttpResponse r = c.readResponse(true);
            assertEquals(405, r.status());
            assertTrue(Integer.parseInt(r.header("Content-Length")) > 0);
            // The next response starts right after the head: no body bytes came in between.
            assertEquals(200, exchange(c, "GET", "/hello", null).status());
        }
    }

    @Test
    void aHeadOverTheLimitGets431AndTheConnectionCloses() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send("GET /hello HTTP/1.1\r\nHost: admin\r\nX-Big: " + "a".repeat(AdminSettings.DEFAULT_MAX_HEAD_BYTES) + "\r\n\r\n");
            HttpResponse r = c.readResponse();
            assertEquals(431, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(r.bodyText().contains("request head larger than"), r.bodyText());
            assertTrue(c.isClosedByPeer(CLOSE_WITHIN));
        }
    }

    @Test
    void aContentLengthOverOneMibGets413BeforeAnyBodyByteIsSent() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send("PUT /echo HTTP/1.1\r\nHost: admin\r\nContent-Length: " + (2 * 1024 * 1024) + "\r\n\r\n");
            HttpResponse r = c.readResponse();
            assertEquals(413, r.status());
            assertTrue(r.bodyText().contains("over the limit of 1048576 bytes"), r.bodyText());
            assertEquals("close", r.header("Connection"));
        }
    }

    @Test
    void aTwoMibBodySentWholeStillGets413() throws Exception {
        start();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        java.net.http.HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/echo"))
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[2 * 1024 * 1024])).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode());
    }

    @Test
    void aBodyOfExactlyTheLimitIsAccepted() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            String body = "b".repeat(AdminSettings.DEFAULT_MAX_BODY_BYTES);
            HttpResponse r = exchange(c, "PUT", "/echo", body);
            assertEquals(200, r.status());
            assertEquals(body.length(), r.bodyText().length());
        }
    }

    @Test
    void expectContinueGets100BeforeTheBody() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send("PUT /echo HTTP/1.1\r\nHost: admin\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, c.readResponse().status());
            c.send("hello");
            assertEquals("hello", c.readResponse().bodyText());
        }
    }

    @Test
    void aChunkedRequestGets411WithAMessage() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send("PUT /echo HTTP/1.1\r\nHost: admin\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            HttpResponse r = c.readResponse();
            assertEquals(411, r.status());
            assertTrue(r.bodyText().contains("send the body with a Content-Length"), r.bodyText());
            assertTrue(c.isClosedByPeer(CLOSE_WITHIN));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "CL and TE        | PUT /echo HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400 | both Content-Length and Transfer-Encoding",
            "two CLs          | PUT /echo HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\nabcd | 400 | several different Content-Length",
            "signed CL        | PUT /echo HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: +3\\r\\n\\r\\nabc | 400 | malformed Content-Length",
            "obs-fold         | GET /hello HTTP/1.1\\r\\nHost: a\\r\\nX-A: 1\\r\\n  folded\\r\\n\\r\\n | 400 | folded header",
            "space before :   | GET /hello HTTP/1.1\\r\\nHost: a\\r\\nX-A : 1\\r\\n\\r\\n | 400 | malformed header name",
            "no colon         | GET /hello HTTP/1.1\\r\\nHost: a\\r\\nnonsense\\r\\n\\r\\n | 400 | malformed header line",
            "bad request line | GARBAGE\\r\\n\\r\\n | 400 | malformed request line",
            "absolute form    | GET http://x/hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 400 | malformed request target",
            "HTTP/2.0         | GET /hello HTTP/2.0\\r\\nHost: a\\r\\n\\r\\n | 505 | only HTTP/1.1",
            "control char     | GET /hello HTTP/1.1\\r\\nHost: a\\r\\nX-A: a\\u0001b\\r\\n\\r\\n | 400 | control character",
            // RFC 9112 §2.2 lets a server accept a bare LF; the proxy does not, and the admin API is as strict.
            "bare LF          | GET /hello HTTP/1.1\\nHost: a\\n\\n | 400 | bare CR or LF",
            "bare LF in a field | GET /hello HTTP/1.1\\r\\nHost: a\\nX-A: 1\\r\\n\\r\\n | 400 | bare CR or LF",
            "no Host          | GET /hello HTTP/1.1\\r\\n\\r\\n | 400 | no Host header",
    })
    void malformedHeadsGetAnErrorWithAMessageAndTheConnectionCloses(String name, String raw, int status, String message)
            throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send(raw.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0001", "\u0001"));
            HttpResponse r = c.readResponse();
            assertEquals(status, r.status());
            assertTrue(r.bodyText().contains(message), r.bodyText());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.isClosedByPeer(CLOSE_WITHIN));
        }
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            HttpResponse r = exchange(c, "GET", "/hello", null, "Connection: close");
            assertEquals(200, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.isClosedByPeer(CLOSE_WITHIN));
        }
    }

    @Test
    void http10ClosesAfterOneResponseUnlessKeepAliveIsAsked() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertEquals(200, c.readResponse().status());
            c.send("GET /hello HTTP/1.0\r\n\r\n");
            assertEquals("close", c.readResponse().header("Connection"));
            assertTrue(c.isClosedByPeer(CLOSE_WITHIN));
        }
    }

    @Test
    void aRequestFollowedByHalfCloseIsStillAnswered() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            c.send(get("/later/50"));
            c.shutdownOutput();
            assertEquals("later 50", c.readResponse().bodyText());
            assertTrue(c.isClosedByPeer(CLOSE_WITHIN));
        }
    }

    @Test
    void aHandlerThatThrowsGets500AndTheConnectionLivesOn() throws IOException {
        start();
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            HttpResponse r = exchange(c, "GET", "/boom", null);
            assertEquals(500, r.status());
            assertTrue(r.bodyText().contains("internal error"), r.bodyText());
            assertEquals(409, exchange(c, "GET", "/refused", null).status());
            assertEquals(200, exchange(c, "GET", "/hello", null).status());
        }
    }

    @Test
    void withATokenEveryRequestNeedsTheBearerHeader() throws IOException {
        start(AdminSettings.of("127.0.0.1", 0, "s3cret"));
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            HttpResponse none = exchange(c, "GET", "/hello", null);
            assertEquals(401, none.status());
            assertTrue(none.header("WWW-Authenticate").startsWith("Bearer"));
            assertTrue(none.bodyText().contains("Authorization: Bearer"), none.bodyText());

            assertEquals(401, exchange(c, "GET", "/hello", null, "Authorization: Bearer s3cre").status());
            assertEquals(401, exchange(c, "GET", "/hello", null, "Authorization: Bearer s3cret2").status());
            assertEquals(401, exchange(c, "GET", "/hello", null, "Authorization: Basic s3cret").status());
            assertEquals(401, exchange(c, "GET", "/nope", null).status(), "401 comes before 404");
            assertEquals(200, exchange(c, "GET", "/hello", null, "Authorization: Bearer s3cret").status());
            assertEquals(200, exchange(c, "GET", "/hello", null, "authorization: bearer s3cret").status());
        }
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            // A body from an unauthenticated client is not read: 401, then close.
            HttpResponse r = exchange(c, "PUT", "/echo", "{}");
            assertEquals(401, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.isClosedByPeer(CLOSE_WITHIN));
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws IOException {
        start(AdminSettings.of("127.0.0.1", 0, null).withTimeouts(Duration.ofMillis(200), Duration.ofMillis(200)));
        try (RawHttpClient idle = RawHttpClient.connect(server.port()); RawHttpClient partial = RawHttpClient.connect(server.port())) {
            assertEquals(200, exchange(idle, "GET", "/hello", null).status());
            partial.send("GET /hello HTTP/1.1\r\nHost: admin\r\nX-Slow: ");
            assertTrue(idle.isClosedByPeer(CLOSE_WITHIN));
            assertTrue(partial.isClosedByPeer(CLOSE_WITHIN));
        }
    }

    @Test
    void anIdleTimeoutDoesNotCutARequestWaitingForItsHandler() throws IOException {
        start(AdminSettings.of("127.0.0.1", 0, null).withTimeouts(Duration.ofMillis(100), Duration.ofMillis(100)));
        try (RawHttpClient c = RawHttpClient.connect(server.port())) {
            assertEquals("later 600", exchange(c, "GET", "/later/600", null).bodyText());
        }
    }

    @Test
    void closeStopsListening() throws IOException {
        start();
        int port = server.port();
        server.close();
        assertFalse(canConnect(port));
    }

    private static boolean canConnect(int port) {
        try (RawHttpClient ignored = RawHttpClient.connect(port)) {
            return true;
        } catch (UncheckedIOException e) {
            return false;
        }
    }
}
