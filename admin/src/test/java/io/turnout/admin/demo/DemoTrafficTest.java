package io.turnout.admin.demo;

import io.turnout.engine.route.Cluster;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.RecordedRequest;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.turnout.engine.tls.TlsIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTrafficTest {

    @Test
    void visitorsSendBackTheCookiesTheProxySet() {
        try (TestBackend backend = TestBackend.echo("1.0");
             RunningProxy proxy = RunningProxy.fronting(backend);
             DemoTraffic traffic = DemoTraffic.start(proxy.port(), 100, Duration.ofSeconds(30))) {
            Cluster v1 = proxy.writer().snapshot().newest();
            Await.until("a few turns of every visitor", Duration.ofSeconds(10),
                    () -> backend.requestCount() >= 3 * DemoTraffic.VISITORS);
            long withCookie = backend.requests().stream()
                    .map(r -> r.header("Cookie"))
                    .filter(c -> c != null && c.contains("dynsoftup=" + v1.uuid()))
                    .count();
            assertTrue(withCookie >= DemoTraffic.VISITORS, withCookie + " requests carried the proxy's cookie");
            RecordedRequest any = backend.lastRequest();
            assertEquals("GET", any.method());
            assertEquals("turnout-demo-traffic", any.header("User-Agent"));
            assertEquals(0, traffic.failed());
            assertTrue(traffic.answered() > 0);
        }
    }

    /** {@code demo -tls -traffic}: the visitors speak TLS, trusting the demo's certificate alone. */
    @Test
    void overTlsTheVisitorsTrustTheDemoCertificateAndKeepTheirCookies(@TempDir Path dir) throws Exception {
        DemoCertificate certificate = DemoCertificate.create(dir);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(TlsIdentity.load(certificate.settings(), Instant.now()).context()));
        AtomicInteger withCookie = new AtomicInteger();
        server.createContext("/", exchange -> {
            try (exchange) {
                if (exchange.getRequestHeaders().getFirst("Cookie") != null) {
                    withCookie.incrementAndGet();
                }
                exchange.getResponseHeaders().add("Set-Cookie", "dynsoftup=tls-demo; Path=/");
                exchange.sendResponseHeaders(200, 2);
                exchange.getResponseBody().write("ok".getBytes(StandardCharsets.US_ASCII));
            }
        });
        server.start();
        try (DemoTraffic traffic = DemoTraffic.start(server.getAddress().getPort(), certificate.clientContext())) {
            Await.until("every visitor's second request, with its cookie", Duration.ofSeconds(15),
                    () -> withCookie.get() >= DemoTraffic.VISITORS);
            assertEquals(0, traffic.failed(), "every handshake trusted the demo's certificate");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void itStopsByItselfAfterItsLimit() {
        try (TestBackend backend = TestBackend.echo("1.0");
             RunningProxy proxy = RunningProxy.fronting(backend);
             DemoTraffic traffic = DemoTraffic.start(proxy.port(), 50, Duration.ofMillis(300))) {
            Await.until("the load to stop at its limit", Duration.ofSeconds(5), () -> !traffic.isRunning());
            long served = backend.requestCount();
            assertTrue(served <= 50, served + " requests in 300 ms at 50 a second, at most");
        }
    }

    @Test
    void itsRateIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> DemoTraffic.start(1, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> DemoTraffic.start(1, 5000, Duration.ofSeconds(1)));
    }

    @Test
    void aCookieIsKeptAsABrowserKeepsIt() {
        Map<String, String> jar = new LinkedHashMap<>();
        DemoTraffic.keep(jar, "dynsoftup=abc; Path=/; Max-Age=60; Expires=Thu, 01 Jan 2099 00:00:00 GMT");
        DemoTraffic.keep(jar, "transition=t-1; Path=/; Max-Age=31536000");
        assertEquals(Map.of("dynsoftup", "abc", "transition", "t-1"), jar);
        DemoTraffic.keep(jar, "dynsoftup=abc; Max-Age=0");
        assertEquals(Map.of("transition", "t-1"), jar);
        DemoTraffic.keep(jar, "=nameless");
        assertFalse(jar.containsKey(""));
    }
}
