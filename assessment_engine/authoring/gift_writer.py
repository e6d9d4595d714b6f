"""GIFT exporter: ``write_gift(questions) -> str``, the inverse of `authoring.gift.parse_gift`.

Used by round-trip tests and by anyone exporting a bank back to Moodle. Follows Moodle's
``qformat_gift::writequestion`` (``repchar`` escaping, ``=``/``~%w%`` weights, ``{#...}``
numerical answers, ``~#`` catch-all). A ``::title::`` is written when the question has a title or
when its id is not the ``q<N>`` the importer would give it, so ids and titles survive a round
trip. Types GIFT cannot express (ordering, cloze, formula, code) raise `ValueError`.
"""

from __future__ import annotations

from collections.abc import Iterable

from assessment_engine.grading.models import (
    DescriptionQuestion,
    EssayQuestion,
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericalQuestion,
    Question,
    ShortAnswerQuestion,
    TextFormat,
    TrueFalseQuestion,
)

_RESERVED = str.maketrans(
    {"\\": "\\\\", "#": "\\#", "=": "\\=", "~": "\\~", "{": "\\{", "}": "\\}", ":": "\\:"}
    | {"\n": "\\n", "\r": ""}
)


def _escape(text: str) -> str:
    return text.translate(_RESERVED)


def _text(text: str, fmt: TextFormat = "moodle", default: TextFormat = "moodle") -> str:
    """Escaped text with a ``[format]`` prefix when needed (or when the text could be misread)."""
    risky = text[:1] in ("[", "/", "$", "%", "-", ">") or text.startswith("::")
    prefix = f"[{fmt}]" if (text and fmt != default) or risky else ""
    return prefix + _escape(text)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _weight(fraction: float) -> str:
    return _number(round(fraction * 100, 10))


def _feedback(text: str, fmt: TextFormat) -> str:
    return f"#{_text(text, fmt, fmt)}" if text else ""


def _block(lines: list[str], q: Question, opener: str = "{") -> str:
    return opener + "\n\t" + "\n\t".join(lines) + _general(q) + "\n}"


def _multichoice(q: MultipleChoiceQuestion, fmt: TextFormat) -> str:
    marks = [c.fraction == 1 and q.single for c in q.choices]
    if q.single != any(marks) or all(marks):
        raise ValueError(f"GIFT cannot express the choice weights of {q.id!r}")
    lines = []
    for c in q.choices:
        if c.fraction == 1 and q.single:
            mark = "="
        elif c.fraction == 0:
            mark = "~"
        else:
            mark = f"~%{_weight(c.fraction)}%"
        lines.append(mark + _text(c.text, fmt, fmt) + _feedback(c.feedback, fmt))
    return _block(lines, q)


def _shortanswer(q: ShortAnswerQuestion, fmt: TextFormat) -> str:
    if any("->" in a.pattern + a.feedback for a in q.answers):
        raise ValueError(f"GIFT reads '->' in short answers as matching ({q.id!r})")
    lines = [
        f"=%{_weight(a.fraction)}%{_text(a.pattern, fmt, fmt)}" + _feedback(a.feedback, fmt)
        for a in q.answers
    ]
    return _block(lines, q)


def _numerical(q: NumericalQuestion, fmt: TextFormat) -> str:
    lines = []
    for n in q.answers:
        if n.value is None:
            lines.append("~#" + (_text(n.feedback, fmt, fmt) if n.feedback else ""))
            continue
        if n.tolerance_type != "nominal":
            raise ValueError(f"GIFT numerical tolerances are nominal ({q.id!r})")
        value = f"{_number(n.value)}:{_number(n.tolerance)}"
        lines.append(f"=%{_weight(n.fraction)}%{value}" + _feedback(n.feedback, fmt))
    return _block(lines, q, "{#")


def _matching(q: MatchingQuestion, fmt: TextFormat) -> str:
    if any("->" in p.left or not p.left for p in q.pairs):
        raise ValueError(f"GIFT matching stems must be non-empty without '->' ({q.id!r})")
    lines = [f"={_text(p.left, fmt, fmt)} -> {_escape(p.right)}" for p in q.pairs]
    lines += [f"= -> {_escape(d)}" for d in q.distractors]
    return _block(lines, q)


def _truefalse(q: TrueFalseQuestion, fmt: TextFormat) -> str:
    body = "TRUE" if q.answer else "FALSE"
    wrong, right = q.feedback_if_wrong, q.feedback_if_right
    if wrong or right:
        body += f"#{_text(wrong, fmt, fmt)}"
    if right:
        body += f"#{_text(right, fmt, fmt)}"
    return "{" + body + _general(q) + "}"


def _answers(q: Question) -> str:
    fmt = q.text_format
    if isinstance(q, MultipleChoiceQuestion):
        return _multichoice(q, fmt)
    if isinstance(q, ShortAnswerQuestion):
        return _shortanswer(q, fmt)
    if isinstance(q, NumericalQuestion):
        return _numerical(q, fmt)
    if isinstance(q, MatchingQuestion):
        return _matching(q, fmt)
    if isinstance(q, TrueFalseQuestion):
        return _truefalse(q, fmt)
    if isinstance(q, EssayQuestion):
        return "{" + _general(q) + "}"
    raise ValueError(f"GIFT cannot express a {q.type} question ({q.id!r})")


def _general(q: Question) -> str:
    if not q.general_feedback:
        return ""
    return "\n\t####" + _text(q.general_feedback, q.text_format, q.text_format)


def write_gift(questions: Iterable[Question]) -> str:
    """Serialise questions as a GIFT document that `parse_gift` reads back to equal questions."""
    out: list[str] = []
    category: str | None = None
    for index, q in enumerate(questions, start=1):
        if q.category != category and q.category:
            out.append(f"$CATEGORY: {q.category}\n")
        category = q.category
        name = q.title if q.title is not None else (None if q.id == f"q{index}" else q.id)
        head = f"::{_escape(name)}:: " if name is not None else ""
        text = _text(q.text, q.text_format)
        if isinstance(q, DescriptionQuestion):
            out.append(head + text + "\n")
        else:
            out.append(head + text + " " + _answers(q) + "\n")
    return "\n".join(out)
