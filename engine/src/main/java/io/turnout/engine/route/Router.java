package io.turnout.engine.route;

import io.turnout.engine.http.HttpDate;
import io.turnout.engine.http.RequestHead;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides per request which cluster serves it (SPEC §2), from the newest cluster's mode, and
 * writes the cookies that keep the client's choice. One per selector thread (it caches the
 * formatted date), reading only the immutable snapshot and the request's cookies; in steady state
 * it allocates nothing.
 */
public final class Router {
    private static final byte[] DYNSOFTUP = ascii("dynsoftup");
    private static final byte[] TRANSITION = ascii("transition");
    private static final byte[] SET_COOKIE_DYNSOFTUP = ascii("Set-Cookie: dynsoftup=");
    private static final byte[] SET_COOKIE_TRANSITION = ascii("Set-Cookie: transition=");
    private static final byte[] PATH_ROOT = ascii("; Path=/");
    private static final byte[] MAX_AGE = ascii("; Max-Age=");
    private static final byte[] EXPIRES = ascii("; Expires=");
    private static final byte[] TRANSITION_MAX_AGE = ascii("; Max-Age=31536000");
    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] HEX = ascii("0123456789abcdef");

    private final HttpDate expires = new HttpDate();
    private final Clock clock;

    public Router() {
        this(Clock.systemUTC());
    }

    /** @param clock the time SESSION's {@code Expires} and GRADUAL's per-minute counter count from; tests fix it */
    public Router(Clock clock) {
        this.clock = clock;
    }

    /** Routes {@code request} over {@code snapshot}; returns false when there are no clusters. */
    public boolean route(ClusterSnapshot snapshot, RequestHead request, RouteDecision out) {
        Cluster newest = snapshot.newest();
        if (newest == null) {
            return false;
        }
        Cluster previous = snapshot.previous();
        switch (newest.mode()) {
            case SESSION -> {
                Cluster pinned = cookieCluster(snapshot, request);
                Cluster target = pinned != null ? pinned : newest;
                out.set(newest, target, target == newest ? previous : newest);
            }
            case GRADUAL -> routeGradual(snapshot, request, newest, previous, out);
            case CONCURRENT -> {
                out.set(newest, newest, previous);
                if (previous != null && (request.method().isSafe() || newest.mirrorUnsafeMethods())) {
                    out.shadow = previous;
                }
            }
            default -> out.set(newest, newest, previous); // INSTANT: cookies are ignored
        }
        return true;
    }

    private void routeGradual(ClusterSnapshot snapshot, RequestHead request, Cluster newest, Cluster previous,
                              RouteDecision out) {
        double counter = newest.countGradualRequest(clock.millis());
        long cookie = request.findCookie(TRANSITION);
        int bucket;
        if (cookie >= 0 && (int) cookie - (int) (cookie >>> 32) == RouteDecision.UUID_LENGTH) {
            ByteBuffer buf = request.buffer();
            int start = (int) (cookie >>> 32);
            buf.get(start, out.transition, 0, RouteDecision.UUID_LENGTH);
            bucket = TransitionBucket.of(out.transition, 0, RouteDecision.UUID_LENGTH);
        } else {
            randomUuid(out.transition);
            bucket = TransitionBucket.of(out.transition, 0, RouteDecision.UUID_LENGTH);
        }
        Cluster target;
        if (previous == null || bucket < counter) {
            target = newest;
        } else {
            Cluster pinned = cookieCluster(snapshot, request);
            target = pinned != null ? pinned : previous;
        }
        out.set(newest, target, target == newest ? previous : newest);
        out.transitionLength = RouteDecision.UUID_LENGTH;
        out.transitionCounter = counter;
    }

    /** The live cluster the client's {@code dynsoftup} cookie names, or null. */
    private static Cluster cookieCluster(ClusterSnapshot snapshot, RequestHead request) {
        long cookie = request.findCookie(DYNSOFTUP);
        if (cookie < 0) {
            return null;
        }
        int start = (int) (cookie >>> 32);
        int end = (int) cookie;
        return snapshot.byUuid(request.buffer(), start, end - start);
    }

    /** A random (version 4) uuid in lower-case hex, written without allocating. */
    private static void randomUuid(byte[] out) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long low = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        int at = 0;
        for (int i = 0; i < 32; i++) {
            if (i == 8 || i == 12 || i == 16 || i == 20) {
                out[at++] = '-';
            }
            long word = i < 16 ? high : low;
            int shift = (15 - (i & 15)) * 4;
            out[at++] = HEX[(int) (word >>> shift) & 0xf];
        }
    }

    /**
     * Writes the complete {@code Set-Cookie} lines for a response served by {@code served} into
     * {@code scratch}; returns their length. They follow the mode of the newest cluster in
     * {@code inForce}, the snapshot when the response head arrived, not the one the request was
     * routed by: once L is rolled back (or deleted) while the
     * request was on its way, its response gets no SESSION expiry and no GRADUAL transition
     * cookie, as in the thesis's §6.2. A rollback that is still being published when the response
     * head arrives is not seen; the data path does not wait for the writer.
     */
    public int writeCookies(RouteDecision decision, ClusterSnapshot inForce, Cluster served, byte[] scratch) {
        int n = put(scratch, 0, SET_COOKIE_DYNSOFTUP);
        n = put(scratch, n, served.uuidBytes());
        n = put(scratch, n, PATH_ROOT);
        Cluster newest = inForce.newest();
        TransitionMode mode = newest == null ? TransitionMode.INSTANT : newest.mode();
        if (mode == TransitionMode.SESSION) {
            // Sliding session: every response renews it with the newest version's timeout.
            long timeout = newest.sessionTimeoutSeconds();
            n = put(scratch, n, MAX_AGE);
            n = putLong(scratch, n, timeout);
            n = put(scratch, n, EXPIRES);
            n = put(scratch, n, expires.format(clock.millis() / 1000 + timeout));
        }
        n = put(scratch, n, CRLF);
        if (decision.transitionLength > 0 && mode == TransitionMode.GRADUAL) {
            n = put(scratch, n, SET_COOKIE_TRANSITION);
            System.arraycopy(decision.transition, 0, scratch, n, decision.transitionLength);
            n += decision.transitionLength;
            n = put(scratch, n, PATH_ROOT);
            n = put(scratch, n, TRANSITION_MAX_AGE);
            n = put(scratch, n, CRLF);
        }
        return n;
    }

    /** Room {@link #writeCookies} needs. */
    public static int cookieScratchSize() {
        return 512;
    }

    private static int put(byte[] dst, int at, byte[] src) {
        System.arraycopy(src, 0, dst, at, src.length);
        return at + src.length;
    }

    private static int putLong(byte[] dst, int at, long value) {
        if (value == 0) {
            dst[at] = '0';
            return at + 1;
        }
        int digits = 0;
        for (long v = value; v > 0; v /= 10) {
            digits++;
        }
        for (int i = at + digits - 1; i >= at; i--) {
            dst[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + digits;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
