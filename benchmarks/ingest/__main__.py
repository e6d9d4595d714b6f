"""``python -m benchmarks.ingest``: a deadline surge (10,000 students in 10 s) on the real stack.

For each AOF policy (``always``, the production setting, and ``everysec`` as the baseline) it
starts redis-server and the API (uvicorn, one process), creates an exam with a 10,000-student
roster, starts every attempt, then runs the load generator in its own process:

- **surge**: open loop, submissions due evenly over 10 s (1,000/s), latency from the due time;
- **capacity**: closed loop, 10,000 submissions by 128 concurrent clients;
- **direct surge / direct capacity**: the same without HTTP, ``accept_submission`` in a process.

Each scenario runs ``--runs`` times (median reported); after each run the count check compares
202s with stored submissions and grading jobs. One more surge runs the API under cProfile to say
what limits it. Writes ``RESULTS.md`` and ``surge.png`` next to this file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from benchmarks.ingest.report import machine, median_of, plot, summarise, table
from benchmarks.ingest.stack import (
    BENCH_APP,
    STOCK_APP,
    Stack,
    cpu_seconds,
    mint_tokens,
    prepare_exam,
    start_stack,
)

HERE = Path(__file__).parent
GRADING_STREAM = "exam:{{{}}}:grading"
SUBMISSIONS = "exam:{{{}}}:submissions"


def redis_cpu(client: redis.Redis) -> float:
    info: dict[str, Any] = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_process(module: str, plan: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run a generator process; its result plus ``gen_cpu_s`` (its user + system CPU)."""
    plan_path, out_path = workdir / "plan.json", workdir / "out.json"
    plan_path.write_text(json.dumps(plan))
    before = _children_cpu()
    subprocess.run([sys.executable, "-m", module, str(plan_path), str(out_path)], check=True)
    result: dict[str, Any] = json.loads(out_path.read_text())
    result["gen_cpu_s"] = _children_cpu() - before
    return result


def measure(
    stack: Stack, module: str, plan: dict[str, Any], exam_id: str, workdir: Path, api: bool
) -> tuple[dict[str, Any], list[list[float]]]:
    client = redis.Redis.from_url(stack.redis.url)
    api_before, redis_before, t0 = (
        cpu_seconds(stack.api.pid),
        redis_cpu(client),
        time.perf_counter(),
    )
    out = run_process(module, plan, workdir)
    wall = time.perf_counter() - t0
    api_cpu = (cpu_seconds(stack.api.pid) - api_before) / out["wall_s"] if api else None
    redis_share = (redis_cpu(client) - redis_before) / out["wall_s"]
    stored = int(client.zcard(SUBMISSIONS.format(exam_id)))
    jobs = int(client.xlen(GRADING_STREAM.format(exam_id)))
    client.close()
    samples = out["samples"]
    accepted = sum(1 for s in samples if s[2] == 202)
    metrics = summarise(
        samples,
        {
            "api_cpu": api_cpu,
            "redis_cpu": redis_share,
            "gen_cpu": out["gen_cpu_s"] / out["wall_s"],
            "count_ok": stored == accepted == jobs,
            "stored": stored,
            "process_wall_s": wall,
        },
    )
    return metrics, samples


Spec = tuple[str, str, dict[str, str], bool]
SPECS: list[Spec] = [
    ("HTTP surge", "benchmarks.ingest.loadgen", {"mode": "open"}, True),
    ("HTTP capacity", "benchmarks.ingest.loadgen", {"mode": "closed"}, True),
    ("direct surge", "benchmarks.ingest.direct", {"mode": "open"}, False),
    ("direct capacity", "benchmarks.ingest.direct", {"mode": "closed"}, False),
]
STOCK_SPECS: list[Spec] = [
    ("HTTP surge, stock pool", "benchmarks.ingest.loadgen", {"mode": "open"}, True)
]
ONE_WORKER_SPECS: list[Spec] = [
    ("HTTP surge, 1 worker", "benchmarks.ingest.loadgen", {"mode": "open"}, True)
]


def scenarios(
    stack: Stack,
    fsync: str,
    args: argparse.Namespace,
    workdir: Path,
    progress: Any,
    specs: list[Spec],
) -> tuple[list[dict[str, Any]], dict[str, list[list[float]]]]:
    rows: list[dict[str, Any]] = []
    pooled: dict[str, list[list[float]]] = {}
    for name, module, mode, api in specs:
        n = args.students if "surge" in name else args.capacity_n
        runs = []
        for run in range(args.runs):
            progress(f"{fsync}: {name} run {run + 1}/{args.runs}")
            if api:
                exam_id = asyncio.run(prepare_exam(stack, n))
                plan = {"base_url": stack.base_url, "exam_id": exam_id, "tokens": stack.tokens[:n]}
            else:
                exam_id = f"direct-{fsync}-{name.split()[1]}-{run}"
                plan = {"redis_url": stack.redis.url, "exam_id": exam_id, "n": n}
            plan |= {**mode, "duration_s": args.duration, "connections": args.connections}
            metrics, samples = measure(stack, module, plan, exam_id, workdir, api)
            runs.append(metrics)
            pooled.setdefault(f"{name}, {fsync}", []).extend(samples)
            if name == "HTTP surge" and run == 0 and fsync == "always":
                pooled["_timeline"] = samples
        rows.append({"name": name, "fsync": fsync, **median_of(runs)})
    return rows, pooled


