package io.turnout.admin.config;

import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.engine.http.Ascii;

/**
 * How user input appears inside an error message: short, on one line, never more than
 * {@value #MAX_CHARS} characters of it, so a message cannot be used to reflect a body back or to
 * forge extra log lines.
 */
final class Shown {
    static final int MAX_CHARS = 40;

    private Shown() {
    }

    /** The text, with control characters replaced and cut to {@value #MAX_CHARS} characters. */
    static String text(String s) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 3);
        for (int i = 0; i < s.length(); i++) {
            if (out.length() >= MAX_CHARS) {
                out.append("...");
                break;
            }
            char c = s.charAt(i);
            out.append(Ascii.isControl(c) || Character.isSurrogate(c) ? '?' : c);
        }
        return out.toString();
    }

    /** A JSON value as a message shows it: {@code 70000}, {@code a string "80"}, {@code an array}. */
    static String value(Object v) {
        if (v instanceof String s) {
            return "a string \"" + text(s) + "\"";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return text(String.valueOf(v));
        }
        return typeName(v);
    }

    /** The JSON type of a parsed value, with its article: {@code an object}, {@code a number}. */
    static String typeName(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof JSONObject) {
            return "an object";
        }
        if (v instanceof JSONArray) {
            return "an array";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Number) {
            return "a number";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        return "a " + v.getClass().getSimpleName();
    }

    /** One character of the input: {@code 'x'} when printable ASCII, else {@code U+0001}. */
    static String character(char c) {
        if (c > 0x20 && c < 0x7f) {
            return "'" + c + "'";
        }
        return String.format("U+%04X", (int) c);
    }

    /** A child path: {@code cluster} + {@code servers} gives {@code cluster.servers}. */
    static String child(String parent, String key) {
        String shownKey = text(key);
        return parent == null || parent.isEmpty() ? shownKey : parent + "." + shownKey;
    }

    /** An element path: {@code cluster.servers} + 1 gives {@code cluster.servers[1]}. */
    static String element(String parent, int index) {
        return (parent == null ? "" : parent) + "[" + index + "]";
    }
}
