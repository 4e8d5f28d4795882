package io.turnout.admin.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {

    @Test
    void noArgumentsMeansDefaultConfigFileAndWarn() {
        CommandLine cl = CommandLine.parse();
        assertEquals(Path.of("./config.json"), cl.configFile());
        assertNull(cl.logLevel());
        assertEquals(LogLevel.WARNING, cl.effectiveLogLevel());
        assertFalse(cl.help());
        assertFalse(cl.demo());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-configFile=conf/x.json", "-configFile conf/x.json", "--configFile=conf/x.json",
        "--configFile conf/x.json"})
    void configFileInAllFourSpellings(String args) {
        assertEquals(Path.of("conf/x.json"), CommandLine.parse(args.split(" ")).configFile());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-logLevel=info", "-logLevel INFO", "--logLevel=Info", "--logLevel iNfO"})
    void logLevelInAllFourSpellings(String args) {
        assertEquals(LogLevel.INFO, CommandLine.parse(args.split(" ")).logLevel());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-h", "--h", "-help", "--help"})
    void helpSpellings(String arg) {
        assertTrue(CommandLine.parse(arg).help());
    }

    @Test
    void flagsCombine() {
        CommandLine cl = CommandLine.parse("--logLevel", "DEBUG", "-configFile=a.json", "-h");
        assertEquals(LogLevel.DEBUG, cl.logLevel());
        assertEquals(Path.of("a.json"), cl.configFile());
        assertTrue(cl.help());
    }

    @Test
    void valueMayContainEqualsSign() {
        assertEquals(Path.of("a=b.json"), CommandLine.parse("-configFile=a=b.json").configFile());
    }

    @Test
    void demoIsABareWordAndLogsAtInfoUnlessTold() {
        CommandLine demo = CommandLine.parse("demo");
        assertTrue(demo.demo());
        assertEquals(LogLevel.INFO, demo.effectiveLogLevel());
        assertEquals(LogLevel.WARNING, CommandLine.parse("demo", "-logLevel=WARN").effectiveLogLevel());
    }

    @Test
    void demoTrafficStaysAtWarnSoTheLoadDoesNotFillTheTerminal() {
        CommandLine traffic = CommandLine.parse("demo", "-traffic");
        assertTrue(traffic.demo());
        assertTrue(traffic.traffic());
        assertEquals(LogLevel.WARNING, traffic.effectiveLogLevel());
        assertEquals(LogLevel.INFO, CommandLine.parse("--traffic", "demo", "-logLevel=info").effectiveLogLevel());
        assertFalse(CommandLine.parse("demo").traffic());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -traffic            | -traffic is the demo's built-in load: scripts/turnout demo -traffic; run with -h for usage
            demo -traffic=yes   | -traffic takes no value; run with -h for usage
            demo -trafic        | unknown flag -trafic (did you mean -traffic?); run with -h for usage
            """)
    void trafficIsOnlyForTheDemoAndTakesNoValue(String args, String message) {
        assertEquals(message, assertThrows(CommandLine.UsageException.class,
                () -> CommandLine.parse(args.split(" "))).getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -tls                | -tls is for the demo (scripts/turnout demo -tls); to serve TLS, set proxy.tls in the config file; run with -h for usage
            demo -tls=on        | -tls takes no value; run with -h for usage
            demo -tsl           | unknown flag -tsl (did you mean -tls?); run with -h for usage
            """)
    void tlsIsOnlyForTheDemoAndTakesNoValue(String args, String message) {
        assertEquals(message, assertThrows(CommandLine.UsageException.class,
                () -> CommandLine.parse(args.split(" "))).getMessage());
    }

    @Test
    void demoTlsGoesWithOrWithoutTheTraffic() {
        CommandLine tls = CommandLine.parse("demo", "-tls");
        assertTrue(tls.demo() && tls.tls());
        assertFalse(tls.traffic());
        assertEquals(LogLevel.INFO, tls.effectiveLogLevel());
        CommandLine both = CommandLine.parse("--tls", "demo", "-traffic");
        assertTrue(both.tls() && both.traffic());
        assertFalse(CommandLine.parse("demo").tls());
        assertTrue(CommandLine.usage().contains("scripts/turnout demo [-traffic] [-tls]"), CommandLine.usage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -configfile=x             | unknown flag -configfile (did you mean -configFile?); run with -h for usage
            -port=1                   | unknown flag -port; run with -h for usage
            --logLevl=INFO            | unknown flag -logLevl (did you mean -logLevel?); run with -h for usage
            -logLevel=LOUD            | -logLevel: unknown log level "LOUD"; use CRITICAL, ERROR, WARNING (or WARN), NOTICE, INFO or DEBUG; run with -h for usage
            -logLevel                 | -logLevel needs a value, for example -logLevel=INFO; run with -h for usage
            -configFile=              | -configFile needs a value, for example -configFile=./config.json; run with -h for usage
            -h=true                   | -h takes no value; run with -h for usage
            config.json               | unexpected argument "config.json"; run with -h for usage
            -                         | unexpected argument "-"; run with -h for usage
            demo -configFile=x.json   | demo runs without a config file; drop -configFile or drop demo; run with -h for usage
            -logLevel=INFO -logLevel=DEBUG | -logLevel given twice; run with -h for usage
            """)
    void mistakesAreOneLineWithAHint(String args, String expected) {
        CommandLine.UsageException e = assertThrows(CommandLine.UsageException.class,
                () -> CommandLine.parse(args.split(" ")));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void usageHasTheThesisShapeAndOurFlags() {
        String usage = CommandLine.usage();
        assertTrue(usage.startsWith("Usage of turnout:"), usage);
        assertTrue(usage.contains("-configFile=\"./config.json\""), usage);
        assertTrue(usage.contains("-logLevel=\"WARN\""), usage);
        assertTrue(usage.contains("\"proxy\": {"), usage);
        assertTrue(usage.contains("-h: Displays this message"), usage);
        assertTrue(usage.contains("demo"), usage);
        assertTrue(usage.contains("--name value"), usage);
    }
}
