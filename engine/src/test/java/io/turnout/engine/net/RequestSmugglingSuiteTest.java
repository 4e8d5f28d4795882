package io.turnout.engine.net;

import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.HttpResponse;
import io.turnout.engine.testsupport.RawHttpClient;
import io.turnout.engine.testsupport.RecordedRequest;
import io.turnout.engine.testsupport.Reply;
import io.turnout.engine.testsupport.RunningProxy;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request smuggling and strict parsing, one row per input, over real sockets (SPEC §7, issue 8).
 *
 * <p>Rows come from public sources: RFC 9110 and RFC 9112 (§2.2 line endings, §3 request line,
 * §5 fields, §6.1 and §6.3 framing, §7.1 chunked, §11.2 smuggling), HAProxy's reg-tests
 * ({@code reg-tests/http-messaging/*.vtc}) and parser ({@code src/h1.c}, {@code include/haproxy/h1.h}),
 * and the well-known smuggling payloads (PortSwigger's CL.TE, TE.CL and TE.TE obfuscations).
 * Each row says what the client must read (a list of statuses, in order), and exactly which
 * requests the backend must have received: the backend's request log is the proof that no second
 * request was smuggled past the proxy. Every row runs on a fresh client connection; after an error
 * status the proxy must close that connection.
 *
 * <p>Expectations follow the RFC (or HAProxy where the RFC leaves a choice), not the engine.
 */
class RequestSmugglingSuiteTest {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(4);
    private static final String HOST = "Host: a\r\n";

    private static TestBackend backend;
    private static RunningProxy proxy;

    @BeforeAll
    static void start() {
        backend = TestBackend.start("v1", request -> Reply.ok("ok " + request.method() + " " + request.target()));
        proxy = RunningProxy.start(b -> b.headTimeout(Duration.ofSeconds(2)));
        proxy.addCluster("1.0", backend);
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
    }

    // ---- The table -------------------------------------------------------------------------------

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();

        // -- Content-Length together with Transfer-Encoding: RFC 9112 §6.3 rule 3, §11.2; SPEC §7 says 400.
        rows.add(row("CL.TE: CL first, then TE chunked, smuggled bytes after the last chunk",
                "PortSwigger CL.TE; RFC 9112 §6.3 rule 3, §11.2",
                "POST /clte HTTP/1.1\r\n" + HOST + "Content-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED")
                .answers(400).backendSeesNothing());
        rows.add(row("TE.CL: TE chunked first, then a short CL",
                "PortSwigger TE.CL; RFC 9112 §6.3 rule 3",
                "POST /tecl HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE and CL with a GET hidden after the last chunk",
                "HAProxy http_transfer_encoding.vtc c1 (HAProxy drops CL and closes; SPEC §7 answers 400)",
                "POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\nContent-Length: 31\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE.TE: CL with an obfuscated coding 'xchunked'",
                "PortSwigger TE.TE; RFC 9112 §6.3 rule 4",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE.TE: whitespace between 'Transfer-Encoding' and the colon",
                "PortSwigger TE.TE; RFC 9112 §5.1 (MUST 400)",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE.TE: TE as the first field line, preceded by whitespace",
                "PortSwigger TE.TE; RFC 9112 §2.2 (whitespace before the first field line)",
                "POST /x HTTP/1.1\r\n Transfer-Encoding: chunked\r\n" + HOST + "Content-Length: 4\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE.TE: TE folded onto the previous field (obs-fold)",
                "PortSwigger TE.TE; RFC 9112 §5.2",
                "POST /x HTTP/1.1\r\n" + HOST + "X-A: b\r\n Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE.TE: TE after a bare LF",
                "PortSwigger TE.TE; RFC 9112 §2.2",
                "POST /x HTTP/1.1\r\n" + HOST + "X-A: b\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE.TE: two TE field lines, both chunked",
                "PortSwigger TE.TE; HAProxy h1_parse_xfer_enc_header (chunked applied twice)",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE.TE: TE chunked, then a second TE line 'x'",
                "PortSwigger TE.TE; RFC 9112 §6.3 rule 4 (chunked not final)",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE 'chunked, chunked'",
                "HAProxy http_transfer_encoding.vtc c6 (400); RFC 9112 §6.1 (MUST NOT chunk twice)",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE 'chunked, gzip, chunked'",
                "HAProxy http_transfer_encoding.vtc c7 (400); RFC 9112 §6.1",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked, gzip, chunked\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE 'chunked, gzip' (chunked not final)",
                "HAProxy http_transfer_encoding.vtc c8; RFC 9112 §6.3 rule 4 (MUST 400)",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE 'gzip' alone",
                "HAProxy http_transfer_encoding.vtc c9; RFC 9112 §6.3 rule 4",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE 'gzip, chunked': a coding the proxy does not implement",
                "RFC 9112 §6.1 (SHOULD 501); HAProxy http_transfer_encoding.vtc c10 answers 422",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
                .answers(501).backendSeesNothing());
        rows.add(row("TE 'identity' (removed from HTTP/1.1)",
                "RFC 9112 §6.3 rule 4, §7 (identity is not a transfer coding)",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding: identity\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE chunked with a vertical tab before the value",
                "RFC 9110 §5.5 (CTL in a value)",
                "POST /x HTTP/1.1\r\n" + HOST + "Transfer-Encoding:\u000bchunked\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE chunked in an HTTP/1.0 request",
                "RFC 9112 §6.1 (HTTP/1.0 with TE: faulty framing)",
                "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("TE 'chunked ' with trailing whitespace is chunked",
                "RFC 9110 §5.5 (OWS around a value is not part of it)",
                "POST /te-sp HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked \r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                .answers(200).backendSees("/te-sp").withBodies("hello"));
        rows.add(row("TE with a tab before 'chunked' is chunked",
                "RFC 9110 §5.6.3 (OWS includes HTAB); PortSwigger TE.TE 'Transfer-Encoding:[tab]chunked'",
                "POST /te-tab HTTP/1.1\r\n" + HOST + "Transfer-Encoding:\tchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                .answers(200).backendSees("/te-tab").withBodies("hello"));
        rows.add(row("TE 'CHUNKED' in upper case is chunked",
                "RFC 9112 §7 (transfer coding names are case-insensitive)",
                "POST /te-upper HTTP/1.1\r\n" + HOST + "Transfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                .answers(200).backendSees("/te-upper").withBodies("hello"));
        rows.add(row("'Connection: Transfer-Encoding' does not strip the framing header",
                "RFC 9110 §7.6.1 (Connection options) abused to drop framing",
                "POST /conn-te HTTP/1.1\r\n" + HOST + "Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
                .answers(200).backendSees("/conn-te").withBodies("hello"));
        rows.add(row("'Connection: Content-Length' does not strip the framing header",
                "RFC 9110 §7.6.1 (Connection options) abused to drop framing",
                "POST /conn-cl HTTP/1.1\r\n" + HOST + "Connection: Content-Length\r\nContent-Length: 5\r\n\r\nhello")
                .answers(200).backendSees("/conn-cl").withBodies("hello"));

        // -- h2c upgrade: SPEC §7 and issue 12 (h2c smuggling: a backend that switches opens a tunnel past the proxy).
        String h2c = "GET /h2c HTTP/1.1\r\n" + HOST + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n";
        rows.add(row("Upgrade: h2c with HTTP2-Settings listed in Connection: no Upgrade reaches the backend",
                "RFC 9113 §3.1 (the h2c upgrade is obsolete); BishopFox h2csmuggler; issue 12",
                h2c + "Connection: Upgrade, HTTP2-Settings\r\n\r\n")
                .answers(200).backendSees("/h2c").withHeader("Upgrade"));
        rows.add(row("Upgrade: h2c with HTTP2-Settings listed in Connection: no HTTP2-Settings reaches the backend",
                "RFC 9113 §3.1; RFC 9110 §7.6.1; issue 12",
                h2c + "Connection: Upgrade, HTTP2-Settings\r\n\r\n")
                .answers(200).backendSees("/h2c").withHeader("HTTP2-Settings"));
        rows.add(row("Upgrade: h2c with only Upgrade listed in Connection: no Upgrade reaches the backend",
                "RFC 9113 §3.1; h2csmuggler's variant that leaves HTTP2-Settings out of Connection; issue 12",
                h2c + "Connection: Upgrade\r\n\r\n")
                .answers(200).backendSees("/h2c").withHeader("Upgrade"));
        rows.add(row("Upgrade: h2c with only Upgrade listed in Connection: no HTTP2-Settings reaches the backend",
                "RFC 9113 §3.1; issue 12",
                h2c + "Connection: Upgrade\r\n\r\n")
                .answers(200).backendSees("/h2c").withHeader("HTTP2-Settings"));

        // -- Content-Length values: RFC 9110 §8.6, RFC 9112 §6.3 rule 5.
        rows.add(row("CL negative", "RFC 9110 §8.6 (1*DIGIT); h1spec",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: -1\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("CL with a plus sign", "RFC 9110 §8.6 (1*DIGIT)",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: +5\r\n\r\nhello")
                .answers(400).backendSeesNothing());
        rows.add(row("CL overflowing 64 bits", "RFC 9112 §6.3 rule 5 (invalid CL); HAProxy http_parse_cont_len_header overflow",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: 99999999999999999999999\r\n\r\nhello")
                .answers(400).backendSeesNothing());
        rows.add(row("CL in hex '0x10'", "RFC 9110 §8.6 (decimal digits only)",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: 0x10\r\n\r\n0123456789abcdef")
                .answers(400).backendSeesNothing());
        rows.add(row("CL empty", "HAProxy h1_to_h1.vtc c5h1",
                "GET /x HTTP/1.1\r\n" + HOST + "Content-Length:\r\nConnection: close\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("CL '0,' with an empty list member", "HAProxy h1_to_h1.vtc c4h1",
                "GET /x HTTP/1.1\r\n" + HOST + "Content-Length: 0,\r\nConnection: close\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("CL '1 2' with a space inside the number", "RFC 9110 §8.6",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: 1 2\r\n\r\nhello world!")
                .answers(400).backendSeesNothing());
        rows.add(row("CL '5abc' with trailing letters", "RFC 9110 §8.6",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: 5abc\r\n\r\nhello")
                .answers(400).backendSeesNothing());
        rows.add(row("CL continued by obs-fold", "RFC 9112 §5.2",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: 1\r\n 0\r\n\r\n0123456789")
                .answers(400).backendSeesNothing());
        rows.add(row("CL '007' with leading zeros is 7", "RFC 9110 §8.6 (Content-Length = 1*DIGIT)",
                "POST /cl-zeros HTTP/1.1\r\n" + HOST + "Content-Length: 007\r\n\r\n1234567")
                .answers(200).backendSees("/cl-zeros").withBodies("1234567"));
        rows.add(row("CL twice with the same value is accepted", "RFC 9110 §8.6; HAProxy http_parse_cont_len_header",
                "POST /cl-twice HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
                .answers(200).backendSees("/cl-twice").withBodies("hello"));
        rows.add(row("CL twice with the same value reaches the backend as one field",
                "RFC 9110 §8.6 (MUST reject, or replace the duplicates by one valid Content-Length before forwarding)",
                "POST /cl-twice HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
                .answers(200).backendSees("/cl-twice").withBodies("hello").withHeader("Content-Length", "5"));
        rows.add(row("CL list '5, 5' of equal values is accepted", "RFC 9110 §8.6",
                "POST /cl-list HTTP/1.1\r\n" + HOST + "Content-Length: 5, 5\r\n\r\nhello")
                .answers(200).backendSees("/cl-list").withBodies("hello"));
        rows.add(row("CL list '5, 5' reaches the backend as a single value",
                "RFC 9110 §8.6 (MUST reject, or replace with a single valid Content-Length before forwarding)",
                "POST /cl-list HTTP/1.1\r\n" + HOST + "Content-Length: 5, 5\r\n\r\nhello")
                .answers(200).backendSees("/cl-list").withBodies("hello").withHeader("Content-Length", "5"));
        rows.add(row("CL twice with different values", "RFC 9112 §6.3 rule 5 (MUST 400)",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
                .answers(400).backendSeesNothing());
        rows.add(row("CL list '5, 6' of different values", "RFC 9112 §6.3 rule 5",
                "POST /x HTTP/1.1\r\n" + HOST + "Content-Length: 5, 6\r\n\r\nhello!")
                .answers(400).backendSeesNothing());
        rows.add(row("GET with a body: the body is delivered", "HAProxy h1_to_h1.vtc c1h1, third request",
                "GET /test3.html HTTP/1.1\r\n" + HOST + "Content-Length: 38\r\n\r\nthis must be delivered, like it or not")
                .answers(200).backendSees("/test3.html").withBodies("this must be delivered, like it or not"));
        rows.add(row("CL 0 and close, followed by bytes that must be dropped", "HAProxy h1_to_h1.vtc c1h1, fourth request",
                "GET /test4.html HTTP/1.1\r\n" + HOST + "content-length: 0\r\nconnection: close\r\n\r\ntxys ys not sent\r\n\r\n")
                .answers(200).andCloses().backendSees("/test4.html").withBodies(""));
        String hidden = "GET /hidden HTTP/1.1\r\nHost: a\r\n\r\n";
        rows.add(row("a whole request inside a Content-Length body stays body", "RFC 9112 §6.3 rule 6; CL.CL smuggling",
                "POST /outer HTTP/1.1\r\n" + HOST + "Content-Length: " + hidden.length() + "\r\n\r\n" + hidden)
                .answers(200).backendSees("/outer").withBodies(hidden));
        rows.add(row("a whole request inside a chunk stays body", "RFC 9112 §7.1",
                "POST /outer HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(hidden.length()) + "\r\n" + hidden + "\r\n0\r\n\r\n")
                .answers(200).backendSees("/outer").withBodies(hidden));
        rows.add(row("two pipelined requests in one packet are both answered, in order", "RFC 9112 §9.3.2",
                "GET /p1 HTTP/1.1\r\n" + HOST + "\r\nGET /p2 HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(200, 200).backendSees("/p1", "/p2"));
        rows.add(row("a request pipelined after a chunked body is the next request", "RFC 9112 §7.1, §9.3.2",
                "POST /c1 HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /c2 HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(200, 200).backendSees("/c1", "/c2").withBodies("", ""));
        rows.add(row("a valid request followed by garbage: the answer, then 400", "RFC 9112 §9.3.2, §2.2",
                "GET /ok HTTP/1.1\r\n" + HOST + "\r\nGARBAGE\r\n\r\n")
                .answers(200, 400).backendSees("/ok"));
        rows.add(row("a malformed request after a served one on a kept-alive connection gets 400", "RFC 9112 §9.3; SPEC §7",
                "GET /ok HTTP/1.1\r\n" + HOST + "\r\n", "GET /x HTTP/1.1\r\nHost : a\r\n\r\n")
                .answers(200, 400).backendSees("/ok"));

        // -- Chunked bodies: RFC 9112 §7.1; HAProxy h1_parse_chunk_size (1*HEXDIG *WSP [; ext] CRLF).
        String chunkedHead = "POST /chunked HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n";
        rows.add(row("chunk extension with a token value", "RFC 9112 §7.1.1",
                chunkedHead + "5;name=value\r\nhello\r\n0\r\n\r\n")
                .answers(200).backendSees("/chunked").withBodies("hello"));
        rows.add(row("chunk extension with a quoted value", "RFC 9112 §7.1.1",
                chunkedHead + "5;name=\"a b;c\"\r\nhello\r\n0\r\n\r\n")
                .answers(200).backendSees("/chunked").withBodies("hello"));
        rows.add(row("chunk size with leading zeros", "RFC 9112 §7.1 (chunk-size = 1*HEXDIG)",
                chunkedHead + "0005\r\nhello\r\n0000\r\n\r\n")
                .answers(200).backendSees("/chunked").withBodies("hello"));
        rows.add(row("chunk size followed by whitespace", "HAProxy h1_parse_chunk_size (*WSP after the size)",
                chunkedHead + "5  \r\nhello\r\n0\r\n\r\n")
                .answers(200).backendSees("/chunked").withBodies("hello"));
        rows.add(row("trailer fields after the last chunk", "RFC 9112 §7.1.2",
                chunkedHead + "5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n")
                .answers(200).backendSees("/chunked").withBodies("hello"));
        rows.add(row("chunk size of 17 hex digits (overflow)", "RFC 9112 §7.1 (anticipate overflow); HAProxy (at most 2^52)",
                chunkedHead + "10000000000000005\r\nhello\r\n0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("chunk size '0x5'", "RFC 9112 §7.1 (HEXDIG only)",
                chunkedHead + "0x5\r\nhello\r\n0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("negative chunk size", "RFC 9112 §7.1",
                chunkedHead + "-5\r\nhello\r\n0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("chunk size preceded by a space", "RFC 9112 §7.1",
                chunkedHead + " 5\r\nhello\r\n0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("chunk size followed by whitespace and junk '5 x'",
                "HAProxy h1_parse_chunk_size (only ';' or CRLF may follow the size and its blanks); RFC 9112 §7.1.1",
                chunkedHead + "5 x\r\nhello\r\n0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("chunk extension with an unterminated quoted string",
                "HAProxy h1_parse_chunk_size (mismatched quotes are an error); RFC 9112 §7.1.1 quoted-string",
                chunkedHead + "5;a=\"b\r\nhello\r\n0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("chunk extension with a NUL", "RFC 9112 §7.1.1; HAProxy h1_parse_chunk_size (CTL)",
                chunkedHead + "5;a\u0000b\r\nhello\r\n0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("chunk data longer than its size", "RFC 9112 §7.1 (chunk-data CRLF)",
                chunkedHead + "3\r\nhello\r\n0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("chunk data not followed by CRLF", "RFC 9112 §7.1",
                chunkedHead + "5\r\nhelloXX0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("bare LF after the chunk size", "RFC 9112 §7.1 (CRLF); HAProxy h1_parse_chunk_size",
                chunkedHead + "5\nhello\r\n0\r\n\r\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("last chunk and end of body with bare LFs", "RFC 9112 §7.1",
                chunkedHead + "5\r\nhello\r\n0\n\n")
                .answers(400).backendSeesAtMostAnAbortedRequest("/chunked"));
        rows.add(row("chunked body split right after a chunk size", "HAProxy http_request_buffer.vtc c3",
                "POST /1 HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n1\r\n1\r\n1", "\r\n1\r\n0\r\n\r\n")
                .answers(200).backendSees("/1").withBodies("11"));

        // -- Host: RFC 9112 §3.2; HAProxy h1_host_normalization.vtc and http_authority_has_forbidden_char.
        rows.add(row("missing Host in HTTP/1.1", "RFC 9112 §3.2 (MUST 400)",
                "GET /x HTTP/1.1\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("Host twice with the same value", "RFC 9112 §3.2 (MUST 400 for more than one Host line)",
                "GET /x HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("Host twice with different values", "HAProxy h1_host_normalization.vtc c12; RFC 9112 §3.2",
                "GET /x HTTP/1.1\r\nHost: hostname1\r\nHost: hostname2\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("HTTP/1.0 without Host is served", "RFC 9112 §3.2 (Host is required in HTTP/1.1 only)",
                "GET /old HTTP/1.0\r\n\r\n")
                .answers(200).andCloses().backendSees("/old"));
        rows.add(row("Host with a comma (two hosts joined)",
                "RFC 9112 §3.2 (MUST 400 for an invalid Host value); HAProxy http_authority_has_forbidden_char",
                "GET /x HTTP/1.1\r\nHost: a, b\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("Host with a space inside",
                "RFC 9112 §3.2; HAProxy http_authority_has_forbidden_char",
                "GET /x HTTP/1.1\r\nHost: exa mple.com\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("Host with userinfo 'user@evil'",
                "RFC 9112 §3.2 (Host = uri-host [\":\" port], no userinfo); HAProxy http_authority_has_forbidden_char",
                "GET /x HTTP/1.1\r\nHost: good.example@evil.example\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("absolute-form target with a matching Host", "RFC 9112 §3.2.2",
                "GET http://a/abs HTTP/1.1\r\nHost: a\r\n\r\n")
                .answers(200).backendSees("http://a/abs"));
        rows.add(row("absolute-form target with the default port ':80' and a Host without a port",
                "RFC 9110 §4.2.3 (the default port is equivalent to none); HAProxy h1_host_normalization.vtc; issue 12",
                "GET http://hostname:80/x HTTP/1.1\r\nHost: hostname\r\n\r\n")
                .answers(200).backendSeesOneOf("http://hostname:80/x", "http://hostname/x"));
        rows.add(row("absolute-form target without a port and a Host with the default port ':80'",
                "RFC 9110 §4.2.3 (the default port is equivalent to none)",
                "GET http://hostname/x HTTP/1.1\r\nHost: hostname:80\r\n\r\n")
                .answers(200).backendSeesOneOf("http://hostname/x"));
        rows.add(row("absolute-form target with a port other than the default and a Host without it",
                "RFC 9110 §4.2.3 (only the scheme's default port may be dropped); RFC 9112 §3.2.2",
                "GET http://hostname:8080/x HTTP/1.1\r\nHost: hostname\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("absolute-form target whose authority differs from Host",
                "HAProxy h1_host_normalization.vtc c8 (400); RFC 9112 §3.2.2 (the target's authority wins over Host)",
                "GET http://hostname1/ HTTP/1.1\r\nHost: hostname2\r\n\r\n")
                .answers(400).backendSeesNothing());

        // -- Request line: RFC 9112 §3, §2.3; HAProxy h1_request_target_validation.vtc.
        rows.add(row("OPTIONS with the asterisk form", "RFC 9112 §3.2.4; HAProxy h1_request_target_validation.vtc c1",
                "OPTIONS * HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(200).backendSees("*"));
        rows.add(row("GET with the asterisk form", "RFC 9112 §3.2.4 (OPTIONS only); HAProxy h1_request_target_validation.vtc c5",
                "GET * HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("origin-form without the leading slash", "RFC 9112 §3.2.1; HAProxy h1_request_target_validation.vtc c13",
                "GET admin HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("fragment '#' in the target", "RFC 9112 §3.2 (no fragment in a request-target); HAProxy h1.c http_msg_rquri",
                "GET /a#b HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("non-ASCII byte in the target", "RFC 9112 §3.2 / RFC 3986 (ASCII only); HAProxy h1.c http_msg_rquri",
                "GET /caf\u00e9 HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("control character in the target", "RFC 9112 §3.2; SPEC §7",
                "GET /a\u0001b HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("two spaces between method and target", "RFC 9112 §3 (single SP; SPEC §7 is strict)",
                "GET  /x HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("space after the version", "RFC 9112 §3",
                "GET /x HTTP/1.1 \r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("whitespace before the method", "RFC 9112 §3",
                " GET /x HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("empty lines before the request line are ignored", "RFC 9112 §2.2 (SHOULD ignore at least one)",
                "\r\n\r\nGET /lead HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(200).backendSees("/lead"));
        rows.add(row("HTTP/0.9 request line without a version", "RFC 9112 §3 (HTTP/0.9 is not supported); h1spec",
                "GET /\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("HTTP/2.0 in an HTTP/1 request line", "RFC 9110 §15.6.6 (505)",
                "GET /x HTTP/2.0\r\n" + HOST + "\r\n")
                .answers(505).backendSeesNothing());
        rows.add(row("HTTP/2 connection preface on the HTTP/1.1 port", "RFC 9113 §3.4; RFC 9110 §15.6.6",
                "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
                .answers(505).backendSeesNothing());
        rows.add(row("HTTP/1.2 is processed as HTTP/1.1",
                "RFC 9110 §2.5 (a higher minor version SHOULD be processed as the highest supported one); HAProxy h1_parse_req_vsn",
                "GET /v12 HTTP/1.2\r\n" + HOST + "\r\n")
                .answers(200).backendSees("/v12"));
        rows.add(row("lower-case 'http/1.1'", "RFC 9112 §2.3 (HTTP-name is case-sensitive)",
                "GET /x http/1.1\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("version 'HTTP/1.10'", "RFC 9112 §2.3 (DIGIT \".\" DIGIT)",
                "GET /x HTTP/1.10\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("lower-case method is another (unknown) method and is forwarded", "RFC 9110 §9.1 (methods are case-sensitive)",
                "get /lower HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(200).backendSees("/lower").withMethod("get"));
        rows.add(row("unknown method is forwarded", "RFC 9110 §9.1",
                "PURGE /cache HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(200).backendSees("/cache").withMethod("PURGE"));
        rows.add(row("method with a non-token character", "RFC 9110 §9.1 (method = token)",
                "GE(T /x HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("CONNECT is refused by a reverse proxy", "SPEC §7; RFC 9110 §9.3.6",
                "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
                .answers(405).backendSeesNothing());
        rows.add(row("request line longer than 64 KiB",
                "RFC 9112 §3 (a request-target longer than the server will parse: MUST 414)",
                "GET /" + "a".repeat(70 * 1024) + " HTTP/1.1\r\n" + HOST + "\r\n")
                .answers(414).backendSeesNothing());
        rows.add(row("request line fragmented one byte at a time", "h1spec (fragmented request line)",
                "GET /frag HTTP/1.1\r\n" + HOST + "\r\n")
                .inFragmentsOf(1).answers(200).backendSees("/frag"));
        rows.add(row("CRLF split between CR and LF across packets", "RFC 9112 §2.2",
                "GET /split HTTP/1.1\r", "\nHost: a\r", "\n\r", "\n")
                .answers(200).backendSees("/split"));

        // -- Field lines: RFC 9110 §5, RFC 9112 §5; SPEC §7.
        rows.add(row("NUL in a field value", "RFC 9110 §5.5 (MUST reject or replace NUL); SPEC §7",
                "GET /x HTTP/1.1\r\n" + HOST + "X-A: a\u0000b\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("bare CR in a field value", "RFC 9112 §2.2 (bare CR is invalid)",
                "GET /x HTTP/1.1\r\n" + HOST + "X-A: a\rb\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("obs-text in a field value is allowed", "RFC 9110 §5.5 (field-vchar includes obs-text)",
                "GET /obs HTTP/1.1\r\n" + HOST + "X-A: caf\u00e9\r\n\r\n")
                .answers(200).backendSees("/obs"));
        rows.add(row("obs-fold", "RFC 9112 §5.2; SPEC §7",
                "GET /x HTTP/1.1\r\n" + HOST + "X-A: b\r\n c\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("whitespace between a field name and the colon", "RFC 9112 §5.1 (MUST 400); SPEC §7",
                "GET /x HTTP/1.1\r\nHost : a\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("non-token character in a field name", "RFC 9110 §5.1 (field-name = token)",
                "GET /x HTTP/1.1\r\n" + HOST + "X(A): b\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("empty field name", "RFC 9110 §5.1",
                "GET /x HTTP/1.1\r\n" + HOST + ": b\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("field line without a colon", "RFC 9112 §5",
                "GET /x HTTP/1.1\r\n" + HOST + "X-A b\r\n\r\n")
                .answers(400).backendSeesNothing());
        rows.add(row("bare LF line terminators", "RFC 9112 §2.2 (MAY accept; SPEC §7 is strict)",
                "GET /x HTTP/1.1\nHost: a\n\n")
                .answers(400).backendSeesNothing());
        rows.add(row("field section over 64 KiB", "RFC 6585 §5 (431)",
                "GET /x HTTP/1.1\r\n" + HOST + "X-Big: " + "b".repeat(70 * 1024) + "\r\n\r\n")
                .answers(431).backendSeesNothing());
        rows.add(row("more than 128 field lines", "RFC 6585 §5 (431)",
                "GET /x HTTP/1.1\r\n" + HOST + "X-N: 1\r\n".repeat(200) + "\r\n")
                .answers(431).backendSeesNothing());
        return rows;
    }

    // ---- Running a row ---------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rows")
    void eachRequestGetsTheAnswerTheRfcGivesAndTheBackendSeesExactlyTheRequestsItShould(Row row) {
        settle();
        backend.clearRequests();
        try (RawHttpClient client = RawHttpClient.connect(proxy.port(), READ_TIMEOUT)) {
            row.send(client);
            HttpResponse last = null;
            for (int expected : row.statuses) {
                last = client.readResponse();
                assertEquals(expected, last.status(), () -> row + ": status; backend saw " + backend.requests());
            }
            if (last.status() >= 400) {
                assertEquals("close", last.header("Connection"), row + ": an error response says it closes");
                assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), row + ": the proxy closes after an error");
            } else if (row.closes) {
                assertTrue(client.isClosedByPeer(Duration.ofSeconds(5)), row + ": the proxy closes after this answer");
            }
        }
        settle();
        row.seen.check(row, backend.requests());
    }

    @Test
    void theSuiteHasAtLeastFortyRowsAndEveryRowNamesItsSource() {
        List<Row> rows = rows();
        assertTrue(rows.size() >= 40, "rows: " + rows.size());
        for (Row row : rows) {
            assertFalse(row.source.isBlank(), row.name);
        }
    }

    /**
     * Waits until every upstream connection the backend still has open is one the proxy still
     * holds: a connection the proxy abandoned has been closed and the backend has recorded what it
     * got on it. Without this, an aborted request could be recorded after the row's check.
     */
    private static void settle() {
        Await.until("the backend has finished every connection the proxy let go",
                () -> backend.openConnectionCount() == proxy.engine().server().openUpstreams());
    }

    // ---- Rows ------------------------------------------------------------------------------------

    static Row row(String name, String source, String... sends) {
        List<byte[]> parts = new ArrayList<>();
        for (String s : sends) {
            parts.add(s.getBytes(StandardCharsets.ISO_8859_1));
        }
        return new Row(name, source, parts, 0, List.of(), false, Seen.nothing());
    }

    /**
     * One input and its expected outcome.
     *
     * @param parts    sent one after the other, each as its own segment
     * @param fragment when above 0, the parts are joined and re-sent in pieces of this size
     * @param statuses what the client must read, in order; after an error the connection closes
     * @param closes   the proxy must close after the last (successful) answer
     */
    record Row(String name, String source, List<byte[]> parts, int fragment, List<Integer> statuses, boolean closes,
               Seen seen) {

        Row answers(Integer... expected) {
            return new Row(name, source, parts, fragment, List.of(expected), closes, seen);
        }

        Row andCloses() {
            return new Row(name, source, parts, fragment, statuses, true, seen);
        }

        Row inFragmentsOf(int size) {
            return new Row(name, source, parts, size, statuses, closes, seen);
        }

        Row backendSeesNothing() {
            return withSeen(Seen.nothing());
        }

        Row backendSees(String... targets) {
            return withSeen(new Seen(List.of(targets), null, false, null, null, null, false));
        }

        /** Exactly one request, whose target is any of these (where the RFC lets the proxy normalise it). */
        Row backendSeesOneOf(String... targets) {
            return withSeen(new Seen(List.of(targets), null, false, null, null, null, true));
        }

        /** The head may have been forwarded before the body went bad; the body must not complete. */
        Row backendSeesAtMostAnAbortedRequest(String target) {
            return withSeen(new Seen(List.of(target), null, true, null, null, null, false));
        }

        Row withBodies(String... bodies) {
            return withSeen(new Seen(seen.targets, List.of(bodies), seen.abortedAtMost, seen.header, seen.headerValues, seen.method,
                    seen.oneOf));
        }

        /** The (first) forwarded request carries exactly these values of {@code header}, one per line. */
        Row withHeader(String header, String... values) {
            return withSeen(new Seen(seen.targets, seen.bodies, seen.abortedAtMost, header, List.of(values), seen.method,
                    seen.oneOf));
        }

        Row withMethod(String method) {
            return withSeen(new Seen(seen.targets, seen.bodies, seen.abortedAtMost, seen.header, seen.headerValues, method,
                    seen.oneOf));
        }

        private Row withSeen(Seen s) {
            return new Row(name, source, parts, fragment, statuses, closes, s);
        }

        void send(RawHttpClient client) {
            if (fragment > 0) {
                client.sendInFragments(joined(), fragment);
                return;
            }
            for (int i = 0; i < parts.size(); i++) {
                if (i > 0) {
                    pause(); // shapes the wire: each part arrives as its own read
                }
                client.send(parts.get(i));
            }
        }

        private byte[] joined() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            parts.forEach(out::writeBytes);
            return out.toByteArray();
        }

        @Override
        public String toString() {
            return name + " [" + source + "]";
        }

        private static void pause() {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What the backend must have received.
     *
     * @param targets       exact targets, in order (each with a complete body), unless abortedAtMost
     * @param bodies        the bodies of those requests, or null to not check
     * @param abortedAtMost nothing, or one request at {@code targets[0]} whose body never completed
     * @param oneOf         exactly one request, at any one of {@code targets}
     */
    record Seen(List<String> targets, List<String> bodies, boolean abortedAtMost, String header,
                List<String> headerValues, String method, boolean oneOf) {

        static Seen nothing() {
            return new Seen(List.of(), null, false, null, null, null, false);
        }

        void check(Row row, List<RecordedRequest> got) {
            String seen = got.stream().map(r -> r.method() + " " + r.target() + (r.bodyComplete() ? "" : " (body incomplete)"))
                    .collect(Collectors.joining(", ", "[", "]"));
            if (abortedAtMost) {
                assertTrue(got.isEmpty() || (got.size() == 1 && got.get(0).target().equals(targets.get(0))
                                && !got.get(0).bodyComplete()),
                        row + ": the backend may see the head, never a complete request; it saw " + seen);
                return;
            }
            if (oneOf) {
                assertTrue(got.size() == 1 && targets.contains(got.get(0).target()),
                        row + ": the backend saw one request at one of " + targets + "; it saw " + seen);
            } else {
                assertEquals(targets, got.stream().map(RecordedRequest::target).toList(),
                        row + ": the backend saw exactly these requests; it saw " + seen);
            }
            for (RecordedRequest r : got) {
                assertTrue(r.bodyComplete(), row + ": complete body for " + r);
            }
            if (bodies != null) {
                assertEquals(bodies, got.stream().map(RecordedRequest::bodyText).toList(), row + ": bodies");
            }
            if (header != null) {
                assertEquals(headerValues, got.get(0).headers(header),
                        row + ": forwarded " + header + " lines in " + Arrays.toString(got.get(0).rawHeadText().split("\r\n")));
            }
            if (method != null) {
                assertEquals(method, got.get(0).method(), row + ": forwarded method");
            }
        }
    }
}
