#!/usr/bin/env python3
"""Turns a JMH JSON result (-rf json) run with -prof gc into the Markdown table of docs/BENCHMARKS.md.

Usage: jmh_table.py jmh.json
"""
import json
import sys


def main():
    print("| benchmark | params | score (ns/op) | error (99.9%) | gc.alloc.rate.norm (B/op) |")
    print("|---|---|---:|---:|---:|")
    for r in json.load(open(sys.argv[1])):
        name = ".".join(r["benchmark"].split(".")[-2:])
        params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items()) or "—"
        score = r["primaryMetric"]
        norm = r["secondaryMetrics"].get("gc.alloc.rate.norm") or r["secondaryMetrics"].get("·gc.alloc.rate.norm")
        alloc = f"{norm['score']:.3f} ± {norm['scoreError']:.3f}" if norm else "n/a"
        print(f"| {name} | {params} | {score['score']:.1f} | ± {score['scoreError']:.1f} | {alloc} |")


if __name__ == "__main__":
    main()
