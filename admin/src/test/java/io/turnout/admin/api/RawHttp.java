package io.turnout.admin.api;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A raw-socket HTTP/1.1 client for the admin tests: sends exact bytes, reads one response at a time. */
final class RawHttp implements AutoCloseable {
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawHttp connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(5_000);
        return new RawHttp(s);
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** One request with a Content-Length body, then its response. */
    Response exchange(String method, String path, String body, String... headerLines) throws IOException {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: admin\r\n");
        for (String h : headerLines) {
            b.append(h).append("\r\n");
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            b.append("Content-Length: ").append(bytes.length).append("\r\n");
        }
        b.append("\r\n");
        send(b.toString());
        send(bytes);
        return read();
    }

    /** Reads one response; a response to HEAD must be read with {@link #readHeadOnly()}. */
    Response read() throws IOException {
        Response head = readHeadOnly();
        String length = head.header("content-length");
        int n = length == null ? 0 : Integer.parseInt(length);
        byte[] body = in.readNBytes(n);
        if (body.length < n) {
            throw new IOException("connection closed after " + body.length + " of " + n + " body bytes");
        }
        return new Response(head.status(), head.headers(), new String(body, StandardCharsets.UTF_8));
    }

    Response readHeadOnly() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = line()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return new Response(status, headers, "");
    }

    /** True when the server closes the connection (EOF or reset) within the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
