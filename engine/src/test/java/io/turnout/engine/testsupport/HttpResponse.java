package io.turnout.engine.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One response as {@link RawHttpClient} read it: parsed, and also byte for byte as it arrived.
 *
 * @param body       the decoded body (chunked framing removed); empty for a streamed read
 * @param bodyLength decoded body length, also for a streamed read
 * @param bodySha256 SHA-256 hex of the decoded body, also for a streamed read
 * @param framing    how the body was delimited
 * @param trailers   trailer fields of a chunked body
 * @param rawHead    the head exactly as received, including the final empty line
 * @param rawBody    the body exactly as received (chunk sizes, extensions, trailers included);
 *                   empty for a streamed read
 */
public record HttpResponse(String version, int status, String reason, HeaderList headers, byte[] body,
                           long bodyLength, String bodySha256, BodyFraming framing, HeaderList trailers,
                           byte[] rawHead, byte[] rawBody) {

    /** The first value of the header, or null. */
    public String header(String name) {
        return headers.first(name);
    }

    /** Every value of the header, in order. */
    public List<String> headers(String name) {
        return headers.all(name);
    }

    public boolean isInterim() {
        return status >= 100 && status < 200;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The whole response as received: head then body. */
    public byte[] raw() {
        byte[] raw = new byte[rawHead.length + rawBody.length];
        System.arraycopy(rawHead, 0, raw, 0, rawHead.length);
        System.arraycopy(rawBody, 0, raw, rawHead.length, rawBody.length);
        return raw;
    }

    public String rawText() {
        return new String(raw(), StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        String preview = body.length <= 200 ? bodyText() : new String(body, 0, 200, StandardCharsets.UTF_8) + "...";
        return version + " " + status + " " + reason + " " + headers + " body " + framing + " " + bodyLength
                + " bytes: \"" + preview + "\"";
    }
}
