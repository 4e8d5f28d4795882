package io.turnout.engine.testsupport;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Concurrent keep-alive clients against one port, for tests that count client-visible errors
 * under load. Each client thread holds one {@link RawHttpClient} connection at a time, sends the
 * same request in a loop and reads each answer. It keeps the connection as long as the answer
 * allows (RFC 9112 §9.3: an HTTP/1.0 exchange persists only with {@code Connection: keep-alive},
 * an HTTP/1.1 one unless {@code Connection: close}, and never after a close-delimited body), and
 * opens a new one otherwise or after a failure.
 *
 * <p>Every answer is judged by a {@link Verdict}, and every failure (a wrong answer, an EOF, a
 * reset, a read timeout) is tallied by what it was, so a test's failure message reads like
 * {@code {504 "Gateway timeout"=25}} rather than "expected 0 but was 25".
 */
public final class ClientLoad implements AutoCloseable {

    /** Judges one answer: null when it is what the client should get, else a short label of what is wrong. */
    @FunctionalInterface
    public interface Verdict {
        String judge(HttpResponse response);
    }

    /**
     * What the clients saw.
     *
     * @param requests           requests that got an answer or failed
     * @param errors             failures by label, in label order; empty when every answer passed
     * @param connections        client connections opened
     * @param reusedRequests     requests answered on a connection that had carried an earlier answer
     * @param keepAliveResponses answers that said {@code Connection: keep-alive}
     */
    public record Result(long requests, Map<String, Long> errors, long connections, long reusedRequests,
                         long keepAliveResponses) {

        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        @Override
        public String toString() {
            return requests + " requests over " + connections + " connections (" + reusedRequests + " on a reused one, "
                    + keepAliveResponses + " answered keep-alive), errors " + errors;
        }
    }

    private final int port;
    private final String request;
    private final boolean http10;
    private final Verdict verdict;
    private final int requestsPerClient;
    private final long deadline;
    private final Duration readTimeout;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong requests = new AtomicLong();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder connections = new LongAdder();
    private final LongAdder reused = new LongAdder();
    private final LongAdder keepAlive = new LongAdder();
    private volatile boolean stopped;

    private ClientLoad(Builder b) {
        this.port = b.port;
        this.request = b.request;
        this.http10 = b.request.substring(0, b.request.indexOf("\r\n")).endsWith(" HTTP/1.0");
        this.verdict = b.verdict;
        this.requestsPerClient = b.requestsPerClient;
        this.deadline = System.nanoTime() + b.maxDuration.toNanos();
        this.readTimeout = b.readTimeout;
        for (int c = 0; c < b.clients; c++) {
            Thread thread = new Thread(this::runClient, "client-load-" + c);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    public static Builder on(int port) {
        return new Builder(port);
    }

    /** Requests answered or failed so far, across all clients. */
    public long requests() {
        return requests.get();
    }

    /** Failures so far. */
    public long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Asks every client to stop after its current request. */
    public void stop() {
        stopped = true;
    }

    /** Stops the clients, waits for them (each is bounded by its read timeout), and returns what they saw. */
    public Result finish() {
        stop();
        return join(readTimeout.toMillis() + 5_000);
    }

    /**
     * Waits until every client has sent all its requests or run out of time, and returns what they
     * saw; a client still running past that fails the test.
     */
    public Result awaitCompletion() {
        long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        Result result = join(left + readTimeout.toMillis() + 5_000);
        stop();
        return result;
    }

    private Result join(long joinMillis) {
        for (Thread thread : threads) {
            try {
                thread.join(joinMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + thread.getName(), e);
            }
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " did not finish within " + joinMillis + " ms");
            }
        }
        Map<String, Long> tally = new TreeMap<>();
        errors.forEach((label, count) -> tally.put(label, count.sum()));
        return new Result(requests.get(), Map.copyOf(tally), connections.sum(), reused.sum(), keepAlive.sum());
    }

    @Override
    public void close() {
        finish();
    }

    private void runClient() {
        RawHttpClient client = null;
        boolean reusedConnection = false;
        try {
            for (int i = 0; i < requestsPerClient && !stopped && System.nanoTime() - deadline < 0; i++) {
                if (client == null) {
                    try {
                        client = RawHttpClient.connect(port, readTimeout);
                    } catch (UncheckedIOException e) {
                        fail("connect: " + describe(e));
                        continue;
                    }
                    connections.increment();
                    reusedConnection = false;
                }
                HttpResponse response;
                try {
                    response = client.send(request).readResponse();
                } catch (UncheckedIOException e) {
                    fail((reusedConnection ? "on a reused connection: " : "on a new connection: ") + describe(e));
                    client.close();
                    client = null;
                    continue;
                }
                requests.incrementAndGet();
                if (reusedConnection) {
                    reused.increment();
                }
                boolean saysKeepAlive = response.headers().hasToken("Connection", "keep-alive");
                if (saysKeepAlive) {
                    keepAlive.increment();
                }
                String wrong = verdict.judge(response);
                if (wrong != null) {
                    errors.computeIfAbsent(wrong, k -> new LongAdder()).increment();
                }
                if (persists(response, saysKeepAlive)) {
                    reusedConnection = true;
                } else {
                    client.close();
                    client = null;
                }
            }
        } catch (RuntimeException e) {
            fail("client failed: " + e);
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    private boolean persists(HttpResponse response, boolean saysKeepAlive) {
        if (response.framing() == BodyFraming.CLOSE_DELIMITED || response.headers().hasToken("Connection", "close")) {
            return false;
        }
        return http10 || "HTTP/1.0".equals(response.version()) ? saysKeepAlive : true;
    }

    private void fail(String label) {
        requests.incrementAndGet();
        errors.computeIfAbsent(label, k -> new LongAdder()).increment();
    }

    /** The failure without the byte counts that would split one kind into many labels. */
    private static String describe(UncheckedIOException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String message = String.valueOf(cause.getMessage()).replaceAll("\\d+ (bytes|of)", "N $1");
        return cause.getClass().getSimpleName() + " (" + message + ")";
    }

    /** Settings of a load; {@link #start()} starts the clients at once. */
    public static final class Builder {
        private final int port;
        private int clients = 8;
        private String request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        private Verdict verdict = response -> response.status() == 200 ? null : "status " + response.status();
        private int requestsPerClient = 1_000;
        private Duration maxDuration = Duration.ofSeconds(30);
        private Duration readTimeout = RawHttpClient.DEFAULT_READ_TIMEOUT;

        private Builder(int port) {
            this.port = port;
        }

        public Builder clients(int n) {
            clients = n;
            return this;
        }

        /** The exact request every client sends, head and body. */
        public Builder request(String bytes) {
            request = bytes;
            return this;
        }

        public Builder verdict(Verdict v) {
            verdict = v;
            return this;
        }

        /** Each client stops after this many requests... */
        public Builder requestsPerClient(int n) {
            requestsPerClient = n;
            return this;
        }

        /** ...or when this much time has passed since the start, whichever comes first. */
        public Builder maxDuration(Duration d) {
            maxDuration = d;
            return this;
        }

        public Builder readTimeout(Duration d) {
            readTimeout = d;
            return this;
        }

        public ClientLoad start() {
            return new ClientLoad(this);
        }
    }
}
