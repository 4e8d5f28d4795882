package io.turnout.engine.net;

import io.turnout.engine.route.Server;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One connection to an upstream server. While leased it belongs to one {@link ClientConnection}
 * and forwards its readiness there; while idle it sits in the {@link UpstreamPool}, watched for a
 * close by the server.
 */
final class UpstreamConnection extends Timed implements IoHandler {
    enum State { CONNECTING, LEASED, IDLE, CLOSED }

    final Server server;
    final SocketChannel channel;
    private final SelectorLoop loop;
    SelectionKey key;
    State state = State.CONNECTING;
    UpstreamOwner owner;
    /** Whether this connection has carried a request before (a reused connection may be stale). */
    boolean reused;
    private int interest = -1;

    UpstreamConnection(SelectorLoop loop, Server server, SocketChannel channel) {
        this.loop = loop;
        this.server = server;
        this.channel = channel;
    }

    /** Opens a non-blocking connection; the owner hears of completion through OP_CONNECT. */
    static UpstreamConnection open(SelectorLoop loop, Server server, UpstreamOwner owner) throws IOException {
        SocketChannel channel = SocketChannel.open();
        UpstreamConnection upstream = new UpstreamConnection(loop, server, channel);
        upstream.owner = owner;
        try {
            channel.configureBlocking(false);
            channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            upstream.key = channel.register(loop.selector(), 0, upstream);
            loop.track(upstream);
            loop.context().openUpstreams().incrementAndGet();
            if (channel.connect(server.address())) {
                upstream.state = State.LEASED;
            } else {
                upstream.interest(SelectionKey.OP_CONNECT);
            }
            return upstream;
        } catch (IOException | RuntimeException e) {
            upstream.close();
            throw e;
        }
    }

    void interest(int ops) {
        if (ops != interest && key.isValid()) {
            key.interestOps(ops);
            interest = ops;
        }
    }

    @Override
    public void onReady(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (state == State.IDLE) {
            // An idle connection that becomes readable was closed (or spoke out of turn): drop it.
            loop.upstreams().discard(this);
            return;
        }
        if (owner != null) {
            owner.onUpstreamReady(this, key.readyOps());
        }
    }

    @Override
    void onTimeout(long now) {
        if (state == State.IDLE) {
            loop.upstreams().discard(this);
        } else if (owner != null) {
            owner.onUpstreamTimeout(this);
        }
    }

    void close() {
        if (state == State.CLOSED) {
            return;
        }
        boolean counted = sweepIndex >= 0;
        state = State.CLOSED;
        owner = null;
        loop.untrack(this);
        if (counted) {
            loop.context().openUpstreams().decrementAndGet();
        }
        if (key != null) {
            key.cancel();
        }
        SelectorLoop.closeQuietly(channel);
    }

    @Override
    public String toString() {
        return "upstream " + server;
    }
}
