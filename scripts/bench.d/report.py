#!/usr/bin/env python3
"""Writes the Markdown block of docs/BENCHMARKS.md from the results scripts/bench collected.

Usage: report.py RESULTS.tsv MEMORY.tsv [STRACE.tsv [TAKEOVER.tsv STEPS.tsv WARNINGS.txt]]
(the run's settings and facts come from R_* environment variables)
RESULTS.tsv rows: case, target, run, req/s, p50 µs, p99 µs, errors, CPU µs per request (of the
process serving the target, its children included: the origin for "direct"), and wrk's own CPU µs per
request (optional).
MEMORY.tsv rows: target, VmRSS KiB after warm-up, with the connections silent, after one request on
each; connections held silent, held after the requests; requests answered.
STRACE.tsv rows: target, syscall, calls per request (keep-alive small under strace -c -f).
TAKEOVER.tsv rows (the takeover case, SPEC §11): load (keepalive|close), proxy, takeovers done, failed,
seconds of load, requests, wrk's socket errors connect, read, write, timeout, non-2xx answers.
STEPS.tsv rows: load, proxy, n, s until the new process served, s until the old one was gone, the old
one's exit status, a note ("-" where unknown). WARNINGS.txt: Turnout's log lines at WARN or above.
The TLS cases (SPEC §12) also read R_TLS_PROBE (rows: target, protocol, suite, group, signature
type, ALPN, certificates in the chain, leaf SHA-256 prefix, NewSessionTickets, resumed an offered
session yes/no/none, TLS 1.2 suite, HTTP status) and R_TLS_MISSING (rows: target, why it has no TLS
column). Only the cases that ran are reported. A "turnout-baseline" target (and "MODE-baseline") is a second
Turnout jar measured in the same run; its rows stand beside Turnout's, and a table gives new ÷ baseline.
"""
import os
import statistics
import sys
from collections import defaultdict

CASES = ["keep-alive small", "1 MiB bodies", "Connection: close", "1,000 connections", "TLS keep-alive small",
         "TLS handshakes"]
TLS_CASES = ["TLS keep-alive small", "TLS handshakes"]
TARGETS = ["direct", "turnout", "turnout-baseline", "nginx", "haproxy"]
MODES = ["INSTANT", "SESSION", "GRADUAL", "CONCURRENT"]
SPLIT = "split write"
TAKEOVER_LOADS = [("keepalive", "keep-alive"), ("close", "Connection: close")]
TAKEOVER_PROXIES = ["turnout", "haproxy", "nginx"]


def env(name):
    return os.environ["R_" + name]


