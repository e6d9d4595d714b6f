"""GIFT answer blocks, one reader per question type, as in Moodle's ``readquestion`` switch.

Called by `authoring.gift` once the type is detected; each reader gets the answer block's
``[start, end)`` range (without braces and general feedback) and returns the model fields of its
type. Splitting happens on the escape-masked text, so ``\\~ \\= \\#`` stay literal.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from assessment_engine.authoring.gift_text import PHP_WHITESPACE, text_with_format, unescape
from assessment_engine.grading.models import TextFormat

if TYPE_CHECKING:
    from assessment_engine.authoring.gift import BlockReader

# Moodle: $giftanswerweightregex = '/^%\-*([0-9]{1,2})\.?([0-9]*)%/'
_WEIGHT = re.compile(r"%-*([0-9]{1,2})\.?([0-9]*)%")
# PHP is_numeric (PHP 8): optional surrounding whitespace, decimal or exponent notation.
_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")

Span = tuple[int, int]


def _pieces(r: BlockReader, start: int, end: int, separators: str, keep: str = "") -> list[Span]:
    """Split on separator characters (masked text); a ``keep`` separator starts its piece.

    Like Moodle, a first piece that is empty after trimming is dropped.
    """
    mask = r.block.mask
    spans: list[Span] = []
    piece_start = start
    for i in range(start, end):
        char = mask[i]
        if char in separators:
            spans.append((piece_start, i))
            piece_start = i if char in keep else i + 1
    spans.append((piece_start, end))
    spans = [r.block.strip(a, b) for a, b in spans]
    if spans and spans[0][0] == spans[0][1]:
        spans.pop(0)
    return spans


def _weight(r: BlockReader, start: int, end: int) -> tuple[float | None, int]:
    """A ``%n%`` weight at ``start``: (fraction, new start), or (None, start) when absent."""
    match = _WEIGHT.match(r.block.mask, start, end)
    if match is None:
        return None, start
    inner = match.group(0)[1:-1]
    if inner.count("-") > 1:
        r.fail(start, f"malformed weight %{inner}%")
    return float(inner) / 100, match.end()


def _comment(r: BlockReader, start: int, end: int, fmt: TextFormat) -> tuple[str, str]:
    """Moodle's ``commentparser``: answer text and ``#feedback`` (split on the first ``#``)."""
    raw = r.block.raw
    hash_at = r.block.mask.find("#", start, end)
    if hash_at < 0:
        return text_with_format(raw[start:end], fmt)[0], ""
    answer, _ = text_with_format(raw[start:hash_at], fmt)
    feedback, _ = text_with_format(raw[hash_at + 1 : end], fmt)
    return answer, feedback


def _nonempty(r: BlockReader, start: int, answer: str) -> str:
    if not answer:
        r.fail(start, "empty answer")
    return answer


def multichoice_fields(r: BlockReader, start: int, end: int, fmt: TextFormat) -> dict[str, Any]:
    single = "=" in r.block.mask[start:end]
    choices: list[dict[str, Any]] = []
    spans = _pieces(r, start, end, "~=", keep="=")
    if len(spans) < 2:
        r.fail(start, "a multiple-choice question needs at least 2 answers")
    for a, b in spans:
        if a < b and r.block.mask[a] == "=":
            fraction, text_start = 1.0, a + 1
        else:
            weight, text_start = _weight(r, a, b)
            fraction = 0.0 if weight is None else weight
        text, feedback = _comment(r, text_start, b, fmt)
        choices.append({"text": _nonempty(r, a, text), "fraction": fraction, "feedback": feedback})
        r.item_offsets.append(a)
    if all(c["fraction"] <= 0 for c in choices):
        r.fail(start, "no answer gives credit: mark the right answer with = or a positive %weight%")
    return {"type": "multichoice", "single": single, "choices": choices}


