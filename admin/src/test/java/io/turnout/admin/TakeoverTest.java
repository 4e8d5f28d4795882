package io.turnout.admin;

import io.turnout.admin.support.TurnoutChild;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.ClientLoad;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §11: a new Turnout takes over from the running one with no failed request and no refused
 * connection, keeping its state; a takeover that fails leaves the running one as it was. Child
 * JVMs, as {@code scripts/turnout -takeover} runs them, under real load over loopback.
 */
class TakeoverTest {
    private static final String OLD = "aaaaaaaa-0000-4000-8000-000000000001";
    private static final String NEW = "bbbbbbbb-0000-4000-8000-000000000002";
    /** What the kernel does with connections still queued on a closed listener; recorded in failures. */
    private static String migration;

    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private TestBackend v1;
    private TestBackend v2;
    private int proxyPort;
    private int adminPort;

    /** SPEC §11: with tcp_migrate_req=1 the kernel moves queued connections to the new listeners. */
    @BeforeAll
    static void moveQueuedConnectionsWherePossible() throws Exception {
        Process set = new ProcessBuilder("sysctl", "-w", "net.ipv4.tcp_migrate_req=1").redirectErrorStream(true).start();
        set.waitFor();
        Path value = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
        migration = "tcp_migrate_req=" + (Files.exists(value) ? Files.readString(value).trim() : "absent");
        System.out.println("TakeoverTest runs with " + migration);
    }

    @BeforeEach
    void backends() throws IOException {
        v1 = closeLater(TestBackend.start("v1", r -> Reply.ok("version 1.0")));
        v2 = closeLater(TestBackend.start("v2", r -> Reply.ok("version 2.0")));
        proxyPort = freePort();
        adminPort = freePort();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closing.add(0, c);
        return c;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Path config(String name, int port, String newestTransition, String token) throws IOException {
        String cluster1 = "{\"uuid\":\"" + OLD + "\",\"version\":\"1.0\",\"servers\":[{\"hostname\":\"127.0.0.1\",\"port\":"
                + v1.port() + "}]}";
        String cluster2 = "{\"uuid\":\"" + NEW + "\",\"version\":\"2.0\",\"servers\":[{\"hostname\":\"127.0.0.1\",\"port\":"
                + v2.port() + "}],\"upgradeTransition\":" + newestTransition + "}";
        String json = "{\"proxy\":{\"port\":" + port + ",\"hostname\":\"127.0.0.1\",\"selectorThreads\":2,"
                + "\"drainTimeout\":5},\"configService\":{\"port\":" + adminPort + ",\"hostname\":\"127.0.0.1\""
                + (token == null ? "" : ",\"token\":\"" + token + "\"") + "},\"clusters\":[" + cluster1 + ","
                + cluster2 + "]}";
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, json);
        return file;
    }

    private Path config(String newestTransition) throws IOException {
        return config("turnout", proxyPort, newestTransition, null);
    }

    private TurnoutChild start(Path config, String... more) {
        List<String> args = new ArrayList<>(List.of("-configFile=" + config, "-logLevel=INFO"));
        args.addAll(List.of(more));
        return closeLater(TurnoutChild.start(dir, args.toArray(String[]::new)));
    }

    /** Both listeners are up: the admin API starts after the proxy. */
    private static void awaitServing(TurnoutChild turnout) {
        turnout.proxyPort();
        turnout.adminPort();
    }

    /** A new Turnout takes over from {@code old}, which drains and exits 0. */
    private TurnoutChild takeOver(TurnoutChild old, Path config) throws InterruptedException {
        TurnoutChild next = start(config, "-takeover");
        assertEquals(0, old.awaitExit(Duration.ofSeconds(20)), "the old Turnout exits 0 after the hand-over" + old);
        Await.until("the new Turnout says it took over" + next,
                () -> next.stderrLines().stream().anyMatch(l -> l.contains("Took over from")));
        return next;
    }

