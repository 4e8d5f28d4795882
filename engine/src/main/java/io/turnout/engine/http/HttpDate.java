package io.turnout.engine.http;

/**
 * Formats IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}, RFC 9110 §5.6.7) into a byte array
 * without allocating, caching the last second formatted: a cookie's Expires changes once a second.
 */
public final class HttpDate {
    public static final int LENGTH = 29;
    private static final byte[][] DAYS = bytes("Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed");
    private static final byte[][] MONTHS = bytes("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
            "Oct", "Nov", "Dec");

    private final byte[] cached = new byte[LENGTH];
    private long cachedSecond = Long.MIN_VALUE;

    /** The date for {@code epochSecond}; the returned array is reused by the next call. */
    public byte[] format(long epochSecond) {
        if (epochSecond != cachedSecond) {
            write(epochSecond, cached);
            cachedSecond = epochSecond;
        }
        return cached;
    }

    public static void write(long epochSecond, byte[] out) {
        long days = Math.floorDiv(epochSecond, 86_400L);
        int secondOfDay = (int) Math.floorMod(epochSecond, 86_400L);
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);

        byte[] dayName = DAYS[(int) Math.floorMod(days, 7L)];
        out[0] = dayName[0];
        out[1] = dayName[1];
        out[2] = dayName[2];
        out[3] = ',';
        out[4] = ' ';
        two(out, 5, day);
        out[7] = ' ';
        byte[] monthName = MONTHS[month - 1];
        out[8] = monthName[0];
        out[9] = monthName[1];
        out[10] = monthName[2];
        out[11] = ' ';
        two(out, 12, (int) (year / 100));
        two(out, 14, (int) (year % 100));
        out[16] = ' ';
        two(out, 17, secondOfDay / 3600);
        out[19] = ':';
        two(out, 20, secondOfDay / 60 % 60);
        out[22] = ':';
        two(out, 23, secondOfDay % 60);
        out[25] = ' ';
        out[26] = 'G';
        out[27] = 'M';
        out[28] = 'T';
    }

    private static void two(byte[] out, int at, int value) {
        out[at] = (byte) ('0' + value / 10);
        out[at + 1] = (byte) ('0' + value % 10);
    }

    private static byte[][] bytes(String... names) {
        byte[][] result = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            result[i] = names[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        return result;
    }
}
