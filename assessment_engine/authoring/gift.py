"""GIFT importer: ``parse_gift(text) -> list[Question]``, following Moodle's ``qformat_gift``.

Called by `authoring.detect`, the ``assessment-engine import/grade/demo`` commands and the API's
authoring routes. The rules are those of moodle ``question/format/gift/format.php``
(``readquestion``): type detection order, answer splitting, weights ``%n%`` matched by
``^%-*([0-9]{1,2})\\.?([0-9]*)%``, ``#feedback``, ``####general feedback``, the missing-word
``_____`` and ``$CATEGORY:``. Where Moodle would silently import garbage or drop text (a second
answer block, nested braces, empty answers, a category line glued to a question, a question that
can never score), this importer raises `GiftSyntaxError` instead. Every malformed question of a
document is collected; more than one is raised together as `GiftDocumentError`.

Ids are the question title when given, else ``q<N>`` (N = 1-based position among the
document's questions), made unique within the document with ``-2``, ``-3``... suffixes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NoReturn

from pydantic import TypeAdapter, ValidationError

from assessment_engine.authoring.errors import GiftDocumentError, GiftSyntaxError
from assessment_engine.authoring.gift_answers import (
    matching_fields,
    multichoice_fields,
    numerical_fields,
    shortanswer_fields,
    truefalse_fields,
)
from assessment_engine.authoring.gift_text import (
    PHP_WHITESPACE,
    Block,
    split_blocks,
    text_with_format,
    unescape,
)
from assessment_engine.grading.models import Question, TextFormat

_QUESTION: TypeAdapter[Question] = TypeAdapter(Question)


@dataclass(frozen=True)
class Draft:
    """What one block yields before ids are assigned: fields, or a category switch."""

    fields: dict[str, Any]
    category: str | None = None
    is_category: bool = False


class BlockReader:
    """Reads one block; ``fail`` raises a `GiftSyntaxError` positioned in the document."""

    def __init__(self, block: Block) -> None:
        self.block = block
        self.title: str | None = None
        self.item_offsets: list[int] = []  # where each answer/choice/pair starts, for errors

    def fail(self, offset: int, message: str) -> NoReturn:
        line, column = self.block.position(offset)
        raise GiftSyntaxError(message, line=line, column=column, title=self.title)

    def read(self) -> Draft | None:
        b = self.block
        start, end = b.strip(0, len(b.raw))
        if start == end:
            return None
        if b.mask.startswith("$CATEGORY:", start):
            category = b.raw[start + 10 : end].strip(PHP_WHITESPACE)
            if "\n" in category:
                self.fail(start, "$CATEGORY: must be alone in its block (add a blank line)")
            return Draft(fields={}, category=category, is_category=True)
        start, end = self._read_title(start, end)
        return Draft(fields=self._read_body(start, end))

    def _read_title(self, start: int, end: int) -> tuple[int, int]:
        b = self.block
        if not b.mask.startswith("::", start):
            return start, end
        close = b.mask.find("::", start + 2, end)
        if close < 0:  # Moodle: no name, the leading '::' is dropped
            return start + 2, end
        title = unescape(b.raw[start + 2 : close]).strip(PHP_WHITESPACE)  # no [format] in names
        self.title = title or None
        return b.strip(close + 2, end)

    def _braces(self, start: int, end: int) -> tuple[int, int] | None:
        m = self.block.mask
        open_at, close_at = m.find("{", start, end), m.find("}", start, end)
        if open_at < 0 and close_at < 0:
            return None
        if open_at < 0:
            self.fail(close_at, "'}' without '{' (escape a literal brace as \\})")
        if close_at < 0:
            self.fail(open_at, "'{' without '}' (escape a literal brace as \\{)")
        if close_at < open_at:
            self.fail(close_at, "'}' before '{' (escape a literal brace as \\})")
        nested = m.find("{", open_at + 1, close_at)
        if nested >= 0:
            self.fail(nested, "'{' inside an answer block (escape a literal brace as \\{)")
        for extra in (m.find("{", close_at + 1, end), m.find("}", close_at + 1, end)):
            if extra >= 0:
                self.fail(extra, "only one answer block per question; escape braces as \\{ \\}")
        return open_at, close_at

    def _read_body(self, start: int, end: int) -> dict[str, Any]:
        b = self.block
        braces = self._braces(start, end)
        if braces is None:
            text, fmt = text_with_format(b.raw[start:end], "moodle")
            return {"type": "description", "text": text, "text_format": fmt}
        open_at, close_at = braces
        blank = "" if close_at == end - 1 else "_____"
        stem = b.raw[start:open_at] + blank + b.raw[close_at + 1 : end]
        text, fmt = text_with_format(stem, "moodle")
        a_start, a_end = b.strip(open_at + 1, close_at)
        general = ""
        separator = b.mask.rfind("####", a_start, a_end)
        if separator >= 0:
            general, _ = text_with_format(b.raw[separator + 4 : a_end], fmt)
            a_start, a_end = b.strip(a_start, separator)
        base = {"text": text, "text_format": fmt, "general_feedback": general}
        return base | self._answers(a_start, a_end, fmt)

    def _answers(self, start: int, end: int, fmt: TextFormat) -> dict[str, Any]:
        m = self.block.mask
        body = m[start:end]
        reader: Callable[[BlockReader, int, int, TextFormat], dict[str, Any]]
        if not body:
            return {"type": "essay"}
        if body[0] == "#":
            reader = numerical_fields
        elif "~" in body:
            reader = multichoice_fields
        elif "=" in body and "->" in body:
            reader = matching_fields
        else:
            hash_at = body.find("#")
            check = body[:hash_at].strip(PHP_WHITESPACE) if hash_at > 0 else body
            is_truefalse = check in ("T", "TRUE", "F", "FALSE")
            reader = truefalse_fields if is_truefalse else shortanswer_fields
        return reader(self, start, end, fmt)


def _unique_ids(drafts: list[tuple[int, Draft, str | None]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    next_suffix: dict[str, int] = {}  # amortised linear even if every title is the same
    out: list[dict[str, Any]] = []
    for index, draft, category in drafts:
        title = draft.fields.get("title")
        base = title if title else f"q{index}"
        n = next_suffix.get(base, 1)
        candidate = base if n == 1 else f"{base}-{n}"
        while candidate in seen:
            n += 1
            candidate = f"{base}-{n}"
        next_suffix[base] = n + 1
        seen.add(candidate)
        out.append(draft.fields | {"id": candidate, "category": category})
    return out


def _build(reader: BlockReader, fields: dict[str, Any]) -> Question:
    try:
        return _QUESTION.validate_python(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "question"
        kind = fields.get("type", "question")
        loc = first["loc"]
        offset = 0
        if len(loc) > 2 and isinstance(loc[2], int) and loc[2] < len(reader.item_offsets):
            offset = reader.item_offsets[loc[2]]
        reader.fail(offset, f"{kind} question is invalid: {where}: {first['msg']}")


def parse_gift(text: str) -> list[Question]:
    """Parse a GIFT document; raise `GiftSyntaxError` (one bad question) or `GiftDocumentError`."""
    errors: list[GiftSyntaxError] = []
    drafts: list[tuple[int, Draft, str | None]] = []
    readers: list[BlockReader] = []
    category: str | None = None
    index = 0
    for block in split_blocks(text):
        reader = BlockReader(block)
        try:
            draft = reader.read()
        except GiftSyntaxError as exc:
            index += 1
            errors.append(exc)
            continue
        if draft is None:
            continue
        if draft.is_category:
            category = draft.category or None
            continue
        index += 1
        fields = draft.fields | ({"title": reader.title} if reader.title else {})
        drafts.append((index, replace(draft, fields=fields), category))
        readers.append(reader)
    questions: list[Question] = []
    for reader, fields in zip(readers, _unique_ids(drafts), strict=True):
        try:
            questions.append(_build(reader, fields))
        except GiftSyntaxError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        errors.sort(key=lambda e: (e.line, e.column))
        raise GiftDocumentError(errors)
    return questions
