package io.turnout.engine.http;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A client's request head. Strict, to resist smuggling (SPEC §7): anything ambiguous about where
 * the request ends is answered 400 and the connection is closed.
 */
public final class RequestHead extends HttpHead {
    /** Methods the proxy treats specially; everything else is {@code OTHER}. */
    public enum Method {
        GET(true), HEAD(true), OPTIONS(true), TRACE(true), POST(false), PUT(false), DELETE(false),
        PATCH(false), CONNECT(false), OTHER(false);

        private final boolean safe;
        final byte[] bytes = Ascii.bytes(name());

        Method(boolean safe) {
            this.safe = safe;
        }

        /** RFC 9110 §9.2.1 safe methods: sending one twice has no side effect. */
        public boolean isSafe() {
            return safe;
        }
    }

    private static final Method[] METHODS = Method.values();
    private static final byte[] HTTP_1_ = Ascii.bytes("HTTP/1.");
    private static final int MAX_COOKIE_HEADERS = 8;
    private static final byte[] XFF_SEPARATOR = Ascii.bytes(", ");
    private static final byte[] XFF = Ascii.bytes("X-Forwarded-For: ");
    private static final byte[] XFP_HTTP = Ascii.bytes("X-Forwarded-Proto: http\r\n");
    private static final byte[] XFP_HTTPS = Ascii.bytes("X-Forwarded-Proto: https\r\n");
    private static final byte[] XFH = Ascii.bytes("X-Forwarded-Host: ");
    private static final byte[] CONNECTION_UPGRADE = Ascii.bytes("Connection: upgrade\r\n");
    private static final byte[] CRLF = Ascii.bytes("\r\n");
    private static final byte[] CONTINUE = Ascii.bytes("100-continue");
    private static final byte[] CONTENT_LENGTH_PREFIX = Ascii.bytes("Content-Length: ");
    private static final byte[] HTTP_1_1_CRLF = Ascii.bytes("HTTP/1.1\r\n");
    private static final byte[] HOST_PREFIX = Ascii.bytes("Host: ");
    private static final byte[] H2C = Ascii.bytes("h2c");
    private static final byte[] CONNECTION_UPGRADE_H2C = Ascii.bytes("Connection: upgrade, HTTP2-Settings\r\n");
    private static final byte[] DEFAULT_HTTP_PORT = Ascii.bytes(":80");
    private static final byte[] DEFAULT_HTTPS_PORT = Ascii.bytes(":443");
    private static final String BAD_REQUEST_LINE = "malformed request line; expected METHOD /path HTTP/1.1";
    private static final String BAD_TARGET = "malformed request target";

    private int firstContentLength() {
        for (int h = 0; h < headerCount; h++) {
            if (kind[h] == CONTENT_LENGTH) {
                return h;
            }
        }
        return -1;
    }

    private static void putDecimal(ByteBuffer out, long value) {
        if (value >= 10) {
            putDecimal(out, value / 10);
        }
        out.put((byte) ('0' + value % 10));
    }

    private Method method;
    private int targetStart;
    private int targetEnd;
    /** Where the authority of an absolute-form target starts and ends; -1 for any other form. */
    private int authorityStart;
    private int authorityEnd;
    private int hostHeader;
    private int hostCount;
    private boolean expectContinue;
    private final int[] cookieHeaders = new int[MAX_COOKIE_HEADERS];
    private int cookieHeaderCount;
    private int forwardedForHeader;
    /** {@code Upgrade: h2c}: HTTP/2 over cleartext, which a proxy passes only where a cluster asks for it. */
    private boolean h2cUpgrade;
    private String problem;

    @Override
    public void reset() {
        super.reset();
        method = null;
        problem = null;
        hostHeader = -1;
        hostCount = 0;
        expectContinue = false;
        cookieHeaderCount = 0;
        forwardedForHeader = -1;
        h2cUpgrade = false;
        authorityStart = -1;
        authorityEnd = -1;
    }

    public RequestHead() {
        reset();
    }

