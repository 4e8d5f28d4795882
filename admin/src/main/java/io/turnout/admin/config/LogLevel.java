package io.turnout.admin.config;

import java.util.Locale;

/**
 * The {@code -logLevel} values of SPEC §1 (the thesis's syslog-style names), mapped onto
 * tinylog's five levels: CRITICAL logs as ERROR and NOTICE as INFO, since tinylog has neither.
 */
public enum LogLevel {
    CRITICAL("error"),
    ERROR("error"),
    WARNING("warn"),
    NOTICE("info"),
    INFO("info"),
    DEBUG("debug");

    /** "The default is WARN, and it must really mean warnings." */
    public static final LogLevel DEFAULT = WARNING;

    private final String tinylogLevel;

    LogLevel(String tinylogLevel) {
        this.tinylogLevel = tinylogLevel;
    }

    /** The tinylog level name this maps onto ({@code warn} for WARNING). */
    public String tinylogLevel() {
        return tinylogLevel;
    }

    /**
     * Reads a level name in any case; {@code WARN} means WARNING.
     *
     * @throws IllegalArgumentException with a one-line message listing the accepted names
     */
    public static LogLevel parse(String text) {
        String name = text.toUpperCase(Locale.ROOT);
        if (name.equals("WARN")) {
            return WARNING;
        }
        for (LogLevel level : values()) {
            if (level.name().equals(name)) {
                return level;
            }
        }
        throw new IllegalArgumentException("unknown log level \"" + Shown.text(text)
                + "\"; use CRITICAL, ERROR, WARNING (or WARN), NOTICE, INFO or DEBUG");
    }
}
