package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import io.turnout.engine.testsupport.TestPki;
import io.turnout.engine.testsupport.TlsRecordClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What is not TLS on the TLS port (SPEC §12): plain HTTP or garbage is closed at once, with at most
 * a TLS alert and never an HTTP answer; a handshake that stalls, or trickles, is cut after
 * {@code headTimeout} and no later; each counts as one handshake failure; and a TLS client on
 * another connection is served throughout.
 */
class TlsHandshakeFailureTest {
    /** Long, so that a bad-bytes row closed by this timeout instead of at once fails its deadline. */
    private static final Duration LONG_HEAD_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CLOSED_WITHIN = Duration.ofSeconds(3);
    private static final Duration SHORT_HEAD_TIMEOUT = Duration.ofMillis(500);

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

    private void start(Duration headTimeout) {
        backend = TestBackend.echo("v1");
        proxy = RunningProxy.start(b -> b.tls(certificate.settings()).headTimeout(headTimeout));
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

    /** One input that is not a TLS handshake, sent as the first bytes of a connection. */
    record BadStart(String name, byte[] bytes) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static List<BadStart> badStarts() {
        byte[] garbage = new byte[4096];
        new Random(16).nextBytes(garbage);
        garbage[0] = 0x42; // no TLS content type (20-24) and no SSLv2 length bit: unrecognisable at once
        byte[] bogusHello = new byte[5 + 32];
        bogusHello[0] = 0x16; // handshake record, TLS 1.0 record version, 32 bytes that are no ClientHello
        bogusHello[1] = 0x03;
        bogusHello[2] = 0x01;
        bogusHello[4] = 32;
        Arrays.fill(bogusHello, 5, bogusHello.length, (byte) 0xAB);
        return List.of(
                new BadStart("plain HTTP/1.1 request", ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")),
                new BadStart("plain HTTP/1.0 request, no Host", ascii("GET /index.html HTTP/1.0\r\n\r\n")),
                new BadStart("HTTP/2 prior-knowledge preface", ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")),
                new BadStart("4 KiB of random bytes", garbage),
                new BadStart("a handshake record holding no ClientHello", bogusHello));
    }

    @Test
    void plainHttpAndGarbageAreClosedAtOnceWithAtMostAnAlertWhileATlsClientIsServedThroughout() throws Exception {
        start(LONG_HEAD_TIMEOUT);
        List<BadStart> rows = badStarts();
        try (KeptAliveClient steady = new KeptAliveClient(proxy.port())) {
            steady.awaitAnswers(1); // before
            long failuresBefore = proxy.engine().tls().handshakeFailures();
            for (BadStart row : rows) {
                int answeredBefore = steady.answers();
                try (RawHttpClient bad = RawHttpClient.connect(proxy.port(), CLOSED_WITHIN)) {
                    bad.send(row.bytes());
                    // Fails (read timed out) if the proxy waits for more instead of closing.
                    byte[] reply = bad.readAllUntilClose();
                    assertAtMostAnAlert(row.name(), reply);
                }
                steady.awaitAnswers(answeredBefore + 1); // during
            }
            Await.until("every bad start counted as a handshake failure",
                    () -> proxy.engine().tls().handshakeFailures() >= failuresBefore + rows.size());
            assertEquals(failuresBefore + rows.size(), proxy.engine().tls().handshakeFailures(), "one failure per row");
            steady.awaitAnswers(steady.answers() + 3); // after
            steady.stopAndAssertAllServed();
        }
        assertEquals(1, proxy.engine().tls().handshakes(), "the steady client's one connection; no bad start completed");
        assertTrue(backend.requests().stream().allMatch(r -> r.target().startsWith("/steady")),
                "nothing of the bad starts reached the backend: " + backend.requests());
    }

    /** A connection that stalls before its handshake is complete: Slowloris on TLS. */
    record Stall(String name, StallAction action) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface StallAction {
        void run(RawHttpClient client, byte[] clientHello, long started);
    }

    private static List<Stall> stalls() {
        return List.of(
                new Stall("connects and sends nothing", (client, hello, started) -> { }),
                new Stall("sends half a ClientHello and stops",
                        (client, hello, started) -> client.send(Arrays.copyOf(hello, hello.length / 2))),
                new Stall("sends a whole ClientHello and never answers the server's flight",
                        (client, hello, started) -> client.send(hello)),
                // The timeout bounds the whole handshake, as headTimeout bounds a whole head: bytes that
                // keep coming must not keep extending it.
                new Stall("trickles a ClientHello one byte per 50 ms", TlsHandshakeFailureTest::trickle));
    }

    @Test
    void handshakeThatStallsOrTricklesIsCutAfterTheHeadTimeoutAndNoSooner() throws Exception {
        start(SHORT_HEAD_TIMEOUT);
        byte[] hello = TlsRecordClient.clientHello(trusting);
        List<Stall> rows = stalls();
        long failuresBefore = proxy.engine().tls().handshakeFailures();
        try (KeptAliveClient steady = new KeptAliveClient(proxy.port())) {
            steady.awaitAnswers(1);
            for (Stall row : rows) {
                int answeredBefore = steady.answers();
                long started = System.nanoTime(); // before connect, so before the proxy's clock starts
                try (RawHttpClient client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(5))) {
                    row.action().run(client, hello, started);
                    RawHttpClient.PeerClose close = client.awaitPeerClose(Duration.ofSeconds(4));
                    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    assertTrue(close != RawHttpClient.PeerClose.OPEN, row + ": still open after " + elapsedMillis + " ms");
                    assertTrue(elapsedMillis >= SHORT_HEAD_TIMEOUT.toMillis(),
                            row + ": cut after " + elapsedMillis + " ms, before the head timeout");
                    assertTrue(elapsedMillis <= SHORT_HEAD_TIMEOUT.toMillis() + 2_000,
                            row + ": cut only after " + elapsedMillis + " ms");
                }
                steady.awaitAnswers(answeredBefore + 1);
            }
            steady.awaitAnswers(steady.answers() + 3);
            steady.stopAndAssertAllServed();
        }
        Await.until("every stalled handshake counted as a failure",
                () -> proxy.engine().tls().handshakeFailures() >= failuresBefore + rows.size());
        assertEquals(failuresBefore + rows.size(), proxy.engine().tls().handshakeFailures(), "one failure per stall");
        assertEquals(1, proxy.engine().tls().handshakes(), "only the steady client completed a handshake");
    }

    /** Sends {@code hello} a byte at a time, 50 ms apart, until the proxy closes or 3 s have passed. */
    private static void trickle(RawHttpClient client, byte[] hello, long started) {
        for (int i = 0; i < hello.length && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(3); i++) {
            try {
                client.send(new byte[] {hello[i]});
            } catch (RuntimeException closed) {
                return; // the proxy cut it: what the test waits for
            }
            if (client.isClosedByPeer(Duration.ofMillis(50))) {
                return;
            }
        }
    }

    private static void assertAtMostAnAlert(String row, byte[] reply) {
        String shown = HexFormat.of().formatHex(reply, 0, Math.min(reply.length, 32)) + " \""
                + new String(reply, 0, Math.min(reply.length, 64), StandardCharsets.ISO_8859_1) + "\"";
        // RFC 8446 §6 / RFC 5246 §7.2: an alert is a record of type 21 (0x15); nothing else may come, least of all HTTP.
        assertTrue(reply.length == 0 || (reply[0] == 0x15 && reply[1] == 0x03),
                row + ": expected a close, at most after a TLS alert, got " + reply.length + " bytes: " + shown);
        assertTrue(reply.length <= 64, row + ": more than one alert's worth of bytes: " + shown);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A TLS client on one kept-alive connection that sends GET /steady-N in a loop on its own thread,
     * counting answers; any failure is kept and reported by {@link #stopAndAssertAllServed()}.
     */
    private final class KeptAliveClient implements AutoCloseable {
        private final AtomicInteger answers = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        KeptAliveClient(int port) {
            Thread thread = new Thread(() -> {
                try (RawHttpClient client = RawHttpClient.connectTls(port, trusting, Duration.ofSeconds(5))) {
                    for (int i = 0; running.get(); i++) {
                        client.send("GET /steady-" + i + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                        HttpResponse response = client.readResponse();
                        if (response.status() != 200 || !response.bodyText().equals("v1 GET /steady-" + i)) {
                            failures.add("request " + i + ": " + response);
                            return;
                        }
                        answers.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    failures.add("after " + answers.get() + " answers: " + e);
                } finally {
                    done.complete(null);
                }
            }, "steady-tls-client");
            thread.setDaemon(true);
            thread.start();
        }

        int answers() {
            return answers.get();
        }

        void awaitAnswers(int atLeast) {
            // Longer than the client's own read timeout, so a client that cannot get through reports why.
            Await.until("the steady TLS client has " + atLeast + " answers", Duration.ofSeconds(10),
                    () -> answers.get() >= atLeast || !failures.isEmpty());
            assertTrue(failures.isEmpty(), "the steady TLS client failed: " + failures);
        }

        void stopAndAssertAllServed() throws Exception {
            running.set(false);
            done.get(10, TimeUnit.SECONDS);
            assertTrue(failures.isEmpty(), "the steady TLS client failed: " + failures);
        }

        @Override
        public void close() {
            running.set(false);
        }
    }
}
