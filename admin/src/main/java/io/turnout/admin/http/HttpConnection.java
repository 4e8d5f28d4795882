package io.turnout.admin.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One connection to a service the admin side calls (the Docker Engine API, an etcd member), used
 * for one exchange and then closed. The channel is non-blocking under a private selector only so
 * that connect, write and every read are bounded by a deadline: a unix-domain
 * {@code SocketChannel} has no {@code socket()} adaptor and hence no SO_TIMEOUT. The caller's
 * thread blocks in {@code select}; no selector thread is involved.
 */
public final class HttpConnection implements Closeable {
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(16 * 1024).flip();
    private volatile long idleTimeoutMillis;
    private volatile boolean aborted;

    private HttpConnection(SocketChannel channel, Selector selector, SelectionKey key) {
        this.channel = channel;
        this.selector = selector;
        this.key = key;
    }

    /** Connects {@code channel} (unconnected, of the address's family) within {@code connectTimeout}. */
    public static HttpConnection open(SocketChannel channel, SocketAddress address, Duration connectTimeout)
            throws IOException {
        Selector selector = null;
        try {
            channel.configureBlocking(false);
            selector = Selector.open();
            SelectionKey key = channel.register(selector, 0);
            HttpConnection connection = new HttpConnection(channel, selector, key);
            if (!channel.connect(address)) {
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
    public void idleTimeout(Duration timeout) {
        this.idleTimeoutMillis = Math.max(1, timeout.toMillis());
    }

    /**
     * Sends one request with {@code Connection: close} (one exchange per connection: simple, and
     * these calls are not on a hot path). A non-null {@code jsonBody} goes with its length.
     */
    public void send(String method, String target, String hostHeader, byte[] jsonBody) throws IOException {
        StringBuilder head = new StringBuilder(256)
                .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader).append("\r\n")
                .append("User-Agent: turnout\r\n")
                .append("Accept: application/json\r\n")
                .append("Connection: close\r\n");
        if (jsonBody != null) {
            if (jsonBody.length > 0) {
                head.append("Content-Type: application/json\r\n");
            }
            head.append("Content-Length: ").append(jsonBody.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = headBytes;
        if (jsonBody != null && jsonBody.length > 0) {
            request = new byte[headBytes.length + jsonBody.length];
            System.arraycopy(headBytes, 0, request, 0, headBytes.length);
            System.arraycopy(jsonBody, 0, request, headBytes.length, jsonBody.length);
        }
        write(request);
    }

    void write(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0) {
                await(SelectionKey.OP_WRITE, idleTimeoutMillis, "write");
            }
        }
    }

    public InputStream input() {
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

    /**
     * Makes the thread blocked on this connection (a watch stream's reader) fail at once with an
     * IOException; safe from any thread. A watch has no natural end, so this is how it is cut.
     */
    public void abort() {
        aborted = true;
        selector.wakeup();
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
                if (aborted) {
                    throw new IOException("connection aborted while waiting to " + what);
                }
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
                    throw new InterruptedIOException("interrupted while waiting to " + what);
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
