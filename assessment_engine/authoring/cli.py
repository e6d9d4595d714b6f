"""CLI commands of authoring: ``import``, ``grade`` and ``demo`` (the README's main job).

Registered on the ``assessment-engine`` Typer app by `exam_stack.cli`. Thin edges: each
command reads its inputs, calls one domain function (`detect.load_questions`,
``grading.grade``, `demo.grade_batch`) and renders the result. Import errors, invalid
responses and unreadable files exit with code 2 and a one-paragraph message on stderr; a
question that cannot be graded here (``UnsupportedQuestionError``, timeout) exits with 1. Heavy
modules (pydantic models, rich, matplotlib) are imported inside command bodies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from assessment_engine.authoring.demo import BatchReport
    from assessment_engine.grading.models import Question

_CHECKOUT_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_EXAMPLES = _CHECKOUT_EXAMPLES if _CHECKOUT_EXAMPLES.is_dir() else Path("examples")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _load(path: Path) -> list[Question]:
    from assessment_engine.authoring.detect import load_questions
    from assessment_engine.authoring.errors import AuthoringError

    if not path.is_file():
        _fail(f"{path}: no such file")
    try:
        return load_questions(path)
    except AuthoringError as exc:
        _fail(f"{path}: {exc}")


def _pick(questions: list[Question], selector: str | None) -> Question:
    if selector is None:
        if len(questions) != 1:
            _fail(f"the file has {len(questions)} questions: choose one with --question N|ID")
        return questions[0]
    for q in questions:
        if selector in (q.id, q.title):
            return q
    if selector.isdigit() and 1 <= int(selector) <= len(questions):
        return questions[int(selector) - 1]
    _fail(f"no question {selector!r} (give a 1-based number, an id or a title)")


def import_command(
    file: Annotated[Path, typer.Argument(help="GIFT, QTI 2.1/2.2/3.0 XML or JSON bank.")],
    compact: Annotated[bool, typer.Option(help="One line of JSON instead of indented.")] = False,
) -> None:
    """Import questions (format detected from the content) and print them as normalised JSON."""
    from assessment_engine.authoring.bank import dump_bank

    typer.echo(dump_bank(_load(file), indent=None if compact else 2))


def grade_command(
    gift: Annotated[Path, typer.Option("--gift", help="Question file (GIFT, QTI or JSON).")],
    response: Annotated[str, typer.Option(help="The response as JSON, e.g. '[\"Paris\"]'.")],
    question: Annotated[
        str | None, typer.Option(help="1-based number, id or title of the question.")
    ] = None,
) -> None:
    """Grade one response to one question and print the Grade as JSON."""
    from assessment_engine.grading import grade
    from assessment_engine.grading.errors import GradingError, InvalidResponseError

    target = _pick(_load(gift), question)
    try:
        value: Any = json.loads(response)
    except ValueError as exc:
        _fail(f"--response is not valid JSON ({exc}); quote strings: '\"3.14\"'")
    try:
        result = grade(target, value)
    except InvalidResponseError as exc:
        _fail(str(exc))
    except GradingError as exc:  # the question, not the response, is at fault
        typer.echo(f"error: cannot grade {target.id!r}: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(result.model_dump_json(indent=2))


def _render(report: BatchReport, width: int | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=width, soft_wrap=False)
    table = Table(title="Results", show_lines=False)
    for name, justify in [
        ("student", "left"),
        ("name", "left"),
        ("score", "right"),
        ("max", "right"),
        ("percent", "right"),
        ("manual pending", "right"),
        ("invalid responses", "left"),
        ("blank", "right"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in report.students:
        table.add_row(
            s.student_id,
            s.name,
            f"{s.score:.2f}",
            f"{s.max_score:.2f}",
            f"{s.percent:.1f}%",
            str(len(s.pending_manual)),
            ", ".join(s.invalid) or "-",
            str(s.unanswered),
        )
    console.print(table)
    items = Table(title="Per-question facility (mean fraction of marks, all students)")
    for name in ("question", "type", "answered", "invalid", "facility"):
        items.add_column(name, justify="left" if name in ("question", "type") else "right")
    for q in report.questions:
        facility = f"{q.facility:.2f}" if q.facility is not None else f"manual ({q.pending_manual})"
        items.add_row(q.question_id, q.question_type, str(q.answered), str(q.invalid), facility)
    console.print(items)
    percents = [s.percent for s in report.students]
    if percents:
        mean = sum(percents) / len(percents)
        console.print(
            f"{len(percents)} students, mean {mean:.1f}%, "
            f"{sum(1 for s in report.students if s.pending_manual)} awaiting manual grading, "
            f"{sum(len(s.invalid) for s in report.students)} invalid responses"
        )


def _plot(report: BatchReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.hist([s.percent for s in report.students], bins=10, range=(0, 100), color="#4472c4")
    left.set(title="Score distribution", xlabel="percent", ylabel="students")
    stats = [q for q in report.questions if q.facility is not None]
    right.barh([q.question_id for q in stats], [q.facility or 0.0 for q in stats])
    right.set(title="Facility per question", xlabel="mean fraction", xlim=(0, 1))
    right.tick_params(axis="y", labelsize=7)
    right.invert_yaxis()  # exam order, top to bottom
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def demo_command(
    exam: Annotated[Path, typer.Option(help="Exam file.")] = _EXAMPLES / "sample_exam.gift",
    responses: Annotated[Path, typer.Option(help="Students' answers (JSON batch).")] = _EXAMPLES
    / "sample_responses.json",
    plot: Annotated[
        Path, typer.Option(help="PNG with the score histogram and facility per question.")
    ] = Path("reports/demo-results.png"),
    no_plot: Annotated[bool, typer.Option("--no-plot", help="Do not write the PNG.")] = False,
    width: Annotated[int | None, typer.Option(help="Table width (default: terminal).")] = None,
) -> None:
    """Import the sample exam, grade every student's responses, print results and facility."""
    from rich.progress import Progress

    from assessment_engine.authoring.demo import ResponsesFileError, grade_batch, load_responses

    questions = _load(exam)
    try:
        batch = load_responses(responses)
    except ResponsesFileError as exc:
        _fail(str(exc))
    with Progress(transient=True) as progress:
        task = progress.add_task("grading submissions", total=len(batch.students))
        report = grade_batch(questions, batch, lambda _: progress.advance(task))
    _render(report, width)
    if not no_plot:
        try:
            plot.parent.mkdir(parents=True, exist_ok=True)
            _plot(report, plot)
        except OSError as exc:
            _fail(f"cannot write {plot}: {exc.strerror}")
        typer.echo(f"plot written to {plot}")


def register(app: typer.Typer) -> None:
    """Add this component's commands to the ``assessment-engine`` app."""
    app.command("import")(import_command)
    app.command("grade")(grade_command)
    app.command("demo")(demo_command)
