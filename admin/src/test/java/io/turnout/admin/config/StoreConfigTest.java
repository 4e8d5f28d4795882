package io.turnout.admin.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §10's {@code store.etcd} block in the config file. */
class StoreConfigTest {
    private static final String BASE = "`proxy`: {`port`: 1}, `configService`: {`port`: 2}";

    @TempDir
    Path dir;

    private Path write(String json) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json.replace('`', '"'));
        return file;
    }

    @Test
    void etcdBlockLoadsWithDefaults() throws IOException {
        TurnoutConfig c = ConfigLoader.load(write("{" + BASE + ", `store`: {`etcd`: {`endpoints`: "
                + "[`http://127.0.0.1:2379`, `http://[::1]:22379/`]}}}"));
        EtcdSpec etcd = c.store();
        assertEquals(List.of(new EtcdEndpoint("127.0.0.1", 2379), new EtcdEndpoint("::1", 22379)), etcd.endpoints());
        assertEquals("/turnout/", etcd.prefix());
        assertEquals(Duration.ofSeconds(2), etcd.dialTimeout());
        assertNull(etcd.name());
        assertEquals("http://[::1]:22379", etcd.endpoints().get(1).toString());
        assertTrue(c.describe().contains("\"store\":{\"etcd\":{\"endpoints\":[\"http://127.0.0.1:2379\","
                + "\"http://[::1]:22379\"],\"prefix\":\"/turnout/\",\"dialTimeout\":2}}"), c.describe());
    }

    @Test
    void everyEtcdFieldCanBeSet() throws IOException {
        EtcdSpec etcd = ConfigLoader.load(write("{" + BASE + ", `store`: {`etcd`: {`endpoints`: [`http://e1:2379`], "
                + "`prefix`: `/shop/`, `dialTimeout`: 0.5, `name`: `proxy-b`}}}")).store();
        assertEquals("/shop/", etcd.prefix());
        assertEquals(Duration.ofMillis(500), etcd.dialTimeout());
        assertEquals("proxy-b", etcd.name());
    }

    @Test
    void withoutStoreTheClustersAreTheProxysOwn() throws IOException {
        assertNull(ConfigLoader.load(write("{" + BASE + "}")).store());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            stateFile with store.etcd | `stateFile`: `s.json`, `store`: {`etcd`: {`endpoints`: [`http://h:2379`]}} | stateFile: cannot be used with store.etcd: the clusters live in etcd, one source of truth; remove stateFile (or store)
            containers with store     | `store`: {`etcd`: {`endpoints`: [`http://h:2379`]}}, `clusters`: [{`containers`: [{`image`: `app`, `portToProxy`: 80}]}] | clusters[0].containers: Docker-managed clusters are refused while store.etcd is set
            store without etcd        | `store`: {}                                                          | store.etcd: required
            unknown store key         | `store`: {`consul`: {}}                                              | store.consul: unknown key
            unknown etcd key          | `store`: {`etcd`: {`endpoints`: [`http://h:2379`], `endpoint`: 1}}   | store.etcd.endpoint: unknown key
            no endpoints              | `store`: {`etcd`: {}}                                                | store.etcd.endpoints: required
            empty endpoints           | `store`: {`etcd`: {`endpoints`: []}}                                 | store.etcd.endpoints: must list at least one member
            https endpoint            | `store`: {`etcd`: {`endpoints`: [`https://h:2379`]}}                 | store.etcd.endpoints[0]: https is not supported yet
            endpoint without port     | `store`: {`etcd`: {`endpoints`: [`http://h`]}}                       | store.etcd.endpoints[0]: must be http://host:port
            endpoint with a path      | `store`: {`etcd`: {`endpoints`: [`http://h:1/v3`]}}                  | store.etcd.endpoints[0]: must be http://host:port
            endpoint twice            | `store`: {`etcd`: {`endpoints`: [`http://h:1`, `http://h:1/`]}}      | store.etcd.endpoints[1]: listed twice
            prefix without slash      | `store`: {`etcd`: {`endpoints`: [`http://h:1`], `prefix`: `/t`}}     | store.etcd.prefix: must end with /
            dialTimeout zero          | `store`: {`etcd`: {`endpoints`: [`http://h:1`], `dialTimeout`: 0}}   | store.etcd.dialTimeout: must be more than 0
            name with a space         | `store`: {`etcd`: {`endpoints`: [`http://h:1`], `name`: `a b`}}      | store.etcd.name: must be 1-128 letters
            """)
    void badStoreGivesOneLineNamingTheField(String name, String fields, String expected) throws IOException {
        Path file = write("{" + BASE + ", " + fields + "}");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(file));
        String message = e.getMessage().substring(file.toString().length() + 2);
        assertTrue(message.startsWith(expected.replace('`', '"')), () -> "expected <" + expected + "> at the start of <"
                + message + ">");
        assertEquals(1, e.getMessage().lines().count());
    }
}
