package io.turnout.admin;

import io.turnout.admin.support.BadTlsFiles;
import io.turnout.admin.support.JavaSubprocess;
import io.turnout.admin.support.JavaSubprocess.Result;
import io.turnout.engine.testsupport.TestPki;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A certificate that cannot be served, as users meet it: a real process, exit 1, one stderr line. */
class TurnoutLauncherTlsTest {
    private static final TestPki PKI = TestPki.create();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    static List<BadTlsFiles.Case> badFiles() {
        return BadTlsFiles.cases(PKI);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void aBadCertificateStopsTheStartWithExitOneAndOneLineNamingTheFieldAndTheFile(BadTlsFiles.Case bad) throws Exception {
        if (bad.deniedToRead()) {
            assumeTrue(BadTlsFiles.denied(bad.file()), "chmod 000 does not stop this user reading the file (root does"
                    + " as it likes); the row with a directory as the path covers \"cannot be read\"");
        }
        Files.writeString(dir.resolve("config.json"), bad.config());
        // At DEBUG, so that nothing the start might log before it fails is hidden.
        Result r = JavaSubprocess.run(TIMEOUT, dir, Turnout.class, "-configFile=config.json", "-logLevel=DEBUG");

        assertEquals(1, r.exitCode(), r::toString);
        List<String> lines = r.stderrLines();
        assertEquals(1, lines.size(), r::toString);
        String line = lines.get(0);
        String prefix = "config.json: " + bad.field() + ": " + (bad.file() == null ? "" : bad.file() + ": ");
        assertTrue(line.startsWith(prefix), () -> "expected <" + prefix + "...>, got " + r);
        assertTrue(line.contains(bad.reason()), () -> "expected <" + bad.reason() + ">, got " + r);
        assertFalse(line.contains("Exception") || line.contains("at io.") || line.contains("at java."), r::toString);
        assertEquals("", r.stdout(), r::toString);
    }
}
