package io.turnout.engine.net;

import io.turnout.engine.route.Server;

import java.io.IOException;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections of one selector thread, per server. Bounded per server; the oldest
 * idle connection is closed when a newer one would exceed the bound, and idle connections close
 * after the idle timeout.
 */
final class UpstreamPool {
    private static final int MAX_IDLE_PER_SERVER = 256;

    private final SelectorLoop loop;
    // Keyed by Server identity (Server keeps Object's hashCode), so a lookup allocates nothing.
    private final Map<Server, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();

    UpstreamPool(SelectorLoop loop) {
        this.loop = loop;
    }

    /**
     * An idle connection to {@code server} that has been idle for less than {@code maxIdleNanos},
     * most recently used first, or {@code null}. Older ones stay for requests that may use them.
     */
    UpstreamConnection lease(Server server, UpstreamOwner owner, long maxIdleNanos) {
        ArrayDeque<UpstreamConnection> connections = idle.get(server);
        if (connections == null) {
            return null;
        }
        // A safe request takes any idle connection: only an unsafe one needs the clock.
        long now = maxIdleNanos == Long.MAX_VALUE ? 0 : System.nanoTime();
        UpstreamConnection upstream;
        while ((upstream = connections.peekLast()) != null) {
            if (!upstream.channel.isOpen()) {
                connections.pollLast().close();
            } else if (now != 0 && upstream.idleNanos(now) >= maxIdleNanos) {
                return null; // the most recent is too old, so every other one is too
            } else {
                connections.pollLast().leaseTo(owner);
                return upstream;
            }
        }
        return null;
    }

    /**
     * An idle connection to {@code server} idle for less than {@code maxIdleNanos} when there is
     * one, else a new one (which may still be connecting).
     */
    UpstreamConnection leaseOrOpen(Server server, UpstreamOwner owner, long maxIdleNanos) throws IOException {
        UpstreamConnection pooled = lease(server, owner, maxIdleNanos);
        return pooled != null ? pooled : UpstreamConnection.open(loop, server, owner);
    }

    /** Takes back a connection that finished an exchange cleanly. */
    void giveBack(UpstreamConnection upstream) {
        ArrayDeque<UpstreamConnection> connections = idle.computeIfAbsent(upstream.server, s -> new ArrayDeque<>());
        if (connections.size() >= MAX_IDLE_PER_SERVER) {
            connections.pollFirst().close();
        }
        upstream.parkIdle(loop.context().settings().idleTimeout().toNanos());
        connections.addLast(upstream);
    }

    void discard(UpstreamConnection upstream) {
        ArrayDeque<UpstreamConnection> connections = idle.get(upstream.server);
        if (connections != null) {
            connections.remove(upstream);
        }
        upstream.close();
    }

    void closeAll() {
        for (ArrayDeque<UpstreamConnection> connections : idle.values()) {
            for (UpstreamConnection upstream : connections) {
                upstream.close();
            }
        }
        idle.clear();
    }
}
