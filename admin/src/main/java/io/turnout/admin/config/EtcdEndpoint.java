package io.turnout.admin.config;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;

/** One etcd member's client URL, {@code http://host:port}: the JSON gateway listens there. */
public record EtcdEndpoint(String host, int port) {

    /**
     * Parses {@code http://host:port} (a trailing {@code /} is allowed).
     *
     * @throws IllegalArgumentException with a message that says what is wrong and how to write it
     */
    public static EtcdEndpoint parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("is not a URL like http://127.0.0.1:2379, was " + url);
        }
        if ("https".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("https is not supported yet (Turnout's etcd client speaks plain HTTP); "
                    + "use http://, on loopback or a private network, was " + url);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 1
                || uri.getPort() > 65535 || uri.getUserInfo() != null || uri.getQuery() != null
                || uri.getFragment() != null || !(uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
            throw new IllegalArgumentException("must be http://host:port (etcd's client URL, for example "
                    + "http://127.0.0.1:2379), was " + url);
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new EtcdEndpoint(host, uri.getPort());
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    /** The {@code Host} header value. */
    public String hostHeader() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return "http://" + hostHeader();
    }
}
