"""QTI items on the student page, in a real Chromium against the real stack.

The exam is a QTI content package of sixteen published items (``tests/fixtures/qti/qti-sdk``,
IMS's QTI 2.1 examples: one per interaction the engine grades, graphic ones included). A
student answers every one through the page's controls, by keyboard-operable form controls (no
pointer on the images), and the stored answers are each item's keyed response in the shapes of
docs/authoring.md; released, every item scores its maximum (hand-worked in
``tests/unit/grading/qti/test_published_items.py``), so the page sends exactly what QTI means.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from assessment_engine.authoring.qti import parse_qti
from assessment_engine.storage import keys
from tests.browser.conftest import Stack, axe_clean, open_exam, shot

pytestmark = pytest.mark.browser
ITEMS = Path(__file__).resolve().parents[1] / "fixtures" / "qti" / "qti-sdk"

# item file -> (its title on the page, the response giving its maximum score, that maximum)
KEYED: dict[str, tuple[str, dict[str, Any], float]] = {
    "choice": ("Unattended Luggage", {"RESPONSE": "ChoiceA"}, 1),
    "choice_multiple": ("Composition of Water", {"RESPONSE": ["H", "O"]}, 2),
    "inline_choice": ("Richard III (Take 2)", {"RESPONSE": "Y"}, 1),
    "text_entry": ("Richard III (Take 3)", {"RESPONSE": "York"}, 1),
    "order": ("Grand Prix of Bahrain", {"RESPONSE": ["DriverC", "DriverA", "DriverB"]}, 1),
    "match": (
        "Characters and Plays",
        {"RESPONSE": [["C", "R"], ["D", "M"], ["L", "M"], ["P", "T"]]},
        3,
    ),
    "associate": ("Shakespearian Rivals", {"RESPONSE": [["A", "P"], ["C", "M"], ["D", "L"]]}, 4),
    "gap_match": ("Richard III (Take 1)", {"RESPONSE": [["W", "G1"], ["Su", "G2"]]}, 3),
    "hottext": ("Identifying Sentence Errors", {"RESPONSE": "B"}, 1),
    "hotspot": ("UK Airports (Take 1)", {"RESPONSE": "A"}, 1),
    "select_point": ("Where is Edinburgh?", {"RESPONSE": [102, 113]}, 1),
    "slider": ("Jedi Knights", {"RESPONSE": 16}, 1),
    "graphic_order": ("Flying Home", {"RESPONSE": ["A", "D", "C", "B"]}, 1),
    "graphic_associate": ("Low-cost Flying", {"RESPONSE": [["C", "B"], ["C", "D"]]}, 2),
    "graphic_gap_match": (
        "Airport Tags",
        {"RESPONSE": [["GLA", "A"], ["EDI", "B"], ["MAN", "C"]]},
        3,
    ),
    "position_object": (
        "Airport Locations",
        {"RESPONSE": [[118, 184], [150, 235], [96, 114]]},
        3,
    ),
}


def stand_in_images(xml: str) -> dict[str, bytes]:
    """PNGs for the images an item references (the published image files are not among our
    fixtures): the declared size, each hotspot's outline and identifier drawn where its coords
    say, so the page's pictures show what the item describes."""
    from PIL import Image, ImageDraw

    shapes = []
    for tag in re.findall(r"<\w*[Hh]otspot\w*\b[^>]*>", xml):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if {"identifier", "shape", "coords"} <= attrs.keys():
            shapes.append((attrs["identifier"], attrs["shape"], attrs["coords"]))
    out: dict[str, bytes] = {}
    for element in re.findall(r"<(?:object|img)\b[^>]*>", xml):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', element))
        ref = attrs.get("data") or attrs.get("src") or ""
        if not ref.startswith("images/"):
            continue
        width, height = int(attrs.get("width", 206)), int(attrs.get("height", 60))
        image = Image.new("RGB", (width, height), (232, 238, 245))
        draw = ImageDraw.Draw(image)
        if width >= 100 and height >= 100:
            for identifier, shape, coords in shapes:
                c = [int(v) for v in coords.split(",")]
                if shape == "circle":
                    draw.ellipse(
                        (c[0] - c[2], c[1] - c[2], c[0] + c[2], c[1] + c[2]),
                        outline=(20, 60, 140),
                        width=2,
                    )
                    draw.text((c[0] + c[2] + 2, c[1] - 5), identifier, fill=(0, 0, 0))
                elif shape == "rect":
                    draw.rectangle(c[:4], outline=(20, 60, 140), width=2)
                    draw.text((c[2] + 2, c[1]), identifier, fill=(0, 0, 0))
        else:
            draw.text((2, 0), ref.rsplit("/", 1)[-1].split(".")[0], fill=(0, 0, 0))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        out[f"items/{ref}"] = buffer.getvalue()
    return out


