package io.turnout.admin.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The arguments of {@code scripts/turnout} (SPEC §1):
 * {@code [-configFile=./config.json] [-logLevel=WARN] [-h] [demo [-traffic] [-tls]]}.
 *
 * <p>Each flag may be written {@code -name=value}, {@code -name value}, {@code --name=value} or
 * {@code --name value}, as Go's {@code flag} package (the thesis's prototype) accepts. Flag names
 * are case-sensitive, as there. {@code -h} may also be spelt {@code -help}. The bare word
 * {@code demo} starts the self-contained demo instead of reading a config file; {@code -traffic}
 * adds the demo's built-in load, {@code -tls} serves the demo's proxy over TLS with a throwaway
 * certificate.
 *
 * @param configFile the config file ({@value ConfigLoader#DEFAULT_PATH} unless given)
 * @param logLevel   the level given with {@code -logLevel}, or {@code null} when not given
 * @param help       {@code -h}: print the usage and exit 0
 * @param demo       the {@code demo} argument
 * @param traffic    {@code -traffic}: the demo also runs its built-in load
 * @param takeover   {@code -takeover}: take over from the Turnout serving the same ports (SPEC §11)
 * @param tls        {@code -tls}: the demo's proxy serves HTTPS with a throwaway certificate (SPEC §12)
 */
public record CommandLine(Path configFile, LogLevel logLevel, boolean help, boolean demo, boolean traffic,
                          boolean takeover, boolean tls) {
    /** A mistake on the command line; the message is one line. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The level to use: the one given, else INFO in demo mode (to show routing), else WARN. With
     * {@code -traffic} the demo stays at WARN: a line per response, many a second, would bury
     * everything else, and the dashboard shows the routing instead.
     */
    public LogLevel effectiveLogLevel() {
        if (logLevel != null) {
            return logLevel;
        }
        return demo && !traffic ? LogLevel.INFO : LogLevel.DEFAULT;
    }

    /**
     * @throws UsageException naming the bad argument, with a hint to use {@code -h}
     */
    public static CommandLine parse(String... args) {
        String configFile = null;
        LogLevel logLevel = null;
        boolean help = false;
        boolean demo = false;
        boolean takeover = false;
        boolean traffic = false;
        boolean tls = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
                if (arg.equals("demo")) {
                    if (demo) {
                        throw usage("demo given twice");
                    }
                    demo = true;
                    continue;
                }
                throw usage("unexpected argument \"" + Shown.text(arg) + "\"");
            }
            String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            String inline = eq < 0 ? null : body.substring(eq + 1);
            switch (name) {
                case "h", "help" -> {
                    if (inline != null) {
                        throw usage("-" + name + " takes no value");
                    }
                    help = true;
                }
                case "takeover" -> {
                    if (inline != null) {
                        throw usage("-takeover takes no value");
                    }
                    takeover = true;
                }
                case "traffic" -> {
                    if (inline != null) {
                        throw usage("-traffic takes no value");
                    }
                    traffic = true;
                }
                case "tls" -> {
                    if (inline != null) {
                        throw usage("-tls takes no value");
                    }
                    tls = true;
                }
                case "configFile", "logLevel" -> {
                    String value = inline;
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw usage("-" + name + " needs a value, for example " + example(name));
                        }
                        value = args[++i];
                    }
                    if (value.isEmpty()) {
                        throw usage("-" + name + " needs a value, for example " + example(name));
                    }
                    if (name.equals("configFile")) {
                        if (configFile != null) {
                            throw usage("-configFile given twice");
                        }
                        configFile = value;
                    } else {
                        if (logLevel != null) {
                            throw usage("-logLevel given twice");
                        }
                        try {
                            logLevel = LogLevel.parse(value);
                        } catch (IllegalArgumentException e) {
                            throw usage("-logLevel: " + e.getMessage());
                        }
                    }
                }
                default -> throw usage("unknown flag -" + Shown.text(name) + suggestion(name));
            }
        }
        if (demo && configFile != null) {
            throw usage("demo runs without a config file; drop -configFile or drop demo");
        }
        if (demo && takeover) {
            throw usage("the demo cannot take over; drop -takeover or drop demo");
        }
        if (traffic && !demo) {
            throw usage("-traffic is the demo's built-in load: scripts/turnout demo -traffic");
        }
        if (tls && !demo) {
            throw usage("-tls is for the demo (scripts/turnout demo -tls); to serve TLS, set proxy.tls in the config file");
        }
        return new CommandLine(Path.of(configFile == null ? ConfigLoader.DEFAULT_PATH : configFile), logLevel, help,
                demo, traffic, takeover, tls);
    }

    private static String example(String name) {
        return name.equals("configFile") ? "-configFile=./config.json" : "-logLevel=INFO";
    }

    private static String suggestion(String name) {
        String best = JsonFields.closest(name, List.of("configFile", "logLevel", "help", "takeover", "traffic", "tls"));
        return best == null ? "" : " (did you mean -" + best + "?)";
    }

    private static UsageException usage(String message) {
        return new UsageException(message + "; run with -h for usage");
    }

    /** The {@code -h} text, in the thesis's style (section 5.4), with our flags and a working example. */
    public static String usage() {
        return """
                Usage of turnout:
                  scripts/turnout [-configFile=./config.json] [-logLevel=WARN] [-takeover] [-h]
                  scripts/turnout demo [-traffic] [-tls]

                  -configFile="./config.json": Set the location of the configuration file
                    that should contain configuration to start the proxy,
                    for example:
                    {
                      "proxy": {
                        "port": 1235
                      },
                      "configService": {
                        "port": 9090
                      },
                      "cluster": {
                        "servers": [
                          {"hostname": "127.0.0.1", "port": 1034},
                          {"hostname": "127.0.0.1", "port": 1035}
                        ],
                        "version": "1.0"
                      }
                    }
                    The proxy block also takes "hostname" (default "0.0.0.0") and timeouts in
                    seconds: "connectTimeout" (2), "responseTimeout" (30), "headTimeout" (30),
                    "bodyTimeout" (30), "idleTimeout" (60), "drainTimeout" (30); and
                    "selectorThreads" (0 = one per core), "maxConnections" (10000), "maxRetries" (2); and
                    "tls": {"certificate": "chain.pem", "key": "key.pem"} to serve HTTPS (PEM files,
                    the key PKCS#8; relative paths are to the config file's directory). configService takes
                    "hostname" (default "127.0.0.1") and "token". Other top-level keys:
                    "dockerHost", "stateFile", "rollback", "clusters" (a list of clusters).

                  -logLevel="WARN": Set the log level as "CRITICAL", "ERROR", "WARNING",
                    "NOTICE", "INFO" or "DEBUG" (case does not matter; "WARN" means "WARNING")

                  -takeover: Take over from the Turnout serving the same ports (for example to
                    run a new jar): it hands over its clusters, this one starts accepting, and
                    the old one drains and exits. No connection is refused on the way.

                  -h: Displays this message (also -help)

                  demo: Runs a self-contained demo: versions 1.0 and 2.0 of a small web page on
                    ports 1034 and 1035, the proxy on 1235 with 1.0 loaded, the admin API on 9090
                    with the dashboard at http://127.0.0.1:9090/.
                    Upgrade it with: scripts/turnoutctl add --version 2.0 --server 127.0.0.1:1035

                  -traffic: With demo, also runs a small built-in load on 127.0.0.1:1235 (a few
                    simulated visitors with their own cookies, 20 requests a second, for at most
                    30 minutes) so the dashboard's charts move

                  -tls: With demo, serves the proxy on 1235 over TLS (1.3 and 1.2) with a throwaway
                    self-signed certificate for 127.0.0.1 and localhost, made with the JDK's keytool
                    in a temp directory; the demo prints the curl command that trusts it

                Flags may be written -name=value, -name value, --name=value or --name value.
                For example the following command runs the proxy at the "INFO" log level with
                config/config_script.json as its configuration:

                  scripts/turnout -logLevel=INFO -configFile=config/config_script.json
                """;
    }
}
