package io.turnout.engine.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link TestBackend} does with one request: an immutable script. Start from a factory
 * ({@link #ok}, {@link #chunked}, {@link #generated}, {@link #resetWithoutResponse}, ...) and refine
 * it with {@code with...} methods, each of which returns a new reply.
 *
 * <p>Unless told otherwise the backend adds {@code X-Backend: <backend name>}, then the reply's
 * own headers, then the framing header ({@code Content-Length} or {@code Transfer-Encoding}) and
 * {@code Connection: close} when it will close. A HEAD request gets the same head with no body.
 * {@link #raw} replies are sent verbatim with nothing added.
 */
public final class Reply {

    /** What kind of answer; body framings first, then the misbehaviours that send no response. */
    enum Kind {
        FIXED, CHUNKED, CLOSE_DELIMITED, NO_BODY, GENERATED, RAW, UPGRADE_ECHO,
        NEVER_RESPOND, CLOSE_WITHOUT_RESPONSE, RESET_WITHOUT_RESPONSE
    }

    private Kind kind;
    private int status = 200;
    private String reason;
    private List<HeaderList.Header> headers = List.of();
    private boolean backendHeader = true;
    private byte[] body = new byte[0];
    private List<byte[]> chunks = List.of();
    private List<HeaderList.Header> trailers = List.of();
    private long generatedLength;
    private long generatedSeed;
    private int generatedChunkSize;          // 0: Content-Length framing
    private boolean closeAfterRaw;
    private long resetAfterBodyBytes = -1;
    private Duration headDelay = Duration.ZERO;
    private Duration bodyDelay = Duration.ZERO;
    private Duration chunkDelay = Duration.ZERO;
    private boolean closeConnection;
    private boolean announceClose = true;
    private boolean closeAfterHead;
    private boolean readBody = true;
    private boolean sendContinue = true;
    private List<byte[]> interimHeads = List.of();

    private Reply(Kind kind) {
        this.kind = kind;
    }

    private Reply copy() {
        Reply c = new Reply(kind);
        c.status = status;
        c.reason = reason;
        c.headers = headers;
        c.backendHeader = backendHeader;
        c.body = body;
        c.chunks = chunks;
        c.trailers = trailers;
        c.generatedLength = generatedLength;
        c.generatedSeed = generatedSeed;
        c.generatedChunkSize = generatedChunkSize;
        c.closeAfterRaw = closeAfterRaw;
        c.resetAfterBodyBytes = resetAfterBodyBytes;
        c.headDelay = headDelay;
        c.bodyDelay = bodyDelay;
        c.chunkDelay = chunkDelay;
        c.closeConnection = closeConnection;
        c.announceClose = announceClose;
        c.closeAfterHead = closeAfterHead;
        c.readBody = readBody;
        c.sendContinue = sendContinue;
        c.interimHeads = interimHeads;
        return c;
    }

    // ---- Factories: responses ------------------------------------------------------------

    /** 200 with a UTF-8 text body and Content-Length. */
    public static Reply ok(String body) {
        return of(200, body.getBytes(StandardCharsets.UTF_8)).withHeader("Content-Type", "text/plain; charset=utf-8");
    }

    /** A status with an empty body: Content-Length 0, or no body at all for 1xx, 204 and 304. */
    public static Reply status(int status) {
        boolean bodiless = status < 200 || status == 204 || status == 304;
        Reply r = new Reply(bodiless ? Kind.NO_BODY : Kind.FIXED);
        r.status = status;
        return r;
    }

    /** A status with a UTF-8 text body and Content-Length. */
    public static Reply status(int status, String body) {
        return of(status, body.getBytes(StandardCharsets.UTF_8)).withHeader("Content-Type", "text/plain; charset=utf-8");
    }

    /** A status with these body bytes and Content-Length. */
    public static Reply of(int status, byte[] body) {
        Reply r = new Reply(Kind.FIXED);
        r.status = status;
        r.body = body.clone();
        return r;
    }

    public static Reply noContent() {
        return status(204);
    }

    public static Reply notModified() {
        return status(304);
    }

    /** 200, chunked, one chunk per string (UTF-8), each flushed as it is written. */
    public static Reply chunked(String... chunks) {
        List<byte[]> list = new ArrayList<>();
        for (String chunk : chunks) {
            list.add(chunk.getBytes(StandardCharsets.UTF_8));
        }
        return chunked(list);
    }

    /** 200, chunked, one chunk per array, each flushed as it is written. Empty arrays are skipped
     * (a zero-size chunk would end the body). */
    public static Reply chunked(List<byte[]> chunks) {
        Reply r = new Reply(Kind.CHUNKED);
        List<byte[]> copies = new ArrayList<>();
        for (byte[] chunk : chunks) {
            if (chunk.length > 0) {
                copies.add(chunk.clone());
            }
        }
        r.chunks = List.copyOf(copies);
        return r;
    }

    /** 200 with neither Content-Length nor Transfer-Encoding: the body ends when the backend closes. */
    public static Reply closeDelimited(String body) {
        return closeDelimited(body.getBytes(StandardCharsets.UTF_8));
    }

    public static Reply closeDelimited(byte[] body) {
        Reply r = new Reply(Kind.CLOSE_DELIMITED);
        r.body = body.clone();
        return r;
    }

    /** 200 with Content-Length and a {@link GeneratedBody}; its digest is
     * {@link TestBackend#digestOfGenerated(long, long)}. */
    public static Reply generated(long length, long seed) {
        Reply r = new Reply(Kind.GENERATED);
        r.generatedLength = length;
        r.generatedSeed = seed;
        return r;
    }

    /** Like {@link #generated} but chunked, in chunks of {@code chunkSize} bytes (the last may be shorter). */
    public static Reply generatedChunked(long length, long seed, int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be > 0, was " + chunkSize);
        }
        Reply r = generated(length, seed);
        r.generatedChunkSize = chunkSize;
        return r;
    }

    /** 101 Switching Protocols with {@code Upgrade: echo}, then every byte received is echoed until EOF. */
    public static Reply upgradeToEcho() {
        Reply r = new Reply(Kind.UPGRADE_ECHO);
        r.status = 101;
        return r;
    }

    /** Exactly these bytes (ISO-8859-1), nothing added; for misbehaving-response tests. */
    public static Reply raw(String bytes, boolean closeAfter) {
        return raw(bytes.getBytes(StandardCharsets.ISO_8859_1), closeAfter);
    }

    public static Reply raw(byte[] bytes, boolean closeAfter) {
        Reply r = new Reply(Kind.RAW);
        r.body = bytes.clone();
        r.closeAfterRaw = closeAfter;
        return r;
    }

    // ---- Factories: no response ----------------------------------------------------------

    /** Read the request, then hold the connection open, reading and writing nothing, until the backend stops. */
    public static Reply neverRespond() {
        return new Reply(Kind.NEVER_RESPOND);
    }

    /** Read the request, then close the connection (FIN) without a byte of response. */
    public static Reply closeWithoutResponse() {
        return new Reply(Kind.CLOSE_WITHOUT_RESPONSE);
    }

    /** Read the request, then reset the connection (SO_LINGER 0, so the peer sees RST). */
    public static Reply resetWithoutResponse() {
        return new Reply(Kind.RESET_WITHOUT_RESPONSE);
    }

    /** Read {@code bytes} decoded body bytes (or the whole body if shorter), then reset the connection. */
    public static Reply resetAfterBodyBytes(long bytes) {
        Reply r = resetWithoutResponse();
        r.resetAfterBodyBytes = bytes;
        return r;
    }

    // ---- Refinements ---------------------------------------------------------------------

    public Reply withStatus(int status) {
        Reply c = copy();
        c.status = status;
        return c;
    }

    /** The reason phrase; by default the standard one for the status. */
    public Reply withReason(String reason) {
        Reply c = copy();
        c.reason = reason;
        return c;
    }

    /** Appends a header line (duplicates allowed, order kept). */
    public Reply withHeader(String name, String value) {
        Reply c = copy();
        List<HeaderList.Header> list = new ArrayList<>(headers);
        list.add(new HeaderList.Header(name, value));
        c.headers = List.copyOf(list);
        return c;
    }

    /** Appends a trailer field to a chunked body. */
    public Reply withTrailer(String name, String value) {
        Reply c = copy();
        List<HeaderList.Header> list = new ArrayList<>(trailers);
        list.add(new HeaderList.Header(name, value));
        c.trailers = List.copyOf(list);
        return c;
    }

    /** Leaves out the {@code X-Backend} header. */
    public Reply withoutBackendHeader() {
        Reply c = copy();
        c.backendHeader = false;
        return c;
    }

    /** Sleeps this long after reading the request, before the first response byte. */
    public Reply withHeadDelay(Duration delay) {
        Reply c = copy();
        c.headDelay = delay;
        return c;
    }

    /** Flushes the head, then sleeps this long before the body. */
    public Reply withBodyDelay(Duration delay) {
        Reply c = copy();
        c.bodyDelay = delay;
        return c;
    }

    /** Sleeps this long before each chunk after the first (chunked and generated-chunked bodies). */
    public Reply withChunkDelay(Duration delay) {
        Reply c = copy();
        c.chunkDelay = delay;
        return c;
    }

    /** Sends {@code Connection: close} and closes after the response. */
    public Reply withConnectionClose() {
        Reply c = copy();
        c.closeConnection = true;
        return c;
    }

    /**
     * Closes after the response without sending {@code Connection: close}, as Python's
     * {@code http.server} does after an HTTP/1.0 request: the response looks reusable, and a client
     * that pools the connection finds it closed when it sends the next request.
     */
    public Reply withUnannouncedClose() {
        Reply c = copy();
        c.closeConnection = true;
        c.announceClose = false;
        return c;
    }

    /**
     * Sends the head as usual (its framing header included), then closes (FIN) without a byte of
     * the body it promised: a server that dies between its head and its body.
     */
    public Reply withCloseAfterHead() {
        Reply c = copy();
        c.closeAfterHead = true;
        return c;
    }

    /**
     * Answers without reading the request body and without {@code 100 Continue}, then closes (the
     * unread body leaves no way to find the next request). The usual answer to an expectation the
     * server declines, e.g. {@code Reply.status(417).withoutReadingBody()}.
     */
    public Reply withoutReadingBody() {
        Reply c = copy();
        c.readBody = false;
        c.closeConnection = true;
        return c;
    }

    /** Does not send {@code 100 Continue} for {@code Expect: 100-continue}; reads the body anyway. */
    public Reply withoutContinue() {
        Reply c = copy();
        c.sendContinue = false;
        return c;
    }

    /** Sends an interim (1xx) response with these header name/value pairs before the final one. */
    public Reply withInterim(int status, String... namesAndValues) {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reasonFor(status)).append("\r\n");
        for (HeaderList.Header h : HeaderList.of(namesAndValues)) {
            head.append(h.name()).append(": ").append(h.value()).append("\r\n");
        }
        head.append("\r\n");
        Reply c = copy();
        List<byte[]> list = new ArrayList<>(interimHeads);
        list.add(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        c.interimHeads = List.copyOf(list);
        return c;
    }

    /**
     * The body exactly as it goes on the wire (chunk framing and trailers included) for fixed,
     * chunked, close-delimited, bodiless and raw replies; compare it with
     * {@link HttpResponse#rawBody()}.
     */
    public byte[] wireBody() {
        return switch (kind) {
            case FIXED, CLOSE_DELIMITED, RAW -> body.clone();
            case NO_BODY -> new byte[0];
            case CHUNKED -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (byte[] chunk : chunks) {
                    out.writeBytes(chunkHeader(chunk.length));
                    out.writeBytes(chunk);
                    out.writeBytes(CRLF);
                }
                out.writeBytes(lastChunk());
                yield out.toByteArray();
            }
            default -> throw new IllegalStateException("no fixed wire body for a " + kind + " reply");
        };
    }

    // ---- Read by TestBackend -------------------------------------------------------------

    static final byte[] CRLF = {'\r', '\n'};

    static byte[] chunkHeader(long size) {
        return (Long.toHexString(size) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The zero-size chunk, the trailer fields and the final CRLF. */
    byte[] lastChunk() {
        StringBuilder s = new StringBuilder("0\r\n");
        for (HeaderList.Header t : trailers) {
            s.append(t.name()).append(": ").append(t.value()).append("\r\n");
        }
        return s.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    Kind kind() {
        return kind;
    }

    int status() {
        return status;
    }

    String reason() {
        return reason != null ? reason : reasonFor(status);
    }

    List<HeaderList.Header> headers() {
        return headers;
    }

    boolean backendHeader() {
        return backendHeader;
    }

    byte[] body() {
        return body;
    }

    List<byte[]> chunks() {
        return chunks;
    }

    long generatedLength() {
        return generatedLength;
    }

    long generatedSeed() {
        return generatedSeed;
    }

    int generatedChunkSize() {
        return generatedChunkSize;
    }

    boolean closeAfterRaw() {
        return closeAfterRaw;
    }

    long resetAfterBodyBytes() {
        return resetAfterBodyBytes;
    }

    Duration headDelay() {
        return headDelay;
    }

    Duration bodyDelay() {
        return bodyDelay;
    }

    Duration chunkDelay() {
        return chunkDelay;
    }

    boolean closeConnection() {
        return closeConnection;
    }

    boolean announceClose() {
        return announceClose;
    }

    boolean closeAfterHead() {
        return closeAfterHead;
    }

    boolean readBody() {
        return readBody;
    }

    boolean sendContinue() {
        return sendContinue;
    }

    List<byte[]> interimHeads() {
        return interimHeads;
    }

    static String reasonFor(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 101 -> "Switching Protocols";
            case 103 -> "Early Hints";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 417 -> "Expectation Failed";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Status " + status;
        };
    }

    @Override
    public String toString() {
        return "Reply[" + kind + " " + status + " " + headers + "]";
    }
}
