package io.turnout.engine.tls;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * A certificate chain and its private key, read from PEM with the JDK alone (SPEC §12), checked
 * (the key matches the leaf, the leaf is valid now) and made into the {@link SSLContext} that
 * handshakes use. Immutable: a reload builds a new one.
 */
public final class TlsIdentity {
    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";
    private static final char[] NO_PASSWORD = new char[0];

    private final TlsSettings settings;
    private final X509Certificate[] chain;
    private final SSLContext context;

    private TlsIdentity(TlsSettings settings, X509Certificate[] chain, SSLContext context) {
        this.settings = settings;
        this.chain = chain;
        this.context = context;
    }

    /** Reads and checks the files of {@code settings}; a problem is one {@link TlsConfigException} line. */
    public static TlsIdentity load(TlsSettings settings, Instant now) {
        X509Certificate[] chain = readChain(settings.certificate());
        X509Certificate leaf = chain[0];
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new TlsConfigException("certificate", settings.certificate() + ": the certificate expired on "
                    + leaf.getNotAfter().toInstant() + "; renew it");
        } catch (CertificateNotYetValidException e) {
            throw new TlsConfigException("certificate", settings.certificate() + ": the certificate is not valid before "
                    + leaf.getNotBefore().toInstant() + "; check the clock or the certificate");
        }
        String algorithm = leaf.getPublicKey().getAlgorithm();
        if (!algorithm.equals("RSA") && !algorithm.equals("EC")) {
            throw new TlsConfigException("certificate", settings.certificate() + ": unsupported key type " + algorithm
                    + " in the certificate; use an RSA or EC key");
        }
        PrivateKey key = readKey(settings.key(), leaf.getPublicKey());
        if (!matches(key, leaf.getPublicKey())) {
            throw new TlsConfigException("key", settings.key() + ": the key does not match the certificate in "
                    + settings.certificate() + " (" + leaf.getSubjectX500Principal().getName() + ")");
        }
        return new TlsIdentity(settings, chain, context(settings, chain, key));
    }

    public TlsSettings settings() {
        return settings;
    }

    public SSLContext context() {
        return context;
    }

    /** The leaf's subject, as RFC 2253 writes it ({@code CN=example.com,O=...}). */
    public String subject() {
        return chain[0].getSubjectX500Principal().getName();
    }

    public String issuer() {
        return chain[0].getIssuerX500Principal().getName();
    }

    public Instant notAfter() {
        return chain[0].getNotAfter().toInstant();
    }

    public Instant notBefore() {
        return chain[0].getNotBefore().toInstant();
    }

    /** Certificates in the chain, the leaf first. */
    public int chainLength() {
        return chain.length;
    }

    private static X509Certificate[] readChain(Path file) {
        byte[] pem = read("certificate", file);
        List<? extends java.security.cert.Certificate> certificates;
        try {
            certificates = List.copyOf(CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)));
        } catch (CertificateException e) {
            throw new TlsConfigException("certificate", file + ": not a PEM certificate chain ("
                    + firstLine(e) + "); it must hold -----BEGIN CERTIFICATE----- blocks, the server's first");
        }
        if (certificates.isEmpty()) {
            throw new TlsConfigException("certificate", file + ": holds no -----BEGIN CERTIFICATE----- block");
        }
        X509Certificate[] chain = new X509Certificate[certificates.size()];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = (X509Certificate) certificates.get(i);
        }
        return chain;
    }

    private static PrivateKey readKey(Path file, PublicKey certified) {
        String pem = new String(read("key", file), StandardCharsets.US_ASCII);
        int begin = pem.indexOf(KEY_BEGIN);
        int end = pem.indexOf(KEY_END);
        if (begin < 0 || end < begin) {
            throw new TlsConfigException("key", file + ": " + whyNotPkcs8(pem));
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + KEY_BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new TlsConfigException("key", file + ": the PRIVATE KEY block is not base64");
        }
        String algorithm = certified.getAlgorithm();
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
            throw new TlsConfigException("key", file + ": not an " + algorithm
                    + " PKCS#8 key, as the certificate's public key is; an RSA or EC key that matches the certificate is needed");
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("key", file + ": " + firstLine(e), e);
        }
    }

    /** What the file is instead, and the one command that converts it. */
    private static String whyNotPkcs8(String pem) {
        String convert = "; convert it with: openssl pkcs8 -topk8 -nocrypt -in OLD.pem -out key.pem";
        if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            return "the key is encrypted; Turnout needs it unencrypted" + convert;
        }
        if (pem.contains("-----BEGIN RSA PRIVATE KEY-----") || pem.contains("-----BEGIN EC PRIVATE KEY-----")) {
            return "the key is PKCS#1/SEC1 (BEGIN RSA/EC PRIVATE KEY); Turnout needs PKCS#8 (BEGIN PRIVATE KEY)" + convert;
        }
        return "holds no -----BEGIN PRIVATE KEY----- block (a PKCS#8 PEM key)";
    }

    /** Signs with the key and verifies with the certificate: works alike for RSA and EC. */
    private static boolean matches(PrivateKey key, PublicKey certified) {
        String algorithm = certified.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "turnout key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // an EC key on another curve, for one: it does not match
        }
    }

    private static SSLContext context(TlsSettings settings, X509Certificate[] chain, PrivateKey key) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("turnout", key, NO_PASSWORD, chain);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, NO_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsConfigException("certificate", settings.certificate() + ": the JDK refused the certificate and key ("
                    + firstLine(e) + ")", e);
        }
    }

    private static byte[] read(String field, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsConfigException(field, file + ": no such file");
        } catch (IOException e) {
            throw new TlsConfigException(field, file + ": cannot be read (" + firstLine(e) + ")");
        }
    }

    private static String firstLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
