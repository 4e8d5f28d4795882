package io.turnout.engine.net;

import io.turnout.engine.testsupport.BodyFraming;
import io.turnout.engine.testsupport.ClientLoad;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RecordedRequest;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.BackendRequest;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * HTTP/1.0 clients (SPEC §7, issue 12). An HTTP/1.0 client that sends {@code Connection: keep-alive}
 * keeps its connection whenever the response length is known, as nginx and HAProxy do; requests go
 * upstream as HTTP/1.1 (RFC 9110 §2.5), so an HTTP/1.0 client never makes a pooled upstream
 * connection unusable; and a chunked answer reaches an HTTP/1.0 client de-chunked and
 * close-delimited (RFC 9112 §6.1: no Transfer-Encoding in reply to an HTTP/1.0 request).
 *
 * <p>The backend of the load tests behaves like Python's {@code http.server} with
 * {@code protocol_version = "HTTP/1.1"}: it answers HTTP/1.1 without {@code Connection: close}, and
 * closes after every HTTP/1.0 request. A proxy that forwards HTTP/1.0 upstream and pools the
 * connection meets a closed one on the next request.
 */
class Http10KeepAliveTest {
    private static final String KEEP_ALIVE_GET = "GET /page HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n";
    private static final String PAGE = "a page for an old client";
    private static final int CONNECTIONS = 10;
    private static final int REQUESTS = 2_000;
    private static final int KEPT_ALIVE_AT_LEAST = 1_900;

    /** Closes, without saying so, after each HTTP/1.0 request; keeps HTTP/1.1 connections. */
    private static Reply likePythonHttpServer(BackendRequest request) {
        Reply page = Reply.ok(PAGE);
        return request.version().equals("HTTP/1.0") ? page.withUnannouncedClose() : page;
    }

    @Test
    void twoThousandRequestsOverTenHttp10KeepAliveConnectionsAreAllAnsweredAndKeptAlive() {
        TestBackend backend = TestBackend.start("v1", Http10KeepAliveTest::likePythonHttpServer);
        try (RunningProxy proxy = RunningProxy.fronting(backend)) {
            ClientLoad.Result result = ClientLoad.on(proxy.port()).clients(CONNECTIONS).request(KEEP_ALIVE_GET)
                    .requestsPerClient(REQUESTS / CONNECTIONS).maxDuration(Duration.ofSeconds(30))
                    .readTimeout(Duration.ofSeconds(5))
                    .verdict(response -> response.status() == 200 && response.bodyText().equals(PAGE) ? null
                            : response.status() + " " + response.bodyText().lines().findFirst().orElse(""))
                    .start().awaitCompletion();
            Map<String, Long> upstreamVersions = backend.requests().stream()
                    .collect(Collectors.groupingBy(RecordedRequest::version, Collectors.counting()));
            assertAll(result.toString(),
                    () -> assertEquals(REQUESTS, result.requests(), "requests"),
                    () -> assertEquals(Map.of(), result.errors(), "client-visible errors"),
                    () -> assertTrue(result.keepAliveResponses() >= KEPT_ALIVE_AT_LEAST,
                            "answers with Connection: keep-alive: " + result.keepAliveResponses()),
                    () -> assertTrue(result.reusedRequests() >= KEPT_ALIVE_AT_LEAST,
                            "requests answered on a kept-alive connection: " + result.reusedRequests()),
                    () -> assertEquals(Map.of("HTTP/1.1", (long) backend.requestCount()), upstreamVersions,
                            "request-line versions the backend saw (RFC 9110 §2.5: the proxy sends its own)"));
        }
    }

