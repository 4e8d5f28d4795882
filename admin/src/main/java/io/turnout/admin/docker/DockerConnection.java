package io.turnout.admin.docker;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * One connection to the Docker Engine API, used for one exchange and then closed. The channel is
 * non-blocking under a private selector only so that connect, write and every read are bounded
 * by a deadline: a unix-domain {@code SocketChannel} has no {@code socket()} adaptor and hence no
 * SO_TIMEOUT. The caller's thread blocks in {@code select}; no selector thread is involved.
 */
final class DockerConnection implements Closeable {
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(16 * 1024).flip();
    private volatile long idleTimeoutMillis;

    private DockerConnection(SocketChannel channel, Selector selector, SelectionKey key) {
        this.channel = channel;
        this.selector = selector;
        this.key = key;
    }

    static DockerConnection open(DockerEndpoint endpoint, Duration connectTimeout) throws IOException {
        SocketChannel channel = endpoint.openChannel();
        Selector selector = null;
        try {
            channel.configureBlocking(false);
            selector = Selector.open();
            SelectionKey key = channel.register(selector, 0);
            DockerConnection connection = new DockerConnection(channel, selector, key);
            if (!channel.connect(endpoint.address())) {
                connection.await(SelectionKey.OP_CONNECT, connectTimeout.toMillis(), "connect");
                channel.finishConnect();
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (selector != null) {
                selector.close();
            }
            throw e;
        }
    }

    /** Each read waits at most this long for the next bytes; a streaming body may run longer. */
    void idleTimeout(Duration timeout) {
        this.idleTimeoutMillis = Math.max(1, timeout.toMillis());
    }

    void write(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0) {
                await(SelectionKey.OP_WRITE, idleTimeoutMillis, "write");
            }
        }
    }

    InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return fill() ? readBuffer.get() & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (!fill()) {
                    return -1;
                }
                int n = Math.min(len, readBuffer.remaining());
                readBuffer.get(b, off, n);
                return n;
            }
        };
    }

    /** True when bytes are buffered, false at EOF. */
    private boolean fill() throws IOException {
        if (readBuffer.hasRemaining()) {
            return true;
        }
        readBuffer.clear();
        try {
            while (true) {
                int n = channel.read(readBuffer);
                if (n > 0) {
                    return true;
                }
                if (n < 0) {
                    return false;
                }
                await(SelectionKey.OP_READ, idleTimeoutMillis, "read");
            }
        } finally {
            readBuffer.flip();
        }
    }

    private void await(int op, long timeoutMillis, String what) throws IOException {
        key.interestOps(op);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new SocketTimeoutException("no " + what + " progress within " + timeoutMillis + " ms");
                }
                if (selector.select(left) > 0) {
                    selector.selectedKeys().clear();
                    return;
                }
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting to " + what);
                }
            }
        } finally {
            key.interestOps(0);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            selector.close();
        }
    }
}
