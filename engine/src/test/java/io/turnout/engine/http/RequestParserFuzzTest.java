package io.turnout.engine.http;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded fuzzing of the request parser (issue 8). Valid requests are mutated (bytes flipped,
 * inserted, deleted; lines duplicated, dropped, swapped; CR, LF, NUL, SP, colons and framing
 * headers injected; truncated) and fed to {@link RequestHead} and {@link ChunkScanner} exactly as
 * {@code ClientConnection} feeds them: a 64 KiB direct buffer, compacted between reads, in random
 * fragment sizes. The parser must never throw, never hang, and always end in NEED_MORE, OK or a
 * status the proxy answers with; the answer must not depend on how the bytes were fragmented; and
 * a head it accepts must still be accepted, with the same framing, after the proxy rewrites it for
 * the upstream (otherwise the proxy and the backend would disagree on where the request ends).
 *
 * <p>Then a few hundred mutated requests go through a real proxy, in random fragments, and after
 * each one the proxy must still serve a well-formed request; at the end every buffer is back.
 *
 * <p>{@code -Dturnout.fuzz.cases=N} (default 20,000), {@code -Dturnout.fuzz.e2eCases=N} (default
 * 250) and {@code -Dturnout.fuzz.seed=S} (default: new each run) control a run; a failure prints
 * the seed and the case to reproduce it.
 */
class RequestParserFuzzTest {
    private static final int NEED_MORE = RequestHeadTest.NEED_MORE;
    private static final int CASES = Integer.getInteger("turnout.fuzz.cases", 20_000);
    private static final int E2E_CASES = Integer.getInteger("turnout.fuzz.e2eCases", 250);
    private static final long SEED = Long.getLong("turnout.fuzz.seed", System.nanoTime());
    /** The engine's defaults: a head must fit one 64 KiB buffer (SPEC §7). */
    private static final int MAX_HEAD = 64 * 1024;
    private static final Set<Integer> PROXY_STATUSES = Set.of(NEED_MORE, ParseResult.OK, 400, 405, 431, 501, 505);
    private static final byte[] CLIENT_ADDRESS = "127.0.0.1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LOCAL_AUTHORITY = "127.0.0.1:1235".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final Duration SLOW_CASE = Duration.ofSeconds(1);

    static final String[] TEMPLATES = {
            "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /path/to?q=1&r=%20 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: fuzz/1.0\r\nAccept: */*\r\n\r\n",
            "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /old HTTP/1.0\r\n\r\n",
            "GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            "POST /form HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2",
            "PUT /up HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
            "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3;e=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            "DELETE /r/1 HTTP/1.1\r\nHost: a\r\nCookie: dynsoftup=abc; transition=def\r\n\r\n",
            "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\n\r\n",
            "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
            "GET http://a/abs HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: b\r\n\r\n",
            "PATCH /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc",
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n\r\n",
            "POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz",
            "\r\nGET /lead HTTP/1.1\r\nHost: a\r\n\r\n",
            "POST /te HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n1\r\nx\r\n0\r\n\r\n",
            "GET /p1 HTTP/1.1\r\nHost: a\r\n\r\nGET /p2 HTTP/1.1\r\nHost: a\r\n\r\n",
            "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
    };

    // ---- The parser alone ------------------------------------------------------------------------

