package io.turnout.admin.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our framing of the responses of the services we call (Docker, etcd): one row per wire form, with the body it must yield. */
class HttpResponseReaderTest {

    static Stream<Arguments> wellFramedResponses() {
        return Stream.of(
                Arguments.of("content-length body",
                        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "GET", 200, "hello"),
                Arguments.of("content-length stops at its length even when more bytes follow",
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello", "GET", 200, "he"),
                Arguments.of("repeated identical content-length",
                        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "GET", 200, "abc"),
                Arguments.of("chunked body with an extension and a trailer",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "3;name=v\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT",
                        "POST", 200, "abc0123456789"),
                Arguments.of("chunked wins over content-length (RFC 9112 6.3)",
                        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "2\r\nok\r\n0\r\n\r\n", "GET", 200, "ok"),
                Arguments.of("a final coding other than chunked reads to close",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw bytes", "GET", 200, "raw bytes"),
                Arguments.of("close-delimited body",
                        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", "GET", 200, "until the end"),
                Arguments.of("bare LF line ends",
                        "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "GET", 200, "ok"),
                Arguments.of("204 has no body whatever its headers say",
                        "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\njunk", "POST", 204, ""),
                Arguments.of("304 has no body",
                        "HTTP/1.1 304 Not Modified\r\n\r\n", "POST", 304, ""),
                Arguments.of("HEAD has no body",
                        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD", 200, ""),
                Arguments.of("interim 100 Continue is skipped",
                        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
                        "POST", 201, "{}"),
                Arguments.of("status line without a reason phrase",
                        "HTTP/1.1 404\r\nContent-Length: 1\r\n\r\nx", "GET", 404, "x"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFramedResponses")
    void wellFramedResponseYieldsItsBody(String name, String wire, String method, int status, String body)
            throws IOException {
        HttpResponseReader reader = new HttpResponseReader(stream(wire), "Docker");
        ResponseHead head = reader.readHead();
        assertEquals(status, head.status());
        assertEquals(body, new String(reader.body(head, method).readAllBytes(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void chunkedBodyLeavesTheBytesAfterItUnread() throws IOException {
        InputStream in = stream("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\nNEXT");
        HttpResponseReader reader = new HttpResponseReader(in, "Docker");
        ResponseHead head = reader.readHead();
        assertEquals("a", new String(reader.body(head, "GET").readAllBytes(), StandardCharsets.ISO_8859_1));
        assertEquals("NEXT", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void chunkedBodyReadAByteAtATimeYieldsTheSameData() throws IOException {
        HttpResponseReader reader = new HttpResponseReader(stream(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"), "Docker");
        InputStream body = reader.body(reader.readHead(), "GET");
        StringBuilder read = new StringBuilder();
        for (int c = body.read(); c != -1; c = body.read()) {
            read.append((char) c);
        }
        assertEquals("abcde", read.toString());
    }

    @Test
    void headersAreCaseInsensitiveAndRepeatsAreJoined() throws IOException {
        ResponseHead head = new HttpResponseReader(stream(
                "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nX-A: 1\r\nx-a: 2\r\n\r\n"), "Docker").readHead();
        assertEquals("1.41", head.header("api-version"));
        assertEquals("1, 2", head.header("x-a"));
    }

    static Stream<Arguments> brokenResponses() {
        return Stream.of(
                Arguments.of("bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", IOException.class),
                Arguments.of("chunk size that overflows", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "ffffffffffffffffff\r\n", IOException.class),
                Arguments.of("chunk data not followed by CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "2\r\nokX\r\n0\r\n\r\n", IOException.class),
                Arguments.of("bare LF after chunk data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "2\r\nok\n0\r\n\r\n", IOException.class),
                Arguments.of("EOF inside a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
                        EOFException.class),
                Arguments.of("EOF before the last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "2\r\nab\r\n", EOFException.class),
                Arguments.of("EOF before content-length is reached", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
                        EOFException.class),
                Arguments.of("conflicting content-length values", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                        + "Content-Length: 4\r\n\r\nabcd", IOException.class),
                Arguments.of("content-length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                        IOException.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenResponses")
    void brokenBodyFramingIsAnError(String name, String wire, Class<? extends IOException> expected) {
        assertThrows(expected, () -> {
            HttpResponseReader reader = new HttpResponseReader(stream(wire), "Docker");
            ResponseHead head = reader.readHead();
            reader.body(head, "GET").readAllBytes();
        });
    }

    @Test
    void trailersWithoutEndAreCutOffBeforeTheStreamIs() throws IOException {
        HttpResponseReader reader = new HttpResponseReader(stream("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "1\r\na\r\n0\r\n" + "X-T: t\r\n".repeat(3000)), "Docker");
        InputStream body = reader.body(reader.readHead(), "GET");
        IOException e = assertThrows(IOException.class, body::readAllBytes);
        assertTrue(e.getMessage().contains("chunk framing from Docker exceeds"), e.getMessage());
    }

    static Stream<Arguments> brokenHeads() {
        return Stream.of(
                Arguments.of("not HTTP", "SSH-2.0-OpenSSH\r\n\r\n"),
                Arguments.of("status that is not three digits", "HTTP/1.1 2x0 OK\r\n\r\n"),
                Arguments.of("header without a colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"),
                Arguments.of("obs-fold", "HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n"),
                Arguments.of("EOF inside the head", "HTTP/1.1 200 OK\r\nContent-Len"),
                Arguments.of("EOF before any byte", ""),
                Arguments.of("head over 64 KiB", "HTTP/1.1 200 OK\r\nX: " + "a".repeat(70_000) + "\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenHeads")
    void brokenHeadIsAnError(String name, String wire) {
        assertThrows(IOException.class, () -> new HttpResponseReader(stream(wire), "Docker").readHead());
    }

    private static InputStream stream(String wire) {
        return new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1));
    }
}
