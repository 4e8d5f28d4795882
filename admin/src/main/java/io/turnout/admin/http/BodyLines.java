package io.turnout.admin.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A streaming body of one JSON object per line, as Docker's pull progress and etcd's watch send
 * them: read one line at a time as it arrives, never the whole body.
 */
public final class BodyLines {
    private BodyLines() {
    }

    /**
     * The next line without its LF, or null at the end of the body.
     *
     * @param what names the stream in the error when a line exceeds {@code maxBytes}
     */
    public static String next(InputStream body, int maxBytes, String what) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        int b;
        while ((b = body.read()) != -1) {
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() >= maxBytes) {
                throw new IOException("a line of " + what + " exceeds " + maxBytes + " bytes");
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }
}
