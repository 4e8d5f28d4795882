package io.turnout.admin.docker;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.TurnoutProcess;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ConfigServiceSpec;
import io.turnout.admin.config.DockerHostSpec;
import io.turnout.admin.config.ServerSpec;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.health.Event;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.turnout.admin.api.AdminFixture.exchange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6's acceptance: Turnout as the launcher wires it ({@link TurnoutProcess}: catalog, Docker
 * provisioner, state file, engine, admin API) against the real dockerd of
 * {@code scripts/docker-test-env}, driven through the admin API over HTTP.
 *
 * <p>Containers use host networking on a free loopback port (the test engine has no bridge). Their
 * command traps SIGTERM so a stop takes no grace period (busybox httpd as PID 1 would ignore it).
 */
class DockerManagedClustersDockerTest {
    /** The container's page, as scripts/docker-test-env builds the image. */
    private static final String PAGE_2_0 = "turnout-test-app 2.0";
    private static final Duration REMOVAL = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private DockerClient docker;
    private TestBackend v1;
    private final List<TurnoutProcess> running = new ArrayList<>();
    private final List<String> clusters = new ArrayList<>();

    @BeforeEach
    void requireDocker() {
        // Per test, not @BeforeAll: a class-level skip is reported as "Tests run: 0", hiding why.
        docker = DockerTestEngine.require();
        v1 = TestBackend.echo("1.0");
    }

