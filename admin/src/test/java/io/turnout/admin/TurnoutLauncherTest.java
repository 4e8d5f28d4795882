package io.turnout.admin;

import io.turnout.admin.support.JavaSubprocess;
import io.turnout.admin.support.JavaSubprocess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher as users meet it: a real process, its exit code and its stderr. */
class TurnoutLauncherTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Result turnout(String... args) throws Exception {
        return JavaSubprocess.run(TIMEOUT, dir, Turnout.class, args);
    }

    /** Exit 1 and exactly one stderr line, starting with {@code expectedStart}, with no internals in it. */
    private static void assertOneLineError(Result r, String expectedStart) {
        assertEquals(1, r.exitCode(), r::toString);
        List<String> lines = r.stderrLines();
        assertEquals(1, lines.size(), r::toString);
        String line = lines.get(0);
        assertTrue(line.startsWith(expectedStart), () -> "expected <" + expectedStart + "...>, got " + r);
        assertFalse(line.contains("Exception") || line.contains("at io.") || line.contains("at java."), r::toString);
        assertEquals("", r.stdout(), r::toString);
    }

    @Test
    void helpPrintsUsageWithAnExampleAndExitsZero() throws Exception {
        Result r = turnout("-h");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stdout().startsWith("Usage of turnout:"), r::toString);
        assertTrue(r.stdout().contains("\"configService\": {"), r::toString);
        assertEquals("", r.stderr(), r::toString);
    }

    @Test
    void unknownFlagIsOneLineWithHint() throws Exception {
        assertOneLineError(turnout("-confgFile=x.json"), "turnout: unknown flag -confgFile (did you mean -configFile?); run with -h");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            bad JSON       | {`proxy`: {`port`: 1235}, `configService`: {`port`: 9090}            | config.json: not valid JSON (unexpected end of input
            missing port   | {`proxy`: {}, `configService`: {`port`: 9090}}                        | config.json: proxy.port: required
            unknown key    | {`proxy`: {`port`: 1235}, `configService`: {`port`: 9090}, `sesionTimeout`: 5} | config.json: sesionTimeout: unknown key
            wrong type     | {`proxy`: {`port`: `1235`}, `configService`: {`port`: 9090}}          | config.json: proxy.port: must be a number 0-65535, was a string
            port 70000     | {`proxy`: {`port`: 70000}, `configService`: {`port`: 9090}}           | config.json: proxy.port: must be 0-65535, was 70000
            cluster field  | {`proxy`: {`port`: 1235}, `configService`: {`port`: 9090}, `cluster`: {`servers`: [{`hostname`: `h`, `port`: 0}]}} | config.json: cluster.servers[0].port: must be 1-65535, was 0
            """)
    void badConfigExitsOneWithOneLineNamingFileAndField(String name, String json, String expected) throws Exception {
        Files.writeString(dir.resolve("config.json"), json.replace('`', '"'));
        assertOneLineError(turnout("-configFile=config.json"), expected);
    }

    @Test
    void defaultConfigFileIsDotSlashConfigJson() throws Exception {
        assertOneLineError(turnout(), "./config.json: not found; give the config file's path with -configFile=PATH");
    }

    @Test
    void missingFileIsOneLineAtEveryLogLevel() throws Exception {
        assertOneLineError(turnout("--configFile", "nope.json", "--logLevel", "DEBUG"), "nope.json: not found");
    }

    @Test
    void corruptStateFileStopsTheStartWithOneLine() throws Exception {
        Files.writeString(dir.resolve("state.json"), "{\"turnoutState\": 1, \"clusters\": [");
        Files.writeString(dir.resolve("config.json"), """
                {"proxy": {"port": 0}, "configService": {"port": 0}, "stateFile": "state.json"}""");
        assertOneLineError(turnout("-configFile=config.json"), "state file " + dir.resolve("state.json").toRealPath()
                + " is torn or corrupt (");
    }

    @Test
    void containersWithNoDockerWhereItLookedIsOneLineNamingTheSocket() throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"proxy": {"port": 0}, "configService": {"port": 0}, "dockerHost": {"socket": "/nonexistent/docker.sock"},
                 "cluster": {"version": "2", "containers": [{"image": "nginx", "portToProxy": 80}]}}""");
        Result r = turnout("-configFile=config.json");
        assertOneLineError(r, "config.json: starting the containers of cluster ");
        assertTrue(r.stderr().contains("(version 2) failed: cannot reach Docker at unix:///nonexistent/docker.sock"), r::toString);
    }

    @Test
    void aTakenAdminPortIsOneLineNamingTheField() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Files.writeString(dir.resolve("config.json"), "{\"proxy\": {\"port\": 0, \"hostname\": \"127.0.0.1\"}, "
                    + "\"configService\": {\"port\": " + taken.getLocalPort() + "}}");
            assertOneLineError(turnout("-configFile=config.json"), "config.json: configService.port: the admin API cannot"
                    + " listen on 127.0.0.1:" + taken.getLocalPort() + " (");
        }
    }
}
