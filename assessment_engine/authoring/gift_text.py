"""GIFT text plumbing: blocks, escapes and positions, as Moodle's importer reads them.

Used only by `authoring.gift`. Moodle (``qformat_default::readquestions`` and
``qformat_gift::readquestion``) trims every line, splits the file on blank lines, turns ``//``
comment lines into a single space, joins a question's lines with ``\\n`` and trims the result. It
then hides escaped characters (``\\\\ \\: \\# \\= \\{ \\} \\~ \\n``) behind placeholders so
that they are not structural, and restores them after splitting.

Here a block keeps two strings of identical length: ``raw`` (the joined text) and ``mask`` (the
same text with every escape sequence replaced by two ``\\x01``), so structural searches run on
``mask`` while every offset also indexes ``raw`` and maps back to a line and column of the document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from assessment_engine.grading.models import TextFormat

PHP_WHITESPACE = " \t\n\r\0\x0b"
_ESCAPE = re.compile(r"\\[\\:#={}~n]")
_FORMATS: frozenset[str] = frozenset({"moodle", "html", "plain", "markdown"})


def mask_escapes(text: str) -> str:
    """Replace each escape sequence by two non-structural characters (same length)."""
    return _ESCAPE.sub("\x01\x01", text)


def unescape(raw: str) -> str:
    """Moodle's ``escapedchar_post``: ``\\n`` is a newline, ``\\X`` is a literal ``X``."""
    return _ESCAPE.sub(lambda m: "\n" if m.group(0)[1] == "n" else m.group(0)[1], raw)


def text_with_format(raw: str, default: TextFormat) -> tuple[str, TextFormat]:
    """Moodle's ``parse_text_with_format``: optional ``[format]`` prefix, unescape, trim."""
    raw = raw.strip(PHP_WHITESPACE)
    fmt: TextFormat = default
    if raw.startswith("["):
        end = raw.find("]")
        name = raw[1:end] if end > 0 else ""
        if name in _FORMATS:
            fmt = name  # type: ignore[assignment]  # narrowed by the membership test
            raw = raw[end + 1 :]
    return unescape(raw).strip(PHP_WHITESPACE), fmt


@dataclass(frozen=True)
class Block:
    """One blank-line-separated question block of a GIFT document."""

    raw: str
    mask: str
    line_starts: tuple[int, ...]  # offset in ``raw`` where each joined line begins
    line_numbers: tuple[int, ...]  # 1-based document line of each joined line
    indents: tuple[int, ...]  # characters trimmed from the start of each line

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) in the document of an offset into ``raw``."""
        i = max(bisect_right(self.line_starts, offset) - 1, 0)
        return self.line_numbers[i], self.indents[i] + offset - self.line_starts[i] + 1

    def strip(self, start: int, end: int) -> tuple[int, int]:
        """Shrink ``[start, end)`` past PHP whitespace on both sides."""
        while start < end and self.raw[start] in PHP_WHITESPACE:
            start += 1
        while end > start and self.raw[end - 1] in PHP_WHITESPACE:
            end -= 1
        return start, end


def _make_block(lines: list[tuple[int, int, str]]) -> Block:
    starts: list[int] = []
    offset = 0
    for _, _, content in lines:
        starts.append(offset)
        offset += len(content) + 1
    raw = "\n".join(content for _, _, content in lines)
    return Block(
        raw=raw,
        mask=mask_escapes(raw),
        line_starts=tuple(starts),
        line_numbers=tuple(n for n, _, _ in lines),
        indents=tuple(i for _, i, _ in lines),
    )


def split_blocks(document: str) -> list[Block]:
    """Split a document into question blocks the way Moodle does (blank lines, ``//`` comments)."""
    document = document.removeprefix("\ufeff")
    blocks: list[Block] = []
    current: list[tuple[int, int, str]] = []
    for number, line in enumerate(document.split("\n"), start=1):
        content = line.strip(PHP_WHITESPACE)
        if not content:
            if current:
                blocks.append(_make_block(current))
                current = []
            continue
        indent = len(line) - len(line.lstrip(PHP_WHITESPACE))
        current.append((number, indent, " " if content.startswith("//") else content))
    if current:
        blocks.append(_make_block(current))
    return blocks
