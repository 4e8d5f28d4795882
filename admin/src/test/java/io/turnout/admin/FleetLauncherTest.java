package io.turnout.admin;

import io.turnout.admin.support.JavaSubprocess;
import io.turnout.admin.support.JavaSubprocess.Result;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a fleet proxy (SPEC §10) refuses to start, as users meet it: exit 1 and one line. No etcd needed. */
class FleetLauncherTest {
    @TempDir
    Path dir;

    private Result turnoutWith(String config) throws Exception {
        Files.writeString(dir.resolve("config.json"), config);
        return JavaSubprocess.run(Duration.ofSeconds(20), dir, Turnout.class, "-configFile=config.json");
    }

    private static void assertOneLine(Result r, String expected) {
        assertEquals(1, r.exitCode(), r::toString);
        List<String> lines = r.stderrLines();
        assertEquals(1, lines.size(), r::toString);
        assertTrue(lines.get(0).startsWith(expected), () -> "expected <" + expected + "...>, got " + r);
        assertFalse(lines.get(0).contains("Exception"), r::toString);
    }

    @Test
    void stateFileWithStoreEtcdIsOneLineNamingStateFile() throws Exception {
        assertOneLine(turnoutWith("""
                {"proxy": {"port": 0}, "configService": {"port": 0}, "stateFile": "s.json",
                 "store": {"etcd": {"endpoints": ["http://127.0.0.1:2379"]}}}"""),
                "config.json: stateFile: cannot be used with store.etcd: the clusters live in etcd, one source of truth");
    }

    @Test
    void noEtcdMemberAnsweringAtStartIsOneLineNamingTheStoreAndEachMember() throws Exception {
        String down = "http://" + TestBackend.refusingAddress();
        Result r = turnoutWith("""
                {"proxy": {"port": 0}, "configService": {"port": 0},
                 "store": {"etcd": {"endpoints": ["%s"], "dialTimeout": 0.5}}}""".formatted(down));
        assertOneLine(r, "config.json: store.etcd: etcd is unreachable: " + down + " (");
        assertTrue(r.stderrLines().get(0).endsWith("; start etcd, or check store.etcd.endpoints"), r::toString);
    }
}
