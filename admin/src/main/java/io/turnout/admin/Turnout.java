package io.turnout.admin;

import io.turnout.admin.takeover.TakeoverFailure;
import io.turnout.admin.config.CommandLine;
import io.turnout.admin.config.ConfigLoader;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.LevelTags;
import io.turnout.admin.config.Logging;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.admin.demo.DemoBackends;
import io.turnout.admin.demo.DemoCertificate;
import io.turnout.admin.demo.DemoTraffic;
import io.turnout.admin.state.StateFileException;

import java.io.PrintStream;

/**
 * {@code java -jar turnout.jar [-configFile=./config.json] [-logLevel=WARN] [-takeover] [-h] [demo [-traffic] [-tls]]}.
 *
 * <p>Order: arguments, then logging (tinylog must be configured before anything logs), then the
 * config, then the process. A user error at any step prints one line on stderr and exits 1,
 * never a stack trace. Once running, SIGTERM or SIGINT drains and exits 0 ({@link GracefulExit}).
 */
public final class Turnout {
    /** {@link #run} returns this when the proxy is up and the process should stay alive. */
    static final int RUNNING = -1;

    private volatile TurnoutProcess process;
    private volatile DemoBackends demo;
    private volatile DemoTraffic traffic;
    private volatile DemoCertificate certificate;

    private Turnout() {
    }

    public static void main(String[] args) {
        // fastjson2: no autoType under any circumstances (LIBRARY-NOTES). Set before first use.
        System.setProperty("fastjson2.parser.safeMode", "true");
        Turnout turnout = new Turnout();
        int status = turnout.run(args, System.out, System.err);
        if (status == RUNNING) {
            turnout.awaitStopped();
        } else {
            GracefulExit.exit(status);
        }
    }

    int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl;
        try {
            cl = CommandLine.parse(args);
        } catch (CommandLine.UsageException e) {
            err.println("turnout: " + e.getMessage());
            return 1;
        }
        if (cl.help()) {
            out.print(CommandLine.usage());
            out.flush();
            return 0;
        }
        Logging.configure(cl.effectiveLogLevel());
        GracefulExit.install(this::stop);

        TurnoutConfig config;
        try {
            if (cl.demo()) {
                demo = DemoBackends.start();
                if (cl.tls()) {
                    LevelTags.notice("Making the demo's throwaway TLS certificate for 127.0.0.1 and localhost with keytool");
                    certificate = DemoCertificate.create();
                    LevelTags.notice("TLS certificate ready: {} and {}, valid until {}", certificate.chain(),
                            certificate.key(), certificate.notAfter());
                    config = demo.config(certificate.settings());
                } else {
                    config = demo.config();
                }
            } else {
                config = ConfigLoader.load(cl.configFile());
            }
        } catch (InvalidConfigException e) {
            err.println(e.getMessage());
            return 1;
        }
        // The thesis's start-up line (§6.2): the file, then what it was read as.
        LevelTags.notice("Parsed config file: {} as: {}", config.source(), config.describe());

        TurnoutProcess p = new TurnoutProcess(config);
        process = p;
        try {
            p.start(cl.takeover());
        } catch (InvalidConfigException | StateFileException e) {
            err.println(e.getMessage());
            return 1;
        } catch (TakeoverFailure e) {
            err.println("turnout: cannot take over: " + e.getMessage());
            return 1;
        } catch (TurnoutProcess.ListenFailure e) {
            if (demo != null) {
                err.println("demo: port " + e.port() + " (" + e.what() + ") is already in use; stop whatever uses it"
                        + " (another demo?) and try again");
            } else {
                err.println(config.source() + ": " + e.field() + ": " + e.getMessage()
                        + "; stop what uses the port or choose another");
            }
            return 1;
        } catch (Exception e) {
            LevelTags.critical(e, "Turnout failed to start");
            err.println("turnout: failed to start; see the error logged above");
            return 1;
        }
        if (demo != null) {
            if (cl.traffic()) {
                traffic = DemoTraffic.start(p.engine().port(), certificate == null ? null : certificate.clientContext());
            }
            out.print(demo.instructions(cl.traffic(), certificate));
            out.flush();
        }
        return RUNNING;
    }

    private void awaitStopped() {
        try {
            process.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The shutdown hook's action: the demo's load, the process (it drains), then the demo backends. */
    private void stop() {
        DemoTraffic t = traffic;
        if (t != null) {
            t.close();
        }
        TurnoutProcess p = process;
        if (p != null) {
            p.stop();
        }
        DemoBackends d = demo;
        if (d != null) {
            d.close();
        }
        DemoCertificate c = certificate;
        if (c != null) {
            c.close();
        }
    }
}
