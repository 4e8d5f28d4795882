package io.turnout.admin.config;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONException;
import com.alibaba.fastjson2.JSONReader;
import io.turnout.engine.http.Ascii;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses one JSON document strictly: RFC 8259 and nothing more.
 *
 * <p>fastjson2 is lenient by default and no combination of its features makes it strict: it
 * accepts trailing commas, missing commas, unquoted keys, single-quoted values, {@code +1},
 * {@code .5}, {@code 01}, comments after the value, raw control characters in strings and
 * {@code new Date(1)}, and it keeps the last of duplicate keys. So a small grammar check runs
 * first. It rejects all of those, and duplicate keys and trailing content too, with a message
 * that names the position but never echoes the input. Only a document that passed it reaches
 * fastjson2, which builds the tree ({@code JSONObject} keeps the keys in document order). Numbers
 * with a fraction or exponent become {@code BigDecimal}, so {@code 2.50} stays {@code 2.50} and a
 * huge value never turns into infinity. AutoType is never enabled.
 */
public final class StrictJson {
    /** Deeper documents are refused; the cluster object needs five levels. */
    static final int MAX_DEPTH = 32;
    /** Longer number literals are refused, so no value can make BigDecimal arithmetic costly. */
    static final int MAX_NUMBER_CHARS = 64;

    private static final JSONReader.Feature[] FEATURES = {
        JSONReader.Feature.UseBigDecimalForDoubles,
        JSONReader.Feature.DisableSingleQuote,
    };

    private StrictJson() {
    }

    /**
     * Parses {@code text} as exactly one JSON value.
     *
     * @param label names the document in syntax errors ({@code body}); may be {@code null} when
     *              the caller prefixes messages itself
     * @return a {@code JSONObject}, {@code JSONArray}, {@code String}, {@code Integer},
     *         {@code Long}, {@code BigInteger}, {@code BigDecimal}, {@code Boolean} or {@code null}
     * @throws InvalidConfigException for anything that is not strict JSON, or a duplicate key
     */
    public static Object parse(String text, String label) {
        new Grammar(text, label).check();
        try {
            return JSON.parse(text, FEATURES);
        } catch (JSONException | ArithmeticException | NumberFormatException e) {
            // The grammar check passed, so this is a value fastjson2 cannot represent. Its
            // message echoes the input; do not pass it on.
            throw new InvalidConfigException(label, "not valid JSON (a value is out of range)");
        }
    }

    /** A recursive-descent check of RFC 8259 §2-§7 that tracks the path for duplicate keys. */
    private static final class Grammar {
        private final String s;
        private final String label;
        /** Keys (String) and array indexes (Integer) from the root to the current value. */
        private final List<Object> path = new ArrayList<>();
        private int pos;

        Grammar(String s, String label) {
            this.s = s;
            this.label = label;
        }

        void check() {
            skipWhitespace();
            if (pos == s.length()) {
                throw new InvalidConfigException(label, "empty; expected a JSON object");
            }
            value(0);
            skipWhitespace();
            if (pos < s.length()) {
                throw syntax("unexpected " + Shown.character(s.charAt(pos)) + " after the JSON value ended");
            }
        }

        private void value(int depth) {
            if (pos >= s.length()) {
                throw syntax("unexpected end of input");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{' -> object(depth + 1);
                case '[' -> array(depth + 1);
                case '"' -> string();
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                case '\'' -> throw syntax("single quotes are not JSON; use double quotes");
                case '+', '.' -> throw syntax("a number must start with a digit or '-'");
                default -> {
                    if (c == '-' || isDigit(c)) {
                        number();
                    } else if (s.startsWith("NaN", pos) || s.startsWith("Infinity", pos)) {
                        throw syntax("NaN and Infinity are not JSON numbers");
                    } else {
                        throw syntax("unexpected " + Shown.character(c));
                    }
                }
            }
        }

        private void object(int depth) {
            checkDepth(depth);
            pos++;
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return;
            }
            Set<String> keys = new HashSet<>();
            while (true) {
                skipWhitespace();
                char c = peek();
                if (c != '"') {
                    if (c == '}') {
                        throw syntax("trailing comma before '}'");
                    }
                    if (c == '\'') {
                        throw syntax("single quotes are not JSON; use double quotes");
                    }
                    if (Character.isLetter(c) || c == '_' || c == '$') {
                        throw syntax("keys must be in double quotes");
                    }
                    throw c == 0 && pos >= s.length() ? syntax("unexpected end of input")
                            : syntax("expected a key in double quotes, found " + Shown.character(c));
                }
                String key = string();
                if (!keys.add(key)) {
                    throw new InvalidConfigException(pathTo(key), "duplicate key; give each key once");
                }
                skipWhitespace();
                if (peek() != ':') {
                    throw syntax("expected ':' after a key");
                }
                pos++;
                skipWhitespace();
                path.add(key);
                value(depth);
                path.remove(path.size() - 1);
                skipWhitespace();
                c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == '}') {
                    pos++;
                    return;
                } else {
                    throw pos >= s.length() ? syntax("unexpected end of input; missing '}'")
                            : syntax("expected ',' or '}', found " + Shown.character(c));
                }
            }
        }

