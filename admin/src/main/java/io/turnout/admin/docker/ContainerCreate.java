package io.turnout.admin.docker;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /containers/create}, reduced to what Turnout sets.
 *
 * @param name          container name, or null to let Docker choose
 * @param image         image reference with its tag, e.g. {@code turnout-test-app:1.0}
 * @param env           {@code K=V} entries
 * @param cmd           the command, or empty for the image's default
 * @param labels        container labels
 * @param port          the container port to expose, {@code port/tcp}
 * @param hostNetwork   {@code NetworkMode: host}; otherwise {@code port} is published on
 *                      {@code publishHostIp} with a host port that Docker chooses
 * @param publishHostIp the host address of the published port, e.g. 127.0.0.1
 */
public record ContainerCreate(String name, String image, List<String> env, List<String> cmd,
                              Map<String, String> labels, int port, boolean hostNetwork, String publishHostIp) {
    public ContainerCreate {
        env = List.copyOf(env);
        cmd = List.copyOf(cmd);
        labels = Map.copyOf(labels);
    }
}
