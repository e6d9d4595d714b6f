"""Tables and PNG plots comparing simulated policies (used by the ``simulate`` command)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from exam_stack.simulation.model import LATENCY_BINS, RunResult


def summary_rows(results: list[RunResult], slo_s: float) -> list[dict[str, str]]:
    rows = []
    for r in results:
        rows.append(
            {
                "policy": r.policy,
                "submissions": f"{r.arrived:,.0f}",
                f"graded ≤ {slo_s:g}s": f"{100 * r.slo_attainment(slo_s):.1f}%",
                "p50 / p95 / p99 (s)": f"{r.percentile(50):.1f} / {r.percentile(95):.1f} / "
                f"{r.percentile(99):.1f}",
                "peak backlog": f"{r.peak_backlog:,.0f}",
                "max wait (s)": f"{r.max_oldest_age_s:,.0f}",
                "to Lambda": f"{100 * r.lambda_share:.1f}%",
                "Lambda $": f"{r.lambda_cost_usd:,.2f}",
                "cluster $": f"{r.cluster_cost_usd:,.2f}",
                "transitions": str(r.transitions),
            }
        )
    return rows


def markdown_table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return ""
    headers = list(rows[0])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row[h] for h in headers) + " |" for row in rows]
    return "\n".join(lines)


def plot_backlog(results: list[RunResult], path: Path) -> Path:
    fig, axes = plt.subplots(3, 1, figsize=(11, 9), sharex=True)
    for r in results:
        hours = np.asarray(r.timeline.t) / 3600.0
        axes[0].plot(hours, r.timeline.backlog, label=r.policy, lw=1)
        axes[1].plot(hours, r.timeline.replicas, label=r.policy, lw=1)
        axes[2].plot(hours, r.timeline.lambda_envs, label=r.policy, lw=1)
    axes[0].set_ylabel("backlog (submissions)")
    axes[1].set_ylabel("grader replicas")
    axes[2].set_ylabel("Lambda envs in use (warm)")
    axes[2].set_xlabel("hours into the day")
    axes[0].legend(loc="upper right", fontsize=8)
    axes[0].set_title("Backlog, grader replicas and Lambda environments per policy")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_latency_cdf(results: list[RunResult], slo_s: float, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(8, 5))
    edges = LATENCY_BINS[1:-1]
    for r in results:
        total = r.latency_hist.sum()
        if total <= 0:
            continue
        cdf = np.cumsum(r.latency_hist[:-1]) / total
        ax.step(edges, cdf, where="post", label=r.policy)
    ax.axvline(slo_s, color="grey", ls="--", lw=1, label=f"SLO {slo_s:g}s")
    ax.set_xscale("log")
    ax.set_xlabel("time to grade (s, log)")
    ax.set_ylabel("share of submissions")
    ax.set_title("Time-to-grade distribution per policy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_cost_vs_slo(results: list[RunResult], slo_s: float, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 5))
    for r in results:
        cost = r.lambda_cost_usd + r.cluster_cost_usd
        ax.scatter(cost, 100 * r.slo_attainment(slo_s), s=60)
        ax.annotate(
            r.policy,
            (cost, 100 * r.slo_attainment(slo_s)),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xlabel("total cost of the day (USD: Lambda + cluster vCPU)")
    ax.set_ylabel(f"graded within {slo_s:g}s (%)")
    ax.set_title("Cost vs SLO attainment")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
