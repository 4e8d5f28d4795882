package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.Digests;
import io.turnout.engine.testsupport.GeneratedBody;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.PythonHttpServer;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RecordedRequest;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import io.turnout.engine.testsupport.TestPki;
import io.turnout.engine.testsupport.TlsRecordClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * TLS at the edge (SPEC §12, issue 16): the whole listener speaks TLS, the JDK's clients reach a
 * plain HTTP backend through it, bodies arrive byte-exact both ways, a connection carries several
 * exchanges on one handshake, upstreams learn {@code X-Forwarded-Proto: https}, an Upgrade tunnel
 * works through TLS, and the proxy ends a connection with close_notify.
 */
class TlsTerminationTest {
    private static final int MIB = 1024 * 1024;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** Ample for a handshake and a head; a listener that does not speak TLS answers 408 after it, failing fast. */
    private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(3);
    /** The JDK client keeps its connection idle in its pool; the 1 s drain grace would wait for it. */
    private static final Duration DRAIN = Duration.ofMillis(200);
    private static TestPki pki;
    private static TestPki.Issued certificate;
    private static SSLContext trusting;

    private TestBackend backend;
    private RunningProxy proxy;

    @BeforeAll
    static void issueCertificate() {
        pki = TestPki.create();
        certificate = pki.issue("localhost");
        trusting = pki.clientContext();
    }

