"""Run the grading benchmark: ``.venv/bin/python -m benchmarks.grading [--runs N] [--n N]``.

Measures question-gradings per CPU-second (``time.process_time``: the throughput of one core,
unaffected by other processes competing for the machine) in a single process for a mixed
objective exam and for published QTI items graded by the response-processing interpreter
(``benchmarks/grading/qti.py``), against two baselines measured in the same run: a trivial
dict-lookup "grader" (the floor of any Python per-question work) and ``Grade.model_validate``
of a grade dict (what building one validated pydantic result costs). Reports medians of
``--runs`` runs, profiles one run of each mix with cProfile, and writes
``benchmarks/grading/RESULTS.md`` and ``results.png``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import JsonValue
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from assessment_engine.grading import GRADER_VERSION, grade
from assessment_engine.grading.models import Grade, Question
from assessment_engine.grading.submission import grade_submission
from benchmarks.grading import qti
from benchmarks.grading.exam import formula_question, objective_questions, workload

HERE = Path(__file__).parent


def _rate(work: Callable[[], int]) -> float:
    """Gradings per CPU-second of this process: per-core throughput, robust to other load."""
    started = time.process_time()
    count = work()
    return count / (time.process_time() - started)


def _cases(n: int) -> dict[str, Callable[[], int]]:
    questions = objective_questions()
    pairs = workload(questions, n)
    key = {q.id: i for i, q in enumerate(questions)}
    grade_dict = grade(pairs[0][0], pairs[0][1]).model_dump()
    formula_pairs = workload([formula_question()], max(n // 50, 100))
    answers = {q.id: r for q, r in pairs[: len(questions)]}
    by_id = {q.id: q for q in questions}
    ids = [q.id for q in questions]
    submissions = max(n // len(questions), 1)

    def baseline_lookup() -> int:
        hits = 0
        for question, response in pairs:
            hits += key.get(question.id) == response
        return len(pairs)

    def baseline_validate() -> int:
        for _ in pairs:
            Grade.model_validate(grade_dict)
        return len(pairs)

    def objective() -> int:
        for question, response in pairs:
            grade(question, response)
        return len(pairs)

    def submission() -> int:
        for _ in range(submissions):
            grade_submission(by_id, answers, ids)
        return submissions * len(ids)

    def formula() -> int:
        for question, response in formula_pairs:
            grade(question, response)
        return len(formula_pairs)

    return {
        "baseline: dict lookup": baseline_lookup,
        "baseline: Grade.model_validate": baseline_validate,
        "grade(): mixed objective exam": objective,
        "grade_submission(): same exam": submission,
        **qti.cases(n),
        "grade(): formula, sampling x20": formula,
    }


def _per_type(n: int) -> dict[str, float]:
    pairs = workload(objective_questions(), n)
    by_type: dict[str, list[tuple[Question, JsonValue]]] = {}
    for question, response in pairs:
        by_type.setdefault(question.type, []).append((question, response))
    rates = {}
    for kind, items in sorted(by_type.items()):

        def run(items: list[tuple[Question, JsonValue]] = items) -> int:
            for question, response in items:
                grade(question, response)
            return len(items)

        rates[kind] = statistics.median(_rate(run) for _ in range(5))
    return rates


def _profile(n: int, pairs: list[tuple[Question, JsonValue]] | None = None) -> str:
    pairs = workload(objective_questions(), n) if pairs is None else pairs
    profiler = cProfile.Profile()
    profiler.enable()
    for question, response in pairs:
        grade(question, response)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    root = str(Path(__file__).resolve().parents[2]) + os.sep
    return "\n".join(lines[start : start + 13]).replace(root, "")


def _machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line),
            "?",
        )
    except OSError:
        model = "?"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{model}; nproc={os.cpu_count()}; load average at the end {load}; "
        f"Python {platform.python_version()}; {platform.platform()}"
    )


def _plot(medians: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.5))
    names = list(medians)
    ax.barh(names, [medians[name] for name in names], color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlabel("gradings per second, one core (median, log scale)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--n", type=int, default=50_000, help="gradings per run")
    args = parser.parse_args()
    console = Console()
    cases = _cases(args.n)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    with Progress(console=console) as progress:
        task = progress.add_task("grading benchmark", total=args.runs * len(cases))
        for work in cases.values():
            work()  # warm caches, as a long-lived worker would be
        for _ in range(args.runs):
            for name, work in cases.items():  # interleaved, so drift hits every case alike
                samples[name].append(_rate(work))
                progress.advance(task)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    per_type = _per_type(args.n)
    profile = _profile(args.n)
    qti_profile = _profile(args.n, qti.workload(args.n))
    lookup = medians["baseline: dict lookup"]
    validate = medians["baseline: Grade.model_validate"]
    table = Table(title=f"grading throughput (median of {args.runs} runs, {args.n} gradings each)")
    for column in ("case", "gradings/s/core", "µs each", "vs dict lookup", "vs model_validate"):
        table.add_column(column, justify="right" if column != "case" else "left")
    rows: list[tuple[str, ...]] = []
    for name, rate in medians.items():
        row = (
            name,
            f"{rate:,.0f}",
            f"{1e6 / rate:.2f}",
            f"{rate / lookup:.3f}",
            f"{rate / validate:.2f}",
        )
        rows.append(row)
        table.add_row(*row)
    console.print(table)
    for kind, rate in per_type.items():
        console.print(f"  {kind:12} {rate:>12,.0f}/s")
    _plot(medians, HERE / "results.png")
    _write_results(args, rows, per_type, profile, qti_profile)
    console.print(f"wrote {HERE / 'RESULTS.md'} and results.png")


def _write_results(
    args: argparse.Namespace,
    rows: list[tuple[str, ...]],
    per_type: dict[str, float],
    profile: str,
    qti_profile: str,
) -> None:
    lines = [
        "# Grading benchmark",
        "",
        f"Command: `.venv/bin/python -m benchmarks.grading --runs {args.runs} --n {args.n}`",
        "",
        f"Machine: {_machine()}",
        "",
        f"Grader version {GRADER_VERSION}. Single process, one core. Rates are gradings per "
        "CPU-second of the benchmark process (`time.process_time`), so they measure one core's "
        "throughput even when other work shares the machine (wall-clock rates on a loaded "
        f"machine are lower). Medians of {args.runs} interleaved runs of {args.n} gradings, after "
        "one warm-up run (per-question caches filled, as in a long-lived worker).",
        "",
        "| case | gradings/s/core | µs each | vs dict lookup | vs model_validate |",
        "|---|---:|---:|---:|---:|",
        *[f"| {' | '.join(row)} |" for row in rows],
        "",
        "Per question type (median of 5 runs, same workload):",
        "",
        "| type | gradings/s/core |",
        "|---|---:|",
        *[f"| {kind} | {rate:,.0f} |" for kind, rate in per_type.items()],
        "",
        "![throughput](results.png)",
        "",
        "## Profile (cProfile, one run of the mixed exam, top 12 by own time)",
        "",
        "```",
        profile,
        "```",
        "",
        "## Profile (cProfile, one run of the QTI mix, top 12 by own time)",
        "",
        "```",
        qti_profile,
        "```",
        "",
    ]
    notes = HERE / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text()]
    (HERE / "RESULTS.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
