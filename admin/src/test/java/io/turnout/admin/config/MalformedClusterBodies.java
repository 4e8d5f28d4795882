package io.turnout.admin.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Cluster bodies that must be refused, each with the text its error message must contain (the
 * field's path and the start of the reason). {@code ClusterJsonTest} runs them against
 * {@link ClusterJson#parseBody}; the admin API's HTTP tests can PUT the same rows and expect a
 * 400 whose body contains {@link Row#expected()}.
 *
 * <p>In the table a backtick stands for a double quote, to keep the JSON readable.
 */
public final class MalformedClusterBodies {

    /**
     * @param name     what is wrong, for the test report
     * @param body     the request body, exactly as sent
     * @param expected a substring the error message must contain
     */
    public record Row(String name, String body, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String SERVERS = "`servers`:[{`hostname`:`127.0.0.1`,`port`:1034}]";
    private static final String VALID = "{`cluster`:{`version`:`1.0`," + SERVERS + "}}";

    private MalformedClusterBodies() {
    }

    public static List<Row> rows() {
        List<Row> rows = new ArrayList<>();

        // ---- not JSON, or not one JSON object
        rows.add(raw("empty body", "", "body: empty"));
        rows.add(raw("blank body", "  \n ", "body: empty"));
        rows.add(raw("null", "null", "body: must be a JSON object"));
        rows.add(raw("array at top", "[" + VALID + "]", "body: must be a JSON object"));
        rows.add(raw("string at top", "`cluster`", "body: must be a JSON object"));
        rows.add(raw("number at top", "42", "body: must be a JSON object"));
        rows.add(raw("trailing garbage", VALID + "x", "body: not valid JSON (unexpected 'x' after the JSON value ended"));
        rows.add(raw("two objects", VALID + VALID, "body: not valid JSON (unexpected '{' after the JSON value ended"));
        rows.add(raw("single-quoted key", "{'cluster':{" + SERVERS + "}}", "body: not valid JSON (single quotes"));
        rows.add(cluster("single-quoted value", "`version`:'1.0'," + SERVERS, "body: not valid JSON (single quotes"));
        rows.add(cluster("trailing comma in object", SERVERS + ",", "body: not valid JSON (trailing comma before '}'"));
        rows.add(cluster("trailing comma in array",
                "`servers`:[{`hostname`:`127.0.0.1`,`port`:1034},]", "body: not valid JSON (trailing comma before ']'"));
        rows.add(cluster("missing comma", "`version`:`1.0` " + SERVERS, "body: not valid JSON (expected ',' or '}'"));
        rows.add(cluster("unquoted key", "version:`1.0`," + SERVERS, "body: not valid JSON (keys must be in double quotes"));
        rows.add(raw("comment", "/* c */" + VALID, "body: not valid JSON (comments are not JSON"));
        rows.add(cluster("NaN", "`servers`:[{`hostname`:`h`,`port`:NaN}]", "body: not valid JSON (NaN and Infinity"));
        rows.add(cluster("Infinity", "`servers`:[{`hostname`:`h`,`port`:Infinity}]", "NaN and Infinity are not JSON"));
        rows.add(cluster("leading zero", "`servers`:[{`hostname`:`h`,`port`:080}]", "body: not valid JSON (numbers may not have leading zeros"));
        rows.add(cluster("plus sign", "`servers`:[{`hostname`:`h`,`port`:+80}]", "body: not valid JSON (a number must start with a digit"));
        rows.add(cluster("hex number", "`servers`:[{`hostname`:`h`,`port`:0x50}]", "body: not valid JSON (expected ',' or '}', found 'x'"));
        rows.add(raw("truncated", "{`cluster`:{`version`:`1.0`", "body: not valid JSON (unexpected end of input"));
        rows.add(raw("unterminated string", "{`cluster`:{`version`:`1.0}}", "body: not valid JSON (unterminated string"));
        rows.add(cluster("raw control character", "`version`:`1.0\u0001`," + SERVERS, "body: not valid JSON (control character"));
        rows.add(cluster("bad escape", "`version`:`1\\x0`," + SERVERS, "body: not valid JSON (invalid escape \\x"));
        rows.add(raw("nested too deep", "{`cluster`:" + "[".repeat(40) + "]".repeat(40) + "}", "nested deeper than 32 levels"));
        rows.add(raw("duplicate cluster key", "{`cluster`:{" + SERVERS + "},`cluster`:{" + SERVERS + "}}",
                "cluster: duplicate key"));
        rows.add(cluster("duplicate server key", "`servers`:[{`hostname`:`h`,`port`:80,`port`:81}]",
                "cluster.servers[0].port: duplicate key"));

        // ---- the body's shape
        rows.add(raw("unknown top-level key", "{`clusterr`:{" + SERVERS + "}}", "clusterr: unknown key"));
        rows.add(raw("cluster not wrapped", "{`version`:`1.0`," + SERVERS + "}", "version: unknown key; wrap the cluster"));
        rows.add(raw("no cluster", "{}", "cluster: required"));
        rows.add(raw("cluster is an array", "{`cluster`:[]}", "cluster: must be an object"));
        rows.add(raw("cluster is null", "{`cluster`:null}", "cluster: must be an object"));
        rows.add(cluster("unknown cluster key", "`verison`:`1.0`," + SERVERS, "cluster.verison: unknown key (did you mean version?)"));
        rows.add(cluster("read-only field", "`transitionCounter`:5," + SERVERS, "cluster.transitionCounter: read-only"));

        // ---- uuid and version
        rows.add(cluster("version array", "`version`:[1]," + SERVERS, "cluster.version: must be a string or a number, was an array"));
        rows.add(cluster("version object", "`version`:{}," + SERVERS, "cluster.version: must be a string or a number, was an object"));
        rows.add(cluster("version boolean", "`version`:true," + SERVERS, "cluster.version: must be a string or a number, was a boolean"));
        rows.add(cluster("version null", "`version`:null," + SERVERS, "cluster.version: must be a string or a number, was null"));
        rows.add(cluster("version empty", "`version`:``," + SERVERS, "cluster.version: must not be empty"));
        rows.add(cluster("version too long", "`version`:`" + "1".repeat(65) + "`," + SERVERS, "cluster.version: longer than 64"));
        rows.add(cluster("version huge number", "`version`:1e999," + SERVERS, "cluster.version: number too large"));
        rows.add(cluster("uuid number", "`uuid`:12," + SERVERS, "cluster.uuid: must be a string, was 12"));
        rows.add(cluster("uuid with a semicolon", "`uuid`:`a;b`," + SERVERS, "cluster.uuid: must be 1-64 letters"));

        // ---- servers
        rows.add(cluster("servers object", "`servers`:{`hostname`:`h`,`port`:80}", "cluster.servers: must be an array, was an object"));
        rows.add(cluster("servers empty", "`servers`:[]", "cluster.servers: must list at least one server"));
        rows.add(cluster("no servers", "`version`:`1.0`", "cluster.servers: must list at least one server"));
        rows.add(cluster("server is a string", "`servers`:[`127.0.0.1:80`]", "cluster.servers[0]: must be an object"));
        rows.add(cluster("server without host", "`servers`:[{`port`:80}]", "cluster.servers[0].hostname: required"));
        rows.add(cluster("hostname and ip", "`servers`:[{`hostname`:`h`,`ip`:`10.0.0.1`,`port`:80}]",
                "cluster.servers[0].ip: give hostname or ip, not both"));
        rows.add(cluster("hostname number", "`servers`:[{`hostname`:127,`port`:80}]", "cluster.servers[0].hostname: must be a string"));
        rows.add(cluster("hostname empty", "`servers`:[{`hostname`:``,`port`:80}]", "cluster.servers[0].hostname: must not be empty"));
        rows.add(cluster("hostname with a space", "`servers`:[{`hostname`:`a b`,`port`:80}]",
                "cluster.servers[0].hostname: must be a host name or IP address"));
        rows.add(cluster("ip null", "`servers`:[{`ip`:null,`port`:80}]", "cluster.servers[0].ip: must be a string, was null"));
        rows.add(cluster("unknown server key", "`servers`:[{`hostname`:`h`,`prot`:80}]",
                "cluster.servers[0].prot: unknown key (did you mean port?)"));
        rows.add(cluster("port missing", "`servers`:[{`hostname`:`h`}]", "cluster.servers[0].port: required"));
        rows.add(cluster("port 0", "`servers`:[{`hostname`:`h`,`port`:0}]", "cluster.servers[0].port: must be 1-65535, was 0"));
        rows.add(cluster("port 70000 on the second server", "`servers`:[{`hostname`:`h`,`port`:80},{`hostname`:`h`,`port`:70000}]",
                "cluster.servers[1].port: must be 1-65535, was 70000"));
        rows.add(cluster("port -1", "`servers`:[{`hostname`:`h`,`port`:-1}]", "cluster.servers[0].port: must be 1-65535, was -1"));
        rows.add(cluster("port as a string", "`servers`:[{`hostname`:`h`,`port`:`80`}]",
                "cluster.servers[0].port: must be a number 1-65535, was a string `80`"));
        rows.add(cluster("port 80.5", "`servers`:[{`hostname`:`h`,`port`:80.5}]",
                "cluster.servers[0].port: must be a whole number 1-65535, was 80.5"));
        rows.add(cluster("port huge", "`servers`:[{`hostname`:`h`,`port`:99999999999999999999999}]",
                "cluster.servers[0].port: must be 1-65535, was 99999999999999999999999"));
        rows.add(cluster("port 1e999", "`servers`:[{`hostname`:`h`,`port`:1e999}]", "cluster.servers[0].port: must be 1-65535"));
        rows.add(cluster("port boolean", "`servers`:[{`hostname`:`h`,`port`:true}]",
                "cluster.servers[0].port: must be a number 1-65535, was true"));
        rows.add(cluster("port null", "`servers`:[{`hostname`:`h`,`port`:null}]", "cluster.servers[0].port: must be a number 1-65535, was null"));

        // ---- upgradeTransition
        rows.add(cluster("upgradeTransition string", SERVERS + ",`upgradeTransition`:`SESSION`",
                "cluster.upgradeTransition: must be an object"));
        rows.add(cluster("misspelt sessionTimeout", SERVERS + ",`upgradeTransition`:{`mode`:`SESSION`,`sesionTimeout`:60}",
                "cluster.upgradeTransition.sesionTimeout: unknown key (did you mean sessionTimeout?)"));
        rows.add(cluster("mode FAST", SERVERS + ",`upgradeTransition`:{`mode`:`FAST`}",
                "cluster.upgradeTransition.mode: must be INSTANT, SESSION, GRADUAL or CONCURRENT, was a string `FAST`"));
        rows.add(cluster("mode number", SERVERS + ",`upgradeTransition`:{`mode`:1}", "cluster.upgradeTransition.mode: must be INSTANT"));
        rows.add(cluster("mode null", SERVERS + ",`upgradeTransition`:{`mode`:null}", "cluster.upgradeTransition.mode: must be INSTANT"));
        rows.add(cluster("SESSION without sessionTimeout", SERVERS + ",`upgradeTransition`:{`mode`:`SESSION`}",
                "cluster.upgradeTransition.sessionTimeout: required for mode SESSION (seconds, > 0)"));
        rows.add(cluster("sessionTimeout 0", SERVERS + ",`upgradeTransition`:{`mode`:`SESSION`,`sessionTimeout`:0}",
                "cluster.upgradeTransition.sessionTimeout: must be 1-2147483647, was 0"));
        rows.add(cluster("sessionTimeout -5", SERVERS + ",`upgradeTransition`:{`mode`:`SESSION`,`sessionTimeout`:-5}",
                "cluster.upgradeTransition.sessionTimeout: must be 1-2147483647, was -5"));
        rows.add(cluster("sessionTimeout as a string", SERVERS + ",`upgradeTransition`:{`mode`:`SESSION`,`sessionTimeout`:`60`}",
                "cluster.upgradeTransition.sessionTimeout: must be a number"));
        rows.add(cluster("sessionTimeout 60.5", SERVERS + ",`upgradeTransition`:{`mode`:`SESSION`,`sessionTimeout`:60.5}",
                "cluster.upgradeTransition.sessionTimeout: must be a whole number"));
        rows.add(cluster("sessionTimeout with INSTANT", SERVERS + ",`upgradeTransition`:{`mode`:`INSTANT`,`sessionTimeout`:60}",
                "cluster.upgradeTransition.sessionTimeout: only allowed with mode SESSION"));
        rows.add(cluster("sessionTimeout without mode", SERVERS + ",`upgradeTransition`:{`sessionTimeout`:60}",
                "cluster.upgradeTransition.sessionTimeout: only allowed with mode SESSION; this cluster's mode is INSTANT"));
        rows.add(cluster("GRADUAL without percentage", SERVERS + ",`upgradeTransition`:{`mode`:`GRADUAL`}",
                "cluster.upgradeTransition.percentageTransitionPerRequest: required for mode GRADUAL"));
        rows.add(cluster("percentage 0", SERVERS + ",`upgradeTransition`:{`mode`:`GRADUAL`,`percentageTransitionPerRequest`:0}",
                "cluster.upgradeTransition.percentageTransitionPerRequest: must be more than 0 and at most 100, was 0"));
        rows.add(cluster("percentage 101", SERVERS + ",`upgradeTransition`:{`mode`:`GRADUAL`,`percentageTransitionPerRequest`:101}",
                "cluster.upgradeTransition.percentageTransitionPerRequest: must be more than 0 and at most 100, was 101"));
        rows.add(cluster("percentage as a string", SERVERS + ",`upgradeTransition`:{`mode`:`GRADUAL`,`percentageTransitionPerRequest`:`5`}",
                "cluster.upgradeTransition.percentageTransitionPerRequest: must be a number"));
        rows.add(cluster("percentage with SESSION", SERVERS
                        + ",`upgradeTransition`:{`mode`:`SESSION`,`sessionTimeout`:60,`percentageTransitionPerRequest`:5}",
                "cluster.upgradeTransition.percentageTransitionPerRequest: only allowed with mode GRADUAL"));
        rows.add(cluster("GRADUAL with both percentages", SERVERS + ",`upgradeTransition`:{`mode`:`GRADUAL`,"
                        + "`percentageTransitionPerRequest`:1,`percentageTransitionPerMinute`:1}",
                "cluster.upgradeTransition.percentageTransitionPerMinute: give percentageTransitionPerRequest or "
                        + "percentageTransitionPerMinute, not both"));
        rows.add(cluster("per-minute 0", SERVERS + ",`upgradeTransition`:{`mode`:`GRADUAL`,`percentageTransitionPerMinute`:0}",
                "cluster.upgradeTransition.percentageTransitionPerMinute: must be more than 0 and at most 100, was 0"));
        rows.add(cluster("per-minute 100.5", SERVERS + ",`upgradeTransition`:{`mode`:`GRADUAL`,`percentageTransitionPerMinute`:100.5}",
                "cluster.upgradeTransition.percentageTransitionPerMinute: must be more than 0 and at most 100, was 100.5"));
        rows.add(cluster("per-minute negative", SERVERS + ",`upgradeTransition`:{`mode`:`GRADUAL`,`percentageTransitionPerMinute`:-1}",
                "cluster.upgradeTransition.percentageTransitionPerMinute: must be more than 0 and at most 100, was -1"));
        rows.add(cluster("per-minute as a string", SERVERS + ",`upgradeTransition`:{`mode`:`GRADUAL`,`percentageTransitionPerMinute`:`1`}",
                "cluster.upgradeTransition.percentageTransitionPerMinute: must be a number"));
        rows.add(cluster("per-minute with INSTANT", SERVERS + ",`upgradeTransition`:{`mode`:`INSTANT`,`percentageTransitionPerMinute`:1}",
                "cluster.upgradeTransition.percentageTransitionPerMinute: only allowed with mode GRADUAL; this cluster's mode is INSTANT"));
        rows.add(cluster("per-minute with CONCURRENT", SERVERS + ",`upgradeTransition`:{`mode`:`CONCURRENT`,`percentageTransitionPerMinute`:1}",
                "cluster.upgradeTransition.percentageTransitionPerMinute: only allowed with mode GRADUAL"));
        rows.add(cluster("transitionStart is read-only", "`transitionStart`:`2026-12-01T21:46:02Z`," + SERVERS
                        + ",`upgradeTransition`:{`mode`:`GRADUAL`,`percentageTransitionPerMinute`:1}",
                "cluster.transitionStart: read-only (GET shows it)"));
        rows.add(cluster("mirrorUnsafeMethods with INSTANT", SERVERS + ",`upgradeTransition`:{`mirrorUnsafeMethods`:true}",
                "cluster.upgradeTransition.mirrorUnsafeMethods: only allowed with mode CONCURRENT"));
        rows.add(cluster("mirrorUnsafeMethods as a string", SERVERS + ",`upgradeTransition`:{`mode`:`CONCURRENT`,`mirrorUnsafeMethods`:`yes`}",
                "cluster.upgradeTransition.mirrorUnsafeMethods: must be true or false"));
        rows.add(cluster("rollback not an object", SERVERS + ",`upgradeTransition`:{`rollback`:3}",
                "cluster.upgradeTransition.rollback: must be an object"));
        rows.add(cluster("rollback unknown key", SERVERS + ",`upgradeTransition`:{`rollback`:{`windw`:3}}",
                "cluster.upgradeTransition.rollback.windw: unknown key (did you mean window?)"));
        rows.add(cluster("failureRatio 0", SERVERS + ",`upgradeTransition`:{`rollback`:{`failureRatio`:0}}",
                "cluster.upgradeTransition.rollback.failureRatio: must be more than 0 and at most 1, was 0"));
        rows.add(cluster("failureRatio 1.5", SERVERS + ",`upgradeTransition`:{`rollback`:{`failureRatio`:1.5}}",
                "cluster.upgradeTransition.rollback.failureRatio: must be more than 0 and at most 1, was 1.5"));
        rows.add(cluster("window 0", SERVERS + ",`upgradeTransition`:{`rollback`:{`window`:0}}",
                "cluster.upgradeTransition.rollback.window: must be 1-100000, was 0"));
        rows.add(cluster("consecutiveFailures as a string", SERVERS + ",`upgradeTransition`:{`rollback`:{`consecutiveFailures`:`3`}}",
                "cluster.upgradeTransition.rollback.consecutiveFailures: must be a number"));

        // ---- containers
        rows.add(cluster("containers object", "`containers`:{`image`:`nginx`}", "cluster.containers: must be an array"));
        rows.add(cluster("container without image", "`containers`:[{`portToProxy`:80}]", "cluster.containers[0].image: required"));
        rows.add(cluster("container without portToProxy", "`containers`:[{`image`:`nginx`}]",
                "cluster.containers[0].portToProxy: required"));
        rows.add(cluster("portToProxy 70000", "`containers`:[{`image`:`nginx`,`portToProxy`:70000}]",
                "cluster.containers[0].portToProxy: must be 1-65535, was 70000"));
        rows.add(cluster("environment of numbers", "`containers`:[{`image`:`nginx`,`portToProxy`:80,`environment`:[1]}]",
                "cluster.containers[0].environment[0]: must be a string, was 1"));
        rows.add(cluster("environment without =", "`containers`:[{`image`:`nginx`,`portToProxy`:80,`environment`:[`FOO`]}]",
                "cluster.containers[0].environment[0]: must be `NAME=value`"));
        rows.add(cluster("cmd as a string", "`containers`:[{`image`:`nginx`,`portToProxy`:80,`cmd`:`nginx -g`}]",
                "cluster.containers[0].cmd: must be an array"));
        rows.add(cluster("networkMode bridge", "`containers`:[{`image`:`nginx`,`portToProxy`:80,`networkMode`:`bridge`}]",
                "cluster.containers[0].networkMode: must be `host` or `default`"));
        rows.add(cluster("readyTimeout 0", "`containers`:[{`image`:`nginx`,`portToProxy`:80,`readyTimeout`:0}]",
                "cluster.containers[0].readyTimeout: must be more than 0"));
        rows.add(cluster("tag inside image", "`containers`:[{`image`:`nginx:1.27`,`portToProxy`:80}]",
                "cluster.containers[0].image: give the tag in `tag`"));
        rows.add(cluster("bad container name", "`containers`:[{`image`:`nginx`,`portToProxy`:80,`name`:`-x`}]",
                "cluster.containers[0].name: must be 2-128 letters"));
        rows.add(cluster("unknown container key", "`containers`:[{`image`:`nginx`,`portToProxy`:80,`ports`:[80]}]",
                "cluster.containers[0].ports: unknown key"));
        return List.copyOf(rows);
    }

    private static Row raw(String name, String body, String expected) {
        return new Row(name, q(body), q(expected));
    }

    /** A body {@code {"cluster": {<fields>}}}. */
    private static Row cluster(String name, String fields, String expected) {
        return raw(name, "{`cluster`:{" + fields + "}}", expected);
    }

    private static String q(String s) {
        return s.replace('`', '"');
    }
}
