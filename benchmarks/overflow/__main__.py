"""Overflow benchmark: ``.venv/bin/python -m benchmarks.overflow [--runs N] [--submissions N]``.

Measures, in one run on this machine:

1. warm-invoke overhead: the grading function called through boto3 and the local Lambda service
   (real awslambdaric environment, warm) against the same handler called in-process (baseline);
   the same for batches with a code question (4 sandbox runs per submission), against the
   handler in-process on the same sandbox layer (rlimits, as in Lambda);
2. cold start: runtime init (spawn to first ``/next``) and the whole cold invoke seen by boto3;
3. memory of one warm execution environment: the runtime's RSS and the whole process tree
   (runtime + the code sandbox's zygotes, started at init), as RSS and PSS sums (grading
   function and a bare handler for reference);
4. spill-path throughput: submissions/s graded by the overflow dispatcher with N environments
   (``max_lambda_concurrency`` = N) against the in-cluster worker path with N slots, both
   draining the same Redis queue seeded the same way.

Reports medians of ``--runs`` runs; writes ``benchmarks/overflow/RESULTS.md`` and ``results.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from benchmarks.overflow.report import Figures, report
from benchmarks.overflow.stack import Stack

HERE = Path(__file__).parent
console = Console()


@dataclass
class FakeContext:
    """What awslambdaric gives a handler (memory is a string there too)."""

    function_name: str = "exam-grader"
    memory_limit_in_mb: str = "1024"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:exam-grader"
    aws_request_id: str = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def warm_overhead(stack: Stack, runs: int, invokes: int, event: dict[str, Any]) -> dict[str, float]:
    """Median per-invoke latency: in-process handler vs boto3 through the local service."""
    from overflow_functions.grading_function import app

    payload = json.dumps(event).encode()
    lam = stack.client()
    lam.invoke(FunctionName="exam-grader", Payload=payload)  # warm the environment
    direct_runs: list[float] = []
    boto_runs: list[float] = []
    sink = io.StringIO()
    for _ in range(runs):
        samples = []
        with contextlib.redirect_stdout(sink):
            app.lambda_handler(event, FakeContext())
            for _ in range(invokes):
                started = time.perf_counter()
                app.lambda_handler(event, FakeContext())
                samples.append(time.perf_counter() - started)
        sink.seek(0)
        sink.truncate()
        direct_runs.append(_median_ms(samples))
        samples = []
        for _ in range(invokes):
            started = time.perf_counter()
            response = lam.invoke(FunctionName="exam-grader", Payload=payload)
            response["Payload"].read()
            samples.append(time.perf_counter() - started)
        boto_runs.append(_median_ms(samples))
    direct = statistics.median(direct_runs)
    boto = statistics.median(boto_runs)
    return {
        "direct_ms": direct,
        "boto3_ms": boto,
        "ratio": boto / direct,
        "overhead_ms": boto - direct,
    }


def cold_starts(stack: Stack, runs: int) -> dict[str, float]:
    lam = stack.client()
    inits: list[float] = []
    totals: list[float] = []
    bare_inits: list[float] = []
    bare_totals: list[float] = []
    for _ in range(runs):
        for name, init_list, total_list in (
            ("exam-grader", inits, totals),
            ("bare", bare_inits, bare_totals),
        ):
            stack.drop_environments(name)
            started = time.perf_counter()
            lam.invoke(FunctionName=name, Payload=json.dumps(stack.event(1)).encode())
            total_list.append(time.perf_counter() - started)
            init_list.append(stack.last_init_ms(name) / 1000)
    return {
        "init_ms": _median_ms(inits),
        "cold_invoke_ms": _median_ms(totals),
        "bare_init_ms": _median_ms(bare_inits),
        "bare_cold_invoke_ms": _median_ms(bare_totals),
    }


def memory(stack: Stack, runs: int) -> dict[str, float]:
    """Warm environment memory: the runtime's RSS alone and the whole process tree (runtime +
    the sandbox's zygotes), after ordinary batches and a code batch."""
    lam = stack.client()
    values: dict[str, list[float]] = {}
    for _ in range(runs):
        for name in ("exam-grader", "bare"):
            for _ in range(5):
                lam.invoke(FunctionName=name, Payload=json.dumps(stack.event(10)).encode())
            if name == "exam-grader":
                lam.invoke(FunctionName=name, Payload=json.dumps(stack.code_event(10)).encode())
            env = stack.environment_memory(name)
            for key, value in (
                ("runtime_rss_mb", stack.rss_mb(name)),
                ("env_rss_mb", env.rss_mb),
                ("env_pss_mb", env.pss_mb),
                ("zygotes_pss_mb", env.pss_mb - env.runtime_pss_mb),
                ("processes", float(env.processes)),
            ):
                values.setdefault(f"{name}:{key}", []).append(value)
    return {key: statistics.median(samples) for key, samples in values.items()}


