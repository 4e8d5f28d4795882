package io.turnout.admin.takeover;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * The new Turnout's side of a takeover (SPEC §11): it asks the running one, over its admin API,
 * to hand over, and later to go. Both requests travel on one kept-alive connection, opened before
 * this process binds the admin port beside the running one: with both listening, a new connection
 * could reach this process itself.
 */
public final class TakeoverClient implements AutoCloseable {
    private static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_BODY = 64 * 1024 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String where;
    private final String authorization;

    private TakeoverClient(Socket socket, String where, String token) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.where = where;
        this.authorization = token == null ? "" : "Authorization: Bearer " + token + "\r\n";
    }

    /**
     * Connects to the running Turnout's admin API.
     *
     * @throws TakeoverFailure when nothing answers there
     */
    public static TakeoverClient connect(String host, int port, String token, Duration timeout) {
        String where = host + ":" + port;
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            return new TakeoverClient(socket, where, token);
        } catch (IOException e) {
            close(socket);
            throw new TakeoverFailure("no Turnout answers on the admin API at " + where + " to take over from ("
                    + e.getMessage() + "); start without -takeover, or check configService.port");
        }
    }

    /** Asks for the hand-over; the running Turnout freezes admin changes for at most {@code hold}. */
    public HandoverState begin(Duration hold) {
        Response r = request("/takeover?hold=" + Math.max(1, hold.toSeconds()));
        if (r.status == 200) {
            return HandoverState.parse(r.body);
        }
        throw switch (r.status) {
            case 401 -> new TakeoverFailure("the Turnout at " + where + " refused the token; set configService.token"
                    + " to the running Turnout's token");
            case 404 -> new TakeoverFailure("the Turnout at " + where + " cannot be taken over (it is older than"
                    + " takeover); stop it and start this one without -takeover");
            default -> refused(r);
        };
    }

    /** Tells the running Turnout to go: it stops accepting, drains and exits. */
    public void commit() {
        Response r = request("/takeover/commit");
        if (r.status != 202) {
            throw refused(r);
        }
    }

    /** The takeover failed here: the running Turnout unfreezes now instead of after its hold. */
    public void abort() {
        try {
            request("/takeover/abort");
        } catch (TakeoverFailure e) {
            // the hold lapses by itself
        }
    }

    private TakeoverFailure refused(Response r) {
        return new TakeoverFailure("the Turnout at " + where + " answered " + r.status + ": " + r.body.strip());
    }

    private record Response(int status, String body) {
    }

    private Response request(String path) {
        try {
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + where + "\r\n" + authorization
                    + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String status = line();
            if (status == null || !status.startsWith("HTTP/1.") || status.length() < 12) {
                throw new IOException("no HTTP response");
            }
            int code = Integer.parseInt(status.substring(9, 12));
            int length = 0;
            for (String header; (header = line()) != null && !header.isEmpty(); ) {
                int colon = header.indexOf(':');
                if (colon > 0 && header.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                    length = Integer.parseInt(header.substring(colon + 1).trim());
                }
            }
            if (length < 0 || length > MAX_BODY) {
                throw new IOException("a body of " + length + " bytes");
            }
            return new Response(code, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        } catch (IOException | NumberFormatException e) {
            throw new TakeoverFailure("the Turnout at " + where + " stopped answering during the takeover ("
                    + e.getMessage() + "); it goes on serving");
        }
    }

    /** A CRLF-terminated line, or null at the end of the stream. */
    private String line() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.ISO_8859_1);
            }
            if (bytes.size() > MAX_HEAD) {
                throw new IOException("a response head over " + MAX_HEAD + " bytes");
            }
            bytes.write(b);
        }
        String line = bytes.toString(StandardCharsets.ISO_8859_1);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    @Override
    public void close() {
        close(socket);
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to say to it
        }
    }
}
