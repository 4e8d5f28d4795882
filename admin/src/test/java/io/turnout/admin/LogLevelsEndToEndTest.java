package io.turnout.admin;

import io.turnout.admin.config.LogLevel;
import io.turnout.admin.support.TurnoutChild;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.turnout.admin.api.AdminFixture.exchange;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What Turnout logs at INFO, NOTICE and WARN (SPEC §1, §7), in a child JVM as
 * {@code scripts/turnout} runs it, since tinylog's configuration is per process. One session of
 * the thesis's kind: a start, a SESSION upgrade with a pinned client, a DELETE, a GRADUAL upgrade
 * that moves a client on its 4th request, and the new version stopped, which rolls it back. Every
 * line INFO gives is listed below; NOTICE must give exactly the NOTICE and WARNING ones, WARN the
 * WARNING ones.
 */
class LogLevelsEndToEndTest {
    private static final String OLD_UUID = "e6203784-2c93-11e4-88f5-28cfe9158b63";
    private static final String SESSION_UUID = "5fba791f-2c94-11e4-88f5-28cfe9158b63";
    private static final String GRADUAL_UUID = "be709f8f-2e9b-11e4-8d7c-600308a8245e";
    /** SPEC §2: this transition uuid falls in GRADUAL bucket 3. */
    private static final String TRANSITION = "952c8557-2088-11e4-87e3-600308a8245e";
    /** Ends a line whose tail varies (a whole config, a socket error's wording): only its start is compared. */
    private static final String ANY_TAIL = "…";

    @TempDir
    Path dir;

    private final TestBackend v391 = TestBackend.echo("3.9.1");
    private final TestBackend v392 = TestBackend.echo("3.9.2");
    private TurnoutChild turnout;

    @AfterEach
    void stop() {
        if (turnout != null) {
            turnout.close();
        }
        v391.close();
        v392.close();
    }

