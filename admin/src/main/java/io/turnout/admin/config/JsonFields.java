package io.turnout.admin.config;

import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One JSON object read by hand, field by field, with typed getters that check the JSON type and
 * the range and name the field's full path in every error. Walking the tree this way, rather than
 * binding it to classes, is what gives messages like {@code cluster.servers[1].port: must be
 * 1-65535, was 70000}.
 */
final class JsonFields {
    private final JSONObject object;
    private final String path;

    private JsonFields(JSONObject object, String path) {
        this.object = object;
        this.path = path;
    }

    /**
     * @param what how the expected object looks, for the message ({@code {"port": 1235}})
     */
    static JsonFields of(Object value, String path, String what) {
        if (value instanceof JSONObject o) {
            return new JsonFields(o, path);
        }
        throw new InvalidConfigException(path, "must be an object" + (what == null ? "" : " like " + what)
                + ", was " + Shown.typeName(value));
    }

    String path() {
        return path;
    }

    String path(String key) {
        return Shown.child(path, key);
    }

    JSONObject raw() {
        return object;
    }

    /** Fails on the first key, in document order, that is not one of {@code allowed}. */
    void allowOnly(List<String> allowed) {
        for (String key : object.keySet()) {
            if (!allowed.contains(key)) {
                throw new InvalidConfigException(path(key), "unknown key" + suggestion(key, allowed));
            }
        }
    }

    boolean has(String key) {
        return object.containsKey(key);
    }

    Object get(String key) {
        return object.get(key);
    }

    /** The string at {@code key}, or {@code null} when the key is absent. */
    String string(String key) {
        if (!has(key)) {
            return null;
        }
        Object v = object.get(key);
        if (v instanceof String s) {
            return s;
        }
        throw new InvalidConfigException(path(key), "must be a string, was " + Shown.value(v));
    }

    String requiredString(String key, String hint) {
        String s = string(key);
        if (s == null) {
            throw new InvalidConfigException(path(key), "required" + hint(hint));
        }
        return s;
    }

    Boolean bool(String key) {
        if (!has(key)) {
            return null;
        }
        Object v = object.get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new InvalidConfigException(path(key), "must be true or false, was " + Shown.value(v));
    }

    /** A whole number in {@code [min, max]}, or {@code null} when absent. */
    Long whole(String key, long min, long max) {
        if (!has(key)) {
            return null;
        }
        return wholeValue(object.get(key), path(key), min, max);
    }

    long requiredWhole(String key, long min, long max, String hint) {
        Long v = whole(key, min, max);
        if (v == null) {
            throw new InvalidConfigException(path(key), "required" + hint(hint));
        }
        return v;
    }

    static long wholeValue(Object v, String path, long min, long max) {
        String range = min + "-" + max;
        if (!(v instanceof Number n)) {
            throw new InvalidConfigException(path, "must be a number " + range + ", was " + Shown.value(v));
        }
        BigDecimal d = decimal(n);
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
            throw new InvalidConfigException(path, "must be a whole number " + range + ", was " + Shown.value(v));
        }
        if (d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw new InvalidConfigException(path, "must be " + range + ", was " + Shown.value(v));
        }
        return d.longValue();
    }

    /**
     * A number with {@code low < value <= high} (or {@code low <= value} when
     * {@code lowInclusive}), or {@code null} when absent.
     *
     * @param rule how the message states the range ({@code more than 0 and at most 100})
     */
    BigDecimal decimal(String key, double low, boolean lowInclusive, double high, String rule) {
        if (!has(key)) {
            return null;
        }
        Object v = object.get(key);
        if (!(v instanceof Number n)) {
            throw new InvalidConfigException(path(key), "must be a number " + rule + ", was " + Shown.value(v));
        }
        BigDecimal d = decimal(n);
        int lowCmp = d.compareTo(BigDecimal.valueOf(low));
        if (lowCmp < 0 || (lowCmp == 0 && !lowInclusive) || d.compareTo(BigDecimal.valueOf(high)) > 0) {
            throw new InvalidConfigException(path(key), "must be " + rule + ", was " + Shown.value(v));
        }
        return d;
    }

    /** Seconds, decimals allowed, as a Duration; {@code null} when absent. */
    Duration seconds(String key, boolean zeroAllowed, long maxSeconds) {
        String rule = (zeroAllowed ? "0 or more" : "more than 0") + " and at most " + maxSeconds + " (seconds)";
        BigDecimal d = decimal(key, 0, zeroAllowed, maxSeconds, rule);
        if (d == null) {
            return null;
        }
        long nanos = d.movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValueExact();
        if (nanos == 0 && !zeroAllowed) {
            throw new InvalidConfigException(path(key), "must be " + rule + ", was " + Shown.value(get(key)));
        }
        return Duration.ofNanos(nanos);
    }

    JSONArray array(String key) {
        if (!has(key)) {
            return null;
        }
        Object v = object.get(key);
        if (v instanceof JSONArray a) {
            return a;
        }
        throw new InvalidConfigException(path(key), "must be an array, was " + Shown.typeName(v));
    }

    /** An array of strings, or an empty list when absent. */
    List<String> strings(String key) {
        JSONArray a = array(key);
        if (a == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            Object v = a.get(i);
            if (!(v instanceof String s)) {
                throw new InvalidConfigException(Shown.element(path(key), i), "must be a string, was " + Shown.value(v));
            }
            out.add(s);
        }
        return out;
    }

    JsonFields object(String key, String what) {
        if (!has(key)) {
            return null;
        }
        return of(object.get(key), path(key), what);
    }

    static BigDecimal decimal(Number n) {
        if (n instanceof BigDecimal d) {
            return d;
        }
        if (n instanceof BigInteger i) {
            return new BigDecimal(i);
        }
        if (n instanceof Double || n instanceof Float) {
            return BigDecimal.valueOf(n.doubleValue());
        }
        return BigDecimal.valueOf(n.longValue());
    }

    private static String hint(String hint) {
        return hint == null || hint.isEmpty() ? "" : " (" + hint + ")";
    }

    /** {@code " (did you mean sessionTimeout?)"} for a near miss, else the list of allowed keys. */
    private static String suggestion(String key, List<String> allowed) {
        String best = closest(key, allowed);
        if (best != null) {
            return " (did you mean " + best + "?)";
        }
        return "; allowed keys: " + String.join(", ", allowed);
    }

    /** The candidate within a typo or two of {@code word} (case ignored), or {@code null}. */
    static String closest(String word, List<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(word.toLowerCase(java.util.Locale.ROOT), candidate.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(1, best.length() / 4) ? best : null;
    }

    /** Edit distance counting a swap of neighbours as one edit (optimal string alignment); keys are short. */
    private static int distance(String a, String b) {
        if (a.length() > 64 || b.length() > 64) {
            return Integer.MAX_VALUE;
        }
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
