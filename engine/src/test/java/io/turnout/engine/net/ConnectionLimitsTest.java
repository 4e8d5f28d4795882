package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code proxy.maxConnections} (issue 8): above the limit the proxy stops accepting, so extra
 * clients complete the TCP handshake into the kernel's backlog and wait there, unanswered, until
 * others leave. Nothing is refused, nothing crashes, and the proxy serves normally afterwards.
 *
 * <p>The full-scale case (10,000 allowed, 10,500 connecting) needs more file descriptors than one
 * JVM may hold here (client and proxy ends would both count), so CI runs it scaled down by five,
 * and {@code docs/SOAK.md} records a manual full-scale run against the real jar.
 *
 * <p>The exact-limit tests run one selector thread: with several, each loop checks the shared
 * count before accepting and counts the connection after, so the loops together can overshoot the
 * limit by up to one per extra thread (see the disabled test at the end).
 */
class ConnectionLimitsTest {
    private static final String GET = "GET /limit HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void connectionsAboveTheLimitWaitUnansweredAndAreServedWhenOthersClose() throws Exception {
        connectionsAboveTheLimitWait(1);
    }

    @Test
    void theLimitHoldsExactlyWithSeveralSelectorThreads() throws Exception {
        connectionsAboveTheLimitWait(2);
    }

    private void connectionsAboveTheLimitWait(int selectorThreads) throws Exception {
        int limit = 50;
        int clients = 60;
        ExecutorService readers = Executors.newFixedThreadPool(clients);
        List<RawHttpClient> open = new ArrayList<>();
        try (TestBackend backend = TestBackend.echo("v1");
             RunningProxy proxy = RunningProxy.start(b -> b.maxConnections(limit).selectorThreads(selectorThreads))) {
            proxy.addCluster("1.0", backend);
            for (int i = 0; i < clients; i++) {
                open.add(RawHttpClient.connect(proxy.port(), Duration.ofSeconds(20))); // the handshake completes for all
            }
            List<Future<HttpResponse>> answers = new ArrayList<>();
            for (RawHttpClient client : open) {
                client.send(GET);
                answers.add(readers.submit((java.util.concurrent.Callable<HttpResponse>) client::readResponse));
            }

            Await.value("the first " + limit + " clients are served (answered, open at the proxy)",
                    () -> answers.stream().filter(Future::isDone).count() + ", " + proxy.engine().server().openClients(),
                    v -> v.equals(limit + ", " + limit));
            assertEquals(limit, proxy.engine().server().openClients(), "the proxy holds exactly the limit");
            // The others stay in the backlog: no answer, whatever the wait (a few sweeps of the loops).
            Thread.sleep(400); // observing that nothing happens needs a wait; it is not synchronisation
            assertEquals(limit, answers.stream().filter(Future::isDone).count(), "the extra clients are not answered");
            assertEquals(limit, proxy.engine().server().openClients());

            List<Integer> served = new ArrayList<>();
            List<Integer> waiting = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                (answers.get(i).isDone() ? served : waiting).add(i);
            }
            for (int i : served) {
                assertEquals(200, answers.get(i).get().status(), "a served client got a normal answer");
            }
            assertEquals(clients - limit, waiting.size());
            for (int k = 0; k < clients - limit; k++) {
                open.get(served.get(k)).close(); // some leave...
            }
            for (int i : waiting) { // ...and every waiting client is served
                HttpResponse late = answers.get(i).get(10, TimeUnit.SECONDS);
                assertEquals(200, late.status());
                assertEquals("v1 GET /limit", late.bodyText());
            }
            Await.until("the proxy is back at the limit", () -> proxy.engine().server().openClients() == limit);

            open.forEach(RawHttpClient::close);
            Await.until("every client has gone", () -> proxy.engine().server().openClients() == 0);
            HttpResponse after = RawHttpClient.get(proxy.port(), "/after");
            assertEquals(200, after.status(), "a normal request succeeds afterwards");
            Await.until("every buffer is back", () -> proxy.buffersInUse() == 0);
        } finally {
            open.forEach(RawHttpClient::close);
            readers.shutdownNow();
        }
    }

    /** SPEC's 10,000 against 10,500, scaled down by five: 2,000 allowed, 2,100 connecting. */
    @Test
    void twoThousandOneHundredConnectionsAgainstALimitOfTwoThousandLeaveTheExtraOnesWaiting() throws Exception {
        int limit = 2_000;
        int extra = 100;
        List<SocketChannel> held = new ArrayList<>();
        List<SocketChannel> extras = new ArrayList<>();
        try (TestBackend backend = TestBackend.echo("v1");
             RunningProxy proxy = RunningProxy.start(b -> b.maxConnections(limit).selectorThreads(1))) {
            proxy.addCluster("1.0", backend);
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", proxy.port());
            for (int i = 0; i < limit; i++) {
                held.add(SocketChannel.open(address));
            }
            Await.value("the proxy has accepted the first " + limit, Duration.ofSeconds(20),
                    () -> proxy.engine().server().openClients(), n -> n == limit);
            for (int i = 0; i < extra; i++) {
                extras.add(SocketChannel.open(address)); // connects: the backlog holds it
            }
            Thread.sleep(400); // a few accept sweeps: none of the extra ones may be taken
            assertEquals(limit, proxy.engine().server().openClients(), "still exactly the limit");

            SocketChannel probe = extras.get(0);
            probe.write(ByteBuffer.wrap(GET.getBytes(StandardCharsets.US_ASCII)));
            probe.configureBlocking(false);
            Thread.sleep(200);
            assertEquals(0, probe.read(ByteBuffer.allocate(1024)), "a waiting client gets no answer");

            for (int i = 0; i < extra; i++) {
                held.get(i).close();
            }
            Await.value("the extra ones are accepted as others leave", Duration.ofSeconds(10),
                    () -> proxy.engine().server().openClients(), n -> n == limit);
            probe.configureBlocking(true);
            probe.socket().setSoTimeout(5_000);
            String answer = readSome(probe);
            assertTrue(answer.startsWith("HTTP/1.1 200 "), "the waiting client is served once admitted: " + answer);

            closeAll(held);
            closeAll(extras);
            Await.until("every client has gone", () -> proxy.engine().server().openClients() == 0);
            assertEquals(200, RawHttpClient.get(proxy.port(), "/after").status(), "a normal request succeeds afterwards");
            Await.until("every buffer is back", () -> proxy.buffersInUse() == 0);
            assertFalse(proxy.engine().server().bufferPools().stream().anyMatch(p -> p.inUse() < 0));
        } finally {
            closeAll(held);
            closeAll(extras);
        }
    }

    private static String readSome(SocketChannel channel) throws IOException {
        // Blocking channel reads ignore SO_TIMEOUT; read through the socket's stream instead.
        byte[] bytes = new byte[1024];
        int n = channel.socket().getInputStream().read(bytes);
        return n <= 0 ? "" : new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static void closeAll(List<SocketChannel> channels) {
        for (SocketChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
