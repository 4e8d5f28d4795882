package io.turnout.admin.store;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONException;
import com.alibaba.fastjson2.JSONObject;

import java.nio.charset.StandardCharsets;

/**
 * Who rolled a version back and why, kept beside the fleet's clusters so that every other proxy
 * logs the rollback with the deciding proxy's name (SPEC §10).
 */
record RollbackNote(String proxy, String version, String reason) {

    byte[] encode() {
        JSONObject o = new JSONObject();
        o.put("proxy", proxy);
        o.put("version", version);
        o.put("reason", reason);
        return JSON.toJSONString(o).getBytes(StandardCharsets.UTF_8);
    }

    /** The note in {@code value}, or one that says it could not be read: it only feeds a log line. */
    static RollbackNote decode(byte[] value) {
        try {
            JSONObject o = JSON.parseObject(new String(value, StandardCharsets.UTF_8));
            if (o != null && o.getString("proxy") != null) {
                return new RollbackNote(o.getString("proxy"), o.getString("version"), o.getString("reason"));
            }
        } catch (JSONException e) {
            // fall through: someone else's value under our prefix
        }
        return new RollbackNote("(unknown proxy)", null, "(unreadable rollback note)");
    }
}
