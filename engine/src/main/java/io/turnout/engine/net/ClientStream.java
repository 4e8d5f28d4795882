package io.turnout.engine.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;

/**
 * The client's byte stream as the connection, the relays and the tunnel see it: the socket
 * itself, or {@link TlsStream}'s plaintext over it (Jetty's {@code EndPoint}, which its
 * {@code SslConnection} decrypts). Reads and writes are non-blocking and may do less than asked.
 * What only TLS has (records waiting for the socket, input held below the caller, a handshake's
 * own interest) is {@link TlsStream#interestOps}, which the connection asks only on TLS.
 */
interface ClientStream extends ByteChannel, GatheringByteChannel {
    @Override
    default long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /** Writes what this stream holds below its caller (TLS records); true when nothing is left. */
    boolean flush() throws IOException;

    /** Ends the output: a TLS close_notify first, then the TCP half-close once it is written. */
    void shutdownOutput() throws IOException;

    /**
     * The socket itself on a plain listener, TLS over it on a TLS one; {@code resume} is what
     * {@link TlsStream} calls back on the loop.
     */
    static ClientStream open(SocketChannel channel, SelectorLoop loop, Runnable resume) throws IOException {
        return loop.context().tls() == null ? new PlainStream(channel) : new TlsStream(channel, loop, resume);
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
