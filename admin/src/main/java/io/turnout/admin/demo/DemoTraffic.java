package io.turnout.admin.demo;

import org.tinylog.Logger;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The built-in load of {@code scripts/turnout demo -traffic}, so the dashboard's charts move. A
 * handful of simulated visitors take turns, each keeping the cookies the proxy sets, as a browser
 * would: under SESSION a visitor stays on its version until it leaves, under GRADUAL it moves once
 * the counter passes its bucket. Visitors leave after a while and new ones arrive, so a SESSION
 * upgrade drains and a GRADUAL one ramps.
 *
 * <p>Bounded on purpose: one request at a time to the proxy on the loopback address, at most
 * {@code requestsPerSecond}, and it stops by itself after {@code maxDuration}.
 */
public final class DemoTraffic implements AutoCloseable {
    public static final int REQUESTS_PER_SECOND = 20;
    public static final Duration MAX_DURATION = Duration.ofMinutes(30);
    static final int VISITORS = 12;
    /** A visitor's stay, in requests: long enough to be pinned, short enough that sessions turn over. */
    static final int MIN_VISIT = 15;
    static final int MAX_VISIT = 60;
    private static final int TIMEOUT_MILLIS = 5_000;

    private final InetSocketAddress proxy;
    /** Plain sockets, or TLS ones trusting the demo's certificate ({@code demo -tls -traffic}). */
    private final SocketFactory sockets;
    private final Duration maxDuration;
    private final Random random;
    private final Visitor[] visitors = new Visitor[VISITORS];
    private final ScheduledExecutorService timer;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private int turn;

    private static final class Visitor {
        final Map<String, String> cookies = new LinkedHashMap<>();
        int requestsLeft;

        Visitor(int requestsLeft) {
            this.requestsLeft = requestsLeft;
        }
    }

    private DemoTraffic(int proxyPort, SocketFactory sockets, Duration maxDuration, Random random) {
        this.proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(), proxyPort);
        this.sockets = sockets;
        this.maxDuration = maxDuration;
        this.random = random;
        for (int i = 0; i < VISITORS; i++) {
            visitors[i] = newVisitor();
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "turnout-demo-traffic");
            t.setDaemon(true);
            return t;
        });
    }

    /** {@value #REQUESTS_PER_SECOND} requests a second to the proxy on loopback, for at most {@link #MAX_DURATION}. */
    public static DemoTraffic start(int proxyPort) {
        return start(proxyPort, REQUESTS_PER_SECOND, MAX_DURATION);
    }

    /** The same over TLS, trusting what {@code tls} trusts; {@code null} is plain HTTP. */
    public static DemoTraffic start(int proxyPort, SSLContext tls) {
        return start(proxyPort, tls == null ? SocketFactory.getDefault() : tls.getSocketFactory(), REQUESTS_PER_SECOND,
                MAX_DURATION);
    }

    public static DemoTraffic start(int proxyPort, int requestsPerSecond, Duration maxDuration) {
        return start(proxyPort, SocketFactory.getDefault(), requestsPerSecond, maxDuration);
    }

    static DemoTraffic start(int proxyPort, SocketFactory sockets, int requestsPerSecond, Duration maxDuration) {
        if (requestsPerSecond < 1 || requestsPerSecond > 1000) {
            throw new IllegalArgumentException("requestsPerSecond must be 1-1000, was " + requestsPerSecond);
        }
        DemoTraffic traffic = new DemoTraffic(proxyPort, sockets, maxDuration, new Random());
        long periodMicros = 1_000_000L / requestsPerSecond;
        traffic.timer.scheduleAtFixedRate(traffic::visit, 0, periodMicros, TimeUnit.MICROSECONDS);
        traffic.timer.schedule(traffic::expire, maxDuration.toMillis(), TimeUnit.MILLISECONDS);
        return traffic;
    }

    /** Responses received so far, of any status. */
    public long answered() {
        return answered.get();
    }

    /** Requests that got no response (refused, reset, timed out). */
    public long failed() {
        return failed.get();
    }

    public boolean isRunning() {
        return !timer.isShutdown();
    }

    private Visitor newVisitor() {
        return new Visitor(MIN_VISIT + random.nextInt(MAX_VISIT - MIN_VISIT + 1));
    }

    /** One request of the next visitor in turn; a visitor whose stay is over is replaced by a new one. */
    private void visit() {
        int index = turn++ % VISITORS;
        Visitor visitor = visitors[index];
        try {
            for (String setCookie : request(visitor.cookies)) {
                keep(visitor.cookies, setCookie);
            }
            answered.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            // RuntimeException too: a periodic task that throws is never run again, and the demo's
            // load would stop without a word.
            failed.incrementAndGet();
        }
        if (--visitor.requestsLeft <= 0) {
            visitors[index] = newVisitor();
        }
    }

    /** GET / with the visitor's cookies on a connection of its own; returns the Set-Cookie values. */
    private List<String> request(Map<String, String> cookies) throws IOException {
        try (Socket socket = sockets.createSocket()) {
            socket.connect(proxy, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            StringBuilder head = new StringBuilder(160)
                    .append("GET / HTTP/1.1\r\nHost: ").append(proxy.getHostString()).append(':').append(proxy.getPort())
                    .append("\r\nUser-Agent: turnout-demo-traffic\r\nConnection: close\r\n");
            if (!cookies.isEmpty()) {
                StringJoiner cookie = new StringJoiner("; ");
                cookies.forEach((name, value) -> cookie.add(name + "=" + value));
                head.append("Cookie: ").append(cookie).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return setCookies(readToEnd(socket.getInputStream()));
        }
    }

    /** The demo backends' pages are small; anything past 64 KiB is not read. */
    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream(1024);
        byte[] chunk = new byte[4096];
        for (int n; all.size() < 65536 && (n = in.read(chunk)) > 0; ) {
            all.write(chunk, 0, n);
        }
        if (all.size() == 0) {
            throw new IOException("closed without a response");
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    private static List<String> setCookies(String response) {
        int end = response.indexOf("\r\n\r\n");
        String head = end < 0 ? response : response.substring(0, end);
        List<String> values = new ArrayList<>(2);
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Set-Cookie:", 0, 11)) {
                values.add(line.substring(11).trim());
            }
        }
        return values;
    }

    /** Keeps {@code name=value} of a Set-Cookie value; {@code Max-Age=0} removes the cookie, as a browser does. */
    static void keep(Map<String, String> cookies, String setCookie) {
        String[] parts = setCookie.split(";");
        int eq = parts[0].indexOf('=');
        if (eq <= 0) {
            return;
        }
        String name = parts[0].substring(0, eq).trim();
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].trim().toLowerCase(Locale.ROOT).equals("max-age=0")) {
                cookies.remove(name);
                return;
            }
        }
        cookies.put(name, parts[0].substring(eq + 1).trim());
    }

    private void expire() {
        // WARN, the demo's level with -traffic: the charts stop moving, and this says why.
        Logger.warn("Demo traffic stopped after {} s, as bounded; restart the demo for more", maxDuration.toSeconds());
        timer.shutdownNow();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
