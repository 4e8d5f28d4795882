package io.turnout.engine.testsupport;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * A TLS client driven by hand on the JDK's {@link SSLEngine} over a plain blocking socket, for what
 * an {@code SSLSocket} hides from a test: whether the peer ended the connection with a
 * {@code close_notify} alert or just closed TCP (the JDK's SSLSocket reads both as end of stream
 * unless {@code com.sun.net.ssl.requireCloseNotify} was set at start-up), and the bytes of a real
 * ClientHello, to send whole, in part, or to many connections at once.
 */
public final class TlsRecordClient implements AutoCloseable {

    /** How the server's side ended, as {@link #readUntilClose} saw it. */
    public enum Ending {
        /** A close_notify alert came before the TCP connection closed: a clean TLS close (RFC 8446 §6.1). */
        CLOSE_NOTIFY,
        /** The TCP connection closed (FIN) with no close_notify before it: a truncation. */
        EOF_WITHOUT_CLOSE_NOTIFY,
        /** The connection was reset. */
        RESET,
        /** A fatal alert or undecodable record. */
        TLS_ERROR,
        /** Still open when the time was up. */
        OPEN
    }

    /** What came before the end: the decrypted application bytes, and how it ended. */
    public record Closing(byte[] data, Ending ending, String detail) {
        public String text() {
            return new String(data, StandardCharsets.ISO_8859_1);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    private ByteBuffer netIn;        // write mode: bytes from the socket not yet unwrapped
    private final ByteBuffer netOut;
    private final ByteBuffer appIn;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean closeNotifyReceived;

    private TlsRecordClient(int port, SSLContext context, Duration readTimeout) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(TestBackend.LOOPBACK, port), (int) readTimeout.toMillis());
        socket.setSoTimeout((int) readTimeout.toMillis());
        in = socket.getInputStream();
        out = socket.getOutputStream();
        engine = clientEngine(context, port);
        SSLSession session = engine.getSession();
        netIn = ByteBuffer.allocate(session.getPacketBufferSize());
        netOut = ByteBuffer.allocate(session.getPacketBufferSize());
        appIn = ByteBuffer.allocate(session.getApplicationBufferSize());
    }

    /** Connects and completes the handshake (certificate checked for 127.0.0.1, ALPN http/1.1). */
    public static TlsRecordClient connect(int port, SSLContext context) {
        return connect(port, context, Duration.ofSeconds(10));
    }

    public static TlsRecordClient connect(int port, SSLContext context, Duration readTimeout) {
        TlsRecordClient client = null;
        try {
            client = new TlsRecordClient(port, context, readTimeout);
            client.handshake();
            return client;
        } catch (IOException e) {
            if (client != null) {
                client.close();
            }
            throw new UncheckedIOException("TLS handshake with 127.0.0.1:" + port + " failed", e);
        }
    }

