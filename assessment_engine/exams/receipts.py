"""The answers digest a submit receipt carries: ``sha256:`` + hex of the canonical JSON.

Called by the API's submit and my-submission routes. Canonical JSON is what
``json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` writes,
UTF-8 encoded: object keys sorted, no whitespace. A student (or the student page) can recompute
it from the answers they sent and compare it with the receipt. Pure, no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_answers(answers: Mapping[str, Any]) -> bytes:
    """The bytes the digest is taken over."""
    return json.dumps(
        dict(answers), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def answers_digest(answers: Mapping[str, Any]) -> str:
    """``sha256:<64 hex digits>`` of :func:`canonical_answers`."""
    return "sha256:" + hashlib.sha256(canonical_answers(answers)).hexdigest()
