#!/usr/bin/env python3
"""Summarises a JFR recording of Turnout under load: where CPU samples land and what allocates.

Usage: jfr_top.py RECORDING.jfr [N]
Prints the N (default 25) hottest top frames of jdk.ExecutionSample, the hottest frames with
their callers folded in (self + inclusive for io.turnout frames), and the top allocation sites
from jdk.ObjectAllocationSample (weighted by the sampled bytes).
"""
import json
import subprocess
import sys
from collections import Counter


def events(path, name):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", name, path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def frame(f):
    m = f["method"]
    return f"{m['type']['name']}.{m['name']}:{f.get('lineNumber', '?')}"


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    samples = events(path, "jdk.ExecutionSample")
    top, inclusive = Counter(), Counter()
    for e in samples:
        frames = (e["values"].get("stackTrace") or {}).get("frames") or []
        if not frames:
            continue
        top[frame(frames[0])] += 1
        seen = set()
        for f in frames:
            m = f["method"]
            key = f"{m['type']['name']}.{m['name']}"
            if key.startswith("io.turnout") and key not in seen:
                seen.add(key)
                inclusive[key] += 1
    total = sum(top.values()) or 1
    print(f"CPU samples: {total}")
    print("-- top frames (self) --")
    for k, v in top.most_common(n):
        print(f"{100 * v / total:5.1f}%  {k}")
    print("-- io.turnout methods (inclusive) --")
    for k, v in inclusive.most_common(n):
        print(f"{100 * v / total:5.1f}%  {k}")

    allocs = events(path, "jdk.ObjectAllocationSample")
    sites = Counter()
    for e in allocs:
        frames = (e["values"].get("stackTrace") or {}).get("frames") or []
        turnout = next((frame(f) for f in frames if f["method"]["type"]["name"].startswith("io.turnout")), "?")
        cls = e["values"]["objectClass"]["name"]
        sites[f"{cls} at {frame(frames[0]) if frames else '?'} (from {turnout})"] += e["values"]["weight"]
    print(f"-- allocation samples: {len(allocs)}, weighted bytes {sum(sites.values()):,} --")
    for k, v in sites.most_common(n):
        print(f"{v:>14,} B  {k}")


if __name__ == "__main__":
    main()
