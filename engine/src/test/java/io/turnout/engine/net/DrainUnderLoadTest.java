package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Graceful shutdown under load (SPEC §1, issue 8): the SIGTERM path is
 * {@code ProxyEngine.shutdownGracefully()}. While 50 slow requests are in flight and new clients
 * keep arriving, every in-flight request completes, connections attempted once the drain is under
 * way are refused, and the shutdown returns within the drain timeout.
 */
class DrainUnderLoadTest {
    private static final int IN_FLIGHT = 50;
    private static final Duration BACKEND_DELAY = Duration.ofSeconds(1);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    /** Time for the selector loops to drop the listener once the drain began; connects after it must be refused. */
    private static final Duration SETTLE = Duration.ofMillis(300);

    /** What happened to one connection attempt made by the stream of newcomers. */
    enum Attempt { SERVED, REFUSED, CLOSED_WITHOUT_RESPONSE }

    record Newcomer(long startNanos, Attempt outcome, String detail) {
    }

    @Test
    void inFlightRequestsCompleteNewcomersAreRefusedAndShutdownReturnsWithinTheDrainTimeout() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(IN_FLIGHT + 2);
        try (TestBackend backend = TestBackend.start("v1", request -> request.target().startsWith("/slow/")
                ? Reply.ok("slow").withHeadDelay(BACKEND_DELAY) : Reply.ok("fast"));
             RunningProxy proxy = RunningProxy.start(b -> b.drainTimeout(DRAIN_TIMEOUT))) {
            proxy.addCluster("1.0", backend);
            int port = proxy.port();

            List<Future<HttpResponse>> inFlight = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                String target = "/slow/" + i;
                inFlight.add(pool.submit(() -> {
                    try (RawHttpClient client = RawHttpClient.connect(port, Duration.ofSeconds(15))) {
                        client.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n");
                        return client.readResponse();
                    }
                }));
            }
            Await.until("all " + IN_FLIGHT + " requests have reached the backend", () -> backend.requestCount() == IN_FLIGHT);

            AtomicBoolean keepConnecting = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Newcomer> newcomers = new ConcurrentLinkedQueue<>();
            Future<?> arrivals = pool.submit(() -> {
                while (keepConnecting.get()) {
                    newcomers.add(tryOnce(port));
                    pause(5);
                }
            });
            Await.until("newcomers are being served before the drain",
                    () -> newcomers.stream().anyMatch(n -> n.outcome() == Attempt.SERVED));

            long drainStart = System.nanoTime();
            CompletableFuture<Long> shutdown = CompletableFuture.supplyAsync(() -> {
                proxy.engine().shutdownGracefully();
                return System.nanoTime() - drainStart;
            });
            long tookNanos = shutdown.get(DRAIN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
            pause(SETTLE.toMillis()); // keep arriving for a while after the proxy has gone
            keepConnecting.set(false);
            arrivals.get(10, TimeUnit.SECONDS);

            for (Future<HttpResponse> f : inFlight) {
                HttpResponse response = f.get(10, TimeUnit.SECONDS);
                assertEquals(200, response.status(), "an in-flight request completes: " + response);
                assertEquals("slow", response.bodyText());
                assertEquals("close", response.header("Connection"), "a draining proxy closes after the answer");
            }
            assertTrue(tookNanos < DRAIN_TIMEOUT.toNanos(),
                    "shutdown returned within the drain timeout: " + tookNanos / 1_000_000 + " ms");
            assertTrue(tookNanos >= BACKEND_DELAY.toNanos() / 2,
                    "shutdown waited for the in-flight requests: " + tookNanos / 1_000_000 + " ms");

            long settled = drainStart + SETTLE.toNanos();
            System.out.println("DrainUnderLoadTest: shutdown took " + tookNanos / 1_000_000 + " ms; newcomers before the drain "
                    + summary(newcomers, Long.MIN_VALUE, drainStart) + ", in its first " + SETTLE.toMillis() + " ms "
                    + summary(newcomers, drainStart, settled) + ", after " + summary(newcomers, settled, Long.MAX_VALUE));
            List<Newcomer> late = newcomers.stream().filter(n -> n.startNanos() >= settled).toList();
            assertTrue(late.size() >= 5, "newcomers kept arriving while the drain went on: " + late.size());
            for (Newcomer n : late) {
                assertEquals(Attempt.REFUSED, n.outcome(), "a connection attempted during the drain is refused: " + n.detail());
            }
            for (Newcomer n : newcomers) {
                // Around the moment the drain began, a newcomer may be served (completely) or cut off
                // before any byte of a response; it never gets half an answer.
                assertTrue(n.outcome() != Attempt.SERVED || n.detail().equals("200 fast"), n.detail());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRequestLongerThanTheDrainTimeoutIsCutAndShutdownStillReturnsOnTime() throws Exception {
        Duration drain = Duration.ofMillis(800);
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.neverRespond());
             RunningProxy proxy = RunningProxy.start(b -> b.drainTimeout(drain))) {
            proxy.addCluster("1.0", backend);
            try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
                client.send("GET /stuck HTTP/1.1\r\nHost: a\r\n\r\n");
                Await.until("the request reached the backend", () -> backend.requestCount() == 1);
                long start = System.nanoTime();
                proxy.engine().shutdownGracefully();
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(tookMillis >= drain.toMillis() - 50, "waited for the drain: " + tookMillis + " ms");
                assertTrue(tookMillis < drain.toMillis() + 2_000, "and not much longer: " + tookMillis + " ms");
                assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), "the stuck client is cut at the end of the drain");
            }
            backend.stop();
        }
    }

    private static String summary(Iterable<Newcomer> newcomers, long fromNanos, long toNanos) {
        java.util.Map<Attempt, Integer> counts = new java.util.EnumMap<>(Attempt.class);
        for (Newcomer n : newcomers) {
            if ((fromNanos == Long.MIN_VALUE || n.startNanos() - fromNanos >= 0)
                    && (toNanos == Long.MAX_VALUE || n.startNanos() - toNanos < 0)) {
                counts.merge(n.outcome(), 1, Integer::sum);
            }
        }
        return counts.toString();
    }

    private static Newcomer tryOnce(int port) {
        long start = System.nanoTime();
        try (RawHttpClient client = RawHttpClient.connect(port, Duration.ofSeconds(3))) {
            client.send("GET /fast HTTP/1.1\r\nHost: a\r\n\r\n");
            HttpResponse response = client.readResponse();
            return new Newcomer(start, Attempt.SERVED, response.status() + " " + response.bodyText());
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof ConnectException) {
                return new Newcomer(start, Attempt.REFUSED, "connect: " + e.getCause().getMessage());
            }
            return new Newcomer(start, Attempt.CLOSED_WITHOUT_RESPONSE, String.valueOf(e.getMessage()));
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
