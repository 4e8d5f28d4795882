package io.turnout.admin.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The config file's {@code store.etcd} block (SPEC §10): the clusters live in etcd, shared by a
 * fleet of proxies.
 *
 * @param endpoints   the members' client URLs, tried in this order
 * @param prefix      every key Turnout writes starts with it; clusters are {@code <prefix>clusters/<uuid>}
 * @param dialTimeout the longest wait to connect to one member
 * @param name        how this proxy is named to the others (in a rollback it decided), or
 *                    {@code null} for {@code <host name>:<configService.port>}
 */
public record EtcdSpec(List<EtcdEndpoint> endpoints, String prefix, Duration dialTimeout, String name) {
    public static final String DEFAULT_PREFIX = "/turnout/";
    public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(2);
    static final List<String> STORE_KEYS = List.of("etcd");
    static final List<String> ETCD_KEYS = List.of("endpoints", "prefix", "dialTimeout", "name");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");
    private static final String EXAMPLE = "{\"etcd\": {\"endpoints\": [\"http://127.0.0.1:2379\"]}}";

    public EtcdSpec {
        endpoints = List.copyOf(endpoints);
    }

    /** The {@code store} block, or {@code null} when the config has none. */
    static EtcdSpec parse(JsonFields top) {
        JsonFields store = top.object("store", EXAMPLE);
        if (store == null) {
            return null;
        }
        store.allowOnly(STORE_KEYS);
        JsonFields etcd = store.object("etcd", "{\"endpoints\": [\"http://127.0.0.1:2379\"]}");
        if (etcd == null) {
            throw new InvalidConfigException(store.path("etcd"), "required; the store is " + EXAMPLE);
        }
        etcd.allowOnly(ETCD_KEYS);
        if (!etcd.has("endpoints")) {
            throw new InvalidConfigException(etcd.path("endpoints"),
                    "required: the members' client URLs, like [\"http://127.0.0.1:2379\"]");
        }
        List<String> urls = etcd.strings("endpoints");
        if (urls.isEmpty()) {
            throw new InvalidConfigException(etcd.path("endpoints"),
                    "must list at least one member, like [\"http://127.0.0.1:2379\"]");
        }
        List<EtcdEndpoint> endpoints = new ArrayList<>(urls.size());
        for (int i = 0; i < urls.size(); i++) {
            EtcdEndpoint endpoint;
            try {
                endpoint = EtcdEndpoint.parse(urls.get(i));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(Shown.element(etcd.path("endpoints"), i), e.getMessage());
            }
            if (endpoints.contains(endpoint)) {
                throw new InvalidConfigException(Shown.element(etcd.path("endpoints"), i), "listed twice");
            }
            endpoints.add(endpoint);
        }
        String prefix = etcd.string("prefix");
        if (prefix == null) {
            prefix = DEFAULT_PREFIX;
        } else if (prefix.isEmpty() || !prefix.endsWith("/") || prefix.chars().anyMatch(c -> Character.isISOControl(c))) {
            throw new InvalidConfigException(etcd.path("prefix"), "must end with / and hold no control characters, like "
                    + "\"" + DEFAULT_PREFIX + "\", was " + Shown.value(prefix));
        }
        Duration dial = etcd.seconds("dialTimeout", false, 60);
        String name = etcd.string("name");
        if (name != null && !NAME.matcher(name).matches()) {
            throw new InvalidConfigException(etcd.path("name"), "must be 1-128 letters, digits, '.', '_', ':', '@' or "
                    + "'-', starting with a letter or digit, was " + Shown.value(name));
        }
        return new EtcdSpec(endpoints, prefix, dial == null ? DEFAULT_DIAL_TIMEOUT : dial, name);
    }
}
