package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.ExternalCommand;
import io.turnout.engine.testsupport.GeneratedBody;
import io.turnout.engine.testsupport.RecordedRequest;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import io.turnout.engine.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The TLS listener seen by the clients people actually use, curl and {@code openssl s_client}
 * (SPEC §12): the certificate verifies against the test CA, ALPN settles on http/1.1, TLS 1.2 and
 * 1.3 both work with strong ciphers, and TLS 1.1 is refused with a protocol_version alert.
 */
class TlsCommandLineClientsTest {
    private static final int MIB = 1024 * 1024;
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String GET_AND_CLOSE = "GET /openssl HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

    private static TestPki pki;
    private static TestBackend backend;
    private static RunningProxy proxy;

    @BeforeAll
    static void start() {
        assumeTrue(ExternalCommand.onPath("openssl") != null,
                "openssl is not on PATH; install it (apt-get install -y openssl) to run the TLS tests");
        pki = TestPki.create();
        backend = TestBackend.start("v1", request -> request.method().equals("POST")
                ? Reply.ok("stored " + request.header("Content-Length"))
                : Reply.ok("v1 " + request.method() + " " + request.target()));
        // A short head timeout changes nothing for a working handshake (milliseconds) but makes a
        // listener that does not speak TLS fail these tests in seconds rather than hang them.
        proxy = RunningProxy.start(b -> b.tls(pki.issue("localhost").settings()).headTimeout(Duration.ofSeconds(3)));
        proxy.addCluster("1.0", backend);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @BeforeEach
    void forgetRequests() {
        if (backend != null) {
            backend.clearRequests();
        }
    }

    private static String url(String path) {
        return "https://127.0.0.1:" + proxy.port() + path;
    }

    private static void assumeCurl() {
        assumeTrue(ExternalCommand.onPath("curl") != null,
                "curl is not on PATH; install it (apt-get install -y curl) to run the curl TLS tests");
    }

    private static ExternalCommand.Result curl(String... args) {
        String[] command = new String[args.length + 6];
        command[0] = "curl";
        command[1] = "--cacert";
        command[2] = pki.caFile().toString();
        command[3] = "--max-time";
        command[4] = "15";
        command[5] = "--silent";
        System.arraycopy(args, 0, command, 6, args.length);
        return ExternalCommand.run(DEADLINE, command);
    }

    private static ExternalCommand.Result sClient(String input, String... args) {
        String[] command = new String[args.length + 9];
        command[0] = "openssl";
        command[1] = "s_client";
        command[2] = "-connect";
        command[3] = "127.0.0.1:" + proxy.port();
        command[4] = "-CAfile";
        command[5] = pki.caFile().toString();
        command[6] = "-verify_ip";
        command[7] = "127.0.0.1";
        command[8] = "-ign_eof"; // stay for the answer after sending stdin; the proxy's close ends it
        System.arraycopy(args, 0, command, 9, args.length);
        return ExternalCommand.run(input.getBytes(StandardCharsets.ISO_8859_1), DEADLINE, command);
    }

    // ---- curl -----------------------------------------------------------------------------------

    @Test
    void curlGetsTheBackendsAnswerAndVerifiesTheCertificate() {
        assumeCurl();
        ExternalCommand.Result result = curl("--show-error", "--write-out", "\n%{http_code} %{ssl_verify_result}",
                url("/curl"));
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("v1 GET /curl\n200 0", result.output(), result.toString());
    }

    @Test
    void curlUploadWithDataBinaryArrivesByteExact() throws IOException {
        assumeCurl();
        Path file = Files.createTempFile(pki.dir(), "upload", ".bin");
        try (OutputStream out = Files.newOutputStream(file)) {
            new GeneratedBody(3 * MIB, 13).transferTo(out);
        }
        ExternalCommand.Result result = curl("--show-error", "--data-binary", "@" + file, url("/upload"));
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("stored " + 3 * MIB, result.output());
        RecordedRequest upload = backend.lastRequest();
        assertEquals("POST", upload.method());
        assertEquals(3 * MIB, upload.bodyLength());
        assertEquals(TestBackend.digestOfGenerated(3 * MIB, 13), upload.bodySha256());
    }

    @Test
    void curlOffersH2AndHttp11AndTheProxyChoosesHttp11ByAlpn() {
        assumeCurl();
        ExternalCommand.Result result = curl("--verbose", "--output", "/dev/null", url("/alpn"));
        assertEquals(0, result.exitCode(), result.toString());
        String out = result.output();
        assertTrue(out.contains("ALPN: offers h2") || out.contains("ALPN, offering h2"),
                "curl offered h2 too, so the choice was the proxy's:\n" + out);
        // curl 7.88 prints "ALPN: server accepted http/1.1"; curl before 7.85 "ALPN, server accepted to use http/1.1".
        assertTrue(out.contains("ALPN: server accepted http/1.1") || out.contains("ALPN, server accepted to use http/1.1"),
                out);
        assertTrue(out.contains("< HTTP/1.1 200"), out);
    }

    @Test
    void curlLimitedToTls12IsServedOverTls12() {
        assumeCurl();
        ExternalCommand.Result result = curl("--verbose", "--tlsv1.2", "--tls-max", "1.2", url("/tls12"));
        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.output().contains("SSL connection using TLSv1.2 / ECDHE-"), result.output());
        assertTrue(result.output().contains("v1 GET /tls12"), result.output());
    }

