package io.turnout.engine.route;

import io.turnout.engine.http.ParseResult;
import io.turnout.engine.http.RequestHead;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Router} on its own: route decisions and Set-Cookie lines over hand-built snapshots, at fixed times. */
class RouterTest {
    private static final Instant FIRST_OF_DECEMBER = Instant.parse("2026-12-01T21:46:02Z");
    /** RFC 9110 §5.6.7. */
    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
            Locale.US);

    private final RequestHead request = new RequestHead();
    private final RouteDecision decision = new RouteDecision();
    private final byte[] scratch = new byte[Router.cookieScratchSize()];

    private static Cluster.Builder cluster(String uuid, String version, TransitionMode mode) {
        return Cluster.builder(uuid, version).mode(mode).servers(List.of(new Server("127.0.0.1", 1034)));
    }

    private RequestHead parse(String cookie) {
        String text = "GET / HTTP/1.1\r\nHost: shop\r\n" + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "\r\n";
        ByteBuffer head = ByteBuffer.allocateDirect(text.length());
        head.put(text.getBytes(StandardCharsets.US_ASCII)).flip();
        request.reset();
        assertEquals(ParseResult.OK, request.parse(head, request.findEnd(head)));
        return request;
    }

    private String cookies(Router router, ClusterSnapshot inForce, Cluster served) {
        int n = router.writeCookies(decision, inForce, served, scratch);
        return new String(scratch, 0, n, StandardCharsets.US_ASCII);
    }

    /** The thesis's §6.2 lines: SESSION names its timeout and uuid, GRADUAL the counter this request was routed by. */
    @Test
    void servingLinesCarryTheFieldsOfTheServingVersionsMode() {
        Router router = new Router();
        Cluster old = cluster("old", "3.9.1", TransitionMode.INSTANT).build();
        ClusterSnapshot session = ClusterSnapshot.EMPTY.with(old)
                .with(cluster("5fba791f", "3.9.2", TransitionMode.SESSION).sessionTimeoutSeconds(60).build());
        assertTrue(router.route(session, parse(null), decision));
        assertEquals(" session timeout [60] uuid [5fba791f]", decision.thesisModeFields(decision.primary()));
        assertEquals("", decision.thesisModeFields(session.byUuid("old")), "3.9.1 serves in its own mode, INSTANT");

        ClusterSnapshot gradual = ClusterSnapshot.EMPTY.with(old)
                .with(cluster("be709f8f", "3.9.2", TransitionMode.GRADUAL).percentagePerRequest(1).build());
        String bucket3 = "transition=952c8557-2088-11e4-87e3-600308a8245e";
        for (int request = 1; request <= 3; request++) {
            assertTrue(router.route(gradual, parse(bucket3), decision));
            assertEquals("3.9.1", decision.primary().version(), "counter " + request + " is not above bucket 3");
        }
        assertTrue(router.route(gradual, parse(bucket3), decision));
        assertEquals(" transition counter [4.00] percentage transition per request [1.00]",
                decision.thesisModeFields(decision.primary()));
    }

    /** Routed while 2.0 was SESSION; by the time 1.0's answer arrives, 2.0 is rolled back. */
    @Test
    void cookiesFollowTheSnapshotInForceWhenTheResponseArrivesNotTheOneRoutedOver() {
        Router router = new Router();
        Cluster old = cluster("old", "1.0", TransitionMode.INSTANT).build();
        try (SnapshotWriter writer = new SnapshotWriter(ClusterSnapshot.EMPTY.with(old)
                .with(cluster("new", "2.0", TransitionMode.SESSION).sessionTimeoutSeconds(60).build()))) {
            assertTrue(router.route(writer.snapshot(), parse(null), decision));
            assertEquals("new", decision.primary().uuid());
            writer.submit(s -> s.without("new")).join();
            assertEquals("Set-Cookie: dynsoftup=old; Path=/\r\n", cookies(router, writer.snapshot(), writer.snapshot().byUuid("old")));
        }
    }

    /**
     * SPEC §2 and thesis §4.1 ("over multiple days or weeks"): with percentageTransitionPerMinute
     * the counter is the minutes since L was added times p, capped at 100, however many requests
     * came in the meantime.
     */
    @Test
    void aPerMinuteCounterGrowsWithTheTimeSinceTheVersionWasAddedNotWithTraffic() {
        long added = FIRST_OF_DECEMBER.toEpochMilli();
        Cluster ramp = cluster("ramp", "2.0", TransitionMode.GRADUAL).percentagePerMinute(1).transitionStartMillis(added)
                .build();
        assertEquals(0.0, ramp.transitionCounter(added - 60_000), "a clock set back does not make it negative");
        assertEquals(0.0, ramp.transitionCounter(added));
        assertEquals(1.5, ramp.transitionCounter(added + 90_000));
        assertEquals(100.0, ramp.transitionCounter(added + 100 * 60_000));
        assertEquals(100.0, ramp.transitionCounter(added + 14 * 24 * 3_600_000L), "capped at 100");

        ClusterSnapshot snapshot = ClusterSnapshot.EMPTY.with(cluster("old", "1.0", TransitionMode.INSTANT).build()).with(ramp);
        String bucket3 = "transition=952c8557-2088-11e4-87e3-600308a8245e";
        Router threeMinutesIn = new Router(Clock.fixed(Instant.ofEpochMilli(added + 180_000), ZoneOffset.UTC));
        for (int i = 0; i < 1000; i++) {
            assertTrue(threeMinutesIn.route(snapshot, parse(bucket3), decision));
            assertEquals("old", decision.primary().uuid(), "counter 3 is not above bucket 3, after any number of requests");
        }
        Router aSecondLater = new Router(Clock.fixed(Instant.ofEpochMilli(added + 181_000), ZoneOffset.UTC));
        assertTrue(aSecondLater.route(snapshot, parse(bucket3), decision));
        assertEquals("ramp", decision.primary().uuid());
        assertEquals(" transition counter [3.02] percentage transition per minute [1.00]",
                decision.thesisModeFields(decision.primary()));
    }

    /** SPEC §2: SESSION's cookie slides, every response renewing it with L's timeout from now. */
    @Test
    void sessionCookieSlidesWithEveryResponse() {
        ClusterSnapshot snapshot = ClusterSnapshot.EMPTY.with(cluster("old", "1.0", TransitionMode.INSTANT).build())
                .with(cluster("new", "2.0", TransitionMode.SESSION).sessionTimeoutSeconds(60).build());
        Instant first = Instant.parse("2026-12-01T12:00:00Z");
        for (Instant now : List.of(first, first.plusSeconds(1), first.plusSeconds(3600))) {
            Router router = new Router(Clock.fixed(now, ZoneOffset.UTC));
            assertTrue(router.route(snapshot, parse("dynsoftup=old"), decision));
            String expires = IMF_FIXDATE.format(now.plusSeconds(60).atOffset(ZoneOffset.UTC));
            assertEquals("Set-Cookie: dynsoftup=old; Path=/; Max-Age=60; Expires=" + expires + "\r\n",
                    cookies(router, snapshot, decision.primary()));
        }
    }

    /** RFC 6265 §5.1.1 reads any day; RFC 9110 §5.6.7 (IMF-fixdate, which we send) has two digits. */
    @Test
    void sessionExpiresOnTheFirstOfAMonthHasATwoDigitDay() {
        Router router = new Router(Clock.fixed(FIRST_OF_DECEMBER.minusSeconds(60), ZoneOffset.UTC));
        ClusterSnapshot snapshot = ClusterSnapshot.EMPTY.with(cluster("old", "1.0", TransitionMode.INSTANT).build())
                .with(cluster("new", "2.0", TransitionMode.SESSION).sessionTimeoutSeconds(60).build());
        assertTrue(router.route(snapshot, parse(null), decision));
        assertEquals("Set-Cookie: dynsoftup=new; Path=/; Max-Age=60; Expires=Tue, 01 Dec 2026 21:46:02 GMT\r\n",
                cookies(router, snapshot, decision.primary()));
    }
}
