package io.turnout.admin.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One {@code containers[i]} entry of a cluster (SPEC §6): the proxy creates and starts the
 * container, waits until {@code portToProxy} accepts connections (bounded by
 * {@code readyTimeout}) and routes to it.
 *
 * @param image        image name without tag, for example {@code wordpress} or {@code localhost:5000/app}
 * @param tag          image tag; {@code latest} when the JSON gives none
 * @param portToProxy  the container port the application listens on
 * @param environment  {@code NAME=value} strings
 * @param cmd          the command, or empty for the image's default
 * @param name         the container name, or {@code null} to let Docker choose
 * @param networkMode  {@link #HOST} or {@link #DEFAULT}
 * @param readyTimeout how long to wait for {@code portToProxy} to accept connections
 * @param id           the Docker id of the container running this entry once it has started, else
 *                     {@code null}; read-only in the API, recorded in the state file so that a
 *                     restart adopts the running container instead of starting another (SPEC §6)
 */
public record ContainerSpec(String image, String tag, int portToProxy, List<String> environment, List<String> cmd,
        String name, String networkMode, Duration readyTimeout, String id) {
    public static final String DEFAULT_TAG = "latest";
    public static final String HOST = "host";
    public static final String DEFAULT = "default";
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(60);

    public ContainerSpec {
        Objects.requireNonNull(image, "image");
        tag = tag == null ? DEFAULT_TAG : tag;
        if (portToProxy < 1 || portToProxy > 65535) {
            throw new IllegalArgumentException("portToProxy must be 1-65535, was " + portToProxy);
        }
        environment = environment == null ? List.of() : List.copyOf(environment);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        networkMode = networkMode == null ? DEFAULT : networkMode;
        if (!networkMode.equals(HOST) && !networkMode.equals(DEFAULT)) {
            throw new IllegalArgumentException("networkMode must be host or default, was " + networkMode);
        }
        readyTimeout = readyTimeout == null ? DEFAULT_READY_TIMEOUT : readyTimeout;
    }

    /** An entry as a user gives it: not started yet, so without a container id. */
    public ContainerSpec(String image, String tag, int portToProxy, List<String> environment, List<String> cmd,
            String name, String networkMode, Duration readyTimeout) {
        this(image, tag, portToProxy, environment, cmd, name, networkMode, readyTimeout, null);
    }

    /** The same entry, run by the container {@code containerId}. */
    public ContainerSpec withId(String containerId) {
        return new ContainerSpec(image, tag, portToProxy, environment, cmd, name, networkMode, readyTimeout, containerId);
    }

    /** {@code image:tag}, as Docker's create and pull calls take it. */
    public String imageReference() {
        return image + ":" + tag;
    }

    /** {@code "networkMode": "host"}: the backend is the container's own port on loopback. */
    public boolean hostNetwork() {
        return HOST.equals(networkMode);
    }
}
