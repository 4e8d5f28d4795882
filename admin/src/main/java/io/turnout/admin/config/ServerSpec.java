package io.turnout.admin.config;

import io.turnout.engine.route.Server;

import java.util.Objects;

/** One {@code servers[i]} entry of a cluster: {@code hostname} (or {@code ip}) and {@code port}. */
public record ServerSpec(String hostname, int port) {
    public ServerSpec {
        Objects.requireNonNull(hostname, "hostname");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, was " + port);
        }
    }

    /** A new engine server; its identity is new, so call this once per cluster added. */
    public Server toServer() {
        return new Server(hostname, port);
    }

    @Override
    public String toString() {
        return hostname + ":" + port;
    }
}
