package io.turnout.admin.config;

import org.tinylog.Logger;

/** A process for {@code LoggingTest}: configures logging at the level given, logs at each of the six levels, exits. */
public final class LoggingProbe {
    private LoggingProbe() {
    }

    public static void main(String[] args) {
        Logging.configure(LogLevel.parse(args[0]));
        Logger.debug("debug line {}", 1);
        Logger.info("Serving response {} from ip: [{}] port: [{}]", 0, "127.0.0.1", 1034);
        LevelTags.notice("Parsed config file: {} as: {}", "config.json", "{}");
        Logger.warn("Removing cluster from configuration - version: {} [{}]", "3.9.2", "192.168.50.40:80");
        Logger.error("error line");
        LevelTags.critical(null, "critical line");
        if (args.length > 1) {
            Logger.error(new IllegalStateException("boom"), "failed");
        }
        Logging.shutdown();
    }
}
