package io.turnout.admin.config;

import io.turnout.admin.support.BadTlsFiles;
import io.turnout.engine.testsupport.TestPki;
import io.turnout.engine.tls.TlsSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code proxy.tls} in the config file (SPEC §12): read, resolved, and every bad file one line. */
class ConfigLoaderTlsTest {
    private static final TestPki PKI = TestPki.create();

    @TempDir
    Path dir;

    static List<BadTlsFiles.Case> badFiles() {
        return BadTlsFiles.cases(PKI);
    }

    private Path write(Path file, String json) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, json.replace('`', '"'));
    }

    /** The one line, checked for what every config error line must be, without the file's prefix. */
    private static String oneLine(Path file) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(file));
        String line = e.getMessage();
        assertFalse(line.contains("\n") || line.contains("\r"), line);
        assertFalse(line.contains("Exception") || line.contains("at io.") || line.contains("at java."), line);
        assertTrue(line.startsWith(file + ": "), line);
        return line.substring(file.toString().length() + 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void eachCertificateProblemStopsTheLoadWithOneLineNamingTheFieldAndTheFile(BadTlsFiles.Case bad) throws IOException {
        if (bad.deniedToRead()) {
            assumeTrue(BadTlsFiles.denied(bad.file()), "chmod 000 does not stop this user reading the file (root does"
                    + " as it likes); the row with a directory as the path covers \"cannot be read\"");
        }
        String line = oneLine(write(dir.resolve("config.json"), bad.config()));
        String prefix = bad.field() + ": " + (bad.file() == null ? "" : bad.file() + ": ");
        assertTrue(line.startsWith(prefix), () -> "expected <" + prefix + "...>, got <" + line + ">");
        assertTrue(line.contains(bad.reason()), () -> "expected <" + bad.reason() + "> in <" + line + ">");
    }

    @Test
    void relativePathsResolveAgainstTheConfigFilesDirectoryNotTheWorkingDirectory() throws IOException {
        TestPki.Issued issued = PKI.issue("relative.test");
        Path sub = Files.createDirectories(dir.resolve("etc/turnout"));
        Files.copy(issued.chain(), sub.resolve("chain.pem"));
        Files.createDirectories(sub.resolve("private"));
        Files.copy(issued.key(), sub.resolve("private/key.pem"));
        Path config = write(sub.resolve("config.json"), """
                {`proxy`: {`port`: 1, `tls`: {`certificate`: `chain.pem`, `key`: `./private/key.pem`}},
                 `configService`: {`port`: 2}}""");
        assertFalse(Files.exists(Path.of("chain.pem").toAbsolutePath()), "the working directory holds no chain.pem");

        TlsSettings tls = ConfigLoader.load(config).proxy().tls();
        assertEquals(sub.resolve("chain.pem"), tls.certificate());
        assertEquals(sub.resolve("private/key.pem"), tls.key());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), tls.protocols(), "both by default");
    }

    @Test
    void aRelativePathThatIsMissingIsNamedAsResolved() throws IOException {
        Path config = write(dir.resolve("conf/config.json"), """
                {`proxy`: {`port`: 1, `tls`: {`certificate`: `chain.pem`, `key`: `key.pem`}}, `configService`: {`port`: 2}}""");
        assertEquals("proxy.tls.certificate: " + dir.resolve("conf/chain.pem") + ": no such file", oneLine(config));
    }

    @Test
    void anEcCertificateWithOneProtocolLoadsAndTheStartUpLineShowsTheBlock() throws IOException {
        TestPki.Issued ec = PKI.issue("ec.test", "ec", 2);
        Path config = write(dir.resolve("config.json"), "{`proxy`: {`port`: 1, `tls`: {`certificate`: `" + ec.chain()
                + "`, `key`: `" + ec.key() + "`, `protocols`: [`TLSv1.3`]}}, `configService`: {`port`: 2}}");
        TurnoutConfig c = ConfigLoader.load(config);
        assertEquals(new TlsSettings(ec.chain(), ec.key(), List.of("TLSv1.3")), c.proxy().tls());
        assertTrue(c.describe().contains("\"tls\":{\"certificate\":\"" + ec.chain() + "\",\"key\":\"" + ec.key()
                + "\",\"protocols\":[\"TLSv1.3\"]}"), c.describe());
    }

    @Test
    void withoutATlsBlockTheProxySpeaksPlainHttp() throws IOException {
        TurnoutConfig c = ConfigLoader.load(write(dir.resolve("config.json"), "{`proxy`: {`port`: 1}, `configService`: {`port`: 2}}"));
        assertNull(c.proxy().tls());
        assertFalse(c.describe().contains("tls"), c.describe());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            tls not an object      | `tls`: `chain.pem`                                               | proxy.tls: must be an object like {`certificate`: `chain.pem`, `key`: `key.pem`}, was a string
            no certificate         | `tls`: {`key`: `key.pem`}                                        | proxy.tls.certificate: required (a PEM certificate chain
            no key                 | `tls`: {`certificate`: `chain.pem`}                              | proxy.tls.key: required (the certificate's unencrypted PKCS#8 PEM key
            empty certificate path | `tls`: {`certificate`: ` `, `key`: `key.pem`}                    | proxy.tls.certificate: must be a file path
            unknown key            | `tls`: {`certficate`: `chain.pem`, `key`: `key.pem`}             | proxy.tls.certficate: unknown key (did you mean certificate?)
            protocols not an array | `tls`: {`certificate`: `c`, `key`: `k`, `protocols`: `TLSv1.3`}  | proxy.tls.protocols: must be an array, was a string
            protocols empty        | `tls`: {`certificate`: `c`, `key`: `k`, `protocols`: []}         | proxy.tls.protocols: must list TLSv1.3, TLSv1.2 or both
            protocol not a string  | `tls`: {`certificate`: `c`, `key`: `k`, `protocols`: [1.3]}      | proxy.tls.protocols[0]: must be a string, was 1.3
            """)
    void aMalformedTlsBlockIsOneLineNamingTheKey(String name, String tls, String expected) throws IOException {
        String line = oneLine(write(dir.resolve("config.json"), "{`proxy`: {`port`: 1, " + tls + "}, `configService`: {`port`: 2}}"));
        String want = expected.replace('`', '"');
        assertTrue(line.startsWith(want), () -> "expected <" + want + "...>, got <" + line + ">");
    }
}
