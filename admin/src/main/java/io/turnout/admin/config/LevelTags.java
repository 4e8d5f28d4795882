package io.turnout.admin.config;

import org.tinylog.Logger;
import org.tinylog.TaggedLogger;

/**
 * NOTICE and CRITICAL, the two {@code -logLevel} names of SPEC §1 that tinylog has no level
 * for. Each is logged at the tinylog level just above it, under a tag of its own name: NOTICE at
 * WARN, CRITICAL at ERROR. tinylog's own filter then passes a NOTICE line whenever WARN lines
 * pass, and never costs an INFO line anything; {@link StderrLogWriter} prints the tag as the
 * level and drops what is below {@code -logLevel} (a NOTICE line at WARNING, an ERROR line at
 * CRITICAL). Only rare lines use them (start-up, admin changes, a failed start), so what the
 * writer drops costs nothing that matters.
 */
public final class LevelTags {
    public static final String NOTICE = "NOTICE";
    public static final String CRITICAL = "CRITICAL";

    // Made when this class is first used, after Logging.configure: making a logger freezes tinylog.
    private static final TaggedLogger NOTICE_LOGGER = Logger.tag(NOTICE);
    private static final TaggedLogger CRITICAL_LOGGER = Logger.tag(CRITICAL);

    private LevelTags() {
    }

    /** A NOTICE line: something an operator wants to see at start or on a change, without the per-response INFO lines. */
    public static void notice(String format, Object... arguments) {
        NOTICE_LOGGER.warn(format, arguments);
    }

    /** A CRITICAL line: Turnout cannot go on (it did not start, or its admin API stopped). */
    public static void critical(Throwable exception, String format, Object... arguments) {
        CRITICAL_LOGGER.error(exception, format, arguments);
    }
}
