package io.turnout.admin;

/**
 * A process for {@code GracefulExitTest}: installs the shutdown hook with a stop action that
 * takes a moment (like a drain), says "ready", then either waits for a signal or exits with the
 * status given as its argument.
 */
public final class GracefulExitProbe {
    private GracefulExitProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        io.turnout.admin.config.Logging.configure(io.turnout.admin.config.LogLevel.INFO);
        GracefulExit.install(() -> {
            System.out.println("draining");
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            org.tinylog.Logger.warn("drained");
            System.out.println("drained");
        });
        System.out.println("ready");
        System.out.flush();
        if (args.length > 0) {
            GracefulExit.exit(Integer.parseInt(args[0]));
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
