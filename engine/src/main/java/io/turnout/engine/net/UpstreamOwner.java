package io.turnout.engine.net;

import java.io.IOException;

/** Who a leased upstream connection reports to: a client's exchange, a CONCURRENT shadow, or a tunnel. */
interface UpstreamOwner {
    /** {@code from} is ready; {@code OP_CONNECT} in {@code readyOps} means it has just connected. */
    void onUpstreamReady(UpstreamConnection from, int readyOps);

    /** Connecting {@code from} failed (refused, unreachable); it is still to be closed. */
    void onUpstreamConnectFailed(UpstreamConnection from, IOException failure);

    void onUpstreamTimeout(UpstreamConnection from);

    /** Handling {@code from}'s readiness threw and it was closed; the owner cannot go on either. */
    void closeAfterError(UpstreamConnection from);
}
