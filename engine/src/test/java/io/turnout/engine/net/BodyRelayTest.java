package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.Digests;
import io.turnout.engine.testsupport.GeneratedBody;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BodyRelayTest {
    private static final int MIB = 1024 * 1024;
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

    @Test
    void threeMebibyteUploadWithContentLengthArrivesByteExact() {
        start(request -> Reply.ok("stored"));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("PUT /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + 3 * MIB + "\r\n\r\n");
            client.sendGenerated(3 * MIB, 7);
            HttpResponse response = client.readResponse();
            assertEquals(200, response.status());
        }
        assertEquals(3 * MIB, backend.lastRequest().bodyLength());
        assertEquals(TestBackend.digestOfGenerated(3 * MIB, 7), backend.lastRequest().bodySha256());
    }

    @Test
    void threeMebibyteChunkedUploadArrivesByteExact() {
        start(request -> Reply.ok("stored"));
        try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
            client.sendGeneratedChunked(3 * MIB, 11, 10_000);
            assertEquals(200, client.readResponse().status());
            // The connection stays usable: the chunked body's end was found exactly.
            client.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, client.readResponse().status());
        }
        assertEquals(2, backend.requestCount());
        var upload = backend.requests().get(0);
        assertEquals(3 * MIB, upload.bodyLength());
        assertEquals(TestBackend.digestOfGenerated(3 * MIB, 11), upload.bodySha256());
    }

    @Test
    void oneMebibyteDownloadArrivesByteExact() {
        start(request -> Reply.generated(MIB, 3));
        HttpResponse response = RawHttpClient.get(proxy.port(), "/file");
        assertEquals(200, response.status());
        assertEquals(MIB, response.bodyLength());
        assertEquals(TestBackend.digestOfGenerated(MIB, 3), response.bodySha256());
    }

    @Test
    void chunkedResponseReachesTheClientAsTheBackendSentIt() {
        Reply reply = Reply.chunked("first chunk;", "", "x".repeat(5000), "last").withTrailer("X-Checksum", "abc");
        start(request -> reply);
        HttpResponse response = RawHttpClient.get(proxy.port(), "/chunks");
        assertEquals(200, response.status());
        assertEquals("chunked", response.header("Transfer-Encoding"));
        assertArrayEquals(reply.wireBody(), response.rawBody());
    }

    @Test
    void slowReaderOfSixtyFourMebibytesKeepsBufferUseBounded() {
        long size = 64L * MIB;
        start(request -> Reply.generated(size, 5));
        var sink = Digests.sha256Sink();
        try (RawHttpClient client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(30))) {
            client.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
            HttpResponse response = client.readResponseStreaming(sink, 256 * 1024, Duration.ofMillis(1));
            assertEquals(200, response.status());
        }
        assertEquals(size, sink.count());
        assertEquals(TestBackend.digestOfGenerated(size, 5), sink.hex());
        // One exchange holds at most: client input, upstream input and the two rewritten heads.
        assertTrue(proxy.peakBuffersInUse() <= 4, "peak buffers in use: " + proxy.peakBuffersInUse());
        Await.until("buffers returned to the pool", () -> proxy.buffersInUse() == 0);
    }

    @Test
    void generatedBodyHelperMatchesItsDigest() {
        // Guards the fixtures the tests above rely on.
        assertEquals(Digests.sha256Hex(GeneratedBody.bytes(1000, 9)), TestBackend.digestOfGenerated(1000, 9));
    }
}
