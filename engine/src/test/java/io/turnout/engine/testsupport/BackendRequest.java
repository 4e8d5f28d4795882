package io.turnout.engine.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A request as the test backend's {@link TestBackend.Handler} sees it: the head only. The handler
 * runs before the body is read, because some scripted behaviours (reject an
 * {@code Expect: 100-continue}, reset after N body bytes) must be chosen before any body byte is
 * consumed. The body, once read, is in the {@link RecordedRequest}.
 *
 * <p>Named apart from the engine's {@code http.RequestHead} and parsed by the backend's own code,
 * on purpose: the proxy must never be checked with its own parser.
 *
 * @param connectionId which accepted connection it arrived on, counting from 1
 * @param rawHead      the head exactly as received, from the request line to the empty line
 */
public record BackendRequest(long connectionId, String method, String target, String version,
                          HeaderList headers, byte[] rawHead) {

    /** The first value of the header, or null. */
    public String header(String name) {
        return headers.first(name);
    }

    public List<String> headers(String name) {
        return headers.all(name);
    }

    public String rawHeadText() {
        return new String(rawHead, StandardCharsets.ISO_8859_1);
    }

    /** RFC 9110 §10.1.1; an HTTP/1.0 client cannot ask for it. */
    public boolean expectsContinue() {
        return "HTTP/1.1".equals(version) && headers.hasToken("Expect", "100-continue");
    }

    /** RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive". */
    public boolean wantsKeepAlive() {
        if ("HTTP/1.1".equals(version)) {
            return !headers.hasToken("Connection", "close");
        }
        return headers.hasToken("Connection", "keep-alive");
    }

    @Override
    public String toString() {
        return method + " " + target + " " + version + " " + headers + " (connection " + connectionId + ")";
    }
}
