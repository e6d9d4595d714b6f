"""``load_questions(path_or_text)``: import GIFT, QTI XML or a JSON bank, detected by content.

Called by the ``assessment-engine import/grade/demo`` commands and by anyone holding a file of
unknown format. A `pathlib.Path` (or a string naming an existing file) is read as UTF-8; any
other string is the content itself. Detection looks at content, not the file name: a leading
``<`` is XML (QTI), a leading ``[`` or ``{`` that decodes as JSON is a bank, everything else is
GIFT (a GIFT answer block may also start with ``{``, so JSON must decode to count as JSON,
unless it starts the way only JSON does, ``[{`` or ``{"``: then it is a broken bank).
Bytes or files starting with the zip signature are QTI content packages.

Text from an untrusted client must not go through `load_questions` (a string naming a file on
this machine would be read): call `detect_format` and the matching ``parse_*`` instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from assessment_engine.authoring.errors import AuthoringError, UnknownFormatError
from assessment_engine.grading.models import Question

Format = Literal["gift", "qti", "json"]
_MAX_PATH = 4096
# What JSON banks start with and GIFT never does: `[{`, `[[`, `["`, `[]`, `{"`.
_JSONISH = re.compile(r"(\[\s*[\[{\]\"]|\{\s*\")")


def detect_format(text: str) -> Format:
    """Which importer reads this content."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return "qti"
    if head[:1] in ("[", "{"):
        try:
            json.loads(head)
        except (ValueError, RecursionError):
            # Broken JSON must not be read as GIFT (its braces would make odd questions).
            return "json" if _JSONISH.match(head) else "gift"
        return "json"
    return "gift"


def read_source(path_or_text: str | Path) -> str:
    """Return the text of a file path, or the string itself when it is not a path."""
    if isinstance(path_or_text, Path):
        path: Path | None = path_or_text
    else:
        path = Path(path_or_text) if _is_path(path_or_text) else None
    if path is None:
        return str(path_or_text)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UnknownFormatError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise UnknownFormatError(f"{path}: cannot read ({exc.strerror})") from exc


def _package_bytes(path_or_text: str | Path | bytes) -> bytes | None:
    """The bytes of a QTI zip package given as bytes or as a path, else None."""
    from assessment_engine.authoring.qti_package import ZIP_MAGIC

    if isinstance(path_or_text, bytes):
        return path_or_text if path_or_text.startswith(ZIP_MAGIC) else None
    path = Path(path_or_text) if isinstance(path_or_text, Path) or _is_path(path_or_text) else None
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
                return None
        return path.read_bytes()
    except OSError as exc:
        raise UnknownFormatError(f"{path}: cannot read ({exc.strerror})") from exc


def _is_path(text: str) -> bool:
    if len(text) >= _MAX_PATH or "\n" in text:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def load_questions(path_or_text: str | Path | bytes) -> list[Question]:
    """Import questions from GIFT, QTI (item or zip package) or JSON; raise `AuthoringError`."""
    package = _package_bytes(path_or_text)
    if package is not None:
        from assessment_engine.authoring.qti_package import parse_qti_package

        return parse_qti_package(package)
    if isinstance(path_or_text, bytes):
        try:
            path_or_text = path_or_text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnknownFormatError(f"not UTF-8 text ({exc.reason})") from exc
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
