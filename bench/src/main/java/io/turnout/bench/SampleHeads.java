package io.turnout.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The messages the benchmarks parse: what a current desktop browser sends to a shop page, and
 * what nginx answers. Built once per trial into direct buffers, as the selector loops hold them.
 */
final class SampleHeads {
    /** Cluster uuids of the two-version snapshot the route benchmarks use. */
    static final String OLD_UUID = "5f0c1a52-7d43-4c36-9d0e-2a8e6b1f0001";
    static final String NEW_UUID = "a3d9e7c4-1b2f-4e6a-8c5d-7f9e0b2a0002";
    /** SPEC §2: this transition uuid falls in GRADUAL bucket 3. */
    static final String TRANSITION_UUID = "952c8557-2088-11e4-87e3-600308a8245e";

    private static final String BROWSER_HEADERS = ""
            + "Host: shop.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
            + "Accept-Language: en-GB,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Referer: https://shop.example.com/shop/cart\r\n"
            + "Connection: keep-alive\r\n";

    private static final String BROWSER_TAIL = ""
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Priority: u=0, i\r\n"
            + "\r\n";

    private SampleHeads() {
    }

    /** A ~600-byte browser GET with two Cookie headers carrying both routing cookies. */
    static String browserRequest() {
        return "GET /shop/cart/items?page=2&sort=price HTTP/1.1\r\n"
                + BROWSER_HEADERS
                + "Cookie: _ga=GA1.2.1234567890.1700000000; theme=dark; dynsoftup=" + OLD_UUID + "\r\n"
                + "Cookie: transition=" + TRANSITION_UUID + "; lang=en-GB\r\n"
                + BROWSER_TAIL;
    }

    /** A form upload with {@code Expect: 100-continue}, as curl sends for bodies over 1 KiB. */
    static String uploadWithExpectContinue() {
        return "POST /upload HTTP/1.1\r\n"
                + "Host: shop.example.com\r\n"
                + "User-Agent: curl/7.88.1\r\n"
                + "Accept: */*\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Content-Length: 1048576\r\n"
                + "Expect: 100-continue\r\n"
                + "\r\n";
    }

    /** The same request from a first-time visitor: no Cookie header at all. */
    static String browserRequestWithoutCookies() {
        return "GET /shop/cart/items?page=2&sort=price HTTP/1.1\r\n" + BROWSER_HEADERS + BROWSER_TAIL;
    }

    /**
     * Four Cookie headers (browsers send one, but HTTP/2-to-1 gateways split them), a near miss
     * ({@code xdynsoftup}) before the real one, and the routing cookies in the last two.
     */
    static String manyCookieHeaders() {
        return "GET / HTTP/1.1\r\n"
                + "Host: shop.example.com\r\n"
                + "Cookie: _ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; theme=dark\r\n"
                + "Cookie: session=\"c2Vzc2lvbi10b2tlbi1mb3ItYmVuY2htYXJr\"; consent=yes; xdynsoftup=nope\r\n"
                + "Cookie: lang=en-GB; dynsoftup=" + OLD_UUID + "; cart=17\r\n"
                + "Cookie: tz=Europe/London; transition=" + TRANSITION_UUID + "\r\n"
                + "\r\n";
    }

    /** What nginx answers for a small static page. */
    static String nginxResponse() {
        return "HTTP/1.1 200 OK\r\n"
                + "Server: nginx/1.22.1\r\n"
                + "Date: Tue, 10 Jun 2025 12:00:00 GMT\r\n"
                + "Content-Type: text/html\r\n"
                + "Content-Length: 100\r\n"
                + "Last-Modified: Tue, 10 Jun 2025 11:00:00 GMT\r\n"
                + "Connection: keep-alive\r\n"
                + "ETag: \"6848100c-64\"\r\n"
                + "Cache-Control: max-age=60\r\n"
                + "Accept-Ranges: bytes\r\n"
                + "\r\n";
    }

    /** {@code text} in a direct buffer, position 0, limit at its end. */
    static ByteBuffer direct(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length);
        buf.put(bytes).flip();
        return buf;
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
