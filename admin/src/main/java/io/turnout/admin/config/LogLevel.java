package io.turnout.admin.config;

import org.tinylog.Level;

import java.util.Locale;

/**
 * The {@code -logLevel} values of SPEC §1 (the thesis's syslog-style names), most severe first.
 * tinylog has five levels and no NOTICE or CRITICAL, so those two are tags on the level above
 * them ({@link LevelTags}), and tinylog is set to the level that lets them through.
 */
public enum LogLevel {
    CRITICAL("error"),
    ERROR("error"),
    WARNING("warn"),
    NOTICE("warn"),
    INFO("info"),
    DEBUG("debug");

    /** "The default is WARN, and it must really mean warnings." */
    public static final LogLevel DEFAULT = WARNING;

    private final String tinylogLevel;

    LogLevel(String tinylogLevel) {
        this.tinylogLevel = tinylogLevel;
    }

    /**
     * The tinylog level to configure for this threshold: the lowest one any line at or above it is
     * logged at ({@code warn} for NOTICE, whose lines are logged at WARN).
     */
    public String tinylogLevel() {
        return tinylogLevel;
    }

    /** Whether a line of level {@code line} is shown when this is the threshold. */
    public boolean shows(LogLevel line) {
        return line.ordinal() <= ordinal();
    }

    /** The level of a tinylog entry: its tag for NOTICE and CRITICAL, else its tinylog level. */
    public static LogLevel of(Level level, String tag) {
        if (LevelTags.NOTICE.equals(tag)) {
            return NOTICE;
        }
        if (LevelTags.CRITICAL.equals(tag)) {
            return CRITICAL;
        }
        return switch (level) {
            case TRACE, DEBUG -> DEBUG;
            case INFO -> INFO;
            case WARN -> WARNING;
            case ERROR, OFF -> ERROR;
        };
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
