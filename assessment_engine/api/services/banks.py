"""Question-bank import for exam creation and regrade: GIFT, QTI, JSON or auto-detected.

A QTI content package (zip, as TAO and Onyx export) comes base64-encoded with format
``qti-package`` (``auto`` recognises base64 that decodes to the zip signature); its questions
come in the package's item order (``authoring.qti_package``).

Called by the exam and regrade services; translates every authoring error into
``InvalidBankError`` whose details list each error with its line and column.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from typing import Any

from assessment_engine.authoring.bank import parse_bank
from assessment_engine.authoring.detect import detect_format
from assessment_engine.authoring.errors import (
    AuthoringError,
    GiftDocumentError,
    GiftSyntaxError,
    QtiPackageError,
)
from assessment_engine.authoring.gift import parse_gift
from assessment_engine.exams.errors import InvalidBankError
from assessment_engine.grading.models import Question


def _items(exc: AuthoringError) -> list[dict[str, Any]]:
    if isinstance(exc, GiftDocumentError):
        return [{"line": e.line, "column": e.column, "message": e.message} for e in exc.errors]
    if isinstance(exc, GiftSyntaxError):
        return [{"line": exc.line, "column": exc.column, "message": exc.message}]
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    return [{"line": line, "column": column, "message": str(exc)}]


_PACKAGE_PREFIX = "UEsDB"  # base64 of the zip signature PK\x03\x04


def _package(text: str) -> list[Question]:
    from assessment_engine.authoring.qti_package import parse_qti_package

    try:
        data = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise QtiPackageError("a qti-package bank must be base64 of a zip file") from exc
    return parse_qti_package(data)


def _parse(text: str, fmt: str) -> list[Question]:
    # Never ``detect.load_questions``: it reads a file when the text names one, and this text
    # comes from a client.
    if fmt == "qti-package" or (fmt == "auto" and text.lstrip().startswith(_PACKAGE_PREFIX)):
        return _package(text)
    kind = detect_format(text) if fmt == "auto" else fmt
    if kind == "qti":
        from assessment_engine.authoring.qti import parse_qti

        return list(parse_qti(text))
    if kind == "json":
        return parse_bank(text)
    return parse_gift(text)


def import_bank(text: str, fmt: str, key_version: int) -> list[Question]:
    """Questions of the bank, each stamped with ``key_version``; ids must be unique."""
    try:
        questions = _parse(text, fmt)
    except AuthoringError as exc:
        raise InvalidBankError(
            "the question bank does not import", {"format": fmt, "errors": _items(exc)}
        ) from exc
    if not questions:
        raise InvalidBankError("the question bank holds no questions", {"errors": []})
    duplicates = sorted(i for i, n in Counter(q.id for q in questions).items() if n > 1)
    if duplicates:
        raise InvalidBankError("question ids must be unique", {"duplicates": duplicates})
    return [q.model_copy(update={"key_version": key_version}) for q in questions]
