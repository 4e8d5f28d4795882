package io.turnout.admin.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP relay in front of one server, that a test can cut (every connection reset, the
 * port refusing) and restore on the same port: a network outage between one client and its
 * server, while the server itself and its other clients carry on. Blocking sockets and a thread
 * per direction, as test code should be: obviously correct.
 */
public final class TcpRelay implements AutoCloseable {
    private final int targetPort;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private ServerSocket listener;                                  // guarded by this

    private TcpRelay(int targetPort, ServerSocket listener) {
        this.targetPort = targetPort;
        this.port = listener.getLocalPort();
        this.listener = listener;
        accept(listener);
    }

    public static TcpRelay to(int targetPort) {
        return new TcpRelay(targetPort, bind(0));
    }

    public int port() {
        return port;
    }

    /** Resets every relayed connection and refuses new ones, until {@link #restore}. */
    public synchronized void cut() {
        closeQuietly(listener);
        listener = null;
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0); // RST, as a dying peer's kernel would send
            } catch (IOException e) {
                // closing it anyway
            }
            closeQuietly(s);
        }
    }

    /** Accepts again, on the same port. */
    public synchronized void restore() {
        if (listener == null) {
            listener = bind(port);
            accept(listener);
        }
    }

    private static ServerSocket bind(int port) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket server) {
        Thread t = new Thread(() -> {
            while (true) {
                Socket client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    return; // cut or closed
                }
                Socket upstream;
                try {
                    upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                } catch (IOException e) {
                    closeQuietly(client);
                    continue;
                }
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            }
        }, "tcp-relay-accept-" + port);
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) != -1; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away: the finally closes both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "tcp-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception e) {
            // nothing to do in a test relay
        }
    }

    @Override
    public void close() {
        cut();
    }
}
