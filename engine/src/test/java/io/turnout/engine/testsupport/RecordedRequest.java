package io.turnout.engine.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One request as the test backend received it, for assertions about what the proxy forwarded.
 *
 * @param connectionId which accepted connection it arrived on, counting from 1; equal ids mean the
 *                     proxy reused an upstream connection
 * @param rawHead      the head exactly as received
 * @param framing      how the body was delimited (NONE when the request had no CL and no TE)
 * @param body         the decoded body, but at most {@link TestBackend#BODY_KEEP_LIMIT} bytes of it
 * @param bodyLength   the full decoded body length (bytes read so far, if not complete)
 * @param bodySha256   SHA-256 hex of all {@code bodyLength} bytes, computed while streaming
 * @param bodyComplete false when the backend stopped reading early (reset after N bytes, answered
 *                     without reading the body) or the peer closed mid-body
 * @param trailers     trailer fields of a chunked body
 */
public record RecordedRequest(long connectionId, String method, String target, String version,
                              HeaderList headers, byte[] rawHead, BodyFraming framing, byte[] body,
                              long bodyLength, String bodySha256, boolean bodyComplete,
                              HeaderList trailers) {

    public String header(String name) {
        return headers.first(name);
    }

    public List<String> headers(String name) {
        return headers.all(name);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public String rawHeadText() {
        return new String(rawHead, StandardCharsets.ISO_8859_1);
    }

    /** True when only the first {@link TestBackend#BODY_KEEP_LIMIT} bytes were kept. */
    public boolean bodyTruncated() {
        return body.length < bodyLength;
    }

    @Override
    public String toString() {
        return method + " " + target + " " + version + " " + headers + " body " + framing + " " + bodyLength
                + " bytes" + (bodyComplete ? "" : " (incomplete)") + " sha256 " + bodySha256
                + " (connection " + connectionId + ")";
    }
}
