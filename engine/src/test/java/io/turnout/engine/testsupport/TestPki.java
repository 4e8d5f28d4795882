package io.turnout.engine.testsupport;

import io.turnout.engine.tls.TlsSettings;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority in a temp directory, made with the {@code openssl} command
 * (milliseconds per certificate), and server certificates it signs for 127.0.0.1 and localhost.
 * Tests trust {@link #caFile()} (curl's {@code --cacert}) or {@link #clientContext()} (the JDK's
 * clients), never "insecure" modes, so a wrong certificate fails them.
 */
public final class TestPki {
    private final Path dir;
    private final Path caCert;
    private final Path caKey;
    private int serial;

    private TestPki(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.pem");
        this.caKey = dir.resolve("ca.key");
    }

    /** A new CA, "Turnout Test CA", valid for two days. */
    public static TestPki create() {
        try {
            TestPki pki = new TestPki(Files.createTempDirectory("turnout-pki"));
            Runtime.getRuntime().addShutdownHook(new Thread(pki::deleteFiles)); // tests may use it until the JVM ends
            pki.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", pki.caKey.toString(), "-out", pki.caCert.toString(), "-days", "2",
                    "-subj", "/CN=Turnout Test CA");
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void deleteFiles() {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory: the system cleans it eventually
        }
    }

    public Path dir() {
        return dir;
    }

    public Path caFile() {
        return caCert;
    }

    /** An RSA 2048 server certificate for {@code commonName}, chain file with the CA after it. */
    public Issued issue(String commonName) {
        return issue(commonName, "rsa:2048", 2);
    }

    /**
     * A server certificate: {@code keySpec} as {@code openssl req -newkey} takes it
     * ({@code rsa:2048}, {@code ec -pkeyopt ...} is not needed: use {@code ec} for P-256), valid for
     * {@code days} (-1 makes it expired at once).
     */
    public Issued issue(String commonName, String keySpec, int days) {
        String name = "server" + (++serial);
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path leaf = dir.resolve(name + ".leaf.pem");
        Path chain = dir.resolve(name + ".pem");
        Path ext = dir.resolve(name + ".ext");
        try {
            List<String> newKey = new ArrayList<>(List.of("req", "-newkey", keySpec));
            if (keySpec.equals("ec")) {
                newKey.addAll(List.of("-pkeyopt", "ec_paramgen_curve:P-256"));
            }
            newKey.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + commonName));
            openssl(newKey.toArray(new String[0]));
            Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
            openssl("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                    "-set_serial", String.valueOf(1000 + serial), "-out", leaf.toString(), "-days", String.valueOf(days),
                    "-extfile", ext.toString());
            Files.writeString(chain, Files.readString(leaf) + Files.readString(caCert));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Issued(chain, key, commonName);
    }

    /** Runs {@code openssl args...} in the PKI's directory; its output goes to a log file there. */
    public void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException("openssl " + String.join(" ", args) + " failed: " + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** An {@link SSLContext} for clients that trusts this CA and nothing else. */
    public SSLContext clientContext() {
        try (InputStream in = Files.newInputStream(caCert)) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate chain (leaf, then CA) and its PKCS#8 key, as files. */
    public record Issued(Path chain, Path key, String commonName) {
        public TlsSettings settings() {
            return new TlsSettings(chain, key);
        }
    }
}
