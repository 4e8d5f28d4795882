package io.turnout.admin.config;

/**
 * The config file's {@code dockerHost} block (SPEC §1, §6): a unix socket, or TCP to
 * {@code ip:port}, or neither (then {@code DOCKER_HOST}, then the default socket, as
 * {@code DockerEndpoint.resolve} decides), and whether to stop Turnout's containers on exit.
 *
 * @param socket               the unix socket path, or {@code null}
 * @param ip                   the TCP host, or {@code null}
 * @param port                 the TCP port (2375 unless given); 0 with a socket
 * @param stopContainersOnExit SPEC §6: stop and remove the proxy's containers when it exits
 */
public record DockerHostSpec(String socket, String ip, int port, boolean stopContainersOnExit) {
    public static final int DEFAULT_TCP_PORT = 2375;
}