    @Test
    void mutatedRequestsFedInRandomFragmentsNeverBreakTheParser() {
        Map<String, Integer> outcomes = new TreeMap<>();
        Duration budget = Duration.ofSeconds(60L + CASES / 500);
        assertTimeoutPreemptively(budget, () -> {
            Random random = new Random(SEED);
            Feeder feeder = new Feeder();
            for (int i = 0; i < CASES; i++) {
                byte[] input = Mutator.mutate(random, TEMPLATES[random.nextInt(TEMPLATES.length)]);
                long caseSeed = random.nextLong();
                long start = System.nanoTime();
                try {
                    String outcome = feeder.check(input, new Random(caseSeed));
                    outcomes.merge(outcome, 1, Integer::sum);
                } catch (Throwable t) {
                    throw new AssertionError(reproduce(i, caseSeed, input) + ": " + t, t);
                }
                long tookNanos = System.nanoTime() - start;
                if (tookNanos > SLOW_CASE.toNanos()) {
                    fail(reproduce(i, caseSeed, input) + ": took " + tookNanos / 1_000_000 + " ms");
                }
            }
        }, () -> "fuzzing did not finish within the budget; seed " + SEED);
        System.out.println("RequestParserFuzzTest: " + CASES + " parser cases, seed " + SEED + ", outcomes " + outcomes);
        assertTrue(outcomes.getOrDefault("OK", 0) > CASES / 100, "the mutations still produce valid requests: " + outcomes);
        assertTrue(outcomes.getOrDefault("400", 0) > CASES / 100, "and invalid ones: " + outcomes);
    }

    private static String reproduce(int index, long caseSeed, byte[] input) {
        return "fuzz case " + index + " (run with -Dturnout.fuzz.seed=" + SEED + "; case seed " + caseSeed + "): "
                + printable(input);
    }

    /**
     * Feeds one input like {@code ClientConnection.readClient} and {@code processHead} do, and
     * checks the invariants. Buffers are reused across cases, as the engine reuses its pool.
     */
    static final class Feeder {
        private final ByteBuffer in = ByteBuffer.allocateDirect(MAX_HEAD);
        private final ByteBuffer out = ByteBuffer.allocateDirect(MAX_HEAD);
        private final RequestHead head = new RequestHead();       // reused: reset() must forget everything
        private final RequestHead reparsed = new RequestHead();
        private final ChunkScanner scanner = new ChunkScanner();
        private ByteBuffer body = ByteBuffer.allocateDirect(MAX_HEAD);

        /** Returns a name for the outcome, for the summary. */
        String check(byte[] input, Random random) {
            HeadResult whole = feedHead(input, new int[] {input.length});
            HeadResult fragmented = feedHead(input, fragmentSizes(random, input.length));
            assertTrue(PROXY_STATUSES.contains(whole.status), "status " + whole.status + " is one the proxy answers with");
            assertEquals(whole, fragmented, "the outcome does not depend on fragmentation");
            if (whole.status != ParseResult.OK) {
                return whole.status == NEED_MORE ? "NEED_MORE" : Integer.toString(whole.status);
            }
            feedHead(input, new int[] {input.length}); // leaves the head parsed in `in` for the checks below
            checkUpstreamRewrite(whole);
            if (whole.chunked) {
                BodyResult body = scanBody(input, whole.headEnd, new int[] {input.length});
                assertEquals(body, scanBody(input, whole.headEnd, fragmentSizes(random, input.length)),
                        "chunk scanning does not depend on fragmentation");
                return body.error ? "400" : "OK";
            }
            return "OK";
        }

        /**
         * ClientConnection's loop: compact (scan positions are relative to the head, so no rebase), read a fragment, skip leading empty lines, look for
         * the end of the head, check the bound, parse.
         */
        HeadResult feedHead(byte[] input, int[] sizes) {
            head.reset();
            in.clear().flip();
            int offset = 0;
            int consumedBeforeBuffer = 0; // input bytes that left the buffer (skipped empty lines)
            for (int f = 0; ; f++) {
                int shift = in.position();
                in.compact();
                consumedBeforeBuffer += shift;
                int n = Math.min(Math.min(sizes[f % sizes.length], input.length - offset), in.remaining());
                in.put(input, offset, n);
                offset += n;
                in.flip();

                while (in.remaining() >= 2 && in.get(in.position()) == '\r' && in.get(in.position() + 1) == '\n') {
                    in.position(in.position() + 2);
                    head.reset(); // the head starts later than the scan assumed
                }
                if (in.hasRemaining()) {
                    int end = head.findEnd(in);
                    if (end >= 0) {
                        if (end - in.position() > MAX_HEAD) {
                            return HeadResult.status(431);
                        }
                        int status = head.parse(in, end);
                        if (status != ParseResult.OK) {
                            return HeadResult.status(status);
                        }
                        return new HeadResult(ParseResult.OK, consumedBeforeBuffer + in.position(),
                                consumedBeforeBuffer + end, head.contentLength(), head.isChunked(),
                                head.method(), head.target(), head.keepAlive(), head.isUpgrade(), head.expectsContinue());
                    }
                    if (in.remaining() >= MAX_HEAD) {
                        return HeadResult.status(431);
                    }
                }
                if (offset == input.length) {
                    return HeadResult.status(NEED_MORE);
                }
            }
        }

