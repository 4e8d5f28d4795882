package io.turnout.admin.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A scripted stand-in for dockerd on a temporary unix socket or a loopback TCP port, to test our client's framing and
 * error mapping, not Docker. Each connection carries one request; the script maps its request
 * line (e.g. {@code GET /version}, query included) to raw response bytes, written as they are,
 * after which the connection is closed. Requests are recorded.
 */
final class FakeDockerEngine implements AutoCloseable {
    /** A response that the engine never sends: the client must time out. */
    static final byte[] SILENCE = new byte[0];

    final Path socket;
    final List<String> heads = new CopyOnWriteArrayList<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final Map<String, String> bodies = new ConcurrentHashMap<>();
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final Function<String, byte[]> script;

    final DockerEndpoint endpoint;

    /** On a unix socket in {@code dir}. */
    FakeDockerEngine(Path dir, Function<String, byte[]> script) throws IOException {
        this(script, dir.resolve("fake-docker.sock"));
    }

    /** On {@code 127.0.0.1} and a free TCP port. */
    FakeDockerEngine(Function<String, byte[]> script) throws IOException {
        this(script, null);
    }

    private FakeDockerEngine(Function<String, byte[]> script, Path socket) throws IOException {
        this.socket = socket;
        this.script = script;
        if (socket != null) {
            this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            this.endpoint = DockerEndpoint.unixSocket(socket);
        } else {
            this.server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            this.endpoint = DockerEndpoint.tcp("127.0.0.1", ((InetSocketAddress) server.getLocalAddress()).getPort());
        }
        this.acceptor = new Thread(this::acceptLoop, "fake-dockerd");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    DockerClient client() {
        return new DockerClient(endpoint);
    }

    /** {@code {"ApiVersion": version}} as {@code GET /version} answers. */
    static byte[] versionResponse(String apiVersion) {
        return contentLength(200, "{\"Version\":\"20.10.24\",\"ApiVersion\":\"" + apiVersion
                + "\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\",\"Arch\":\"amd64\"}");
    }

    static byte[] contentLength(int status, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return concat(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), b);
    }

    /** Chunked, each given piece one chunk, exactly as given (so pieces may split lines). */
    static byte[] chunked(int status, String... pieces) {
        StringBuilder sb = new StringBuilder("HTTP/1.1 " + status + " OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (String p : pieces) {
            int len = p.getBytes(StandardCharsets.UTF_8).length;
            sb.append(Integer.toHexString(len)).append("\r\n").append(p).append("\r\n");
        }
        sb.append("0\r\n\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread t = new Thread(() -> serve(c), "fake-dockerd-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            String head = readHead(c);
            heads.add(head);
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            String target = requestLine.substring(0, requestLine.lastIndexOf(' '));
            int bodyLength = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    bodyLength = Integer.parseInt(line.substring(15).trim());
                }
            }
            ByteBuffer body = ByteBuffer.allocate(bodyLength);
            while (body.hasRemaining() && c.read(body) >= 0) {
                // read the request body fully
            }
            bodies.put(target, new String(body.array(), StandardCharsets.UTF_8));
            requests.add(target);
            byte[] response = script.apply(target);
            if (response == SILENCE) {
                Thread.sleep(10_000);
                return;
            }
            ByteBuffer out = ByteBuffer.wrap(response);
            while (out.hasRemaining()) {
                c.write(out);
            }
        } catch (IOException | InterruptedException | RuntimeException ignored) {
            // the client went away; nothing to report
        }
    }

    private static String readHead(SocketChannel c) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                throw new IOException("client closed before the end of its head");
            }
            head.write(one.get(0));
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                return new String(h, StandardCharsets.ISO_8859_1);
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (socket != null) {
            Files.deleteIfExists(socket);
        }
    }
}
