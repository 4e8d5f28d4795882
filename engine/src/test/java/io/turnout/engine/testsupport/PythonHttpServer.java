package io.turnout.engine.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Python's {@code http.server} as a real third-party origin, run as a child process on a free
 * loopback port: {@code ThreadingHTTPServer} with {@code protocol_version = "HTTP/1.1"}, answering
 * every GET with 200 and the text {@code "python saw <request version> <path>"} (Content-Length
 * framed). It behaves as the stock server does: it keeps HTTP/1.1 connections, closes after an
 * HTTP/1.0 request without saying so, and writes its head and body in two sends with Nagle on.
 */
public final class PythonHttpServer implements AutoCloseable {
    private static final String PYTHON = "python3";
    private static final String SCRIPT = String.join("\n",
            "import http.server, sys",
            "class Handler(http.server.BaseHTTPRequestHandler):",
            "    protocol_version = 'HTTP/1.1'",
            "    def do_GET(self):",
            "        body = ('python saw %s %s' % (self.request_version, self.path)).encode()",
            "        self.send_response(200)",
            "        self.send_header('Content-Type', 'text/plain')",
            "        self.send_header('Content-Length', str(len(body)))",
            "        self.end_headers()",
            "        self.wfile.write(body)",
            "    def log_message(self, format, *args):",
            "        pass",
            "class Server(http.server.ThreadingHTTPServer):",
            "    request_queue_size = 128",
            "    daemon_threads = True",
            "server = Server(('127.0.0.1', 0), Handler)",
            "print(server.server_address[1], flush=True)",
            "server.serve_forever()");

    private final Process process;
    private final int port;
    private final Path errors;

    private PythonHttpServer(Process process, int port, Path errors) {
        this.process = process;
        this.port = port;
        this.errors = errors;
    }

    /** True when {@code python3} runs and has {@code http.server}. */
    public static boolean isAvailable() {
        try {
            Process probe = new ProcessBuilder(PYTHON, "-c", "import http.server")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!probe.waitFor(10, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return false;
            }
            return probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts the server and waits (at most 10 s) until it listens. */
    public static PythonHttpServer start() {
        Path errors;
        Process process;
        try {
            errors = Files.createTempFile("turnout-python-http-server", ".log");
            process = new ProcessBuilder(PYTHON, "-u", "-c", SCRIPT)
                    .redirectError(errors.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + PYTHON, e);
        }
        CompletableFuture<String> firstLine = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                firstLine.complete(out.readLine());
                while (out.readLine() != null) {
                    // drain, so the child never blocks on a full pipe
                }
            } catch (IOException e) {
                firstLine.completeExceptionally(e);
            }
        }, "python-http-server-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            String line = firstLine.get(10, TimeUnit.SECONDS);
            if (line == null) {
                throw new IllegalStateException("python http.server exited before listening: " + read(errors));
            }
            return new PythonHttpServer(process, Integer.parseInt(line.trim()), errors);
        } catch (TimeoutException | ExecutionException | RuntimeException e) {
            process.destroyForcibly();
            throw new IllegalStateException("python http.server did not start: " + read(errors), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting python http.server", e);
        }
    }

    public int port() {
        return port;
    }

    /** {@code "127.0.0.1:<port>"}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** What the server wrote to stderr so far (tracebacks), for failure messages. */
    public String errors() {
        return read(errors);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(errors);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "python http.server at " + address();
    }
}