        /**
         * The head the proxy sends upstream must parse again with the same framing: a request the
         * proxy and the backend delimit differently is a smuggled request.
         */
        private void checkUpstreamRewrite(HeadResult original) {
            if (head.length() + head.rewriteOverhead(CLIENT_ADDRESS.length, LOCAL_AUTHORITY.length) > out.capacity()) {
                return; // the engine answers 431 here (ClientConnection.startExchange)
            }
            out.clear();
            head.writeUpstreamHead(out, CLIENT_ADDRESS, LOCAL_AUTHORITY, false, false);
            out.flip();
            reparsed.reset();
            int end = reparsed.findEnd(out);
            assertEquals(out.limit(), end, "the rewritten head is exactly one head");
            int status = reparsed.parse(out, end);
            if (status == 431 && head.headerCount() + 3 > HttpHead.MAX_HEADERS) {
                return; // X-Forwarded-* pushed it past the proxy's own field limit: not a framing change
            }
            assertEquals(ParseResult.OK, status, "the rewritten head is valid: " + printable(out));
            assertEquals(original.contentLength, reparsed.contentLength(), "same Content-Length upstream");
            assertEquals(original.chunked, reparsed.isChunked(), "same chunked framing upstream");
            assertEquals(original.method, reparsed.method(), "same method upstream");
            assertEquals(original.target, reparsed.target(), "same target upstream");
        }

        private BodyResult scanBody(byte[] input, int from, int[] sizes) {
            scanner.reset();
            int length = input.length - from;
            if (body.capacity() < length) {
                body = ByteBuffer.allocateDirect(length);
            }
            body.clear();
            body.put(input, from, length).flip();
            int position = 0;
            for (int f = 0; position < length; f++) {
                int to = Math.min(length, position + sizes[f % sizes.length]);
                int result = scanner.scan(body, position, to);
                if (result == ChunkScanner.ERROR) {
                    return new BodyResult(true, false, position);
                }
                if (scanner.isDone()) {
                    return new BodyResult(false, true, result);
                }
                assertEquals(to, result, "a scan that is not done consumes everything it was given");
                position = to;
            }
            return new BodyResult(false, scanner.isDone(), position);
        }