        private void array(int depth) {
            checkDepth(depth);
            pos++;
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return;
            }
            int index = 0;
            while (true) {
                skipWhitespace();
                char c = peek();
                if (c == ']') {
                    throw syntax("trailing comma before ']'");
                }
                if (c == ',') {
                    throw syntax("missing value before ','");
                }
                path.add(index);
                value(depth);
                path.remove(path.size() - 1);
                index++;
                skipWhitespace();
                c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == ']') {
                    pos++;
                    return;
                } else {
                    throw pos >= s.length() ? syntax("unexpected end of input; missing ']'")
                            : syntax("expected ',' or ']', found " + Shown.character(c));
                }
            }
        }

        /** Checks a string at {@code pos} (on its opening quote) and returns its decoded value. */
        private String string() {
            int start = pos;
            pos++;
            StringBuilder decoded = null;
            int runStart = pos;
            while (true) {
                if (pos >= s.length()) {
                    throw syntaxAt(start, "unterminated string");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    String result = decoded == null ? s.substring(runStart, pos)
                            : decoded.append(s, runStart, pos).toString();
                    pos++;
                    return result;
                }
                if (c < 0x20) {
                    throw syntax("control character " + Shown.character(c) + " inside a string; escape it");
                }
                if (c != '\\') {
                    pos++;
                    continue;
                }
                if (decoded == null) {
                    decoded = new StringBuilder();
                }
                decoded.append(s, runStart, pos);
                if (pos + 1 >= s.length()) {
                    throw syntaxAt(start, "unterminated string");
                }
                char e = s.charAt(pos + 1);
                switch (e) {
                    case '"', '\\', '/' -> decoded.append(e);
                    case 'b' -> decoded.append('\b');
                    case 'f' -> decoded.append('\f');
                    case 'n' -> decoded.append('\n');
                    case 'r' -> decoded.append('\r');
                    case 't' -> decoded.append('\t');
                    case 'u' -> {
                        if (pos + 6 > s.length()) {
                            throw syntax("\\u needs four hex digits");
                        }
                        int code = 0;
                        for (int i = pos + 2; i < pos + 6; i++) {
                            int digit = Character.digit(s.charAt(i), 16);
                            if (digit < 0) {
                                throw syntax("\\u needs four hex digits");
                            }
                            code = code * 16 + digit;
                        }
                        decoded.append((char) code);
                        pos += 4;
                    }
                    default -> throw syntax("invalid escape \\" + (Ascii.isControl(e) ? "?" : String.valueOf(e))
                            + " in a string");
                }
                pos += 2;
                runStart = pos;
            }
        }

        private void number() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw syntax("a digit must follow '-'");
            }
            if (peek() == '0') {
                pos++;
                if (isDigit(peek())) {
                    throw syntaxAt(start, "numbers may not have leading zeros");
                }
            } else {
                digits();
            }
            if (peek() == '.') {
                pos++;
                if (!isDigit(peek())) {
                    throw syntax("a digit must follow '.'");
                }
                digits();
            }
            if (peek() == 'e' || peek() == 'E') {
                pos++;
                if (peek() == '+' || peek() == '-') {
                    pos++;
                }
                if (!isDigit(peek())) {
                    throw syntax("a digit must follow the exponent");
                }
                int exponentStart = pos;
                digits();
                if (pos - exponentStart > 4) {
                    throw syntaxAt(start, "number out of range");
                }
            }
            if (pos - start > MAX_NUMBER_CHARS) {
                throw syntaxAt(start, "number longer than " + MAX_NUMBER_CHARS + " characters");
            }
        }

        private void digits() {
            while (isDigit(peek())) {
                pos++;
            }
        }

        private void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw syntax("unexpected " + Shown.character(s.charAt(pos)) + "; expected " + word);
            }
            pos += word.length();
        }

        private void skipWhitespace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else if (c == '/' && pos + 1 < s.length() && (s.charAt(pos + 1) == '/' || s.charAt(pos + 1) == '*')) {
                    throw syntax("comments are not JSON");
                } else {
                    return;
                }
            }
        }

        private void checkDepth(int depth) {
            if (depth > MAX_DEPTH) {
                throw syntax("nested deeper than " + MAX_DEPTH + " levels");
            }
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : 0;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private String pathTo(String key) {
            String p = "";
            for (Object segment : path) {
                p = segment instanceof Integer i ? Shown.element(p, i) : Shown.child(p, (String) segment);
            }
            return Shown.child(p, key);
        }

        private InvalidConfigException syntax(String reason) {
            return syntaxAt(pos, reason);
        }

        private InvalidConfigException syntaxAt(int at, String reason) {
            int line = 1;
            int column = 1;
            for (int i = 0; i < at && i < s.length(); i++) {
                if (s.charAt(i) == '\n') {
                    line++;
                    column = 1;
                } else {
                    column++;
                }
            }
            return new InvalidConfigException(label,
                    "not valid JSON (" + reason + " at line " + line + ", column " + column + ")");
        }
    }
}
