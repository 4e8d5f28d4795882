package io.turnout.admin.store;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONException;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.config.EtcdEndpoint;
import io.turnout.admin.http.BodyLines;
import io.turnout.admin.http.HttpConnection;
import io.turnout.admin.http.HttpResponseReader;
import io.turnout.admin.http.ResponseHead;
import io.turnout.engine.http.Ascii;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Our client of etcd's v3 API through its JSON gateway (SPEC §10): {@code /v3/kv/range},
 * {@code /v3/kv/txn}, {@code /v3/kv/deleterange} and the streaming {@code /v3/watch}, over plain
 * HTTP/1.1 with the admin side's own NIO client ({@link HttpConnection}), so no gRPC stack. Keys
 * and values travel base64-encoded; 64-bit numbers travel as JSON strings.
 *
 * <p><b>Failover.</b> A call goes to the member that answered last, and on a transport failure to
 * the next one, around the list once. A read is sent again after any failure. A write is sent
 * again only when the failed member cannot have received it (the connection or the request write
 * failed); when it may have applied it, the call fails as {@link EtcdException#uncertain()}
 * rather than risk a second application.
 *
 * <p>Calls block the caller's thread for at most {@code dialTimeout} per member to connect and
 * {@link #REQUEST_TIMEOUT} for each read; callers are the store's own threads, never a selector.
 */
public final class EtcdClient {
    /** The longest wait for a member's answer: etcd itself gives up on a write after ~5 s without quorum. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** A watch stream may be idle for as long as nothing changes; its liveness is checked by other calls. */
    static final Duration WATCH_IDLE_TIMEOUT = Duration.ofHours(1);
    private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    /** etcd's default request size limit is 1.5 MiB, so a watch message (one revision's events, or a batch) is below this. */
    private static final int MAX_WATCH_LINE_BYTES = 64 * 1024 * 1024;

    /** What a range read saw, at one revision. */
    public record Range(long revision, List<KeyValue> kvs) {
    }

    /** Whether the comparisons held (and the operations ran), and the revision after it. */
    public record TxnResult(boolean succeeded, long revision) {
    }

    /** The revision of the deletion and the keys as they were before it (none: nothing was deleted). */
    public record Deleted(long revision, List<KeyValue> previous) {
    }

    private final List<EtcdEndpoint> endpoints;
    private final Duration dialTimeout;
    private final AtomicInteger preferred = new AtomicInteger();

    public EtcdClient(List<EtcdEndpoint> endpoints, Duration dialTimeout) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("etcd needs at least one endpoint");
        }
        this.endpoints = List.copyOf(endpoints);
        this.dialTimeout = dialTimeout;
    }

    public List<EtcdEndpoint> endpoints() {
        return endpoints;
    }

    /** The member calls go to first. */
    public EtcdEndpoint preferred() {
        return endpoints.get(preferred.get());
    }

    /** {@code member} failed us in a way only we noticed (a heartbeat timed out): start with the next one. */
    public void avoid(EtcdEndpoint member) {
        int index = endpoints.indexOf(member);
        if (index >= 0) {
            preferred.compareAndSet(index, (index + 1) % endpoints.size());
        }
    }

    /** Every key under {@code prefix}, with values. */
    public Range range(String prefix) throws EtcdException {
        return parseRange(call("/v3/kv/range", rangeRequest(prefix, false), true, "read " + prefix));
    }

    /** Every key under {@code prefix} without values, from one member only: a cheap check that it answers. */
    public Range rangeKeysOn(EtcdEndpoint member, String prefix) throws EtcdException {
        try {
            return parseRange(callOn(member, "/v3/kv/range", rangeRequest(prefix, true)));
        } catch (CallFailure f) {
            throw new EtcdException("etcd at " + member + " did not answer a read of " + prefix + ": " + f.getMessage(),
                    !f.answered, false, f.getCause());
        }
    }

    public TxnResult txn(Txn txn) throws EtcdException {
        JSONObject answer = call("/v3/kv/txn", txn.toJson(), false, "write");
        // proto3 JSON leaves false out: a failed comparison answers with only a header.
        return new TxnResult(answer.getBooleanValue("succeeded"), revisionOf(answer));
    }

    /** Deletes {@code key}; the answer holds its previous value when there was one. */
    public Deleted delete(String key) throws EtcdException {
        JSONObject request = new JSONObject();
        request.put("key", encode(key));
        request.put("prev_kv", true);
        JSONObject answer = call("/v3/kv/deleterange", request, false, "delete " + key);
        return new Deleted(revisionOf(answer), keyValues(answer.getJSONArray("prev_kvs")));
    }

    /**
     * Opens a watch of every key under {@code prefix} from {@code startRevision} on, and reads its
     * {@code created} message, so a returned watch is live. Members are tried as for a read.
     */
    public Watch watch(String prefix, long startRevision) throws EtcdException {
        JSONObject create = new JSONObject();
        create.put("key", encode(prefix));
        create.put("range_end", encode(rangeEnd(prefix)));
        create.put("start_revision", Long.toString(startRevision));
        JSONObject request = new JSONObject();
        request.put("create_request", create);
        byte[] body = request.toJSONString().getBytes(StandardCharsets.UTF_8);
        List<String> failures = new ArrayList<>();
        int start = preferred.get();
        for (int i = 0; i < endpoints.size(); i++) {
            int index = (start + i) % endpoints.size();
            EtcdEndpoint member = endpoints.get(index);
            Watch watch = null;
            try {
                watch = openWatch(member, body);
                WatchResponse first = watch.next();
                if (!first.created()) {
                    throw new IOException("the watch's first message was not \"created\"");
                }
                preferred.set(index);
                return watch;
            } catch (IOException e) {
                if (watch != null) {
                    watch.close();
                }
                failures.add(member + " (" + describe(e) + ")");
            }
        }
        throw new EtcdException("etcd is unreachable: " + String.join(", ", failures), true, false, null);
    }

    private Watch openWatch(EtcdEndpoint member, byte[] body) throws IOException {
        HttpConnection connection = HttpConnection.open(SocketChannel.open(), member.address(), dialTimeout);
        try {
            connection.idleTimeout(REQUEST_TIMEOUT);
            connection.send("POST", "/v3/watch", member.hostHeader(), body);
            HttpResponseReader reader = new HttpResponseReader(connection.input(), "etcd at " + member);
            ResponseHead head = reader.readHead();
            InputStream stream = reader.body(head, "POST");
            if (head.status() != 200) {
                throw new IOException("HTTP " + head.status() + ": " + errorMessage(readAll(stream)));
            }
            return new Watch(member, connection, stream);
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** A live watch stream on one member; read it from one thread, abort it from any. */
    public static final class Watch implements AutoCloseable {
        private final EtcdEndpoint member;
        private final HttpConnection connection;
        private final InputStream stream;

        private Watch(EtcdEndpoint member, HttpConnection connection, InputStream stream) {
            this.member = member;
            this.connection = connection;
            this.stream = stream;
        }

        public EtcdEndpoint member() {
            return member;
        }

        /** The next message; blocks until one comes. An IOException ends the watch. */
        public WatchResponse next() throws IOException {
            String line;
            do {
                line = BodyLines.next(stream, MAX_WATCH_LINE_BYTES, "etcd's watch stream");
                if (line == null) {
                    throw new EOFException("etcd at " + member + " ended the watch stream");
                }
            } while (line.isBlank());
            // A stream that outlives its first message waits for changes, not for an answer.
            connection.idleTimeout(WATCH_IDLE_TIMEOUT);
            JSONObject message;
            try {
                message = JSON.parseObject(line);
            } catch (JSONException e) {
                throw new IOException("etcd at " + member + " sent a watch message that is not JSON: "
                        + Ascii.printable(line.length() > 200 ? line.substring(0, 200) + "..." : line));
            }
            JSONObject error = message == null ? null : message.getJSONObject("error");
            if (error != null) {
                throw new IOException("etcd at " + member + " ended the watch: " + error.getString("message"));
            }
            JSONObject result = message == null ? null : message.getJSONObject("result");
            if (result == null) {
                throw new IOException("etcd at " + member + " sent a watch message without a result");
            }
            JSONArray rawEvents = result.getJSONArray("events");
            List<WatchResponse.Event> events = new ArrayList<>(rawEvents == null ? 0 : rawEvents.size());
            if (rawEvents != null) {
                for (int i = 0; i < rawEvents.size(); i++) {
                    JSONObject e = rawEvents.getJSONObject(i);
                    events.add(new WatchResponse.Event("DELETE".equals(e.getString("type")),
                            keyValue(e.getJSONObject("kv"))));
                }
            }
            return new WatchResponse(revisionOf(result), result.getBooleanValue("created"),
                    result.getBooleanValue("canceled"), longOf(result, "compact_revision"),
                    result.getString("cancel_reason"), List.copyOf(events));
        }

        /** Makes a {@link #next} blocked in another thread fail now. */
        public void abort() {
            connection.abort();
        }

        @Override
        public void close() {
            try {
                connection.close();
            } catch (IOException e) {
                // closing a connection we are done with: nothing to do about it
            }
        }
    }

    // ---- calls -------------------------------------------------------------------------------

    /** Why one member did not give a usable answer. */
    private static final class CallFailure extends Exception {
        private static final long serialVersionUID = 1L;
        /** The request may have reached etcd in full. */
        final boolean sent;
        /** etcd answered, with an error. */
        final boolean answered;
        /** gRPC code 14 (Unavailable) or 4 (DeadlineExceeded): another member may do better. */
        final boolean retryable;

        CallFailure(String message, boolean sent, boolean answered, boolean retryable, Throwable cause) {
            super(message, cause, false, false);
            this.sent = sent;
            this.answered = answered;
            this.retryable = retryable;
        }
    }

    private JSONObject call(String path, JSONObject request, boolean idempotent, String what) throws EtcdException {
        List<String> failures = new ArrayList<>();
        int start = preferred.get();
        for (int i = 0; i < endpoints.size(); i++) {
            int index = (start + i) % endpoints.size();
            EtcdEndpoint member = endpoints.get(index);
            try {
                JSONObject answer = callOn(member, path, request);
                preferred.set(index);
                return answer;
            } catch (CallFailure f) {
                if (f.answered && !f.retryable) {
                    throw new EtcdException("etcd at " + member + " refused to " + what + ": " + f.getMessage(),
                            false, false, null);
                }
                if (f.sent && !idempotent) {
                    throw new EtcdException("etcd at " + member + " failed after receiving the request to " + what
                            + " (" + f.getMessage() + "); it may or may not have been applied", true, true, f.getCause());
                }
                failures.add(member + " (" + f.getMessage() + ")");
            }
        }
        throw new EtcdException("etcd is unreachable: " + String.join(", ", failures), true, false, null);
    }

    private JSONObject callOn(EtcdEndpoint member, String path, JSONObject request) throws CallFailure {
        byte[] body = request.toJSONString().getBytes(StandardCharsets.UTF_8);
        HttpConnection connection;
        try {
            connection = HttpConnection.open(SocketChannel.open(), member.address(), dialTimeout);
        } catch (IOException e) {
            throw new CallFailure(describe(e), false, false, false, e);
        }
        try (connection) {
            connection.idleTimeout(REQUEST_TIMEOUT);
            try {
                connection.send("POST", path, member.hostHeader(), body);
            } catch (IOException e) {
                // One small write: a member that did not take all of it cannot have acted on it.
                throw new CallFailure(describe(e), false, false, false, e);
            }
            HttpResponseReader reader = new HttpResponseReader(connection.input(), "etcd at " + member);
            ResponseHead head = reader.readHead();
            String text = readAll(reader.body(head, "POST"));
            if (head.status() != 200) {
                JSONObject error = parseOrNull(text);
                int code = error == null ? -1 : error.getIntValue("code", -1);
                boolean retryable = code == 14 || code == 4 || head.status() == 503;
                throw new CallFailure("HTTP " + head.status() + ": " + errorMessage(text), true, true, retryable, null);
            }
            JSONObject answer = parseOrNull(text);
            if (answer == null) {
                throw new CallFailure("the answer is not a JSON object: " + Ascii.printable(shorten(text)),
                        true, true, false, null);
            }
            return answer;
        } catch (IOException e) {
            throw new CallFailure(describe(e), true, false, false, e);
        }
    }

    private static JSONObject rangeRequest(String prefix, boolean keysOnly) {
        JSONObject request = new JSONObject();
        request.put("key", encode(prefix));
        request.put("range_end", encode(rangeEnd(prefix)));
        if (keysOnly) {
            request.put("keys_only", true);
        }
        return request;
    }

    private static Range parseRange(JSONObject answer) {
        return new Range(revisionOf(answer), keyValues(answer.getJSONArray("kvs")));
    }

    private static List<KeyValue> keyValues(JSONArray array) {
        if (array == null) {
            return List.of();
        }
        List<KeyValue> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            out.add(keyValue(array.getJSONObject(i)));
        }
        return List.copyOf(out);
    }

    private static KeyValue keyValue(JSONObject kv) {
        String value = kv.getString("value");
        return new KeyValue(new String(decode(kv.getString("key")), StandardCharsets.UTF_8),
                value == null ? new byte[0] : decode(value), longOf(kv, "create_revision"), longOf(kv, "mod_revision"));
    }

    private static long revisionOf(JSONObject answer) {
        JSONObject header = answer.getJSONObject("header");
        return header == null ? 0 : longOf(header, "revision");
    }

    /** proto3 JSON writes int64 as a string and leaves zero out. */
    private static long longOf(JSONObject o, String key) {
        Object v = o.get(key);
        if (v == null) {
            return 0;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(v.toString());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("etcd sent " + key + " " + Ascii.printable(shorten(v.toString()))
                    + ", which is not a number");
        }
    }

    private static JSONObject parseOrNull(String text) {
        try {
            return JSON.parseObject(text);
        } catch (JSONException e) {
            return null;
        }
    }

    /** The gateway's error body is {@code {"error": ..., "message": ..., "code": n}}. */
    private static String errorMessage(String text) {
        JSONObject error = parseOrNull(text);
        if (error != null && error.getString("message") != null) {
            return error.getString("message");
        }
        return Ascii.printable(shorten(text.trim()));
    }

    private static String readAll(InputStream body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = body.read(buf)) != -1) {
            if (out.size() + n > MAX_RESPONSE_BYTES) {
                throw new IOException("etcd's answer exceeds " + MAX_RESPONSE_BYTES + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String shorten(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    // ---- keys ---------------------------------------------------------------------------------

    static String encode(String key) {
        return encode(key.getBytes(StandardCharsets.UTF_8));
    }

    static String encode(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] decode(String base64) {
        return Base64.getDecoder().decode(base64);
    }

    /**
     * The end of the range of every key starting with {@code prefix} (etcd's {@code range_end}):
     * the prefix with its last byte plus one ({@code /t/} → {@code /t0}). UTF-8 never holds a 0xff
     * byte, so the increment cannot carry.
     */
    static byte[] rangeEnd(String prefix) {
        byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
        end[end.length - 1]++;
        return end;
    }
}
