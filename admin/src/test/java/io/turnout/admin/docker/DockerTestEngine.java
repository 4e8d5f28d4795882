package io.turnout.admin.docker;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real dockerd the Docker tests run against, started by {@code scripts/docker-test-env start}
 * and found through {@code DOCKER_HOST}. Gated on {@code TURNOUT_DOCKER_TESTS=1}: without it the
 * tests are skipped with a message; with it they must run, so an unreachable engine fails.
 */
final class DockerTestEngine {
    static final String SKIP_MESSAGE = "Docker tests skipped: set TURNOUT_DOCKER_TESTS=1 and start a dockerd with "
            + "scripts/docker-test-env start";
    /** Built by scripts/docker-test-env: busybox httpd on $PORT (default 8080) serving "turnout-test-app V". */
    static final String TEST_IMAGE = "turnout-test-app";

    private static volatile boolean skipAnnounced;

    private DockerTestEngine() {
    }

    /** Skips without the variable; with it, fails unless Docker answers and the test images exist. */
    static DockerClient require() {
        boolean enabled = "1".equals(System.getenv("TURNOUT_DOCKER_TESTS"));
        if (!enabled && !skipAnnounced) {
            skipAnnounced = true;
            System.err.println(SKIP_MESSAGE); // once, so the build log says why tests were skipped
        }
        assumeTrue(enabled, SKIP_MESSAGE);
        DockerEndpoint endpoint;
        try {
            endpoint = DockerEndpoint.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            return fail("TURNOUT_DOCKER_TESTS=1 but " + e.getMessage());
        }
        DockerClient docker = new DockerClient(endpoint);
        try {
            docker.ping();
            for (String tag : List.of("1.0", "2.0")) {
                if (!docker.imageExists(TEST_IMAGE + ":" + tag)) {
                    fail("TURNOUT_DOCKER_TESTS=1 but image " + TEST_IMAGE + ":" + tag + " is missing from Docker at "
                            + endpoint + "; scripts/docker-test-env start builds it");
                }
            }
        } catch (DockerException e) {
            fail("TURNOUT_DOCKER_TESTS=1 but Docker is not usable: " + e.getMessage()
                    + "; run scripts/docker-test-env start and export the DOCKER_HOST it prints", e);
        }
        return docker;
    }

    /** A host-network request for the test image, listening on {@code port}. */
    static ContainerRequest testApp(String version, int port) {
        return new ContainerRequest(TEST_IMAGE, version, port, List.of("PORT=" + port), List.of(), null, true, null);
    }

    /** Force-removes whatever carries this cluster's labels, so one failing test cannot leak into others. */
    static void removeCluster(DockerClient docker, String clusterUuid) throws DockerException {
        for (ContainerSummary c : docker.listContainers(ContainerLauncher.labelsOf(clusterUuid))) {
            docker.removeContainer(c.id());
        }
    }
}
