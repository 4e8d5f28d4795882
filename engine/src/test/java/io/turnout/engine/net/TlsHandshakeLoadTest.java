package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import io.turnout.engine.testsupport.TestPki;
import io.turnout.engine.testsupport.TlsRecordClient;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §12: handshake tasks must not stall a selector thread for other connections. With one
 * selector thread, a burst of new handshakes makes the server do its most expensive step (the
 * certificate signature of each ServerHello flight) two hundred times at once, while a kept-alive
 * TLS connection on the same loop goes on issuing requests. Off the loop, the burst costs that
 * connection nothing but CPU share; on the loop, its requests wait out the whole burst.
 *
 * <p>The burst clients send a real ClientHello (built once by the JDK) and close as soon as the
 * server's flight arrives, so the client side costs almost no CPU and the work is the server's
 * (with the JDK's RSA 2048, a few milliseconds a handshake: the burst lasts most of a second on
 * two cores). The bounds are relative to the burst as well as absolute, so a slow machine, which
 * stretches both, does not make the test flaky: simulated with every handshake serialised with
 * the relay (as on the loop), the slowest request waited 1.1 s of a 1.3 s burst and 23 requests
 * completed; with handshakes beside the relay, 62 ms of 0.7 s and 117.
 */
class TlsHandshakeLoadTest {
    private static final int HANDSHAKES = 200;
    private static final Duration MAX_LATENCY = Duration.ofSeconds(2);
    /** The slowest request may wait this long, or half the burst if that is longer, never more. */
    private static final Duration LATENCY_FLOOR = Duration.ofMillis(250);
    /** Requests the kept-alive connection must complete while the burst is on: a floor far below what it manages. */
    private static final int MIN_REQUESTS_DURING_BURST = 10;

    @Test
    void burstOfTwoHundredHandshakesDoesNotStallAKeptAliveConnectionOnTheSameLoop() throws Exception {
        TestPki pki = TestPki.create();
        SSLContext trusting = pki.clientContext();
        byte[] hello = TlsRecordClient.clientHello(trusting);
        try (TestBackend backend = TestBackend.echo("v1");
             RunningProxy proxy = RunningProxy.start(b -> b.tls(pki.issue("localhost").settings())
                     .selectorThreads(1).drainTimeout(Duration.ofMillis(500)));
             RawHttpClient steady = RawHttpClient.connectTls(proxy.port(), trusting, Duration.ofSeconds(10))) {
            proxy.addCluster("1.0", backend);
            for (int i = 0; i < 5; i++) {
                get(steady, "/warm" + i);
            }

            Burst burst = new Burst(proxy.port(), hello);
            burst.start();
            List<long[]> samples = new ArrayList<>(); // {start, end} of each steady request, nanoTime
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int i = 0; (!burst.isOver() || samples.isEmpty()) && System.nanoTime() < giveUp; i++) {
                long started = System.nanoTime();
                get(steady, "/during" + i);
                samples.add(new long[] {started, System.nanoTime()});
            }
            assertTrue(burst.isOver(), "the burst did not finish within 30 s");
            long burstStart = burst.startedAt();
            long burstEnd = burst.endedAt();

            assertEquals(List.of(), burst.failures(), "every burst connection got the server's flight");
            assertEquals(HANDSHAKES, burst.served(), "burst connections answered with a handshake record");
            long during = samples.stream().filter(s -> s[1] >= burstStart && s[1] <= burstEnd).count();
            long maxLatencyNanos = samples.stream().mapToLong(s -> s[1] - s[0]).max().orElseThrow();
            String summary = "burst of " + HANDSHAKES + " handshakes lasted " + millis(burstEnd - burstStart)
                    + " ms; the kept-alive connection completed " + during + " requests during it, slowest "
                    + millis(maxLatencyNanos) + " ms";
            assertTrue(maxLatencyNanos < MAX_LATENCY.toNanos(), summary);
            assertTrue(maxLatencyNanos < Math.max(LATENCY_FLOOR.toNanos(), (burstEnd - burstStart) / 2),
                    "a request waited out half the burst or more: " + summary);
            assertTrue(during >= MIN_REQUESTS_DURING_BURST, summary);

            get(steady, "/after");
            Await.until("the abandoned handshakes are counted as failures", Duration.ofSeconds(10),
                    () -> proxy.engine().tls().handshakeFailures() >= HANDSHAKES);
            assertEquals(1, proxy.engine().tls().handshakes(), "only the kept-alive connection completed one");
        }
    }

    private static void get(RawHttpClient client, String path) {
        client.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        HttpResponse response = client.readResponse();
        assertEquals(200, response.status(), path);
        assertEquals("v1 GET " + path, response.bodyText());
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /**
     * {@link #HANDSHAKES} threads released at once, each sending the ClientHello on its own
     * connection and waiting for the first byte of the server's answer, which must open a
     * handshake record (type 22): the server has signed and sent its flight.
     */
    private static final class Burst {
        private final int port;
        private final byte[] hello;
        private final CountDownLatch go = new CountDownLatch(1);
        private final CountDownLatch finished = new CountDownLatch(HANDSHAKES);
        private final AtomicInteger remaining = new AtomicInteger(HANDSHAKES);
        private final AtomicInteger served = new AtomicInteger();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private volatile long startedAt;
        private volatile long endedAt;

        Burst(int port, byte[] hello) {
            this.port = port;
            this.hello = hello;
        }

        void start() {
            for (int i = 0; i < HANDSHAKES; i++) {
                Thread thread = new Thread(this::handshake, "handshake-burst-" + i);
                thread.setDaemon(true);
                thread.start();
            }
            startedAt = System.nanoTime();
            go.countDown();
        }

        private void handshake() {
            try {
                go.await();
                try (Socket socket = new Socket()) {
                    socket.setTcpNoDelay(true);
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                    socket.setSoTimeout(15_000);
                    OutputStream out = socket.getOutputStream();
                    out.write(hello);
                    out.flush();
                    InputStream in = socket.getInputStream();
                    int first = in.read();
                    if (first == 0x16) {
                        served.incrementAndGet();
                    } else {
                        failures.add("first byte " + first);
                    }
                }
            } catch (Exception e) {
                failures.add(e.toString());
            } finally {
                if (remaining.decrementAndGet() == 0) {
                    endedAt = System.nanoTime(); // before the count-down that makes isOver() true
                }
                finished.countDown();
            }
        }

        boolean isOver() {
            return finished.getCount() == 0;
        }

        long startedAt() {
            return startedAt;
        }

        long endedAt() {
            return endedAt;
        }

        int served() {
            return served.get();
        }

        List<String> failures() {
            return List.copyOf(failures);
        }
    }
}
