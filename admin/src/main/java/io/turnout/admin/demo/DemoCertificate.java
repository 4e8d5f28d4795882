package io.turnout.admin.demo;

import io.turnout.admin.config.InvalidConfigException;
import io.turnout.engine.tls.TlsSettings;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The throwaway certificate of {@code scripts/turnout demo -tls}: a self-signed EC P-256
 * certificate for 127.0.0.1 and localhost, made by the JDK's own {@code keytool} into a PKCS12
 * store in a temp directory (so the demo still needs nothing but a JDK), then written out as what
 * {@code proxy.tls} reads: {@code chain.pem} and an unencrypted PKCS#8 {@code key.pem}. The
 * certificate is its own CA, so {@code curl --cacert chain.pem} trusts it and nothing else does.
 * {@link #close} deletes the directory.
 */
public final class DemoCertificate implements AutoCloseable {
    static final String ALIAS = "turnout-demo";
    static final int VALID_DAYS = 30;
    private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);
    /** keytool reads the store's password from this variable, so it never shows in the process list. */
    private static final String PASSWORD_VARIABLE = "TURNOUT_DEMO_STOREPASS";

    private final Path dir;
    private final Path chain;
    private final Path key;
    private final X509Certificate certificate;

    private DemoCertificate(Path dir, Path chain, Path key, X509Certificate certificate) {
        this.dir = dir;
        this.chain = chain;
        this.key = key;
        this.certificate = certificate;
    }

    /**
     * Makes the certificate in a new temp directory.
     *
     * @throws InvalidConfigException one line, when keytool is missing or fails
     */
    public static DemoCertificate create() {
        try {
            return create(Files.createTempDirectory("turnout-demo-tls"));
        } catch (IOException e) {
            throw new InvalidConfigException("demo", "cannot make a temp directory for the TLS certificate ("
                    + e.getMessage() + ")");
        }
    }

    /** Makes the certificate in {@code dir}, which must exist: {@code demo.p12}, {@code chain.pem}, {@code key.pem}. */
    static DemoCertificate create(Path dir) {
        Path store = dir.resolve("demo.p12");
        byte[] secret = new byte[12];
        new SecureRandom().nextBytes(secret);
        String password = HexFormat.of().formatHex(secret);
        keytool(dir, password, "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-dname", "CN=Turnout demo",
                // RFC 6125 §6.4.4: clients match the SAN, not the CN; curl and the JDK both need it.
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", String.valueOf(VALID_DAYS),
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass:env", PASSWORD_VARIABLE, "-noprompt");
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, password.toCharArray());
            }
            Key privateKey = keys.getKey(ALIAS, password.toCharArray());
            Certificate[] certificates = keys.getCertificateChain(ALIAS);
            if (!(privateKey instanceof PrivateKey) || !"PKCS#8".equals(privateKey.getFormat()) || certificates == null) {
                throw new InvalidConfigException("demo", "keytool made " + store + " without a PKCS#8 key and its certificate");
            }
            Path chain = dir.resolve("chain.pem");
            Path key = dir.resolve("key.pem");
            StringBuilder pem = new StringBuilder();
            for (Certificate c : certificates) {
                pem.append(pem("CERTIFICATE", c.getEncoded()));
            }
            Files.writeString(chain, pem, StandardCharsets.US_ASCII);
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            // Key.getEncoded() of a private key is its PKCS#8 PrivateKeyInfo: BEGIN PRIVATE KEY (RFC 7468 §10).
            Files.writeString(key, pem("PRIVATE KEY", privateKey.getEncoded()), StandardCharsets.US_ASCII);
            Files.delete(store);
            return new DemoCertificate(dir, chain, key, (X509Certificate) certificates[0]);
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidConfigException("demo", "cannot convert keytool's " + store + " to PEM (" + e.getMessage() + ")");
        }
    }

    /** RFC 7468 §2: base64 in lines of 64 characters between the BEGIN and END lines. */
    static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    private static void keytool(Path dir, String password, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Path log = dir.resolve("keytool.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put(PASSWORD_VARIABLE, password);
        try {
            Process process = builder.start();
            if (!process.waitFor(KEYTOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new InvalidConfigException("demo", "keytool did not finish within " + KEYTOOL_TIMEOUT.toSeconds()
                        + " s making the TLS certificate (log: " + log + ")");
            }
            if (process.exitValue() != 0) {
                throw new InvalidConfigException("demo", "keytool failed making the TLS certificate: "
                        + String.join(" ", Files.readAllLines(log)).strip());
            }
            Files.delete(log);
        } catch (IOException e) {
            throw new InvalidConfigException("demo", "cannot run " + command.get(0) + " (" + e.getMessage()
                    + "); the demo's TLS certificate needs the JDK's keytool");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidConfigException("demo", "interrupted while keytool made the TLS certificate");
        }
    }

    public Path dir() {
        return dir;
    }

    public Path chain() {
        return chain;
    }

    public Path key() {
        return key;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** {@code proxy.tls} for these files, both protocols. */
    public TlsSettings settings() {
        return new TlsSettings(chain, key);
    }

    /** The command a user copies to fetch {@code https://host:port/} trusting this certificate alone. */
    public String curl(String host, int port) {
        return "curl --cacert " + chain + " https://" + host + ":" + port + "/";
    }

    /** A client context that trusts this certificate and nothing else (the demo's built-in load). */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(ALIAS, certificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the JDK refused its own certificate as a trust anchor", e);
        }
    }

    /** Deletes the files and the directory: the certificate is worthless once the demo stops. */
    @Override
    public void close() {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temp directory left behind is harmless; the OS cleans /tmp
        }
    }
}
