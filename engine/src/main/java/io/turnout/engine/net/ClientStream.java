package io.turnout.engine.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;

/**
 * The client's byte stream as the connection, the relays and the tunnel see it: the socket
 * itself, or {@link TlsStream}'s plaintext over it (Jetty's {@code EndPoint}, which its
 * {@code SslConnection} decrypts). Reads and writes are non-blocking and may do less than asked;
 * what a stream holds below its caller is announced by {@link #hasPendingOutput} and
 * {@link #hasBufferedInput}, so the connection can keep the right interest ops.
 */
interface ClientStream extends ByteChannel, GatheringByteChannel {
    @Override
    default long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /** Writes what this stream holds below its caller (TLS records); true when nothing is left. */
    boolean flush() throws IOException;

    /** Bytes the caller already handed over that have not reached the socket yet. */
    boolean hasPendingOutput();

    /** Input taken off the socket and not yet read, which no readiness event will announce again. */
    boolean hasBufferedInput();

    /**
     * The interest ops the socket needs, given those the connection wants: a handshake's own, or
     * the connection's plus a write for pending output.
     */
    int interestOps(int wanted);

    /** Ends the output: a TLS close_notify first, then the TCP half-close once it is written. */
    void shutdownOutput() throws IOException;

    /**
     * The socket itself on a plain listener, TLS over it on a TLS one; {@code resume} is what
     * {@link TlsStream} calls back on the loop.
     */
    static ClientStream open(SocketChannel channel, SelectorLoop loop, Runnable resume) throws IOException {
        ProxyContext context = loop.context();
        if (context.tls() == null) {
            return new PlainStream(channel);
        }
        return new TlsStream(channel, context.tls().newEngine(), context.tls(), loop.tlsBuffers(),
                context.handshakeTasks(), loop, resume);
    }

    /** The plain socket: every call goes straight to the channel. */
    final class PlainStream implements ClientStream {
        private final SocketChannel channel;

        private PlainStream(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return channel.read(dst);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return channel.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return channel.write(srcs, offset, length);
        }

        @Override
        public boolean flush() {
            return true;
        }

        @Override
        public boolean hasPendingOutput() {
            return false;
        }

        @Override
        public boolean hasBufferedInput() {
            return false;
        }

        @Override
        public int interestOps(int wanted) {
            return wanted;
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
