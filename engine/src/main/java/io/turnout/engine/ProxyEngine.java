package io.turnout.engine;

import io.turnout.engine.route.SnapshotWriter;

import java.io.IOException;

/**
 * The running proxy: its listening socket and selector threads. Routing reads the writer's
 * snapshot; everything else about the clusters is the writer's business.
 */
public final class ProxyEngine implements AutoCloseable {
    private final ProxySettings settings;
    private final SnapshotWriter writer;

    public ProxyEngine(ProxySettings settings, SnapshotWriter writer) {
        this.settings = settings;
        this.writer = writer;
    }

    /** Binds and starts the selector threads. */
    public void start() throws IOException {
        throw new UnsupportedOperationException("engine under construction");
    }

    /** The bound port (useful when the settings asked for port 0). */
    public int port() {
        throw new UnsupportedOperationException("engine under construction");
    }

    /**
     * Stops accepting, lets in-flight exchanges finish within the drain timeout, then closes
     * everything. Returns when done.
     */
    public void shutdownGracefully() {
        throw new UnsupportedOperationException("engine under construction");
    }

    @Override
    public void close() {
        shutdownGracefully();
    }

    public ProxySettings settings() {
        return settings;
    }

    public SnapshotWriter writer() {
        return writer;
    }
}
