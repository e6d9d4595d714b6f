"""The surge report: Markdown plus PNG plots, comparing the overflow run with its control run
(the same workload with overflow disabled), ending with the exactly-once audit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from assessment_engine.overflow.cost import LIST_PRICES, lambda_prices_note
from exam_stack.surge.audit import AuditReport
from exam_stack.surge.chaos import COMPONENTS, ChaosLog
from exam_stack.surge.monitor import Timeline
from exam_stack.surge.students import StudentStats


@dataclass
class RunOutcome:
    """Everything one run (overflow or control) produced."""

    label: str
    overflow: bool
    threshold: float
    release_threshold: float
    students: int
    duration_s: float
    timeline: Timeline
    stats: StudentStats
    audit: AuditReport
    wall_s: float
    server_ack: dict[str, float | None] = field(default_factory=dict)
    chaos: ChaosLog | None = None

    @property
    def passed(self) -> bool:
        """The audit passed and, in a chaos run, every component was killed and recovered."""
        return self.audit.passed and (self.chaos is None or self.chaos.complete)

    def time_to_grade(self, graded_by: str | None = None) -> np.ndarray:
        return np.array(
            [
                r.time_to_grade_s
                for r in self.audit.records
                if graded_by is None or r.graded_by == graded_by
            ]
        )

    def final(self, name: str) -> float:
        values = [v for v in self.timeline.series(name)[1] if v is not None]
        return float(values[-1]) if values else 0.0

    def peak(self, name: str) -> float:
        values = [v for v in self.timeline.series(name)[1] if v is not None]
        return float(max(values)) if values else 0.0


def _pct(values: np.ndarray, q: float) -> str:
    return f"{np.percentile(values, q):.2f}" if values.size else "n/a"


def _server(run: RunOutcome, key: str) -> str:
    value = run.server_ack.get(key)
    return "n/a" if value is None else f"{value * 1000:.1f}"


def lambda_cost(run: RunOutcome) -> float:
    """The run's Lambda bill at list prices: the dispatcher's metered dollars (REPORT-line
    ``Billed Duration`` × memory, which includes on-demand cold-start init as AWS bills it, plus
    requests), or, if that counter is missing, the metered GB-seconds priced here with one
    request per spilled batch of 10."""
    metered = run.final("lambda_cost")
    estimate = (
        run.final("lambda_gb_s") * LIST_PRICES.gb_second
        + run.final("spilled") / 10 * LIST_PRICES.request
    )
    return max(metered, estimate)


def summary_table(runs: list[RunOutcome]) -> str:
    header = (
        "| run | acknowledged | ack p50 / p95 / p99 (ms), API | ack p50 / p95 / p99 (ms), "
        "students | time-to-grade p50 / p95 / p99 / "
        "max (s) | peak backlog | oldest pending (s) | to Lambda | Lambda cost (USD) | "
        "throttles | errors | mode transitions |"
    )
    lines = [header, "|" + "---|" * 12]
    for run in runs:
        ttg = run.time_to_grade()
        acks = np.array(run.stats.ack_latencies) * 1000
        total = max(1, run.audit.graded)
        lam = run.audit.graded_by.get("lambda", 0)
        cost = lambda_cost(run)
        server = " / ".join(_server(run, k) for k in ("p50", "p95", "p99"))
        client = " / ".join(_pct(acks, q) for q in (50, 95, 99))
        graded = " / ".join(_pct(ttg, q) for q in (50, 95, 99))
        lines.append(
            f"| {run.label} | {run.audit.acknowledged} | {server} | {client} | {graded} / "
            f"{(ttg.max() if ttg.size else float('nan')):.2f} | {run.peak('queue_length'):.0f} | "
            f"{run.peak('oldest_age'):.1f} | {lam} ({100 * lam / total:.0f}%) | {cost:.6f} | "
            f"{run.final('throttles'):.0f} | {run.stats.errors + run.final('invoke_errors'):.0f} | "
            f"{len(run.timeline.transitions())} |"
        )
    return "\n".join(lines)


CHAOS_COLORS = {
    name: f"C{i}" for i, name in enumerate(COMPONENTS)
}  # matplotlib's default color cycle


def draw_chaos(ax: Axes, chaos: ChaosLog | None, *, label_y: float = 0.98) -> None:
    """Draw the kills over a time plot: a solid line at each kill -9, a dashed one at the
    restart, a bar along the bottom until the component answered its health check again, and
    the component's name at the top."""
    if chaos is None:
        return
    for event in chaos.events:
        color = CHAOS_COLORS.get(event.component, "grey")
        end = event.recovered_at if event.recovered_at is not None else ax.get_xlim()[1]
        # down time as a bar along the bottom, apart from the overflow shading
        ax.axvspan(event.killed_at, end, ymin=0, ymax=0.06, color=color, alpha=0.8, lw=0)
        ax.axvline(event.killed_at, color=color, lw=1.2)
        if event.restarted_at is not None:
            ax.axvline(event.restarted_at, color=color, lw=0.8, ls="--")
        mark = "✗" if event.cause == "killed" else "crash"
        ax.annotate(
            f"{mark} {event.component}" + ("" if event.recovered else " (not recovered)"),
            (event.killed_at, label_y),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            rotation=90,
            va="top",
            ha="right",
            color=color,
        )


