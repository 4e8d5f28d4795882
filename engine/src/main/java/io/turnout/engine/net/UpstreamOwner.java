package io.turnout.engine.net;

/** Who a leased upstream connection reports to: a client's exchange, or a CONCURRENT shadow. */
interface UpstreamOwner {
    void onUpstreamReady(UpstreamConnection from, int readyOps);

    void onUpstreamTimeout(UpstreamConnection from);
}
