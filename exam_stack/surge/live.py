"""The live view of a surge run (rich): what an operator would watch on exam day."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from exam_stack.surge.monitor import Timeline
from exam_stack.surge.students import StudentStats


def _fmt(value: float | None, spec: str = ".2f", unit: str = "") -> str:
    return "unknown" if value is None else f"{value:{spec}}{unit}"


def _bar(value: float | None, threshold: float, width: int = 30) -> Text:
    if value is None:
        return Text("unknown", style="yellow")
    filled = round(min(1.0, value) * width)
    mark = round(threshold * width)
    text = Text()
    for i in range(width):
        char = "█" if i < filled else "·"
        style = "red" if i >= mark and i < filled else ("green" if i < filled else "dim")
        text.append("│" if i == mark else char, style="bold white" if i == mark else style)
    text.append(f" {value:.2f} (threshold {threshold:.2f})")
    return text


def render(
    phase: str, timeline: Timeline, stats: StudentStats, label: str, threshold: float
) -> Panel:
    last = timeline.samples[-1] if timeline.samples else None

    def get(name: str) -> float | None:
        return last.get(name) if last else None

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("phase", phase)
    if timeline.console_url:
        user, password = timeline.console_login or ("", "")
        table.add_row("proctor console", f"{timeline.console_url}  (sign in: {user} / {password})")
    table.add_row("t", f"{last.t:.0f} s since the exam opened" if last else "-")
    table.add_row("utilization", _bar(get("utilization"), threshold))
    mode = (last.mode if last else None) or "unknown"
    table.add_row("mode", Text(mode, style="bold red" if mode == "overflow" else "bold green"))
    table.add_row("grader replicas", _fmt(get("replicas"), ".0f"))
    table.add_row(
        "queue / in progress",
        f"{_fmt(get('queue_length'), '.0f')} / "
        f"{_fmt(get('pending'), '.0f')}  (oldest pending "
        f"{_fmt(get('oldest_age'), '.1f', ' s')})",
    )
    table.add_row(
        "spill rate",
        f"{_fmt(get('spill_rate'), '.1f', '/s')}  (spilled "
        f"{_fmt(get('spilled'), '.0f')}, in flight {_fmt(get('in_flight'), '.0f')})",
    )
    table.add_row(
        "graded",
        f"cluster {_fmt(get('graded_cluster'), '.0f')}, lambda {_fmt(get('graded_lambda'), '.0f')}",
    )
    table.add_row(
        "students",
        f"started {stats.started}, autosaves {stats.autosaves}, "
        f"submitted {stats.submitted}, start throttled {stats.throttled_starts}",
    )
    table.add_row(
        "ack latency",
        f"p50 {stats.ack_percentile(50) * 1000:.1f} ms, "
        f"p95 {stats.ack_percentile(95) * 1000:.1f} ms, "
        f"p99 {stats.ack_percentile(99) * 1000:.1f} ms",
    )
    table.add_row(
        "throttles / errors",
        f"{_fmt(get('throttles'), '.0f')} / {stats.errors + int(get('invoke_errors') or 0)}",
    )
    body = Group(table, *(Text(e, style="red") for e in stats.error_samples[-3:]))
    return Panel(body, title=f"exam-day surge — {label}", border_style="cyan")


def status_line(phase: str, timeline: Timeline, stats: StudentStats, label: str) -> str:
    """One plain line for logs (no terminal): the live view's key figures."""
    last = timeline.samples[-1] if timeline.samples else None

    def get(name: str) -> float | None:
        return last.get(name) if last else None

    t = f"t={last.t:.0f}s" if last else "t=-"
    return (
        f"[{label}] {t} {phase} | util {_fmt(get('utilization'))} mode "
        f"{(last.mode if last else None) or 'unknown'} replicas {_fmt(get('replicas'), '.0f')} "
        f"queue {_fmt(get('queue_length'), '.0f')} oldest {_fmt(get('oldest_age'), '.1f', 's')} "
        f"spilled {_fmt(get('spilled'), '.0f')} | submitted {stats.submitted} "
        f"ack p95 {stats.ack_percentile(95) * 1000:.0f}ms errors {stats.errors}"
    )