def profile_surge(args: argparse.Namespace, workdir: Path) -> str:
    prof = workdir / "api.prof"
    stack = start_stack(workdir / "profiled", "always", profile_to=prof)
    try:
        students = args.profile_students
        asyncio.run(mint_tokens(stack, students))
        exam_id = asyncio.run(prepare_exam(stack, students))
        plan = {
            "base_url": stack.base_url,
            "exam_id": exam_id,
            "tokens": stack.tokens,
            "mode": "open",
            "duration_s": args.duration * students / args.students,
            "connections": args.connections,
        }
        metrics, _ = measure(stack, "benchmarks.ingest.loadgen", plan, exam_id, workdir, True)
    finally:
        stack.stop()
    out = workdir / "pstats.txt"
    with out.open("w") as stream:
        stats = pstats.Stats(str(prof), stream=stream)
        stats.strip_dirs().sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(35)
    lines = [
        line
        for line in out.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith(("List reduced", "Ordered by:"))
    ]
    return f"(profiled run: p99 {metrics['p99_ms']:.1f} ms)\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--capacity-n", type=int, default=3000, help="submits per capacity run")
    parser.add_argument("--profile-students", type=int, default=3000)
    parser.add_argument("--stock", action="store_true", help="also run the stock create_app pool")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="API processes (uvicorn workers)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()

    from rich.console import Console

    console = Console()
    rows: list[dict[str, Any]] = []
    curves: dict[str, list[list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp, console.status("") as status:
        workdir = Path(tmp)

        def progress(message: str) -> None:
            status.update(message)
            console.log(message)

        load_before = os.getloadavg()
        plans = [
            ("always", SPECS, BENCH_APP, args.workers),
            ("everysec", SPECS, BENCH_APP, args.workers),
        ]
        if args.workers != 1:
            plans.append(("always", ONE_WORKER_SPECS, BENCH_APP, 1))
        if args.stock:
            plans.append(("always", STOCK_SPECS, STOCK_APP, args.workers))
        for index, (fsync, specs, factory, workers) in enumerate(plans):
            progress(f"{fsync}: starting redis + API ({workers} workers), minting tokens")
            stack = start_stack(
                workdir / f"{fsync}-{index}", fsync, app_factory=factory, workers=workers
            )
            try:
                asyncio.run(mint_tokens(stack, args.students))
                found, pooled = scenarios(stack, fsync, args, workdir, progress, specs)
            finally:
                stack.stop()
            rows += found
            curves |= pooled
            partial = (load_before, os.getloadavg())
            write_results(args, rows, "(profile pending)", partial)  # partial results survive
        load_after = os.getloadavg()
        profile = "" if args.no_profile else profile_surge(args, workdir)
    timeline = curves.pop("_timeline", [])
    plot({k: v for k, v in curves.items() if "surge" in k}, timeline, HERE / "surge.png")
    write_results(args, rows, profile, (load_before, load_after))
    console.print(table(rows))


def _ratio(rows: list[dict[str, Any]], a: tuple[str, str], b: tuple[str, str], key: str) -> str:
    def pick(name: str, fsync: str) -> float:
        return float(next(r[key] for r in rows if r["name"] == name and r["fsync"] == fsync))

    try:
        return f"{pick(*a) / pick(*b):.2f}"
    except (StopIteration, ZeroDivisionError):
        return "n/a"


def write_results(
    args: argparse.Namespace,
    rows: list[dict[str, Any]],
    profile: str,
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> None:
    ratios = [
        (
            "p99, HTTP surge: always / everysec",
            ("HTTP surge", "always"),
            ("HTTP surge", "everysec"),
            "p99_ms",
        ),
        (
            "capacity, HTTP: always / everysec",
            ("HTTP capacity", "always"),
            ("HTTP capacity", "everysec"),
            "accepted_per_s",
        ),
        (
            "p99, surge always: HTTP / direct",
            ("HTTP surge", "always"),
            ("direct surge", "always"),
            "p99_ms",
        ),
        (
            "capacity always: HTTP / direct",
            ("HTTP capacity", "always"),
            ("direct capacity", "always"),
            "accepted_per_s",
        ),
    ]
    ratios.append(
        (
            f"accepted/s, HTTP surge always: {args.workers} workers / 1 worker",
            ("HTTP surge", "always"),
            ("HTTP surge, 1 worker", "always"),
            "accepted_per_s",
        )
    )
    lines = [f"| {label} | {_ratio(rows, a, b, key)} |" for label, a, b, key in ratios]
    body = [
        "# Ingest benchmark: deadline surge",
        "",
        f"Command: `.venv/bin/python -m benchmarks.ingest --students {args.students} "
        f"--duration {args.duration:g} --runs {args.runs} --connections {args.connections} "
        f"--capacity-n {args.capacity_n} --profile-students {args.profile_students} "
        f"--workers {args.workers}{' --stock' if args.stock else ''}`",
        "",
        f"Machine: {machine()}. Load generator, API ({args.workers} uvicorn worker processes "
        "unless the row says otherwise, uvloop + httptools) and redis-server share the machine; "
        "'gen CPU' is the load generator's own share of a core. Figures are medians of "
        f"{args.runs} runs per scenario; latency is measured from each request's due time. "
        f"Load average (1/5/15 min) before: {'/'.join(f'{x:.1f}' for x in load[0])}, after: "
        f"{'/'.join(f'{x:.1f}' for x in load[1])} (the machine is shared with other work).",
        "",
        table(rows),
        "Ratios (same run):",
        "",
        "| ratio | value |",
        "|---|---|",
        *lines,
        "",
        "![latency](surge.png)",
        "",
    ]
    if profile:
        body += [
            "## API profile (cProfile, one surge, appendfsync always)",
            "",
            "```",
            profile.rstrip(),
            "```",
            "",
        ]
    args.out.write_text("\n".join(body))


if __name__ == "__main__":
    main()
