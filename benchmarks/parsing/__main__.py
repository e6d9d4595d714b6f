"""Run the import benchmark: ``.venv/bin/python -m benchmarks.parsing [--runs N]``.

Measures questions imported per CPU-second (``time.process_time``, robust to other load) for
GIFT (`parse_gift`) and QTI (`parse_qti`), against baselines measured in the same run: the
JSON bank of the same questions (`parse_bank`: JSON decoding plus model validation, the floor
any importer pays to build validated questions) and, for QTI, defusedxml parsing alone. GIFT is
measured at several document sizes to show the cost per question stays flat (linear parsing).
Reports medians of ``--runs`` runs and writes ``RESULTS.md`` and ``results.png`` here.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import defusedxml.ElementTree as SafeET
from rich.console import Console
from rich.progress import Progress

from assessment_engine.authoring.bank import dump_bank, parse_bank
from assessment_engine.authoring.gift import parse_gift
from assessment_engine.authoring.gift_text import split_blocks
from assessment_engine.authoring.qti import parse_qti

HERE = Path(__file__).parent
EXAMPLES = HERE.parents[1] / "examples"
SIZES = (1, 10, 40)


def _rate(work: Callable[[], int]) -> float:
    started = time.process_time()
    count = work()
    return count / (time.process_time() - started)


def _cases() -> dict[str, tuple[Callable[[], int], int]]:
    exam = (EXAMPLES / "sample_exam.gift").read_text()
    per_copy = len(parse_gift(exam))
    cases: dict[str, tuple[Callable[[], int], int]] = {}
    for copies in SIZES:
        doc = "\n\n".join([exam] * copies)
        bank = dump_bank(parse_gift(doc), indent=None)
        n = per_copy * copies

        def gift(doc: str = doc, n: int = n) -> int:
            parse_gift(doc)
            return n

        def blocks(doc: str = doc, n: int = n) -> int:
            split_blocks(doc)
            return n

        def json_bank(bank: str = bank, n: int = n) -> int:
            parse_bank(bank)
            return n

        cases[f"baseline: parse_bank, {n} questions"] = (json_bank, n)
        cases[f"split_blocks only, {n} questions"] = (blocks, n)
        cases[f"parse_gift, {n} questions"] = (gift, n)
    items = [
        (EXAMPLES / name).read_bytes()
        for name in ("sample_item_qti21.xml", "sample_item_qti30.xml")
    ]

    def qti() -> int:
        for _ in range(100):
            for item in items:
                parse_qti(item)
        return 200

    def xml_only() -> int:
        for _ in range(100):
            for item in items:
                SafeET.fromstring(item, forbid_dtd=True)
        return 200

    cases["baseline: defusedxml parse, 200 items"] = (xml_only, 200)
    cases["parse_qti, 200 items"] = (qti, 200)
    return cases


def _plot(rates: dict[str, float]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for label in ("parse_gift", "baseline: parse_bank", "split_blocks only"):
        points = [
            (int(k.split(", ")[1].split()[0]), v) for k, v in rates.items() if k.startswith(label)
        ]
        ax.plot([n for n, _ in points], [1e6 / v for _, v in points], marker="o", label=label)
    ax.set(xscale="log", xlabel="questions in the document", ylabel="µs per question (CPU)")
    ax.set_title("GIFT import cost per question vs document size")
    ax.legend()
    fig.tight_layout()
    fig.savefig(HERE / "results.png", dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    cases = _cases()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for work, _ in cases.values():
        work()  # warm-up
    with Progress(transient=True) as progress:
        task = progress.add_task("benchmark runs", total=args.runs)
        for _ in range(args.runs):  # interleaved, so load drifts hit every case alike
            for name, (work, _) in cases.items():
                samples[name].append(_rate(work))
            progress.advance(task)
    rates = {name: statistics.median(values) for name, values in samples.items()}
    rows = []
    for name, rate in rates.items():
        size = name.split(", ")[1]
        baseline = next(
            v for k, v in rates.items() if k.startswith("baseline") and k.endswith(size)
        )
        rows.append(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} | {baseline / rate:.2f} |")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = "\n".join(
        [
            "# Import benchmark",
            "",
            f"Command: `.venv/bin/python -m benchmarks.parsing --runs {args.runs}`",
            "",
            f"Machine: {platform.processor() or platform.machine()}; nproc={os.cpu_count()}; "
            f"load average at the end {load}; Python {platform.python_version()}",
            "",
            "Questions per CPU-second of the benchmark process (medians of interleaved runs after "
            "a warm-up). GIFT documents are the sample exam repeated; the baseline for each size "
            "is `parse_bank` of the same questions as JSON (decode + validate), for QTI it is "
            "parsing the two example items with defusedxml only. `x baseline`: relative time.",
            "",
            "| case | questions/s/core | µs each | x baseline |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            "![cost per question](results.png)",
            "",
        ]
    )
    (HERE / "RESULTS.md").write_text(text)
    _plot(rates)
    Console().print(text)


if __name__ == "__main__":
    main()
