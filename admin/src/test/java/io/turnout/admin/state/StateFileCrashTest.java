package io.turnout.admin.state;

import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.support.JavaSubprocess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §5 under SIGKILL: PUTs run against a child JVM that is killed mid-stream, several times
 * over. After every kill the state file loads, and holds every cluster whose 202 arrived (plus at
 * most the ones still in flight).
 */
class StateFileCrashTest {
    private static final int CLIENTS = 3;
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    @Test
    void killingTheProxyDuringPutsNeverLosesAnAcknowledgedClusterNorTearsTheFile() throws Exception {
        Path state = dir.resolve("state.json");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        AtomicInteger next = new AtomicInteger();
        for (int round = 0; round < ROUNDS; round++) {
            Path portFile = dir.resolve("port" + round);
            Process child = startChild(state, portFile);
            try {
                int port = awaitPort(portFile, child);
                // The restart restored everything acknowledged before.
                assertTrue(uuids(StateFile.load(state)).containsAll(acknowledged), "restored after round " + round);

                int target = acknowledged.size() + 5;
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
                for (int c = 0; c < CLIENTS; c++) {
                    clients.execute(() -> {
                        while (!stop.get()) {
                            String uuid = "c" + next.incrementAndGet();
                            String body = "{\"cluster\": {\"uuid\": \"" + uuid + "\", \"version\": \"" + uuid.substring(1)
                                    + "\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": 1034}]}}";
                            try {
                                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                                URI.create("http://127.0.0.1:" + port + "/configuration/cluster"))
                                        .timeout(Duration.ofSeconds(5)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() == 202) {
                                    acknowledged.add(uuid);
                                }
                            } catch (IOException | InterruptedException e) {
                                return; // the child is gone
                            }
                        }
                    });
                }
                // Kill once PUTs are flowing, at a moment unrelated to any one write.
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (System.nanoTime() < until && acknowledged.size() < target) {
                    Thread.sleep(5);
                }
                Thread.sleep(37 * (round + 1));
                child.destroyForcibly(); // SIGKILL on Unix
                child.waitFor(10, TimeUnit.SECONDS);
                stop.set(true);
                clients.shutdown();
                assertTrue(clients.awaitTermination(10, TimeUnit.SECONDS));
            } finally {
                child.destroyForcibly();
            }

            Set<String> saved = uuids(StateFile.load(state)); // throws if torn
            assertTrue(saved.containsAll(acknowledged), "every acknowledged PUT survived round " + round);
            Set<String> extra = new HashSet<>(saved);
            extra.removeAll(acknowledged);
            assertTrue(extra.size() <= CLIENTS, "only PUTs in flight at the kill may be extra: " + extra);
            acknowledged.addAll(saved);
        }
        assertTrue(acknowledged.size() >= ROUNDS, "PUTs were acknowledged: " + acknowledged.size());
    }

    private static Set<String> uuids(List<ClusterSpec> specs) {
        Set<String> out = new HashSet<>();
        for (ClusterSpec s : specs) {
            out.add(s.uuid());
        }
        return out;
    }

    private Process startChild(Path state, Path portFile) throws IOException {
        return JavaSubprocess.start(CrashChild.class, dir, state.toString(), portFile.toString());
    }

    private static int awaitPort(Path portFile, Process child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Files.exists(portFile)) {
                return Integer.parseInt(Files.readString(portFile).trim());
            }
            if (!child.isAlive()) {
                throw new AssertionError("child exited with " + child.exitValue() + " before listening");
            }
            Thread.sleep(20);
        }
        throw new AssertionError("child did not start within 20 s");
    }
}
