"""Schemathesis hooks of ``test_schemathesis`` (loaded by the CLI through ``SCHEMATHESIS_HOOKS``).

``positive_data_acceptance`` is configured to allow 422, because some rules cannot be said in
JSON Schema (``closes_at`` after ``opens_at``, a bank that parses, a regrade keeping the
question ids): those refusals carry the codes ``invalid_exam`` and ``invalid_question_bank``.
This check keeps the rest of that check's promise: a schema-valid request is never refused by
request validation (``validation_error``) for a type or a constraint the schema states, so schema
and validators cannot drift apart. Errors of type ``value_error`` are the model's own rules that
the schema states only in words or in keywords schemathesis does not generate by (a pool's draw
within its size, an IANA zone, ``formatMinimum`` of an instant).
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.check
def schema_valid_passes_validation(ctx: Any, response: Any, case: Any) -> None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return
    try:
        body = response.json()
    except ValueError:
        return
    if body.get("code") != "validation_error":
        return
    errors = body.get("details", {}).get("errors", [])
    if any(e.get("type") != "value_error" for e in errors):
        raise AssertionError(f"schema-valid request refused by validation: {response.text[:2000]}")
