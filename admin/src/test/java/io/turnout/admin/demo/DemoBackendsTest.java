package io.turnout.admin.demo;

import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.engine.tls.TlsSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoBackendsTest {
    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void eachBackendAnswersAPageNamingItsVersion() throws Exception {
        try (DemoBackends demo = DemoBackends.start("127.0.0.1", 0, 0)) {
            for (String version : new String[] {"1.0", "2.0"}) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + demo.port(version) + "/any/path")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertTrue(r.body().contains("<h1>Turnout demo application version " + version + "</h1>"), r.body());
                assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
            }
            HttpResponse<String> head = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + demo.port("1.0") + "/")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
        }
    }

    @Test
    void anySetOfVersionsCanBeStartedAndOneVersionStopped() throws Exception {
        List<DemoBackends.Backend> wanted = List.of(new DemoBackends.Backend("2.5.1", 0), new DemoBackends.Backend("2.5.1", 0),
                new DemoBackends.Backend("3.9.2", 0));
        try (DemoBackends demo = DemoBackends.start("127.0.0.1", wanted)) {
            assertEquals(2, demo.ports("2.5.1").size());
            for (int port : demo.ports("2.5.1")) {
                assertTrue(get(port).contains("version 2.5.1"));
            }
            int stopped = demo.port("3.9.2");
            demo.stop("3.9.2");
            assertThrows(ConnectException.class, () -> get(stopped));
            assertTrue(get(demo.port("2.5.1")).contains("version 2.5.1"), "the others go on");
        }
    }

    private String get(int port) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aTakenPortIsOneClearLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> DemoBackends.start("127.0.0.1", 0, taken.getLocalPort()));
            assertEquals("demo: port " + taken.getLocalPort() + " (the version 2.0 backend) is already in use; "
                    + "stop whatever uses it (another demo?) and try again", e.getMessage());
        }
    }

    @Test
    void demoConfigLoadsVersionOneBehindTheProxyOn1235AndAdminOn9090() {
        try (DemoBackends demo = DemoBackends.start("127.0.0.1", 0, 0)) {
            TurnoutConfig c = demo.config();
            assertEquals(1235, c.proxy().port());
            assertEquals(9090, c.configService().port());
            assertEquals(1, c.clusters().size());
            assertEquals("1.0", c.clusters().get(0).version());
            assertEquals(demo.port("1.0"), c.clusters().get(0).servers().get(0).port());
            assertTrue(demo.instructions(false).contains("scripts/turnoutctl add --version 2.0 --server 127.0.0.1:"
                    + demo.port("2.0")), demo.instructions(false));
            assertNull(c.proxy().tls(), "plain HTTP without -tls");
        }
    }

    @Test
    void withTlsTheProxyOn1235ServesTheDemoCertificateAndTheInstructionsGiveTheCurlLineThatTrustsIt(@TempDir Path dir) {
        try (DemoBackends demo = DemoBackends.start("127.0.0.1", 0, 0)) {
            DemoCertificate certificate = DemoCertificate.create(dir);
            TurnoutConfig c = demo.config(certificate.settings());
            assertEquals(1235, c.proxy().port());
            assertEquals(new TlsSettings(certificate.chain(), certificate.key()), c.proxy().tls());
            String instructions = demo.instructions(false, certificate);
            assertTrue(instructions.contains("  the app    curl --cacert " + dir.resolve("chain.pem")
                    + " https://127.0.0.1:1235/   (version 1.0 answers)\n"), instructions);
            assertTrue(instructions.contains("  tls        a throwaway self-signed certificate for 127.0.0.1 and localhost,"
                    + " until " + certificate.notAfter()), instructions);
            assertFalse(demo.instructions(false).contains("https"), "the plain demo is unchanged");
        }
    }
}
