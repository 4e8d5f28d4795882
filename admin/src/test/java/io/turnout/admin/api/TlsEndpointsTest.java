package io.turnout.admin.api;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.TurnoutProcess;
import io.turnout.admin.config.ConfigServiceSpec;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.testsupport.TestPki;
import io.turnout.engine.tls.TlsIdentity;
import io.turnout.engine.tls.TlsSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /tls/reload}, the {@code tls} block of {@code GET /status} and the TLS families of
 * {@code /metrics} (SPEC §12), over the admin API's real port of a real {@link TurnoutProcess}
 * whose certificate files a test rewrites, as an operator renewing a certificate does.
 */
class TlsEndpointsTest {
    private static final TestPki PKI = TestPki.create();
    /** Two days and seven, so the two certificates' notAfter differ even when issued in one second. */
    private static final TestPki.Issued OLD = PKI.issue("old.test", "rsa:2048", 2);
    private static final TestPki.Issued NEW = PKI.issue("new.test", "ec", 7);
    /** RSA like OLD, so that its key passes for an RSA key and only the match fails. */
    private static final TestPki.Issued OTHER = PKI.issue("other.test");
    private static final String CA = "CN=Turnout Test CA";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    private Path chain;
    private Path key;
    private TurnoutProcess turnout;

    @AfterEach
    void stop() {
        if (turnout != null) {
            turnout.stop();
        }
    }

    /** A Turnout serving {@code live.pem} and {@code live.key} of {@code dir}, copies of {@code first}'s. */
    private void startWithTls(TestPki.Issued first) throws IOException {
        chain = dir.resolve("live.pem");
        key = dir.resolve("live.key");
        install(first);
        start(new TlsSettings(chain, key));
    }

    private void start(TlsSettings tls) throws IOException {
        ProxySettings proxy = ProxySettings.builder(0).hostname("127.0.0.1").tls(tls).build();
        turnout = new TurnoutProcess(new TurnoutConfig("config.json", proxy, new ConfigServiceSpec("127.0.0.1", 0, null),
                null, null, List.of()));
        turnout.start();
    }

    /** Renews the files in place, as an operator (or certbot) does before asking for a reload. */
    private void install(TestPki.Issued issued) throws IOException {
        Files.copy(issued.chain(), chain, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(issued.key(), key, StandardCopyOption.REPLACE_EXISTING);
    }

    private HttpResponse<String> send(String method, String path, String... headers) {
        return AdminFixture.send(http, "http://127.0.0.1:" + turnout.admin().port() + path, method, null, headers);
    }

    private JSONObject statusTls() {
        HttpResponse<String> r = send("GET", "/status");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.parseObject(r.body()).getJSONObject("tls");
    }

    private static Instant notAfter(TestPki.Issued issued) throws IOException {
        return TlsIdentity.load(issued.settings(), Instant.now()).notAfter();
    }

    @Test
    void statusShowsTheCertificateInForceWithItsProtocolsAndHandshakeCounts() throws IOException {
        startWithTls(OLD);
        JSONObject tls = statusTls();
        assertEquals("CN=old.test", tls.getString("subject"));
        assertEquals(CA, tls.getString("issuer"));
        assertEquals(notAfter(OLD), Instant.parse(tls.getString("notAfter")));
        long left = tls.getLongValue("expiresInSeconds");
        assertTrue(left > Duration.ofDays(2).minusMinutes(10).getSeconds() && left <= Duration.ofDays(2).getSeconds(),
                "about two days left: " + left);
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), tls.getJSONArray("protocols").toJavaList(String.class));
        assertEquals(0, tls.getLongValue("handshakes"));
        assertEquals(0, tls.getLongValue("handshakeFailures"));