    // ---- openssl s_client -----------------------------------------------------------------------

    @Test
    void opensslTls12ClientNegotiatesTls12WithAForwardSecretAeadCipherAndGetsA200() {
        ExternalCommand.Result result = sClient(GET_AND_CLOSE, "-tls1_2");
        String out = result.output();
        assertFalse(result.timedOut(), result.toString());
        assertAll(out,
                () -> assertEquals(0, result.exitCode(), "exit code"),
                () -> assertTrue(out.contains("Protocol  : TLSv1.2"), "TLS 1.2 negotiated"),
                () -> assertTrue(out.contains("Verify return code: 0 (ok)"), "the certificate verified"),
                () -> assertTrue(out.contains("HTTP/1.1 200 "), "the answer came"),
                () -> assertTrue(out.contains("v1 GET /openssl"), "the backend's body came"));
        String cipher = field(out, "Cipher    : (\\S+)");
        // ECDHE: forward secrecy; GCM or ChaCha20-Poly1305: an AEAD (RFC 7525 §4.2).
        assertTrue(cipher.startsWith("ECDHE-") && (cipher.contains("GCM") || cipher.contains("CHACHA20")),
                "cipher " + cipher);
    }

    @Test
    void opensslTls13ClientNegotiatesTls13AndAlpnHttp11AndGetsA200() {
        ExternalCommand.Result result = sClient(GET_AND_CLOSE, "-tls1_3", "-alpn", "h2,http/1.1");
        String out = result.output();
        assertFalse(result.timedOut(), result.toString());
        assertAll(out,
                () -> assertEquals(0, result.exitCode(), "exit code"),
                () -> assertTrue(out.contains("New, TLSv1.3, Cipher is TLS_"), "TLS 1.3 negotiated"),
                () -> assertTrue(out.contains("ALPN protocol: http/1.1"), "ALPN chose http/1.1 over h2"),
                () -> assertTrue(out.contains("Verify return code: 0 (ok)"), "the certificate verified"),
                () -> assertTrue(out.contains("HTTP/1.1 200 "), "the answer came"),
                () -> assertTrue(out.contains("v1 GET /openssl"), "the backend's body came"));
    }

    @Test
    void opensslTls11ClientIsRefusedWithAProtocolVersionAlertAndReachesNoBackend() {
        long failuresBefore = proxy.engine().tls().handshakeFailures();
        // SECLEVEL=0: OpenSSL 3 would otherwise refuse to offer TLS 1.1 itself, and the test would prove nothing.
        ExternalCommand.Result result = sClient(GET_AND_CLOSE, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        String out = result.output();
        assertFalse(result.timedOut(), result.toString());
        assertAll(out,
                () -> assertNotEquals(0, result.exitCode(), "exit code"),
                () -> assertTrue(out.contains("alert protocol version"), "the server's protocol_version alert (RFC 8446 §6.2)"),
                () -> assertTrue(out.contains("Cipher is (NONE)"), "no cipher was agreed"),
                () -> assertFalse(out.contains("HTTP/1.1"), "no HTTP was spoken"));
        assertEquals(0, backend.requestCount());
        Await.until("the refused handshake is counted",
                () -> proxy.engine().tls().handshakeFailures() > failuresBefore);
        assertEquals(failuresBefore + 1, proxy.engine().tls().handshakeFailures(), "counted once");
    }

    private static String field(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        assertTrue(m.find(), "no " + regex + " in:\n" + output);
        return m.group(1);
    }
}
