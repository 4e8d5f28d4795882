package io.turnout.admin.docker;

import java.time.Duration;
import java.util.List;

/**
 * One container a cluster asks for (SPEC §1 {@code containers[i]}). The config's
 * {@code ContainerSpec} maps onto this one to one.
 *
 * @param image        e.g. {@code wordpress}; may carry its own {@code :tag} or {@code @digest}
 *                     when {@code tag} is null
 * @param tag          e.g. {@code 3.9.2}; null or empty means the image's own tag, else {@code latest}
 * @param portToProxy  the port the application listens on inside the container
 * @param environment  {@code K=V} entries
 * @param cmd          overrides the image's command when not empty
 * @param name         the container's name, or null to let Docker choose one
 * @param hostNetwork  {@code "networkMode": "host"}: the container shares the host's network and
 *                     Turnout proxies to {@code 127.0.0.1:portToProxy}; otherwise Docker
 *                     publishes {@code portToProxy} on a free {@code 127.0.0.1} port
 * @param readyTimeout how long {@code portToProxy} may take to accept TCP (default 60 s)
 */
public record ContainerRequest(String image, String tag, int portToProxy, List<String> environment, List<String> cmd,
                               String name, boolean hostNetwork, Duration readyTimeout) {
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(60);

    public ContainerRequest {
        if (image == null || image.isBlank()) {
            throw new IllegalArgumentException("containers[].image is required");
        }
        if (portToProxy < 1 || portToProxy > 65535) {
            throw new IllegalArgumentException("containers[].portToProxy must be 1-65535, was " + portToProxy);
        }
        environment = environment == null ? List.of() : List.copyOf(environment);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        readyTimeout = readyTimeout == null ? DEFAULT_READY_TIMEOUT : readyTimeout;
        if (readyTimeout.isNegative() || readyTimeout.isZero()) {
            throw new IllegalArgumentException("containers[].readyTimeout must be > 0, was " + readyTimeout);
        }
    }

    /** A request with the defaults: no env, the image's command, a Docker-chosen name, published port. */
    public static ContainerRequest of(String image, String tag, int portToProxy) {
        return new ContainerRequest(image, tag, portToProxy, List.of(), List.of(), null, false, null);
    }

    /** The image name without a tag, for {@code fromImage}. */
    String repository() {
        return tag != null && !tag.isEmpty() ? image : splitReference()[0];
    }

    /** The tag to pull; {@code latest} when none is given anywhere. Empty for a digest reference. */
    String pullTag() {
        return tag != null && !tag.isEmpty() ? tag : splitReference()[1];
    }

    /** {@code image:tag} (or {@code image@digest}) as Docker names the image. */
    public String reference() {
        String[] parts = {repository(), pullTag()};
        if (parts[1].isEmpty()) {
            return image; // a digest reference is already complete
        }
        return parts[0] + ":" + parts[1];
    }

    /** {repository, tag}: a colon after the last slash is a tag; a port in a registry host is not. */
    private String[] splitReference() {
        if (image.contains("@")) {
            return new String[] {image, ""};
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon > slash) {
            return new String[] {image.substring(0, colon), image.substring(colon + 1)};
        }
        return new String[] {image, "latest"};
    }
}
