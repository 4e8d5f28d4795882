package io.turnout.admin.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ConfigServiceSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.ServerSpec;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.tls.TlsSettings;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The two built-in backends of {@code scripts/turnout demo} (SPEC §1): version 1.0 on port 1034
 * and version 2.0 on port 1035, each answering every request with a small page naming its
 * version. They use the JDK's HTTP server, so the demo needs no other software. Any other set can
 * be started too, such as the thesis's three-node cluster or its WordPress 3.9.1 and 3.9.2
 * ({@code docs/THESIS.md}).
 */
public final class DemoBackends implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final int V1_PORT = 1034;
    public static final int V2_PORT = 1035;
    public static final int PROXY_PORT = 1235;
    public static final int ADMIN_PORT = 9090;

    /** A backend to start: the version its page names, and its port (0 picks a free one). */
    public record Backend(String version, int port) {
    }

    private final List<String> versions;
    private final List<HttpServer> servers;

    private DemoBackends(List<String> versions, List<HttpServer> servers) {
        this.versions = versions;
        this.servers = servers;
    }

    /**
     * The backends alone, for {@code scripts/turnout fleet-demo}, whose proxies are separate
     * processes: they serve until the process is killed.
     */
    public static void main(String[] args) {
        try {
            DemoBackends demo = start();
            System.out.println("Demo backends: version 1.0 on " + HOST + ":" + demo.port("1.0") + ", version 2.0 on "
                    + HOST + ":" + demo.port("2.0"));
        } catch (InvalidConfigException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    /** Starts 1.0 on {@value #V1_PORT} and 2.0 on {@value #V2_PORT}. */
    public static DemoBackends start() {
        return start(HOST, V1_PORT, V2_PORT);
    }

    /**
     * Starts 1.0 and 2.0 on the given ports (0 picks free ones, for tests).
     *
     * @throws InvalidConfigException naming the port when one is taken
     */
    public static DemoBackends start(String host, int v1Port, int v2Port) {
        return start(host, List.of(new Backend("1.0", v1Port), new Backend("2.0", v2Port)));
    }

    /**
     * Starts one backend per entry, in order; several may name one version, as the servers of one
     * cluster do.
     *
     * @throws InvalidConfigException naming the port when one is taken; none is left running
     */
    public static DemoBackends start(String host, List<Backend> backends) {
        List<String> versions = new ArrayList<>(backends.size());
        List<HttpServer> started = new ArrayList<>(backends.size());
        try {
            for (Backend b : backends) {
                started.add(serve(host, b.port(), b.version()));
                versions.add(b.version());
            }
        } catch (InvalidConfigException e) {
            for (HttpServer s : started) {
                s.stop(0);
            }
            throw e;
        }
        return new DemoBackends(List.copyOf(versions), List.copyOf(started));
    }

    /** The port the (first) backend of {@code version} listens on. */
    public int port(String version) {
        return ports(version).get(0);
    }

    /** The ports of the backends of {@code version}, in the order they were started. */
    public List<Integer> ports(String version) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            if (versions.get(i).equals(version)) {
                ports.add(servers.get(i).getAddress().getPort());
            }
        }
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("no demo backend of version " + version + "; there are " + versions);
        }
        return ports;
    }

    /**
     * Stops the backends of {@code version}: their ports refuse connections from now on, as when
     * the thesis stops the new version's container to show a rollback (§6.2.2).
     */
    public void stop(String version) {
        for (int i = 0; i < servers.size(); i++) {
            if (versions.get(i).equals(version)) {
                servers.get(i).stop(0);
            }
        }
    }

    /** The page a version answers with. */
    public static String page(String version) {
        return "<!DOCTYPE html>\n<html><head><title>Turnout demo " + version + "</title></head>\n"
                + "<body><h1>Turnout demo application version " + version + "</h1></body></html>\n";
    }

    /**
     * The demo's configuration: the proxy on 127.0.0.1:{@value #PROXY_PORT}, the admin API on
     * 127.0.0.1:{@value #ADMIN_PORT}, and version 1.0 loaded in INSTANT mode.
     */
    public TurnoutConfig config() {
        return config(null);
    }

    /** {@link #config()}, with the proxy serving TLS with {@code tls} ({@code demo -tls}), or plain when null. */
    public TurnoutConfig config(TlsSettings tls) {
        ProxySettings proxy = ProxySettings.builder(PROXY_PORT).hostname(HOST).tls(tls).build();
        ConfigServiceSpec admin = new ConfigServiceSpec(HOST, ADMIN_PORT, null);
        ClusterSpec v1 = ClusterSpec.instant("1.0", List.of(new ServerSpec(HOST, port("1.0"))));
        return new TurnoutConfig("demo", proxy, admin, null, null, List.of(v1));
    }

    /** The dashboard's address (SPEC §13): the admin API's root. */
    public static String dashboardUrl() {
        return "http://" + HOST + ":" + ADMIN_PORT + "/";
    }

    /** What the user can do next: where the dashboard is, how to reach the app and how to upgrade it. */
    public String instructions(boolean traffic) {
        return instructions(traffic, null);
    }

    /** @param tls the demo's certificate ({@code demo -tls}): the app is then reached with curl trusting it */
    public String instructions(boolean traffic, DemoCertificate tls) {
        String upgrade = "scripts/turnoutctl add --version 2.0 --server " + HOST + ":" + port("2.0");
        String app = tls == null ? "curl http://" + HOST + ":" + PROXY_PORT + "/" : tls.curl(HOST, PROXY_PORT);
        return "Turnout demo is running (Ctrl-C stops it)\n"
                + "  dashboard  " + dashboardUrl() + "\n"
                + "  the app    " + app + "   (version 1.0 answers)\n"
                + (tls == null ? "" : "  tls        a throwaway self-signed certificate for " + HOST + " and localhost,"
                        + " until " + tls.notAfter() + "; reload it with scripts/turnoutctl tls-reload\n")
                + "  upgrade    " + upgrade + "\n"
                + "             or with --mode GRADUAL --percentage 0.2, or --mode SESSION --session-timeout 30\n"
                + "  watch      scripts/turnoutctl watch\n"
                + (traffic ? "  traffic    " + DemoTraffic.REQUESTS_PER_SECOND + " requests a second from "
                        + DemoTraffic.VISITORS + " simulated visitors, for at most "
                        + DemoTraffic.MAX_DURATION.toMinutes() + " minutes\n"
                        : "  traffic    run the demo with -traffic for a built-in load that moves the charts\n");
    }

    @Override
    public void close() {
        for (HttpServer s : servers) {
            s.stop(0);
        }
    }

    private static HttpServer serve(String host, int port, String version) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (BindException e) {
            throw new InvalidConfigException("demo", "port " + port + " (the version " + version
                    + " backend) is already in use; stop whatever uses it (another demo?) and try again");
        } catch (IOException e) {
            throw new InvalidConfigException("demo", "cannot listen on " + host + ":" + port + " (" + e.getMessage() + ")");
        }
        byte[] body = page(version).getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> answer(exchange, body));
        server.start();
        return server;
    }

    private static void answer(HttpExchange exchange, byte[] body) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
