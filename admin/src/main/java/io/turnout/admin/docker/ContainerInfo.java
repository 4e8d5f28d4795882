package io.turnout.admin.docker;

import java.util.List;
import java.util.Map;

/**
 * What {@code GET /containers/{id}/json} says, reduced to what Turnout reads.
 *
 * @param name         without Docker's leading {@code /}
 * @param status       {@code created}, {@code running}, {@code exited}, ...
 * @param exitCode     meaningful once the container has stopped
 * @param error        Docker's {@code State.Error}, empty when none
 * @param networkMode  {@code HostConfig.NetworkMode}
 * @param ports        {@code NetworkSettings.Ports}: {@code "8080/tcp"} to its host bindings
 */
public record ContainerInfo(String id, String name, String image, boolean running, String status, int exitCode,
                            String error, Map<String, String> labels, String networkMode,
                            Map<String, List<HostBinding>> ports) {

    /** A published port: {@code HostIp} and {@code HostPort}. */
    public record HostBinding(String hostIp, int hostPort) {
    }

    /** The host port Docker published for {@code containerPort/tcp}, or -1 when none. */
    public int publishedPort(int containerPort) {
        List<HostBinding> bindings = ports.get(containerPort + "/tcp");
        if (bindings == null) {
            return -1;
        }
        for (HostBinding b : bindings) {
            if (b.hostPort() > 0) {
                return b.hostPort();
            }
        }
        return -1;
    }
}
