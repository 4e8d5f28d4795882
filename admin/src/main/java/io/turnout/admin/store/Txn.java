package io.turnout.admin.store;

import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;

/**
 * One etcd transaction ({@code POST /v3/kv/txn}): if every comparison holds, the operations run
 * at one new revision, all or nothing; otherwise nothing happens. Only the comparisons and
 * operations Turnout needs are here.
 */
public final class Txn {
    private final JSONArray compare = new JSONArray();
    private final JSONArray success = new JSONArray();

    /** Holds when {@code key} does not exist (its create revision is 0): create-if-absent. */
    public Txn ifAbsent(String key) {
        JSONObject c = new JSONObject();
        c.put("target", "CREATE");
        c.put("key", EtcdClient.encode(key));
        c.put("create_revision", "0");
        compare.add(c);
        return this;
    }

    /** Holds when {@code key} was last written at {@code revision}: it is exactly the version we saw. */
    public Txn ifModRevision(String key, long revision) {
        JSONObject c = new JSONObject();
        c.put("target", "MOD");
        c.put("key", EtcdClient.encode(key));
        c.put("mod_revision", Long.toString(revision));
        compare.add(c);
        return this;
    }

    /** Holds when no key starts with {@code prefix} (a range comparison holds for an empty range). */
    public Txn ifNoKeysUnder(String prefix) {
        JSONObject c = new JSONObject();
        c.put("target", "CREATE");
        c.put("key", EtcdClient.encode(prefix));
        c.put("range_end", EtcdClient.encode(EtcdClient.rangeEnd(prefix)));
        c.put("create_revision", "0");
        compare.add(c);
        return this;
    }

    public Txn put(String key, byte[] value) {
        JSONObject put = new JSONObject();
        put.put("key", EtcdClient.encode(key));
        put.put("value", EtcdClient.encode(value));
        JSONObject op = new JSONObject();
        op.put("request_put", put);
        success.add(op);
        return this;
    }

    public Txn delete(String key) {
        JSONObject delete = new JSONObject();
        delete.put("key", EtcdClient.encode(key));
        JSONObject op = new JSONObject();
        op.put("request_delete_range", delete);
        success.add(op);
        return this;
    }

    JSONObject toJson() {
        JSONObject txn = new JSONObject();
        txn.put("compare", compare);
        txn.put("success", success);
        return txn;
    }
}
