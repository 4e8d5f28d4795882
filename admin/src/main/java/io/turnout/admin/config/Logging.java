package io.turnout.admin.config;

import org.tinylog.configuration.Configuration;
import org.tinylog.provider.ProviderRegistry;

/**
 * Sets tinylog up from {@code -logLevel}, in code, before anything logs: tinylog freezes its
 * configuration at the first log statement (LIBRARY-NOTES).
 *
 * <ul>
 *   <li>One writer, {@link StderrLogWriter}: the thesis's {@code LEVEL - message} lines with a
 *       timestamp, {@code WARNING} spelled out. tinylog lets through the level below which no
 *       line can show ({@link LogLevel#tinylogLevel()}); the writer's {@code threshold} drops the
 *       NOTICE and ERROR lines that level lets by at WARNING and CRITICAL ({@link LevelTags}).</li>
 *   <li>{@code writingthread=true}: a log call only queues the entry, so a selector thread never
 *       blocks on the terminal. At the default WARN nothing is logged per request at all.</li>
 *   <li>{@code autoshutdown=false}: tinylog's own shutdown hook would race ours and could stop the
 *       writing thread before the drain is logged; {@link #shutdown()} is called last instead.</li>
 * </ul>
 */
public final class Logging {
    private Logging() {
    }

    /**
     * @throws IllegalStateException if something already logged, which froze tinylog
     */
    public static void configure(LogLevel level) {
        if (Configuration.isFrozen()) {
            throw new IllegalStateException("tinylog was used before Logging.configure; configure logging first");
        }
        Configuration.set("level", level.tinylogLevel());
        Configuration.set("writer", StderrLogWriter.class.getName());
        Configuration.set("writer.level", level.tinylogLevel());
        Configuration.set("writer.threshold", level.name());
        Configuration.set("writer.buffered", "true");
        Configuration.set("writingthread", "true");
        Configuration.set("autoshutdown", "false");
    }

    /** Writes out what is queued and stops the writing thread. Call once, at the very end. */
    public static void shutdown() {
        try {
            ProviderRegistry.getLoggingProvider().shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