    /**
     * The first flight of a client whose context is {@code context}: a TLS record holding a
     * ClientHello (TLS 1.3 and 1.2 offered, a key share, ALPN http/1.1), exactly as it goes on the wire.
     */
    public static byte[] clientHello(SSLContext context) {
        try {
            SSLEngine engine = clientEngine(context, 443);
            ByteBuffer record = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.beginHandshake();
            SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), record);
            if (result.getStatus() != SSLEngineResult.Status.OK || result.bytesProduced() == 0) {
                throw new IllegalStateException("the JDK produced no ClientHello: " + result);
            }
            record.flip();
            return Arrays.copyOfRange(record.array(), 0, record.limit());
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build a ClientHello", e);
        }
    }

    private static SSLEngine clientEngine(SSLContext context, int port) {
        SSLEngine engine = context.createSSLEngine("127.0.0.1", port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        engine.setSSLParameters(parameters);
        return engine;
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        HandshakeStatus status = engine.getHandshakeStatus();
        while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
            switch (status) {
                case NEED_WRAP -> status = wrapAndSend(ByteBuffer.allocate(0)).getHandshakeStatus();
                case NEED_TASK -> {
                    for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                        task.run();
                    }
                    status = engine.getHandshakeStatus();
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    SSLEngineResult result = unwrap();
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        if (!readMore()) {
                            throw new EOFException("the server closed during the handshake");
                        }
                    } else if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the server closed TLS during the handshake");
                    }
                    status = result.getHandshakeStatus();
                }
                default -> throw new IllegalStateException("handshake status " + status);
            }
        }
    }

    public SSLSession session() {
        return engine.getSession();
    }

    /** Encrypts and sends {@code bytes} as application data. */
    public TlsRecordClient send(byte[] bytes) {
        ByteBuffer plain = ByteBuffer.wrap(bytes);
        try {
            while (plain.hasRemaining()) {
                wrapAndSend(plain);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("TLS send failed", e);
        }
        return this;
    }

    public TlsRecordClient send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Sends close_notify and half-closes TCP: the server's side stays open for what it still has to
     * send (TLS 1.3 half-close, RFC 8446 §6.1).
     */
    public void shutdownOutput() {
        try {
            engine.closeOutbound();
            wrapAndSend(ByteBuffer.allocate(0));
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException("sending close_notify failed", e);
        }
    }

    /** Reads and decrypts exactly {@code count} application bytes; fails if the server ends first. */
    public byte[] readExactly(int count) {
        try {
            unwrapBuffered();
            while (received.size() < count) {
                if (!receive()) {
                    throw new EOFException("the server ended after " + received.size() + " of " + count + " bytes ("
                            + (closeNotifyReceived ? "close_notify" : "no close_notify") + ")");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] all = received.toByteArray();
        received.reset();
        received.write(all, count, all.length - count);
        return Arrays.copyOf(all, count);
    }

    /**
     * Reads (and decrypts) everything until the server ends the connection or {@code within}
     * passes, and says how it ended. A close_notify is answered with ours, as RFC 8446 §6.1 asks.
     * Bytes not yet taken by {@link #readExactly} come first in the returned data.
     */
    public Closing readUntilClose(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            unwrapBuffered();
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return closing(Ending.OPEN, "still open");
                }
                socket.setSoTimeout((int) Math.max(1, left));
                if (!receive()) {
                    return closing(closeNotifyReceived ? Ending.CLOSE_NOTIFY : Ending.EOF_WITHOUT_CLOSE_NOTIFY, "FIN");
                }
            }
        } catch (SocketTimeoutException e) {
            return closing(Ending.OPEN, "still open");
        } catch (SocketException e) {
            return closing(closeNotifyReceived ? Ending.CLOSE_NOTIFY : Ending.RESET, e.toString());
        } catch (SSLException e) {
            return closing(Ending.TLS_ERROR, e.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Closing closing(Ending ending, String detail) {
        byte[] data = received.toByteArray();
        received.reset();
        return new Closing(data, ending, detail);
    }

    /** Reads once more from the socket and unwraps what came; false at end of stream. */
    private boolean receive() throws IOException {
        if (!readMore()) {
            return false;
        }
        unwrapBuffered();
        return true;
    }

    /**
     * Unwraps every whole record buffered. Application bytes go to {@link #received}; a
     * close_notify is noted and answered.
     */
    private void unwrapBuffered() throws IOException {
        SSLEngineResult result;
        do {
            result = unwrap();
            appIn.flip();
            received.write(appIn.array(), 0, appIn.limit());
            appIn.clear();
            if (result.getStatus() == SSLEngineResult.Status.CLOSED && !closeNotifyReceived) {
                closeNotifyReceived = true;
                if (!engine.isOutboundDone()) {
                    try {
                        engine.closeOutbound();
                        wrapAndSend(ByteBuffer.allocate(0));
                    } catch (IOException ignored) {
                        // the server may already be gone; its close_notify is what counts
                    }
                }
            }
        } while (result.getStatus() == SSLEngineResult.Status.OK && netIn.position() > 0
                && result.bytesConsumed() > 0);
    }

    /** Unwraps what is buffered into {@link #appIn} (left in write mode). */
    private SSLEngineResult unwrap() throws SSLException {
        netIn.flip();
        try {
            SSLEngineResult result = engine.unwrap(netIn, appIn);
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new IllegalStateException("application buffer too small: " + result);
            }
            return result;
        } finally {
            netIn.compact();
        }
    }

    /** Reads more socket bytes into {@link #netIn}; false at end of stream. */
    private boolean readMore() throws IOException {
        if (!netIn.hasRemaining()) {
            netIn = ByteBuffer.allocate(netIn.capacity() * 2).put(netIn.flip());
        }
        int n = in.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
        if (n < 0) {
            return false;
        }
        netIn.position(netIn.position() + n);
        return true;
    }

    private SSLEngineResult wrapAndSend(ByteBuffer plain) throws IOException {
        netOut.clear();
        SSLEngineResult result = engine.wrap(plain, netOut);
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            throw new IllegalStateException("packet buffer too small: " + result);
        }
        netOut.flip();
        out.write(netOut.array(), 0, netOut.limit());
        out.flush();
        return result;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test connection cannot meaningfully fail
        }
    }
}