def main():
    rows = defaultdict(lambda: defaultdict(list))
    for line in open(sys.argv[1]):
        case, target, _run, rps, p50, p99, errors, cpu, *client = line.rstrip("\n").split("\t")
        rows[case][target].append((float(rps), int(p50), int(p99), int(errors), float(cpu),
                                   float(client[0]) if client else None))
    memory = {}
    for line in open(sys.argv[2]):
        target, *values = line.rstrip("\n").split("\t")
        memory[target] = [int(v) for v in values]
    takeover, steps, warnings = {}, defaultdict(list), []
    if len(sys.argv) > 5:
        for line in open(sys.argv[4]):
            load, proxy, *values = line.rstrip("\n").split("\t")
            done, failed, secs, requests, *errors = values
            takeover[load, proxy] = (int(done), int(failed), float(secs), int(requests), [int(e) for e in errors])
        for line in open(sys.argv[5]):
            load, proxy, n, ready, gone, rc, note = line.rstrip("\n").split("\t")
            steps[load, proxy].append((int(n), ready, gone, rc, note))
    if len(sys.argv) > 6 and os.path.exists(sys.argv[6]):
        warnings = [l.rstrip("\n") for l in open(sys.argv[6]) if l.strip()]

    def has(case, target):
        return bool(rows.get(case, {}).get(target))

    def med(case, target):
        runs = rows[case][target]
        return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                statistics.median(r[2] for r in runs), sum(r[3] for r in runs),
                statistics.median(r[4] for r in runs))

    def cpu(case, target):
        return med(case, target)[4]

    def runs(case, target):
        return " / ".join(f"{r[0] / 1000:.1f}k" for r in rows[case][target])

    baseline = bool(env("BASELINE_CMD"))
    cases = [c for c in CASES if c in rows]
    modes = [m for m in MODES if f"mode {m}" in rows]
    elapsed = int(env("ELAPSED"))
    out = []
    w = out.append
    busy_before, busy_after = int(env("BUSY_BEFORE")), int(env("BUSY_AFTER"))
    w(f"Run on {env('DATE')}, in {elapsed // 60} min {elapsed % 60} s. Other work on the machine: "
      f"{busy_before}% of all cores busy in the second before the run, {busy_after}% in the second after it "
      f"(load average {env('LOAD_BEFORE')} before, {env('LOAD_AFTER')} after).")
    w("")
    if max(busy_before, busy_after) > 10:
        w(f"> **Warning: the machine was not idle** ({max(busy_before, busy_after)}% busy without this benchmark). "
          "The proxies, the origin and wrk competed with other processes for the same cores, so req/s and "
          "latency are low and noisy, and the ratios below are unreliable; the verdicts are printed anyway.")
        w("")
    if env("CASES") != env("ALL_CASES"):
        w(f"Cases run (`BENCH_CASES`): {', '.join(f'`{c}`' for c in env('CASES').split())}; "
          "the others were not run.")
        w("")
    w("| machine | |")
    w("|---|---|")
    w(f"| cores (nproc) | {env('NPROC')} |")
    w(f"| CPU | {env('CPU')} |")
    w(f"| kernel | {env('KERNEL')} |")
    w(f"| JDK | {env('JDK')} |")
    w(f"| wrk / nginx / HAProxy | {env('VERSIONS')} |")
    if SPLIT in rows:
        w(f"| split-write origin | {env('PYTHON')} `http.server` |")
    w(f"| Turnout started with | `{env('TURNOUT_CMD')} -configFile=FILE` |")
    if env("JAR"):
        w(f"| Turnout jar | `{env('JAR')}` |")
    if os.environ.get("R_POLL_STATS") == "1":
        w(f"| `/stats` polled (BENCH_POLL_STATS=1) | once a second on the turnout column's admin API, as an open "
          f"dashboard does ({env('POLLS')} answered polls); turnout-baseline is not polled |")
    if baseline:
        w(f"| turnout-baseline started with | `{env('BASELINE_CMD')} -configFile=FILE` |")
        if env("BASELINE_JAR"):
            w(f"| turnout-baseline jar | `{env('BASELINE_JAR')}` |")
    w("")
    threads = int(env("THREADS"))
    if not (rows or memory):
        # Only the takeover case ran: it says how it ran itself.
        w(f"Each proxy and the nginx origin run with {threads} "
          f"{'worker/thread' if threads == 1 else 'workers/threads'} (Turnout `selectorThreads`, nginx "
          f"`worker_processes`, HAProxy `nbthread`); everything shares the same {env('NPROC')} cores over loopback.")
        w("")
    else:
        w(f"Each proxy and the nginx origin run with {threads} {'worker/thread' if threads == 1 else 'workers/threads'} "
          f"(Turnout `selectorThreads`, nginx `worker_processes`, HAProxy `nbthread`); wrk runs with "
          f"{env('WRK_THREADS')} thread{'' if env('WRK_THREADS') == '1' else 's'} and "
          f"{env('CONNS')} connections unless the case says otherwise. Each Turnout JVM first gets "
          f"{env('JIT_WARMUP')} s of load (JIT warm-up); each case gives every target {env('WARMUP')} s of warm-up, then "
          f"{env('RUNS')} runs of {env('DURATION')} s, interleaved across the targets; each column is the median of the "
          "runs. Everything shares "
          f"the same {env('NPROC')} cores over loopback. Latency percentiles are wrk's (`--latency`). *errors* counts "
          "wrk's socket errors and non-2xx answers over all runs. *CPU/req* is the user and system CPU time the "
          "target's process (with its children: nginx's workers) spent over a run, divided by the requests wrk "
          "counted (from `/proc/PID/stat`); for *direct* it is the origin's own. On a shared machine it moves far "
          "less than req/s.")
        if baseline:
            w("")
            w("*turnout-baseline* is a second Turnout jar (see the machine table), started the same way and measured "
              "in the same run: its runs interleave with the others', next to Turnout's (after it in odd runs, "
              "before it in even ones).")
        w("")

    if cases:
        w("| case | target | req/s | p50 | p99 | × direct | × nginx | × HAProxy | CPU/req | CPU × nginx | errors "
          "| runs (req/s) |")
        w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for case in cases:
            d, n, h = (med(case, t)[0] for t in ("direct", "nginx", "haproxy"))
            n_cpu = cpu(case, "nginx")
            for target in TARGETS:
                if not has(case, target):
                    continue
                rps, p50, p99, errors, c = med(case, target)
                name = "**turnout**" if target == "turnout" else target
                w(f"| {case} | {name} | {rps:,.0f} | {lat(p50)} | {lat(p99)} | {ratio(rps, d)} | "
                  f"{ratio(rps, n)} | {ratio(rps, h)} | {c:.1f} µs | {ratio(c, n_cpu)} | {errors} | "
                  f"{runs(case, target)} |")
        w("")

    if modes:
        w("Modes on Turnout: clusters 1.0 and 2.0 both on the origin, 2.0 (the newest) in the mode. Every request "
          "sends `Cookie: dynsoftup=<1.0's uuid>; transition=<a uuid in bucket 3>`, a returning client, so cookie "
          "parsing is on the path in every mode. Each mode has its own Turnout, started from a config file with "
          "both clusters and warmed up like the others, so the runs of the four modes interleave. By SPEC §2 "
          "CONCURRENT sends each (safe) request to both versions, so it doubles the origin's load.")
        w("")
        w("| mode | req/s | p50 | p99 | vs INSTANT | CPU/req | errors | runs (req/s) |")
        w("|---|---:|---:|---:|---:|---:|---:|---|")
        for sfx, tag in [("", ""), ("-baseline", " (baseline)")]:
            if not has("mode INSTANT", "INSTANT" + sfx):
                continue
            instant = med("mode INSTANT", "INSTANT" + sfx)[0]
            for mode in modes:
                if not has(f"mode {mode}", mode + sfx):
                    continue
                rps, p50, p99, errors, c = med(f"mode {mode}", mode + sfx)
                w(f"| {mode}{tag} | {rps:,.0f} | {lat(p50)} | {lat(p99)} | {100 * (rps / instant - 1):+.1f}% | "
                  f"{c:.1f} µs | {errors} | {runs(f'mode {mode}', mode + sfx)} |")
        w("")

    if SPLIT in rows:
        w("Split write (SPEC §7, issue 12): the origin is Python's `http.server` (`SimpleHTTPRequestHandler`, "
          "`protocol_version = \"HTTP/1.1\"`, a thread per connection) serving the same small page. It sends "
          "each response in two `send()` calls, head then body, with Nagle's algorithm on, so the body waits "
          "until the head is acknowledged. wrk runs with 1 thread and 1 connection and sends "
          "`Connection: close`: a new client connection per request, as a browser's first request. Direct, the "
          "client's new connection acknowledges at once; a proxy that keeps its upstream connection alive "
          "and delays its ACK of the head makes every request wait for its delayed-ACK timer (~40 ms on Linux).")
        w("")
        w("| target | p50 | p99 | p50 − direct | req/s | CPU/req | errors | runs (p50) |")
        w("|---|---:|---:|---:|---:|---:|---:|---|")
        direct_p50 = med(SPLIT, "direct")[1] if has(SPLIT, "direct") else None
        for target in TARGETS:
            if not has(SPLIT, target):
                continue
            rps, p50, p99, errors, c = med(SPLIT, target)
            name = "**turnout**" if target == "turnout" else target
            diff = "—" if direct_p50 is None or target == "direct" else f"{(p50 - direct_p50) / 1000:+.2f} ms"
            w(f"| {name} | {lat(p50)} | {lat(p99)} | {diff} | {rps:,.0f} | {c:.1f} µs | {errors} | "
              f"{' / '.join(lat(r[1]) for r in rows[SPLIT][target])} |")
        w("")

    tls_probe, tls_missing = [], []
    if os.environ.get("R_TLS_PROBE") and os.path.exists(env("TLS_PROBE")):
        tls_probe = [l.rstrip("\n").split("\t") for l in open(env("TLS_PROBE")) if l.strip()]
    if os.environ.get("R_TLS_MISSING") and os.path.exists(env("TLS_MISSING")):
        tls_missing = [l.rstrip("\n").split("\t", 1) for l in open(env("TLS_MISSING")) if l.strip()]
    if any(c in rows for c in TLS_CASES):
        tls_section(w, rows, tls_probe, tls_missing, med)

    def memory_line(target, who):
        rss_base, rss_silent, rss_used, held_silent, held_used, requested = memory[target]
        w(f"Memory (VmRSS of the {who} JVM): a fresh Turnout after {env('JIT_WARMUP')} s of keep-alive load: "
          f"{mib(rss_base)}. With {held_silent:,} client connections open and silent: **{mib(rss_silent)}**. "
          f"After one keep-alive request on each ({requested:,} answered), with {held_used:,} still open: "
          f"**{mib(rss_used)}**.")
        w("")

    if "turnout" in memory:
        memory_line("turnout", "Turnout")
    if "turnout-baseline" in memory:
        memory_line("turnout-baseline", "turnout-baseline")

    if takeover:
        takeover_section(w, takeover, steps, warnings)

    if baseline:
        w("New against baseline, from the same run: *new ÷ baseline* is the ratio of the medians of req/s; "
          "the per-run ratios pair each Turnout run with the baseline run next to it in time.")
        w("")
        w("| case | turnout req/s | baseline req/s | new ÷ baseline | runs (new ÷ baseline) | p50 new / baseline | "
          "p99 new / baseline | CPU/req new / baseline |")
        w("|---|---:|---:|---:|---|---:|---:|---:|")
        pairs = [(c, "turnout", "turnout-baseline") for c in cases + [SPLIT]]
        pairs += [(f"mode {m}", m, m + "-baseline") for m in modes]
        for case, new, base in pairs:
            if not (has(case, new) and has(case, base)):
                continue
            n, b = med(case, new), med(case, base)
            per_run = " / ".join(f"{x[0] / y[0]:.2f}" if y[0] else "n/a"
                                 for x, y in zip(rows[case][new], rows[case][base]))
            w(f"| {case} | {n[0]:,.0f} | {b[0]:,.0f} | {ratio(n[0], b[0])} | {per_run} | "
              f"{lat(n[1])} / {lat(b[1])} | {lat(n[2])} / {lat(b[2])} | {n[4]:.1f} / {b[4]:.1f} µs "
              f"({ratio(n[4], b[4])}) |")
        if "turnout" in memory and "turnout-baseline" in memory:
            n, b = max(memory["turnout"][1:3]), max(memory["turnout-baseline"][1:3])
            w(f"| memory, VmRSS with the connections held | {mib(n)} | {mib(b)} | {ratio(n, b)} | | | | |")
        w("")

    # SPEC §8's targets, as ratios from this run.
    strace = defaultdict(dict)
    if len(sys.argv) > 3 and os.path.getsize(sys.argv[3]):
        for line in open(sys.argv[3]):
            target, name, per = line.rstrip("\n").split("\t")
            strace[target][name] = float(per)
    if strace:
        w("Syscalls per request, keep-alive small (`BENCH_STRACE=1`: one more 3 s run under `strace -c -f`, "
          "which slows the target; each request still makes the same calls). Every call counted over the run, "
          "divided by the requests wrk counted, so calls of other threads (the JIT, GC) count too.")
        w("")
        names = sorted({n for t in strace.values() for n in t}, key=lambda n: -max(t.get(n, 0) for t in strace.values()))
        shown = [n for n in names if max(t.get(n, 0) for t in strace.values()) >= 0.01]
        w("| syscall | " + " | ".join(strace) + " |")
        w("|---|" + "---:|" * len(strace))
        for name in shown:
            w(f"| `{name}` | " + " | ".join(f"{strace[t].get(name, 0):.2f}" for t in strace) + " |")
        w("| **total** | " + " | ".join(f"**{sum(v.values()):.2f}**" for v in strace.values()) + " |")
        w("")

    targets = []
    ka = "keep-alive small"
    if has(ka, "turnout") and has(ka, "nginx"):
        ka_t, ka_n = med(ka, "turnout"), med(ka, "nginx")
        targets.append(("keep-alive small: throughput ≥ 1.15× nginx", f"{ratio(ka_t[0], ka_n[0])} nginx "
                        f"({ka_t[0]:,.0f} vs {ka_n[0]:,.0f} req/s)", ka_t[0] >= 1.15 * ka_n[0]))
        targets.append(("keep-alive small: p99 ≤ nginx", f"{lat(ka_t[2])} vs {lat(ka_n[2])}", ka_t[2] <= ka_n[2]))
        targets.append(("keep-alive small: CPU per request ≤ 0.85× nginx",
                        f"{ratio(ka_t[4], ka_n[4])} ({ka_t[4]:.1f} vs {ka_n[4]:.1f} µs)", ka_t[4] <= 0.85 * ka_n[4]))
    tka = "TLS keep-alive small"
    if tka in rows:
        missing = dict(tls_missing)
        if has(tka, "turnout") and has(tka, "nginx"):
            t, n = med(tka, "turnout"), med(tka, "nginx")
            targets.append(("TLS keep-alive small: throughput ≥ 1.0× nginx (SPEC §12)",
                            f"{ratio(t[0], n[0])} nginx ({t[0]:,.0f} vs {n[0]:,.0f} req/s)", t[0] >= n[0]))
        elif "turnout" in missing:
            targets.append(("TLS keep-alive small: throughput ≥ 1.0× nginx (SPEC §12)",
                            f"not measured: Turnout served no TLS ({short(missing['turnout'], 120)})", False))
    cc = "Connection: close"
    if has(cc, "turnout"):
        t, n, h = (med(cc, x)[0] for x in ("turnout", "nginx", "haproxy"))
        targets.append(("Connection: close: ≥ 1.0× nginx and HAProxy", f"{ratio(t, n)} nginx, {ratio(t, h)} HAProxy",
                        t >= n and t >= h))
    mc = "1,000 connections"
    if has(mc, "turnout"):
        t, n = med(mc, "turnout"), med(mc, "nginx")
        targets.append(("1,000 connections: ≥ 1.2× nginx, p99 ≤ nginx",
                        f"{ratio(t[0], n[0])} nginx, p99 {lat(t[2])} vs {lat(n[2])}", t[0] >= 1.2 * n[0] and t[2] <= n[2]))
    if "1 MiB bodies" in cases:
        mb_t, mb_h = med("1 MiB bodies", "turnout")[0], med("1 MiB bodies", "haproxy")[0]
        targets.append(("1 MiB bodies: throughput ≥ 1.3× HAProxy",
                        f"{ratio(mb_t, mb_h)} HAProxy ({mb_t:,.0f} vs {mb_h:,.0f} req/s)", mb_t >= 1.3 * mb_h))
    if "turnout" in memory:
        _, rss_silent, rss_used, held_silent, held_used, _ = memory["turnout"]
        rss, held = max(rss_silent, rss_used), min(held_silent, held_used)
        targets.append(("10,000 idle connections < 200 MiB RSS", f"{mib(rss)} with {held:,} held",
                        rss < 200 * 1024 and held >= 10000))
    if "INSTANT" in modes:
        instant = med("mode INSTANT", "INSTANT")[0]
        for mode in ("SESSION", "GRADUAL"):
            if mode in modes:
                cost = med(f"mode {mode}", mode)[0] / instant - 1
                targets.append((f"{mode} costs < 3% vs INSTANT", f"{100 * cost:+.1f}%", cost > -0.03))
    if has(SPLIT, "turnout") and has(SPLIT, "direct"):
        t, d = med(SPLIT, "turnout")[1], med(SPLIT, "direct")[1]
        targets.append(("split write: p50 ≤ direct + 1 ms (issue 12)", f"{lat(t)} vs {lat(d)} direct",
                        t <= d + 1000))
    if has(ka, "turnout") and has(ka, "turnout-baseline"):
        n, b = med(ka, "turnout"), med(ka, "turnout-baseline")
        targets.append(("keep-alive small: new within ±5% of baseline (issue 11), req/s",
                        f"{ratio(n[0], b[0])} ({n[0]:,.0f} vs {b[0]:,.0f} req/s)", abs(n[0] / b[0] - 1) <= 0.05))
        targets.append(("keep-alive small: new within ±5% of baseline (issue 11), CPU per request",
                        f"{ratio(n[4], b[4])} ({n[4]:.1f} vs {b[4]:.1f} µs)", abs(n[4] / b[4] - 1) <= 0.05))
    for load, label in TAKEOVER_LOADS:
        if all((load, p) in takeover for p in TAKEOVER_PROXIES):
            t, h, n = (takeover[load, p] for p in TAKEOVER_PROXIES)
            te, he, ne = (sum(x[4]) for x in (t, h, n))
            value = f"Turnout {te}, HAProxy {he}, nginx {ne}"
            failed = [f"{name} {x[1]}" for name, x in (("Turnout", t), ("HAProxy", h), ("nginx", n)) if x[1]]
            if failed:
                value += f"; takeovers that failed: {', '.join(failed)}"
            targets.append((f"takeover under {label} load: Turnout 0 errors, no more than HAProxy or nginx (issue 14)",
                            value, te == 0 and te <= he and te <= ne and t[1] == 0))
    if targets:
        w("| target (SPEC §8 unless named) | this run | |")
        w("|---|---|---|")
        for name, value, ok in targets:
            w(f"| {name} | {value} | {verdict(ok)} |")
    while out and out[-1] == "":
        out.pop()
    print("\n".join(out))


