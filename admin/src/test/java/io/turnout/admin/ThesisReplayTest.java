package io.turnout.admin;

import io.turnout.admin.demo.DemoBackends;
import io.turnout.admin.support.DocLogBlocks;
import io.turnout.admin.support.TurnoutChild;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.turnout.admin.api.AdminFixture.exchange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code docs/THESIS.md} replays the thesis's §6.2 runs with the demo backends and shows
 * Turnout's log lines beside the thesis's. This runs the same scenarios, each in a Turnout of its
 * own JVM at {@code -logLevel=INFO} as the thesis ran its proxy, and compares what Turnout
 * logged, step by step, with the document's blocks, so the document cannot drift from the
 * product. The free ports the test uses are shown as the demo's in the document.
 */
class ThesisReplayTest {
    private static final Path DOCUMENT = DocLogBlocks.locate("docs/THESIS.md");
    private static final Map<String, DocLogBlocks.Block> BLOCKS = DocLogBlocks.read(DOCUMENT);
    private static final Set<String> REPLAYED = new TreeSet<>();
    private static final String HOST = "127.0.0.1";
    /** SPEC §2: this transition uuid falls in GRADUAL bucket 3; the thesis's GRADUAL run uses it. */
    private static final String TRANSITION = "952c8557-2088-11e4-87e3-600308a8245e";
    private static final Pattern TIMESTAMP = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ");
    private static final Pattern NUMBER = Pattern.compile("(?<![0-9.])\\d{4,5}(?![0-9.])");
    private static final List<String> SHUTDOWN = List.of(
            "INFO - Shutting down: draining in-flight exchanges (at most 30.0 s)", "INFO - Shut down");

    @TempDir
    Path dir;

    private static final List<String> SCENARIOS = List.of("couchbase", "instant", "session", "gradual", "concurrent");

    @Test
    void everyBlockOfTheDocumentBelongsToAScenarioHere() {
        for (String id : BLOCKS.keySet()) {
            assertTrue(SCENARIOS.contains(id.substring(0, id.indexOf('/'))), DOCUMENT + ": no scenario replays " + id);
        }
    }

    /** A block no step of its scenario compared would be text nothing checks. */
    @AfterAll
    static void everyBlockOfTheScenariosRunWasReplayed() {
        Set<String> ran = new TreeSet<>();
        for (String id : REPLAYED) {
            ran.add(id.substring(0, id.indexOf('/')));
        }
        Set<String> expected = new TreeSet<>();
        for (String id : BLOCKS.keySet()) {
            if (ran.contains(id.substring(0, id.indexOf('/')))) {
                expected.add(id);
            }
        }
        assertEquals(expected, REPLAYED, DOCUMENT + " has blocks no step compared");
    }

    /** §6.2.1: three Couchbase nodes behind one cluster, requests cycling 8091, 9091, 10091. */
    @Test
    void couchbaseNodesAreServedInStrictRoundRobin() {
        try (DemoBackends nodes = DemoBackends.start(HOST, List.of(new DemoBackends.Backend("2.5.1", 0),
                new DemoBackends.Backend("2.5.1", 0), new DemoBackends.Backend("2.5.1", 0)));
             Replay run = new Replay("couchbase", dir)) {
            List<Integer> ports = nodes.ports("2.5.1");
            run.shows(ports.get(0), 8091).shows(ports.get(1), 9091).shows(ports.get(2), 10091);
            run.start("369f06ad-2bbf-11e4-9034-28cfe9158b63", "2.5.1", ports);
            run.step("start");
            for (int i = 0; i < 6; i++) {
                run.get(null);
            }
            run.step("requests");
        }
    }

    /** §6.2.2, INSTANT: every request goes to 3.9.2 at once; stopping it rolls it back. */
    @Test
    void wordpressInstantUpgrade() {
        upgradeThenStop("instant", "24e90b08-2c8d-11e4-a649-28cfe9158b63", "8aedb902-2c8d-11e4-a649-28cfe9158b63",
                "INSTANT");
    }

