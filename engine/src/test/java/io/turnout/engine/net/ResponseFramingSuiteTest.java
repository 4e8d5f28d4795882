package io.turnout.engine.net;

import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RecordedRequest;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.EOFException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misbehaving upstream responses, one row per response (SPEC §7, issue 8). Whatever the backend
 * sends, the client gets either a 502 (when nothing was relayed yet), a response framed exactly as
 * the RFC reads it, or a truncated response followed by a close: never bytes it could misframe.
 * And the upstream connection that misbehaved is never used again: the backend's connection ids
 * prove it, because the backend keeps its side open (where the row allows) so reuse would show.
 *
 * <p>Sources: RFC 9112 §4 (status line), §5 (fields), §6.1 and §6.3 (framing), §7.1 (chunked);
 * HAProxy reg-tests {@code http_transfer_encoding.vtc} (servers s1 and s2),
 * {@code http_bodyless_response.vtc}, {@code truncated.vtc}. The request is a POST with an empty body, so a failure is
 * never retried (SPEC §3) and the backend sees exactly one {@code /bad} request.
 */
class ResponseFramingSuiteTest {
    private static final String BAD_REQUEST = "POST /bad HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";

    /** What the client must see. */
    enum Outcome {
        /** A 502 from the proxy, then a close. */
        BAD_GATEWAY,
        /** The head (and maybe part of the body), then a close before the message ends. */
        TRUNCATED,
        /** A complete, correctly framed response with {@link Row#status} and {@link Row#body}. */
        RELAYED,
        /** Like RELAYED, but the body runs to the close, so the client connection closes after it. */
        RELAYED_UNTIL_CLOSE
    }

    record Row(String name, String source, Reply reply, Outcome outcome, int status, String body) {
        static Row of(String name, String source, Reply reply, Outcome outcome) {
            return new Row(name, source, reply, outcome, 0, null);
        }

        Row relayedAs(int expectedStatus, String expectedBody) {
            return new Row(name, source, reply, outcome, expectedStatus, expectedBody);
        }

        @Override
        public String toString() {
            return name + " [" + source + "]";
        }
    }

