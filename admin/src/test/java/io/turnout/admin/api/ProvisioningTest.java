package io.turnout.admin.api;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.admin.catalog.StartedContainer;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PUT of a Docker-managed cluster: the asynchronous step before publication, with a scripted provisioner. */
class ProvisioningTest {
    private static final String CONTAINER_BODY = "{\"cluster\": {\"uuid\": \"wp\", \"version\": \"3.9.2\", "
            + "\"containers\": [{\"image\": \"wordpress\", \"tag\": \"3.9.2\", \"portToProxy\": 80}]}}";

    /** Completes each provisioning when the test says so, and records the calls. */
    private static final class ScriptedProvisioner implements ClusterProvisioner {
        final Queue<CompletableFuture<List<StartedContainer>>> pending = new ConcurrentLinkedQueue<>();
        final Queue<String> calls = new ConcurrentLinkedQueue<>();

        @Override
        public CompletableFuture<List<StartedContainer>> provision(String uuid, ClusterSpec spec) {
            calls.add("provision " + uuid + " " + spec.containers().get(0).image());
            CompletableFuture<List<StartedContainer>> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        @Override
        public void abandon(String uuid, ClusterSpec spec, List<StartedContainer> started) {
            calls.add("abandon " + uuid + " " + started.stream().map(c -> c.id() + "@" + c.server()).toList());
        }

        @Override
        public void retired(String uuid, ClusterSpec spec) {
            calls.add("retired " + uuid);
        }

        CompletableFuture<List<StartedContainer>> next() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (pending.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            return pending.remove();
        }
    }

    private final ScriptedProvisioner docker = new ScriptedProvisioner();
    private final AdminFixture admin = AdminFixture.start(docker);
    private final ExecutorService client = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        client.shutdownNow();
        admin.close();
    }

    private Future<HttpResponse<String>> putAsync(String body) {
        return client.submit(() -> admin.send("PUT", "/configuration/cluster", body));
    }

    @Test
    void theClusterIsPublishedOnlyWhenItsContainersAreUpAndTheApiAnswersMeanwhile() throws Exception {
        Future<HttpResponse<String>> put = putAsync(CONTAINER_BODY);
        CompletableFuture<List<StartedContainer>> starting = docker.next();

        // While the containers start, the admin API answers other requests and routing does not see the cluster.
        HttpResponse<String> status = admin.send("GET", "/status", null);
        assertEquals(200, status.statusCode());
        assertTrue(admin.writer.snapshot().isEmpty());
        assertFalse(put.isDone());

        starting.complete(List.of(new StartedContainer("c0ffee", new Server("127.0.0.1", 32768))));
        HttpResponse<String> r = put.get(5, TimeUnit.SECONDS);
        assertEquals(202, r.statusCode());
        assertEquals("wp", r.body());
        Cluster c = admin.writer.snapshot().byUuid("wp");
        assertEquals(32768, c.servers().get(0).port());

        JSONObject cluster = JSON.parseObject(admin.send("GET", "/configuration/cluster/wp", null).body()).getJSONObject("cluster");
        JSONObject container = cluster.getJSONArray("containers").getJSONObject(0);
        assertEquals("wordpress", container.getString("image"));
        assertEquals("c0ffee", container.getString("id"), "the id that runs it, for the state file");
        assertEquals(32768, container.getJSONObject("server").getIntValue("port"));
        assertEquals(List.of("provision wp wordpress"), List.copyOf(docker.calls));
    }

    @Test
    void aFailedContainerStartGets502WithDockersMessageAndNothingIsPublished() throws Exception {
        Future<HttpResponse<String>> put = putAsync(CONTAINER_BODY);
        docker.next().completeExceptionally(new IllegalStateException("pull access denied for wordpress"));
        HttpResponse<String> r = put.get(5, TimeUnit.SECONDS);
        assertEquals(502, r.statusCode());
        assertTrue(r.body().contains("starting the containers of cluster wp (version 3.9.2) failed: pull access denied"),
                r.body());
        assertTrue(admin.writer.snapshot().isEmpty());
        assertTrue(admin.catalog.containersOf("wp").isEmpty());
    }

    @Test
    void aUuidTakenWhileContainersStartedGets409AndTheContainersAreUndone() throws Exception {
        Future<HttpResponse<String>> put = putAsync(CONTAINER_BODY);
        CompletableFuture<List<StartedContainer>> starting = docker.next();
        HttpResponse<String> plain = admin.send("PUT", "/configuration/cluster",
                "{\"cluster\": {\"uuid\": \"wp\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": 1034}]}}");
        assertEquals(202, plain.statusCode());

        starting.complete(List.of(new StartedContainer("c0ffee", new Server("127.0.0.1", 32769))));
        HttpResponse<String> r = put.get(5, TimeUnit.SECONDS);
        assertEquals(409, r.statusCode());
        assertEquals(1034, admin.writer.snapshot().byUuid("wp").servers().get(0).port());
        assertTrue(docker.calls.contains("abandon wp [c0ffee@127.0.0.1:32769]"), docker.calls.toString());
    }

    @Test
    void deletingADockerManagedClusterRetiresItsContainers() throws Exception {
        Future<HttpResponse<String>> put = putAsync(CONTAINER_BODY);
        docker.next().complete(List.of(new StartedContainer("c0ffee", new Server("127.0.0.1", 32770))));
        assertEquals(202, put.get(5, TimeUnit.SECONDS).statusCode());

        assertEquals(202, admin.send("DELETE", "/configuration/cluster/wp", null).statusCode());
        assertTrue(docker.calls.contains("retired wp"), docker.calls.toString());
        assertTrue(admin.catalog.containersOf("wp").isEmpty());
    }

    @Test
    void aDuplicateUuidIsRefusedBeforeAnyContainerStarts() {
        assertEquals(202, admin.send("PUT", "/configuration/cluster",
                "{\"cluster\": {\"uuid\": \"wp\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": 1034}]}}").statusCode());
        assertEquals(409, admin.send("PUT", "/configuration/cluster", CONTAINER_BODY).statusCode());
        assertTrue(docker.calls.isEmpty(), docker.calls.toString());
    }
}
