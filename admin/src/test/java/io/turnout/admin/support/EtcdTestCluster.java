package io.turnout.admin.support;

import io.turnout.engine.testsupport.Await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real etcd for the fleet tests (SPEC §10): one member, or three with {@code --initial-cluster}
 * and distinct names, on free loopback ports with data dirs under the test's temp dir. Members can
 * be killed (SIGKILL) and restarted on the same ports and data, as an operator's outage would.
 *
 * <p>Found as {@code $TURNOUT_ETCD}, else {@code etcd} on the PATH. Without it the tests are
 * skipped with a message, unless {@code TURNOUT_ETCD_TESTS=1} (as {@code .ci/run} sets): then a
 * missing etcd fails them, so CI cannot skip them silently.
 */
public final class EtcdTestCluster implements AutoCloseable {
    public static final String SKIP_MESSAGE = "etcd tests skipped: etcd is not installed; install it with "
            + "apt-get install -y etcd-server (or point TURNOUT_ETCD at the binary); TURNOUT_ETCD_TESTS=1 makes them "
            + "required, as .ci/run does";
    private static final Pattern REVISION = Pattern.compile("\"revision\":\"(\\d+)\"");
    private static volatile boolean skipAnnounced;

    private final Path etcd;
    private final List<Member> members;
    private final String clusterToken;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private static final class Member {
        final String name;
        final int clientPort;
        final int peerPort;
        final Path dataDir;
        final Path log;
        Process process;

        Member(String name, int clientPort, int peerPort, Path dataDir, Path log) {
            this.name = name;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            this.dataDir = dataDir;
            this.log = log;
        }

        String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    private EtcdTestCluster(Path etcd, List<Member> members) {
        this.etcd = etcd;
        this.members = members;
        this.clusterToken = "turnout-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    /** One member, healthy. Skips the test when etcd is not installed (see the class comment). */
    public static EtcdTestCluster startSingle(Path dir) {
        return start(dir, 1);
    }

    /** Three members, with a leader elected. */
    public static EtcdTestCluster startThree(Path dir) {
        return start(dir, 3);
    }

    private static EtcdTestCluster start(Path dir, int size) {
        Path etcd = require();
        List<Member> members = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            String name = "m" + i;
            members.add(new Member(name, freePort(), freePort(), dir.resolve("etcd-" + name),
                    dir.resolve("etcd-" + name + ".log")));
        }
        EtcdTestCluster cluster = new EtcdTestCluster(etcd, List.copyOf(members));
        for (int i = 0; i < size; i++) {
            cluster.launch(i);
        }
        cluster.awaitHealthy();
        return cluster;
    }

    private static Path require() {
        boolean required = "1".equals(System.getenv("TURNOUT_ETCD_TESTS"));
        Path etcd = find();
        if (etcd == null && required) {
            fail("TURNOUT_ETCD_TESTS=1 but etcd is not installed: apt-get install -y etcd-server, or set TURNOUT_ETCD");
        }
        if (etcd == null && !skipAnnounced) {
            skipAnnounced = true;
            System.err.println(SKIP_MESSAGE); // once, so the build log says why tests were skipped
        }
        assumeTrue(etcd != null, SKIP_MESSAGE);
        return etcd;
    }

    private static Path find() {
        String configured = System.getenv("TURNOUT_ETCD");
        if (configured != null && !configured.isBlank()) {
            return Files.isExecutable(Path.of(configured)) ? Path.of(configured) : null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "etcd");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch(int index) {
        Member m = members.get(index);
        String initialCluster = members.stream().map(x -> x.name + "=" + x.peerUrl()).collect(Collectors.joining(","));
        List<String> command = List.of(etcd.toString(),
                "--name", m.name,
                "--data-dir", m.dataDir.toString(),
                "--listen-client-urls", m.clientUrl(),
                "--advertise-client-urls", m.clientUrl(),
                "--listen-peer-urls", m.peerUrl(),
                "--initial-advertise-peer-urls", m.peerUrl(),
                "--initial-cluster", initialCluster,
                "--initial-cluster-token", clusterToken,
                "--initial-cluster-state", "new",
                "--logger", "zap",
                "--log-outputs", "stderr",
                "--log-level", "warn");
        try {
            m.process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + etcd, e);
        }
    }

    /** The client URLs, member 0 first. */
    public List<String> clientUrls() {
        return members.stream().map(Member::clientUrl).toList();
    }

    /** {@code ["http://127.0.0.1:p0", ...]} for a config file, of the members given (all when none). */
    public String endpointsJson(int... indexes) {
        List<String> urls = new ArrayList<>();
        if (indexes.length == 0) {
            urls.addAll(clientUrls());
        } else {
            for (int i : indexes) {
                urls.add(members.get(i).clientUrl());
            }
        }
        return urls.stream().map(u -> "\"" + u + "\"").collect(Collectors.joining(", ", "[", "]"));
    }

    /** SIGKILL: the member is gone at once, as in a crash; its connections are reset. */
    public void kill(int index) throws InterruptedException {
        Process p = members.get(index).process;
        p.destroyForcibly();
        p.waitFor();
    }

    /** Starts a killed member again on its ports and data dir. Does not wait for it. */
    public void restart(int index) {
        launch(index);
    }

    /** Waits until every running member says it is healthy (it has a leader). */
    public void awaitHealthy() {
        for (Member m : members) {
            if (m.process.isAlive()) {
                awaitHealthy(m);
            }
        }
    }

    private void awaitHealthy(Member m) {
        Await.until("etcd member " + m.name + " at " + m.clientUrl() + " to be healthy (log: " + m.log + ")",
                Duration.ofSeconds(20), () -> {
                    if (!m.process.isAlive()) {
                        throw new AssertionError("etcd member " + m.name + " exited: " + readLog(m));
                    }
                    return post(m, "/health", null).contains("\"health\":\"true\"");
                });
    }

    /** The store's current revision, as member {@code index} reports it. */
    public long revision(int index) {
        String answer = post(members.get(index), "/v3/kv/range", "{\"key\": \"AA==\"}");
        Matcher m = REVISION.matcher(answer);
        if (!m.find()) {
            throw new AssertionError("no revision in " + answer);
        }
        return Long.parseLong(m.group(1));
    }

    /** Compacts the history up to {@code revision}: a watch from before it is refused. */
    public void compact(int index, long revision) {
        post(members.get(index), "/v3/kv/compaction", "{\"revision\": \"" + revision + "\", \"physical\": true}");
    }

    private String post(Member m, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(m.clientUrl() + path)).timeout(Duration.ofSeconds(5));
        b = body == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("etcd " + m.name + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String readLog(Member m) {
        try {
            return Files.readString(m.log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Each member's log, for a failing test's message. */
    public Map<String, String> logs() {
        return members.stream().collect(Collectors.toMap(m -> m.name, EtcdTestCluster::readLog));
    }

    @Override
    public void close() {
        for (Member m : members) {
            if (m.process != null) {
                m.process.destroyForcibly();
            }
        }
        for (Member m : members) {
            if (m.process != null) {
                try {
                    m.process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
