package io.turnout.engine.health;

import io.turnout.engine.route.Cluster;
import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.ClientLoad;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §3 and issue 12: whichever way the newest version fails, its clients see no error, and it
 * is rolled back within {@code responseTimeout × consecutiveFailures + 1 s} of the fault starting.
 *
 * <p>One row per failure shape. In each, 1.0 is healthy behind the newest version 2.0; eight
 * keep-alive clients loop GETs through the proxy while 2.0 serves, then 2.0 fails in the row's way,
 * and the load goes on until 2.0 is gone from the snapshot plus a short tail on 1.0 alone. Every
 * answer must be a 200 with 1.0's or 2.0's own body: a proxy error, the broken version's answer,
 * a late answer mixed into another exchange, an EOF or a reset all count as client-visible errors.
 */
class FaultMatrixTest {
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(1);
    private static final int CONSECUTIVE_FAILURES = RollbackPolicy.DEFAULT.consecutiveFailures();
    private static final Duration ROLLBACK_BOUND = RESPONSE_TIMEOUT.multipliedBy(CONSECUTIVE_FAILURES).plusSeconds(1);
    private static final String OLD_BODY = "version 1.0";
    private static final String NEW_BODY = "version 2.0";
    private static final String GET = "GET /item HTTP/1.1\r\nHost: shop\r\n\r\n";
    private static final int CLIENTS = 8;
    /**
     * Answers from 2.0 before the fault, so it starts under real keep-alive load, and so the retry
     * budget (SPEC §3: 20% of the requests of the last 10 s) covers the retries a fast-failing 2.0
     * causes before its rollback is published. A proxy that has served only 200 requests has a
     * budget of about 40, and past it failures reach the client by design: with 200 here, the 500,
     * reset and close-after-head rows showed 3-5 errors in about one run in 25.
     */
    private static final int WARM_UP = 2_000;
    /** Answers after the rollback, so whatever the fault left behind (pooled connections, late answers) is met. */
    private static final int TAIL = 400;

    /** One way the newest version fails, started while it serves the load. */
    record Row(String name, String source, Consumer<TestBackend> fault) {
        @Override
        public String toString() {
            return name + " [" + source + "]";
        }
    }

    static List<Row> rows() {
        return List.of(
                new Row("killed: the server closes its listener and every connection",
                        "SPEC §3 connect refused, reset or EOF before a head", TestBackend::stop),
                new Row("hung: it accepts and reads requests, and never answers",
                        "SPEC §3 no response head within responseTimeout; issue 12 SIGSTOP (25 × 504 on 689912c)",
                        backend -> backend.respondWith(request -> Reply.neverRespond())),
                new Row("answers 500 to everything",
                        "SPEC §3 5xx responses",
                        backend -> backend.respondWith(request -> Reply.status(500, "2.0 is broken"))),
                new Row("answers after 3 s, past the response timeout",
                        "SPEC §3 a late answer from the first server is discarded; issue 12 (16 × 504 on 689912c)",
                        backend -> backend.respondWith(request ->
                                Reply.ok("late answer from 2.0").withHeadDelay(Duration.ofSeconds(3)))),
                new Row("resets before the head",
                        "SPEC §3 reset before a complete response head",
                        backend -> backend.respondWith(request -> Reply.resetWithoutResponse())),
                new Row("closes right after sending the head",
                        "SPEC §3; issue 12 'a server that closes after its head'",
                        backend -> backend.respondWith(request -> Reply.ok("2.0 died after its head").withCloseAfterHead())));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rows")
    void newestVersionFailingUnderKeepAliveLoadCostsClientsNothingAndIsRolledBackInTime(Row row) {
        try (TestBackend v1 = TestBackend.start("v1", request -> Reply.ok(OLD_BODY));
             TestBackend v2 = TestBackend.start("v2", request -> Reply.ok(NEW_BODY));
             RunningProxy proxy = RunningProxy.start(b -> b.responseTimeout(RESPONSE_TIMEOUT))) {
            proxy.addCluster("1.0", v1);
            Cluster newest = proxy.addCluster("2.0", v2);
            AtomicLong fromNewest = new AtomicLong();
            ClientLoad load = ClientLoad.on(proxy.port()).clients(CLIENTS).request(GET)
                    .requestsPerClient(100_000).maxDuration(Duration.ofSeconds(20)).readTimeout(Duration.ofSeconds(5))
                    .verdict(response -> judge(response, fromNewest)).start();
            long faultAt;
            long rolledBackAfterMillis;
            try {
                Await.until("2.0 serves the load", Duration.ofSeconds(5), () -> fromNewest.get() >= WARM_UP);
                faultAt = System.nanoTime();
                row.fault().accept(v2);
                rolledBackAfterMillis = awaitRollback(proxy, newest, faultAt);
                long answered = load.requests();
                Await.until("a tail of load after the rollback", Duration.ofSeconds(5),
                        () -> load.requests() >= answered + TAIL);
            } finally {
                load.stop();
            }
            ClientLoad.Result result = load.finish();
            assertAll(row.toString(),
                    () -> assertEquals(Map.of(), result.errors(),
                            "client-visible errors over " + result.requests() + " requests: " + result),
                    () -> assertTrue(rolledBackAfterMillis >= 0 && rolledBackAfterMillis <= ROLLBACK_BOUND.toMillis(),
                            rolledBackAfterMillis < 0
                                    ? "2.0 was not rolled back within " + (ROLLBACK_BOUND.toMillis() + 3_000) + " ms"
                                    : "2.0 was rolled back " + rolledBackAfterMillis + " ms after the fault; the bound is "
                                            + ROLLBACK_BOUND.toMillis() + " ms"),
                    () -> assertTrue(rolledBackAfterMillis < 0 || proxy.engine().events().snapshot().stream()
                                    .anyMatch(e -> e.type() == Event.Type.ROLLBACK && e.clusterUuid().equals(newest.uuid())),
                            "a rollback event for 2.0: " + proxy.engine().events().snapshot()));
        }
    }

    /** Null for 1.0's or 2.0's own 200; otherwise what the client got instead. */
    private static String judge(HttpResponse response, AtomicLong fromNewest) {
        String body = response.bodyText();
        if (response.status() == 200 && body.equals(NEW_BODY)) {
            fromNewest.incrementAndGet();
            return null;
        }
        if (response.status() == 200 && body.equals(OLD_BODY)) {
            return null;
        }
        String firstLine = body.lines().findFirst().orElse("");
        return response.status() + " \"" + (firstLine.length() > 40 ? firstLine.substring(0, 40) + "..." : firstLine) + "\"";
    }

    /**
     * Milliseconds from the fault until 2.0 left the snapshot, or -1 when it was still listed three
     * seconds past the bound (waiting that long shows how late a late rollback is).
     */
    private static long awaitRollback(RunningProxy proxy, Cluster newest, long faultAt) {
        long giveUpAt = faultAt + ROLLBACK_BOUND.plusSeconds(3).toNanos();
        return Await.<Long>value("2.0 is rolled back or the wait is over", ROLLBACK_BOUND.plusSeconds(4), () -> {
            if (proxy.writer().snapshot().byUuid(newest.uuid()) == null) {
                return (System.nanoTime() - faultAt) / 1_000_000;
            }
            return System.nanoTime() - giveUpAt >= 0 ? -1L : null;
        }, elapsed -> elapsed != null);
    }

    @Test
    void theMatrixHasARowForEveryFailureShapeOfIssue12AndEachNamesItsSource() {
        assertEquals(6, rows().size());
        for (Row row : rows()) {
            assertFalse(row.source().isBlank(), row.name());
        }
    }
}