    /** Exactly these bytes; the backend keeps the connection open afterwards, so a reuse would show. */
    private static Reply rawKeepOpen(String bytes) {
        return Reply.raw(bytes, false);
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        rows.add(Row.of("both Transfer-Encoding and Content-Length, with a response-splitting tail",
                "HAProxy http_transfer_encoding.vtc s1 #4; RFC 9112 §6.3 rule 3 (may be handled as an error)",
                rawKeepOpen("HTTP/1.1 200 Ok\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n"
                        + "0\r\n\r\nResponse splitting attach"), Outcome.BAD_GATEWAY));
        rows.add(Row.of("a bad chunk size after the head",
                "RFC 9112 §7.1",
                rawKeepOpen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n"),
                Outcome.TRUNCATED));
        rows.add(Row.of("a head longer than 64 KiB",
                "SPEC §7 (bounded heads, 502 past the bound)",
                rawKeepOpen("HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(70 * 1024) + "\r\nContent-Length: 2\r\n\r\nok"),
                Outcome.BAD_GATEWAY));
        rows.add(Row.of("the backend closes in the middle of a Content-Length body",
                "RFC 9112 §8 (incomplete message)",
                Reply.raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it", true), Outcome.TRUNCATED));
        rows.add(Row.of("the backend closes in the middle of a chunked body",
                "RFC 9112 §8; HAProxy truncated.vtc",
                Reply.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", true), Outcome.TRUNCATED));
        rows.add(Row.of("a negative Content-Length",
                "RFC 9110 §8.6; RFC 9112 §6.3 rule 5 (invalid CL in a response: 502)",
                rawKeepOpen("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nx"), Outcome.BAD_GATEWAY));
        rows.add(Row.of("two different Content-Length values",
                "RFC 9112 §6.3 rule 5",
                rawKeepOpen("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk"), Outcome.BAD_GATEWAY));
        rows.add(Row.of("a status line and fields ended by bare LF",
                "RFC 9112 §2.2 (SPEC §7 is strict)",
                rawKeepOpen("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"), Outcome.BAD_GATEWAY));
        rows.add(Row.of("garbage instead of a status line",
                "RFC 9112 §4",
                rawKeepOpen("HELLO WORLD\r\nContent-Length: 2\r\n\r\nok"), Outcome.BAD_GATEWAY));
        rows.add(Row.of("HTTP/2 frames (SETTINGS, GOAWAY) instead of an HTTP/1.1 response",
                "RFC 9113 §3.4, §6.5, §6.8 (an HTTP/2-only server answering an HTTP/1.1 request)",
                Reply.raw("\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000"
                        + "\u0000\u0000\u0008\u0007\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0001",
                        true), Outcome.BAD_GATEWAY));
        rows.add(Row.of("a four-digit status code",
                "RFC 9112 §4 (status-code = 3DIGIT)",
                rawKeepOpen("HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok"), Outcome.BAD_GATEWAY));
        rows.add(Row.of("a NUL in a field value",
                "RFC 9110 §5.5",
                rawKeepOpen("HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 2\r\n\r\nok"), Outcome.BAD_GATEWAY));
        rows.add(Row.of("obs-fold hiding a Content-Length",
                "RFC 9112 §5.2 (a proxy MUST reject or replace obs-fold)",
                rawKeepOpen("HTTP/1.1 200 OK\r\nX-A: a\r\n Content-Length: 5\r\nContent-Length: 2\r\n\r\nok"),
                Outcome.BAD_GATEWAY));
        rows.add(Row.of("Transfer-Encoding 'chunked, chunked'",
                "HAProxy http_transfer_encoding.vtc s2 #1 (502); RFC 9112 §6.1 (MUST NOT chunk twice)",
                rawKeepOpen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"), Outcome.BAD_GATEWAY));
        rows.add(Row.of("Transfer-Encoding 'chunked, gzip, chunked'",
                "HAProxy http_transfer_encoding.vtc s2 #2 (502); RFC 9112 §6.1",
                rawKeepOpen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n0\r\n\r\n"), Outcome.BAD_GATEWAY));
        rows.add(Row.of("bytes after a complete Content-Length body are dropped",
                "RFC 9112 §6.3 rule 6 (the rest is not this response); response queue poisoning",
                rawKeepOpen("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPOISON"),
                Outcome.RELAYED).relayedAs(200, "ok"));
        rows.add(Row.of("a 204 that carries a body: no body is relayed",
                "RFC 9112 §6.3 rule 1; HAProxy http_bodyless_response.vtc",
                rawKeepOpen("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"), Outcome.RELAYED)
                .relayedAs(204, ""));
        rows.add(Row.of("an HTTP/1.0 chunked response is relayed and its connection is not kept",
                "HAProxy http_transfer_encoding.vtc s1 #3; RFC 9112 §6.1 (close after an HTTP/1.0 message with TE)",
                rawKeepOpen("HTTP/1.0 200 Ok\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"), Outcome.RELAYED)
                .relayedAs(200, "ok"));
        rows.add(Row.of("'chunked, gzip': chunked is not last, so the body runs to the close",
                "RFC 9112 §6.3 rule 4 (HAProxy http_transfer_encoding.vtc s2 #3 is stricter and answers 502)",
                Reply.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc", true),
                Outcome.RELAYED_UNTIL_CLOSE).relayedAs(200, "abc"));
        rows.add(Row.of("101 Switching Protocols that the request never asked for",
                "RFC 9110 §15.2.2 (a server MUST NOT switch without an Upgrade request); HAProxy mux_h1.c never keeps a connection after a 101",
                rawKeepOpen("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
                Outcome.BAD_GATEWAY));
        return rows;
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rows")
    void theClientNeverGetsAResponseItCouldMisframeAndTheUpstreamConnectionIsNotReused(Row row) {
        try (TestBackend backend = TestBackend.start("v1",
                request -> request.target().equals("/bad") ? row.reply() : Reply.ok("fine"));
             // One selector thread: upstream pools are per thread, so a reuse would be visible.
             RunningProxy proxy = RunningProxy.start(b -> b.selectorThreads(1))) {
            proxy.addCluster("1.0", backend);

            try (RawHttpClient client = RawHttpClient.connect(proxy.port(), Duration.ofSeconds(5))) {
                client.send(BAD_REQUEST);
                switch (row.outcome()) {
                    case BAD_GATEWAY -> {
                        HttpResponse response = client.readResponse();
                        assertEquals(502, response.status(), row + ": " + response);
                        assertEquals("close", response.header("Connection"), row.toString());
                        assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), row + ": closed after the 502");
                    }
                    case TRUNCATED -> {
                        UncheckedIOException cut = assertThrows(UncheckedIOException.class, client::readResponse,
                                row + ": the client must not read a complete response");
                        assertInstanceOf(EOFException.class, cut.getCause(),
                                row + ": the response ends by a close, not by bytes the client cannot frame: " + cut);
                        assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), row.toString());
                    }
                    case RELAYED_UNTIL_CLOSE -> {
                        HttpResponse response = client.readResponse();
                        assertEquals(row.status(), response.status(), row + ": " + response);
                        assertEquals(row.body(), response.bodyText(), row.toString());
                        assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), row + ": the client connection ends with the body");
                    }
                    case RELAYED -> {
                        HttpResponse response = client.readResponse();
                        assertEquals(row.status(), response.status(), row + ": " + response);
                        assertEquals(row.body(), response.bodyText(), row.toString());
                        // Whatever followed the response on the upstream connection never reaches the client.
                        client.send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
                        HttpResponse next = client.readResponse();
                        assertEquals(200, next.status(), row + ": the next answer is the backend's own: " + next);
                        assertEquals("fine", next.bodyText(), row.toString());
                    }
                }
            }

            HttpResponse after = RawHttpClient.get(proxy.port(), "/next");
            assertEquals(200, after.status(), row + ": the proxy still serves: " + after);
            assertEquals("fine", after.bodyText());
            List<RecordedRequest> seen = backend.requests();
            List<RecordedRequest> bad = seen.stream().filter(r -> r.target().equals("/bad")).toList();
            assertEquals(1, bad.size(), row + ": exactly one /bad request, never retried: " + seen);
            long badConnection = bad.get(0).connectionId();
            for (RecordedRequest r : seen) {
                if (r.target().equals("/next")) {
                    assertNotEquals(badConnection, r.connectionId(),
                            row + ": the connection that carried the bad response was reused for " + r);
                }
            }
        }
    }

    @Test
    void theSuiteHasAtLeastEightRows() {
        assertTrue(rows().size() >= 8);
        assertFalse(rows().stream().anyMatch(r -> r.source().isBlank()));
    }

    /** Control row: a well-behaved keep-alive backend's connection is reused, so the proof above can fail. */
    @Test
    void aCleanResponseLeavesTheUpstreamConnectionReusableSoTheReuseCheckIsMeaningful() {
        try (TestBackend backend = TestBackend.start("v1", request -> Reply.ok("fine"));
             RunningProxy proxy = RunningProxy.start(b -> b.selectorThreads(1))) {
            proxy.addCluster("1.0", backend);
            try (RawHttpClient client = RawHttpClient.connect(proxy.port())) {
                client.send(BAD_REQUEST);
                assertEquals(200, client.readResponse().status());
            }
            assertEquals(200, RawHttpClient.get(proxy.port(), "/next").status());
            List<RecordedRequest> seen = backend.requests();
            assertEquals(2, seen.size());
            assertEquals(seen.get(0).connectionId(), seen.get(1).connectionId(), "reused: " + seen);
            assertArrayEquals(new byte[0], seen.get(0).body());
        }
    }
}
