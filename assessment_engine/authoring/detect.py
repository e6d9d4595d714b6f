"""``load_questions(path_or_text)``: import GIFT, QTI XML or a JSON bank, detected by content.

Called by the ``assessment-engine import/grade/demo`` commands and by anyone holding a file of
unknown format. A `pathlib.Path` (or a string naming an existing file) is read as UTF-8; any
other string is the content itself. Detection looks at content, not the file name: a leading
``<`` is XML (QTI), a leading ``[`` or ``{`` that decodes as JSON is a bank, everything else is
GIFT (a GIFT answer block may also start with ``{``, so JSON must decode to count as JSON).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from assessment_engine.authoring.errors import AuthoringError, UnknownFormatError
from assessment_engine.grading.models import Question

Format = Literal["gift", "qti", "json"]
_MAX_PATH = 4096


def detect_format(text: str) -> Format:
    """Which importer reads this content."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return "qti"
    if head[:1] in ("[", "{"):
        try:
            json.loads(head)
        except (ValueError, RecursionError):
            return "gift"
        return "json"
    return "gift"


def read_source(path_or_text: str | Path) -> str:
    """Return the text of a file path, or the string itself when it is not a path."""
    if isinstance(path_or_text, Path):
        path: Path | None = path_or_text
    elif len(path_or_text) < _MAX_PATH and "\n" not in path_or_text:
        candidate = Path(path_or_text)
        try:
            path = candidate if candidate.is_file() else None
        except OSError:
            path = None
    else:
        path = None
    if path is None:
        return str(path_or_text)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UnknownFormatError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise UnknownFormatError(f"{path}: cannot read ({exc.strerror})") from exc


def load_questions(path_or_text: str | Path) -> list[Question]:
    """Import questions from GIFT, QTI or JSON; raise an `AuthoringError` subclass if invalid."""
    text = read_source(path_or_text)
    kind = detect_format(text)
    if kind == "qti":
        from assessment_engine.authoring.qti import parse_qti

        return parse_qti(text)
    if kind == "json":
        from assessment_engine.authoring.bank import parse_bank

        return parse_bank(text)
    from assessment_engine.authoring.gift import parse_gift

    questions = parse_gift(text)
    if not questions:
        raise UnknownFormatError("no questions found (empty or comment-only content)")
    return questions


__all__ = ["AuthoringError", "Format", "detect_format", "load_questions", "read_source"]
