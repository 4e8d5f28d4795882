package io.turnout.admin.config;

import org.tinylog.core.LogEntry;
import org.tinylog.core.LogEntryValue;
import org.tinylog.writers.Writer;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;

/**
 * A tinylog writer that prints the thesis's line format to stderr:
 * {@code 2024-05-01 12:00:00.123 WARNING - Removing cluster from configuration - version: 3.9.2 [...]}.
 *
 * <p>It exists because the thesis and our {@code -logLevel} have six levels and tinylog five: its
 * {@code {level}} prints {@code WARN} where we say {@code WARNING}, and it has no NOTICE or
 * CRITICAL. Those two arrive tagged ({@link LevelTags}); this writer prints each entry's own
 * level ({@link LogLevel#of}) and drops what is below {@code writer.threshold}, the
 * {@code -logLevel} (a NOTICE line, logged at WARN, when the threshold is WARNING). tinylog finds
 * it by its fully-qualified class name in the {@code writer} property (its service loader
 * instantiates any class name containing a dot with the {@code Map} of the writer's properties),
 * so no service file is needed.
 *
 * <p>With {@code writer.buffered=true}, which {@link Logging} sets together with tinylog's writing
 * thread, lines collect in memory and go out in one write when that thread flushes after each
 * batch; otherwise every line is written and flushed at once.
 */
public final class StderrLogWriter implements Writer {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());
    /** Flush early past this size so a burst cannot grow the buffer without bound. */
    private static final int FLUSH_AT_CHARS = 64 * 1024;

    private final boolean buffered;
    private final LogLevel threshold;
    private final StringBuilder pending = new StringBuilder(1024);

    /** Called by tinylog with the {@code writer.*} properties, prefix removed. */
    public StderrLogWriter(Map<String, String> properties) {
        this.buffered = Boolean.parseBoolean(properties.getOrDefault("buffered", "false"));
        this.threshold = LogLevel.parse(properties.getOrDefault("threshold", LogLevel.DEBUG.name()));
    }

    @Override
    public Collection<LogEntryValue> getRequiredLogEntryValues() {
        return EnumSet.of(LogEntryValue.DATE, LogEntryValue.LEVEL, LogEntryValue.TAG, LogEntryValue.MESSAGE,
                LogEntryValue.EXCEPTION);
    }

    @Override
    public synchronized void write(LogEntry entry) {
        LogLevel level = LogLevel.of(entry.getLevel(), entry.getTag());
        if (!threshold.shows(level)) {
            return;
        }
        Instant time = entry.getTimestamp() == null ? Instant.now() : entry.getTimestamp().toInstant();
        format(time, level, entry.getMessage(), entry.getException(), pending);
        if (!buffered || pending.length() >= FLUSH_AT_CHARS) {
            flush();
        }
    }

    @Override
    public synchronized void flush() {
        if (pending.length() > 0) {
            System.err.print(pending);
            System.err.flush();
            pending.setLength(0);
        }
    }

    @Override
    public void close() {
        flush();
    }

    /** Appends one entry: {@code <time> <LEVEL> - <message>}, then the stack trace if any, then a newline. */
    static void format(Instant time, LogLevel level, String message, Throwable exception, StringBuilder into) {
        TIME.formatTo(time, into);
        into.append(' ').append(level.name()).append(" - ");
        if (message != null) {
            into.append(message);
        }
        if (exception != null) {
            StringWriter trace = new StringWriter();
            exception.printStackTrace(new PrintWriter(trace));
            if (message != null) {
                into.append(System.lineSeparator());
            }
            into.append(trace);
        } else {
            into.append(System.lineSeparator());
        }
    }
}
