package io.turnout.admin.docker;

import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.turnout.admin.docker.DockerTestEngine.TEST_IMAGE;
import static io.turnout.admin.docker.DockerTestEngine.testApp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ContainerLauncher} against a real dockerd (see {@link DockerTestEngine}). The test
 * engine runs without a bridge, so containers use host networking on a free loopback port.
 */
class ContainerLauncherDockerTest {
    /** The body of one GET to a container on loopback. */
    private static String page(int port) {
        return RawHttpClient.get(port, "/").bodyText();
    }

    private DockerClient docker;
    private ContainerLauncher launcher;
    private String cluster;

    @BeforeEach
    void newCluster() {
        // Per test, not @BeforeAll: a class-level skip is reported as "Tests run: 0", hiding why.
        docker = DockerTestEngine.require();
        // 1 s stop grace: httpd runs as PID 1 and ignores SIGTERM, so stop always waits it out.
        launcher = new ContainerLauncher(docker, 1);
        cluster = UUID.randomUUID().toString();
    }

    @AfterEach
    void removeLeftovers() throws DockerException {
        if (docker == null) {
            return; // skipped
        }
        DockerTestEngine.removeCluster(docker, cluster);
    }

    @Test
    void launchReturnsOnlyOnceTheContainerAcceptsAndItServesItsVersion() throws Exception {
        int port = TestBackend.refusingPort();
        List<LaunchedContainer> started = launcher.launch(cluster, List.of(testApp("1.0", port)));

        assertEquals(1, started.size());
        LaunchedContainer c = started.get(0);
        assertEquals("127.0.0.1", c.host());
        assertEquals(port, c.port());
        assertFalse(c.adopted());
        // No retry: launch returned, so the very first request must be served.
        HttpResponse response = RawHttpClient.get(c.port(), "/");
        assertEquals(200, response.status(), response::toString);
        assertTrue(response.bodyText().contains("turnout-test-app 1.0"), response::toString);

        ContainerInfo info = docker.inspectContainer(c.id()).orElseThrow();
        assertTrue(info.running());
        assertEquals("true", info.labels().get(ContainerLauncher.MANAGED_LABEL));
        assertEquals(cluster, info.labels().get(ContainerLauncher.CLUSTER_LABEL));
        assertEquals("host", info.networkMode());
    }

    @Test
    void stopAndRemoveClusterLeavesNoContainerWithItsLabel() throws Exception {
        List<LaunchedContainer> started = launcher.launch(cluster,
                List.of(testApp("1.0", TestBackend.refusingPort()), testApp("2.0", TestBackend.refusingPort())));
        assertEquals(2, docker.listContainers(ContainerLauncher.labelsOf(cluster)).size());

        List<String> removed = launcher.stopAndRemoveCluster(cluster);

        assertEquals(started.stream().map(LaunchedContainer::id).sorted().toList(), removed.stream().sorted().toList());
        assertEquals(List.of(), docker.listContainers(ContainerLauncher.labelsOf(cluster)));
        for (LaunchedContainer c : started) {
            assertTrue(docker.inspectContainer(c.id()).isEmpty(), "still there: " + c);
        }
    }

    @Test
    void imageThatCannotBePulledFailsWithDockersMessageAndLeavesNothingBehind() throws Exception {
        ContainerRequest good = testApp("1.0", TestBackend.refusingPort());
        ContainerRequest missing = new ContainerRequest(TEST_IMAGE, "9.9-missing", 8080, null, null, null, true, null);

        DockerException e = assertThrows(DockerException.class, () -> launcher.launch(cluster, List.of(good, missing)));

        assertNotNull(e.dockerMessage(), "Docker's own message: " + e.getMessage());
        assertTrue(e.getMessage().contains(e.dockerMessage()), e.getMessage());
        assertTrue(e.getMessage().contains("9.9-missing"), e.getMessage());
        // The first container had started and accepted; it must be gone too.
        assertEquals(List.of(), docker.listContainers(ContainerLauncher.labelsOf(cluster)));
    }

