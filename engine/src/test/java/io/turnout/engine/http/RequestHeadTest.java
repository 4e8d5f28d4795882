package io.turnout.engine.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestHeadTest {
    /** What {@link #parse} gives for a head that has not ended yet (no parse result is 0). */
    static final int NEED_MORE = 0;


    static ByteBuffer direct(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length + 16);
        buf.put(bytes).flip();
        return buf;
    }

    static int parse(RequestHead head, String text) {
        ByteBuffer buf = direct(text);
        int end = head.findEnd(buf);
        if (end < 0) {
            return NEED_MORE;
        }
        return head.parse(buf, end);
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of("plain GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", ParseResult.OK),
                Arguments.of("HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", ParseResult.OK),
                Arguments.of("missing Host", "GET / HTTP/1.1\r\n\r\n", 400),
                Arguments.of("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
                Arguments.of("CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
                Arguments.of("differing CLs", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
                Arguments.of("equal CLs", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", ParseResult.OK),
                Arguments.of("CL list of equal values", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", ParseResult.OK),
                Arguments.of("negative CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
                Arguments.of("plus CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", 400),
                Arguments.of("overflowing CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
                Arguments.of("TE gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
                Arguments.of("TE gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
                Arguments.of("TE chunked, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
                Arguments.of("two TE headers", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
                Arguments.of("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
                Arguments.of("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400),
                Arguments.of("space before colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n", 400),
                Arguments.of("NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n", 400),
                Arguments.of("CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", 400),
                Arguments.of("control in target", "GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
                Arguments.of("bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", 400),
                Arguments.of("bare LF in a header line", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400),
                Arguments.of("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
                Arguments.of("garbage version", "GET / FOO/1.1\r\nHost: a\r\n\r\n", 400),
                Arguments.of("lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400),
                Arguments.of("no target", "GET  HTTP/1.1\r\nHost: a\r\n\r\n", 400),
                Arguments.of("CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 405),
                Arguments.of("empty header name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400),
                Arguments.of("header without colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("requests")
    void answersEachRequestAsTheRfcSays(String name, String text, int expected) {
        assertEquals(expected, parse(new RequestHead(), text));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void everyBadRequestSaysWhyAndNoOtherRequestDoes(String name, String text, int expected) {
        RequestHead head = new RequestHead();
        parse(head, text);
        assertEquals(expected == 400, head.problem() != null, name + ": " + head.problem());
    }

    @Test
    void namesTheMethodAsSentEvenWhenTheProxyHasNoEnumForIt() {
        RequestHead head = new RequestHead();
        assertEquals(ParseResult.OK, parse(head, "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals(RequestHead.Method.OTHER, head.method());
        assertEquals("BREW", head.methodName());
        assertEquals("/pot", head.target());
    }

    @Test
    void incompleteHeadNeedsMoreBytes() {
        RequestHead head = new RequestHead();
        ByteBuffer buf = direct("GET / HTTP/1.1\r\nHost: a\r\n\r");
        assertEquals(-1, head.findEnd(buf));
        ByteBuffer complete = direct("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(complete.limit(), head.findEnd(complete));
    }

    /**
     * {@code findEnd} reads the buffer in bulk copies and eight bytes at a time: the end must be
     * found wherever it falls against those boundaries, in either byte order, fed whole or a byte
     * at a time, exactly where a byte-by-byte scan finds it.
     */
    @Test
    void findsTheEndWhereverItFallsAgainstWordsAndCopies() {
        for (String terminator : new String[] {"\r\n\r\n", "\n\n", "\n\r\n"}) {
            for (int filler = 0; filler < 2100; filler += filler < 40 ? 1 : 97) {
                String text = "GET / HTTP/1.1\r\nHost: a\r\nX: " + "v".repeat(filler) + terminator + "tail";
                int expected = text.indexOf("tail");
                for (java.nio.ByteOrder order : new java.nio.ByteOrder[] {java.nio.ByteOrder.BIG_ENDIAN, java.nio.ByteOrder.LITTLE_ENDIAN}) {
                    for (int lead = 0; lead < 9; lead += 4) {
                        byte[] bytes = ("#".repeat(lead) + text).getBytes(StandardCharsets.ISO_8859_1);
                        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length).order(order);
                        buf.put(bytes).flip().position(lead);
                        RequestHead head = new RequestHead();
                        assertEquals(lead + expected, head.findEnd(buf), terminator + " after " + filler);
                        head.reset();
                        int end = -1;
                        for (int limit = lead + 1; limit <= bytes.length && end < 0; limit++) {
                            buf.limit(limit);
                            end = head.findEnd(buf);
                        }
                        assertEquals(lead + expected, end, "byte by byte: " + terminator + " after " + filler);
                    }
                }
            }
        }
    }

    /** A head larger than the parser's first scratch array and than one copy of findEnd parses the same. */
    @Test
    void parsesAHeadOfManyKilobytes() {
        StringBuilder text = new StringBuilder("GET /big HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 120; i++) {
            text.append("X-Filler-").append(i).append(": ").append("f".repeat(100)).append("\r\n");
        }
        text.append("Content-Length: 3\r\nCookie: dynsoftup=ABC\r\n\r\n");
        RequestHead head = new RequestHead();
        assertEquals(ParseResult.OK, parse(head, text.toString()));
        assertEquals(123, head.headerCount());
        assertEquals(3, head.bodyLength());
        assertEquals("f".repeat(100), head.value(head.indexOf("x-filler-119")));
        assertTrue(head.findCookie("dynsoftup".getBytes(StandardCharsets.US_ASCII)) >= 0);
        head.reset();
        assertEquals(ParseResult.OK, parse(head, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"), "and a small one after it");
        assertEquals(1, head.headerCount());
    }

    @Test
    void readsFramingAndConnectionTokens() {
        RequestHead head = new RequestHead();
        assertEquals(ParseResult.OK, parse(head,
                "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n"));
        assertEquals(12, head.bodyLength());
        assertFalse(head.keepAlive());
        assertTrue(head.expectsContinue());
        assertEquals(RequestHead.Method.POST, head.method());
        assertEquals("/x", head.target());
    }

    @Test
    void rewritesHeadWithoutHopByHopHeadersAndWithForwardedHeaders() {
        RequestHead head = new RequestHead();
        String text = "GET /p HTTP/1.1\r\nHost: example.org\r\nConnection: keep-alive, X-Private\r\nKeep-Alive: 5\r\n"
                + "X-Private: secret\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\nAccept: */*\r\n\r\n";
        assertEquals(ParseResult.OK, parse(head, text));
        ByteBuffer out = ByteBuffer.allocateDirect(1024);
        head.writeUpstreamHead(out, "127.0.0.1".getBytes(StandardCharsets.US_ASCII),
                "127.0.0.1:1235".getBytes(StandardCharsets.US_ASCII), false, false);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        assertEquals("GET /p HTTP/1.1\r\nHost: example.org\r\nX-Forwarded-For: 10.0.0.1, 127.0.0.1\r\nAccept: */*\r\n"
                + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: example.org\r\n\r\n", new String(bytes, StandardCharsets.US_ASCII));
    }

    @Test
    void findsCookiesByExactNameWithBoundaries() {
        RequestHead head = new RequestHead();
        String text = "GET / HTTP/1.1\r\nHost: a\r\nCookie: xdynsoftup=wrong; a=b\r\nCookie: c=d; dynsoftup=\"ABC\"\r\n\r\n";
        assertEquals(ParseResult.OK, parse(head, text));
        long range = head.findCookie("dynsoftup".getBytes(StandardCharsets.US_ASCII));
        assertTrue(range >= 0);
        int start = (int) (range >>> 32);
        int end = (int) range;
        byte[] value = new byte[end - start];
        head.buffer().get(start, value);
        assertEquals("ABC", new String(value, StandardCharsets.US_ASCII));
        assertEquals(-1, head.findCookie("transition".getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * Found by RequestParserFuzzTest: an HTTP/1.0 absolute-form request without Host goes
     * upstream as HTTP/1.1, and RFC 9112 §3.2.2 makes its Host the target's authority, not the
     * proxy's own address, or the rewritten request contradicts itself.
     */
    @Test
    void anHttp10AbsoluteFormRequestWithoutHostGetsTheTargetsAuthorityAsHost() {
        RequestHead head = new RequestHead();
        assertEquals(ParseResult.OK, parse(head, "GET http://a:8080/abs HTTP/1.0\r\n\r\n"));
        ByteBuffer out = ByteBuffer.allocate(512);
        head.writeUpstreamHead(out, "127.0.0.1".getBytes(StandardCharsets.US_ASCII),
                "127.0.0.1:1235".getBytes(StandardCharsets.US_ASCII), false, false);
        String written = new String(out.array(), 0, out.position(), StandardCharsets.ISO_8859_1);
        assertTrue(written.startsWith("GET http://a:8080/abs HTTP/1.1\r\nHost: a:8080\r\n"), written);
        RequestHead again = new RequestHead();
        assertEquals(ParseResult.OK, parse(again, written), written);
    }
}