    private void start(TestBackend.Handler handler) {
        backend = TestBackend.start("v1", handler);
        proxy = RunningProxy.start(b -> b.tls(certificate.settings()).headTimeout(HEAD_TIMEOUT).drainTimeout(DRAIN));
        proxy.addCluster("1.0", backend);
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

    private HttpClient jdkClient() {
        return HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private URI uri(String path) {
        return URI.create("https://127.0.0.1:" + proxy.port() + path);
    }

    private static HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
    }

    // ---- The JDK's HttpClient ---------------------------------------------------------------

    @Test
    void jdkHttpClientGetsAnAnswerFromThePlainBackendOverTls() throws Exception {
        start(TestBackend.echoHandler("v1"));
        var response = jdkClient().send(request(uri("/hello?x=1")).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("v1 GET /hello?x=1", response.body());
        assertEquals("v1", response.headers().firstValue("X-Backend").orElse(null));
        assertTrue(response.sslSession().isPresent(), "the answer came over TLS");
        assertTrue(Set.of("TLSv1.3", "TLSv1.2").contains(response.sslSession().get().getProtocol()),
                response.sslSession().get().getProtocol());
        // Upstreams stay plain HTTP (SPEC §12): the backend read the request as HTTP/1.1 text.
        assertEquals("GET", backend.lastRequest().method());
        assertEquals("/hello?x=1", backend.lastRequest().target());
    }

    @Test
    void threeMebibyteUploadFromJdkHttpClientArrivesByteExact() throws Exception {
        start(request -> Reply.ok("stored " + request.header("Content-Length")));
        byte[] body = GeneratedBody.bytes(3 * MIB, 11);
        var response = jdkClient().send(request(uri("/upload")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("stored " + 3 * MIB, response.body());
        RecordedRequest upload = backend.lastRequest();
        assertEquals(3 * MIB, upload.bodyLength());
        assertTrue(upload.bodyComplete(), upload.toString());
        assertEquals(TestBackend.digestOfGenerated(3 * MIB, 11), upload.bodySha256());
    }

    @Test
    void oneMebibyteDownloadToJdkHttpClientArrivesByteExact() throws Exception {
        start(request -> Reply.generated(MIB, 3));
        var response = jdkClient().send(request(uri("/file")).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertEquals(String.valueOf(MIB), response.headers().firstValue("Content-Length").orElse(null));
        try (InputStream in = response.body()) {
            assertEquals(TestBackend.digestOfGenerated(MIB, 3), Digests.sha256Hex(in));
        }
    }

    @Test
    void jdkHttpClientReusesOneTlsConnectionForSequentialRequests() throws Exception {
        start(TestBackend.echoHandler("v1"));
        HttpClient client = jdkClient();
        for (int i = 0; i < 5; i++) {
            var response = client.send(request(uri("/seq" + i)).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("v1 GET /seq" + i, response.body());
        }
        // The client pools its connection; it opens another only if the proxy closed the first.
        assertEquals(1, proxy.engine().tls().handshakes(), "handshakes for five sequential requests");
        assertEquals(0, proxy.engine().tls().handshakeFailures());
    }

    // ---- One TLS socket, several exchanges ------------------------------------------------------

    @Test
    void twoRequestsInSequenceOnOneTlsSocketAreBothAnsweredOnOneHandshake() {
        start(TestBackend.echoHandler("v1"));
        try (RawHttpClient client = RawHttpClient.connectTls(proxy.port(), trusting, READ_TIMEOUT)) {
            assertEquals("http/1.1", client.applicationProtocol(), "ALPN: the proxy offers http/1.1");
            client.send("GET /first HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            HttpResponse first = client.readResponse();
            client.send("GET /second HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            HttpResponse second = client.readResponse();
            assertEquals(200, first.status());
            assertEquals("v1 GET /first", first.bodyText());
            assertEquals(200, second.status());
            assertEquals("v1 GET /second", second.bodyText());
            assertEquals(1, proxy.engine().server().openClients(), "one client connection carried both");
        }
        assertEquals(1, proxy.engine().tls().handshakes());
        assertEquals(List.of("/first", "/second"), backend.requests().stream().map(RecordedRequest::target).toList());
    }

    @Test
    void pipelinedRequestsInOneTlsRecordAreAnsweredInOrder() {
        start(TestBackend.echoHandler("v1"));
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            pipeline.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        }
        try (RawHttpClient client = RawHttpClient.connectTls(proxy.port(), trusting, READ_TIMEOUT)) {
            client.send(pipeline.toString());
            for (int i = 0; i < 10; i++) {
                HttpResponse response = client.readResponse();
                assertEquals(200, response.status());
                assertEquals("v1 GET /p" + i, response.bodyText());
            }
        }
    }

    // ---- Forwarding headers ---------------------------------------------------------------------

    @Test
    void upstreamLearnsTheClientSpokeHttpsAndAClientsOwnForwardedProtoIsDropped() {
        start(TestBackend.echoHandler("v1"));
        try (RawHttpClient client = RawHttpClient.connectTls(proxy.port(), trusting, READ_TIMEOUT)) {
            client.send("GET /who HTTP/1.1\r\nHost: shop.example\r\n\r\n");
            assertEquals(200, client.readResponse().status());
            // As on the plain listener: a client's X-Forwarded-Proto/Host are never trusted.
            client.send("GET /spoof HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-Proto: http\r\n"
                    + "X-Forwarded-Host: evil.example\r\n\r\n");
            assertEquals(200, client.readResponse().status());
        }
        for (RecordedRequest seen : backend.requests()) {
            assertEquals(List.of("https"), seen.headers("X-Forwarded-Proto"), seen.rawHeadText());
            assertEquals(List.of("shop.example"), seen.headers("X-Forwarded-Host"), seen.rawHeadText());
            assertEquals("127.0.0.1", seen.header("X-Forwarded-For"), seen.rawHeadText());
            assertEquals("shop.example", seen.header("Host"), seen.rawHeadText());
        }
        assertEquals(2, backend.requestCount());
    }

    // ---- A real third-party origin ----------------------------------------------------------------

    @Test
    void pythonHttpServerBehindTheTlsListenerAnswersJdkHttpClient() throws Exception {
        assumeTrue(PythonHttpServer.isAvailable(),
                "python3 with http.server is not on PATH; install python3 (apt-get install -y python3) to run this test");
        try (PythonHttpServer python = PythonHttpServer.start()) {
            proxy = RunningProxy.start(b -> b.tls(certificate.settings()).headTimeout(HEAD_TIMEOUT).drainTimeout(DRAIN));
            proxy.addClusterAt("1.0", python.address());
            HttpClient client = jdkClient();
            for (int i = 0; i < 20; i++) {
                var response = client.send(request(uri("/page" + i)).GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), python.errors());
                assertEquals("python saw HTTP/1.1 /page" + i, response.body());
            }
            assertEquals(1, proxy.engine().tls().handshakes(), "twenty requests on one kept-alive TLS connection");
        }
    }

    // ---- Upgrade through TLS (wss) ----------------------------------------------------------------

    @Test
    void websocketUpgradeTunnelsBytesBothWaysThroughTlsAndClosesCleanly() {
        // RFC 6455 §1.3's sample key and its accept value.
        start(request -> request.headers().hasToken("Upgrade", "websocket")
                ? Reply.upgradeToEcho().withHeader("Upgrade", "websocket")
                        .withHeader("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
                : Reply.status(400, "not a websocket request"));
        try (RawHttpClient client = RawHttpClient.connectTls(proxy.port(), trusting, READ_TIMEOUT)) {
            client.send("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            HttpResponse switching = client.readResponse();
            assertEquals(101, switching.status(), switching.toString());
            assertEquals("websocket", switching.header("Upgrade"));
            assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", switching.header("Sec-WebSocket-Accept"));
            for (int i = 0; i < 5; i++) {
                byte[] message = ("frame " + i + " both ways").getBytes(StandardCharsets.US_ASCII);
                client.send(message);
                assertArrayEquals(message, client.readExactly(message.length));
            }
            // Larger than one TLS record (16 KiB) both ways, so record boundaries fall mid-message.
            byte[] large = GeneratedBody.bytes(300 * 1024, 21);
            client.send(large);
            assertArrayEquals(large, client.readExactly(large.length));
            client.shutdownOutput(); // close_notify, then FIN: the backend sees its end, closes, and so do we
            assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), "the tunnel closed after both ends were done");
        }
        RecordedRequest seen = backend.lastRequest();
        assertEquals("websocket", seen.header("Upgrade"));
        assertEquals("https", seen.header("X-Forwarded-Proto"));
        Await.until("the proxy let go of the tunnel", () -> proxy.engine().server().openClients() == 0);
    }

    @Test
    void websocketTunnelEndsWithTheProxysCloseNotifyAfterTheClientsOwn() {
        start(request -> Reply.upgradeToEcho().withHeader("Upgrade", "websocket"));
        try (TlsRecordClient client = TlsRecordClient.connect(proxy.port(), trusting, READ_TIMEOUT)) {
            String upgrade = "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
            client.send(upgrade);
            String head = readHead(client);
            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            byte[] message = GeneratedBody.bytes(40 * 1024, 4);
            client.send(message);
            assertArrayEquals(message, client.readExactly(message.length));
            // close_notify and FIN: the proxy half-closes upstream, the echo ends, and the proxy closes TLS.
            client.shutdownOutput();
            TlsRecordClient.Closing closing = client.readUntilClose(Duration.ofSeconds(5));
            assertEquals(TlsRecordClient.Ending.CLOSE_NOTIFY, closing.ending(), closing.detail());
            assertEquals(0, closing.data().length, "nothing after the echo");
        }
        Await.until("the proxy let go of the tunnel", () -> proxy.engine().server().openClients() == 0);
    }

    /** Reads a response head byte by byte (the tunnel's bytes follow it directly). */
    private static String readHead(TlsRecordClient client) {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) (client.readExactly(1)[0] & 0xff));
        }
        return head.toString();
    }

    // ---- Ending a connection --------------------------------------------------------------------

    @Test
    void clientAskingForCloseGetsTheWholeResponseThenCloseNotifyBeforeTheTcpClose() {
        start(TestBackend.echoHandler("v1"));
        try (TlsRecordClient client = TlsRecordClient.connect(proxy.port(), trusting, READ_TIMEOUT)) {
            client.send("GET /done HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            TlsRecordClient.Closing closing = client.readUntilClose(Duration.ofSeconds(5));
            assertEquals(TlsRecordClient.Ending.CLOSE_NOTIFY, closing.ending(), closing.detail() + ": " + closing.text());
            assertTrue(closing.text().startsWith("HTTP/1.1 200 "), closing.text());
            assertTrue(closing.text().contains("\r\nConnection: close\r\n"), closing.text());
            assertTrue(closing.text().endsWith("\r\n\r\nv1 GET /done"), "the whole response came before the close: "
                    + closing.text());
        }
    }

    @Test
    void closeDelimitedBodyEndsWithCloseNotifySoTheClientCanTellItFromATruncation() {
        // RFC 8446 §6.1 / RFC 9112 §9.8: without close_notify a close-delimited body may have been cut short.
        byte[] body = GeneratedBody.bytes(200 * 1024, 8);
        start(request -> Reply.closeDelimited(body));
        try (TlsRecordClient client = TlsRecordClient.connect(proxy.port(), trusting, READ_TIMEOUT)) {
            client.send("GET /until-close HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            TlsRecordClient.Closing closing = client.readUntilClose(Duration.ofSeconds(5));
            assertEquals(TlsRecordClient.Ending.CLOSE_NOTIFY, closing.ending(), closing.detail());
            byte[] received = closing.data();
            String text = closing.text();
            int bodyStart = text.indexOf("\r\n\r\n") + 4;
            assertTrue(text.startsWith("HTTP/1.1 200 "), text.substring(0, Math.min(200, text.length())));
            assertEquals(Digests.sha256Hex(body), Digests.sha256Hex(Arrays.copyOfRange(received, bodyStart,
                    received.length)), "the body before the close_notify is the backend's, byte for byte");
        }
    }

    @Test
    void sslSocketReadAfterConnectionCloseEndsWithEndOfStreamNotAnException() {
        start(TestBackend.echoHandler("v1"));
        try (RawHttpClient client = RawHttpClient.connectTls(proxy.port(), trusting, READ_TIMEOUT)) {
            client.send("GET /last HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            HttpResponse response = client.readResponse();
            assertEquals("v1 GET /last", response.bodyText());
            assertEquals("close", response.header("Connection"));
            // readAllUntilClose fails on an SSLException (a bad record, a fatal alert) instead of returning.
            assertEquals(0, client.readAllUntilClose().length);
        }
        Await.until("the client connection is gone", () -> proxy.engine().server().openClients() == 0);
        assertEquals(0, proxy.engine().tls().handshakeFailures());
    }
}
