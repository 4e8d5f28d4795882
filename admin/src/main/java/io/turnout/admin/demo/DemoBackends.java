package io.turnout.admin.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ConfigServiceSpec;
import io.turnout.admin.config.InvalidConfigException;
import io.turnout.admin.config.ServerSpec;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.engine.settings.ProxySettings;

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
 * version. They use the JDK's HTTP server, so the demo needs no other software.
 */
public final class DemoBackends implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final int V1_PORT = 1034;
    public static final int V2_PORT = 1035;
    public static final int PROXY_PORT = 1235;
    public static final int ADMIN_PORT = 9090;

    private final List<HttpServer> servers;

    private DemoBackends(List<HttpServer> servers) {
        this.servers = servers;
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
        List<HttpServer> started = new ArrayList<>(2);
        try {
            started.add(serve(host, v1Port, "1.0"));
            started.add(serve(host, v2Port, "2.0"));
        } catch (InvalidConfigException e) {
            for (HttpServer s : started) {
                s.stop(0);
            }
            throw e;
        }
        return new DemoBackends(List.copyOf(started));
    }

    /** The port the backend of {@code version} ("1.0" or "2.0") listens on. */
    public int port(String version) {
        return servers.get(version.equals("1.0") ? 0 : 1).getAddress().getPort();
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
        ProxySettings proxy = ProxySettings.builder(PROXY_PORT).hostname(HOST).build();
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
        String upgrade = "scripts/turnoutctl add --version 2.0 --server " + HOST + ":" + port("2.0");
        return "Turnout demo is running (Ctrl-C stops it)\n"
                + "  dashboard  " + dashboardUrl() + "\n"
                + "  the app    curl http://" + HOST + ":" + PROXY_PORT + "/   (version 1.0 answers)\n"
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