    /** The thesis's runs of INSTANT and CONCURRENT: one request before, the PUT, one after, 3.9.2 stopped, one more. */
    private void upgradeThenStop(String scenario, String oldUuid, String newUuid, String mode) {
        try (DemoBackends wordpress = wordpress(); Replay run = new Replay(scenario, dir)) {
            run.start(wordpress, oldUuid);
            run.get(null);
            run.step("before");
            run.put(wordpress, newUuid, "{\"mode\": \"" + mode + "\"}");
            run.step("put");
            run.get(null);
            run.step("after");
            wordpress.stop("3.9.2");
            run.get(null);
            run.step("stopped");
        }
    }

    /** §6.2.2, SESSION: new sessions get 3.9.2, a client holding 3.9.1's cookie stays on it. */
    @Test
    void wordpressSessionUpgrade() {
        String old = "e6203784-2c93-11e4-88f5-28cfe9158b63";
        try (DemoBackends wordpress = wordpress(); Replay run = new Replay("session", dir)) {
            run.start(wordpress, old);
            run.get(null);
            run.step("before");
            run.put(wordpress, "5fba791f-2c94-11e4-88f5-28cfe9158b63", "{\"mode\": \"SESSION\", \"sessionTimeout\": 60}");
            run.step("put");
            run.get(null);
            run.step("without-cookie");
            run.get("dynsoftup=" + old);
            run.step("with-cookie");
            wordpress.stop("3.9.2");
            run.get(null);
            run.step("stopped");
        }
    }

    /** §6.2.2, GRADUAL at 1 point per request: the client of bucket 3 moves on its 4th request. */
    @Test
    void wordpressGradualUpgrade() {
        try (DemoBackends wordpress = wordpress(); Replay run = new Replay("gradual", dir)) {
            run.start(wordpress, "d7bf97fc-2e9a-11e4-8d7c-600308a8245e");
            run.get(null);
            run.step("before");
            run.put(wordpress, "be709f8f-2e9b-11e4-8d7c-600308a8245e",
                    "{\"mode\": \"GRADUAL\", \"percentageTransitionPerRequest\": 1}");
            run.step("put");
            for (int i = 0; i < 5; i++) {
                run.get("transition=" + TRANSITION);
            }
            run.step("transition");
            wordpress.stop("3.9.2");
            run.get("transition=" + TRANSITION);
            run.step("stopped");
        }
    }

    /** §6.2.2, CONCURRENT: both versions asked, 3.9.2 answers until it is stopped, then 3.9.1. */
    @Test
    void wordpressConcurrentUpgrade() {
        upgradeThenStop("concurrent", "32afd70b-2f71-11e4-b59e-600308a8245e", "9e1cb1e4-2f71-11e4-b59e-600308a8245e",
                "CONCURRENT");
    }

    private static DemoBackends wordpress() {
        return DemoBackends.start(HOST, List.of(new DemoBackends.Backend("3.9.1", 0), new DemoBackends.Backend("3.9.2", 0)));
    }

    /** One scenario: a Turnout started from a config file, driven as the thesis drove its proxy, its log read step by step. */
    private static final class Replay implements AutoCloseable {
        private final String scenario;
        private final Path dir;
        /** Ports as the document shows them, by the free port the test used. */
        private final Map<Integer, Integer> shown = new HashMap<>();
        private final int proxyPort = TestBackend.refusingPort();
        private final int adminPort = TestBackend.refusingPort();
        private TurnoutChild turnout;
        private int linesSeen;

        Replay(String scenario, Path dir) {
            this.scenario = scenario;
            this.dir = dir;
            shows(proxyPort, 1235).shows(adminPort, 9090);
        }

        Replay shows(int port, int as) {
            shown.put(port, as);
            return this;
        }

        /** The thesis's WordPress start: 3.9.1 loaded, shown on the demo's 1034; 3.9.2 to come on 1035. */
        void start(DemoBackends wordpress, String uuid) {
            shows(wordpress.port("3.9.1"), 1034).shows(wordpress.port("3.9.2"), 1035);
            start(uuid, "3.9.1", List.of(wordpress.port("3.9.1")));
            step("start");
        }

