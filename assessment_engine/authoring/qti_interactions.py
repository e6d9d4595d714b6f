"""QTI interactions → fields of our question types, one builder per interaction.

Used by `authoring.qti` (which assembles items, stems and cloze questions). Each builder gets
the interaction element and the `qti_scoring.Scoring` of its response variable and returns the
model fields of the question (or cloze blank) plus its maximum score. Builders translate the
scoring exactly or raise `QtiUnsupportedError`; see `authoring.qti` for the table of
interactions and `docs/authoring.md` for every refusal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from assessment_engine.authoring.errors import QtiSyntaxError, QtiUnsupportedError
from assessment_engine.authoring.qti_scoring import Declaration, Mapping, Scoring, bounded
from assessment_engine.authoring.qti_xml import children, collapse, serialise

HIDDEN = frozenset(
    {
        "feedbackInline",
        "feedbackBlock",
        "modalFeedback",
        "rubricBlock",
        "templateInline",
        "templateBlock",
    }
)
Fields = dict[str, Any]


def drop_hidden(el: Element) -> str | None:
    return "" if el.tag in HIDDEN else None


def hiding(replace: Callable[[Element], str | None]) -> Callable[[Element], str | None]:
    """``replace``, but feedback/rubric/template elements always vanish."""

    def swap(el: Element) -> str | None:
        return "" if el.tag in HIDDEN else replace(el)

    return swap


def text_of(el: Element) -> str:
    return collapse(serialise(el, drop_hidden, outer=False))


def _options(el: Element, tag: str) -> list[tuple[str, str]]:
    options = [(o.get("identifier", ""), text_of(o)) for o in el.iter() if o.tag == tag]
    texts = [t for _, t in options]
    if len(set(texts)) != len(texts) or not all(i for i, _ in options):
        raise QtiUnsupportedError(f"{tag} options need distinct identifiers and distinct texts")
    return options


def _mapped(decl: Declaration, scoring: Scoring) -> Mapping:
    if decl.mapping is None:
        raise QtiSyntaxError(f"map_response on {decl.identifier} without a mapping")
    return decl.mapping


def choice(inter: Element, scoring: Scoring, tag: str) -> tuple[Fields, float]:
    decl = scoring.declaration
    options = _options(inter, tag)
    ids = [i for i, _ in options]
    multiple = decl.cardinality == "multiple"
    if scoring.kind == "match_correct":
        correct = set(decl.correct)
        if not correct or not correct <= set(ids):
            raise QtiSyntaxError(f"{decl.identifier}: correctResponse must name choices")
        if len(correct) > 1:
            raise QtiUnsupportedError(
                f"{decl.identifier}: match_correct with several correct choices is all-or-nothing;"
                " our multiple-answer grading gives partial credit (use map_response)"
            )
        wrong = -1.0 if multiple else 0.0
        fractions = [1.0 if i in correct else wrong for i in ids]
        points = scoring.weight
    else:
        mapping = _mapped(decl, scoring)
        lookup = {e.key: e.value for e in mapping.entries}
        values = [lookup.get(i, mapping.default) for i in ids]
        points, fractions = bounded(values, mapping, additive=multiple)
    choices = [{"text": t, "fraction": f} for (_, t), f in zip(options, fractions, strict=True)]
    fields = {"type": "multichoice", "single": not multiple, "choices": choices}
    return fields | {"shuffle": inter.get("shuffle", "false") == "true"}, points


def _pattern(text: str) -> str:
    return text.replace("*", "\\*")


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise QtiSyntaxError(f"{what} {text!r} is not a number") from exc
    if not math.isfinite(value):
        raise QtiSyntaxError(f"{what} {text!r} is not finite")
    return value


def text_entry(scoring: Scoring) -> tuple[Fields, float]:
    decl = scoring.declaration
    numeric = decl.base_type in ("integer", "float")
    if decl.base_type not in ("string", "integer", "float") or decl.cardinality != "single":
        raise QtiUnsupportedError(
            f"{decl.identifier}: text entry of {decl.base_type} is not supported"
        )
    if scoring.kind == "match_correct":
        if len(decl.correct) != 1:
            raise QtiSyntaxError(f"{decl.identifier}: text entry needs one correct value")
        keyed = [(decl.correct[0], 1.0)]
        points, default, sensitive = scoring.weight, 0.0, True
    else:
        mapping = _mapped(decl, scoring)
        keyed = [(e.key, e.value) for e in mapping.entries]
        flags = {e.case_sensitive for e in mapping.entries}
        if len(flags) > 1 and not numeric:
            raise QtiUnsupportedError(f"{decl.identifier}: mixed case sensitivity in one mapping")
        sensitive = flags != {False}
        values = [v for _, v in keyed] + [mapping.default]
        points, fractions = bounded(values, mapping, additive=False)
        keyed = [(k, f) for (k, _), f in zip(keyed, fractions, strict=False)]
        default = max(fractions[-1], 0.0)
    if numeric:
        answers: list[Fields] = [
            {"value": _number(k, "value"), "tolerance": 0.0, "fraction": max(f, 0.0)}
            for k, f in keyed
        ]
        if default > 0:
            answers.append({"value": None, "fraction": default})
        return {"type": "numerical", "answers": answers}, points
    texts: list[Fields] = [{"pattern": _pattern(k), "fraction": max(f, 0.0)} for k, f in keyed]
    if default > 0:
        texts.append({"pattern": "*", "fraction": default})
    return {"type": "shortanswer", "answers": texts, "case_sensitive": sensitive}, points


def order(inter: Element, scoring: Scoring) -> tuple[Fields, float]:
    decl = scoring.declaration
    if scoring.kind != "match_correct":
        raise QtiUnsupportedError(f"{decl.identifier}: only match_correct is supported for order")
    texts = dict(_options(inter, "simpleChoice"))
    if sorted(decl.correct) != sorted(texts):
        raise QtiUnsupportedError(f"{decl.identifier}: the correct order must list every choice")
    items = [texts[i] for i in decl.correct]
    return {"type": "ordering", "items": items, "grading": "all_or_nothing"}, scoring.weight


def _pairs(scoring: Scoring) -> tuple[list[tuple[str, str]], float]:
    """Equal-valued directed pairs (right/total scoring) from a map_response mapping."""
    decl = scoring.declaration
    if scoring.kind == "match_correct":
        raise QtiUnsupportedError(
            f"{decl.identifier}: match_correct on pairs is all-or-nothing; our matching gives"
            " right/total partial credit (use map_response with one value per correct pair)"
        )
    mapping = _mapped(decl, scoring)
    values = {e.value for e in mapping.entries}
    if mapping.default != 0 or len(values) != 1 or min(values) <= 0:
        raise QtiUnsupportedError(f"{decl.identifier}: pairs must all map to one positive value")
    pairs = [tuple(e.key.split()) for e in mapping.entries]
    if any(len(p) != 2 for p in pairs):
        raise QtiSyntaxError(f"{decl.identifier}: pair keys are two identifiers")
    value, n = values.pop(), len(pairs)
    if mapping.upper is not None and mapping.upper < n * value:
        raise QtiUnsupportedError(f"{decl.identifier}: upperBound below the sum of the pairs")
    if len({p[0] for p in pairs}) != n:
        raise QtiUnsupportedError(f"{decl.identifier}: a source has two correct targets")
    return [(p[0], p[1]) for p in pairs], value


def match(inter: Element, scoring: Scoring) -> tuple[Fields, float]:
    sets = children(inter, "simpleMatchSet")
    if inter.tag == "matchInteraction" and len(sets) != 2:
        raise QtiSyntaxError("matchInteraction needs two simpleMatchSets")
    source_el, target_el = (sets[0], sets[1]) if sets else (inter, inter)
    sources = dict(_options(source_el, "simpleAssociableChoice"))
    targets = dict(_options(target_el, "simpleAssociableChoice"))
    pairs, value = _pairs(scoring)
    if any(s not in sources or t not in targets for s, t in pairs):
        raise QtiSyntaxError(f"{scoring.declaration.identifier}: pair names an unknown choice")
    if {s for s, _ in pairs} != set(sources) and inter.tag == "matchInteraction":
        raise QtiUnsupportedError("every source choice needs exactly one correct target")
    used = {t for _, t in pairs}
    fields = {
        "type": "matching",
        "pairs": [{"left": sources[s], "right": targets[t]} for s, t in pairs],
        "distractors": [
            text
            for i, text in targets.items()
            if i not in used and text not in {sources[s] for s, _ in pairs}
        ],
        "shuffle": inter.get("shuffle", "false") == "true",
    }
    return fields, value * len(pairs)


def gap_blanks(inter: Element, scoring: Scoring) -> list[tuple[Fields, float]]:
    options = _options(inter, "gapText")
    texts = dict(options)
    gaps = [g.get("identifier", "") for g in inter.iter() if g.tag == "gap"]
    decl = scoring.declaration
    if scoring.kind == "match_correct":
        if len(gaps) != 1 or len(decl.correct) != 1:
            raise QtiUnsupportedError(
                f"{decl.identifier}: match_correct over several gaps is all-or-nothing; our cloze"
                " gives per-gap credit (use map_response with one value per correct pair)"
            )
        bits = decl.correct[0].split()
        if len(bits) != 2:
            raise QtiSyntaxError(f"{decl.identifier}: pair values are two identifiers")
        pairs, value = [(bits[0], bits[1])], scoring.weight
    else:
        pairs, value = _pairs(scoring)
    answer = {target: source for source, target in pairs}
    if set(answer) != set(gaps) or not set(answer.values()) <= set(texts):
        raise QtiUnsupportedError(f"{decl.identifier}: every gap needs one correct gap text")
    blanks = []
    for gap in gaps:
        choices = [{"text": t, "fraction": 1.0 if i == answer[gap] else 0.0} for i, t in options]
        blanks.append(({"type": "multichoice", "single": True, "choices": choices}, value))
    return blanks
