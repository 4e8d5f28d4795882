package io.turnout.admin.support;

import io.turnout.admin.Turnout;
import io.turnout.engine.testsupport.Await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code Turnout.main} running in a child JVM, as {@code scripts/turnout} runs it: its stdout and
 * stderr lines are collected as they come, so a test can wait for the "listening on" lines that
 * name the ports it bound (port 0 in the config), then talk to it and signal it.
 */
public final class TurnoutChild implements AutoCloseable {
    private static final Pattern PROXY_PORT = Pattern.compile("Proxy listening on \\S+:(\\d+)");
    private static final Pattern ADMIN_PORT = Pattern.compile("Admin API listening on \\S+:(\\d+)");

    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread[] readers;

    private TurnoutChild(Process process) {
        this.process = process;
        this.readers = new Thread[] {collect(process.getInputStream(), stdout), collect(process.getErrorStream(), stderr)};
    }

    /** Starts Turnout with {@code args} in {@code dir}; give {@code -logLevel=INFO} to read its ports. */
    public static TurnoutChild start(Path dir, String... args) {
        try {
            return new TurnoutChild(JavaSubprocess.start(Turnout.class, dir, args));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Thread collect(InputStream in, List<String> into) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    into.add(line);
                }
            } catch (IOException e) {
                // the process is gone; what was read is kept
            }
        }, "turnout-child-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The proxy's bound port, from its INFO line. */
    public int proxyPort() {
        return port(PROXY_PORT);
    }

    /** The admin API's bound port, from its INFO line. */
    public int adminPort() {
        return port(ADMIN_PORT);
    }

    private int port(Pattern pattern) {
        Matcher m = Await.value("Turnout to log " + pattern.pattern() + "; stderr so far: " + stderr,
                Duration.ofSeconds(20), () -> firstMatch(pattern), found -> {
                    if (found == null && !process.isAlive()) {
                        throw new AssertionError("Turnout exited with " + process.exitValue() + ": " + this);
                    }
                    return found != null;
                });
        return Integer.parseInt(m.group(1));
    }

    /** Waits until {@code port} accepts TCP connections: at WARN, Turnout's log does not say when it is up. */
    public void awaitAccepting(int port) {
        Await.until("Turnout to accept on port " + port, Duration.ofSeconds(20), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("Turnout exited with " + process.exitValue() + ": " + this);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private Matcher firstMatch(Pattern pattern) {
        for (String line : stderr) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return m;
            }
        }
        return null;
    }

    public List<String> stderrLines() {
        return List.copyOf(stderr);
    }

    public List<String> stdoutLines() {
        return List.copyOf(stdout);
    }

    /**
     * SIGTERM, as {@code kill PID} or a supervisor sends it. Through the handle: {@code
     * Process.destroy()} also closes our end of the pipes, and what Turnout logs while it drains
     * would be lost.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** Waits for the exit, then for the output to be read to its end; fails after {@code timeout}. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("Turnout did not exit within " + timeout + ": " + this);
        }
        for (Thread t : readers) {
            t.join(5_000);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return "\n--- stdout\n" + String.join("\n", stdout) + "\n--- stderr\n" + String.join("\n", stderr);
    }
}