    @Override
    protected int parseStartLine(int from, int to) {
        int sp1 = from;
        while (sp1 < to && at(sp1) != Ascii.SP) {
            if (!Ascii.isTchar(at(sp1))) {
                return malformed("malformed request method");
            }
            sp1++;
        }
        if (sp1 == from || sp1 == to) {
            return malformed(BAD_REQUEST_LINE);
        }
        method = methodOf(from, sp1);
        targetStart = sp1 + 1;
        int sp2 = targetStart;
        while (sp2 < to && at(sp2) != Ascii.SP) {
            int b = at(sp2) & 0xff;
            if (b < 0x21 || b >= 0x7f || b == '#') {
                // controls, non-ASCII and fragments have no place in a target (RFC 9112 §3.2)
                return malformed(BAD_TARGET);
            }
            sp2++;
        }
        targetEnd = sp2;
        if (targetEnd == targetStart || sp2 == to) {
            return malformed(BAD_REQUEST_LINE);
        }
        int version = sp2 + 1;
        if (to - version != 8 || !equalsExactly(version, version + 7, HTTP_1_)) {
            return isHttpVersion(version, to) ? 505 : malformed(BAD_REQUEST_LINE);
        }
        byte minor = at(version + 7);
        if (minor >= '1' && minor <= '9') {
            http11 = true; // RFC 9110 §2.5: a higher 1.x is processed as the highest we speak
        } else if (minor != '0') {
            return malformed(BAD_REQUEST_LINE);
        }
        authorityStart = absoluteAuthorityStart();
        authorityEnd = authorityStart < 0 ? -1 : findAuthorityEnd(authorityStart);
        return validTargetForm() ? ParseResult.OK : malformed(BAD_TARGET);
    }

    /**
     * RFC 9112 §3.2: origin-form starts with '/', absolute-form with a scheme, and the asterisk
     * form is for OPTIONS only.
     */
    private boolean validTargetForm() {
        if (method == Method.CONNECT) {
            return true; // authority-form; refused with 405 once the head is read
        }
        byte first = at(targetStart);
        if (first == '/') {
            return true;
        }
        if (first == '*') {
            return targetEnd - targetStart == 1 && method == Method.OPTIONS;
        }
        return authorityStart >= 0;
    }

    private static final byte[] HTTP_SCHEME = Ascii.bytes("http://");
    private static final byte[] HTTPS_SCHEME = Ascii.bytes("https://");

    /** Where the authority of an absolute-form target starts, or -1 when it is not absolute-form. */
    private int absoluteAuthorityStart() {
        if (equalsIgnoreCase(targetStart, Math.min(targetEnd, targetStart + 7), HTTP_SCHEME)) {
            return targetStart + 7;
        }
        if (equalsIgnoreCase(targetStart, Math.min(targetEnd, targetStart + 8), HTTPS_SCHEME)) {
            return targetStart + 8;
        }
        return -1;
    }

    /** RFC 9112 §3.2: Host = uri-host [ ":" port ]; no spaces, userinfo, paths or lists. */
    private boolean validHost(int from, int to) {
        for (int i = from; i < to; i++) {
            if (!HOST_CHAR[at(i) & 0xff]) {
                return false;
            }
        }
        return true;
    }

    /** The bytes a Host value may hold ({@link #validHost}), by unsigned value. */
    private static final boolean[] HOST_CHAR = hostChars();

    private static boolean[] hostChars() {
        boolean[] ok = new boolean[256];
        for (int b = 0x21; b < 0x7f; b++) {
            ok[b] = "/?#@,\"<>\\^`{|}".indexOf(b) < 0;
        }
        return ok;
    }

    /**
     * RFC 9112 §3.2.2: with an absolute-form target, its authority must be the Host; RFC 9110
     * §4.2.3: the scheme's default port is the same as no port at all.
     */
    private boolean authorityMatchesHost() {
        int authority = authorityStart;
        if (authority < 0 || hostHeader < 0) {
            return true;
        }
        int end = authorityEnd;
        byte[] defaultPort = authority - targetStart == 8 ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT;
        end = withoutPort(authority, end, defaultPort);
        int hs = valueStart[hostHeader];
        int he = withoutPort(hs, valueEnd[hostHeader], defaultPort);
        if (end - authority != he - hs) {
            return false;
        }
        for (int i = 0; i < he - hs; i++) {
            if (Ascii.lower(at(authority + i)) != Ascii.lower(at(hs + i))) {
                return false;
            }
        }
        return true;
    }

    /** Where the authority of an absolute-form target that starts at {@code authority} ends. */
    private int findAuthorityEnd(int authority) {
        int end = authority;
        while (end < targetEnd && at(end) != '/' && at(end) != '?') {
            end++;
        }
        return end;
    }

    /** {@code to}, or where {@code port} starts when {@code [from, to)} ends with it. */
    private int withoutPort(int from, int to, byte[] port) {
        int at = to - port.length;
        return at > from && equalsExactly(at, to, port) ? at : to;
    }

    private boolean isHttpVersion(int from, int to) {
        return to - from == 8 && at(from) == 'H' && at(from + 4) == '/'
                && Character.isDigit(at(from + 5)) && at(from + 6) == '.'
                && Character.isDigit(at(from + 7));
    }

