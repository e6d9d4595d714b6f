"""Run every benchmark one after another (``make bench`` / ``python -m benchmarks.run_all``).

Each benchmark writes its own ``benchmarks/<name>/RESULTS.md`` (command, machine, figures,
plots); ``benchmarks/README.md`` summarises them. Run on a quiet machine: the figures are
medians of several runs with ratios against a baseline measured in the same run, but absolute
numbers still move with other load.
"""

from __future__ import annotations

import subprocess
import sys
import time

from rich.console import Console
from rich.progress import Progress

BENCHMARKS = ["grading", "parsing", "code", "ingest", "overflow", "reaction"]


def main(argv: list[str]) -> int:
    selected = argv or BENCHMARKS
    unknown = sorted(set(selected) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    console = Console()
    failed = []
    with Progress(console=console) as progress:
        task = progress.add_task("benchmarks", total=len(selected))
        for name in selected:
            progress.update(task, description=f"benchmarks.{name}")
            started = time.monotonic()
            code = subprocess.call([sys.executable, "-m", f"benchmarks.{name}"])
            console.print(
                f"benchmarks.{name}: exit {code} in {time.monotonic() - started:.0f}s "
                f"-> benchmarks/{name}/RESULTS.md"
            )
            if code:
                failed.append(name)
            progress.advance(task)
    if failed:
        console.print(f"[red]failed: {', '.join(failed)}[/]")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