        private static int[] fragmentSizes(Random random, int length) {
            int[] sizes = new int[1 + random.nextInt(8)];
            int style = random.nextInt(4);
            // Like the engine, every read compacts the whole buffer, so a long input in tiny
            // fragments costs O(n^2) copying; at most ~512 fragments keeps each case fast.
            int floor = Math.max(0, length / 512);
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = floor + switch (style) {
                    case 0 -> 1;
                    case 1 -> 1 + random.nextInt(4);
                    case 2 -> 1 + random.nextInt(32);
                    default -> 1 + random.nextInt(Math.max(1, length));
                };
            }
            return sizes;
        }
    }

    /** What feeding a head produced; equal for the same input whatever the fragmentation. */
    record HeadResult(int status, int headStart, int headEnd, long contentLength, boolean chunked,
                      RequestHead.Method method, String target, boolean keepAlive, boolean upgrade, boolean expectContinue) {
        static HeadResult status(int status) {
            return new HeadResult(status, -1, -1, -1, false, null, null, false, false, false);
        }
    }

    /** Where a chunked body ended (index in the body bytes), or that it was malformed. */
    record BodyResult(boolean error, boolean done, int end) {
        // The error position is not compared: a fragment boundary may put it anywhere in the fragment.
        @Override
        public boolean equals(Object o) {
            return o instanceof BodyResult b && b.error == error && b.done == done && (error || b.end == end);
        }

        @Override
        public int hashCode() {
            return Boolean.hashCode(error) * 31 + Boolean.hashCode(done);
        }
    }

    // ---- Mutations -------------------------------------------------------------------------------

    static final class Mutator {
        private static final byte[] INTERESTING_BYTES = {
                '\r', '\n', 0, ' ', '\t', ':', ',', ';', '"', '=', 0x7f, (byte) 0x80, (byte) 0xff, 0x0b, 0x0c,
                '0', '1', '9', 'a', 'f', 'F', 'x', '-', '+', '/', '*', '#', '?', '@', '\\', 'H',
        };
        private static final String[] INTERESTING_TOKENS = {
                "\r\n", "\n", "\r", " ", "\t", ":", ": ", "\r\n ", "\r\n\r\n", ",", ", chunked", "chunked, ",
                "Content-Length: 5\r\n", "Content-Length: 0\r\n", "Content-Length: -1\r\n", "Transfer-Encoding: chunked\r\n",
                "Transfer-Encoding: gzip, chunked\r\n", "Host: b\r\n", "Connection: close\r\n", "Connection: Content-Length\r\n",
                "Expect: 100-continue\r\n", "Upgrade: echo\r\nConnection: upgrade\r\n", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0",
                "ffffffffffffffff", "0\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "%00", "\u0000", "\u00ff",
        };

        static byte[] mutate(Random random, String template) {
            byte[] bytes = template.getBytes(StandardCharsets.ISO_8859_1);
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                bytes = mutateOnce(random, bytes);
            }
            return bytes;
        }

        private static byte[] mutateOnce(Random random, byte[] b) {
            if (b.length == 0) {
                return INTERESTING_TOKENS[random.nextInt(INTERESTING_TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1);
            }
            int at = random.nextInt(b.length);
            switch (random.nextInt(12)) {
                case 0 -> { // flip one bit
                    byte[] c = b.clone();
                    c[at] ^= (byte) (1 << random.nextInt(8));
                    return c;
                }
                case 1 -> { // replace a byte with an interesting one
                    byte[] c = b.clone();
                    c[at] = INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)];
                    return c;
                }
                case 2 -> {
                    return insert(b, at, new byte[] {INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)]});
                }
                case 3 -> {
                    return insert(b, at, INTERESTING_TOKENS[random.nextInt(INTERESTING_TOKENS.length)]
                            .getBytes(StandardCharsets.ISO_8859_1));
                }
                case 4 -> { // delete a byte
                    return concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, at + 1, b.length));
                }
                case 5 -> { // delete a short range
                    int end = Math.min(b.length, at + 1 + random.nextInt(8));
                    return concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, end, b.length));
                }
                case 6 -> { // truncate
                    return Arrays.copyOf(b, at);
                }
                case 7 -> { // repeat a range, now and then past the 64 KiB head bound
                    int end = Math.min(b.length, at + 1 + random.nextInt(16));
                    int times = random.nextInt(50) == 0 ? 70_000 / Math.max(1, end - at) + 1 : 1 + random.nextInt(4);
                    byte[] range = Arrays.copyOfRange(b, at, end);
                    byte[] repeated = new byte[range.length * times];
                    for (int i = 0; i < times; i++) {
                        System.arraycopy(range, 0, repeated, i * range.length, range.length);
                    }
                    return insert(b, at, repeated);
                }
                default -> {
                    return mutateLines(random, b);
                }
            }
        }

        /** Duplicates, drops or swaps whole CRLF lines. */
        private static byte[] mutateLines(Random random, byte[] b) {
            List<byte[]> lines = splitLines(b);
            if (lines.size() < 2) {
                return b;
            }
            int i = random.nextInt(lines.size());
            int j = random.nextInt(lines.size());
            switch (random.nextInt(4)) {
                case 0 -> lines.add(i, lines.get(i).clone());
                case 1 -> lines.remove(i);
                case 2 -> {
                    byte[] t = lines.get(i);
                    lines.set(i, lines.get(j));
                    lines.set(j, t);
                }
                default -> lines.add(i, lines.get(j).clone());
            }
            java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream(b.length + 64);
            lines.forEach(joined::writeBytes);
            return joined.toByteArray();
        }

        /** Lines including their CRLF (the last may lack one). */
        private static List<byte[]> splitLines(byte[] b) {
            List<byte[]> lines = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == '\n') {
                    lines.add(Arrays.copyOfRange(b, start, i + 1));
                    start = i + 1;
                }
            }
            if (start < b.length) {
                lines.add(Arrays.copyOfRange(b, start, b.length));
            }
            return lines;
        }

        private static byte[] insert(byte[] b, int at, byte[] what) {
            return concat(concat(Arrays.copyOfRange(b, 0, at), what), Arrays.copyOfRange(b, at, b.length));
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] c = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, c, a.length, b.length);
            return c;
        }
    }

    // ---- Through a running proxy -----------------------------------------------------------------

    @Test
    void mutatedRequestsThroughARunningProxyNeverStopItFromServingAndLeakNoBuffer() {
        Random random = new Random(SEED ^ 0x5DEECE66DL);
        Map<String, Integer> answers = new TreeMap<>();
        try (TestBackend backend = TestBackend.echo("v1");
             RunningProxy proxy = RunningProxy.start(b -> b.headTimeout(Duration.ofMillis(500)))) {
            proxy.addCluster("1.0", backend);
            for (int i = 0; i < E2E_CASES; i++) {
                byte[] input = Mutator.mutate(random, TEMPLATES[random.nextInt(TEMPLATES.length)]);
                String what = "end-to-end case " + i + " (run with -Dturnout.fuzz.seed=" + SEED + "): " + printable(input);
                try (RawHttpClient client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(5))) {
                    try {
                        client.sendInFragments(input, random, Math.max(8, input.length / 3));
                        // Half-close: an incomplete request then ends at once instead of at a timeout.
                        client.shutdownOutput();
                    } catch (RuntimeException e) {
                        // The proxy may already have answered and closed (e.g. 431 part-way through a big head).
                    }
                    byte[] answer = client.readAllUntilClose();
                    String first = firstStatus(answer);
                    answers.merge(first, 1, Integer::sum);
                    assertTrue(answer.length == 0 || first.startsWith("HTTP/1.1 "),
                            what + ": whatever comes back is HTTP/1.1: " + printable(Arrays.copyOf(answer, Math.min(200, answer.length))));
                } catch (RuntimeException | AssertionError e) {
                    throw new AssertionError(what + ": " + e, e);
                }
                HttpResponse alive = RawHttpClient.get(proxy.port(), "/alive");
                assertEquals(200, alive.status(), what + ": the proxy still serves a well-formed request");
                assertEquals("v1 GET /alive", alive.bodyText(), what);
            }
            Await.until("every client connection is closed", () -> proxy.engine().server().openClients() == 0);
            Await.until("every pooled buffer is back", () -> proxy.buffersInUse() == 0);
        }
        System.out.println("RequestParserFuzzTest: " + E2E_CASES + " end-to-end cases, seed " + SEED + ", first answers " + answers);
    }

    private static String firstStatus(byte[] answer) {
        if (answer.length == 0) {
            return "(closed without an answer)";
        }
        String text = new String(answer, 0, Math.min(answer.length, 12), StandardCharsets.ISO_8859_1);
        return text;
    }

    static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        int limit = Math.min(bytes.length, 600);
        for (int i = 0; i < limit; i++) {
            int b = bytes[i] & 0xff;
            if (b == '\r') {
                s.append("\\r");
            } else if (b == '\n') {
                s.append("\\n");
            } else if (b < 0x20 || b >= 0x7f || b == '\\') {
                s.append(String.format("\\x%02x", b));
            } else {
                s.append((char) b);
            }
        }
        if (bytes.length > limit) {
            s.append("... (").append(bytes.length).append(" bytes)");
        }
        return s.toString();
    }

    private static String printable(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return printable(bytes);
    }
}