    private Method methodOf(int from, int to) {
        for (Method m : METHODS) {
            byte[] name = m.bytes;
            if (name.length == to - from && sameBytes(from, name)) {
                return m;
            }
        }
        return Method.OTHER;
    }

    private boolean sameBytes(int from, byte[] name) {
        for (int i = 0; i < name.length; i++) {
            if (at(from + i) != name[i]) {
                return false; // methods are case-sensitive (RFC 9110 §9.1)
            }
        }
        return true;
    }

    @Override
    protected int onHeader(int h) {
        switch (kind[h]) {
            case HOST -> {
                hostHeader = h;
                hostCount++;
            }
            case EXPECT -> expectContinue = equalsIgnoreCase(valueStart[h], valueEnd[h], CONTINUE);
            case COOKIE -> {
                if (cookieHeaderCount < MAX_COOKIE_HEADERS) {
                    cookieHeaders[cookieHeaderCount++] = h;
                }
            }
            case X_FORWARDED_FOR -> {
                if (forwardedForHeader < 0) {
                    forwardedForHeader = h;
                }
            }
            case UPGRADE -> {
                h2cUpgrade = equalsIgnoreCase(valueStart[h], valueEnd[h], H2C);
                return super.onHeader(h);
            }
            default -> {
                return super.onHeader(h);
            }
        }
        return ParseResult.OK;
    }

    @Override
    protected int otherCodings(boolean lastIsChunked) {
        // RFC 9112 §6.1: a coding the proxy does not implement is 501; one that leaves the length
        // unknown (chunked not last) cannot be framed at all.
        return lastIsChunked ? 501 : malformed("Transfer-Encoding does not end in chunked");
    }

    @Override
    protected int validateFraming() {
        if (hasTransferEncoding && contentLength >= 0) {
            return malformed("both Content-Length and Transfer-Encoding"); // RFC 9112 §6.3: a smuggling vector
        }
        if (hasTransferEncoding && !http11) {
            return malformed("Transfer-Encoding in an HTTP/1.0 request"); // RFC 9112 §6.1: cannot be trusted
        }
        if (hostCount > 1 || (http11 && hostCount == 0)) {
            return malformed(hostCount > 1 ? "more than one Host header" : "no Host header"); // RFC 9112 §3.2
        }
        if (hostHeader >= 0 && (!validHost(valueStart[hostHeader], valueEnd[hostHeader]) || !authorityMatchesHost())) {
            return malformed("malformed Host header, or not the authority of the target");
        }
        if (method == Method.CONNECT) {
            return 405; // a reverse proxy does not open tunnels to arbitrary hosts
        }
        return ParseResult.OK;
    }

    @Override
    protected int malformed() {
        return 400;
    }

    @Override
    protected int malformed(String why) {
        problem = why;
        return malformed();
    }

    @Override
    protected int tooManyHeaders() {
        return 431;
    }

    public Method method() {
        return method;
    }

    /** The method as sent, case-sensitive (RFC 9110 §9.1), even when it is {@code OTHER}. Cold path. */
    public String methodName() {
        return text(start, targetStart - 1);
    }

    /** Why the last {@link #parse} answered 400, in a few words; null when it did not. Cold path. */
    public String problem() {
        return problem;
    }

    public boolean expectsContinue() {
        return expectContinue;
    }

    /** How the request body is delimited: RFC 9112 §6.3, with no body when neither header is there. */
    public BodyFramer.Kind bodyKind() {
        if (chunked) {
            return BodyFramer.Kind.CHUNKED;
        }
        return contentLength > 0 ? BodyFramer.Kind.LENGTH : BodyFramer.Kind.NONE;
    }

    /** The body length, or -1 for chunked. */
    public long bodyLength() {
        return chunked ? -1 : Math.max(contentLength, 0);
    }

    /** The request target as a String. Cold path (logging, tests). */
    public String target() {
        return text(targetStart, targetEnd);
    }

    /** Header {@code h}'s name as it arrived; its value is {@link #value}. Cold path (the admin API). */
    public String name(int h) {
        return text(lineStart[h], nameEnd[h]);
    }

