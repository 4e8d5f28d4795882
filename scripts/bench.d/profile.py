#!/usr/bin/env python3
"""Where a Turnout JVM's time went over one profiled wrk run (scripts/bench BENCH_PROFILE=1, issue 18).

Usage: profile.py --label LABEL --jfr REC.jfr --before THREADS.tsv --after THREADS.tsv
                  --requests N --seconds S [--rps R] [--clk-tck 100] [--settings TEXT] [--load TEXT]
                  [--perf-script PERF.txt | --perf-note WHY] [--top 12]

THREADS.tsv rows (from /proc/PID/task/*/stat, and one "total" row from /proc/PID/stat): tid, thread
name, utime, stime (clock ticks). PERF.txt is "perf script -F comm,tid,ip,sym,dso" of a
"perf record -g" of the JVM. Prints one Markdown section: user and kernel time per thread from /proc,
then JFR's CPU samples (jdk.ExecutionSample: Java code only) by top frame, by Turnout's own method
(the first io.turnout frame of each stack) and by area, JFR's native-method samples, and, with perf,
the kernel's share by symbol and by syscall.
"""
import argparse
import json
import re
import subprocess
from collections import Counter
from datetime import datetime, timezone

TURNOUT = "io.turnout."


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--label", required=True)
    a.add_argument("--jfr", required=True)
    a.add_argument("--before", required=True)
    a.add_argument("--after", required=True)
    a.add_argument("--requests", type=int, required=True)
    a.add_argument("--seconds", type=float, required=True)
    a.add_argument("--rps", type=float, default=0)
    a.add_argument("--clk-tck", type=int, default=100)
    a.add_argument("--settings", default="")
    a.add_argument("--load", default="")
    a.add_argument("--perf-script")
    a.add_argument("--perf-note", default="")
    a.add_argument("--top", type=int, default=12)
    a.add_argument("--since", type=float, default=0, help="epoch seconds: JFR events before are left out")
    a.add_argument("--until", type=float, default=float("inf"), help="epoch seconds: JFR events after are left out")
    args = a.parse_args()
    out = []
    w = out.append
    n = max(args.requests, 1)

    w(f"#### Profile: {args.label}")
    w("")
    w(f"One more run after the measured ones, not in the tables: {args.load} for {args.seconds:g} s, "
      f"{args.requests:,} requests ({args.rps:,.0f} req/s, slowed a little by the recording). {args.settings}")
    w("")

    # /proc: user and kernel time per thread over the run.
    before, after = threads(args.before), threads(args.after)
    ms = 1000 / args.clk_tck
    total_u, total_s = (after.get("total", ("", 0, 0))[i] - before.get("total", ("", 0, 0))[i] for i in (1, 2))
    per = []
    for tid, (name, u, s) in after.items():
        if tid == "total":
            continue
        _, u0, s0 = before.get(tid, (name, 0, 0))
        if u - u0 or s - s0:
            per.append((name, u - u0, s - s0))
    per.sort(key=lambda r: -(r[1] + r[2]))
    whole = max(total_u + total_s, 1)
    w(f"CPU time of the JVM over the run (utime and stime, `/proc/PID/task/*/stat`, {ms:g} ms ticks): "
      f"**user {total_u * ms:,.0f} ms ({100 * total_u / whole:.0f}%), kernel {total_s * ms:,.0f} ms "
      f"({100 * total_s / whole:.0f}%)**, that is {total_u * ms * 1000 / n:.1f} µs user + "
      f"{total_s * ms * 1000 / n:.1f} µs kernel per request.")
    w("")
    w("| thread | user | kernel | kernel share | of the JVM's CPU |")
    w("|---|---:|---:|---:|---:|")
    shown, rest = per[:args.top], per[args.top:]
    small = [r for r in shown if (r[1] + r[2]) / whole < 0.01]
    shown = [r for r in shown if r not in small]
    rest += small
    for name, u, s in shown:
        w(f"| `{name}` | {u * ms:,.0f} ms | {s * ms:,.0f} ms | {pct(s, u + s)} | {pct(u + s, whole)} |")
    if rest:
        u, s = sum(r[1] for r in rest), sum(r[2] for r in rest)
        w(f"| {len(rest)} other threads | {u * ms:,.0f} ms | {s * ms:,.0f} ms | {pct(s, u + s)} | {pct(u + s, whole)} |")
    w("")

    # JFR: CPU samples of Java code.
    samples = events(args.jfr, "jdk.ExecutionSample", args.since, args.until)
    native = events(args.jfr, "jdk.NativeMethodSample", args.since, args.until)
    top, own, area, by_thread = Counter(), Counter(), Counter(), Counter()
    for e in samples:
        v = e["values"]
        frames = (v.get("stackTrace") or {}).get("frames") or []
        by_thread[thread_name(v.get("sampledThread"))] += 1
        if not frames:
            top["(no stack)"] += 1
            continue
        top[method(frames[0])] += 1
        area[classify(frames[0])] += 1
        mine = next((f for f in frames if type_name(f).startswith(TURNOUT) and "$$Lambda" not in type_name(f)), None)
        own[method(mine) if mine else f"(no Turnout frame; thread {re.sub(r'[0-9]+', 'N', thread_name(v.get('sampledThread')))})"] += 1
    total = sum(by_thread.values())
    w(f"JFR CPU samples (`jdk.ExecutionSample`): **{total:,}**, by thread: "
      + ", ".join(f"`{k}` {pct(c, total)}" for k, c in by_thread.most_common(4))
      + ". JFR samples threads running Java code only: the kernel's time (syscalls, the loopback TCP stack) "
        "is in the *kernel* column above"
      + (" and in perf's tables below." if args.perf_script else ", and nowhere in JFR.")
      + " *Self* is the top frame of each sample; *own* the first `io.turnout` frame of the stack, which "
        "charges JDK code (NIO, JSSE, collections) to the Turnout method that called it.")
    w("")
    if total:
        table(w, "top frame (self)", top, total, args.top)
        table(w, "Turnout's own method", own, total, args.top)
        w("By area (the top frame's package): " + ", ".join(f"{k} {pct(c, total)}" for k, c in area.most_common()) + ".")
        w("")
    ntop = Counter()
    for e in native:
        frames = (e["values"].get("stackTrace") or {}).get("frames") or []
        ntop[method(frames[0]) if frames else "(no stack)"] += 1
    ntotal = sum(ntop.values())
    if ntotal:
        w(f"JFR native-method samples (`jdk.NativeMethodSample`, threads in native code, running or blocked: "
          f"JFR cannot tell `epoll_wait` waiting from `write` working): {ntotal:,}; top frames: "
          + ", ".join(f"`{k}` {pct(c, ntotal)}" for k, c in ntop.most_common(6)) + ".")
        w("")

    # perf: the kernel.
    if args.perf_script:
        perf_section(w, args.perf_script, args.top)
    else:
        w(f"Kernel stacks: not in JFR; perf {args.perf_note or 'was not run'}.")
        w("")
    while out and out[-1] == "":
        out.pop()
    print("\n".join(out))
    print()


