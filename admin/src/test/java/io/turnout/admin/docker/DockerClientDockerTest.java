package io.turnout.admin.docker;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link DockerClient} against a real dockerd (see {@link DockerTestEngine}). */
class DockerClientDockerTest {
    private DockerClient docker;

    @BeforeEach
    void requireDocker() {
        // Per test, not @BeforeAll: a class-level skip is reported as "Tests run: 0", hiding why.
        docker = DockerTestEngine.require();
    }

    @Test
    void versionNamesTheEngineAndTheNegotiatedApiIsNoNewerThanOurs() throws DockerException {
        DockerVersion version = docker.version();
        assertNotNull(version.version());
        assertTrue(DockerClient.compareVersions(docker.apiVersion(), DockerClient.MAX_API_VERSION) <= 0);
        assertTrue(DockerClient.compareVersions(docker.apiVersion(), version.apiVersion()) <= 0);
    }

    @Test
    void imageInspectTellsPresentFromMissing() throws DockerException {
        assertTrue(docker.imageExists(DockerTestEngine.TEST_IMAGE + ":1.0"));
        assertFalse(docker.imageExists(DockerTestEngine.TEST_IMAGE + ":0.0-never-built"));
    }

    @Test
    void inspectOfAnUnknownContainerIsEmpty() throws DockerException {
        assertEquals(Optional.empty(), docker.inspectContainer("turnout-no-such-container"));
        assertFalse(docker.removeContainer("turnout-no-such-container"));
    }
}
