package io.turnout.admin.support;

import io.turnout.engine.testsupport.TestPki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * One row per way a {@code proxy.tls} block can fail to load (SPEC §12), each with its real files
 * made by {@link TestPki} and {@code openssl}: the config's tls block, the field and the file the
 * one line must name, and a phrase of the reason. {@code ConfigLoaderTlsTest} runs the rows
 * through the loader and {@code TurnoutLauncherTlsTest} through a real process.
 */
public final class BadTlsFiles {
    /**
     * @param tlsJson      the {@code proxy.tls} object
     * @param field        what the line names after the file: {@code proxy.tls.key}
     * @param file         the file the line names, or {@code null} when the field is not a file
     * @param reason       a phrase the line holds
     * @param deniedToRead made unreadable with chmod 000: root reads it anyway, so the row is then skipped
     */
    public record Case(String name, String tlsJson, String field, Path file, String reason, boolean deniedToRead) {
        @Override
        public String toString() {
            return name;
        }

        /** A whole config file around {@link #tlsJson}, with ports the OS picks. */
        public String config() {
            return "{\"proxy\": {\"port\": 0, \"hostname\": \"127.0.0.1\", \"tls\": " + tlsJson + "}, "
                    + "\"configService\": {\"port\": 0}}";
        }
    }

    private BadTlsFiles() {
    }

    /** The rows, their files written into {@code pki}'s directory. */
    public static List<Case> cases(TestPki pki) {
        try {
            Path dir = pki.dir();
            TestPki.Issued good = pki.issue("good.test");
            TestPki.Issued other = pki.issue("other.test");
            TestPki.Issued expired = pki.issue("expired.test", "rsa:2048", -1);

            Path missing = dir.resolve("missing.pem");
            Path unreadable = Files.copy(good.key(), dir.resolve("unreadable.key"));
            Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
            Path directory = Files.createDirectories(dir.resolve("a-directory.pem"));
            Path notPem = Files.writeString(dir.resolve("not-pem.pem"), "this is not a certificate\n");
            Path notPemKey = Files.writeString(dir.resolve("not-pem.key"), "this is not a key\n");
            Path pkcs1 = dir.resolve("pkcs1.key");
            pki.openssl("pkey", "-in", good.key().toString(), "-traditional", "-out", pkcs1.toString());
            Path encrypted = dir.resolve("encrypted.key");
            pki.openssl("pkcs8", "-topk8", "-in", good.key().toString(), "-out", encrypted.toString(),
                    "-passout", "pass:secret");
            Path edCert = dir.resolve("ed25519.pem");
            Path edKey = dir.resolve("ed25519.key");
            pki.openssl("req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", edKey.toString(),
                    "-out", edCert.toString(), "-days", "2", "-subj", "/CN=ed25519.test");

            return List.of(
                    new Case("missing certificate file", tls(missing, good.key()), "proxy.tls.certificate", missing,
                            "no such file", false),
                    new Case("missing key file", tls(good.chain(), missing), "proxy.tls.key", missing,
                            "no such file", false),
                    new Case("unreadable key (chmod 000)", tls(good.chain(), unreadable), "proxy.tls.key", unreadable,
                            "cannot be read", true),
                    new Case("a directory as the certificate", tls(directory, good.key()), "proxy.tls.certificate",
                            directory, "cannot be read", false),
                    new Case("certificate not PEM", tls(notPem, good.key()), "proxy.tls.certificate", notPem,
                            "not a PEM certificate chain", false),
                    new Case("key not PEM", tls(good.chain(), notPemKey), "proxy.tls.key", notPemKey,
                            "holds no -----BEGIN PRIVATE KEY----- block", false),
                    new Case("PKCS#1 key", tls(good.chain(), pkcs1), "proxy.tls.key", pkcs1,
                            "PKCS#1/SEC1 (BEGIN RSA/EC PRIVATE KEY); Turnout needs PKCS#8 (BEGIN PRIVATE KEY);"
                                    + " convert it with: openssl pkcs8 -topk8 -nocrypt", false),
                    new Case("encrypted key", tls(good.chain(), encrypted), "proxy.tls.key", encrypted,
                            "the key is encrypted; Turnout needs it unencrypted; convert it with:", false),
                    new Case("key of another certificate", tls(good.chain(), other.key()), "proxy.tls.key", other.key(),
                            "the key does not match the certificate in " + good.chain() + " (CN=good.test)", false),
                    new Case("expired certificate", tls(expired.chain(), expired.key()), "proxy.tls.certificate",
                            expired.chain(), "the certificate expired on ", false),
                    new Case("Ed25519 certificate", tls(edCert, edKey), "proxy.tls.certificate", edCert,
                            "unsupported key type", false),
                    new Case("protocol TLSv1.1", "{\"certificate\": " + quoted(good.chain()) + ", \"key\": "
                            + quoted(good.key()) + ", \"protocols\": [\"TLSv1.3\", \"TLSv1.1\"]}", "proxy.tls.protocols",
                            null, "\"TLSv1.1\" is not offered; use TLSv1.3 and/or TLSv1.2", false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"certificate": ..., "key": ...}} with absolute paths. */
    public static String tls(Path certificate, Path key) {
        return "{\"certificate\": " + quoted(certificate) + ", \"key\": " + quoted(key) + "}";
    }

    private static String quoted(Path p) {
        return "\"" + p.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Whether chmod 000 stops this process reading {@code file}; it does not for root. */
    public static boolean denied(Path file) {
        return !Files.isReadable(file);
    }
}
