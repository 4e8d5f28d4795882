package io.turnout.engine.testsupport;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Header fields exactly as they appeared: in order, duplicates kept, names as sent. Lookups
 * ignore case (RFC 9110 §5.1), so tests can assert on what a peer saw without normalising it.
 */
public final class HeaderList implements Iterable<HeaderList.Header> {

    public static final HeaderList EMPTY = new HeaderList(List.of());

    public record Header(String name, String value) {
        @Override
        public String toString() {
            return name + ": " + value;
        }
    }

    private final List<Header> fields;

    private HeaderList(List<Header> fields) {
        this.fields = List.copyOf(fields);
    }

    public static HeaderList of(List<Header> fields) {
        return fields.isEmpty() ? EMPTY : new HeaderList(fields);
    }

    /** {@code of("Host", "a", "Accept", "text/plain")}: alternating names and values. */
    public static HeaderList of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must alternate; got an odd count "
                    + namesAndValues.length);
        }
        List<Header> list = new ArrayList<>(namesAndValues.length / 2);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            list.add(new Header(namesAndValues[i], namesAndValues[i + 1]));
        }
        return of(list);
    }

    /** The first value of {@code name}, or null when absent. */
    public String first(String name) {
        for (Header h : fields) {
            if (h.name.equalsIgnoreCase(name)) {
                return h.value;
            }
        }
        return null;
    }

    /** Every value of {@code name}, in order (one entry per field line). */
    public List<String> all(String name) {
        List<String> values = new ArrayList<>(2);
        for (Header h : fields) {
            if (h.name.equalsIgnoreCase(name)) {
                values.add(h.value);
            }
        }
        return values;
    }

    public boolean contains(String name) {
        return first(name) != null;
    }

    /**
     * True when any {@code name} line holds {@code token} in its comma-separated list, ignoring
     * case and whitespace: {@code Connection: keep-alive, Upgrade} has the token {@code upgrade}.
     */
    public boolean hasToken(String name, String token) {
        for (String value : all(name)) {
            for (String part : value.split(",")) {
                if (part.strip().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    public int size() {
        return fields.size();
    }

    public Header get(int index) {
        return fields.get(index);
    }

    public List<Header> asList() {
        return fields;
    }

    @Override
    public Iterator<Header> iterator() {
        return fields.iterator();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderList other && fields.equals(other.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
