"""Locale-safe parsing of a typed number with an optional trailing unit. Used by ``numerical``.

What is accepted (all whitespace, including no-break and thin spaces, is removed first, as
Moodle's answer processor does; ``−`` (U+2212) counts as a minus sign):

* decimal point ``.``: ``3.14``, ``-.5``, ``+2.``;
* exponents ``1.5e3``, ``1.5E-3``, ``1.5x10^3``, ``1.5×10^3``, ``1.5*10**3``;
* thousands separators: ``,`` in groups of three when a ``.`` follows or there are several
  commas (``1,234.5``, ``12,345,678``), and spaces (``1 234.5``);
* one comma and no point: a thousands separator when it reads as one group of three after a
  non-zero lead of one to three digits (``1,234`` = 1234, Moodle's English default), otherwise
  a decimal comma (``0,5``, ``3,14159``, ``1234,5``).

Rejected with ``ValueError`` (``numerical`` turns it into ``InvalidResponseError``): no digits,
badly grouped commas (``1,23.4``), a comma after the point, non-finite results (``1e999``),
``nan``/``inf``, more than ``MAX_CHARS`` characters. What follows the number is returned as
the unit text (whitespace removed) for the caller to judge.
"""

from __future__ import annotations

import math
import re

MAX_CHARS = 200

_EXPONENT_FORMS = re.compile(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)")
_CHUNK = re.compile(r"[+-]?[0-9.,]*")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")
_ONE_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_EXPONENT = re.compile(r"[eE][+-]?\d+")


def _strip_commas(chunk: str) -> str:
    if "," not in chunk:
        return chunk
    integer, dot, fraction = chunk.partition(".")
    if dot or chunk.count(",") > 1:
        if "," in fraction or not _GROUPED.fullmatch(integer):
            raise ValueError("misplaced thousands separator")
        return integer.replace(",", "") + dot + fraction
    if _ONE_THOUSANDS.fullmatch(chunk):
        return chunk.replace(",", "")
    return chunk.replace(",", ".")


def parse_number(text: str) -> tuple[float, str]:
    """Return ``(value, unit_text)`` for a typed number such as ``"1,234.5 kg"``."""
    if len(text) > MAX_CHARS:
        raise ValueError(f"longer than {MAX_CHARS} characters")
    compact = "".join(text.split()).replace("\u2212", "-")
    if "0" in compact:  # every "x10^3"-style exponent contains a 0; skip the regex otherwise
        compact = _EXPONENT_FORMS.sub(r"e\1", compact)
    chunk_match = _CHUNK.match(compact)
    chunk = chunk_match.group(0) if chunk_match else ""
    rest = compact[len(chunk) :]
    number = _strip_commas(chunk)
    if not _PLAIN.fullmatch(number):
        raise ValueError("not a number")
    exponent = _EXPONENT.match(rest)
    if exponent:
        number += exponent.group(0)
        rest = rest[exponent.end() :]
    value = float(number)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value, rest
