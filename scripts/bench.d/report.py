#!/usr/bin/env python3
"""Writes the Markdown block of docs/BENCHMARKS.md from the results scripts/bench collected.

Usage: report.py RESULTS.tsv   (the run's settings and facts come from R_* environment variables)
RESULTS.tsv rows: case, target, run, req/s, p50 µs, p99 µs, errors.
"""
import os
import statistics
import sys
from collections import defaultdict

CASES = ["keep-alive small", "1 MiB bodies", "Connection: close", "1,000 connections"]
TARGETS = ["direct", "turnout", "nginx", "haproxy"]
MODES = ["INSTANT", "SESSION", "GRADUAL", "CONCURRENT"]


def env(name):
    return os.environ["R_" + name]


def main():
    rows = defaultdict(lambda: defaultdict(list))
    for line in open(sys.argv[1]):
        case, target, _run, rps, p50, p99, errors = line.rstrip("\n").split("\t")
        rows[case][target].append((float(rps), int(p50), int(p99), int(errors)))

    def med(case, target):
        runs = rows[case][target]
        return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                statistics.median(r[2] for r in runs), sum(r[3] for r in runs))

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
    w("| machine | |")
    w("|---|---|")
    w(f"| cores (nproc) | {env('NPROC')} |")
    w(f"| CPU | {env('CPU')} |")
    w(f"| kernel | {env('KERNEL')} |")
    w(f"| JDK | {env('JDK')} |")
    w(f"| wrk / nginx / HAProxy | {env('VERSIONS')} |")
    w(f"| Turnout started with | `{env('TURNOUT_CMD')} -configFile=FILE` |")
    w("")
    w(f"Each proxy and the nginx origin run with {env('THREADS')} worker/thread (Turnout `selectorThreads`, "
      f"nginx `worker_processes`, HAProxy `nbthread`); wrk runs with {env('WRK_THREADS')} thread and "
      f"{env('CONNS')} connections unless the case says otherwise. Each Turnout JVM first gets "
      f"{env('JIT_WARMUP')} s of load (JIT warm-up); each case gives every target {env('WARMUP')} s of warm-up, then "
      f"{env('RUNS')} runs of {env('DURATION')} s, interleaved across the targets; each column is the median of the "
      "runs. Everything shares "
      f"the same {env('NPROC')} cores over loopback. Latency percentiles are wrk's (`--latency`). *errors* counts "
      "wrk's socket errors and non-2xx answers over all runs.")
    w("")
    def runs(case, target):
        return " / ".join(f"{r[0] / 1000:.1f}k" for r in rows[case][target])

    w("| case | target | req/s | p50 | p99 | × direct | × nginx | × HAProxy | errors | runs (req/s) |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for case in CASES:
        d, n, h = (med(case, t)[0] for t in ("direct", "nginx", "haproxy"))
        for target in TARGETS:
            rps, p50, p99, errors = med(case, target)
            name = "**turnout**" if target == "turnout" else target
            w(f"| {case} | {name} | {rps:,.0f} | {lat(p50)} | {lat(p99)} | {ratio(rps, d)} | "
              f"{ratio(rps, n)} | {ratio(rps, h)} | {errors} | {runs(case, target)} |")
    w("")
    w("Modes on Turnout: clusters 1.0 and 2.0 both on the origin, 2.0 (the newest) in the mode. Every request "
      "sends `Cookie: dynsoftup=<1.0's uuid>; transition=<a uuid in bucket 3>`, a returning client, so cookie "
      "parsing is on the path in every mode. Each mode has its own Turnout, started from a config file with "
      "both clusters and warmed up like the others, so the runs of the four modes interleave. By SPEC §2 CONCURRENT sends "
      "each (safe) request to both versions, so it doubles the origin's load.")
    w("")
    w("| mode | req/s | p50 | p99 | vs INSTANT | errors | runs (req/s) |")
    w("|---|---:|---:|---:|---:|---:|---|")
    instant = med("mode INSTANT", "INSTANT")[0]
    for mode in MODES:
        rps, p50, p99, errors = med(f"mode {mode}", mode)
        w(f"| {mode} | {rps:,.0f} | {lat(p50)} | {lat(p99)} | {100 * (rps / instant - 1):+.1f}% | {errors} | "
          f"{runs(f'mode {mode}', mode)} |")
    w("")
    rss_base, rss_silent, rss_used = int(env("RSS_BASE")), int(env("RSS_SILENT")), int(env("RSS_USED"))
    held_silent, held_used = int(env("HELD_SILENT")), int(env("HELD_USED"))
    w(f"Memory (VmRSS of the Turnout JVM): a fresh Turnout after {env('JIT_WARMUP')} s of keep-alive load: "
      f"{mib(rss_base)}. With {held_silent:,} client connections open and silent: **{mib(rss_silent)}**. "
      f"After one keep-alive request on each ({int(env('REQUESTED')):,} answered), with {held_used:,} still open: "
      f"**{mib(rss_used)}**.")
    w("")

    ka_t, ka_n = med("keep-alive small", "turnout"), med("keep-alive small", "nginx")
    mb_t, mb_h = med("1 MiB bodies", "turnout")[0], med("1 MiB bodies", "haproxy")[0]
    rss = max(rss_silent, rss_used)
    held = min(held_silent, held_used)
    session = med("mode SESSION", "SESSION")[0] / instant - 1
    gradual = med("mode GRADUAL", "GRADUAL")[0] / instant - 1
    w("| SPEC §8 target | this run | |")
    w("|---|---|---|")
    w(f"| keep-alive small: throughput ≥ nginx | {ratio(ka_t[0], ka_n[0])} nginx "
      f"({ka_t[0]:,.0f} vs {ka_n[0]:,.0f} req/s) | {verdict(ka_t[0] >= ka_n[0])} |")
    w(f"| keep-alive small: p99 ≤ nginx | {lat(ka_t[2])} vs {lat(ka_n[2])} | {verdict(ka_t[2] <= ka_n[2])} |")
    w(f"| 1 MiB bodies: throughput ≥ HAProxy | {ratio(mb_t, mb_h)} HAProxy ({mb_t:,.0f} vs {mb_h:,.0f} req/s) | "
      f"{verdict(mb_t >= mb_h)} |")
    w(f"| 10,000 idle connections < 256 MiB RSS | {mib(rss)} with {held:,} held | "
      f"{verdict(rss < 256 * 1024 and held >= 10000)} |")
    w(f"| SESSION costs < 5% vs INSTANT | {100 * session:+.1f}% | {verdict(session > -0.05)} |")
    w(f"| GRADUAL costs < 5% vs INSTANT | {100 * gradual:+.1f}% | {verdict(gradual > -0.05)} |")
    print("\n".join(out))


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