        HttpResponse<String> text = send("GET", "/status", "Accept", "text/plain");
        assertEquals("status: UP\ntls: CN=old.test (issuer " + CA + "), expires " + notAfter(OLD) + " (in 1d 23h),"
                + " TLSv1.3 TLSv1.2, 0 handshakes, 0 failed\n", text.body());
    }

    @Test
    void reloadAnswersTheNewCertificateAndStatusAndMetricsFollowIt() throws IOException {
        startWithTls(OLD);
        install(NEW);

        HttpResponse<String> r = send("POST", "/tls/reload");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        JSONObject answer = JSON.parseObject(r.body());
        assertEquals("CN=new.test", answer.getString("subject"));
        assertEquals(CA, answer.getString("issuer"));
        assertEquals(notAfter(NEW), Instant.parse(answer.getString("notAfter")));
        assertTrue(answer.getLongValue("expiresInSeconds") > Duration.ofDays(6).getSeconds(), r.body());

        assertEquals("CN=new.test", statusTls().getString("subject"));
        assertEquals("CN=new.test", turnout.engine().tls().identity().subject(), "new handshakes use it");
        String metrics = send("GET", "/metrics").body();
        assertTrue(metrics.contains("\nturnout_tls_certificate_expiry_seconds " + notAfter(NEW).getEpochSecond() + "\n"),
                metrics);

        HttpResponse<String> text = send("POST", "/tls/reload", "Accept", "text/plain");
        assertEquals(200, text.statusCode(), text.body());
        assertTrue(text.body().startsWith("reloaded: CN=new.test (issuer " + CA + "), expires " + notAfter(NEW)
                + " (in 6d 23h)"), text.body());
    }

    @Test
    void aBadFileIsAnswered400WithItsOneLineAndTheOldCertificateStays() throws IOException {
        startWithTls(OLD);
        Files.copy(OTHER.key(), key, StandardCopyOption.REPLACE_EXISTING); // OLD's certificate, another's key

        HttpResponse<String> mismatch = send("POST", "/tls/reload");
        assertEquals(400, mismatch.statusCode());
        assertEquals("text/plain; charset=utf-8", mismatch.headers().firstValue("Content-Type").orElse(""));
        List<String> lines = mismatch.body().lines().toList();
        assertEquals(1, lines.size(), mismatch.body());
        assertTrue(lines.get(0).startsWith("proxy.tls.key: " + key + ": the key does not match the certificate in "
                + chain + " (CN=old.test)"), mismatch.body());
        assertTrue(lines.get(0).endsWith("; the certificate in force stays (CN=old.test, valid until " + notAfter(OLD)
                + ")"), mismatch.body());
        assertFalse(mismatch.body().contains("Exception"), mismatch.body());
        assertEquals("CN=old.test", statusTls().getString("subject"));

        Files.delete(chain);
        HttpResponse<String> missing = send("POST", "/tls/reload");
        assertEquals(400, missing.statusCode());
        assertTrue(missing.body().startsWith("proxy.tls.certificate: " + chain + ": no such file; the certificate in"
                + " force stays (CN=old.test"), missing.body());
        assertEquals("CN=old.test", statusTls().getString("subject"));
        assertEquals("CN=old.test", turnout.engine().tls().identity().subject());

        install(NEW);
        assertEquals(200, send("POST", "/tls/reload").statusCode(), "a fixed file reloads");
        assertEquals("CN=new.test", statusTls().getString("subject"));
    }

    @Test
    void metricsCarryTheHandshakeCountersAndTheExpiryWhenTlsIsOn() throws IOException {
        startWithTls(OLD);
        String metrics = send("GET", "/metrics").body();
        for (String line : List.of(
                "# HELP turnout_tls_handshakes_total TLS handshakes completed with clients.",
                "# TYPE turnout_tls_handshakes_total counter",
                "turnout_tls_handshakes_total 0",
                "# TYPE turnout_tls_handshake_failures_total counter",
                "turnout_tls_handshake_failures_total 0",
                "# TYPE turnout_tls_certificate_expiry_seconds gauge",
                "turnout_tls_certificate_expiry_seconds " + notAfter(OLD).getEpochSecond())) {
            assertTrue(metrics.lines().anyMatch(line::equals), () -> "no line <" + line + "> in\n" + metrics);
        }
        assertTrue(metrics.indexOf("# HELP turnout_tls_handshake_failures_total")
                < metrics.indexOf("# TYPE turnout_tls_handshake_failures_total"), "HELP before TYPE");
    }

    @Test
    void withoutTlsReloadIs409SayingToConfigureItAndStatusAndMetricsHaveNoTls() throws IOException {
        ProxySettings plain = ProxySettings.builder(0).hostname("127.0.0.1").build();
        turnout = new TurnoutProcess(new TurnoutConfig("config.json", plain, new ConfigServiceSpec("127.0.0.1", 0, null),
                null, null, List.of()));
        turnout.start();

        HttpResponse<String> r = send("POST", "/tls/reload");
        assertEquals(409, r.statusCode());
        assertEquals("the proxy speaks plain HTTP, so there is no certificate to reload; configure proxy.tls"
                + " (certificate and key) in the config file and restart\n", r.body());
        JSONObject status = JSON.parseObject(send("GET", "/status").body());
        assertEquals("UP", status.getString("status"));
        assertFalse(status.containsKey("tls"), status.toString());
        assertEquals("status: UP\n", send("GET", "/status", "Accept", "text/plain").body());
        assertFalse(send("GET", "/metrics").body().contains("turnout_tls_"));
    }

    @Test
    void reloadIsAPostAndAnotherMethodIs405() throws IOException {
        startWithTls(OLD);
        HttpResponse<String> r = send("GET", "/tls/reload");
        assertEquals(405, r.statusCode());
        assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
    }

    /**
     * Needs the net layer: the proxy port speaks TLS only once the engine's SSLEngine layer of
     * issue 16 is in. A client that trusts the test CA sees the old certificate, then after the
     * reload the new one on a new connection, and the handshakes are counted.
     */
    @Test
    void afterAReloadNewHandshakesPresentTheNewCertificate() throws Exception {
        startWithTls(OLD);
        assertEquals("CN=old.test", peerSubject());
        install(NEW);
        assertEquals(200, send("POST", "/tls/reload").statusCode());
        assertEquals("CN=new.test", peerSubject());
        assertEquals(2, statusTls().getLongValue("handshakes"));
        assertEquals(0, statusTls().getLongValue("handshakeFailures"));
    }

    /** Handshakes with the proxy port as a client trusting only the test CA; the leaf's subject. */
    private String peerSubject() throws IOException {
        try (SSLSocket socket = (SSLSocket) PKI.clientContext().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), turnout.engine().port())) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }
}
