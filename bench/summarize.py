#!/usr/bin/env python3
"""Summarizes weft_bench JSON output: medians of each benchmark and the targets.

Usage:
  weft_bench --benchmark_repetitions=5 --benchmark_format=json > out.json
  bench/summarize.py out.json

With repetitions the median aggregate of each benchmark is used, otherwise the single run.
Ratios are taken between medians of the same run, so both sides saw the same machine load.
"""
import json
import sys

# (label, benchmark, counter or time field, target test, target text)
TARGETS = [
    ("task switch / raw round trip", "switch_runtime_yield/plain/tasks:2", "ratio", lambda v: v <= 2.0, "<= 2x"),
    ("spawn+run+join, ns", "spawn_join_runtime/plain", "ns_per_task", lambda v: v <= 150, "<= 150 ns"),
    ("1M timers, s", "timers_runtime/distinct/tasks:1000/sleeps:1000", "seconds_per_1M", lambda v: v < 1.0, "< 1 s"),
    ("100k parked tasks, MiB resident", "memory_parked_tasks/tasks:100000/iterations:1", "rss_parked_MiB",
     lambda v: v < 1024, "< 1024 MiB"),
]


def load(path):
    with open(path) as f:
        data = json.load(f)
    runs = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") != "median":
                continue
            runs[b["run_name"]] = b
        elif b["run_name"] not in runs or runs[b["run_name"]].get("run_type") != "aggregate":
            if b.get("repetitions", 1) <= 1:
                runs[b["run_name"]] = b
    return runs


def to_ns(b, field):
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
    return b[field] * scale


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    runs = load(sys.argv[1])
    skip = {"name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations",
            "real_time", "cpu_time", "time_unit", "family_index", "per_family_instance_index",
            "aggregate_name", "aggregate_unit", "error_occurred", "error_message"}
    print(f"{'benchmark':60} {'cpu':>14}  counters")
    for name, b in runs.items():
        counters = "  ".join(f"{k}={b[k]:.4g}" for k in sorted(b) if k not in skip)
        err = f"  ERROR: {b['error_message']}" if b.get("error_occurred") else ""
        print(f"{name:60} {to_ns(b, 'cpu_time'):>11.1f} ns  {counters}{err}")

    raw = runs.get("switch_raw_fcontext_round_trip")
    pingpong, channel = runs.get("channel_baseline_yield_pingpong"), runs.get("channel_round_trip/plain")
    if pingpong and channel:
        print(f"\nchannel round trip: {channel['ns_per_round_trip']:.1f} ns, "
              f"{channel['ns_per_round_trip'] / pingpong['ns_per_round_trip']:.2f}x a two-switch yield ping-pong")
    print("\ntargets (medians):")
    for label, name, field, ok, text in TARGETS:
        b = runs.get(name)
        if b is None or b.get("error_occurred"):
            print(f"  {label:34} {'missing':>10}  target {text}")
            continue
        if field == "ratio":
            if raw is None:
                print(f"  {label:34} {'no raw':>10}  target {text}")
                continue
            value = b["ns_per_switch"] / raw["ns_per_switch"]
        elif field == "seconds_per_1M":
            value = to_ns(b, "real_time") / 1e9
        else:
            value = b[field]
        print(f"  {label:34} {value:>10.3f}  target {text}: {'met' if ok(value) else 'MISSED'}")


if __name__ == "__main__":
    main()
