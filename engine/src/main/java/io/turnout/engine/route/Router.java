package io.turnout.engine.route;

import io.turnout.engine.http.RequestHead;

import java.nio.charset.StandardCharsets;

/**
 * Decides per request which cluster serves it (SPEC §2), from the newest cluster's mode, and
 * writes the cookies that keep the client's choice. Reads only the immutable snapshot and the
 * request's cookies; allocates nothing.
 */
public final class Router {
    private static final byte[] SET_COOKIE_DYNSOFTUP = ascii("Set-Cookie: dynsoftup=");
    private static final byte[] PATH_ROOT_CRLF = ascii("; Path=/\r\n");

    /** Routes {@code request} over {@code snapshot}; returns false when there are no clusters. */
    public boolean route(ClusterSnapshot snapshot, RequestHead request, RouteDecision out) {
        Cluster newest = snapshot.newest();
        if (newest == null) {
            return false;
        }
        // INSTANT: always the newest; the previous version only as the fallback of SPEC §3.
        out.set(newest, newest, snapshot.previous());
        return true;
    }

    /**
     * Writes the complete {@code Set-Cookie} lines for a response served by {@code served} into
     * {@code scratch}; returns their length.
     */
    public int writeCookies(RouteDecision decision, Cluster served, byte[] scratch) {
        int n = put(scratch, 0, SET_COOKIE_DYNSOFTUP);
        n = put(scratch, n, served.uuidBytes());
        return put(scratch, n, PATH_ROOT_CRLF);
    }

    /** Room {@link #writeCookies} needs. */
    public static int cookieScratchSize() {
        return 512;
    }

    private static int put(byte[] dst, int at, byte[] src) {
        System.arraycopy(src, 0, dst, at, src.length);
        return at + src.length;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