        /** Writes the thesis's config file (§5.4) and starts Turnout at INFO, as {@code scripts/turnout} does. */
        void start(String uuid, String version, List<Integer> serverPorts) {
            List<String> servers = new ArrayList<>();
            for (int port : serverPorts) {
                servers.add("{\"hostname\": \"" + HOST + "\", \"port\": " + port + "}");
            }
            try {
                Files.writeString(dir.resolve("config.json"), """
                        {"proxy": {"port": %d, "hostname": "%s"}, "configService": {"port": %d},
                         "cluster": {"uuid": "%s", "servers": [%s], "version": "%s"}}
                        """.formatted(proxyPort, HOST, adminPort, uuid, String.join(", ", servers), version));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            turnout = TurnoutChild.start(dir, "-configFile=config.json", "-logLevel=INFO");
            turnout.awaitAccepting(adminPort);
        }

        /** {@code curl http://127.0.0.1:1235/}, with a cookie when given: one request on a fresh connection. */
        void get(String cookie) {
            try (RawHttpClient client = RawHttpClient.connect(proxyPort)) {
                client.send("GET / HTTP/1.1\r\nHost: " + HOST + ":1235\r\n"
                        + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "\r\n");
                HttpResponse response = client.readResponse();
                assertEquals(200, response.status(), response::toString);
            }
        }

        /** The thesis's PUT of 3.9.2, with the uuid its proxy answered, so the log lines can name it. */
        void put(DemoBackends wordpress, String uuid, String transition) {
            String body = "{\"cluster\": {\"uuid\": \"" + uuid + "\", \"servers\": [{\"hostname\": \"" + HOST
                    + "\", \"port\": " + wordpress.port("3.9.2") + "}], \"version\": \"3.9.2\", \"upgradeTransition\": "
                    + transition + "}}";
            try (RawHttpClient admin = RawHttpClient.connect(adminPort)) {
                HttpResponse response = exchange(admin, "PUT", "/configuration/cluster", body);
                assertEquals(202, response.status(), response::toString);
            }
        }

        /** Compares the lines logged since the last step with the document's block for {@code step}. */
        void step(String step) {
            String id = scenario + "/" + step;
            DocLogBlocks.Block block = BLOCKS.get(id);
            if (block == null) {
                throw new AssertionError(DOCUMENT + " has no block ```log turnout:" + id);
            }
            int want = linesSeen + block.lines().size();
            List<String> lines = Await.value(block.lines().size() + " lines for " + id + turnout, Duration.ofSeconds(10),
                    turnout::stderrLines, l -> l.size() >= want);
            List<String> logged = shown(lines.subList(linesSeen, want));
            linesSeen = want;
            if (block.unordered()) {
                assertEquals(block.lines().stream().sorted().toList(), logged.stream().sorted().toList(), id);
            } else {
                assertEquals(block.lines(), logged, id);
            }
            REPLAYED.add(id);
        }

        /** Without timestamps, and with the ports the document shows. */
        private List<String> shown(List<String> lines) {
            List<String> out = new ArrayList<>(lines.size());
            for (String line : lines) {
                Matcher m = NUMBER.matcher(TIMESTAMP.matcher(line).replaceFirst(""));
                out.add(m.replaceAll(n -> String.valueOf(shown.getOrDefault(Integer.parseInt(n.group()),
                        Integer.parseInt(n.group())))));
            }
            return out;
        }

        /** SIGTERM; nothing but the drain's two lines may follow the last step. */
        @Override
        public void close() {
            if (turnout == null) {
                return;
            }
            try {
                turnout.terminate();
                assertEquals(0, turnout.awaitExit(Duration.ofSeconds(20)), turnout::toString);
                List<String> lines = turnout.stderrLines();
                assertEquals(SHUTDOWN, shown(lines.subList(Math.min(linesSeen, lines.size()), lines.size())),
                        scenario + ": lines after the last step" + turnout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } finally {
                turnout.close();
            }
        }
    }
}
