package io.turnout.engine.route;

import io.turnout.engine.counters.ServerHealth;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream {@code host:port}. Its identity is stable across snapshots, so the per-selector
 * upstream pools and the health counters can key on it; a new snapshot carries the same object.
 */
public final class Server {
    private static final AtomicInteger IDS = new AtomicInteger();

    private final String hostname;
    private final int port;
    private final int id = IDS.incrementAndGet();
    private final InetSocketAddress address;
    private final String label;
    private final ServerHealth health = new ServerHealth();

    public Server(String hostname, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, was " + port);
        }
        this.hostname = hostname;
        this.port = port;
        // Resolved once, off the data path: the admin or config thread builds servers.
        this.address = new InetSocketAddress(hostname, port);
        this.label = hostname + ":" + port;
    }

    public String hostname() {
        return hostname;
    }

    public int port() {
        return port;
    }

    /** Process-unique, never reused. */
    public int id() {
        return id;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Failure counts; shared by every snapshot that holds this server. */
    public ServerHealth health() {
        return health;
    }

    @Override
    public String toString() {
        return label;
    }
}
