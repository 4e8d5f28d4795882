package io.turnout.engine.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;

/**
 * A connection after 101 Switching Protocols: raw bytes both ways until both sides have closed,
 * each direction half-closed on its own (a WebSocket close, say, goes one way first). The relay
 * discipline is the exchange's: read a side only while the other has nothing pending.
 */
final class Tunnel implements UpstreamOwner {
    private final ClientConnection connection;
    private final ClientStream client;
    private final RelayBuffer fromClient;
    private final RelayBuffer fromUpstream;
    private final UpstreamConnection upstream;
    private final BufferPool buffers;
    /** The 101 head, until it is written. */
    private ByteBuffer head;
    private boolean clientEof;
    private boolean upstreamEof;
    private boolean upstreamWritePending;
    private boolean closed;

    Tunnel(ClientConnection connection, ClientStream client, RelayBuffer fromClient, RelayBuffer fromUpstream,
           UpstreamConnection upstream, ByteBuffer head, BufferPool buffers) {
        this.connection = connection;
        this.client = client;
        this.fromClient = fromClient;
        this.fromUpstream = fromUpstream;
        this.upstream = upstream;
        this.head = head;
        this.buffers = buffers;
    }

    /** Relays what both sides sent beyond the heads already, then waits for more. */
    void open() {
        upstream.handTo(this);
        upstream.clearDeadline();
        fromClient.framedTo(fromClient.bytes().limit());
        fromUpstream.framedTo(fromUpstream.bytes().limit());
        flushToClient();
        flushToUpstream();
    }

    void onClientInput() {
        fromClient.framedTo(fromClient.bytes().limit());
        flushToUpstream();
    }

    void onClientEof() {
        clientEof = true;
        flushToUpstream();
        closeIfDone();
    }

    void onClientWritable() {
        flushToClient();
        closeIfDone();
    }

    @Override
    public void onUpstreamReady(UpstreamConnection from, int ready) {
        if ((ready & SelectionKey.OP_WRITE) != 0) {
            flushToUpstream();
            closeIfDone();
        }
        if (!closed && (ready & SelectionKey.OP_READ) != 0) {
            readUpstream();
        }
        connection.afterExchangeEvent();
    }

    private void readUpstream() {
        int n = fromUpstream.readUntilEnd(upstream.channel);
        if (n < 0) {
            upstreamEof = true;
            flushToClient();
            closeIfDone();
        } else if (n > 0) {
            fromUpstream.framedTo(fromUpstream.bytes().limit());
            flushToClient();
        }
    }

    @Override
    public void onUpstreamConnectFailed(UpstreamConnection from, IOException failure) {
        connection.close(); // a tunnel's upstream is connected before the tunnel exists
    }

    @Override
    public void onUpstreamTimeout(UpstreamConnection from) {
        connection.close(); // a tunnel has no deadline of its own; nothing should time out
    }

    @Override
    public void closeAfterError(UpstreamConnection from) {
        connection.close();
    }

    private void flushToClient() {
        if (closed || !clientOutputPending()) {
            return;
        }
        try {
            fromUpstream.writeTo(client, head);
        } catch (IOException e) {
            connection.close();
            return;
        }
        if (head != null && !head.hasRemaining()) {
            buffers.release(head);
            head = null;
        }
    }

    private void flushToUpstream() {
        if (closed || !fromClient.hasPending()) {
            upstreamWritePending = false;
            return;
        }
        try {
            fromClient.writeTo(upstream.channel, null);
        } catch (IOException e) {
            connection.close();
            return;
        }
        upstreamWritePending = fromClient.hasPending();
    }

    private boolean clientOutputPending() {
        return (head != null && head.hasRemaining()) || fromUpstream.hasPending();
    }

    /** Half-closes each direction whose sender closed and whose bytes are out; closes when both are. */
    private void closeIfDone() {
        if (closed) {
            return;
        }
        try {
            if (clientEof && !upstreamWritePending && upstream.channel.isOpen()) {
                upstream.channel.shutdownOutput();
            }
            if (upstreamEof && !clientOutputPending()) {
                client.shutdownOutput();
            }
        } catch (IOException e) {
            connection.close();
            return;
        }
        if (clientEof && upstreamEof && !upstreamWritePending && !clientOutputPending()) {
            connection.close();
        }
    }

    boolean wantsClientInput() {
        return !clientEof && !upstreamWritePending;
    }

    boolean wantsClientWrite() {
        return clientOutputPending();
    }

    void updateUpstreamInterest(boolean clientOutputPending) {
        if (!closed) {
            upstream.await(upstreamWritePending, !upstreamEof && !clientOutputPending);
        }
    }

    /** Called by the connection as it closes. */
    void close() {
        closed = true;
        upstream.close();
        fromUpstream.release();
        if (head != null) {
            buffers.release(head);
            head = null;
        }
    }
}
