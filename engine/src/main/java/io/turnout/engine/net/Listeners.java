package io.turnout.engine.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/**
 * Listening sockets that another Turnout can bind beside ({@code SO_REUSEPORT}), which is what a
 * takeover needs (SPEC §11), and the check that keeps a plain start from sharing a port by
 * accident. Used by the proxy and by the admin API.
 */
public final class Listeners {
    /** Whether the platform has {@code SO_REUSEPORT}; without it each port has one listener. */
    public static final boolean SHAREABLE = reusePortSupported();

    private Listeners() {
    }

    /** A non-blocking listener on {@code address}, shareable where the platform allows. */
    public static ServerSocketChannel open(InetSocketAddress address, int backlog) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (SHAREABLE) {
                listener.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            listener.configureBlocking(false);
            listener.bind(address, backlog);
            return listener;
        } catch (IOException e) {
            SelectorLoop.closeQuietly(listener);
            throw e;
        }
    }

    /**
     * With {@code SO_REUSEPORT} a second process could bind the port beside a running one and
     * take half of its connections. A listener without it fails with "address in use" where
     * anyone listens, as a plain start should.
     */
    public static void refuseIfTaken(InetSocketAddress address) throws IOException {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            probe.bind(address, 1);
        }
    }

    private static boolean reusePortSupported() {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            return probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }
}
