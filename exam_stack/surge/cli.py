"""The ``assessment-engine surge`` command: the README's main job.

Starts the whole local stack with real components, runs an exam-day deadline surge with live
view, repeats it without overflow as the control, and writes the report with plots, the
exactly-once audit, and a calibration file for the what-if simulator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from exam_stack.surge.report import RunOutcome


def register(app: typer.Typer) -> None:
    app.command("surge")(surge)


def surge(
    students: Annotated[int, typer.Option(help="Simulated students.")] = 400,
    duration: Annotated[float, typer.Option(help="Exam length in seconds.")] = 60.0,
    workers: Annotated[int, typer.Option(help="Maximum grader workers (the 'cluster').")] = 2,
    threshold: Annotated[float, typer.Option(help="Overflow threshold (utilization).")] = 0.70,
    release: Annotated[
        float | None, typer.Option(help="Release threshold (default -0.10).")
    ] = None,
    lambda_concurrency: Annotated[int, typer.Option(help="Max Lambda concurrency.")] = 4,
    control: Annotated[bool, typer.Option(help="Also run the control (no overflow).")] = True,
    code: Annotated[bool, typer.Option(help="Include programming questions.")] = True,
    seed: Annotated[int, typer.Option(help="Seed of the student simulation.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Report directory.")] = None,
    pages: Annotated[
        bool, typer.Option(help="Serve the proctor console watching the simulated students.")
    ] = True,
    chaos: Annotated[
        bool,
        typer.Option(
            help="During the overflow run, kill -9 every component once at seeded moments "
            "(API, a worker, dispatcher, operator, redis-server, the Lambda service, a Lambda "
            "environment mid-invoke, Prometheus), restart each and time its recovery."
        ),
    ] = False,
    chaos_seed: Annotated[int, typer.Option(help="Seed of the chaos schedule.")] = 1,
) -> None:
    """Run an exam-day surge on this machine and report what happened."""
    import asyncio
    import json
    import signal
    import time

    from rich.console import Console
    from rich.live import Live

    from exam_stack.localstack.processes import MissingBinaryError
    from exam_stack.surge import live
    from exam_stack.surge.report import write_report
    from exam_stack.surge.run import RunConfig, execute
    from exam_stack.surge.stack import StackConfig, preflight

    console = Console()
    try:
        preflight()
    except MissingBinaryError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(3) from exc
    release_threshold = release if release is not None else round(threshold - 0.10, 2)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    # absolute, so every process the run starts finds it whatever directory it works in
    out_dir = (out or Path("reports") / f"surge-{stamp}").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on SIGTERM too
    stack = StackConfig(
        workers=workers,
        threshold=threshold,
        release_threshold=release_threshold,
        lambda_concurrency=lambda_concurrency,
        console=pages,
    )
    plans = [
        RunConfig(
            "overflow",
            students,
            duration,
            stack,
            seed=seed,
            include_code=code,
            chaos=chaos,
            chaos_seed=chaos_seed,
        )
    ]
    if control:
        plans.append(
            RunConfig(
                "control",
                students,
                duration,
                StackConfig(**{**stack.__dict__, "overflow": False}),
                seed=seed,
                include_code=code,
            )
        )
    outcomes = []
    last_line = [0.0]
    shown: set[str] = set()
    with Live(console=console, refresh_per_second=4, transient=False) as view:

        def render(phase, timeline, stats, label) -> None:  # type: ignore[no-untyped-def]
            view.update(live.render(phase, timeline, stats, label, threshold))
            if timeline.console_url and timeline.console_url not in shown:
                shown.add(timeline.console_url)
                user, password = timeline.console_login
                console.print(
                    f"[bold]{label}: watch the surge in the proctor console[/] "
                    f"{timeline.console_url}  (sign in: {user} / {password})",
                    soft_wrap=True,
                )
            if not console.is_terminal and time.monotonic() - last_line[0] >= 5.0:
                last_line[0] = time.monotonic()  # logs and CI get a plain line every 5 s
                console.print(live.status_line(phase, timeline, stats, label), soft_wrap=True)

        try:
            for plan in plans:
                outcomes.append(asyncio.run(execute(plan, out_dir / plan.label, render)))
        except KeyboardInterrupt:
            console.print("[yellow]interrupted: every process of the run was stopped[/]")
            raise typer.Exit(130) from None
    notes = _notes(chaos, chaos_seed, control)
    report = write_report(outcomes, out_dir, notes)
    calibration = _calibration(outcomes[0], stack)
    (out_dir / "calibration.json").write_text(json.dumps(calibration, indent=2))
    summary = _summary(outcomes)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    for outcome in outcomes:
        for line in outcome.audit.lines():
            console.print(line.replace("**", ""))
        _print_chaos(console, outcome)
    console.print(f"report: {report}")
    if not all(o.passed for o in outcomes):
        raise typer.Exit(1)


def _calibration(outcome, stack) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Service times measured in the overflow run, for ``simulate --calibration``."""
    graded_cluster = max(1.0, float(outcome.audit.graded_by.get("cluster", 0)))
    spilled = max(1.0, outcome.final("spilled"))
    busy = outcome.final("worker_busy_s")
    invoke = outcome.final("invoke_s")
    invocations = max(1.0, outcome.final("invocations"))
    cal = {
        "worker_slots": stack.worker_concurrency,
        "pod_start_s": 1.0,
        "lambda_reserved_concurrency": stack.lambda_concurrency,
        "lambda_memory_mb": stack.function_memory_mb,
        "scrape_interval_s": 1.0,
    }
    if busy > 0:
        cal["worker_service_s"] = busy / graded_cluster
    if invoke > 0:
        per_invoke = invoke / invocations
        cal["lambda_service_s"] = invoke / spilled
        cal["lambda_invoke_overhead_s"] = min(per_invoke, 0.05)
    return cal


