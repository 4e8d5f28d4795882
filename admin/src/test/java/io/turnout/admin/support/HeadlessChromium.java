package io.turnout.admin.support;

import io.turnout.engine.testsupport.Await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, driven through the DevTools protocol: one browser per test class,
 * a fresh profile in a temp dir (so nothing is kept between runs), and a page per test.
 *
 * <p>Runs as root, as CI does, hence {@code --no-sandbox}. The other flags keep it from talking to
 * anything but the loopback pages the tests open: no updates, sync, field trials or QUIC.
 */
public final class HeadlessChromium implements AutoCloseable {
    /** Set by {@code .ci/run} once it has installed Chromium: then a missing browser is a failure, not a skip. */
    public static final String REQUIRED_ENV = "TURNOUT_BROWSER_TESTS";
    private static final Pattern ENDPOINT = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path profile;
    private final DevToolsConnection devTools;
    private final List<String> stderr;

    private HeadlessChromium(Process process, Path profile, DevToolsConnection devTools, List<String> stderr) {
        this.process = process;
        this.profile = profile;
        this.devTools = devTools;
        this.stderr = stderr;
    }

    /** {@code $TURNOUT_CHROMIUM}, else {@code chromium} (Debian) or {@code chromium-browser} on the PATH. */
    public static Optional<Path> executable() {
        String configured = System.getenv("TURNOUT_CHROMIUM");
        if (configured != null && !configured.isEmpty()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            for (String name : new String[] {"chromium", "chromium-browser"}) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    public static HeadlessChromium launch(Path executable) {
        Path profile;
        try {
            profile = Files.createTempDirectory("turnout-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = List.of(executable.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-features=Translate",
                "--hide-scrollbars", "--mute-audio", "--user-data-dir=" + profile, "--remote-debugging-port=0",
                "about:blank");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            deleteQuietly(profile);
            throw new UncheckedIOException("starting " + executable, e);
        }
        List<String> stderr = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    stderr.add(line);
                }
            } catch (IOException e) {
                // the browser is gone; what it said is kept
            }
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            String endpoint = Await.value("Chromium to print its DevTools endpoint", Duration.ofSeconds(30),
                    () -> endpoint(stderr, process), found -> found != null);
            return new HeadlessChromium(process, profile, DevToolsConnection.open(URI.create(endpoint)), stderr);
        } catch (RuntimeException | AssertionError e) {
            process.destroyForcibly();
            deleteQuietly(profile);
            throw e;
        }
    }

    private static String endpoint(List<String> stderr, Process process) {
        for (String line : stderr) {
            Matcher m = ENDPOINT.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        if (!process.isAlive()) {
            throw new AssertionError("Chromium exited with " + process.exitValue() + ": " + String.join("\n", stderr));
        }
        return null;
    }

    /** A new tab, its console and errors recorded from the start. */
    public BrowserPage newPage() {
        String targetId = devTools.send(null, "Target.createTarget", Map.of("url", "about:blank")).getString("targetId");
        String sessionId = devTools.send(null, "Target.attachToTarget", Map.of("targetId", targetId, "flatten", true))
                .getString("sessionId");
        return new BrowserPage(devTools, targetId, sessionId);
    }

    /** What the browser wrote on stderr, for failure messages. */
    public List<String> stderrLines() {
        return List.copyOf(stderr);
    }

    @Override
    public void close() {
        try {
            devTools.send(null, "Browser.close", Map.of());
        } catch (RuntimeException e) {
            // it may close the connection before answering
        }
        devTools.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteQuietly(profile);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