def perf_section(w, path, top_n):
    total, kernel = 0, 0
    ksym, syscall, softirq, by_comm, user_dso = Counter(), Counter(), Counter(), Counter(), Counter()
    for comm, frames in perf_samples(path):
        if not frames:
            continue
        total += 1
        by_comm[comm] += 1
        sym, dso = frames[0]
        if dso == KERNEL:
            kernel += 1
            ksym[sym] += 1
            e = entry(frames)
            syscall[e] += 1
            if any(s in SOFTIRQ for s, d in frames if d == KERNEL):
                softirq[e] += 1
        else:
            user_dso[user_area(dso, sym)] += 1
    if not total:
        w("perf recorded no samples of the JVM.")
        w("")
        return
    w(f"perf (`perf record -g -e cpu-clock -F 999 -p JVM`, all threads): {total:,} samples, **kernel "
      f"{pct(kernel, total)}**, user {pct(total - kernel, total)} ("
      + ", ".join(f"{k} {pct(c, total)}" for k, c in user_dso.most_common(5)) + "); by thread: "
      + ", ".join(f"`{k}` {pct(c, total)}" for k, c in by_comm.most_common(4))
      + ". On loopback the receiving side's TCP work runs in the sender's softirq, inside its `write`/`writev`: "
        "the last column.")
    w("")
    if kernel:
        table(w, "kernel symbol (self)", ksym, total, top_n)
        w("| kernel samples by syscall (or entry) | samples | of all samples | of which in softirq |")
        w("|---|---:|---:|---:|")
        for k, c in syscall.most_common(top_n):
            w(f"| {k} | {c:,} | {pct(c, total)} | {pct(softirq[k], c)} |")
        left = kernel - sum(c for _, c in syscall.most_common(top_n))
        if left:
            w(f"| {len(syscall) - top_n} others | {left:,} | {pct(left, total)} | |")
        w("")


def perf_samples(path):
    """(comm, [(symbol, dso), ...] leaf first) per sample of `perf script -F comm,tid,ip,sym,dso`."""
    comm, frames = None, []
    frame = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")
    with open(path, errors="replace") as f:
        for line in f:
            if not line.strip():
                if comm is not None:
                    yield comm, frames
                comm, frames = None, []
                continue
            if line[0].isspace():
                m = frame.match(line)
                if m:
                    sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
                    frames.append((sym, m.group(2)))
            else:
                if comm is not None:
                    yield comm, frames
                parts = line.split()
                comm, frames = " ".join(parts[:-1]) if len(parts) > 1 else line.strip(), []
    if comm is not None:
        yield comm, frames