    private java.net.http.HttpResponse<String> admin(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final String INSTANT = "{\"mode\":\"INSTANT\"}";

    private void fiveTakeoversUnder(String request) throws Exception {
        TurnoutChild current = start(config(INSTANT));
        awaitServing(current);
        try (ClientLoad load = ClientLoad.on(proxyPort).clients(4).request(request)
                .verdict(r -> r.status() == 200 && r.bodyText().equals("version 2.0") ? null : "answer " + r.status())
                .requestsPerClient(Integer.MAX_VALUE).maxDuration(Duration.ofSeconds(90)).start()) {
            Await.until("load is flowing", () -> load.requests() > 200);
            for (int i = 0; i < 5; i++) {
                current = takeOver(current, config(INSTANT));
                long before = load.requests();
                Await.until("the new Turnout serves", () -> load.requests() > before + 200);
            }
            ClientLoad.Result result = load.finish();
            assertEquals(0, result.errorCount(), result + " with " + migration);
            assertTrue(result.requests() > 1_000, result.toString());
        }
    }

    @Test
    void fiveTakeoversInARowUnderKeepAliveLoadFailNoRequestAndRefuseNoConnection() throws Exception {
        fiveTakeoversUnder("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    @Test
    void fiveTakeoversInARowUnderConnectionCloseLoadFailNoRequestAndRefuseNoConnection() throws Exception {
        fiveTakeoversUnder("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    }

    @Test
    void clustersUuidsAndTheGradualCounterSurviveATakeover() throws Exception {
        Path config = config("{\"mode\":\"GRADUAL\",\"percentageTransitionPerRequest\":1}");
        TurnoutChild old = start(config);
        awaitServing(old);
        for (int i = 0; i < 12; i++) {
            assertEquals(200, RawHttpClient.get(proxyPort, "/").status());
        }
        String before = admin("GET", "/configuration/cluster", null).body();
        assertTrue(before.contains("\"transitionCounter\":12"), before);

        takeOver(old, config);
        String after = admin("GET", "/configuration/cluster", null).body();
        assertEquals(before, after, "the same clusters, uuids, order, modes and GRADUAL counter");
    }

    @Test
    void aSessionClientPinnedToTheOldVersionStaysPinnedAcrossATakeover() throws Exception {
        Path config = config("{\"mode\":\"SESSION\",\"sessionTimeout\":60}");
        TurnoutChild old = start(config);
        awaitServing(old);
        String pinned = "GET / HTTP/1.1\r\nHost: a\r\nCookie: dynsoftup=" + OLD + "\r\nConnection: close\r\n\r\n";
        assertEquals("version 1.0", send(pinned).bodyText());
        takeOver(old, config);
        assertEquals("version 1.0", send(pinned).bodyText(), "uuids are kept, so cookies keep their meaning");
        assertEquals("version 2.0", RawHttpClient.get(proxyPort, "/").bodyText(), "a new session gets 2.0");
    }

    /** A timestamped log line, as opposed to what Turnout prints for the user. */
    private static boolean isLogLine(String line) {
        return line.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:.*");
    }

    private HttpResponse send(String request) {
        try (RawHttpClient client = RawHttpClient.connect(proxyPort)) {
            return client.send(request).readResponse();
        }
    }

    private void assertServesAndAcceptsChanges() throws Exception {
        assertEquals("version 2.0", RawHttpClient.get(proxyPort, "/").bodyText());
        String cluster = "{\"cluster\":{\"version\":\"3.0\",\"servers\":[{\"hostname\":\"127.0.0.1\",\"port\":" + v1.port()
                + "}]}}";
        java.net.http.HttpResponse<String> put = Await.value("the running Turnout accepts admin changes",
                Duration.ofSeconds(20), () -> admin("PUT", "/configuration/cluster", cluster), r -> r.statusCode() == 202);
        assertEquals(202, put.statusCode());
        admin("DELETE", "/configuration/cluster/" + put.body().strip(), null);
    }

    @Test
    void aTakeoverWithABadConfigOrOtherPortsFailsInOneLineAndTheRunningTurnoutGoesOn() throws Exception {
        TurnoutChild old = start(config(INSTANT));
        awaitServing(old);

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"proxy\":{\"port\":" + proxyPort + "},");
        TurnoutChild bad = start(broken, "-takeover");
        assertEquals(1, bad.awaitExit(Duration.ofSeconds(20)));
        assertEquals(1, bad.stderrLines().stream().filter(l -> !isLogLine(l)).count(), bad.toString());

        TurnoutChild otherPort = start(config("other", freePort(), INSTANT, null), "-takeover");
        assertEquals(1, otherPort.awaitExit(Duration.ofSeconds(20)));
        assertTrue(otherPort.stderrLines().stream().anyMatch(l -> l.startsWith("turnout: cannot take over: ")
                && l.contains("but the running Turnout serves port " + proxyPort)), otherPort.toString());

        assertServesAndAcceptsChanges();
        assertTrue(old.stderrLines().stream().anyMatch(l -> l.contains("gave up taking over")), old.toString());
    }

    @Test
    void aTakeoverWithTheWrongTokenIsRefusedInOneLine() throws Exception {
        TurnoutChild old = start(config("token", proxyPort, INSTANT, "right"));
        awaitServing(old);
        TurnoutChild wrong = start(config("wrong", proxyPort, INSTANT, "wrong"), "-takeover");
        assertEquals(1, wrong.awaitExit(Duration.ofSeconds(20)));
        assertTrue(wrong.stderrLines().stream().anyMatch(l -> l.contains("refused the token")), wrong.toString());
        assertEquals("version 2.0", RawHttpClient.get(proxyPort, "/").bodyText());
    }

    @Test
    void aTakeoverWithNoTurnoutToTakeOverFromFailsInOneLine() throws Exception {
        TurnoutChild alone = start(config(INSTANT), "-takeover");
        assertEquals(1, alone.awaitExit(Duration.ofSeconds(20)));
        List<String> said = alone.stderrLines().stream().filter(l -> !isLogLine(l)).toList();
        assertEquals(1, said.size(), alone.toString());
        assertTrue(said.get(0).startsWith("turnout: cannot take over: no Turnout answers on the admin API at 127.0.0.1:"
                + adminPort), said.get(0));
    }

    /** The new process dies after the freeze, before it commits: the freeze lapses, nothing is lost. */
    @Test
    void aHandOverThatIsNeverCommittedLapsesAndAdminChangesGoOn() throws Exception {
        TurnoutChild old = start(config(INSTANT));
        awaitServing(old);
        java.net.http.HttpResponse<String> begun = admin("POST", "/takeover?hold=2", null);
        assertEquals(200, begun.statusCode());
        assertTrue(begun.body().contains(NEW), begun.body());
        java.net.http.HttpResponse<String> frozen = admin("PUT", "/configuration/cluster",
                "{\"cluster\":{\"version\":\"3.0\",\"servers\":[{\"hostname\":\"127.0.0.1\",\"port\":1}]}}");
        assertEquals(503, frozen.statusCode(), "SPEC §11: no change may miss the state already handed over");
        assertEquals("1", frozen.headers().firstValue("Retry-After").orElse(null));
        assertServesAndAcceptsChanges();
    }

    /** SIGKILL while the new JVM starts: long before it could commit, so the old one must go on. */
    @Test
    void aNewTurnoutKilledDuringTheTakeoverLeavesTheRunningOneServing() throws Exception {
        TurnoutChild old = start(config(INSTANT));
        awaitServing(old);
        TurnoutChild killed = start(config(INSTANT), "-takeover");
        killed.close();
        assertServesAndAcceptsChanges();
        assertTrue(old.stderrLines().stream().noneMatch(l -> l.contains("Handed over")), old.toString());
    }
}
