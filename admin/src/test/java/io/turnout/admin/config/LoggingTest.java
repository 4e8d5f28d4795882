package io.turnout.admin.config;

import io.turnout.admin.support.JavaSubprocess;
import io.turnout.admin.support.JavaSubprocess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Logging is checked in a real process: tinylog's configuration is global and freezes on first use. */
class LoggingTest {
    private static final Pattern LINE = Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} [A-Z]+ - .*");

    private static Result probe(String... args) throws Exception {
        return JavaSubprocess.run(Duration.ofSeconds(15), null, LoggingProbe.class, args);
    }

    @ParameterizedTest(name = "{0} logs {1}")
    @CsvSource(delimiter = '|', textBlock = """
            WARN     | WARNING ERROR CRITICAL
            warning  | WARNING ERROR CRITICAL
            CRITICAL | CRITICAL
            ERROR    | ERROR CRITICAL
            NOTICE   | NOTICE WARNING ERROR CRITICAL
            INFO     | INFO NOTICE WARNING ERROR CRITICAL
            DEBUG    | DEBUG INFO NOTICE WARNING ERROR CRITICAL
            """)
    void eachLevelLogsItselfAndTheLevelsAboveIt(String level, String expectedLevels) throws Exception {
        Result r = probe(level);
        assertEquals(0, r.exitCode(), r::toString);
        List<String> lines = r.stderrLines();
        for (String line : lines) {
            assertTrue(LINE.matcher(line).matches(), "timestamp, level, dash, message: " + line);
        }
        List<String> levels = lines.stream().map(l -> l.split(" ")[2]).toList();
        assertEquals(Arrays.asList(expectedLevels.split(" ")), levels, r::toString);
    }

    @Test
    void linesFollowTheThesisFormat() throws Exception {
        Result r = probe("INFO");
        String err = r.stderr();
        assertTrue(err.contains(" INFO - Serving response 0 from ip: [127.0.0.1] port: [1034]"), err);
        assertTrue(err.contains(" NOTICE - Parsed config file: config.json as: {}"), err);
        assertTrue(err.contains(" WARNING - Removing cluster from configuration - version: 3.9.2 [192.168.50.40:80]"), err);
        assertTrue(err.contains(" CRITICAL - critical line"), err);
        assertEquals("", r.stdout());
    }

    @Test
    void exceptionsAreLoggedWithTheirStackTrace() throws Exception {
        Result r = probe("ERROR", "with-exception");
        assertTrue(r.stderr().contains(" ERROR - failed"), r::toString);
        assertTrue(r.stderr().contains("java.lang.IllegalStateException: boom"), r::toString);
        assertTrue(r.stderr().contains("\tat io.turnout.admin.config.LoggingProbe.main"), r::toString);
    }
}
