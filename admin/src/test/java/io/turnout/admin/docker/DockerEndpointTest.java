package io.turnout.admin.docker;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DockerEndpointTest {
    @Test
    void configSocketWinsOverTheEnvironment() {
        assertEquals(DockerEndpoint.unixSocket(Path.of("/x.sock")),
                DockerEndpoint.resolve("/x.sock", null, null, Map.of("DOCKER_HOST", "tcp://h:1")));
    }

    @Test
    void configIpAndPortGiveTcp() {
        assertEquals(DockerEndpoint.tcp("10.0.0.5", 2375), DockerEndpoint.resolve(null, "10.0.0.5", 2375, Map.of()));
    }

    @Test
    void dockerHostEnvironmentIsUsedWhenTheConfigSaysNothing() {
        assertEquals(DockerEndpoint.unixSocket(Path.of("/tmp/d/docker.sock")),
                DockerEndpoint.resolve(null, null, null, Map.of("DOCKER_HOST", "unix:///tmp/d/docker.sock")));
        assertEquals(DockerEndpoint.tcp("127.0.0.1", 2376),
                DockerEndpoint.resolve(null, null, null, Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376")));
        assertEquals(DockerEndpoint.tcp("docker", 2375),
                DockerEndpoint.resolve(null, null, null, Map.of("DOCKER_HOST", "tcp://docker")));
    }

    @Test
    void defaultSocketWhenNothingIsSet() {
        assertEquals(DockerEndpoint.unixSocket(Path.of("/var/run/docker.sock")),
                DockerEndpoint.resolve(null, null, null, Map.of()));
    }

    @Test
    void unsupportedDockerHostSchemeIsRefusedWithAHint() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DockerEndpoint.parseDockerHost("ssh://me@host"));
        assertEquals("DOCKER_HOST ssh://me@host is not supported; use unix:///path/to/docker.sock or "
                + "tcp://host:port (no TLS)", e.getMessage());
    }
}
