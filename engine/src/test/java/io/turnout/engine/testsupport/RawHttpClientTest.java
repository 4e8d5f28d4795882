package io.turnout.engine.testsupport;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.UncheckedIOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The raw client's framing, checked against exactly scripted backend bytes. */
class RawHttpClientTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    private static TestBackend rawBackend(String bytes, boolean closeAfter) {
        return TestBackend.start("raw", request -> Reply.raw(bytes, closeAfter));
    }

    @Test
    void fragmentedRequestArrivesWhole() {
        String request = "POST /frag HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
        try (TestBackend backend = TestBackend.echo("v1");
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.sendInFragments(request.getBytes(StandardCharsets.ISO_8859_1), Duration.ZERO, 1, 3, 7);
            assertEquals(200, client.readResponse().status());
            client.sendInFragments(request.getBytes(StandardCharsets.ISO_8859_1), new Random(1), 6);
            assertEquals(200, client.readResponse().status());
            for (RecordedRequest recorded : backend.requests()) {
                assertEquals("hello", recorded.bodyText());
                assertEquals(request.substring(0, request.indexOf("hello")), recorded.rawHeadText());
            }
        }
    }

    @Test
    void keepsHeaderOrderAndLooksUpIgnoringCase() {
        try (TestBackend backend = rawBackend("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Y: z\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n", false);
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            HttpResponse response = client.send(GET).readResponse();
            assertEquals(List.of("a=1", "b=2"), response.headers("SET-COOKIE"));
            assertEquals("z", response.header("x-y"));
            assertEquals("X-Y", response.headers().get(1).name());
            assertEquals("HTTP/1.1", response.version());
        }
    }

    @Test
    void returnsInterimResponsesOneAtATime() {
        try (TestBackend backend = rawBackend("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send(GET);
            assertEquals(100, client.readResponse().status());
            HttpResponse last = client.readResponse();
            assertEquals("ok", last.bodyText());
            assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", last.rawText());
        }
    }

    @Test
    void readFinalResponseSkipsInterimResponses() {
        try (TestBackend backend = rawBackend("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", false);
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            assertEquals(204, client.send(GET).readFinalResponse().status());
        }
    }

    @Test
    void reportsABodyCutShortByClose() {
        try (TestBackend backend = rawBackend("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true);
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            UncheckedIOException failure = assertThrows(UncheckedIOException.class, () -> client.send(GET).readResponse());
            assertInstanceOf(EOFException.class, failure.getCause());
        }
    }

    @Test
    void rejectsBadChunkSizeAndBareLineFeeds() {
        for (String bad : List.of(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
                "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")) {
            try (TestBackend backend = rawBackend(bad, true);
                 RawHttpClient client = RawHttpClient.connect(backend.port())) {
                UncheckedIOException failure = assertThrows(UncheckedIOException.class, () -> client.send(GET).readResponse());
                assertInstanceOf(ProtocolException.class, failure.getCause(), bad);
            }
        }
    }

    @Test
    void chunkedWithoutContentLengthWinsOverClose() {
        // RFC 9112 §6.3: TE other than final chunked means read until close.
        try (TestBackend backend = rawBackend("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nuntil-close", true);
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            HttpResponse response = client.send(GET).readResponse();
            assertEquals(BodyFraming.CLOSE_DELIMITED, response.framing());
            assertEquals("until-close", response.bodyText());
        }
    }

    @Test
    void dataBeforeCloseIsKeptWhileWaitingForTheClose() {
        try (TestBackend backend = rawBackend("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown", true);
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send(GET);
            assertEquals(RawHttpClient.PeerClose.FIN, client.awaitPeerClose(Duration.ofSeconds(2)));
            HttpResponse response = client.readResponse();
            assertEquals(503, response.status());
            assertEquals("Service Unavailable", response.reason());
            assertEquals("down", response.bodyText());
        }
    }

    @Test
    void getOpensSendsAndReadsOneResponse() {
        try (TestBackend backend = TestBackend.echo("v2")) {
            HttpResponse response = RawHttpClient.get(backend.port(), "/path?x=1");
            assertEquals("v2 GET /path?x=1", response.bodyText());
            assertEquals("127.0.0.1", backend.lastRequest().header("Host"));
        }
    }
}