def package() -> str:
    names = list(KEYED)
    rows = "".join(
        f'<resource identifier="r{n}" type="imsqti_item_xmlv2p1" href="items/{name}.xml"/>'
        for n, name in enumerate(names)
    )
    manifest = (
        '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="browser-qti">'
        f"<organizations/><resources>{rows}</resources></manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest)
        images: dict[str, bytes] = {}
        for name in names:
            xml = (ITEMS / f"{name}.xml").read_text()
            archive.writestr(f"items/{name}.xml", xml)
            images.update(stand_in_images(xml))
        for path, data in images.items():
            archive.writestr(path, data)
    return base64.b64encode(buffer.getvalue()).decode()


def question(page: Any, title: str) -> Any:
    """The question group titled ``title`` (titles here end in ")" or "?", so no ``\\b``)."""
    return page.get_by_role("group", name=re.compile(rf"^Question \d+: {re.escape(title)} \("))


def put_in_order(group: Any, wanted: list[str]) -> None:
    """Move each item up until the list reads ``wanted`` (Move up buttons, no dragging)."""
    for target, identifier in enumerate(wanted):
        for _ in range(len(wanted)):
            order = group.locator("li.order-item").evaluate_all(
                "items => items.map(i => i.dataset.identifier)"
            )
            if order.index(identifier) == target:
                break
            group.locator(f'li[data-identifier="{identifier}"]').get_by_role(
                "button", name="Move up"
            ).click()


def fill_points(group: Any, points: list[list[int]]) -> None:
    """X and Y boxes per point ("point X" for a single point, "point 2 X" among several)."""
    for n, (x, y) in enumerate(points, start=1):
        suffix = f" {n}" if len(points) > 1 else ""
        group.get_by_role("spinbutton", name=f"point{suffix} X").fill(str(x))
        group.get_by_role("spinbutton", name=f"point{suffix} Y").fill(str(y))


def pairs_by_row(group: Any, pairs: list[list[str]], row_first: bool) -> None:
    """One select per row (a match's source; a gap or hotspot): pick the pair's other side."""
    for a, b in pairs:
        row, value = (a, b) if row_first else (b, a)
        group.locator(f'select[data-row="{row}"]').select_option(value)


def pick_one(group: Any, value: str) -> None:
    group.get_by_role("radio").and_(group.locator(f'[value="{value}"]')).check()


def pick_many(group: Any, value: list[str]) -> None:
    for identifier in value:
        group.get_by_role("checkbox").and_(group.locator(f'[value="{identifier}"]')).check()


def associate_pairs(group: Any, value: list[list[str]]) -> None:
    for n, (a, b) in enumerate(value, start=1):
        group.get_by_role("combobox", name=f"pair {n}, first").select_option(a)
        group.get_by_role("combobox", name=f"pair {n}, second").select_option(b)


ANSWER = {
    "choice": pick_one,
    "hottext": pick_one,
    "hotspot": pick_one,
    "choice_multiple": pick_many,
    "inline_choice": lambda group, v: group.get_by_role("combobox").select_option(v),
    "text_entry": lambda group, v: group.get_by_role("textbox").fill(v),
    "order": put_in_order,
    "graphic_order": put_in_order,
    "match": lambda group, v: pairs_by_row(group, v, row_first=True),
    "gap_match": lambda group, v: pairs_by_row(group, v, row_first=False),
    "graphic_gap_match": lambda group, v: pairs_by_row(group, v, row_first=False),
    "associate": associate_pairs,
    "graphic_associate": associate_pairs,
    "select_point": lambda group, v: fill_points(group, [v]),
    "position_object": fill_points,
    "slider": lambda group, v: group.get_by_role("slider").fill(str(v)),
}


def answer(page: Any, name: str) -> None:
    title, keyed, _ = KEYED[name]
    ANSWER[name](question(page, title), keyed["RESPONSE"])


def canonical(value: Any) -> Any:
    """Pairs and multiple choices compare as sets (their order on the page is shuffled)."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return sorted(json.dumps(v) for v in value)
    return value


def test_a_student_answers_every_qti_interaction_and_scores_full_marks(
    stack: Stack, context: Any
) -> None:
    username, password, sid = stack.student("qti")
    exam_id = stack.create_exam(package(), [sid], title="QTI exam", format="qti-package")
    page = context.new_page()
    open_exam(page, stack, exam_id, username, password)
    for name in KEYED:
        expect(question(page, KEYED[name][0])).to_be_visible()
    axe_clean(page, "qti questions")
    for name in KEYED:
        answer(page, name)
    expect(page.locator("#save-state")).to_contain_text("All answers saved", timeout=20_000)
    graphics = page.locator("img.qti-graphic")
    assert graphics.count() >= 6
    for n in range(graphics.count()):  # the package's images, inlined at import, all load
        assert graphics.nth(n).evaluate("img => img.complete && img.naturalWidth > 0")
    shot(page, "student-qti")
    page.get_by_role("button", name="Review and submit").click()
    review = page.get_by_role("region", name="Review before you submit")
    review.get_by_role("button", name="Submit exam").click()
    expect(page.get_by_role("heading", name=re.compile("^Receipt"))).to_be_visible()
    submission_id = page.locator("#receipt-submission-id").inner_text()

    raw = stack.redis.hgetall(keys.submission(exam_id, submission_id))
    stored = json.loads(raw["answers"])
    ids = {_item_id(name): KEYED[name][0] for name in KEYED}
    by_title = {ids[qid]: answer for qid, answer in stored.items()}
    for name, (title, keyed, _) in KEYED.items():
        got = by_title.get(title)
        assert got is not None, f"{name}: nothing stored"
        got_value, want = got["RESPONSE"], keyed["RESPONSE"]
        if name == "choice_multiple":
            got_value, want = sorted(got_value), sorted(want)
        assert canonical(got_value) == canonical(want), (name, got_value)

    released = stack.api("POST", f"/v1/exams/{exam_id}/release", json={"reason": "marked"})
    assert released.status_code == 200
    token = stack.login(username, password)
    result = _graded_result(stack, exam_id, token)
    scores = {q["question_id"]: q["score"] for q in result["questions"]}
    for qid, title in ids.items():
        name = next(n for n, (t, _, _) in KEYED.items() if t == title)
        assert scores[qid] == pytest.approx(KEYED[name][2]), (name, scores[qid])
    assert result["total"] == pytest.approx(sum(m for _, _, m in KEYED.values()))


def _item_id(name: str) -> str:
    """The question id an item gets at import: its own ``identifier``."""
    return parse_qti((ITEMS / f"{name}.xml").read_text())[0].id


def _graded_result(stack: Stack, exam_id: str, token: str) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while True:
        response = httpx.get(
            f"{stack.pages.api_url}/v1/exams/{exam_id}/attempt/result",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] == "graded" or time.monotonic() > deadline:
            assert body["status"] == "graded", body
            return body
        time.sleep(0.5)