KERNEL = "[kernel.kallsyms]"
SOFTIRQ = {"handle_softirqs", "__do_softirq", "net_rx_action", "do_softirq"}


def entry(frames):
    """What a kernel sample was doing, from its stack (leaf first): the syscall (the kernel frame under
    do_syscall_64, else the libc wrapper that made it), or the interrupt or fault it came in by."""
    kernel = [s for s, d in frames if d == KERNEL]
    user = next((s for s, d in frames if d != KERNEL), None)
    if "do_syscall_64" in kernel:
        i = kernel.index("do_syscall_64")
        name = syscall_name(kernel[i - 1] if i else None) or syscall_name(user, wrapper=True)
        return f"`{name}`" if name else "a syscall (unnamed)"
    if any("page_fault" in s for s in kernel):
        return "page faults"
    if any(s.startswith("asm_") for s in kernel):
        return "interrupts (timer, IPIs) from user code"
    return "other kernel entry"


def syscall_name(sym, wrapper=False):
    if not sym:
        return None
    if wrapper:
        sym = re.sub(r"@.*$", "", sym)
        sym = re.sub(r"^(__GI___|__GI_|__libc_|__)", "", sym)
        return sym if re.fullmatch(r"[a-z_0-9]+", sym) else None
    m = re.fullmatch(r"(?:__x64_sys_|__ia32_sys_|__se_sys_|__do_sys_|ksys_|do_sys_|do_)(\w+)", sym)
    return m.group(1) if m else None


def user_area(dso, sym):
    name = dso.rsplit("/", 1)[-1]
    if name.startswith("perf-") or name in ("[unknown]", "//anon") or name.startswith("["):
        return "JIT-compiled and interpreted Java"
    if name == "libjvm.so":
        return "the JVM (libjvm: GC, JIT compilers, runtime)"
    if name.startswith("libc.") or name.startswith("libpthread"):
        return "libc"
    return name


def events(path, name, since, until):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", name, path],
                         check=True, capture_output=True, text=True).stdout
    return [e for e in json.loads(out)["recording"]["events"] if since <= epoch(e["values"]["startTime"]) <= until]


def epoch(iso):
    """2026-12-02T04:56:54.739408880Z (JFR's JSON, UTC) to epoch seconds."""
    whole, _, frac = iso.rstrip("Z").partition(".")
    return datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() + float("0." + (frac or "0"))


def type_name(f):
    """The class, dotted (JFR's JSON has java/lang/String), a lambda's hidden-class suffix cut."""
    name = f["method"]["type"]["name"].replace("/", ".")
    return re.sub(r"\$\$Lambda\$.*", "$$Lambda", name)


def method(f):
    return f"{type_name(f)}.{f['method']['name']}"


def thread_name(t):
    if not t:
        return "?"
    return t.get("javaName") or t.get("osName") or "?"


def classify(f):
    t = type_name(f)
    if t.startswith(TURNOUT):
        return "Turnout"
    if t.startswith(("sun.security.", "javax.net.ssl.", "com.sun.crypto.", "java.security.", "javax.crypto.")):
        return "JSSE and crypto"
    if t.startswith(("sun.nio.", "java.nio.", "jdk.internal.misc.Unsafe", "jdk.internal.misc.ScopedMemoryAccess",
                     "java.net.")):
        return "NIO and its buffers"
    if t.startswith("java.util.concurrent."):
        return "java.util.concurrent"
    if t.startswith("org.tinylog."):
        return "tinylog"
    if t.startswith(("java.", "jdk.", "sun.", "com.sun.")):
        return "JDK, other"
    return "other"


def table(w, title, counter, total, n):
    w(f"| {title} | samples | of all samples |")
    w("|---|---:|---:|")
    for k, c in counter.most_common(n):
        name = k if k.startswith("(") or k.startswith("`") or " " in k else f"`{k}`"
        w(f"| {name} | {c:,} | {pct(c, total)} |")
    left = sum(counter.values()) - sum(c for _, c in counter.most_common(n))
    if left:
        w(f"| {len(counter) - n} others | {left:,} | {pct(left, total)} |")
    w("")


def threads(path):
    rows = {}
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 4:
            rows[parts[0]] = (parts[1], int(parts[2]), int(parts[3]))
    return rows


def pct(a, b):
    return f"{100 * a / b:.1f}%" if b else "—"


if __name__ == "__main__":
    main()