    @ParameterizedTest(name = "-logLevel={0}")
    @ValueSource(strings = {"INFO", "NOTICE", "WARN"})
    void eachLevelLogsItsLinesAndNothingBelow(String level) throws Exception {
        // Ports chosen here, not 0: at WARN nothing says which ports Turnout bound.
        int proxy = TestBackend.refusingPort();
        int admin = TestBackend.refusingPort();
        Files.writeString(dir.resolve("config.json"), """
                {"proxy": {"port": %d, "hostname": "127.0.0.1"}, "configService": {"port": %d},
                 "cluster": {"uuid": "%s", "version": "3.9.1", "servers": [{"hostname": "127.0.0.1", "port": %d}]}}
                """.formatted(proxy, admin, OLD_UUID, v391.port()));
        turnout = TurnoutChild.start(dir, "-configFile=config.json", "-logLevel=" + level);
        turnout.awaitAccepting(admin);

        get(proxy, null);
        put(admin, SESSION_UUID, "{\"mode\": \"SESSION\", \"sessionTimeout\": 60}");
        get(proxy, null);
        get(proxy, "dynsoftup=" + OLD_UUID);
        assertEquals(202, admin(admin, "DELETE", "/configuration/cluster/" + SESSION_UUID, null).status());
        put(admin, GRADUAL_UUID, "{\"mode\": \"GRADUAL\", \"percentageTransitionPerRequest\": 1}");
        for (int i = 0; i < 4; i++) {
            get(proxy, "transition=" + TRANSITION);
        }
        v392.stop();
        get(proxy, "transition=" + TRANSITION);
        turnout.terminate();
        assertEquals(0, turnout.awaitExit(Duration.ofSeconds(20)), turnout::toString);

        String old = "ip: [127.0.0.1] port: [" + v391.port() + "] version: [3.9.1] mode: [INSTANT]";
        String servers = "\"servers\":[{\"hostname\":\"127.0.0.1\",\"port\":" + v392.port() + "}]";
        String added = "NOTICE - Added cluster to configuration - version: 3.9.2 [127.0.0.1:" + v392.port() + "] mode: ";
        List<String> info = List.of(
                "NOTICE - Parsed config file: config.json as: {" + ANY_TAIL,
                "NOTICE - Loaded 1 cluster(s) from config.json",
                "NOTICE - Proxy listening on 127.0.0.1:" + proxy,
                "NOTICE - Admin API listening on 127.0.0.1:" + admin,
                "INFO - Serving response 0 from " + old,
                "INFO - Received new cluster configuration: {\"cluster\":{" + servers + ",\"upgradeTransition\":"
                        + "{\"mode\":\"SESSION\",\"sessionTimeout\":60},\"uuid\":\"" + SESSION_UUID + "\",\"version\":\"3.9.2\"}}",
                added + "[SESSION]",
                "INFO - Serving response 0 from ip: [127.0.0.1] port: [" + v392.port() + "] version: [3.9.2] mode: [SESSION]"
                        + " session timeout [60] uuid [" + SESSION_UUID + "]",
                "INFO - Serving response 1 from " + old,
                "NOTICE - Deleted cluster from configuration - version: 3.9.2 [127.0.0.1:" + v392.port() + "]",
                "INFO - Received new cluster configuration: {\"cluster\":{" + servers + ",\"upgradeTransition\":"
                        + "{\"mode\":\"GRADUAL\",\"percentageTransitionPerRequest\":1},\"uuid\":\"" + GRADUAL_UUID
                        + "\",\"version\":\"3.9.2\"}}",
                added + "[GRADUAL]",
                "INFO - Serving response 2 from " + old,
                "INFO - Serving response 3 from " + old,
                "INFO - Serving response 4 from " + old,
                "INFO - Serving response 0 from ip: [127.0.0.1] port: [" + v392.port() + "] version: [3.9.2] mode: [GRADUAL]"
                        + " transition counter [4.00] percentage transition per request [1.00]",
                "WARNING - Ejecting server 127.0.0.1:" + v392.port() + " of version 3.9.2: " + ANY_TAIL,
                "WARNING - Removing cluster from configuration - version: 3.9.2 [127.0.0.1:" + v392.port() + "]",
                "INFO - Serving response 5 from " + old,
                "INFO - Shutting down: draining in-flight exchanges (at most 30.0 s)",
                "INFO - Shut down");
        LogLevel threshold = LogLevel.parse(level);
        List<String> expected = info.stream().filter(l -> threshold.shows(LogLevel.parse(l.substring(0, l.indexOf(' ')))))
                .toList();
        // The rollback's WARNING lines come from the snapshot writer's thread, the response's line
        // from a selector thread: their order is a race, so lines are compared as a sorted list.
        assertEquals(sorted(expected), sorted(matched(expected, withoutTimestamps(turnout.stderrLines()))),
                turnout::toString);
    }

    private static void get(int proxy, String cookie) {
        try (RawHttpClient client = RawHttpClient.connect(proxy)) {
            client.send("GET / HTTP/1.1\r\nHost: wordpress\r\n" + (cookie == null ? "" : "Cookie: " + cookie + "\r\n")
                    + "\r\n");
            HttpResponse response = client.readResponse();
            assertEquals(200, response.status(), response::toString);
        }
    }

    private void put(int admin, String uuid, String transition) {
        HttpResponse put = admin(admin, "PUT", "/configuration/cluster", "{\"cluster\": {\"uuid\": \"" + uuid
                + "\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": " + v392.port() + "}], \"version\": \"3.9.2\","
                + " \"upgradeTransition\": " + transition + "}}");
        assertEquals(202, put.status(), put::toString);
    }

    private static HttpResponse admin(int port, String method, String path, String body) {
        try (RawHttpClient c = RawHttpClient.connect(port)) {
            return exchange(c, method, path, body);
        }
    }

    private static List<String> withoutTimestamps(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            out.add(line.replaceFirst("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ", ""));
        }
        return out;
    }

    /** The actual lines, each one that matches an expected line's start (one ending in "…") replaced by it. */
    private static List<String> matched(List<String> expected, List<String> actual) {
        List<String> out = new ArrayList<>();
        for (String line : actual) {
            String shown = line;
            for (String e : expected) {
                if (e.endsWith(ANY_TAIL) && line.startsWith(e.substring(0, e.length() - ANY_TAIL.length()))) {
                    shown = e;
                }
            }
            out.add(shown);
        }
        return out;
    }

    private static List<String> sorted(List<String> lines) {
        return lines.stream().sorted().toList();
    }
}
