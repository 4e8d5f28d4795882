package io.turnout.admin.support;

import com.alibaba.fastjson2.JSONObject;
import io.turnout.engine.testsupport.Await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One tab of {@link HeadlessChromium}. From its first moment it records what a person would see
 * in the DevTools console as an error: {@code console.error} calls, uncaught exceptions, and the
 * browser's own error entries (a failed load, a blocked script).
 */
public final class BrowserPage implements AutoCloseable {
    private final DevToolsConnection devTools;
    private final String targetId;
    private final String sessionId;
    private final List<String> consoleErrors = new CopyOnWriteArrayList<>();

    BrowserPage(DevToolsConnection devTools, String targetId, String sessionId) {
        this.devTools = devTools;
        this.targetId = targetId;
        this.sessionId = sessionId;
        devTools.onEvent(this::onEvent);
        send("Runtime.enable", Map.of());
        send("Log.enable", Map.of());
        send("Page.enable", Map.of());
    }

    private void onEvent(JSONObject event) {
        if (!sessionId.equals(event.getString("sessionId"))) {
            return;
        }
        JSONObject params = event.getJSONObject("params");
        switch (event.getString("method")) {
            case "Runtime.consoleAPICalled" -> {
                String type = params.getString("type");
                if (type.equals("error") || type.equals("assert")) {
                    consoleErrors.add("console." + type + ": " + params.getJSONArray("args"));
                }
            }
            case "Runtime.exceptionThrown" -> {
                JSONObject details = params.getJSONObject("exceptionDetails");
                JSONObject exception = details.getJSONObject("exception");
                consoleErrors.add("exception: " + details.getString("text")
                        + (exception != null ? " " + exception.getString("description") : ""));
            }
            case "Log.entryAdded" -> {
                JSONObject entry = params.getJSONObject("entry");
                if ("error".equals(entry.getString("level"))) {
                    consoleErrors.add("log (" + entry.getString("source") + "): " + entry.getString("text")
                            + (entry.containsKey("url") ? " " + entry.getString("url") : ""));
                }
            }
            default -> {
                // other events are not needed
            }
        }
    }

    private JSONObject send(String method, Map<String, ?> params) {
        return devTools.send(sessionId, method, params);
    }

    /** Opens {@code url} and waits until the document and its scripts have loaded. */
    public BrowserPage open(String url) {
        JSONObject navigated = send("Page.navigate", Map.of("url", url));
        if (navigated.containsKey("errorText")) {
            throw new AssertionError("could not open " + url + ": " + navigated.getString("errorText"));
        }
        Await.until("the page at " + url + " to load", Duration.ofSeconds(10),
                () -> "complete".equals(evaluate("document.readyState")));
        return this;
    }

    /**
     * The value of a JavaScript expression (JSON-like values come back as fastjson2 objects); a
     * promise is awaited. An exception in the page fails here, with its message.
     */
    public Object evaluate(String expression) {
        JSONObject result = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (result.containsKey("exceptionDetails")) {
            throw new IllegalStateException("page script failed: " + expression + ": "
                    + result.getJSONObject("exceptionDetails"));
        }
        return result.getJSONObject("result").get("value");
    }

    public String text(String expression) {
        Object value = evaluate(expression);
        return value == null ? null : value.toString();
    }

    public boolean test(String expression) {
        return Boolean.TRUE.equals(evaluate("Boolean(" + expression + ")"));
    }

    /** Types {@code text} into the element {@code selector} finds and submits its form, as a person would. */
    public void typeAndSubmit(String selector, String text) {
        String element = "document.querySelector(" + JSONObject.toJSONString(selector) + ")";
        if (!test(element)) {
            throw new AssertionError("no element matches " + selector);
        }
        evaluate(element + ".value = ''; " + element + ".focus()");
        send("Input.insertText", Map.of("text", text));
        for (String type : new String[] {"keyDown", "keyUp"}) {
            send("Input.dispatchKeyEvent", Map.of("type", type, "key", "Enter", "code", "Enter",
                    "windowsVirtualKeyCode", 13, "text", "\r"));
        }
    }

    /**
     * Lays the page out as on a screen of {@code width} × {@code height} CSS pixels; a phone also
     * gets its touch-screen metrics and a pixel ratio of 2, as phones have.
     */
    public void viewport(int width, int height, boolean phone) {
        send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", phone ? 2 : 1, "mobile", phone));
    }

    /** A PNG of the viewport as it is now. */
    public void screenshot(Path file) {
        String data = send("Page.captureScreenshot", Map.of("format", "png")).getString("data");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(data));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Errors seen so far, in order. */
    public List<String> consoleErrors() {
        return List.copyOf(consoleErrors);
    }

    /** The errors other than the browser's note of a failed request with this status (an expected 401, say). */
    public List<String> consoleErrorsExceptStatus(int status) {
        return consoleErrors.stream()
                .filter(e -> !(e.startsWith("log (network)") && e.contains("status of " + status)))
                .toList();
    }

    @Override
    public void close() {
        try {
            devTools.send(null, "Target.closeTarget", Map.of("targetId", targetId));
        } catch (RuntimeException e) {
            // the browser may be closing already
        }
    }
}
