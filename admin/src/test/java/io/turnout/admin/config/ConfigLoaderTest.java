package io.turnout.admin.config;

import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.settings.RollbackPolicy;
import io.turnout.engine.route.TransitionMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path write(String json) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json.replace('`', '"'));
        return file;
    }

    private String error(String json) throws IOException {
        Path file = write(json);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(file));
        ClusterJsonTest.assertMessageIsSafe(e.getMessage(), json);
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        return e.getMessage().substring(file.toString().length() + 2);
    }

    @Test
    void thesisMinimalConfigLoadsWithSpecDefaults() throws IOException {
        TurnoutConfig c = ConfigLoader.load(write("""
                {"proxy": {"port": 1235}, "configService": {"port": 9090},
                 "cluster": {"servers": [{"hostname": "127.0.0.1", "port": 1034}, {"hostname": "127.0.0.1", "port": 1035}],
                             "version": "1.0"}}"""));
        ProxySettings p = c.proxy();
        assertEquals(1235, p.port());
        assertEquals("0.0.0.0", p.hostname());
        assertEquals(Duration.ofSeconds(2), p.connectTimeout());
        assertEquals(Duration.ofSeconds(30), p.responseTimeout());
        assertEquals(Duration.ofSeconds(30), p.headTimeout());
        assertEquals(Duration.ofSeconds(60), p.idleTimeout());
        assertEquals(Duration.ofSeconds(30), p.drainTimeout());
        assertEquals(0, p.selectorThreads());
        assertEquals(2, p.maxRetries());
        assertEquals(RollbackPolicy.DEFAULT, p.rollback());
        assertEquals(new ConfigServiceSpec("127.0.0.1", 9090, null), c.configService());
        assertNull(c.dockerHost());
        assertNull(c.stateFile());
        assertEquals(1, c.clusters().size());
        assertEquals("1.0", c.clusters().get(0).version());
    }

    @Test
    void everyFieldOfTheSpecExampleIsRead() throws IOException {
        TurnoutConfig c = ConfigLoader.load(write("""
                {
                  "proxy":         { "port": 1235, "hostname": "0.0.0.0", "connectTimeout": 2.5,
                                     "responseTimeout": 31, "headTimeout": 0.25, "idleTimeout": 61,
                                     "drainTimeout": 0, "selectorThreads": 4, "maxConnections": 500, "maxRetries": 1 },
                  "configService": { "port": 9090, "hostname": "0.0.0.0", "token": "optional-secret" },
                  "dockerHost":    { "socket": "/var/run/docker.sock", "stopContainersOnExit": true },
                  "stateFile":     "./turnout-state.json",
                  "rollback":      { "consecutiveFailures": 4, "window": 10, "failureRatio": 0.3 },
                  "cluster":  { "version": "1.0", "servers": [ {"hostname": "127.0.0.1", "port": 1034} ] },
                  "clusters": [ { "version": "1.1", "servers": [ {"ip": "127.0.0.1", "port": 1036} ],
                                  "upgradeTransition": {"mode": "SESSION", "sessionTimeout": 60} },
                                {"cluster": { "version": "1.2", "servers": [ {"ip": "127.0.0.1", "port": 1037} ] } } ]
                }"""));
        ProxySettings p = c.proxy();
        assertEquals(Duration.ofMillis(2500), p.connectTimeout());
        assertEquals(Duration.ofSeconds(31), p.responseTimeout());
        assertEquals(Duration.ofMillis(250), p.headTimeout());
        assertEquals(Duration.ofSeconds(61), p.idleTimeout());
        assertEquals(Duration.ZERO, p.drainTimeout());
        assertEquals(4, p.selectorThreads());
        assertEquals(500, p.maxConnections());
        assertEquals(1, p.maxRetries());
        assertEquals(new RollbackPolicy(4, 10, 0.3), p.rollback());
        assertEquals("optional-secret", c.configService().token());
        assertEquals("0.0.0.0", c.configService().hostname());
        assertEquals(new DockerHostSpec("/var/run/docker.sock", null, 0, true), c.dockerHost());
        assertEquals(Path.of("./turnout-state.json"), c.stateFile());
        assertEquals(List.of("1.0", "1.1", "1.2"), c.clusters().stream().map(ClusterSpec::version).toList());
        assertEquals(TransitionMode.SESSION, c.clusters().get(1).mode());
    }

    @Test
    void clustersLoadInFileOrderWhicheverKeyComesFirst() throws IOException {
        TurnoutConfig c = ConfigLoader.load(write("""
                {"clusters": [{"version": "a", "servers": [{"hostname": "h", "port": 1}]}],
                 "proxy": {"port": 1235}, "configService": {"port": 9090},
                 "cluster": {"version": "b", "servers": [{"hostname": "h", "port": 2}]}}"""));
        assertEquals(List.of("a", "b"), c.clusters().stream().map(ClusterSpec::version).toList());
    }

    @Test
    void noClustersIsAllowed() throws IOException {
        assertTrue(ConfigLoader.load(write("{`proxy`: {`port`: 1}, `configService`: {`port`: 2}}")).clusters().isEmpty());
    }

    @Test
    void describeMasksTheToken() throws IOException {
        TurnoutConfig c = ConfigLoader.load(write("""
                {"proxy": {"port": 1}, "configService": {"port": 2, "token": "s3cret"}}"""));
        assertFalse(c.describe().contains("s3cret"), c.describe());
        assertTrue(c.describe().contains("\"token\":\"***\""), c.describe());
        assertFalse(c.configService().toString().contains("s3cret"));
    }

    @Test
    void dockerHostTcpDefaultsToPort2375() throws IOException {
        TurnoutConfig c = ConfigLoader.load(write("""
                {"proxy": {"port": 1}, "configService": {"port": 2}, "dockerHost": {"ip": "10.0.0.2"}}"""));
        assertEquals(new DockerHostSpec(null, "10.0.0.2", 2375, false), c.dockerHost());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing proxy.port        | {`proxy`: {}, `configService`: {`port`: 9090}}                          | proxy.port: required
            missing proxy             | {`configService`: {`port`: 9090}}                                       | proxy: required
            missing configService     | {`proxy`: {`port`: 1235}}                                               | configService: required
            missing configService.port| {`proxy`: {`port`: 1235}, `configService`: {}}                          | configService.port: required
            port 70000                | {`proxy`: {`port`: 70000}, `configService`: {`port`: 9090}}            | proxy.port: must be 0-65535, was 70000
            port as string            | {`proxy`: {`port`: `1235`}, `configService`: {`port`: 9090}}            | proxy.port: must be a number 0-65535, was a string `1235`
            same ports                | {`proxy`: {`port`: 9090}, `configService`: {`port`: 9090}}              | configService.port: same as proxy.port (9090)
            unknown top key           | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `clusterz`: []}   | clusterz: unknown key (did you mean cluster
            unknown proxy key         | {`proxy`: {`port`: 1, `idleTimout`: 5}, `configService`: {`port`: 2}}   | proxy.idleTimout: unknown key (did you mean idleTimeout?)
            timeout zero              | {`proxy`: {`port`: 1, `connectTimeout`: 0}, `configService`: {`port`: 2}} | proxy.connectTimeout: must be more than 0 and at most 86400 (seconds), was 0
            timeout negative drain    | {`proxy`: {`port`: 1, `drainTimeout`: -1}, `configService`: {`port`: 2}} | proxy.drainTimeout: must be 0 or more and at most 86400 (seconds), was -1
            timeout as string         | {`proxy`: {`port`: 1, `headTimeout`: `30s`}, `configService`: {`port`: 2}} | proxy.headTimeout: must be a number
            selectorThreads negative  | {`proxy`: {`port`: 1, `selectorThreads`: -1}, `configService`: {`port`: 2}} | proxy.selectorThreads: must be 0-1024, was -1
            maxRetries too many       | {`proxy`: {`port`: 1, `maxRetries`: 11}, `configService`: {`port`: 2}}  | proxy.maxRetries: must be 0-10, was 11
            maxConnections zero       | {`proxy`: {`port`: 1, `maxConnections`: 0}, `configService`: {`port`: 2}} | proxy.maxConnections: must be 1-10000000, was 0
            proxy hostname bad        | {`proxy`: {`port`: 1, `hostname`: `a b`}, `configService`: {`port`: 2}} | proxy.hostname: must be a host name or IP address
            token empty               | {`proxy`: {`port`: 1}, `configService`: {`port`: 2, `token`: ``}}       | configService.token: must not be empty
            token with space          | {`proxy`: {`port`: 1}, `configService`: {`port`: 2, `token`: `a b`}}    | configService.token: must be printable ASCII without spaces
            dockerHost both           | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `dockerHost`: {`socket`: `/s`, `ip`: `h`}} | dockerHost.ip: give socket or ip, not both
            dockerHost port w/ socket | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `dockerHost`: {`socket`: `/s`, `port`: 1}} | dockerHost.port: only allowed with ip
            dockerHost unknown key    | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `dockerHost`: {`sock`: `/s`}} | dockerHost.sock: unknown key
            stateFile number          | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `stateFile`: 5}  | stateFile: must be a string, was 5
            stateFile empty           | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `stateFile`: ``} | stateFile: must be a file path
            rollback bad ratio        | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `rollback`: {`failureRatio`: 2}} | rollback.failureRatio: must be more than 0 and at most 1, was 2
            cluster error path        | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `cluster`: {`servers`: [{`hostname`: `h`, `port`: 0}]}} | cluster.servers[0].port: must be 1-65535, was 0
            clusters error path       | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `clusters`: [{`servers`: [{`hostname`: `h`, `port`: 1}]}, {`servers`: []}]} | clusters[1].servers: must list at least one server
            wrapped clusters path     | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `clusters`: [{`cluster`: {`servers`: []}}]} | clusters[0].cluster.servers: must list at least one server
            clusters not array        | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `clusters`: {}}  | clusters: must be an array, was an object
            duplicate uuid            | {`proxy`: {`port`: 1}, `configService`: {`port`: 2}, `cluster`: {`uuid`: `A`, `servers`: [{`hostname`: `h`, `port`: 1}]}, `clusters`: [{`uuid`: `a`, `servers`: [{`hostname`: `h`, `port`: 1}]}]} | clusters[0].uuid: same uuid as cluster
            duplicate key             | {`proxy`: {`port`: 1, `port`: 2}, `configService`: {`port`: 2}}       | proxy.port: duplicate key
            bad JSON                  | {`proxy`: {`port`: 1},}                                                 | not valid JSON (trailing comma before '}' at line 1, column 23)
            array at top              | []                                                                       | must be a JSON object
            empty file                | ''                                                                       | empty; expected a JSON object
            """)
    void badConfigGivesOneLineNamingTheField(String name, String json, String expected) throws IOException {
        String message = error(json);
        assertTrue(message.startsWith(expected.replace('`', '"')), () -> "expected <" + expected + "> at the start of <" + message + ">");
    }

    @Test
    void missingFileIsOneLine() {
        Path file = dir.resolve("nope.json");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(file + ": not found; give the config file's path with -configFile=PATH, or run the demo (see -h)",
                e.getMessage());
    }

    @Test
    void directoryIsOneLine() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(dir));
        assertTrue(e.getMessage().startsWith(dir + ": is a directory"), e.getMessage());
    }

    @Test
    void notUtf8IsOneLine() throws IOException {
        Path file = dir.resolve("latin1.json");
        Files.write(file, "{\"proxy\": {\"hostname\": \"caf\u00e9\"}}".getBytes(StandardCharsets.ISO_8859_1));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(file + ": not UTF-8 text; save the file as UTF-8", e.getMessage());
    }

    @Test
    void byteOrderMarkIsIgnored() throws IOException {
        Path file = write("\uFEFF{`proxy`: {`port`: 1}, `configService`: {`port`: 2}}");
        assertEquals(1, ConfigLoader.load(file).proxy().port());
    }

    @Test
    void usageExampleIsAValidConfig() throws IOException {
        String usage = CommandLine.usage();
        int start = usage.indexOf("for example:") + "for example:".length();
        int end = usage.indexOf("\n    }\n", start) + 6;
        TurnoutConfig c = ConfigLoader.load(write(usage.substring(start, end)));
        assertEquals(1235, c.proxy().port());
        assertEquals(9090, c.configService().port());
        assertEquals(2, c.clusters().get(0).servers().size());
    }
}
