package io.turnout.admin.config;

import java.net.URI;

/**
 * Where the Docker Engine API is (SPEC §1 {@code dockerHost}, SPEC §6): a unix socket, or TCP
 * to {@code ip:port}. Exactly one of {@code socket} and {@code ip} is set once
 * {@link #resolve resolved}.
 *
 * @param socket               the unix socket path, or {@code null}
 * @param ip                   the TCP host, or {@code null}
 * @param port                 the TCP port (2375 unless given); 0 with a socket
 * @param stopContainersOnExit SPEC §6: stop and remove the proxy's containers when it exits
 */
public record DockerHostSpec(String socket, String ip, int port, boolean stopContainersOnExit) {
    public static final String DEFAULT_SOCKET = "/var/run/docker.sock";
    public static final int DEFAULT_TCP_PORT = 2375;

    public boolean isUnixSocket() {
        return socket != null;
    }

    /**
     * SPEC §1: the config's {@code dockerHost} when it names a socket or an ip; else the
     * {@code DOCKER_HOST} environment variable ({@code unix:///path} or {@code tcp://host:port});
     * else {@value #DEFAULT_SOCKET}.
     *
     * @param configured  the config's block, or {@code null} when absent
     * @param dockerHostEnv the value of {@code DOCKER_HOST}, or {@code null}
     * @throws InvalidConfigException when {@code DOCKER_HOST} cannot be used
     */
    public static DockerHostSpec resolve(DockerHostSpec configured, String dockerHostEnv) {
        boolean stop = configured != null && configured.stopContainersOnExit();
        if (configured != null && (configured.socket() != null || configured.ip() != null)) {
            return configured;
        }
        if (dockerHostEnv != null && !dockerHostEnv.isBlank()) {
            String env = dockerHostEnv.trim();
            if (env.startsWith("unix://")) {
                return new DockerHostSpec(env.substring("unix://".length()), null, 0, stop);
            }
            if (env.startsWith("tcp://")) {
                try {
                    URI uri = new URI(env);
                    if (uri.getHost() != null) {
                        return new DockerHostSpec(null, uri.getHost(), uri.getPort() > 0 ? uri.getPort() : DEFAULT_TCP_PORT,
                                stop);
                    }
                } catch (java.net.URISyntaxException e) {
                    // reported below
                }
            }
            throw new InvalidConfigException("DOCKER_HOST", "must be unix:///path or tcp://host:port, was "
                    + Shown.value(env) + "; or set dockerHost in the config file");
        }
        return new DockerHostSpec(DEFAULT_SOCKET, null, 0, stop);
    }
}
