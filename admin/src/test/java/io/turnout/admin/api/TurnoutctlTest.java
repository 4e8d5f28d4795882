package io.turnout.admin.api;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import io.turnout.admin.catalog.ClusterProvisioner;
import io.turnout.engine.health.Event;
import io.turnout.engine.health.EventLog;
import io.turnout.engine.route.Cluster;
import io.turnout.engine.route.TransitionMode;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.TestPki;
import io.turnout.engine.tls.TlsContext;
import io.turnout.engine.tls.TlsSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/turnoutctl end to end: bash and curl against a running admin API. */
class TurnoutctlTest {
    private static final Path SCRIPT = locate();
    private static final String V1 = "11111111-1111-4111-8111-111111111111";
    private static final String V2 = "22222222-2222-4222-8222-222222222222";

    @TempDir
    Path dir;
    private AdminFixture admin = AdminFixture.start();

    record Run(int exit, String out, String err) {
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    private static Path locate() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("scripts/turnoutctl"))) {
            p = p.getParent();
        }
        assertNotNull(p, "scripts/turnoutctl not found above the working directory");
        return p.resolve("scripts/turnoutctl");
    }

    private Run ctl(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("TURNOUT_ADMIN");
        pb.environment().remove("TURNOUT_TOKEN");
        pb.environment().putAll(env);
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "turnoutctl finished");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private Run ctl(String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("--admin", admin.baseUrl()));
        all.addAll(List.of(args));
        return ctl(Map.of(), all.toArray(String[]::new));
    }

    @Test
    void addListGetDeleteRoundTrip() throws Exception {
        Run add = ctl("add", "--version", "2.0", "--server", "127.0.0.1:1035", "--server", "localhost:1036",
                "--mode", "session", "--session-timeout", "60");
        assertEquals(0, add.exit(), add.err());
        String uuid = add.out().trim();
        assertTrue(uuid.matches(AdminApiTest.UUID_PATTERN), add.out());
        Cluster c = admin.writer.snapshot().byUuid(uuid);
        assertEquals("2.0", c.version());
        assertEquals(TransitionMode.SESSION, c.mode());
        assertEquals(60, c.sessionTimeoutSeconds());
        assertEquals("localhost:1036", c.servers().get(1).toString());

        Run list = ctl("list", "--json");
        assertEquals(0, list.exit(), list.err());
        JSONArray clusters = JSON.parseArray(list.out());
        assertEquals(uuid, clusters.getJSONObject(0).getJSONObject("cluster").getString("uuid"));

        Run get = ctl("get", uuid);
        assertEquals(0, get.exit(), get.err());
        assertEquals("2.0", JSON.parseObject(get.out()).getJSONObject("cluster").getString("version"));

        Run delete = ctl("delete", uuid);
        assertEquals(0, delete.exit(), delete.err());
        assertEquals("deleted " + uuid, delete.out().trim());
        assertNull(admin.writer.snapshot().byUuid(uuid));
    }

    @Test
    void addTakesEveryModeOptionAUuidAndAJsonFile() throws Exception {
        assertEquals(0, ctl("add", "--uuid", "g1", "--version", "3", "--server", "127.0.0.1:1", "--mode", "GRADUAL",
                "--percentage", "12.5").exit());
        assertEquals(12.5, admin.writer.snapshot().byUuid("g1").percentagePerRequest());
        Run perMinute = ctl("add", "--uuid", "g2", "--version", "4", "--server", "127.0.0.1:1", "--mode", "GRADUAL",
                "--per-minute", "0.01");
        assertEquals(0, perMinute.exit(), perMinute.err());
        assertEquals(0.01, admin.writer.snapshot().byUuid("g2").percentagePerMinute());
        assertEquals(0, admin.writer.snapshot().byUuid("g2").percentagePerRequest());
        assertEquals(0, ctl("add", "--uuid=c1", "--server=127.0.0.1:2", "--mode=CONCURRENT", "--mirror-unsafe").exit());
        assertTrue(admin.writer.snapshot().byUuid("c1").mirrorUnsafeMethods());
        assertEquals("0.0", admin.writer.snapshot().byUuid("c1").version());

        Path json = dir.resolve("cluster.json");
        Files.writeString(json, "{\"cluster\": {\"uuid\": \"j1\", \"version\": \"1.0\", \"servers\": [{\"ip\": \"127.0.0.1\", \"port\": 3}]}}");
        Run fromFile = ctl("add", "--json", json.toString());
        assertEquals(0, fromFile.exit(), fromFile.err());
        assertEquals("j1", fromFile.out().trim());
    }

    @Test
    void anHttpErrorPrintsTheServersMessageAndExitsNonZero() throws Exception {
        Run missing = ctl("get", "nope");
        assertEquals(1, missing.exit());
        assertEquals("", missing.out());
        assertTrue(missing.err().contains("HTTP 404: no cluster with uuid nope"), missing.err());

        Run bad = ctl("add", "--server", "127.0.0.1:70000");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("HTTP 400: cluster.servers[0].port"), bad.err());

        Run notNumber = ctl("add", "--server", "127.0.0.1:1", "--mode", "SESSION", "--session-timeout", "soon");
        assertEquals(1, notNumber.exit());
        assertTrue(notNumber.err().contains("sessionTimeout"), notNumber.err());

        Run both = ctl("add", "--server", "127.0.0.1:1", "--mode", "GRADUAL", "--percentage", "1", "--per-minute", "1");
        assertEquals(1, both.exit());
        assertTrue(both.err().contains("HTTP 400: cluster.upgradeTransition.percentageTransitionPerMinute: give"
                + " percentageTransitionPerRequest or percentageTransitionPerMinute, not both"), both.err());

        assertEquals(1, ctl("delete", "nope").exit());

        // curl sends Expect: 100-continue for a body this large; the 413 comes before the body.
        Path big = dir.resolve("big.json");
        Files.writeString(big, "{\"cluster\": {\"version\": \"" + "9".repeat(2 * 1024 * 1024) + "\"}}");
        Run tooLarge = ctl("add", "--json", big.toString());
        assertEquals(1, tooLarge.exit());
        assertTrue(tooLarge.err().contains("HTTP 413: request body of " + Files.size(big) + " bytes is over the limit of 1048576 bytes"),
                tooLarge.err());
        assertTrue(admin.writer.snapshot().isEmpty());
    }

    /** Two versions with a minute of made-up traffic: 2.0 GRADUAL with one server ejected, 1.0 INSTANT. */
    private EventLog upgradeInProgress() throws Exception {
        admin.close();
        EventLog log = new EventLog(AdminApi.EVENTS_KEPT);
        admin = AdminFixture.start(null, ClusterProvisioner.NONE, () -> "turnout_up 1\n", log);
        assertEquals(0, ctl("add", "--uuid", V1, "--version", "1.0", "--server", "127.0.0.1:1034").exit());
        assertEquals(0, ctl("add", "--uuid", V2, "--version", "2.0", "--server", "127.0.0.1:1035", "--server",
                "127.0.0.1:1036", "--mode", "GRADUAL", "--percentage", "10").exit());
        Cluster v2 = admin.writer.snapshot().byUuid(V2);
        admin.writer.submit(s -> s.replacing(v2.withEjected(v2.servers().get(1), true))).join();
        log.record(Event.Type.EJECTION, V2, "2.0", "127.0.0.1:1036", "Connection refused");
        Cluster v1 = admin.writer.snapshot().byUuid(V1);
        for (int i = 0; i < 30; i++) {
            v1.state().metrics().onResponse(200, 2_000_000);
        }
        for (int i = 0; i < 10; i++) {
            v2.state().metrics().onResponse(200, 400_000);
        }
        v2.state().metrics().onUpstreamFailure();
        for (int i = 0; i < 4; i++) {
            v2.state().countGradualRequest(10);
        }
        admin.tick();
        return log;
    }

    @Test
    void listAndStatusPrintTheVersionsAsATableNewestFirst() throws Exception {
        upgradeInProgress();
        String table = """
                VERSION  MODE     SERVERS                                   SHARE  REQ/S  FAILED  P99    COUNTER  UUID
                2.0      GRADUAL  127.0.0.1:1035, 127.0.0.1:1036 (ejected)  25%    10.0   9.1%    1.0ms  40%      22222222-2222-4222-8222-222222222222
                1.0      INSTANT  127.0.0.1:1034                            75%    30.0   0.0%    2.5ms  -        11111111-1111-4111-8111-111111111111
                """;
        Run list = ctl("list");
        assertEquals(0, list.exit(), list.err());
        assertEquals(table, list.out());
        Run status = ctl("status");
        assertEquals(0, status.exit(), status.err());
        assertEquals("status: UP (" + admin.baseUrl() + ")\n" + table, status.out());
    }

    @Test
    void eventsPrintATableNewestFirst() throws Exception {
        EventLog log = upgradeInProgress();
        log.record(Event.Type.ROLLBACK, V2, "2.0", null, "all servers ejected");
        Run events = ctl("events");
        assertEquals(0, events.exit(), events.err());
        assertEquals("""
                TIME                  TYPE      VERSION  SERVER          REASON
                2000-01-01T00:00:00Z  ROLLBACK  2.0      -               all servers ejected
                2000-01-01T00:00:00Z  EJECTION  2.0      127.0.0.1:1036  Connection refused
                2000-01-01T00:00:00Z  UPGRADE   2.0      -               added by PUT /configuration/cluster
                2000-01-01T00:00:00Z  UPGRADE   1.0      -               added by PUT /configuration/cluster
                """, events.out().replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ", "2000-01-01T00:00:00Z"));
    }

    @Test
    void withJsonListStatusAndEventsPrintTheApisJson() throws Exception {
        upgradeInProgress();
        String[][] commands = {{"list", "/configuration/cluster"}, {"status", "/status"}, {"events", "/events"}};
        for (String[] c : commands) {
            Run run = ctl(c[0], "--json");
            assertEquals(0, run.exit(), run.err());
            assertEquals(JSON.parse(admin.send("GET", c[1], null).body()), JSON.parse(run.out()), c[0] + " --json");
        }
        assertEquals("turnout_up 1\n", ctl("metrics").out());
        Run bogus = ctl("list", "--yaml");
        assertEquals(2, bogus.exit());
        assertTrue(bogus.err().contains("list: unknown option --yaml"), bogus.err());
    }

    @Test
    void emptyTablesSayWhatToDo() throws Exception {
        assertEquals("no versions; add one with: turnoutctl add --version V --server HOST:PORT\n", ctl("list").out());
        assertEquals("no events yet\n", ctl("events").out());
    }

    @Test
    void watchRedrawsTheStatusEverySecondUntilStopped() throws Exception {
        upgradeInProgress();
        Path out = dir.resolve("watch");
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "--admin", admin.baseUrl(), "watch");
        pb.environment().remove("TURNOUT_TOKEN");
        pb.redirectOutput(out.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process watch = pb.start();
        try {
            Await.until("two frames of watch", Duration.ofSeconds(10), () -> frames(out) >= 2);
        } finally {
            watch.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the trap ends it cleanly
        }
        assertTrue(watch.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, watch.exitValue());
        String frames = Files.readString(out);
        assertTrue(frames.contains("status: UP (" + admin.baseUrl() + ")\nVERSION  MODE"), frames);
        assertTrue(frames.contains("latest events:\nTIME"), frames);
        assertFalse(frames.contains("\u001b["), "no screen clearing when the output is not a terminal");
    }

    private static long frames(Path out) {
        try {
            return Files.readString(out).lines().filter(l -> l.endsWith("(every 1 s; Ctrl-C stops)")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theTokenIsPassedFromTheFlagOrTheEnvironment() throws Exception {
        admin.close();
        admin = AdminFixture.start("s3cret \"quoted\"");
        Run denied = ctl("list");
        assertEquals(1, denied.exit());
        assertTrue(denied.err().contains("HTTP 401"), denied.err());

        Run flag = ctl("--token", "s3cret \"quoted\"", "add", "--server", "127.0.0.1:1");
        assertEquals(0, flag.exit(), flag.err());
        Run env = ctl(Map.of("TURNOUT_TOKEN", "s3cret \"quoted\"", "TURNOUT_ADMIN", admin.baseUrl()), "list", "--json");
        assertEquals(0, env.exit(), env.err());
        assertEquals(1, JSON.parseArray(env.out()).size());
    }

    @Test
    void anUnreachableAdminApiIsOneLineSayingWhereAndHowToStartIt() throws Exception {
        Run r = ctl(Map.of("TURNOUT_ADMIN", "http://127.0.0.1:1"), "list");
        assertEquals(3, r.exit());
        assertTrue(r.err().startsWith("turnoutctl: the admin API is not reachable at http://127.0.0.1:1; start the proxy"),
                r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void helpAndUsageErrors() throws Exception {
        Run help = ctl("help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--session-timeout"));
        assertTrue(help.out().contains("--per-minute P"), help.out());
        Run unknown = ctl("frobnicate");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("unknown command 'frobnicate'"));
        assertEquals(2, ctl("get").exit());
        assertEquals(2, ctl("add", "--bogus", "x").exit());
    }

    @Test
    void statusShowsTheCertificateLineWhenTheProxyServesTls() throws Exception {
        TestPki pki = TestPki.create();
        TestPki.Issued issued = pki.issue("status.test");
        TlsContext tls = TlsContext.open(issued.settings());
        admin.close();
        admin = AdminFixture.start(tls);
        Run status = ctl("status");
        assertEquals(0, status.exit(), status.err());
        assertEquals("status: UP (" + admin.baseUrl() + ")\ntls: CN=status.test (issuer CN=Turnout Test CA), expires "
                + tls.identity().notAfter() + " (in 1d 23h), TLSv1.3 TLSv1.2, 0 handshakes, 0 failed\n"
                + "no versions; add one with: turnoutctl add --version V --server HOST:PORT\n", status.out());
    }

    @Test
    void tlsReloadPrintsTheNewCertificateOrTheServersOneLineAndExitsNonZero() throws Exception {
        TestPki pki = TestPki.create();
        TestPki.Issued first = pki.issue("first.test");
        TestPki.Issued renewed = pki.issue("renewed.test", "ec", 5);
        Path chain = Files.copy(first.chain(), dir.resolve("chain.pem"));
        Path key = Files.copy(first.key(), dir.resolve("key.pem"));
        TlsContext tls = TlsContext.open(new TlsSettings(chain, key));
        admin.close();
        admin = AdminFixture.start(tls);

        Files.copy(renewed.chain(), chain, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
        Run reload = ctl("tls-reload");
        assertEquals(0, reload.exit(), reload.err());
        assertEquals("reloaded: CN=renewed.test (issuer CN=Turnout Test CA), expires " + tls.identity().notAfter()
                + " (in 4d 23h)\n", reload.out());
        assertEquals("CN=renewed.test", tls.identity().subject());

        Run json = ctl("tls-reload", "--json");
        assertEquals(0, json.exit(), json.err());
        assertEquals("CN=renewed.test", JSON.parseObject(json.out()).getString("subject"));

        Files.writeString(key, "not a key\n");
        Run bad = ctl("tls-reload");
        assertEquals(1, bad.exit());
        assertEquals("", bad.out());
        assertEquals("turnoutctl: HTTP 400: proxy.tls.key: " + key + ": holds no -----BEGIN PRIVATE KEY----- block"
                + " (a PKCS#8 PEM key); the certificate in force stays (CN=renewed.test, valid until "
                + tls.identity().notAfter() + ")\n", bad.err());
        assertEquals("CN=renewed.test", tls.identity().subject());
    }

    @Test
    void tlsReloadOnAPlainProxySaysToConfigureTls() throws Exception {
        Run r = ctl("tls-reload");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("turnoutctl: HTTP 409: the proxy speaks plain HTTP, so there is no certificate"
                + " to reload; configure proxy.tls"), r.err());
        assertTrue(ctl("help").out().contains("tls-reload [--json]"));
        assertEquals(2, ctl("tls-reload", "--yaml").exit());
    }

    @Test
    void theScriptIsExecutable() {
        assertTrue(Files.isExecutable(SCRIPT));
    }
}