def chaos_table(chaos: ChaosLog) -> str:
    """Kill, restart and recovery of every component, seconds since the exam opened."""
    lines = [
        "| component | cause | killed at (s) | restarted at (s) | recovered at (s) | "
        "time to recover (s) | detail |",
        "|---|---|---|---|---|---|---|",
    ]

    def fmt(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    for e in chaos.events:
        detail = e.detail.replace("|", "/").replace("\n", " ")[:140]
        lines.append(
            f"| {e.component} | {e.cause} | {e.killed_at:.2f} | {fmt(e.restarted_at)} | "
            f"{fmt(e.recovered_at)} | {fmt(e.time_to_recover_s)} | {detail} |"
        )
    return "\n".join(lines)


def chaos_lines(chaos: ChaosLog) -> list[str]:
    missing = sorted(set(COMPONENTS) - chaos.recovered())
    verdict = (
        "every component was killed (SIGKILL) and recovered"
        if not missing
        else f"NOT killed and recovered: {', '.join(missing)}"
    )
    return [
        f"Chaos seed {chaos.seed}: {verdict}. Time to recover is kill → the component's "
        "health or readiness check answers again (API `/readyz`, Redis `PING` with the AOF "
        "loaded, Prometheus `/-/ready`, the Lambda service's `/health`, the `/metrics` "
        "endpoint of the dispatcher, the operator and the workers; for an execution "
        "environment, a replacement environment running).",
        "",
        chaos_table(chaos),
    ]


def plot_utilization(run: RunOutcome, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(10, 4.5))
    t, util = run.timeline.series("utilization")
    ax.plot(t, [np.nan if u is None else u for u in util], label="utilization (Prometheus)")
    ax.axhline(run.threshold, color="red", ls="--", lw=1, label=f"overflow {run.threshold:.2f}")
    ax.axhline(
        run.release_threshold,
        color="orange",
        ls=":",
        lw=1,
        label=f"release {run.release_threshold:.2f}",
    )
    modes = run.timeline.modes()
    for (t0, mode), (t1, _) in itertools.pairwise(modes):
        if mode == "overflow":
            ax.axvspan(t0, t1, color="tab:red", alpha=0.12, lw=0)
    for when, old, new in run.timeline.transitions():
        ax.axvline(when, color="black", lw=0.6)
        ax.annotate(
            f"{old}→{new}",
            (when, 1.02),
            fontsize=7,
            rotation=90,
            va="bottom",
            xycoords=("data", "axes fraction"),
        )
    ax.set_ylim(0, 1.05)
    draw_chaos(ax, run.chaos, label_y=0.9)
    ax.set_xlabel("seconds since the exam opened")
    ax.set_ylabel("grader utilization")
    ax.set_title(f"{run.label}: utilization vs threshold (shaded: overflow)", pad=40)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_backlog(runs: list[RunOutcome], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(10, 4))
    for run in runs:
        t, q = run.timeline.series("queue_length")
        _, p = run.timeline.series("pending")
        backlog = [(a or 0) + (b or 0) for a, b in zip(q, p, strict=True)]
        ax.plot(t, backlog, label=f"{run.label}: queued + in progress")
    for run in runs:
        draw_chaos(ax, run.chaos)
    ax.set_xlabel("seconds since the exam opened")
    ax.set_ylabel("grading jobs")
    ax.set_title("Grading backlog over time")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_time_to_grade(runs: list[RunOutcome], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for run in runs:
        for graded_by in ("cluster", "lambda"):
            values = np.sort(run.time_to_grade(graded_by))
            if values.size:
                ax.step(
                    values,
                    np.arange(1, values.size + 1) / max(1, run.audit.graded),
                    where="post",
                    label=f"{run.label}: graded by {graded_by}",
                )
        values = np.sort(run.time_to_grade())
        if values.size:
            ax.step(
                values,
                np.arange(1, values.size + 1) / values.size,
                where="post",
                lw=2,
                label=f"{run.label}: all",
            )
    ax.set_xlabel("time to grade: server receive → result stored (s)")
    ax.set_ylabel("share of submissions")
    ax.set_title("Time-to-grade distribution (cumulative)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(runs: list[RunOutcome], out: Path, notes: list[str]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    plots = [plot_utilization(r, out / f"utilization_{r.label}.png") for r in runs if r.overflow]
    plots.append(plot_backlog(runs, out / "backlog.png"))
    plots.append(plot_time_to_grade(runs, out / "time_to_grade.png"))
    main = runs[0]
    md = [
        "# Exam-day surge report",
        "",
        f"{main.students} students, exam of {main.duration_s:g} s, overflow threshold "
        f"{main.threshold:.2f} (release {main.release_threshold:.2f}).",
        "",
        *notes,
        "",
        "## Results",
        "",
        summary_table(runs),
        "",
        "Acknowledgement latency is measured twice: by the API itself (its request histogram "
        "for 202 submits, quantiles interpolated within buckets) and by the simulated students "
        "(request sent → 202 read), which also includes the load generator's own scheduling "
        "delays, since it shares this machine's two cores with everything else.",
        "",
        lambda_prices_note() + " The local Lambda service's REPORT lines bill each "
        "invocation's duration plus, on an on-demand cold start, its Init Duration, at the "
        "configured memory, as AWS bills them; the dispatcher meters those.",
        "",
        "## Plots",
        "",
        *[f"![{p.stem}]({p.name})" for p in plots],
        "",
        "## Audit",
        "",
    ]
    for run in runs:
        md += [f"### {run.label}", "", *run.audit.lines(), ""]
    for run in runs:
        if run.chaos is not None:
            md += [
                f"## Chaos: kills and recoveries ({run.label} run)",
                "",
                *chaos_lines(run.chaos),
                "",
                "Students retried as the real client does (same Idempotency-Key, backoff on "
                "503/429 and connection errors); retries by cause: "
                + (", ".join(f"{k}: {v}" for k, v in sorted(run.stats.retries.items())) or "none"),
                "",
            ]
    path = out / "report.md"
    path.write_text("\n".join(md) + "\n")
    return path
