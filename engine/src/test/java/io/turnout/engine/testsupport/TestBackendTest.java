package io.turnout.engine.testsupport;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test backend, driven straight from the raw client with no proxy in between. */
class TestBackendTest {

    private static final Duration SHORT = Duration.ofSeconds(2);

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    @Test
    void servesHundredRequestsOnOneKeepAliveConnection() {
        try (TestBackend backend = TestBackend.echo("v1");
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            for (int i = 0; i < 100; i++) {
                HttpResponse response = client.send(get("/r" + i)).readResponse();
                assertEquals(200, response.status());
                assertEquals("v1 GET /r" + i, response.bodyText());
                assertEquals("v1", response.header("x-backend"));
            }
            assertEquals(1, backend.connectionCount());
            assertEquals(100, backend.requestCount());
            assertTrue(backend.requests().stream().allMatch(r -> r.connectionId() == 1));
        }
    }

    @Test
    void answersPipelinedRequestsInOrder() {
        try (TestBackend backend = TestBackend.echo("v1");
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                pipeline.append(get("/p" + i));
            }
            client.send(pipeline.toString());
            for (int i = 0; i < 10; i++) {
                assertEquals("v1 GET /p" + i, client.readResponse().bodyText());
            }
            assertEquals(10, backend.requestCount());
        }
    }

    @Test
    void recordsHeadersInOrderWithDuplicatesAndTheRawHead() {
        try (TestBackend backend = TestBackend.echo("v1")) {
            String head = "GET /h?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Dup: a\r\nx-dup: b\r\nX-Pad:   padded  \r\n\r\n";
            try (RawHttpClient client = RawHttpClient.connect(backend.port())) {
                client.send(head).readResponse();
            }
            RecordedRequest request = backend.lastRequest();
            assertEquals("GET", request.method());
            assertEquals("/h?q=1", request.target());
            assertEquals("HTTP/1.1", request.version());
            assertEquals(List.of("a", "b"), request.headers("X-DUP"));
            assertEquals("padded", request.header("x-pad"));
            assertEquals("x-dup", request.headers().get(2).name());
            assertEquals(head, request.rawHeadText());
            assertEquals(BodyFraming.NONE, request.framing());
            assertEquals(0, request.bodyLength());
        }
    }

    @Test
    void sendsChunkedReplyExactlyAsScripted() {
        Reply reply = Reply.chunked("hello", " ", "chunked world").withTrailer("X-Checksum", "42");
        try (TestBackend backend = TestBackend.start("v1", request -> reply);
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            HttpResponse response = client.send(get("/c")).readResponse();
            assertEquals(BodyFraming.CHUNKED, response.framing());
            assertEquals("chunked", response.header("Transfer-Encoding"));
            assertNull(response.header("Content-Length"));
            assertEquals("hello chunked world", response.bodyText());
            assertEquals("42", response.trailers().first("x-checksum"));
            assertArrayEquals(reply.wireBody(), response.rawBody());
            assertEquals("5\r\nhello\r\n1\r\n \r\nd\r\nchunked world\r\n0\r\nX-Checksum: 42\r\n\r\n",
                    new String(response.rawBody(), StandardCharsets.ISO_8859_1));
            // The connection is still usable: the chunked body was framed correctly.
            assertEquals("hello chunked world", client.send(get("/again")).readResponse().bodyText());
        }
    }

    @Test
    void generatedBodiesMatchTheirPublishedDigest() {
        long size = 1 << 20;
        try (TestBackend backend = TestBackend.start("v1", request -> request.target().equals("/cl")
                ? Reply.generated(size, 7) : Reply.generatedChunked(size, 7, 10_000));
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            String expected = TestBackend.digestOfGenerated(size, 7);
            HttpResponse byLength = client.send(get("/cl")).readResponse();
            assertEquals(BodyFraming.CONTENT_LENGTH, byLength.framing());
            assertEquals(Long.toString(size), byLength.header("Content-Length"));
            assertEquals(expected, byLength.bodySha256());
            assertEquals(expected, Digests.sha256Hex(byLength.body()));

            HttpResponse chunked = client.send(get("/chunked")).readResponse();
            assertEquals(BodyFraming.CHUNKED, chunked.framing());
            assertEquals(size, chunked.bodyLength());
            assertEquals(expected, chunked.bodySha256());
            assertFalse(expected.equals(TestBackend.digestOfGenerated(size, 8)), "the seed must matter");
        }
    }

    @Test
    void slowStreamingReadSeesTheWholeGeneratedBody() {
        long size = 8L << 20;
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.generated(size, 3));
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            Digests.Sha256Sink sink = Digests.sha256Sink();
            HttpResponse response = client.send(get("/big"))
                    .readResponseStreaming(sink, 256 * 1024, Duration.ofMillis(1));
            assertEquals(size, sink.count());
            assertEquals(TestBackend.digestOfGenerated(size, 3), sink.hex());
            assertEquals(sink.hex(), response.bodySha256());
            assertEquals(0, response.body().length);
        }
    }

    @Test
    void headResponseAdvertisesLengthButSendsNoBody() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.ok("eleven char"));
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            // HEAD and GET pipelined: if the HEAD response carried body bytes, the GET would misparse.
            client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + get("/"));
            HttpResponse head = client.readResponse(true);
            assertEquals("11", head.header("Content-Length"));
            assertEquals(0, head.rawBody().length);
            assertEquals("eleven char", client.readResponse().bodyText());
        }
    }

    @Test
    void noContentAndNotModifiedHaveNoBodyAndNoLength() {
        try (TestBackend backend = TestBackend.start("v1", request ->
                request.target().equals("/204") ? Reply.noContent() : Reply.notModified().withHeader("ETag", "\"e\""));
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send(get("/204") + get("/304") + get("/204"));
            HttpResponse noContent = client.readResponse();
            HttpResponse notModified = client.readResponse();
            assertEquals(204, noContent.status());
            assertNull(noContent.header("Content-Length"));
            assertEquals(304, notModified.status());
            assertEquals("\"e\"", notModified.header("etag"));
            assertEquals(204, client.readResponse().status());
        }
    }

    @Test
    void closeDelimitedReplyEndsWhenTheBackendCloses() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.closeDelimited("until close"));
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            HttpResponse response = client.send(get("/")).readResponse();
            assertEquals(BodyFraming.CLOSE_DELIMITED, response.framing());
            assertNull(response.header("Content-Length"));
            assertNull(response.header("Transfer-Encoding"));
            assertEquals("until close", response.bodyText());
            assertEquals(RawHttpClient.PeerClose.FIN, client.awaitPeerClose(SHORT));
        }
    }

    @Test
    void decodesAndRecordsChunkedRequestBodyWithTrailers() {
        try (TestBackend backend = TestBackend.echo("v1");
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n");
            assertEquals(200, client.readResponse().status());
            RecordedRequest request = backend.lastRequest();
            assertEquals(BodyFraming.CHUNKED, request.framing());
            assertEquals("Wikipedia", request.bodyText());
            assertEquals(9, request.bodyLength());
            assertEquals(Digests.sha256Hex("Wikipedia".getBytes(StandardCharsets.US_ASCII)), request.bodySha256());
            assertEquals("t", request.trailers().first("X-Trailer"));
            assertTrue(request.bodyComplete());
        }
    }

    @Test
    void digestsLargeUploadInFullButKeepsOnlyTheBound() {
        long size = 3L << 20;
        try (TestBackend backend = TestBackend.echo("v1");
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n").sendGenerated(size, 11);
            assertEquals(200, client.readResponse().status());
            client.send("PUT /big2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").sendGeneratedChunked(size, 11, 65_536);
            assertEquals(200, client.readResponse().status());
            for (RecordedRequest request : backend.requests()) {
                assertEquals(size, request.bodyLength());
                assertEquals(TestBackend.digestOfGenerated(size, 11), request.bodySha256());
                assertEquals(TestBackend.BODY_KEEP_LIMIT, request.body().length);
                assertTrue(request.bodyTruncated());
                assertArrayEquals(GeneratedBody.bytes(TestBackend.BODY_KEEP_LIMIT, 11), request.body());
            }
        }
    }

    @Test
    void resetWithoutResponseIsSeenAsResetAfterTheRequestIsRecorded() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.resetWithoutResponse());
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send(get("/reset"));
            assertEquals(RawHttpClient.PeerClose.RESET, client.awaitPeerClose(SHORT));
            assertEquals("/reset", backend.lastRequest().target());
        }
    }

    @Test
    void closeWithoutResponseIsSeenAsOrderlyClose() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.closeWithoutResponse());
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send(get("/close"));
            assertEquals(RawHttpClient.PeerClose.FIN, client.awaitPeerClose(SHORT));
            assertEquals(1, backend.requestCount());
        }
    }

    @Test
    void resetAfterBodyBytesRecordsThePartialBody() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.resetAfterBodyBytes(10));
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n").send(new byte[1000]);
            assertEquals(RawHttpClient.PeerClose.RESET, client.awaitPeerClose(SHORT));
            RecordedRequest request = backend.lastRequest();
            assertEquals(10, request.bodyLength());
            assertFalse(request.bodyComplete());
        }
    }

    @Test
    void neverRespondHoldsTheConnectionUntilTheBackendStops() {
        TestBackend backend = TestBackend.start("v1", request -> Reply.neverRespond());
        try (RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send(get("/hang"));
            Await.until("backend records the request", SHORT, () -> backend.requestCount() == 1);
            assertEquals(RawHttpClient.PeerClose.OPEN, client.awaitPeerClose(Duration.ofMillis(200)));
            assertEquals(1, backend.openConnectionCount());
            backend.close();
            assertTrue(client.isClosedByPeer(SHORT));
        } finally {
            backend.close();
        }
    }

    @Test
    void sendsContinueBeforeReadingAnExpectedBody() {
        try (TestBackend backend = TestBackend.echo("v1");
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            HttpResponse interim = client.readResponse();
            assertEquals(100, interim.status());
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", interim.rawText());
            client.send("body");
            HttpResponse last = client.readResponse();
            assertEquals(200, last.status());
            assertEquals("body", backend.lastRequest().bodyText());
        }
    }

    @Test
    void canRejectAnExpectationWithoutReadingTheBody() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.status(417).withoutReadingBody());
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            HttpResponse response = client.readResponse();
            assertEquals(417, response.status());
            assertEquals("Expectation Failed", response.reason());
            assertEquals("close", response.header("Connection"));
            assertTrue(client.isClosedByPeer(SHORT));
            assertFalse(backend.lastRequest().bodyComplete());
            assertEquals(0, backend.lastRequest().bodyLength());
        }
    }

    @Test
    void upgradeEchoSwitchesToARawEchoTunnel() {
        try (TestBackend backend = TestBackend.echo("v1");
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            // The first tunnel bytes ride in the same packet as the request head.
            client.send("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly");
            HttpResponse switching = client.readResponse();
            assertEquals(101, switching.status());
            assertEquals("echo", switching.header("Upgrade"));
            assertEquals("Upgrade", switching.header("Connection"));
            assertEquals("early", new String(client.readExactly(5), StandardCharsets.US_ASCII));
            String tunnelBytes = "\0binary\r\n\r\nnot http";
            client.send(tunnelBytes);
            assertEquals(tunnelBytes, new String(client.readExactly(tunnelBytes.length()), StandardCharsets.ISO_8859_1));
            client.shutdownOutput();
            assertEquals(0, client.readAllUntilClose().length);
        }
    }

    @Test
    void connectionCloseReplyClosesAfterTheResponse() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.ok("bye").withConnectionClose());
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            HttpResponse response = client.send(get("/")).readResponse();
            assertEquals("close", response.header("Connection"));
            assertEquals("bye", response.bodyText());
            assertEquals(RawHttpClient.PeerClose.FIN, client.awaitPeerClose(SHORT));
        }
    }

    @Test
    void honoursHttp10AndConnectionCloseRequests() {
        try (TestBackend backend = TestBackend.echo("v1")) {
            for (String request : List.of("GET /a HTTP/1.0\r\n\r\n", "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) {
                try (RawHttpClient client = RawHttpClient.connect(backend.port())) {
                    HttpResponse response = client.send(request).readResponse();
                    assertEquals(200, response.status());
                    assertEquals("close", response.header("Connection"));
                    assertTrue(client.isClosedByPeer(SHORT), request);
                }
            }
        }
    }

    @Test
    void unannouncedCloseLooksReusableButClosesAfterTheResponse() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.ok("once").withUnannouncedClose());
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            HttpResponse response = client.send(get("/")).readResponse();
            assertEquals("once", response.bodyText());
            assertNull(response.header("Connection"), "nothing tells the client it will close");
            assertEquals(RawHttpClient.PeerClose.FIN, client.awaitPeerClose(SHORT));
        }
    }

    @Test
    void closeAfterHeadSendsTheHeadThenClosesWithoutTheBody() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.ok("never sent").withCloseAfterHead());
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send(get("/"));
            String received = new String(client.readAllUntilClose(), StandardCharsets.ISO_8859_1);
            assertTrue(received.startsWith("HTTP/1.1 200 OK\r\n"), received);
            assertTrue(received.contains("\r\nContent-Length: 10\r\n"), received);
            assertFalse(received.contains("Connection: close"), received);
            assertTrue(received.endsWith("\r\n\r\n"), "the head and not a byte of the body: " + received);
        }
    }

    @Test
    void idleConnectionIsClosedAfterTheIdleLimitButABusyOneIsNot() {
        try (TestBackend backend = TestBackend.echo("v1")) {
            backend.closeIdleConnectionsAfter(Duration.ofMillis(100));
            try (RawHttpClient client = RawHttpClient.connect(backend.port())) {
                for (int i = 0; i < 5; i++) {
                    assertEquals(200, client.send(get("/busy" + i)).readResponse().status());
                }
                long idleSince = System.nanoTime();
                assertEquals(RawHttpClient.PeerClose.FIN, client.awaitPeerClose(SHORT));
                long idleMillis = (System.nanoTime() - idleSince) / 1_000_000;
                assertTrue(idleMillis >= 80, "closed after " + idleMillis + " ms idle");
            }
            assertEquals(1, backend.idleClosedConnectionCount());
            assertEquals(1, backend.connectionCount());
            backend.closeIdleConnectionsAfter(null);
            try (RawHttpClient client = RawHttpClient.connect(backend.port())) {
                assertEquals(RawHttpClient.PeerClose.OPEN, client.awaitPeerClose(Duration.ofMillis(300)));
                assertEquals(200, client.send(get("/later")).readResponse().status());
            }
        }
    }

    @Test
    void rawReplyIsSentVerbatim() {
        String bytes = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.raw(bytes, true));
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send(get("/"));
            assertEquals(bytes, new String(client.readAllUntilClose(), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void delaysTheHeadAsScripted() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.ok("late").withHeadDelay(Duration.ofMillis(150)));
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            long start = System.nanoTime();
            assertEquals("late", client.send(get("/")).readResponse().bodyText());
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(150).toNanos());
        }
    }

    @Test
    void sendsInterimResponsesBeforeTheFinalOne() {
        try (TestBackend backend = TestBackend.start("v1",
                request -> Reply.ok("final").withInterim(103, "Link", "</s.css>; rel=preload"));
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send(get("/"));
            HttpResponse hints = client.readResponse();
            assertEquals(103, hints.status());
            assertEquals("</s.css>; rel=preload", hints.header("link"));
            assertEquals("final", client.readResponse().bodyText());
        }
    }

    @Test
    void answersMalformedRequestsWith400AndCloses() {
        try (TestBackend backend = TestBackend.echo("v1");
             RawHttpClient client = RawHttpClient.connect(backend.port())) {
            client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
            assertEquals(400, client.readResponse().status());
            assertTrue(client.isClosedByPeer(SHORT));
        }
    }

    @Test
    void handlerCanBeReplacedWhileRunning() {
        try (TestBackend backend = TestBackend.echo("v1")) {
            assertEquals(200, RawHttpClient.get(backend.port(), "/").status());
            backend.respondWith(request -> Reply.status(503, "down"));
            assertEquals(503, RawHttpClient.get(backend.port(), "/").status());
            backend.respondWith(TestBackend.echoHandler("v1"));
            assertEquals("v1 GET /x", RawHttpClient.get(backend.port(), "/x").bodyText());
        }
    }

    @Test
    void stopRefusesConnectionsAndRestartServesOnTheSamePort() {
        try (TestBackend backend = TestBackend.echo("v1")) {
            int port = backend.port();
            assertEquals(200, RawHttpClient.get(port, "/").status());
            backend.stop();
            assertThrows(ConnectException.class, () -> new Socket(TestBackend.LOOPBACK, port).close());
            backend.restartOnSamePort();
            assertEquals(port, backend.port());
            assertEquals("v1 GET /back", RawHttpClient.get(port, "/back").bodyText());
            assertEquals(2, backend.requestCount());
        }
    }

    @Test
    void refusingAddressHasNothingListening() throws IOException {
        int port = TestBackend.refusingPort();
        assertThrows(ConnectException.class, () -> new Socket(TestBackend.LOOPBACK, port).close());
        assertTrue(TestBackend.refusingAddress().startsWith("127.0.0.1:"));
    }
}
