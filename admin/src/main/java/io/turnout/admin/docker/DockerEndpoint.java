package io.turnout.admin.docker;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the Docker Engine API listens: a unix socket or a plain TCP address. SPEC §1: the
 * config's {@code dockerHost} wins ({@code socket}, or {@code ip} + {@code port}); without it,
 * {@code DOCKER_HOST}; without that, {@code /var/run/docker.sock}.
 */
public record DockerEndpoint(Path socket, String host, int port) {
    public static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");

    public DockerEndpoint {
        if ((socket == null) == (host == null)) {
            throw new IllegalArgumentException("dockerHost needs either a socket path or an ip and port");
        }
        if (host != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("dockerHost.port must be 1-65535, was " + port);
        }
    }

    public static DockerEndpoint unixSocket(Path socket) {
        return new DockerEndpoint(socket, null, 0);
    }

    public static DockerEndpoint tcp(String host, int port) {
        return new DockerEndpoint(null, host, port);
    }

    /**
     * The endpoint from a {@code dockerHost}-like input, any part of which may be null: a socket
     * path, else ip + port, else the environment.
     */
    public static DockerEndpoint resolve(String socket, String ip, Integer port, Map<String, String> env) {
        if (socket != null && !socket.isEmpty()) {
            return unixSocket(Path.of(socket));
        }
        if (ip != null && !ip.isEmpty()) {
            return tcp(ip, port == null ? 2375 : port);
        }
        return fromEnvironment(env);
    }

    /** {@code DOCKER_HOST} when set and not empty, else {@link #DEFAULT_SOCKET}. */
    public static DockerEndpoint fromEnvironment(Map<String, String> env) {
        String dockerHost = env.get("DOCKER_HOST");
        if (dockerHost == null || dockerHost.isBlank()) {
            return unixSocket(DEFAULT_SOCKET);
        }
        return parseDockerHost(dockerHost.trim());
    }

    /** {@code unix:///path} or {@code tcp://host:port}, as the Docker CLI accepts them. */
    public static DockerEndpoint parseDockerHost(String value) {
        if (value.startsWith("unix://")) {
            String path = value.substring("unix://".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("DOCKER_HOST " + value + " names no socket path");
            }
            return unixSocket(Path.of(path));
        }
        if (value.startsWith("tcp://")) {
            URI uri = URI.create("tcp://" + value.substring("tcp://".length()));
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("DOCKER_HOST " + value + " names no host");
            }
            return tcp(uri.getHost(), uri.getPort() == -1 ? 2375 : uri.getPort());
        }
        // ssh:// and TLS (tcp + DOCKER_TLS_VERIFY, port 2376) need a transport we do not have.
        throw new IllegalArgumentException("DOCKER_HOST " + value
                + " is not supported; use unix:///path/to/docker.sock or tcp://host:port (no TLS)");
    }

    SocketChannel openChannel() throws IOException {
        return socket != null ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
    }

    SocketAddress address() {
        return socket != null ? UnixDomainSocketAddress.of(socket) : new InetSocketAddress(host, port);
    }

    /** The {@code Host} header value. Docker (Go net/http) rejects HTTP/1.1 requests without one. */
    String hostHeader() {
        if (socket != null) {
            return "docker";
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return socket != null ? "unix://" + socket : "tcp://" + hostHeader();
    }
}
