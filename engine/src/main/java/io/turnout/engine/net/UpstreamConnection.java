package io.turnout.engine.net;

import io.turnout.engine.route.Server;
import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One connection to an upstream server. While leased it belongs to one {@link UpstreamOwner} and
 * forwards its readiness there; while idle it sits in the {@link UpstreamPool}, watched for a
 * close by the server. Its state changes only through the methods here.
 */
final class UpstreamConnection extends Timed implements IoHandler {
    private enum State { CONNECTING, LEASED, IDLE, CLOSED }

    final Server server;
    final SocketChannel channel;
    private final SelectorLoop loop;
    private SelectionKey key;
    private State state = State.CONNECTING;
    private UpstreamOwner owner;
    private int interest = -1;
    /** It has carried a request before, so the server may have closed it meanwhile. */
    private boolean reused;
    /** When it was last put back in the pool, as {@code System.nanoTime()}. */
    private long idleSince;

    private UpstreamConnection(SelectorLoop loop, Server server, SocketChannel channel, UpstreamOwner owner) {
        this.loop = loop;
        this.server = server;
        this.channel = channel;
        this.owner = owner;
    }

    /**
     * Opens a non-blocking connection for {@code owner}; {@link #isConnecting} until the owner
     * hears {@code OP_CONNECT} through {@link UpstreamOwner#onUpstreamReady}.
     */
    static UpstreamConnection open(SelectorLoop loop, Server server, UpstreamOwner owner) throws IOException {
        SocketChannel channel = SocketChannel.open();
        UpstreamConnection upstream = new UpstreamConnection(loop, server, channel, owner);
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            upstream.key = channel.register(loop.selector(), 0, upstream);
            loop.track(upstream);
            loop.context().openUpstreams().incrementAndGet();
            if (channel.connect(server.address())) {
                upstream.state = State.LEASED;
            } else {
                upstream.deadlineIn(loop.context().settings().connectTimeout().toNanos());
                upstream.interest(SelectionKey.OP_CONNECT);
            }
            return upstream;
        } catch (IOException | RuntimeException e) {
            upstream.close();
            throw e;
        }
    }

    boolean isConnecting() {
        return state == State.CONNECTING;
    }

    boolean isLeased() {
        return state == State.LEASED;
    }

    /** Taken out of the pool by {@code newOwner}. */
    void leaseTo(UpstreamOwner newOwner) {
        state = State.LEASED;
        owner = newOwner;
        reused = true;
        clearDeadline();
    }

    /** Put back in the pool: watched for the server's close until {@code idleNanos} pass. */
    void parkIdle(long idleNanos) {
        state = State.IDLE;
        owner = null;
        interest(SelectionKey.OP_READ);
        idleSince = System.nanoTime();
        deadlineAt(idleSince + idleNanos);
    }

    boolean isReused() {
        return reused;
    }

    /** How long it has sat in the pool. */
    long idleNanos(long now) {
        return now - idleSince;
    }

    /**
     * Sends the ACK the kernel is holding back now (TCP_QUICKACK, which the kernel clears by
     * itself, so it is set again after each read that leaves a response incomplete). A server
     * with Nagle on that wrote its head alone waits for that ACK before it sends the rest.
     */
    void acknowledgeNow() {
        if (QUICK_ACK) {
            try {
                channel.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
            } catch (IOException | UnsupportedOperationException e) {
                // the platform lost the option: ACKs are merely delayed
            }
        }
    }

    private static final boolean QUICK_ACK = quickAckSupported();

    private static boolean quickAckSupported() {
        try (SocketChannel probe = SocketChannel.open()) {
            return probe.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
        } catch (IOException e) {
            return false;
        }
    }

    /** A leased connection changes hands (a CONCURRENT answer promoted, a tunnel opened). */
    void handTo(UpstreamOwner newOwner) {
        owner = newOwner;
    }

    /** What the owner waits for; while connecting, that can only be the connect. */
    void await(boolean write, boolean read) {
        if (state == State.CONNECTING) {
            interest(SelectionKey.OP_CONNECT);
        } else if (state == State.LEASED) {
            interest((write ? SelectionKey.OP_WRITE : 0) | (read ? SelectionKey.OP_READ : 0));
        }
    }

    void interest(int ops) {
        if (ops != interest && key.isValid()) {
            key.interestOps(ops);
            interest = ops;
        }
    }

    @Override
    public void onReady(SelectionKey readyKey) {
        if (!readyKey.isValid()) {
            return;
        }
        if (state == State.IDLE) {
            // An idle connection that becomes readable was closed (or spoke out of turn): drop it.
            loop.upstreams().discard(this);
            return;
        }
        if (owner == null) {
            return;
        }
        if (state == State.CONNECTING) {
            try {
                if (!channel.finishConnect()) {
                    return;
                }
            } catch (IOException e) {
                owner.onUpstreamConnectFailed(this, e);
                return;
            }
            state = State.LEASED;
        }
        owner.onUpstreamReady(this, readyKey.readyOps());
    }

    @Override
    void onTimeout(long now) {
        if (state == State.IDLE) {
            loop.upstreams().discard(this);
        } else if (owner != null) {
            owner.onUpstreamTimeout(this);
        }
    }

    @Override
    public void closeAfterError() {
        UpstreamOwner abandoned = owner;
        close();
        if (abandoned != null) {
            abandoned.closeAfterError(this);
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