    private String text(int from, int to) {
        byte[] bytes = new byte[to - from];
        buf.get(from, bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * Finds cookie {@code name} in the Cookie headers, by name with proper boundaries
     * ({@code xdynsoftup} is not {@code dynsoftup}; RFC 6265 §5.4). Returns the value's
     * {@code start << 32 | end} in the buffer, or -1. Allocation free.
     */
    public long findCookie(byte[] name) {
        for (int c = 0; c < cookieHeaderCount; c++) {
            int h = cookieHeaders[c];
            long found = CookieScanner.find(buf, valueStart[h], valueEnd[h], name);
            if (found >= 0) {
                return found;
            }
        }
        return -1;
    }

    /**
     * Whether the client asks to switch protocols and the proxy will let it: never for h2c
     * (HTTP/2 over cleartext, a way to open a tunnel past the proxy's checks; RFC 9113 §3.1
     * dropped it) unless the cluster allows it.
     */
    public boolean wantsTunnel(boolean h2cAllowed) {
        return isUpgrade() && (!h2cUpgrade || h2cAllowed);
    }

    /** Bytes the rewritten head may add to the original, so callers can check it fits. */
    public int rewriteOverhead(int clientAddressLength, int defaultHostLength) {
        int host = hostHeader >= 0 ? valueEnd[hostHeader] - valueStart[hostHeader] : defaultHostLength + length();
        return XFF.length + XFF_SEPARATOR.length + clientAddressLength + 2 + XFP_HTTPS.length
                + XFH.length + host + 2 + CONNECTION_UPGRADE_H2C.length + HTTP_1_1_CRLF.length
                + HOST_PREFIX.length + defaultHostLength + 2;
    }

    /**
     * Writes the head to send upstream: the request line as HTTP/1.1 (RFC 9110 §2.5: an
     * intermediary sends its own version, so an HTTP/1.0 client never makes a pooled connection
     * close), and the headers as they arrived, minus hop-by-hop headers (RFC 9110 §7.6.1) and the
     * client's own X-Forwarded-Proto/Host, plus X-Forwarded-For (appended to the client's),
     * X-Forwarded-Proto and X-Forwarded-Host. Host is kept; an HTTP/1.0 request without one gets
     * {@code defaultHost}, the authority the client connected to (RFC 9112 §3.3). For an upgrade
     * the proxy lets through ({@link #wantsTunnel}), Upgrade and {@code Connection: upgrade} pass.
     * X-Forwarded-Proto is {@code https} when the client's connection was TLS ({@code secure}).
     */
    public void writeUpstreamHead(ByteBuffer out, byte[] clientAddress, byte[] defaultHost, boolean h2cAllowed,
                                  boolean secure) {
        boolean upgrade = wantsTunnel(h2cAllowed);
        copy(out, start, targetEnd + 1);
        out.put(HTTP_1_1_CRLF);
        if (hostHeader < 0) {
            out.put(HOST_PREFIX);
            if (authorityStart >= 0) {
                copy(out, authorityStart, authorityEnd); // RFC 9112 §3.2.2: the target's own authority
            } else {
                out.put(defaultHost);
            }
            out.put(CRLF);
        }
        for (int h = 0; h < headerCount; h++) {
            byte k = kind[h];
            if (k == X_FORWARDED_PROTO || k == X_FORWARDED_HOST || (k == HTTP2_SETTINGS && !upgrade)) {
                continue;
            }
            if (k == X_FORWARDED_FOR) {
                if (h == forwardedForHeader) {
                    copy(out, lineStart[h], valueEnd[h]);
                    out.put(XFF_SEPARATOR).put(clientAddress).put(CRLF);
                }
                continue;
            }
            if (isHopByHop(h) && !(upgrade && (k == UPGRADE || k == HTTP2_SETTINGS))) {
                continue;
            }
            if (k == CONTENT_LENGTH && (contentLengthLines > 1 || contentLengthList)) {
                // RFC 9110 §8.6: duplicates of one valid length are forwarded as a single value.
                if (h == firstContentLength()) {
                    out.put(CONTENT_LENGTH_PREFIX);
                    putDecimal(out, contentLength);
                    out.put(CRLF);
                }
                continue;
            }
            copyHeaderLine(out, h);
        }
        if (upgrade) {
            out.put(h2cUpgrade ? CONNECTION_UPGRADE_H2C : CONNECTION_UPGRADE);
        }
        if (forwardedForHeader < 0) {
            out.put(XFF).put(clientAddress).put(CRLF);
        }
        out.put(secure ? XFP_HTTPS : XFP_HTTP);
        if (hostHeader >= 0) {
            out.put(XFH);
            copy(out, valueStart[hostHeader], valueEnd[hostHeader]);
            out.put(CRLF);
        }
        out.put(CRLF);
    }


    /** {@code host:port} as a Host header value, IPv6 in brackets (RFC 3986 §3.2.2). */
    public static byte[] authority(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        String text = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
