package io.turnout.admin.api;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.admin.config.LevelTags;
import io.turnout.engine.tls.TlsConfigException;
import io.turnout.engine.tls.TlsContext;
import io.turnout.engine.tls.TlsIdentity;
import org.tinylog.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code POST /tls/reload} and the {@code tls} block of {@code GET /status} (SPEC §12). The reload
 * reads two files and signs once to check the key, so it runs off the admin loop, on the common
 * pool; the identity in force is swapped whole by {@link TlsContext#reload}, and new handshakes
 * use the new one while open connections keep theirs.
 */
final class TlsEndpoints {
    static final String RELOAD = "/tls/reload";

    /** 409, as a takeover commit with no hand-over under way gets: the request is fine, the proxy's state refuses it. */
    static final String PLAIN = "the proxy speaks plain HTTP, so there is no certificate to reload; configure"
            + " proxy.tls (certificate and key) in the config file and restart";

    /** The proxy's TLS, or {@code null} when it speaks plain HTTP. */
    private final TlsContext tls;

    TlsEndpoints(TlsContext tls) {
        this.tls = tls;
    }

    /**
     * 200 with the new certificate (JSON, or its line with {@code Accept: text/plain}); 400 with
     * the one line of a bad file, the certificate in force staying; 409 without TLS.
     */
    CompletableFuture<AdminResponse> reload(AdminRequest request) {
        if (tls == null) {
            return CompletableFuture.completedFuture(AdminResponse.error(409, PLAIN));
        }
        TlsIdentity before = tls.identity();
        return CompletableFuture.supplyAsync(tls::reload).handle((loaded, failure) -> {
            if (failure == null) {
                LevelTags.notice("Reloaded the TLS certificate: {} (issuer {}), valid until {}", loaded.subject(),
                        loaded.issuer(), loaded.notAfter());
                Duration left = Duration.between(Instant.now(), loaded.notAfter());
                return request.prefersText() ? AdminResponse.text(200, "reloaded: " + describe(loaded, left) + "\n")
                        : AdminResponse.json(200, JSON.toJSONString(certificate(loaded, left)));
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof TlsConfigException bad) {
                String line = "proxy.tls." + bad.field() + ": " + bad.getMessage() + "; the certificate in force stays ("
                        + before.subject() + ", valid until " + before.notAfter() + ")";
                Logger.warn("TLS reload refused: {}", line);
                return AdminResponse.error(400, line);
            }
            throw new CompletionException(cause); // an internal error: AdminServer logs it once and answers 500
        });
    }

    /** The {@code tls} object of {@code GET /status}, or {@code null} without TLS. */
    JSONObject status() {
        if (tls == null) {
            return null;
        }
        JSONObject out = certificate(tls.identity(), tls.untilExpiry());
        out.put("protocols", tls.identity().settings().protocols());
        out.put("handshakes", tls.handshakes());
        out.put("handshakeFailures", tls.handshakeFailures());
        return out;
    }

    /** The {@code tls:} line of {@code turnoutctl status}, with its newline; empty without TLS. */
    String statusLine() {
        if (tls == null) {
            return "";
        }
        return "tls: " + describe(tls.identity(), tls.untilExpiry()) + ", " + String.join(" ", tls.identity()
                .settings().protocols()) + ", " + tls.handshakes() + " handshakes, " + tls.handshakeFailures() + " failed\n";
    }

    private static JSONObject certificate(TlsIdentity identity, Duration left) {
        JSONObject out = new JSONObject();
        out.put("subject", identity.subject());
        out.put("issuer", identity.issuer());
        out.put("notAfter", identity.notAfter().toString());
        out.put("expiresInSeconds", left.getSeconds());
        return out;
    }

    /** {@code CN=example.com (issuer CN=CA), expires 2027-01-01T00:00:00Z (in 29d 23h)}. */
    static String describe(TlsIdentity identity, Duration left) {
        return identity.subject() + " (issuer " + identity.issuer() + "), expires " + identity.notAfter() + " ("
                + (left.isNegative() ? "expired " + span(left.negated()) + " ago" : "in " + span(left)) + ")";
    }

    /** The two largest units: {@code 29d 23h}, {@code 5h 2m}, {@code 3m 10s}. */
    static String span(Duration d) {
        long s = d.getSeconds();
        if (s >= 86_400) {
            return String.format(Locale.ROOT, "%dd %dh", s / 86_400, s % 86_400 / 3600);
        }
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh %dm", s / 3600, s % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dm %ds", s / 60, s % 60);
    }
}
