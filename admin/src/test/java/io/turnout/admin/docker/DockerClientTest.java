package io.turnout.admin.docker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.turnout.admin.docker.FakeDockerEngine.chunked;
import static io.turnout.admin.docker.FakeDockerEngine.concat;
import static io.turnout.admin.docker.FakeDockerEngine.contentLength;
import static io.turnout.admin.docker.FakeDockerEngine.versionResponse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our client against a scripted fake engine: request shapes, response framing and error mapping.
 * What real Docker does is covered by {@link ContainerLauncherDockerTest}.
 */
class DockerClientTest {
    @TempDir
    Path dir;

    @Test
    void pingReadsAContentLengthBodyOverTheUnixSocket() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> contentLength(200, "OK"))) {
            engine.client().ping();
            assertEquals(List.of("GET /_ping"), engine.requests);
        }
    }

    @Test
    void pingOverTcpSendsTheHostAndPortAsHost() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(target -> contentLength(200, "OK"))) {
            engine.client().ping();
            assertEquals(List.of("GET /_ping"), engine.requests);
            assertTrue(engine.heads.get(0).contains("\r\nHost: 127.0.0.1:" + engine.endpoint.port() + "\r\n"),
                    engine.heads.get(0));
        }
    }

    @Test
    void apiVersionIsCappedAtTheNewestWeSpeak() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> target.equals("GET /version")
                ? versionResponse("1.47") : contentLength(200, "{}"))) {
            DockerClient client = engine.client();
            assertTrue(client.imageExists("busybox:latest"));
            assertEquals("1.41", client.apiVersion());
            assertEquals(List.of("GET /version", "GET /v1.41/images/busybox:latest/json"), engine.requests);
        }
    }

    @Test
    void apiVersionNegotiatesDownToAnOlderEngine() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> target.equals("GET /version")
                ? versionResponse("1.30") : contentLength(404, "{\"message\":\"No such image: x:1\"}"))) {
            DockerClient client = engine.client();
            assertFalse(client.imageExists("x:1"));
            assertEquals("GET /v1.30/images/x:1/json", engine.requests.get(1));
        }
    }

    @Test
    void engineOlderThanOurMinimumIsRefusedWithItsVersion() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> versionResponse("1.19"))) {
            DockerException e = assertThrows(DockerException.class, () -> engine.client().startContainer("abc"));
            assertTrue(e.getMessage().contains("1.19"), e.getMessage());
        }
    }

    @Test
    void errorStatusCarriesDockersMessageAndStatus() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> target.equals("GET /version")
                ? versionResponse("1.41")
                : contentLength(404, "{\"message\":\"No such image: nope:1\"}\n"))) {
            DockerException e = assertThrows(DockerException.class, () -> engine.client().createContainer(
                    new ContainerCreate("web", "nope:1", List.of(), List.of(), Map.of(), 80, true, "127.0.0.1")));
            assertEquals(404, e.status());
            assertEquals("No such image: nope:1", e.dockerMessage());
            assertTrue(e.getMessage().endsWith("No such image: nope:1"), e.getMessage());
            assertEquals("POST /v1.41/containers/create?name=web", engine.requests.get(1));
        }
    }

    @Test
    void createSendsLabelsAndPublishesThePortOnLoopbackWithADockerChosenHostPort() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> target.equals("GET /version")
                ? versionResponse("1.41") : contentLength(201, "{\"Id\":\"" + "a".repeat(64) + "\",\"Warnings\":[]}"))) {
            String id = engine.client().createContainer(new ContainerCreate(null, "app:2.0", List.of("K=V"),
                    List.of("sh", "-c", "x"), Map.of("io.turnout.managed", "true"), 8080, false, "127.0.0.1"));
            assertEquals("a".repeat(64), id);
            String body = engine.bodies.get("POST /v1.41/containers/create");
            assertTrue(body.contains("\"PortBindings\":{\"8080/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}]}"), body);
            assertTrue(body.contains("\"Labels\":{\"io.turnout.managed\":\"true\"}"), body);
            assertTrue(body.contains("\"Env\":[\"K=V\"]"), body);
            assertFalse(body.contains("NetworkMode"), body);
        }
    }

    @Test
    void pullReportsProgressSplitAcrossChunksAndFailsOnTheErrorLine() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> target.equals("GET /version")
                ? versionResponse("1.41")
                : chunked(200,
                        "{\"status\":\"Pulling from library/app\",\"id\":\"2.0\"}\n{\"status\":\"Downl",
                        "oading\",\"progress\":\"[=>  ] 1MB/2MB\",\"id\":\"abc\"}\n",
                        "{\"errorDetail\":{\"message\":\"unexpected EOF\"},\"error\":\"unexpected EOF\"}\n"))) {
            List<PullProgress> seen = new ArrayList<>();
            DockerException e = assertThrows(DockerException.class,
                    () -> engine.client().pullImage("app", "2.0", seen::add));
            assertEquals("unexpected EOF", e.dockerMessage());
            assertEquals(List.of(new PullProgress("2.0", "Pulling from library/app", ""),
                    new PullProgress("abc", "Downloading", "[=>  ] 1MB/2MB")), seen);
            assertEquals("POST /v1.41/images/create?fromImage=app&tag=2.0", engine.requests.get(1));
        }
    }

    @Test
    void pullThatEndsWithoutAnErrorLineSucceeds() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> target.equals("GET /version")
                ? versionResponse("1.41")
                : chunked(200, "{\"status\":\"Status: Downloaded newer image for app:2.0\"}\n"))) {
            List<PullProgress> seen = new ArrayList<>();
            engine.client().pullImage("app", "2.0", seen::add);
            assertEquals(1, seen.size());
        }
    }

    @Test
    void inspectReadsACloseDelimitedBodyAndThePublishedPort() throws Exception {
        String inspect = "{\"Id\":\"abc\",\"Name\":\"/web\",\"State\":{\"Running\":true,\"Status\":\"running\"},"
                + "\"Config\":{\"Image\":\"app:1.0\",\"Labels\":{\"io.turnout.managed\":\"true\"}},"
                + "\"HostConfig\":{\"NetworkMode\":\"default\"},"
                + "\"NetworkSettings\":{\"Ports\":{\"8080/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"49153\"}],"
                + "\"9090/tcp\":null}}}";
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> target.equals("GET /version")
                ? versionResponse("1.41")
                : concat("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".getBytes(), inspect.getBytes()))) {
            ContainerInfo info = engine.client().inspectContainer("web").orElseThrow();
            assertEquals("web", info.name());
            assertTrue(info.running());
            assertEquals(49153, info.publishedPort(8080));
            assertEquals(-1, info.publishedPort(9090));
            assertEquals("true", info.labels().get("io.turnout.managed"));
        }
    }

    @Test
    void inspectOfAMissingContainerIsEmptyAndRemoveOfOneIsFalse() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> target.equals("GET /version")
                ? versionResponse("1.41") : contentLength(404, "{\"message\":\"No such container: x\"}"))) {
            DockerClient client = engine.client();
            assertEquals(Optional.empty(), client.inspectContainer("x"));
            assertFalse(client.removeContainer("x"));
            assertEquals("DELETE /v1.41/containers/x?force=true&v=true", engine.requests.get(2));
        }
    }

    @Test
    void listFiltersByEveryLabel() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> target.equals("GET /version")
                ? versionResponse("1.41")
                : chunked(200, "[{\"Id\":\"abc\",\"Names\":[\"/web\"],\"Image\":\"app:1.0\",\"State\":\"running\","
                        + "\"Labels\":{\"io.turnout.cluster\":\"u1\"}}]"))) {
            Map<String, String> labels = new java.util.LinkedHashMap<>();
            labels.put("io.turnout.managed", "true");
            labels.put("io.turnout.cluster", "u1");
            List<ContainerSummary> rows = engine.client().listContainers(labels);
            assertEquals(List.of("web"), rows.get(0).names());
            String request = java.net.URLDecoder.decode(engine.requests.get(1), "UTF-8");
            assertEquals("GET /v1.41/containers/json?all=true&filters="
                    + "{\"label\":[\"io.turnout.managed=true\",\"io.turnout.cluster=u1\"]}", request);
        }
    }

    @Test
    void unreachableDockerIsAnErrorWithoutStatusNamingTheSocket() {
        Path missing = dir.resolve("no-such.sock");
        DockerException e = assertThrows(DockerException.class,
                () -> new DockerClient(DockerEndpoint.unixSocket(missing)).ping());
        assertEquals(DockerException.NO_STATUS, e.status());
        assertTrue(e.getMessage().contains("unix://" + missing), e.getMessage());
    }

    @Test
    void silentDockerTimesOutAtTheIdleTimeout() throws Exception {
        try (FakeDockerEngine engine = new FakeDockerEngine(dir, target -> FakeDockerEngine.SILENCE)) {
            DockerClient client = new DockerClient(DockerEndpoint.unixSocket(engine.socket), Duration.ofSeconds(1),
                    Duration.ofMillis(300), Duration.ofMillis(300));
            long start = System.nanoTime();
            DockerException e = assertThrows(DockerException.class, client::ping);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 250 && millis < 5_000, "timed out after " + millis + " ms");
            assertTrue(e.getMessage().contains("no read progress"), e.getMessage());
        }
    }
}