async def _drain(stack: Stack, path: str, n_envs: int, submissions: int) -> float:
    """Seconds to grade ``submissions`` queued submissions through one path."""
    from assessment_engine.overflow.dispatcher import Dispatcher
    from assessment_engine.worker.runner import Worker

    redis = await stack.fresh_redis()
    try:
        await stack.seed(redis, submissions)
        stop = asyncio.Event()
        started = time.perf_counter()
        if path == "lambda":
            await stack.publish_overflow(redis, n_envs)
            dispatcher = Dispatcher(stack.dispatcher_settings(), redis, CollectorRegistry())
            task = asyncio.create_task(dispatcher.run(stop))
        else:
            settings = stack.worker_settings(n_envs)
            executor = ProcessPoolExecutor(n_envs)
            worker = Worker(settings, redis, CollectorRegistry(), executor)
            stop = worker.stop
            task = asyncio.create_task(worker.run())
        while True:
            if await stack.graded(redis) >= submissions:
                break
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        stop.set()
        await task
        if path != "lambda":
            executor.shutdown()
        return elapsed
    finally:
        await redis.aclose()


def throughput(
    stack: Stack, runs: int, submissions: int, envs: list[int], progress: Callable[[], None]
) -> dict[tuple[str, int], float]:
    rates: dict[tuple[str, int], list[float]] = {}
    for _ in range(runs):
        for n in envs:
            for path in ("cluster", "lambda"):
                if path == "lambda":
                    stack.set_warm(n)
                seconds = asyncio.run(_drain(stack, path, n, submissions))
                rates.setdefault((path, n), []).append(submissions / seconds)
                progress()
    return {key: statistics.median(values) for key, values in rates.items()}


def _plot(rates: dict[tuple[str, int], float], envs: list[int], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    width = 0.38
    xs = range(len(envs))
    ax.bar(
        [x - width / 2 for x in xs],
        [rates[("cluster", n)] for n in envs],
        width,
        label="cluster worker (N slots, process pool)",
    )
    ax.bar(
        [x + width / 2 for x in xs],
        [rates[("lambda", n)] for n in envs],
        width,
        label="spill path (dispatcher + N environments)",
    )
    ax.set_xticks(list(xs), [str(n) for n in envs])
    ax.set_xlabel("N (worker slots / Lambda environments)")
    ax.set_ylabel("submissions graded per second")
    ax.set_title("Grading throughput, same queue, same machine")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--invokes", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--envs", default="1,2,4")
    args = parser.parse_args()
    envs = [int(n) for n in args.envs.split(",")]
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ExamOverflow")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    # the local Lambda service does not authenticate; the dispatcher's boto3 client still needs
    # some credentials to sign with, and a host without any would fail every spill invoke
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "bench")
    # in-process code grading on the layer the function takes in Lambda, so that the code
    # rows compare the invoke path, not two isolation layers
    os.environ.setdefault("SANDBOX_ISOLATION", "rlimit")
    load_start = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="bench-overflow-") as tmp,
        Stack(Path(tmp)) as stack,
        Progress(console=console) as bar,
    ):
        task = bar.add_task("overflow benchmark", total=4 + args.runs * len(envs) * 2)
        warm1 = warm_overhead(stack, args.runs, args.invokes, stack.event(1))
        warm10 = warm_overhead(stack, args.runs, args.invokes, stack.event(10))
        bar.advance(task)
        code_invokes = max(5, args.invokes // 4)
        code1 = warm_overhead(stack, args.runs, code_invokes, stack.code_event(1))
        code10 = warm_overhead(stack, args.runs, code_invokes, stack.code_event(10))
        bar.advance(task)
        cold = cold_starts(stack, args.runs)
        bar.advance(task)
        mem = memory(stack, args.runs)
        bar.advance(task)
        rates = throughput(stack, args.runs, args.submissions, envs, lambda: bar.advance(task))
    _plot(rates, envs, HERE / "results.png")
    text = report(args, load_start, Figures(warm1, warm10, code1, code10, cold, mem, rates), envs)
    (HERE / "RESULTS.md").write_text(text)
    table = Table(title="overflow benchmark (medians)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in [
        ("warm direct ms (1 item)", warm1["direct_ms"]),
        ("warm boto3 ms (1 item)", warm1["boto3_ms"]),
        ("ratio", warm1["ratio"]),
        ("warm direct ms (code, 1 item)", code1["direct_ms"]),
        ("warm boto3 ms (code, 1 item)", code1["boto3_ms"]),
        ("cold invoke ms", cold["cold_invoke_ms"]),
        ("runtime RSS MB", mem["exam-grader:runtime_rss_mb"]),
        ("environment PSS MB", mem["exam-grader:env_pss_mb"]),
    ]:
        table.add_row(key, f"{value:.2f}")
    console.print(table)
    console.print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