    @AfterEach
    void cleanUp() throws DockerException {
        running.forEach(TurnoutProcess::stop);
        if (v1 != null) {
            v1.close();
        }
        if (docker != null) {
            for (String uuid : clusters) {
                DockerTestEngine.removeCluster(docker, uuid);
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private TurnoutProcess start(Path stateFile, boolean stopContainersOnExit) throws Exception {
        DockerEndpoint endpoint = docker.endpoint();
        DockerHostSpec host = new DockerHostSpec(endpoint.socket() == null ? null : endpoint.socket().toString(),
                endpoint.host(), endpoint.port(), stopContainersOnExit);
        TurnoutConfig config = new TurnoutConfig("test", ProxySettings.builder(0).hostname("127.0.0.1")
                .selectorThreads(2).drainTimeout(Duration.ofSeconds(5)).build(),
                new ConfigServiceSpec("127.0.0.1", 0, null), host, stateFile,
                List.of(ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", v1.port()))).withUuid("v1")));
        TurnoutProcess p = new TurnoutProcess(config);
        running.add(p);
        p.start();
        return p;
    }

    /** A new cluster uuid, cleaned up after the test whatever happens. */
    private String newCluster() {
        String uuid = "it-" + UUID.randomUUID();
        clusters.add(uuid);
        return uuid;
    }

    /** The image's web server on {@code port}, exiting at once on SIGTERM. */
    private static String httpd(int port) {
        return "trap 'exit 0' TERM; httpd -f -p " + port + " -h /www & wait";
    }

    /**
     * The same page from a server that writes each response (head and body) with one write.
     * busybox httpd writes the head and the body separately; a kill between the two reaches the
     * client as a truncated body even without a proxy, and SPEC §3 forbids replaying a request
     * once response bytes reached the client. With one write, a kill lands before a response or
     * after it, which is what the proxy must hide.
     */
    private static String singleWriteServer(int port) {
        return "trap 'exit 0' TERM; nc -ll -p " + port + " -e sh -c 'while read -r l; do [ ${#l} -le 1 ] && break; done;"
                + " printf \"HTTP/1.1 200 OK\\r\\nContent-Length: 21\\r\\nConnection: close\\r\\n\\r\\n"
                + PAGE_2_0 + "\\n\"' & wait";
    }

    /** A PUT body: the test image with host networking on {@code port}, running {@code command} with sh. */
    private static String containerCluster(String uuid, String tag, int port, String command, Integer readyTimeout) {
        JSONObject container = new JSONObject();
        container.put("image", DockerTestEngine.TEST_IMAGE);
        container.put("tag", tag);
        container.put("portToProxy", port);
        container.put("environment", List.of("PORT=" + port));
        container.put("networkMode", "host");
        container.put("cmd", List.of("sh", "-c", command));
        if (readyTimeout != null) {
            container.put("readyTimeout", readyTimeout);
        }
        JSONObject cluster = new JSONObject();
        cluster.put("uuid", uuid);
        cluster.put("version", "2.0");
        cluster.put("containers", List.of(container));
        JSONObject body = new JSONObject();
        body.put("cluster", cluster);
        return body.toJSONString();
    }

    /** {@link #containerCluster} serving the version's page with the image's web server. */
    private static String webCluster(String uuid, int port) {
        return containerCluster(uuid, "2.0", port, httpd(port), null);
    }

    private static HttpResponse admin(TurnoutProcess p, String method, String path, String body) {
        try (RawHttpClient c = RawHttpClient.connect(p.admin().port(), Duration.ofSeconds(90))) {
            return exchange(c, method, path, body);
        }
    }

    private static String page(TurnoutProcess p) {
        HttpResponse r = RawHttpClient.get(p.engine().port(), "/");
        assertEquals(200, r.status(), r::toString);
        return r.bodyText();
    }

    private List<String> containersOf(String uuid) throws DockerException {
        return docker.listContainers(ContainerLauncher.labelsOf(uuid)).stream().map(ContainerSummary::id).toList();
    }

    private void awaitNoContainers(String uuid) {
        Await.until("no container labelled for " + uuid, REMOVAL, () -> {
            try {
                return containersOf(uuid).isEmpty();
            } catch (DockerException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static JSONObject container(TurnoutProcess p, String uuid) {
        HttpResponse r = admin(p, "GET", "/configuration/cluster/" + uuid, null);
        assertEquals(200, r.status(), r::toString);
        return JSON.parseObject(r.bodyText()).getJSONObject("cluster").getJSONArray("containers").getJSONObject(0);
    }

    /** A Turnout with {@code state} gets a container cluster, then stops; returns the container's id. */
    private String putThenStop(Path state, String uuid) throws Exception {
        TurnoutProcess first = start(state, false);
        assertEquals(202, admin(first, "PUT", "/configuration/cluster",
                webCluster(uuid, TestBackend.refusingPort())).status());
        String id = container(first, uuid).getString("id");
        first.stop();
        return id;
    }

    // ---- tests --------------------------------------------------------------------------------

    @Test
    void a202ComesOnlyOnceTheContainerAcceptsAndDeleteRemovesIt() throws Exception {
        TurnoutProcess p = start(null, false);
        String uuid = newCluster();
        int port = TestBackend.refusingPort();

        HttpResponse put = admin(p, "PUT", "/configuration/cluster", webCluster(uuid, port));
        assertEquals(202, put.status(), put::toString);
        assertEquals(uuid, put.bodyText());
        // No retry, no wait: the very next request is served by the container.
        assertTrue(page(p).contains(PAGE_2_0));
        JSONObject c = container(p, uuid);
        assertEquals(containersOf(uuid), List.of(c.getString("id")), "GET names the one container that runs it");
        assertEquals(port, c.getJSONObject("server").getIntValue("port"));

        HttpResponse delete = admin(p, "DELETE", "/configuration/cluster/" + uuid, null);
        assertEquals(202, delete.status(), delete::toString);
        assertEquals("1.0 GET /", page(p));
        awaitNoContainers(uuid);
    }

    @Test
    void anImageThatCannotBePulledGets502WithDockersMessageAndLeavesNothing() throws Exception {
        TurnoutProcess p = start(null, false);
        String uuid = newCluster();

        HttpResponse put = admin(p, "PUT", "/configuration/cluster",
                containerCluster(uuid, "9.9-missing", 8080, "httpd -f -p 8080 -h /www", null));

        assertEquals(502, put.status(), put::toString);
        assertTrue(put.bodyText().startsWith("starting the containers of cluster " + uuid + " (version 2.0) failed: "
                + "pull image " + DockerTestEngine.TEST_IMAGE + ":9.9-missing: "), put.bodyText());
        assertEquals(List.of(), containersOf(uuid));
        assertEquals(List.of("v1"), p.writer().snapshot().clusters().stream().map(c -> c.uuid()).toList());
        assertEquals("1.0 GET /", page(p));
    }

    @Test
    void aContainerThatNeverOpensItsPortGets502AfterReadyTimeoutAndIsRemoved() throws Exception {
        TurnoutProcess p = start(null, false);
        String uuid = newCluster();
        int port = TestBackend.refusingPort();
        long started = System.nanoTime();

        HttpResponse put = admin(p, "PUT", "/configuration/cluster", containerCluster(uuid, "2.0", port, "sleep 3600", 3));

        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(502, put.status(), put::toString);
        assertTrue(put.bodyText().contains("did not accept TCP connections on 127.0.0.1:" + port + " within 3 s"),
                put.bodyText());
        assertTrue(millis >= 3_000 && millis < 20_000, "answered after " + millis + " ms");
        assertEquals(List.of(), containersOf(uuid));
        assertEquals(1, p.writer().snapshot().size());
    }

    @Test
    void killingTheNewestVersionsContainerUnderLoadRollsBackWithoutClientErrorsAndRemovesIt() throws Exception {
        TurnoutProcess p = start(null, false);
        String uuid = newCluster();
        int port = TestBackend.refusingPort();
        assertEquals(202, admin(p, "PUT", "/configuration/cluster",
                containerCluster(uuid, "2.0", port, singleWriteServer(port), null)).status());
        String id = containersOf(uuid).get(0);

        AtomicBoolean load = new AtomicBoolean(true);
        AtomicInteger servedBy2 = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            done.add(clients.submit(() -> {
                try (RawHttpClient c = RawHttpClient.connect(p.engine().port())) {
                    while (load.get()) {
                        HttpResponse r = c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readResponse();
                        served.incrementAndGet();
                        if (r.status() != 200) {
                            failures.add(r.toString());
                        } else if (r.bodyText().contains(PAGE_2_0)) {
                            servedBy2.incrementAndGet();
                        }
                        if (r.header("Connection") != null && r.header("Connection").equalsIgnoreCase("close")) {
                            return; // an orderly close is not a failure; this client is done
                        }
                    }
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                }
            }));
        }
        try {
            Await.until("2.0 serving under load", Duration.ofSeconds(10), () -> servedBy2.get() >= 20);
            docker.stopContainer(id, 0); // SIGKILL at once: the version dies under load
            int atKill = served.get();

            Await.until("rollback of 2.0", Duration.ofSeconds(15), () -> p.writer().snapshot().byUuid(uuid) == null);
            Await.until("the load going on after the rollback", Duration.ofSeconds(10),
                    () -> served.get() >= atKill + 100);
            assertEquals("1.0 GET /", page(p));
        } finally {
            load.set(false);
            for (Future<?> f : done) {
                f.get(15, TimeUnit.SECONDS);
            }
            clients.shutdown();
        }
        assertEquals(List.of(), List.copyOf(failures), "no GET failed while 2.0 died and was rolled back");
        assertTrue(p.engine().events().snapshot().stream()
                .anyMatch(e -> e.type() == Event.Type.ROLLBACK && uuid.equals(e.clusterUuid())));
        awaitNoContainers(uuid); // the catalog saw the cluster leave, and retired its container
        assertEquals(404, admin(p, "GET", "/configuration/cluster/" + uuid, null).status());
    }

    @Test
    void aRestartWithTheStateFileAdoptsTheRunningContainerInsteadOfStartingAnother() throws Exception {
        Path state = dir.resolve("state.json");
        String uuid = newCluster();
        String id = putThenStop(state, uuid);
        assertEquals(List.of(id), containersOf(uuid), "stopContainersOnExit is off: the container keeps running");

        TurnoutProcess second = start(state, false);

        assertEquals(List.of(id), containersOf(uuid), "adopted, not duplicated");
        assertEquals(id, container(second, uuid).getString("id"));
        assertTrue(page(second).contains(PAGE_2_0));
    }

    @Test
    void aRestartReplacesARecordedContainerThatNoLongerRuns() throws Exception {
        Path state = dir.resolve("state.json");
        String uuid = newCluster();
        String id = putThenStop(state, uuid);
        docker.stopContainer(id, 0);

        TurnoutProcess second = start(state, false);

        String replacement = container(second, uuid).getString("id");
        assertNotEquals(id, replacement);
        assertEquals(List.of(replacement), containersOf(uuid), "the stopped one is removed, one runs");
        assertTrue(page(second).contains(PAGE_2_0));
    }

    @Test
    void stopContainersOnExitRemovesTheContainersWhenTurnoutStops() throws Exception {
        TurnoutProcess p = start(dir.resolve("state.json"), true);
        String uuid = newCluster();
        assertEquals(202, admin(p, "PUT", "/configuration/cluster",
                webCluster(uuid, TestBackend.refusingPort())).status());
        assertEquals(1, containersOf(uuid).size());

        p.stop();

        assertEquals(List.of(), containersOf(uuid), "removed before stop() returns");
    }
}
