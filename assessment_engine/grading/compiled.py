"""Per-question cache of precomputed grading structures (lookup tables, wildcard matchers).

Questions are frozen pydantic models, but hashing one walks every nested field, which costs
more than grading a multiple-choice response. This cache is keyed by object identity instead
and keeps a reference to the question, so an ``id`` cannot be reused while its entry lives.
Used by the per-type graders (``choice``, ``shortanswer``, ``matching``, ...). Bounded: the
cache is cleared when it reaches ``MAX_ENTRIES`` (questions of one exam fit comfortably).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

MAX_ENTRIES = 4096

_cache: dict[tuple[int, str], tuple[object, Any]] = {}


def compiled(question: object, kind: str, build: Callable[[], T]) -> T:
    """Return ``build()`` for this question object, computing it once per (object, kind)."""
    key = (id(question), kind)
    entry = _cache.get(key)
    if entry is not None and entry[0] is question:
        result: T = entry[1]
        return result
    value = build()
    if len(_cache) >= MAX_ENTRIES:
        _cache.clear()
    _cache[key] = (question, value)
    return value


def clear() -> None:
    """Drop every cached entry (tests and long-lived processes after a key change)."""
    _cache.clear()
