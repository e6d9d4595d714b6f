"""Moodle's short-answer wildcard patterns, matched in linear time without regular expressions.

Moodle (``qtype_shortanswer_question::compare_string_with_wildcard``) NFC-normalises both
strings, splits the pattern on runs of unescaped ``*`` (so ``**`` is ``*``), turns ``\\*`` into
a literal ``*``, joins the quoted pieces with ``.*`` and anchors the regex (``/u``, plus ``/i``
unless case-sensitive). Here the pieces are matched directly: the first piece must be a prefix,
the last a suffix, and the middle pieces are found leftmost-first in between, which is optimal
for ``*``-only patterns and takes O(len(text) + len(pattern)) however many stars a pattern has.
As in PCRE without ``/s``, a ``*`` does not match a newline.

Case-insensitive matching folds each character on its own (length-preserving, like PCRE's
caseless matching): ``ß`` does not match ``ss``. Used by ``shortanswer``; ``Wildcard`` objects
are built once per pattern (``compile_pattern`` is cached).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_STAR_RUN = re.compile(r"(?<!\\)\*+")

# PHP's trim() removes exactly these characters.
PHP_TRIM = " \t\n\r\0\x0b"


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = char.casefold()
    if len(folded) == 1:
        return folded
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def fold(text: str) -> str:
    """Length-preserving simple case fold (ASCII fast path)."""
    if text.isascii():
        return text.lower()
    return "".join([_fold_char(char) for char in text])


def normalize(text: str) -> str:
    """NFC-normalise (fast path for ASCII, which is always NFC)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True, slots=True)
class Wildcard:
    """A compiled pattern: literal pieces with a ``*`` between each pair."""

    pieces: tuple[str, ...]
    ignore_case: bool

    def matches(self, text: str) -> bool:
        """True if ``text`` (already normalised, trimmed and folded) matches the pattern."""
        pieces = self.pieces
        if len(pieces) == 1:
            return text == pieces[0]
        first = pieces[0]
        last = pieces[-1]
        end = len(text) - len(last)
        if end < len(first) or not text.startswith(first) or not text.endswith(last):
            return False
        pos = len(first)
        for middle in pieces[1:-1]:
            found = text.find(middle, pos, end)
            if found < 0 or text.find("\n", pos, found) >= 0:
                return False
            pos = found + len(middle)
        return text.find("\n", pos, end) < 0


@lru_cache(maxsize=8192)
def compile_pattern(pattern: str, ignore_case: bool) -> Wildcard:
    """Compile a Moodle short-answer pattern."""
    pieces = [bit.replace("\\*", "*") for bit in _STAR_RUN.split(normalize(pattern))]
    if ignore_case:
        pieces = [fold(bit) for bit in pieces]
    return Wildcard(tuple(pieces), ignore_case)


def prepare_response(text: str, ignore_case: bool) -> str:
    """Normalise, trim (as PHP's ``trim``) and fold a response before matching."""
    prepared = normalize(text).strip(PHP_TRIM)
    return fold(prepared) if ignore_case else prepared


def wildcard_match(pattern: str, text: str, *, case_sensitive: bool = False) -> bool:
    """Moodle ``compare_string_with_wildcard(text, pattern, ignorecase=not case_sensitive)``."""
    ignore_case = not case_sensitive
    return compile_pattern(pattern, ignore_case).matches(prepare_response(text, ignore_case))
