package io.turnout.admin.docker;

/**
 * A container that accepts TCP on {@code host:port}, the address Turnout proxies to.
 *
 * @param id      Docker's full container id (what a state file records)
 * @param name    the container's name, without Docker's leading {@code /}
 * @param image   the image reference it runs
 * @param host    always loopback: a published 127.0.0.1 port, or the host network
 * @param adopted true when it was already running and reused by
 *                {@link ContainerLauncher#adopt}, false when this call created it
 */
public record LaunchedContainer(String id, String name, String image, String host, int port, boolean adopted) {
}
