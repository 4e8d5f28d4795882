package io.turnout.admin;

import io.turnout.admin.config.Logging;
import org.tinylog.Logger;

/**
 * SIGTERM and SIGINT end Turnout through one shutdown hook (SPEC §1): it runs the given stop
 * action, which drains in-flight exchanges, flushes the log, then ends the process with status 0.
 *
 * <p>Why {@code halt}: a JVM ended by a signal exits with 128 + the signal number (143 for
 * SIGTERM) even when every hook completes, while a graceful stop should exit 0. Halting from the
 * hook sets the status. Exits that Turnout asks for itself go through {@link #exit(int)}, which
 * records the status so the hook keeps it. Any shutdown work therefore belongs in the stop
 * action, not in another hook, since halting skips hooks that have not finished.
 */
final class GracefulExit {
    private static volatile int requestedStatus = 0;

    private GracefulExit() {
    }

    /** Installs the hook; call once, before anything that may need stopping is started. */
    static void install(Runnable stop) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int status = requestedStatus;
            try {
                stop.run();
            } catch (RuntimeException | Error e) {
                Logger.error(e, "Shutdown failed");
                status = status == 0 ? 1 : status;
            } finally {
                Logging.shutdown();
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(status);
            }
        }, "turnout-shutdown"));
    }

    /** Ends the process with {@code status}, running the hook first. */
    static void exit(int status) {
        requestedStatus = status;
        System.exit(status);
    }
}
