package io.turnout.engine.net;

/** Who a leased upstream connection reports to: a client's exchange, a CONCURRENT shadow, or a tunnel. */
interface UpstreamOwner {
    void onUpstreamReady(UpstreamConnection from, int readyOps);

    void onUpstreamTimeout(UpstreamConnection from);

    /** Handling {@code from}'s readiness threw and it was closed; the owner cannot go on either. */
    void closeAfterError(UpstreamConnection from);
}
