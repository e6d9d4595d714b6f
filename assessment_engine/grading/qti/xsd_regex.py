"""XML Schema regular expressions (``patternMatch``) translated to Python ``re``.

Called by the ``patternMatch`` operator at compile time. XML Schema patterns are implicitly
anchored (the whole string must match) and have no anchors: ``^`` and ``$`` are literals
outside character classes. They add the multi-character escapes ``\\i``, ``\\c`` (XML name
characters) and their complements, Unicode categories ``\\p{..}`` / ``\\P{..}`` and character
class subtraction ``[a-z-[aeiou]]``. Categories map onto Python classes where an exact one
exists (``L``, ``Lu``, ``Ll``, ``N``, ``Nd``, ``P`` approximated by non-word non-space); any
other construct raises ``QtiUnsupportedError`` rather than matching differently.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assessment_engine.grading.qti.errors import QtiInvalidItemError, QtiUnsupportedError

_NAME_START = r"A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF"
_NAME = _NAME_START + r"\-.0-9\u00B7\u0300-\u036F\u203F-\u2040"
_CATEGORIES = {
    "L": r"^\W\d_",
    "Nd": r"\d",
    "N": r"\d",
    "Lu": "A-Z\u00c0-\u00d6\u00d8-\u00de",
    "Ll": "a-z\u00df-\u00f6\u00f8-\u00ff",
    "IsBasicLatin": r"\x00-\x7f",
    "IsLatin-1Supplement": r"\x80-\xff",
}


def _category(name: str, negated: bool, in_class: bool) -> str:
    body = _CATEGORIES.get(name)
    if body is None:
        raise QtiUnsupportedError(f"patternMatch: Unicode category \\p{{{name}}} is not supported")
    if body.startswith("^"):  # already a negated class: [^\W\d_] is "letters"
        if in_class:
            raise QtiUnsupportedError(
                f"patternMatch: \\p{{{name}}} inside a class is not supported"
            )
        return f"[{body[1:]}]" if negated else f"[{body}]"
    if in_class:
        if negated:
            raise QtiUnsupportedError("patternMatch: \\P{..} inside a class is not supported")
        return body
    return f"[{'^' if negated else ''}{body}]"


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    if i + 1 >= len(pattern):
        raise QtiInvalidItemError("patternMatch: pattern ends with a backslash")
    c = pattern[i + 1]
    if c in "pP":
        end = pattern.find("}", i)
        if pattern[i + 2 : i + 3] != "{" or end < 0:
            raise QtiInvalidItemError("patternMatch: malformed \\p{...}")
        return _category(pattern[i + 3 : end], c == "P", in_class), end + 1
    if c in "iI":
        return (f"[{_NAME_START}]" if c == "i" else f"[^{_NAME_START}]"), i + 2
    if c in "cC":
        return (f"[{_NAME}]" if c == "c" else f"[^{_NAME}]"), i + 2
    if c in "nrtdDsSwW" or not c.isalnum():
        return "\\" + c, i + 2
    raise QtiInvalidItemError(f"patternMatch: unknown escape \\{c}")


def _char_class(pattern: str, i: int) -> tuple[str, int]:
    out = ["["]
    i += 1
    if i < len(pattern) and pattern[i] == "^":
        out.append("^")
        i += 1
    while i < len(pattern):
        c = pattern[i]
        if c == "]":
            return "".join(out) + "]", i + 1
        if c == "-" and pattern[i + 1 : i + 2] == "[":
            raise QtiUnsupportedError("patternMatch: character class subtraction is not supported")
        if c == "\\":
            text, i = _escape(pattern, i, in_class=True)
            out.append(text)
            continue
        out.append("\\[" if c == "[" else c)
        i += 1
    raise QtiInvalidItemError("patternMatch: unterminated character class")


@lru_cache(maxsize=512)
def compile_xsd(pattern: str) -> re.Pattern[str]:
    """A compiled Python pattern equivalent to the XML Schema ``pattern`` (use fullmatch)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            text, i = _escape(pattern, i, in_class=False)
            out.append(text)
        elif c == "[":
            text, i = _char_class(pattern, i)
            out.append(text)
        elif c in "^$":
            out.append("\\" + c)
            i += 1
        elif c == "(" and pattern[i + 1 : i + 2] == "?":
            raise QtiInvalidItemError("patternMatch: '(?' groups are not XML Schema syntax")
        else:
            out.append(c)
            i += 1
    try:
        return re.compile("".join(out), re.DOTALL)
    except re.error as exc:
        raise QtiInvalidItemError(f"patternMatch: invalid pattern: {exc}") from exc
