package io.turnout.admin.config;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.turnout.engine.settings.ProxySettings;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything the config file says (SPEC §1), validated. {@link ConfigLoader} builds it.
 *
 * @param source        the file as the user named it, for messages; {@code demo} in demo mode
 * @param proxy         the {@code proxy} block, with the global {@code rollback} block inside
 * @param configService the admin API's address and token
 * @param dockerHost    the {@code dockerHost} block, or {@code null} when absent; see
 *                      {@code DockerProvisioner.forHost}
 * @param stateFile     SPEC §5, or {@code null}
 * @param clusters      the clusters to load at start, in the order the file gives them; with a
 *                      {@code store}, written to etcd only when it holds none (SPEC §10)
 * @param store         the {@code store.etcd} block, or {@code null}: the clusters are this proxy's own
 */
public record TurnoutConfig(String source, ProxySettings proxy, ConfigServiceSpec configService,
        DockerHostSpec dockerHost, Path stateFile, List<ClusterSpec> clusters, EtcdSpec store) {
    public TurnoutConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(configService, "configService");
        clusters = List.copyOf(clusters);
    }

    /** A proxy that keeps its clusters to itself (no {@code store}). */
    public TurnoutConfig(String source, ProxySettings proxy, ConfigServiceSpec configService,
                         DockerHostSpec dockerHost, Path stateFile, List<ClusterSpec> clusters) {
        this(source, proxy, configService, dockerHost, stateFile, clusters, null);
    }

    /** The config as one line of JSON for the start-up log; the admin token is masked. */
    public String describe() {
        JSONObject out = new JSONObject();
        JSONObject p = new JSONObject();
        p.put("hostname", proxy.hostname());
        p.put("port", proxy.port());
        p.put("connectTimeout", ClusterJson.seconds(proxy.connectTimeout()));
        p.put("responseTimeout", ClusterJson.seconds(proxy.responseTimeout()));
        p.put("headTimeout", ClusterJson.seconds(proxy.headTimeout()));
        p.put("bodyTimeout", ClusterJson.seconds(proxy.bodyTimeout()));
        p.put("idleTimeout", ClusterJson.seconds(proxy.idleTimeout()));
        p.put("drainTimeout", ClusterJson.seconds(proxy.drainTimeout()));
        p.put("selectorThreads", proxy.selectorThreads());
        p.put("maxConnections", proxy.maxConnections());
        p.put("maxRetries", proxy.maxRetries());
        if (proxy.tls() != null) {
            JSONObject tls = new JSONObject();
            tls.put("certificate", proxy.tls().certificate().toString());
            tls.put("key", proxy.tls().key().toString());
            tls.put("protocols", proxy.tls().protocols());
            p.put("tls", tls);
        }
        out.put("proxy", p);
        JSONObject cs = new JSONObject();
        cs.put("hostname", configService.hostname());
        cs.put("port", configService.port());
        if (configService.token() != null) {
            cs.put("token", "***");
        }
        out.put("configService", cs);
        if (dockerHost != null) {
            JSONObject d = new JSONObject();
            if (dockerHost.socket() != null) {
                d.put("socket", dockerHost.socket());
            }
            if (dockerHost.ip() != null) {
                d.put("ip", dockerHost.ip());
                d.put("port", dockerHost.port());
            }
            if (dockerHost.stopContainersOnExit()) {
                d.put("stopContainersOnExit", true);
            }
            out.put("dockerHost", d);
        }
        if (stateFile != null) {
            out.put("stateFile", stateFile.toString());
        }
        if (store != null) {
            JSONObject etcd = new JSONObject();
            etcd.put("endpoints", store.endpoints().stream().map(EtcdEndpoint::toString).toList());
            etcd.put("prefix", store.prefix());
            etcd.put("dialTimeout", ClusterJson.seconds(store.dialTimeout()));
            if (store.name() != null) {
                etcd.put("name", store.name());
            }
            JSONObject s = new JSONObject();
            s.put("etcd", etcd);
            out.put("store", s);
        }
        out.put("rollback", ClusterJson.rollbackJson(proxy.rollback()));
        JSONArray cl = new JSONArray(clusters.size());
        for (ClusterSpec c : clusters) {
            cl.add(ClusterJson.toJsonObject(c));
        }
        out.put("clusters", cl);
        return JSON.toJSONString(out);
    }
}
