package io.turnout.engine.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A blocking client on one loopback connection that sends bytes exactly as given and reads
 * responses with strict HTTP/1.1 framing. One instance is one connection, so tests can exercise
 * keep-alive and pipelining; the raw wire bytes of every response are kept for exact assertions.
 *
 * <p>{@link #connectTls} runs the same client over TLS (the JDK's {@link SSLSocket}, verifying the
 * proxy's certificate for 127.0.0.1 and offering ALPN {@code http/1.1}), so the wire tests of the
 * plain listener carry over to the TLS one unchanged.
 *
 * <p>I/O failures surface as {@link UncheckedIOException} (a read timeout included), and a response
 * that is not valid HTTP/1.1 surfaces as an {@link UncheckedIOException} wrapping a
 * {@link ProtocolException} that says what was wrong.
 */
public final class RawHttpClient implements AutoCloseable {

    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_RESPONSE_HEAD = 1 << 20;
    private static final Duration DEFAULT_FRAGMENT_PAUSE = Duration.ofMillis(2);

    /** How the peer's side of the connection ended, as seen by {@link #awaitPeerClose}. */
    public enum PeerClose {
        /** Still open when the time was up. */
        OPEN,
        /** Orderly close: the read returned end of stream. */
        FIN,
        /** The connection was reset. */
        RESET
    }

    private final Socket socket;
    private final WireInput input;
    private final OutputStream output;
    private final int readTimeoutMillis;

    private RawHttpClient(int port, Duration readTimeout, SSLContext tls) {
        Socket plain = new Socket();
        try {
            // Each send goes out as its own segment, so fragmented sends really arrive fragmented.
            plain.setTcpNoDelay(true);
            plain.connect(new InetSocketAddress(TestBackend.LOOPBACK, port), (int) readTimeout.toMillis());
            readTimeoutMillis = (int) readTimeout.toMillis();
            plain.setSoTimeout(readTimeoutMillis);
            socket = tls == null ? plain : handshake(plain, port, tls);
            input = new WireInput(socket.getInputStream());
            output = socket.getOutputStream();
        } catch (IOException e) {
            try {
                plain.close();
            } catch (IOException ignored) {
                // the connect or handshake failure is the news
            }
            throw new UncheckedIOException("cannot connect to " + (tls == null ? "" : "TLS ") + "127.0.0.1:" + port, e);
        }
    }

    /** TLS over {@code plain}: the certificate must be valid for 127.0.0.1 (RFC 6125 IP SAN), ALPN http/1.1. */
    private static SSLSocket handshake(Socket plain, int port, SSLContext context) throws IOException {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    public static RawHttpClient connect(int port) {
        return new RawHttpClient(port, DEFAULT_READ_TIMEOUT, null);
    }

    public static RawHttpClient connect(int port, Duration readTimeout) {
        return new RawHttpClient(port, readTimeout, null);
    }

    /** A TLS connection, handshake done, trusting what {@code context} trusts (e.g. {@link TestPki#clientContext()}). */
    public static RawHttpClient connectTls(int port, SSLContext context) {
        return new RawHttpClient(port, DEFAULT_READ_TIMEOUT, context);
    }

    public static RawHttpClient connectTls(int port, SSLContext context, Duration readTimeout) {
        return new RawHttpClient(port, readTimeout, context);
    }

    /** One GET on a fresh connection: {@code GET path HTTP/1.1}, {@code Host: 127.0.0.1}. */
    public static HttpResponse get(int port, String path) {
        try (RawHttpClient client = connect(port)) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            return client.readResponse();
        }
    }

    public int localPort() {
        return socket.getLocalPort();
    }

    /** The TLS session of a {@link #connectTls} client (protocol, cipher suite, ALPN); fails for plain. */
    public SSLSession tlsSession() {
        if (!(socket instanceof SSLSocket tls)) {
            throw new IllegalStateException("a plain connection has no TLS session");
        }
        return tls.getSession();
    }

    /** The ALPN protocol the server chose ({@code ""} when it chose none); fails for plain. */
    public String applicationProtocol() {
        if (!(socket instanceof SSLSocket tls)) {
            throw new IllegalStateException("a plain connection has no ALPN");
        }
        return tls.getApplicationProtocol();
    }

    // ---- Sending -------------------------------------------------------------------------

    /** Sends the string's chars as bytes, one byte per char (ISO-8859-1), so control bytes survive. */
    public RawHttpClient send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttpClient send(byte[] bytes) {
        try {
            output.write(bytes);
            output.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("send of " + bytes.length + " bytes failed", e);
        }
        return this;
    }

    /** Sends in pieces of the given sizes (the pattern repeats), pausing 2 ms between pieces. */
    public RawHttpClient sendInFragments(byte[] bytes, int... sizes) {
        return sendInFragments(bytes, DEFAULT_FRAGMENT_PAUSE, sizes);
    }

    /** Sends in pieces of the given sizes (the pattern repeats), pausing between pieces. */
    public RawHttpClient sendInFragments(byte[] bytes, Duration pause, int... sizes) {
        if (sizes.length == 0) {
            throw new IllegalArgumentException("give at least one fragment size");
        }
        int offset = 0;
        for (int i = 0; offset < bytes.length; i++) {
            int size = sizes[i % sizes.length];
            if (size <= 0) {
                throw new IllegalArgumentException("fragment sizes must be > 0, got " + size);
            }
            offset = sendPiece(bytes, offset, size, offset > 0 ? pause : Duration.ZERO);
        }
        return this;
    }

    /** Sends in random pieces of 1..maxFragment bytes, pausing 2 ms between pieces. */
    public RawHttpClient sendInFragments(byte[] bytes, Random random, int maxFragment) {
        int offset = 0;
        while (offset < bytes.length) {
            offset = sendPiece(bytes, offset, 1 + random.nextInt(maxFragment), offset > 0 ? DEFAULT_FRAGMENT_PAUSE : Duration.ZERO);
        }
        return this;
    }

    private int sendPiece(byte[] bytes, int offset, int size, Duration pauseBefore) {
        sleep(pauseBefore);
        int n = Math.min(size, bytes.length - offset);
        try {
            output.write(bytes, offset, n);
            output.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("send failed at byte " + offset + " of " + bytes.length, e);
        }
        return offset + n;
    }

    /** Streams a {@link GeneratedBody} as-is (for a Content-Length request body the caller declared). */
    public RawHttpClient sendGenerated(long length, long seed) {
        try {
            new GeneratedBody(length, seed).transferTo(output);
            output.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("send of generated body failed", e);
        }
        return this;
    }

    /** Streams a {@link GeneratedBody} with chunked framing, ending with the last chunk and no trailers. */
    public RawHttpClient sendGeneratedChunked(long length, long seed, int chunkSize) {
        GeneratedBody body = new GeneratedBody(length, seed);
        byte[] chunk = new byte[chunkSize];
        try {
            for (int n; (n = body.read(chunk, 0, chunkSize)) > 0; ) {
                output.write(Reply.chunkHeader(n));
                output.write(chunk, 0, n);
                output.write(Reply.CRLF);
            }
            output.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            output.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("send of generated chunked body failed", e);
        }
        return this;
    }

    /** Half-closes: the peer sees EOF on its read side, while we can still read. */
    public void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- Reading -------------------------------------------------------------------------

    /** Reads exactly one response (a 1xx is returned on its own; call again for the final one). */
    public HttpResponse readResponse() {
        return readResponse(false);
    }

    /**
     * Reads exactly one response.
     *
     * @param headRequest true when answering a HEAD request, whose response never has a body
     */
    public HttpResponse readResponse(boolean headRequest) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        return read(headRequest, body, Integer.MAX_VALUE, Duration.ZERO, true, body);
    }

    /** Reads responses until a non-1xx one, and returns that. */
    public HttpResponse readFinalResponse() {
        HttpResponse response;
        do {
            response = readResponse(false);
        } while (response.isInterim() && response.status() != 101);
        return response;
    }

    /**
     * Reads one response, writing its decoded body to {@code sink} in reads of at most
     * {@code bytesPerRead} bytes with {@code pausePerRead} after each: a slow reader, to test
     * back-pressure. The returned response has an empty {@code body} and {@code rawBody}, but its
     * {@code bodyLength} and {@code bodySha256} cover the whole body.
     */
    public HttpResponse readResponseStreaming(OutputStream sink, int bytesPerRead, Duration pausePerRead) {
        return read(false, sink, bytesPerRead, pausePerRead, false, null);
    }

    private HttpResponse read(boolean headRequest, OutputStream sink, int bytesPerRead, Duration pause,
                              boolean captureBody, ByteArrayOutputStream keptBody) {
        try {
            byte[] rawHead = input.readHead(MAX_RESPONSE_HEAD, false);
            if (rawHead == null) {
                throw new EOFException("connection closed before a response head");
            }
            MessageHead head = MessageHead.parse(rawHead);
            String[] statusLine = parseStatusLine(head.startLine());
            int status = Integer.parseInt(statusLine[1]);
            BodyFraming framing = responseFraming(headRequest, status, head.headers());
            long contentLength = framing == BodyFraming.CONTENT_LENGTH ? MessageHead.contentLength(head.headers()) : -1;

            if (captureBody) {
                input.startCapture();
            }
            BodyInputStream body = new BodyInputStream(input, framing, contentLength);
            MessageDigest digest = Digests.sha256();
            byte[] buffer = new byte[Math.min(bytesPerRead, 64 * 1024)];
            for (int n; (n = body.read(buffer, 0, buffer.length)) >= 0; ) {
                digest.update(buffer, 0, n);
                sink.write(buffer, 0, n);
                sleep(pause);
            }
            byte[] rawBody = captureBody ? input.stopCapture() : new byte[0];
            return new HttpResponse(statusLine[0], status, statusLine[2], head.headers(),
                    keptBody != null ? keptBody.toByteArray() : new byte[0], body.decodedLength(),
                    Digests.hex(digest), framing, body.trailers(), rawHead, rawBody);
        } catch (IOException e) {
            input.stopCapture();
            throw new UncheckedIOException("reading a response failed: " + e.getMessage(), e);
        }
    }

    /** {@code HTTP/1.1 200 OK} into version, status, reason (the reason may be empty). */
    private static String[] parseStatusLine(String line) throws ProtocolException {
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/") || parts[1].length() != 3
                || !parts[1].chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ProtocolException("bad status line: " + line);
        }
        return new String[] {parts[0], parts[1], parts.length == 3 ? parts[2] : ""};
    }

    /** RFC 9112 §6.3, in order: no body for HEAD/1xx/204/304, then TE, then CL, else until close. */
    private static BodyFraming responseFraming(boolean headRequest, int status, HeaderList headers)
            throws ProtocolException {
        if (headRequest || status < 200 || status == 204 || status == 304) {
            return BodyFraming.NONE;
        }
        if (headers.contains("Transfer-Encoding")) {
            return MessageHead.finalCodingIsChunked(headers) ? BodyFraming.CHUNKED : BodyFraming.CLOSE_DELIMITED;
        }
        if (MessageHead.contentLength(headers) >= 0) {
            return BodyFraming.CONTENT_LENGTH;
        }
        return BodyFraming.CLOSE_DELIMITED;
    }

    /** Reads exactly {@code count} bytes (e.g. after a 101); fails if the peer closes first. */
    public byte[] readExactly(int count) {
        byte[] bytes = new byte[count];
        try {
            for (int done = 0; done < count; ) {
                int n = input.read(bytes, done, count - done);
                if (n < 0) {
                    throw new EOFException("connection closed after " + done + " of " + count + " bytes");
                }
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes;
    }

    /** Everything until the peer closes (FIN or reset ends it); fails on read timeout. */
    public byte[] readAllUntilClose() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        try {
            for (int n; (n = input.read(buffer, 0, buffer.length)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new UncheckedIOException("peer did not close within the read timeout; got " + all.size() + " bytes", e);
        } catch (SocketException e) {
            // reset: the close came as RST; what arrived before it is still the answer
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.toByteArray();
    }

    /** True when the peer closes (FIN or reset) within {@code within}. Data that arrives first is kept for later reads. */
    public boolean isClosedByPeer(Duration within) {
        return awaitPeerClose(within) != PeerClose.OPEN;
    }

    /**
     * Waits up to {@code within} for the peer to close, and says how it did. Bytes that arrive
     * meanwhile are buffered, not lost: a later {@link #readResponse()} still sees them.
     */
    public PeerClose awaitPeerClose(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return PeerClose.OPEN;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                try {
                    if (!input.fill()) {
                        return PeerClose.FIN;
                    }
                } catch (SocketTimeoutException e) {
                    return PeerClose.OPEN;
                } catch (SocketException e) {
                    return PeerClose.RESET;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                socket.setSoTimeout(readTimeoutMillis);
            } catch (SocketException ignored) {
                // the socket is gone; later reads will say so
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test connection cannot meaningfully fail
        }
    }

    private static void sleep(Duration pause) {
        if (pause.isZero()) {
            return;
        }
        try {
            Thread.sleep(pause.toMillis(), (int) (pause.toNanos() % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
