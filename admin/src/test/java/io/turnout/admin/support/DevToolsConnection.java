package io.turnout.admin.support;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The Chrome DevTools protocol over the JDK's {@link WebSocket}: a command is a JSON message with
 * an id, answered by a message with the same id; everything else is an event, handed to the
 * listeners. With a {@code sessionId}, one browser connection drives any number of pages
 * ({@code Target.attachToTarget} with {@code flatten}).
 */
final class DevToolsConnection implements WebSocket.Listener, AutoCloseable {
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JSONObject>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<JSONObject>> listeners = new CopyOnWriteArrayList<>();
    /** A message may come in several frames (a screenshot is hundreds of KiB of base64). */
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket socket;

    private DevToolsConnection() {
    }

    static DevToolsConnection open(URI browserEndpoint) {
        DevToolsConnection connection = new DevToolsConnection();
        connection.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(browserEndpoint, connection)
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
        return connection;
    }

    /** Events of every session: {@code {"method", "params", "sessionId"}}. */
    void onEvent(Consumer<JSONObject> listener) {
        listeners.add(listener);
    }

    /**
     * Sends one command and waits for its result.
     *
     * @param sessionId the page's session, or {@code null} for the browser itself
     * @throws IllegalStateException with the browser's message when it answers an error
     */
    JSONObject send(String sessionId, String method, Map<String, ?> params) {
        int id = ids.incrementAndGet();
        JSONObject message = new JSONObject();
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        CompletableFuture<JSONObject> answer = new CompletableFuture<>();
        pending.put(id, answer);
        socket.sendText(message.toJSONString(), true).join();
        JSONObject response;
        try {
            response = answer.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from the browser to " + method + " within " + COMMAND_TIMEOUT);
        } catch (ExecutionException e) {
            throw new IllegalStateException(method + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + method, e);
        } finally {
            pending.remove(id);
        }
        if (response.containsKey("error")) {
            throw new IllegalStateException(method + ": " + response.getJSONObject("error"));
        }
        JSONObject result = response.getJSONObject("result");
        return result == null ? new JSONObject() : result;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            JSONObject message = JSON.parseObject(partial.toString());
            partial.setLength(0);
            Integer id = message.getInteger("id");
            if (id != null) {
                CompletableFuture<JSONObject> answer = pending.get(id);
                if (answer != null) {
                    answer.complete(message);
                }
            } else {
                for (Consumer<JSONObject> listener : listeners) {
                    listener.accept(message);
                }
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        failPending(new IllegalStateException("the browser closed the DevTools connection: " + statusCode + " " + reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        failPending(error);
    }

    private void failPending(Throwable error) {
        for (CompletableFuture<JSONObject> answer : pending.values()) {
            answer.completeExceptionally(error);
        }
    }

    @Override
    public void close() {
        WebSocket s = socket;
        if (s != null && !s.isOutputClosed()) {
            s.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }
}