def _summary(outcomes: list[RunOutcome]) -> dict[str, dict[str, object]]:
    """summary.json: per run, the audit verdict and, in a chaos run, every kill and recovery."""
    summary: dict[str, dict[str, object]] = {
        o.label: {
            "audit_passed": o.audit.passed,
            "passed": o.passed,
            "duplicate_results": o.audit.duplicate_results,
            "retries": o.stats.retries,
            "chaos": None
            if o.chaos is None
            else {
                "seed": o.chaos.seed,
                "complete": o.chaos.complete,
                "killed": sorted(o.chaos.killed()),
                "recovered": sorted(o.chaos.recovered()),
                "events": [e.as_dict() for e in o.chaos.events],
            },
            "graded_by": o.audit.graded_by,
            "acknowledged": o.audit.acknowledged,
            "stored": o.audit.stored,
        }
        for o in outcomes
    }
    return summary


def _print_chaos(console: Console, outcome: RunOutcome) -> None:
    if outcome.chaos is None:
        return
    for e in outcome.chaos.events:
        ttr = e.time_to_recover_s
        console.print(
            f"chaos: {e.component} {e.cause} at {e.killed_at:.1f}s, "
            + (f"recovered in {ttr:.2f}s" if ttr is not None else "NOT recovered")
        )


def _notes(chaos: bool, chaos_seed: int, control: bool) -> list[str]:
    notes = [
        "The whole stack ran on this machine with real components: redis-server (AOF, "
        "appendfsync always), prometheus (1 s scrape), the local Lambda service with real "
        "awslambdaric environments, the API, grader workers started and scaled by the operator's "
        "local mode, and the overflow dispatcher.",
        "The 'cluster' (operator and workers) is pinned to one CPU and the 'Lambda' (local "
        "service and environments) to the other, so spilling adds real capacity.",
    ]
    if chaos:
        notes.append(
            f"Chaos (seed {chaos_seed}): during the overflow run every component was killed "
            "with SIGKILL once at a seeded moment and restarted; the plots mark each kill "
            "(solid line), restart (dashed) and the time until it answered again (shaded)."
        )
    if control:
        notes.append(
            "The control run repeats the same workload (same seed) without the "
            "dispatcher: nothing can spill, so the difference is the benefit of overflow."
        )
    return notes
