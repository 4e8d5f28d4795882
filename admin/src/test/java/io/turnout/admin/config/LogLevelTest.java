package io.turnout.admin.config;

import org.junit.jupiter.params.ParameterizedTest;
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
            NOTICE,   NOTICE,   info
            notice,   NOTICE,   info
            INFO,     INFO,     info
            info,     INFO,     info
            DEBUG,    DEBUG,    debug
            dEbUg,    DEBUG,    debug
            """)
    void namesParseInAnyCaseAndMapOntoTinylog(String text, LogLevel level, String tinylog) {
        assertEquals(level, LogLevel.parse(text));
        assertEquals(tinylog, LogLevel.parse(text).tinylogLevel());
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
