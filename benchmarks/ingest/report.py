"""Figures from samples (percentiles, rates, medians over runs), the table, the plot."""

from __future__ import annotations

import platform
import statistics
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

Metrics = dict[str, Any]


def summarise(samples: list[list[float]], extra: Metrics) -> Metrics:
    ok = [s for s in samples if s[2] == 202]
    lat_ms = np.array([s[1] for s in ok]) * 1000 if ok else np.array([0.0])
    first = min(s[0] for s in samples)
    last = max(s[0] + s[1] for s in samples)
    return {
        "sent": len(samples),
        "accepted": len(ok),
        "rejected": len(samples) - len(ok),
        "accepted_per_s": len(ok) / (last - first),
        "p50_ms": float(np.percentile(lat_ms, 50)),
        "p95_ms": float(np.percentile(lat_ms, 95)),
        "p99_ms": float(np.percentile(lat_ms, 99)),
        "max_ms": float(lat_ms.max()),
        **extra,
    }


def median_of(runs: list[Metrics]) -> Metrics:
    merged: Metrics = {}
    for key, value in runs[0].items():
        if isinstance(value, bool):
            merged[key] = all(r[key] for r in runs)
        elif isinstance(value, int | float):
            merged[key] = statistics.median(r[key] for r in runs)
        else:
            merged[key] = value
    return merged


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    cores = len(
        [x for x in Path("/proc/cpuinfo").read_text().splitlines() if x.startswith("processor")]
    )
    redis = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True
    ).stdout.split()
    version = next((p for p in redis if p.startswith("v=")), "v=?")[2:]
    return (
        f"{cores} × {cpu}, Linux {platform.release()}, Python {platform.python_version()}, "
        f"redis-server {version}"
    )


ROW = (
    "| {name} | {fsync} | {accepted:.0f}/{sent:.0f} | {accepted_per_s:.0f} | {p50_ms:.1f} | "
    "{p95_ms:.1f} | {p99_ms:.1f} | {max_ms:.1f} | {rejected:.0f} | {stored:.0f} | {count_check} | "
    "{api_cpu} | {redis_cpu:.0%} | {gen_cpu:.0%} |"
)


def table(rows: list[Metrics]) -> str:
    head = (
        "| scenario | appendfsync | 202s/sent | accepted/s | p50 ms | p95 ms | p99 ms | max ms "
        "| rejected | stored | stored == 202s | API CPU | Redis CPU | gen CPU |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for row in rows:
        api_cpu = "—" if row.get("api_cpu") is None else f"{row['api_cpu']:.0%}"
        count = "yes" if row["count_ok"] else "**NO**"
        lines.append(ROW.format(**{**row, "api_cpu": api_cpu, "count_check": count}))
    return head + "\n".join(lines) + "\n"


def plot(curves: dict[str, list[list[float]]], timeline: list[list[float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    for label, samples in curves.items():
        lat = np.sort([s[1] * 1000 for s in samples if s[2] == 202])
        if len(lat):
            left.plot(lat, np.arange(1, len(lat) + 1) / len(lat), label=label)
    left.set_xscale("log")
    left.set_xlabel("acknowledgement latency (ms, log)")
    left.set_ylabel("fraction of submissions")
    left.axvline(50, color="grey", linestyle=":", label="50 ms aim")
    left.set_title("Latency CDF, all runs pooled")
    left.legend(fontsize=8)
    due = [s[0] for s in timeline]
    right.scatter(due, [s[1] * 1000 for s in timeline], s=2, alpha=0.4)
    right.set_xlabel("due time within the surge (s)")
    right.set_ylabel("latency (ms)")
    right.set_title("HTTP surge, appendfsync always (one run)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
