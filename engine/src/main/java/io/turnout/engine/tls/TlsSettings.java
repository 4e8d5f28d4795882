package io.turnout.engine.tls;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * {@code proxy.tls} (SPEC §12): a PEM certificate chain, its PKCS#8 PEM key, and the protocols
 * to offer, TLS 1.3 and 1.2 only. The files are read by {@link TlsIdentity#load}, not here.
 */
public record TlsSettings(Path certificate, Path key, List<String> protocols) {
    public static final List<String> SUPPORTED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    public TlsSettings {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        protocols = protocols == null || protocols.isEmpty() ? SUPPORTED_PROTOCOLS : List.copyOf(protocols);
        for (String protocol : protocols) {
            if (!SUPPORTED_PROTOCOLS.contains(protocol)) {
                throw new TlsConfigException("protocols", "\"" + protocol + "\" is not offered; use "
                        + String.join(" and/or ", SUPPORTED_PROTOCOLS));
            }
        }
    }

    public TlsSettings(Path certificate, Path key) {
        this(certificate, key, SUPPORTED_PROTOCOLS);
    }
}
