package io.turnout.admin.docker;

import io.turnout.admin.api.AdminFixture;
import io.turnout.admin.config.ContainerSpec;
import io.turnout.admin.config.DockerHostSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link DockerProvisioner} without a Docker engine: where it looks, and what a PUT gets when nothing is there. */
class DockerProvisionerTest {
    @TempDir
    Path dir;

    @Test
    void dockerIsLookedForInTheConfigThenDockerHostThenTheDefaultSocket() {
        Map<String, String> env = Map.of("DOCKER_HOST", "tcp://docker:2376");
        assertEquals(DockerEndpoint.unixSocket(Path.of("/x.sock")),
                DockerProvisioner.forHost(new DockerHostSpec("/x.sock", null, 0, false), env).endpoint());
        assertEquals(DockerEndpoint.tcp("10.0.0.2", 2375),
                DockerProvisioner.forHost(new DockerHostSpec(null, "10.0.0.2", 2375, false), env).endpoint());
        // A dockerHost block that only says stopContainersOnExit still leaves the address to DOCKER_HOST.
        assertEquals(DockerEndpoint.tcp("docker", 2376),
                DockerProvisioner.forHost(new DockerHostSpec(null, null, 0, true), env).endpoint());
        assertEquals(DockerEndpoint.unixSocket(DockerEndpoint.DEFAULT_SOCKET),
                DockerProvisioner.forHost(null, Map.of()).endpoint());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DockerProvisioner.forHost(null, Map.of("DOCKER_HOST", "ssh://me@docker")));
        assertTrue(e.getMessage().contains("ssh://me@docker is not supported"), e.getMessage());
    }

    @Test
    void eachContainerEntryMapsOneToOneOntoALauncherRequest() {
        ContainerSpec spec = new ContainerSpec("wordpress", "3.9.2", 80, List.of("K=V"), List.of("apache2-foreground"),
                "wp", "host", Duration.ofSeconds(5));
        assertEquals(new ContainerRequest("wordpress", "3.9.2", 80, List.of("K=V"), List.of("apache2-foreground"), "wp",
                true, Duration.ofSeconds(5)), DockerProvisioner.request(spec));
    }

    @Test
    void aPutWithContainersWhenNoDockerAnswersGets502NamingWhereItLookedAndAddsNothing() {
        Path socket = dir.resolve("no-docker.sock");
        try (DockerProvisioner docker = DockerProvisioner.forHost(new DockerHostSpec(socket.toString(), null, 0, false),
                Map.of());
             AdminFixture admin = AdminFixture.start(docker)) {
            HttpResponse<String> r = admin.send("PUT", "/configuration/cluster", "{\"cluster\": {\"uuid\": \"wp\", "
                    + "\"version\": \"3.9.2\", \"containers\": [{\"image\": \"wordpress\", \"portToProxy\": 80}]}}");
            assertEquals(502, r.statusCode(), r.body());
            assertTrue(r.body().startsWith("starting the containers of cluster wp (version 3.9.2) failed: cannot reach"
                    + " Docker at unix://" + socket), r.body());
            assertTrue(r.body().contains("dockerHost in the config file or DOCKER_HOST"), r.body());
            assertTrue(admin.writer.snapshot().isEmpty());
        }
    }
}