def matching_fields(r: BlockReader, start: int, end: int, fmt: TextFormat) -> dict[str, Any]:
    raw, mask = r.block.raw, r.block.mask
    spans = _pieces(r, start, end, "=")
    if len(spans) < 2:
        r.fail(start, "a matching question needs at least 2 pairs")
    pairs, distractors = [], []
    for a, b in spans:
        arrow = mask.find("->", a, b)
        if arrow < 0:
            r.fail(a, "each matching answer must be '=left -> right'")
        left, _ = text_with_format(raw[a:arrow], fmt)
        right = unescape(raw[arrow + 2 : b]).strip(PHP_WHITESPACE)
        if not right:
            r.fail(arrow, "empty right-hand side in a matching pair")
        if left:
            pairs.append({"left": left, "right": right})
            r.item_offsets.append(a)
        else:
            distractors.append(right)
    return {"type": "matching", "pairs": pairs, "distractors": distractors}


def truefalse_fields(r: BlockReader, start: int, end: int, fmt: TextFormat) -> dict[str, Any]:
    raw, mask = r.block.raw, r.block.mask
    bits: list[str] = []
    piece = start
    while len(bits) < 2:  # explode('#', $answer, 3)
        hash_at = mask.find("#", piece, end)
        if hash_at < 0:
            break
        bits.append(raw[piece:hash_at])
        piece = hash_at + 1
    bits.append(raw[piece:end])
    texts = [text_with_format(bit, fmt)[0] for bit in bits] + ["", ""]
    return {
        "type": "truefalse",
        "answer": texts[0] in ("T", "TRUE"),
        "feedback_if_wrong": texts[1],
        "feedback_if_right": texts[2],
    }


def shortanswer_fields(r: BlockReader, start: int, end: int, fmt: TextFormat) -> dict[str, Any]:
    answers = []
    spans = _pieces(r, start, end, "=")
    if not spans:
        r.fail(start, "a short-answer question needs at least 1 answer")
    for a, b in spans:
        weight, text_start = _weight(r, a, b)
        text, feedback = _comment(r, text_start, b, fmt)
        r.item_offsets.append(a)
        answers.append(
            {
                "pattern": _nonempty(r, a, text),
                "fraction": 1.0 if weight is None else weight,
                "feedback": feedback,
            }
        )
    return {"type": "shortanswer", "answers": answers}


def _number(r: BlockReader, at: int, text: str, what: str) -> float:
    if not _NUMERIC.fullmatch(text):
        r.fail(at, f"numerical {what} {text!r} is not a number")
    value = float(text)
    if not math.isfinite(value):
        r.fail(at, f"numerical {what} {text!r} is out of range")
    return value


def _numerical_answer(r: BlockReader, a: int, b: int, fmt: TextFormat) -> dict[str, Any]:
    weight, text_start = _weight(r, a, b)
    answer, feedback = _comment(r, text_start, b, fmt)
    tolerance = 0.0
    value: float | None
    if answer.find("..") > 0:  # [min]..[max]
        low_text, high_text = answer.split("..", 1)
        low = _number(r, a, low_text, "minimum")
        high = _number(r, a, high_text, "maximum")
        value, tolerance = (low + high) / 2, abs(high - low) / 2
    else:
        colon = answer.find(":")
        value_text = answer[:colon] if colon > 0 else answer
        if colon > 0:
            tolerance = abs(_number(r, a, answer[colon + 1 :], "tolerance"))
        stripped = value_text.strip(PHP_WHITESPACE)
        value = None if stripped == "*" else _number(r, a, value_text, "answer")
    return {
        "value": value,
        "tolerance": tolerance,
        "tolerance_type": "nominal",
        "fraction": 1.0 if weight is None else weight,
        "feedback": feedback,
    }


def numerical_fields(r: BlockReader, start: int, end: int, fmt: TextFormat) -> dict[str, Any]:
    mask = r.block.mask
    body_start = start + 1  # drop the leading '#'
    tilde = mask.find("~", body_start, end)
    body_end = end if tilde < 0 else tilde
    spans = _pieces(r, body_start, body_end, "=")
    if not spans:
        r.fail(start, "a numerical question needs at least 1 answer")
    answers = [_numerical_answer(r, a, b, fmt) for a, b in spans]
    r.item_offsets.extend(a for a, _ in spans)
    if tilde >= 0:  # '~#feedback': Moodle stores a '*' answer worth 0
        _, feedback = _comment(r, tilde + 1, end, fmt)
        answers.append(
            {"value": None, "tolerance_type": "nominal", "fraction": 0.0, "feedback": feedback}
        )
    return {"type": "numerical", "answers": answers}