    @Test
    void http10RequestWithoutHostGoesUpstreamAsHttp11WithAHost() {
        TestBackend backend = TestBackend.start("v1", request -> Reply.ok("old client"));
        try (RunningProxy proxy = RunningProxy.fronting(backend);
             RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("GET /old HTTP/1.0\r\n\r\n");
            HttpResponse response = client.readResponse();
            assertEquals(200, response.status());
            assertEquals("old client", response.bodyText());
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), "no keep-alive asked for, so the proxy closes");
            RecordedRequest seen = backend.lastRequest();
            assertEquals("HTTP/1.1", seen.version(), "RFC 9110 §2.5: " + seen.rawHeadText());
            // RFC 9112 §3.2: an HTTP/1.1 request without Host is invalid, so the proxy must supply one.
            assertNotNull(seen.header("Host"), "an HTTP/1.1 request carries Host: " + seen.rawHeadText());
            assertFalse(seen.header("Host").isBlank(), seen.rawHeadText());
        }
    }

    @Test
    void apacheBenchKeepAliveRunOfTwoThousandRequestsHasNoFailureAndKeepsThemAlive() throws Exception {
        Path ab = onPath("ab");
        assumeTrue(ab != null, "ApacheBench (ab) is not on PATH; install it (apt-get install -y apache2-utils) to run this test");
        TestBackend backend = TestBackend.start("v1", Http10KeepAliveTest::likePythonHttpServer);
        try (RunningProxy proxy = RunningProxy.fronting(backend)) {
            Path output = Files.createTempFile("turnout-ab", ".txt");
            try {
                // ab -k sends HTTP/1.0 requests with Connection: Keep-Alive; -s bounds each wait.
                Process process = new ProcessBuilder(ab.toString(), "-k", "-n", Integer.toString(REQUESTS),
                        "-c", Integer.toString(CONNECTIONS), "-s", "10", "http://127.0.0.1:" + proxy.port() + "/page")
                        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
                boolean exited = process.waitFor(60, TimeUnit.SECONDS);
                if (!exited) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
                String report = Files.readString(output, StandardCharsets.ISO_8859_1);
                assertTrue(exited, "ab did not finish within 60 s:\n" + report);
                assertEquals(0, process.exitValue(), "ab failed:\n" + report);
                assertAll(report,
                        () -> assertEquals(REQUESTS, abCount(report, "Complete requests"), "complete requests"),
                        () -> assertEquals(0, abCount(report, "Failed requests"), "failed requests"),
                        // ab prints this line only when some answers were not 2xx.
                        () -> assertEquals(0, abCount(report, "Non-2xx responses"), "non-2xx responses"),
                        () -> assertTrue(abCount(report, "Keep-Alive requests") >= KEPT_ALIVE_AT_LEAST,
                                "keep-alive requests: " + abCount(report, "Keep-Alive requests")));
            } finally {
                Files.deleteIfExists(output);
            }
        }
    }

    /** The number on ab's report line {@code "<label>: N"}, or 0 when ab left the line out. */
    private static long abCount(String report, String label) {
        Matcher m = Pattern.compile("^" + Pattern.quote(label) + ":\\s+(\\d+)", Pattern.MULTILINE).matcher(report);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    // ---- How each answer reaches an HTTP/1.0 client ----------------------------------------------

    /**
     * One answer shape for an HTTP/1.0 client.
     *
     * @param request   what the client sends (always for {@code /row})
     * @param head      the request is HEAD, so the answer has no body
     * @param reply     what the backend answers
     * @param body      the body the client must read, byte for byte (with no chunk framing); null for
     *                  the generated 1 MiB body, checked by digest
     * @param framing   how the client must find the body's end
     * @param keptAlive the client's connection must stay open (and say so) for a next request
     */
    record Row(String name, String source, String request, boolean head, Reply reply, byte[] body,
               BodyFraming framing, boolean keptAlive) {
        @Override
        public String toString() {
            return name + " [" + source + "]";
        }
    }

    private static final String GET_10 = "GET /row HTTP/1.0\r\nHost: a\r\n\r\n";
    private static final String GET_10_KEEP_ALIVE = "GET /row HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n";
    private static final String HEAD_10_KEEP_ALIVE = "HEAD /row HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n";
    private static final long BIG = 1 << 20;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("chunked answer, no keep-alive asked: de-chunked and close-delimited",
                "RFC 9112 §6.1 (no Transfer-Encoding to an HTTP/1.0 request); issue 12, as nginx does",
                GET_10, false, Reply.chunked("hello", " ", "old ", "world"), bytes("hello old world"), BodyFraming.CLOSE_DELIMITED, false));
        rows.add(new Row("chunked answer with keep-alive asked: de-chunked, and closed because its length is unknown",
                "RFC 9112 §6.1, §9.3; SPEC §7 (keep-alive only when the response length is known)",
                GET_10_KEEP_ALIVE, false, Reply.chunked("hello", " ", "old ", "world"), bytes("hello old world"), BodyFraming.CLOSE_DELIMITED, false));
        rows.add(new Row("chunked answer with trailers: the body only, no trailer bytes",
                "RFC 9112 §7.1.2 (an HTTP/1.0 recipient cannot receive trailers)",
                GET_10_KEEP_ALIVE, false, Reply.chunked("abc", "def").withTrailer("X-Checksum", "42"), bytes("abcdef"), BodyFraming.CLOSE_DELIMITED, false));
        rows.add(new Row("chunked answer with chunk extensions: the data only",
                "RFC 9112 §7.1.1 (extensions belong to the chunked coding)",
                GET_10_KEEP_ALIVE, false, Reply.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3;name=value\r\nabc\r\n3;q=\"x y\"\r\ndef\r\n0\r\n\r\n", false), bytes("abcdef"), BodyFraming.CLOSE_DELIMITED, false));
        rows.add(new Row("1 MiB chunked in 16 KiB chunks: byte-exact",
                "RFC 9112 §6.1; issue 12 (the one place the body is re-encoded)",
                GET_10_KEEP_ALIVE, false, Reply.generatedChunked(BIG, 10, 16 * 1024), null, BodyFraming.CLOSE_DELIMITED, false));
        rows.add(new Row("Content-Length answer with keep-alive asked: kept alive",
                "SPEC §7 (as nginx and HAProxy do); RFC 9112 §9.3 / RFC 2068 §19.7.1 keep-alive",
                GET_10_KEEP_ALIVE, false, Reply.ok("sized"), bytes("sized"), BodyFraming.CONTENT_LENGTH, true));
        rows.add(new Row("Content-Length answer, no keep-alive asked: closed",
                "RFC 9112 §9.3 (HTTP/1.0 persists only with keep-alive)",
                GET_10, false, Reply.ok("sized"), bytes("sized"), BodyFraming.CONTENT_LENGTH, false));
        rows.add(new Row("204 with keep-alive asked: kept alive, there is no body to delimit",
                "RFC 9112 §6.3 rule 1; SPEC §7",
                GET_10_KEEP_ALIVE, false, Reply.noContent(), new byte[0], BodyFraming.NONE, true));
        rows.add(new Row("HEAD of a chunked resource with keep-alive asked: no Transfer-Encoding, kept alive",
                "RFC 9112 §6.1, §6.3 rule 1 (a HEAD answer has no body)",
                HEAD_10_KEEP_ALIVE, true, Reply.chunked("never", "sent"), new byte[0], BodyFraming.NONE, true));
        rows.add(new Row("close-delimited answer with keep-alive asked: relayed to the close",
                "RFC 9112 §6.3 rule 8",
                GET_10_KEEP_ALIVE, false, Reply.closeDelimited("until the end"), bytes("until the end"), BodyFraming.CLOSE_DELIMITED, false));
        return rows;
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rows")
    void eachAnswerReachesAnHttp10ClientFramedForHttp10AndKeptAliveOnlyWhenItsLengthIsKnown(Row row) {
        TestBackend backend = TestBackend.start("v1",
                request -> request.target().equals("/row") ? row.reply() : Reply.ok("next"));
        try (RunningProxy proxy = RunningProxy.fronting(backend);
             RawHttpClient client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(5))) {
            client.send(row.request());
            HttpResponse response = client.readResponse(row.head());
            assertAll(row.toString(),
                    () -> assertTrue(response.status() == 200 || response.status() == 204, "status: " + headOf(response)),
                    () -> assertNull(response.header("Transfer-Encoding"), "RFC 9112 §6.1: " + headOf(response)),
                    () -> {
                        if (row.body() == null) {
                            assertEquals(TestBackend.digestOfGenerated(BIG, 10), response.bodySha256(), "body digest");
                        } else {
                            // The raw bytes are the body itself: no chunk sizes, extensions or trailers.
                            assertArrayEquals(row.body(), response.rawBody(), "body bytes: "
                                    + new String(response.rawBody(), StandardCharsets.ISO_8859_1));
                        }
                    },
                    () -> assertEquals(row.framing(), response.framing(), "framing: " + headOf(response)));
            if (row.keptAlive()) {
                assertTrue(response.headers().hasToken("Connection", "keep-alive"),
                        row + ": the answer says the connection stays: " + headOf(response));
                client.send(GET_10_KEEP_ALIVE.replace("/row", "/next"));
                HttpResponse next = client.readResponse();
                assertEquals("next", next.bodyText(), row + ": the kept connection serves the next request");
            } else {
                assertFalse(response.headers().hasToken("Connection", "keep-alive"),
                        row + ": the answer must not promise a connection that closes: " + headOf(response));
                assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), row + ": the proxy closes after the answer");
            }
        }
    }

    private static String headOf(HttpResponse response) {
        return response.version() + " " + response.status() + " " + response.headers() + " (" + response.framing()
                + ", " + response.bodyLength() + " body bytes)";
    }

    @Test
    void theTableHasARowForEveryAnswerShapeAndEachNamesItsSource() {
        assertTrue(rows().size() >= 8);
        assertFalse(rows().stream().anyMatch(r -> r.source().isBlank()));
    }
}
