"""Admission control for synchronized starts: token-bucket arithmetic.

The bucket holds at most ``burst`` tokens and refills at ``rate`` tokens per second; starting an
attempt takes one token, and an empty bucket answers with the seconds until the next token.
``assessment_engine.storage.attempts`` runs the same arithmetic atomically in Redis (a Lua
script); this module is its specification and is unit-tested on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class BucketState:
    tokens: float
    updated_at: float


@dataclass(frozen=True)
class AdmissionDecision:
    allowed: bool
    state: BucketState
    retry_after: float


def take_token(
    state: BucketState | None, now: float, rate: float, burst: float
) -> AdmissionDecision:
    """Take one token at ``now`` (epoch seconds); a clock going backwards refills nothing."""
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be > 0 and burst >= 1")
    if state is None:
        tokens = burst
    else:
        elapsed = max(0.0, now - state.updated_at)
        tokens = min(burst, state.tokens + elapsed * rate)
    if tokens >= 1.0:
        return AdmissionDecision(True, BucketState(tokens - 1.0, now), 0.0)
    return AdmissionDecision(False, BucketState(tokens, now), (1.0 - tokens) / rate)


def retry_after_header(seconds: float) -> str:
    """``Retry-After`` takes whole seconds: round up, never 0 for a refusal."""
    return str(max(1, math.ceil(seconds)))
