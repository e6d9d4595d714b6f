"""Per-attempt question selection and shuffling from one seed, reproducible forever.

Called by the start-attempt rule (which stores the chosen ids on the attempt) and by the
questions view (which derives each question's option-shuffle seed). The same seed always gives
the same questions in the same order with the same option order, so a regrade or a support case
can rebuild exactly what a student saw.
"""

from __future__ import annotations

import hashlib
import random
import secrets

from assessment_engine.exams.models import QuestionPool


def new_seed() -> int:
    """A fresh 63-bit attempt seed (stored on the attempt; never derived from the student id)."""
    return secrets.randbits(63)


def select_questions(
    question_ids: tuple[str, ...],
    pools: tuple[QuestionPool, ...],
    seed: int,
    *,
    shuffle: bool,
) -> tuple[str, ...]:
    """Questions of one attempt: ``draw`` from each pool (or all of the bank), then shuffled.

    Without shuffling, the chosen questions keep bank order, so pools only decide *which*.
    """
    rng = random.Random(seed)
    if pools:
        chosen: set[str] = set()
        for pool in pools:
            chosen.update(rng.sample(pool.question_ids, pool.draw))
        ordered = [qid for qid in question_ids if qid in chosen]
    else:
        ordered = list(question_ids)
    if shuffle:
        rng.shuffle(ordered)
    return tuple(ordered)


def option_seed(attempt_seed: int, question_id: str) -> int:
    """The option-shuffle seed of one question in one attempt (stable across processes)."""
    digest = hashlib.sha256(f"{attempt_seed}:{question_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1