    @Test
    void containerThatNeverOpensItsPortFailsAfterReadyTimeoutAndIsRemoved() throws Exception {
        int port = TestBackend.refusingPort();
        ContainerRequest sleeper = new ContainerRequest(TEST_IMAGE, "1.0", port, null, List.of("sleep", "3600"), null,
                true, Duration.ofSeconds(3));
        long start = System.nanoTime();

        DockerException e = assertThrows(DockerException.class, () -> launcher.launch(cluster, List.of(sleeper)));

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 3_000 && millis < 20_000, "failed after " + millis + " ms");
        assertTrue(e.getMessage().contains("did not accept TCP connections on 127.0.0.1:" + port + " within 3 s"),
                e.getMessage());
        assertEquals(List.of(), docker.listContainers(ContainerLauncher.labelsOf(cluster)));
    }

    @Test
    void containerThatExitsFailsAtOnceWithItsExitCodeAndIsRemoved() throws Exception {
        ContainerRequest crasher = new ContainerRequest(TEST_IMAGE, "1.0", TestBackend.refusingPort(), null,
                List.of("sh", "-c", "exit 3"), null, true, Duration.ofSeconds(30));
        long start = System.nanoTime();

        DockerException e = assertThrows(DockerException.class, () -> launcher.launch(cluster, List.of(crasher)));

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 15_000, "took " + millis + " ms; should not wait out the 30 s ready timeout");
        assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
        assertEquals(List.of(), docker.listContainers(ContainerLauncher.labelsOf(cluster)));
    }

    @Test
    void hostPortAlreadyInUseIsRefusedBeforeAnythingIsCreated() throws Exception {
        // Otherwise the readiness probe would be answered by the other listener.
        try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = other.getLocalPort();
            DockerException e = assertThrows(DockerException.class,
                    () -> launcher.launch(cluster, List.of(testApp("1.0", port))));
            assertTrue(e.getMessage().contains("127.0.0.1:" + port + " already accepts connections"), e.getMessage());
        }
        assertEquals(List.of(), docker.listContainers(ContainerLauncher.labelsOf(cluster)));
    }

    @Test
    void adoptReusesARunningContainerWithoutCreatingADuplicate() throws Exception {
        ContainerRequest request = testApp("1.0", TestBackend.refusingPort());
        LaunchedContainer first = launcher.launch(cluster, List.of(request)).get(0);

        List<LaunchedContainer> adopted = launcher.adopt(cluster, List.of(request), List.of(first.id()));

        assertEquals(1, adopted.size());
        assertEquals(first.id(), adopted.get(0).id());
        assertTrue(adopted.get(0).adopted());
        assertEquals(first.port(), adopted.get(0).port());
        assertEquals(1, docker.listContainers(ContainerLauncher.labelsOf(cluster)).size());
    }

    @Test
    void adoptReplacesAContainerThatNoLongerRuns() throws Exception {
        ContainerRequest request = testApp("2.0", TestBackend.refusingPort());
        LaunchedContainer first = launcher.launch(cluster, List.of(request)).get(0);
        docker.stopContainer(first.id(), 0);

        LaunchedContainer replacement = launcher.adopt(cluster, List.of(request), List.of(first.id())).get(0);

        assertNotEquals(first.id(), replacement.id());
        assertFalse(replacement.adopted());
        assertTrue(docker.inspectContainer(first.id()).isEmpty(), "the stopped container is removed");
        assertEquals(List.of(replacement.id()),
                docker.listContainers(ContainerLauncher.labelsOf(cluster)).stream().map(ContainerSummary::id).toList());
        assertTrue(page(replacement.port()).contains("turnout-test-app 2.0"));
    }

    @Test
    void adoptRecreatesAContainerThatIsGone() throws Exception {
        ContainerRequest request = testApp("1.0", TestBackend.refusingPort());
        LaunchedContainer c = launcher.adopt(cluster, List.of(request), List.of("0123456789ab-gone")).get(0);

        assertFalse(c.adopted());
        assertTrue(page(c.port()).contains("turnout-test-app 1.0"));
    }

    @Test
    void stopAndRemoveLeavesContainersWithoutOurLabelAlone() throws Exception {
        String foreign = docker.createContainer(new ContainerCreate(null, TEST_IMAGE + ":1.0", List.of(), List.of(),
                Map.of("io.turnout.test-foreign", cluster), 8080, true, "127.0.0.1"));
        try {
            assertEquals(List.of(), launcher.stopAndRemove(List.of(foreign)));
            assertTrue(docker.inspectContainer(foreign).isPresent(), "a container Turnout did not label is kept");
        } finally {
            docker.removeContainer(foreign);
        }
    }

    @Test
    void portPublishedOnLoopbackIsUsedOrItsAbsenceIsExplained() throws Exception {
        // Default networking publishes portToProxy on 127.0.0.1. The CI engine has no bridge
        // (--bridge=none), where Docker cannot publish: then the launch must say so and clean up.
        ContainerRequest published = new ContainerRequest(TEST_IMAGE, "1.0", 8080, null, null, null, false,
                Duration.ofSeconds(10));
        try {
            LaunchedContainer c = launcher.launch(cluster, List.of(published)).get(0);
            assertNotEquals(8080, c.port(), "a Docker-chosen host port");
            assertTrue(page(c.port()).contains("turnout-test-app 1.0"));
        } catch (DockerException e) {
            assertTrue(e.getMessage().contains("use \"networkMode\": \"host\""), e.getMessage());
            assertEquals(List.of(), docker.listContainers(ContainerLauncher.labelsOf(cluster)));
        }
    }
}
