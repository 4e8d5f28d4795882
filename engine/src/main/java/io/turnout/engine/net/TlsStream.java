package io.turnout.engine.net;

import io.turnout.engine.tls.TlsContext;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * TLS between the socket and the HTTP framing, as Netty's {@code SslHandler} and Jetty's
 * {@code SslConnection} place it: the connection reads and writes plaintext and never sees a
 * record. One {@link SSLEngine} per connection, driven on the selector thread; its delegated
 * tasks (the key exchange and the signature) run on a small executor and come back through the
 * loop's command queue, so a burst of handshakes does not stall the loop (SPEC §12).
 *
 * <p>Records live in buffers of the loop's TLS pool, held only while they carry bytes. Decryption
 * goes straight into the caller's buffer when a whole record fits, else through {@code appIn}.
 * Output is wrapped only once earlier records are on the wire, so a slow reader holds one buffer
 * of records and the relay above feels the back pressure as on a plain socket.
 */
final class TlsStream implements ClientStream {
    /** Empty: what a handshake wraps and reads into. Nothing is ever taken from or put into it, so the loops share it. */
    private static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};
    private static final int RECORD_HEADER = 5;

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final TlsContext tls;
    private final BufferPool pool;
    private final Executor tasks;
    private final SelectorLoop loop;
    private final Runnable resume;
    private final Runnable tasksDone = this::tasksDone;
    private final Runnable runTasks = this::runTasks;
    private final Runnable readHeld = this::readHeld;
    private final ByteBuffer[] single = new ByteBuffer[1];
    private final int packetSize;
    private final int applicationSize;
    /** Drain mode: records read and not yet unwrapped. */
    private ByteBuffer netIn;
    /** Drain mode: records wrapped and not yet written. */
    private ByteBuffer netOut;
    /** Drain mode: plaintext decrypted and not yet read, when the caller's buffer was too small. */
    private ByteBuffer appIn;
    private boolean handshaken;
    private boolean taskRunning;
    private boolean inputEnded;
    private boolean outputClosed;
    private boolean socketShut;
    private boolean endReported;
    /** The last socket read left room unfilled: another would find nothing (one read per event). */
    private boolean socketDrained;
    private boolean closed;
    /** The interest the connection last wanted, and whether a read of held input is queued. */
    private int wanted;
    private boolean heldReadQueued;

    /**
     * {@code resume} runs on the loop after the handshake's delegated tasks are done, and when
     * input this stream holds can be read: no readiness event will announce either.
     */
    TlsStream(SocketChannel channel, SelectorLoop loop, Runnable resume) throws SSLException {
        this.channel = channel;
        this.tls = loop.context().tls();
        this.engine = tls.newEngine();
        this.pool = loop.tlsBuffers();
        this.tasks = loop.context().handshakeTasks();
        this.loop = loop;
        this.resume = resume;
        this.packetSize = engine.getSession().getPacketBufferSize();
        this.applicationSize = engine.getSession().getApplicationBufferSize();
        engine.beginHandshake();
    }

    // ---- reading ----------------------------------------------------------------------------------

    @Override
    public int read(ByteBuffer dst) throws IOException {
        socketDrained = false;
        try {
            if (!handshaken && !handshake()) {
                return inputEnded ? -1 : 0;
            }
            int start = dst.position();
            drainAppIn(dst);
            boolean viaAppIn = false;
            while (dst.hasRemaining() && !inputEnded) {
                boolean direct = !viaAppIn && dst.remaining() >= applicationSize;
                ByteBuffer target = direct ? dst : appInToFill();
                SSLEngineResult result;
                try {
                    result = unwrap(target);
                } finally {
                    if (!direct) {
                        appIn.flip();
                    }
                }
                if (result == null) {
                    break; // no whole record yet
                }
                switch (result.getStatus()) {
                    case BUFFER_OVERFLOW -> {
                        if (!direct) {
                            throw new SSLException("a record larger than the application buffer");
                        }
                        viaAppIn = true;
                    }
                    case CLOSED -> {
                        inputEnded = true; // close_notify: answer it, as RFC 8446 §6.1 asks
                        afterPostHandshake();
                    }
                    default -> afterPostHandshake();
                }
                drainAppIn(dst);
            }
            int n = dst.position() - start;
            if (n == 0 && inputEnded) {
                endReported = true;
                return -1;
            }
            return n;
        } catch (SSLException e) {
            sendAlert();
            throw e;
        }
    }

    /** Unwraps one record into {@code dst}, reading the socket as needed; null when none is whole yet. */
    private SSLEngineResult unwrap(ByteBuffer dst) throws IOException {
        while (true) {
            if (netIn != null && netIn.hasRemaining()) {
                SSLEngineResult result = engine.unwrap(netIn, dst);
                if (result.getStatus() != SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    releaseNetInIfEmpty();
                    return result;
                }
            }
            if (inputEnded || socketDrained) {
                return null;
            }
            if (netIn == null) {
                netIn = acquire();
                netIn.flip();
            }
            netIn.compact();
            int n;
            try {
                n = channel.read(netIn);
                socketDrained = netIn.hasRemaining();
            } finally {
                netIn.flip();
            }
            if (n <= 0) {
                inputEnded = n < 0;
                releaseNetInIfEmpty();
                return null;
            }
        }
    }

    private ByteBuffer appInToFill() throws IOException {
        if (appIn == null) {
            appIn = acquire();
        } else {
            appIn.compact();
        }
        return appIn;
    }

    private void drainAppIn(ByteBuffer dst) {
        if (appIn == null || !appIn.hasRemaining()) {
            return;
        }
        int n = Math.min(appIn.remaining(), dst.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n);
        dst.position(dst.position() + n);
        appIn.position(appIn.position() + n);
        if (!appIn.hasRemaining()) {
            pool.release(appIn);
            appIn = null;
        }
    }

    // ---- the handshake --------------------------------------------------------------------------

    /** Moves the handshake on as far as the peer's bytes and the socket allow; true when it is done. */
    private boolean handshake() throws IOException {
        while (!handshaken) {
            if (taskRunning) {
                return false;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> {
                    startTasks();
                    return false;
                }
                case NEED_WRAP -> {
                    wrap(NOTHING, 0, 1);
                    if (!flush()) {
                        return false;
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    ByteBuffer target = appInToFill();
                    SSLEngineResult result;
                    try {
                        result = unwrap(target);
                    } finally {
                        appIn.flip();
                    }
                    if (result == null) {
                        return false;
                    }
                    if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the client closed during the handshake");
                    }
                }
                default -> {
                    handshaken = true; // FINISHED or NOT_HANDSHAKING
                    tls.handshakeDone();
                    if (appIn != null && !appIn.hasRemaining()) {
                        pool.release(appIn);
                        appIn = null;
                    }
                }
            }
        }
        return true;
    }

    /** A key update or a close after the handshake wants an answer: cheap, so done here. */
    private void afterPostHandshake() throws IOException {
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case NEED_WRAP -> {
                    if (engine.isOutboundDone()) {
                        return;
                    }
                    wrap(NOTHING, 0, 1);
                    flush();
                }
                default -> {
                    return;
                }
            }
        }
    }

    private void startTasks() throws IOException {
        taskRunning = true;
        try {
            tasks.execute(runTasks);
        } catch (RejectedExecutionException e) {
            taskRunning = false;
            throw new IOException("too many TLS handshakes waiting for the handshake threads");
        }
    }

    /** On a handshake thread. */
    private void runTasks() {
        try {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
        } finally {
            loop.execute(tasksDone);
        }
    }

    /** On the loop: input held here, if the connection still reads. */
    private void readHeld() {
        heldReadQueued = false;
        if (!closed && (wanted & SelectionKey.OP_READ) != 0) {
            resume.run();
        }
    }

    /** Back on the loop: the queue's hand-off publishes what the tasks did to the engine. */
    private void tasksDone() {
        taskRunning = false;
        resume.run();
    }

    // ---- writing ----------------------------------------------------------------------------------

    @Override
    public int write(ByteBuffer src) throws IOException {
        single[0] = src;
        try {
            return (int) write(single, 0, 1);
        } finally {
            single[0] = null;
        }
    }

    /**
     * Wraps as much plaintext as fits one buffer of records and writes it. Nothing more is taken
     * while earlier records wait for the socket: that is the back pressure the caller sees.
     */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (!handshaken || outputClosed || !flush()) {
            return 0;
        }
        long consumed = 0;
        while (remaining(srcs, offset, length)) {
            while (remaining(srcs, offset, length) && (netOut == null || netOut.capacity() - netOut.remaining() >= packetSize)) {
                SSLEngineResult result = wrap(srcs, offset, length);
                if (result.getStatus() != SSLEngineResult.Status.OK) {
                    throw new SSLException("TLS output ended: " + result.getStatus());
                }
                if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                    flush();
                    return consumed; // the engine wants the peer first (a key update in flight)
                }
                consumed += result.bytesConsumed();
            }
            if (!flush()) {
                break;
            }
        }
        return consumed;
    }

    private SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (netOut == null) {
            netOut = acquire();
        } else {
            netOut.compact();
        }
        try {
            return engine.wrap(srcs, offset, length, netOut);
        } finally {
            netOut.flip();
        }
    }

    private static boolean remaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean flush() throws IOException {
        if (netOut != null) {
            channel.write(netOut);
            if (netOut.hasRemaining()) {
                return false;
            }
            pool.release(netOut);
            netOut = null;
        }
        if (outputClosed && !socketShut) {
            socketShut = true;
            channel.shutdownOutput();
        }
        return true;
    }

    @Override
    public void shutdownOutput() throws IOException {
        if (!outputClosed) {
            engine.closeOutbound();
            if (handshaken) {
                wrap(NOTHING, 0, 1); // close_notify
            }
            outputClosed = true;
        }
        flush();
    }

    /** After a failed handshake or a bad record: the alert the engine made, if the socket takes it now. */
    private void sendAlert() {
        try {
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                SSLEngineResult result = wrap(NOTHING, 0, 1);
                if (result.bytesProduced() == 0) {
                    break;
                }
            }
            flush();
        } catch (IOException | RuntimeException e) {
            // the connection closes anyway; the alert was a courtesy
        }
    }

    // ---- state for the connection ---------------------------------------------------------------

    /** Input taken off the socket and not yet read, which no readiness event will announce again. */
    private boolean hasBufferedInput() {
        return handshaken && ((appIn != null && appIn.hasRemaining()) || holdsWholeRecord() || (inputEnded && !endReported));
    }

    private boolean holdsWholeRecord() {
        if (netIn == null || netIn.remaining() < RECORD_HEADER) {
            return false;
        }
        int p = netIn.position();
        int length = ((netIn.get(p + 3) & 0xff) << 8) | (netIn.get(p + 4) & 0xff);
        return netIn.remaining() >= RECORD_HEADER + length;
    }

    /**
     * Moves a handshake on without a plaintext buffer, so a burst of handshakes holds none; false
     * when the connection must close. Input after the handshake is announced by {@link #interestOps}.
     */
    boolean shakeHands() {
        try {
            return read(NOTHING[0]) >= 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The interest ops the socket needs, given those the connection wants: a handshake's own, or
     * the connection's plus a write while records wait. Held input is read through a queued
     * {@link #readHeld}, as long as the connection reads.
     */
    int interestOps(int wanted) {
        this.wanted = wanted;
        if ((wanted & SelectionKey.OP_READ) != 0 && !heldReadQueued && hasBufferedInput()) {
            heldReadQueued = true;
            loop.execute(readHeld);
        }
        if (taskRunning) {
            return 0;
        }
        if (netOut != null) {
            return handshaken ? wanted | SelectionKey.OP_WRITE : SelectionKey.OP_WRITE;
        }
        return wanted;
    }

    /** Whether the handshake is over, so the connection's own timeouts apply. */
    boolean isHandshaken() {
        return handshaken;
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    /** Gives the buffers back and closes the socket; a handshake cut short counts as failed. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!handshaken) {
            tls.handshakeFailed();
        }
        pool.release(netIn);
        pool.release(netOut);
        pool.release(appIn);
        netIn = null;
        netOut = null;
        appIn = null;
        channel.close();
    }

    private ByteBuffer acquire() throws IOException {
        ByteBuffer buffer = pool.acquire();
        if (buffer == null) {
            throw new IOException("the TLS buffer pool is exhausted");
        }
        return buffer;
    }

    private void releaseNetInIfEmpty() {
        if (netIn != null && !netIn.hasRemaining()) {
            pool.release(netIn);
            netIn = null;
        }
    }
}