def takeover_section(w, takeover, steps, warnings):
    t, conns, pause = env("TAKEOVERS"), env("CONNS"), env("TAKEOVER_PAUSE")
    w(f"Takeover (SPEC §11, issue 14): {t} takeovers in a row of each proxy under one wrk run of {conns} keep-alive "
      f"connections (`wrk -t{env('WRK_THREADS')} -c{conns}`, its default 2 s timeout), then {t} more under one run "
      f"that sends `Connection: close` (a new connection per request). Each wrk run lasts the whole sequence: 2 s of "
      f"load, then each takeover as soon as the previous one is done, with {pause} s of load between them, and "
      f"{pause} s after the last; then SIGINT (wrk prints its totals). The proxies run one after another, each "
      f"alone under load. **Turnout**: `scripts/turnout -configFile=F -logLevel=INFO -takeover` with the running one's "
      f"config file (the same proxy and admin ports), its per-response INFO line kept at WARN (a tinylog property); "
      f"a takeover is done when the new process has logged \"Took over from\" "
      f"and the old one has exited. **HAProxy**: its seamless reload, `{env('HAPROXY_RELOAD')}` (standalone "
      f"processes; master-worker reloads pass the sockets the same way), with `expose-fd listeners` on the stats "
      f"socket and `option idle-close-on-response` (idle keep-alive connections get one more answer, with "
      f"`Connection: close`, instead of being closed under a request on its way); done when the old process has "
      f"exited. **nginx**: its binary upgrade with the same binary, {env('NGINX_UPGRADE')}; done when the old master "
      f"has exited. `net.ipv4.tcp_migrate_req` was **{env('MIGRATE')}**. *errors* is the sum of wrk's socket errors "
      f"(connect, read, write, timeout) and its non-2xx (\"Non-2xx or 3xx\", i.e. status ≥ 400) answers. The times "
      f"are from the start of each takeover (launch, `-sf` reload or USR2), median / max over the takeovers.")
    w("")
    w("| load | proxy | takeovers | requests | connect | read | write | timeout | non-2xx | errors "
      "| new one serves after | old one gone after | old exit statuses |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    notes = []
    for load, label in TAKEOVER_LOADS:
        for proxy in TAKEOVER_PROXIES:
            if (load, proxy) not in takeover:
                continue
            done, failed, secs, requests, errors = takeover[load, proxy]
            rows = steps[load, proxy]
            name = "**turnout**" if proxy == "turnout" else proxy
            statuses = defaultdict(int)
            for r in rows:
                statuses[r[3]] += 1
            status_text = ", ".join(f"{k} ×{v}" for k, v in sorted(statuses.items()))
            done_text = f"{done}" + (f" ({failed} failed)" if failed else "")
            total = sum(errors)
            err = f"**{total}**" if proxy == "turnout" else f"{total}"
            w(f"| {label} | {name} | {done_text} | {requests:,} in {secs:.0f} s ({requests / secs / 1000:.1f}k/s) | {' | '.join(str(e) for e in errors)} "
              f"| {err} | {spread([r[1] for r in rows])} | {spread([r[2] for r in rows])} | {status_text} |")
            notes += [f"{proxy}, {label}, takeover {r[0]}: {r[4]}" for r in rows if r[4]]
    w("")
    if notes:
        w("Takeovers that did not go as planned:")
        w("")
        for n in notes:
            w(f"- {n}")
        w("")
    if warnings:
        w(f"Turnout logged {len(warnings)} line(s) at WARN or above over its takeovers; the first: `{warnings[0][:300]}`")
    else:
        w("Turnout logged nothing at WARN or above over its takeovers.")
    w("")


def tls_section(w, rows, probe, missing, med):
    resumption = env("TLS_RESUMPTION") == "1"
    key = "RSA 2048" if env("TLS_KEY") == "rsa" else "EC P-256"
    w(f"TLS (SPEC §12, issue 16): *TLS keep-alive small* and *TLS handshakes* in the table above. One certificate "
      f"for every target, made for the run with openssl: a throwaway CA and a leaf for 127.0.0.1 and localhost, "
      f"{key} (`BENCH_TLS_KEY`), `chain.pem` leaf + CA, `key.pem` its PKCS#8 key (HAProxy: both in one PEM). *direct* is "
      f"the nginx origin itself over TLS; Turnout (`\"proxy\": {{\"tls\": {{...}}}}`), nginx and HAProxy terminate TLS "
      f"in front of the same plain-HTTP origin. All offer TLS 1.3 and 1.2. Turnout has no setting for suites, so nginx "
      f"and HAProxy choose by the JDK 17's default order, the server's choice as in the JDK: TLS 1.3 "
      f"`{env('TLS13_CIPHERS')}`, TLS 1.2 `{env('TLS12_CIPHERS')}`. *TLS keep-alive small* runs wrk as *keep-alive "
      f"small* does ({env('CONNS')} connections, a handshake each, then only requests). *TLS handshakes* sends "
      f"`Connection: close` ({env('CONNS')} connections): a new TCP connection and TLS handshake per request, so its "
      f"req/s is new TLS connections per second.")
    w("")
    if resumption:
        w("Session resumption was **on** (`BENCH_TLS_RESUMPTION=1`: each server's defaults, nginx with "
          f"`{env('NGINX_TLS_SESSIONS')}`). wrk 4.1.0 offers its connection's last session on every reconnect "
          "(its `ssl_close()` calls `SSL_clear()`, which keeps it), so *TLS handshakes* counts **resumed** "
          "handshakes wherever the column below says the target resumes.")
    else:
        w("Session resumption was **off** on every server, so *TLS handshakes* counts **full** handshakes: wrk 4.1.0 "
          "offers its connection's last session on every reconnect (its `ssl_close()` calls `SSL_clear()`, which "
          "keeps it; against nginx's defaults 1056 of 1060 such handshakes were resumed), and every server refuses it: "
          f"nginx `{env('NGINX_TLS_SESSIONS')}`, HAProxy `{env('HAPROXY_TLS')}`, Turnout's JVM "
          f"`{env('TURNOUT_TLS_OPTS')}` (by `JAVA_TOOL_OPTIONS`; TLS 1.3 resumption is a `pre_shared_key`). Tickets a "
          "server still sends are never accepted back.")
    w("")
    if probe:
        w(f"What each target negotiated with `openssl s_client` (OpenSSL {env('OPENSSL')}, wrk's library; wrk offers no "
          "ALPN, the probe offers `http/1.1`), once before the runs: a GET read to the end, then the same with the "
          "session it gave (*resumes*), then a TLS 1.2 handshake.")
        w("")
        w("| target | protocol | suite | group | signature | ALPN | chain | leaf SHA-256 | tickets sent | resumes | "
          "TLS 1.2 suite |")
        w("|---|---|---|---|---|---|---:|---|---:|---|---|")
        for p in probe:
            target, protocol, cipher, group, sig, alpn, chain, fp, tickets, resumed, tls12 = p[:11]
            name = "**turnout**" if target == "turnout" else target
            res = {"yes": "yes", "no": "no", "none": "no (no session given)"}.get(resumed, resumed)
            if resumed == "yes" and not resumption:
                res = "**yes: not a full handshake**"
            w(f"| {name} | {protocol} | `{cipher}` | {group} | {sig} | {alpn} | {chain} | `{fp}…` | {tickets} | {res} | "
              f"`{tls12}` |")
        w("")
        if len({(p[1], p[2]) for p in probe}) > 1:
            w("> **Warning:** the targets did not all negotiate the same protocol and suite; their TLS columns do not "
              "compare like for like.")
            w("")
    for target, reason in missing:
        w(f"**{target}: no TLS column.** {reason[:1].upper() + reason[1:]}{'' if reason.endswith(('.', '...')) else '.'}")
        w("")
    w("wrk's own CPU per request beside the target's: wrk's handshakes cost it more than the servers' (OpenSSL 3), "
      "so when wrk is near 100% busy, req/s is wrk's limit, and the targets' CPU per request is the figure to compare.")
    w("")
    w("| case | target | req/s | CPU/req | wrk CPU/req | wrk busy |")
    w("|---|---|---:|---:|---:|---:|")
    threads = int(env("WRK_THREADS"))
    for case in TLS_CASES:
        for target in TARGETS:
            runs = rows.get(case, {}).get(target)
            if not runs:
                continue
            rps, cpu = med(case, target)[0], med(case, target)[4]
            clients = [r[5] for r in runs if r[5] is not None]
            if clients:
                client = statistics.median(clients)
                busy = f"{100 * client * rps / 1e6 / threads:.0f}% of {threads} thread{'s' if threads > 1 else ''}"
                client_text = f"{client:.1f} µs"
            else:
                client_text = busy = "—"
            name = "**turnout**" if target == "turnout" else target
            w(f"| {case} | {name} | {rps:,.0f} | {cpu:.1f} µs | {client_text} | {busy} |")
    w("")


def short(text, n):
    return text if len(text) <= n else text[:n].rstrip() + "…"


def spread(values):
    xs = [float(v) for v in values if v not in ("-", "")]
    if not xs:
        return "—"
    return f"{statistics.median(xs):.2f} / {max(xs):.2f} s"


def lat(us):
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.0f} µs"


def ratio(a, b):
    return f"{a / b:.2f}×" if b else "n/a"


def mib(kib):
    return f"{kib / 1024:.0f} MiB"


def verdict(ok):
    return "**met**" if ok else "**not met**"


if __name__ == "__main__":
    main()
