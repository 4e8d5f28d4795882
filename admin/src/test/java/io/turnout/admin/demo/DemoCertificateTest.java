package io.turnout.admin.demo;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.tls.TlsIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code demo -tls}'s certificate: made by keytool, converted to PEM here, served by the JDK, trusted by curl. */
class DemoCertificateTest {
    @TempDir
    Path dir;

    @Test
    void itIsASelfSignedCertificateForLoopbackAndLocalhostThatLoadsAsProxyTls() throws Exception {
        DemoCertificate demo = DemoCertificate.create(dir);
        TlsIdentity identity = TlsIdentity.load(demo.settings(), Instant.now());
        assertEquals("CN=Turnout demo", identity.subject());
        assertEquals(identity.subject(), identity.issuer(), "self-signed: curl --cacert chain.pem trusts it alone");
        assertEquals(1, identity.chainLength());
        Duration valid = Duration.between(Instant.now(), identity.notAfter());
        assertTrue(valid.compareTo(Duration.ofDays(DemoCertificate.VALID_DAYS - 1)) > 0
                && valid.compareTo(Duration.ofDays(DemoCertificate.VALID_DAYS)) <= 0, valid.toString());
        List<String> names = new ArrayList<>();
        for (List<?> san : demo.certificate().getSubjectAlternativeNames()) {
            names.add(san.get(0) + ":" + san.get(1)); // 7 is an IP address, 2 a DNS name (RFC 5280 §4.2.1.6)
        }
        assertEquals(List.of("7:127.0.0.1", "2:localhost"), names);
        assertEquals(List.of("chain.pem", "key.pem"), Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList(),
                "the PKCS12 store and keytool's log are gone");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(demo.key())));
    }

    @Test
    void theKeyIsPkcs8PemInLinesOf64Characters() throws Exception {
        DemoCertificate demo = DemoCertificate.create(dir);
        List<String> lines = Files.readAllLines(demo.key(), StandardCharsets.US_ASCII);
        assertEquals("-----BEGIN PRIVATE KEY-----", lines.get(0));
        assertEquals("-----END PRIVATE KEY-----", lines.get(lines.size() - 1));
        List<String> body = lines.subList(1, lines.size() - 1);
        for (int i = 0; i < body.size(); i++) {
            int length = body.get(i).length();
            assertTrue(i == body.size() - 1 ? length > 0 && length <= 64 : length == 64, "line " + (i + 1) + ": " + body.get(i));
        }
        List<String> chain = Files.readAllLines(demo.chain(), StandardCharsets.US_ASCII);
        assertEquals("-----BEGIN CERTIFICATE-----", chain.get(0));
        assertArrayEquals(demo.certificate().getEncoded(),
                Base64.getMimeDecoder().decode(String.join("\n", chain.subList(1, chain.size() - 1))));
    }

    @Test
    void pemWrapsAt64AndEndsWithANewline() {
        byte[] der = new byte[100]; // 136 base64 characters: 64, 64, 8
        String pem = DemoCertificate.pem("PRIVATE KEY", der);
        List<String> lines = pem.lines().toList();
        assertEquals(List.of(64, 64, 8), lines.subList(1, 4).stream().map(String::length).toList());
        assertTrue(pem.endsWith("-----END PRIVATE KEY-----\n"), pem);
    }

    @Test
    void aJdkClientThatTrustsOnlyThisCertificateHandshakesWithItsKeyByAddressAndByName() throws Exception {
        DemoCertificate demo = DemoCertificate.create(dir);
        TlsIdentity identity = TlsIdentity.load(demo.settings(), Instant.now());
        try (SSLServerSocket server = (SSLServerSocket) identity.context().getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket accepted = server.accept(); OutputStream out = accepted.getOutputStream()) {
                        out.write("ok".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            for (String host : List.of("127.0.0.1", "localhost")) {
                try (SSLSocket client = (SSLSocket) demo.clientContext().getSocketFactory().createSocket()) {
                    SSLParameters parameters = client.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the SAN must name the host
                    client.setSSLParameters(parameters);
                    client.setSoTimeout(10_000);
                    client.connect(new InetSocketAddress(host, server.getLocalPort()), 10_000);
                    client.startHandshake();
                    X509Certificate peer = (X509Certificate) client.getSession().getPeerCertificates()[0];
                    assertEquals(demo.certificate(), peer, host);
                    assertEquals("ok", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
                }
            }
            serving.get(10, TimeUnit.SECONDS);
        }
    }

    /** The line the demo prints works as printed: curl (OpenSSL) trusts chain.pem against a server with key.pem. */
    @Test
    void theCurlLineTheDemoPrintsTrustsTheCertificate() throws Exception {
        assumeTrue(onPath("curl") && onPath("openssl"), "needs curl and openssl on the PATH");
        DemoCertificate demo = DemoCertificate.create(dir);
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Process server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert",
                demo.chain().toString(), "-key", demo.key().toString(), "-www", "-quiet")
                .redirectErrorStream(true).redirectOutput(dir.resolve("s_server.log").toFile()).start();
        try {
            Await.until("openssl s_server to accept", Duration.ofSeconds(10), () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            String line = demo.curl("127.0.0.1", port);
            assertEquals("curl --cacert " + demo.chain() + " https://127.0.0.1:" + port + "/", line);
            List<String> command = new ArrayList<>(List.of(line.split(" ")));
            command.addAll(1, List.of("-sS", "-o", "/dev/null", "--max-time", "10"));
            Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(curl.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, curl.exitValue(), output);

            Process untrusted = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", "--max-time", "10",
                    "https://127.0.0.1:" + port + "/").redirectErrorStream(true).start();
            untrusted.getInputStream().readAllBytes();
            assertTrue(untrusted.waitFor(20, TimeUnit.SECONDS));
            assertEquals(60, untrusted.exitValue(), "without --cacert curl refuses the certificate (exit 60)");
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void closeDeletesTheFilesAndTheDirectory() throws IOException {
        Path own = Files.createDirectory(dir.resolve("demo-tls"));
        DemoCertificate demo = DemoCertificate.create(own);
        assertTrue(Files.exists(demo.key()));
        demo.close();
        assertFalse(Files.exists(own));
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
