package io.turnout.admin.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.tinylog.Level;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogLevelTest {

    @ParameterizedTest(name = "{0} -> {1} (tinylog {2})")
    @CsvSource(textBlock = """
            CRITICAL, CRITICAL, error
            critical, CRITICAL, error
            ERROR,    ERROR,    error
            Error,    ERROR,    error
            WARNING,  WARNING,  warn
            warning,  WARNING,  warn
            WARN,     WARNING,  warn
            warn,     WARNING,  warn
            NOTICE,   NOTICE,   warn
            notice,   NOTICE,   warn
            INFO,     INFO,     info
            info,     INFO,     info
            DEBUG,    DEBUG,    debug
            dEbUg,    DEBUG,    debug
            """)
    void namesParseInAnyCaseAndMapOntoTinylog(String text, LogLevel level, String tinylog) {
        assertEquals(level, LogLevel.parse(text));
        assertEquals(tinylog, LogLevel.parse(text).tinylogLevel());
    }

    @ParameterizedTest(name = "tinylog {0} tagged {1} is {2}")
    @CsvSource(textBlock = """
            TRACE, ,         DEBUG
            DEBUG, ,         DEBUG
            INFO,  ,         INFO
            WARN,  NOTICE,   NOTICE
            WARN,  ,         WARNING
            WARN,  other,    WARNING
            ERROR, ,         ERROR
            ERROR, CRITICAL, CRITICAL
            """)
    void anEntrysLevelIsItsTagForNoticeAndCriticalElseItsTinylogLevel(Level tinylog, String tag, LogLevel level) {
        assertEquals(level, LogLevel.of(tinylog, tag));
    }

    @ParameterizedTest(name = "{0} shows {1}")
    @CsvSource(textBlock = """
            NOTICE,   NOTICE,   true
            NOTICE,   WARNING,  true
            NOTICE,   INFO,     false
            WARNING,  NOTICE,   false
            CRITICAL, ERROR,    false
            CRITICAL, CRITICAL, true
            """)
    void aThresholdShowsItsOwnLevelAndTheMoreSevereOnes(LogLevel threshold, LogLevel line, boolean shown) {
        assertEquals(shown, threshold.shows(line));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "TRACE", "WARNINGS", "FATAL", " INFO", "0"})
    void otherNamesAreRefusedWithTheList(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogLevel.parse(text));
        assertTrue(e.getMessage().contains("use CRITICAL, ERROR, WARNING (or WARN), NOTICE, INFO or DEBUG"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void defaultIsWarning() {
        assertEquals(LogLevel.WARNING, LogLevel.DEFAULT);
    }
}
