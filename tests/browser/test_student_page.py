"""Journeys of the student exam page in a real Chromium against the real stack.

Waits are conditions with bounded timeouts, never sleeps; the one figure with a number (a
proctor's extension reaches the timer within 2 s) is checked as the upper bound of such a wait.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from assessment_engine.exams.receipts import answers_digest
from assessment_engine.storage import keys
from assessment_engine.storage.attempts import answers_key
from tests.browser.bank import CODE, EXPECTED, PLANETS, mixed_bank
from tests.browser.conftest import Stack, axe_clean, open_exam, question, shot, sign_in

pytestmark = pytest.mark.browser


def stored_submission(stack: Stack, exam_id: str, submission_id: str) -> dict[str, Any]:
    raw = stack.redis.hgetall(keys.submission(exam_id, submission_id))
    return {**raw, "answers": json.loads(raw["answers"])}


def saved_answers(stack: Stack, exam_id: str, student_id: str) -> dict[str, Any]:
    raw = stack.redis.hgetall(answers_key(exam_id, student_id))
    return {qid: json.loads(v)["answer"] for qid, v in raw.items()}


def put_in_order(page: Any, wanted: tuple[str, ...]) -> None:
    group = question(page, "order")
    for target, item in enumerate(wanted):
        for _ in range(len(wanted)):
            texts = group.locator("li .option-text").all_inner_texts()
            if texts.index(item) == target:
                break
            group.get_by_role("button", name=f"Move up: {item}").click()


def answer_everything(page: Any) -> None:
    question(page, "capital").get_by_role("radio", name="Paris").check()
    primes = question(page, "primes")
    primes.get_by_role("checkbox", name="2", exact=True).check()
    primes.get_by_role("checkbox", name="3", exact=True).check()
    question(page, "orbit").get_by_role("radio", name="True").check()
    question(page, "planet").get_by_role("textbox").fill("Jupiter")
    question(page, "sum").get_by_role("textbox").fill("4")
    capitals = question(page, "capitals")
    for country, city in EXPECTED["capitals"].items():
        capitals.get_by_role("combobox", name=f"Match for: {country}").select_option(city)
    put_in_order(page, PLANETS)
    question(page, "area").get_by_role("textbox").fill("pi*r^2")
    gravity = question(page, "gravity")
    gravity.get_by_role("textbox", name=re.compile("number")).fill("9.81")
    gravity.get_by_role("combobox", name=re.compile("unit")).select_option("m/s^2")
    water = question(page, "water")
    water.get_by_role("textbox", name="Blank 1").fill("H2O")
    water.get_by_role("textbox", name="Blank 2").fill("100")
    question(page, "digits").get_by_role("textbox").fill(CODE)


def test_a_student_sits_a_mixed_exam_end_to_end(stack: Stack, context: Any) -> None:
    username, password, sid = stack.student("ada")
    exam_id = stack.create_exam(mixed_bank(), [sid], title="Mixed exam")
    page = context.new_page()
    page.goto(stack.web + "/")
    expect(page.get_by_role("heading", name="Sign in to your exams")).to_be_visible()
    axe_clean(page, "sign-in")
    sign_in(page, stack.web + "/", username, password)
    expect(page.get_by_role("heading", name="My exams")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Mixed exam"))).to_contain_text("Not started")
    axe_clean(page, "exam list")
    shot(page, "student-exam-list")
    page.get_by_role("link", name="Start Mixed exam").click()
    expect(page.locator("#timer")).to_contain_text("Time left")
    axe_clean(page, "questions")
    answer_everything(page)
    question(page, "essay").get_by_role("button", name="Flag for review").click()
    expect(page.locator("#save-state")).to_contain_text("All answers saved", timeout=20_000)
    shot(page, "student-exam")
    page.get_by_role("button", name="Review and submit").click()
    review = page.get_by_role("region", name="Review before you submit")
    expect(review.get_by_role("link", name=re.compile("essay"))).to_have_count(2)
    axe_clean(page, "review")
    shot(page, "student-review")
    review.get_by_role("button", name="Submit exam").click()
    expect(page.get_by_role("heading", name=re.compile("^Receipt"))).to_be_visible()
    expect(page.locator("#receipt-check")).to_contain_text("matches the answers this device sent")
    axe_clean(page, "receipt")
    shot(page, "student-receipt")

    submission_id = page.locator("#receipt-submission-id").inner_text()
    stored = stored_submission(stack, exam_id, submission_id)
    assert stored["student_id"] == sid
    # A multiple-answer selection is sent in the (shuffled) order shown; grading ignores order.
    answers = {**stored["answers"], "primes": sorted(stored["answers"]["primes"])}
    assert answers == EXPECTED, {k: v for k, v in answers.items() if EXPECTED.get(k) != v}
    assert page.locator("#receipt-digest").inner_text() == answers_digest(stored["answers"])
    assert page.locator("#receipt-answer-count").inner_text() == str(len(EXPECTED))
    shown = page.locator("#receipt-received-at").inner_text().rsplit(" ", 1)[-1]
    assert datetime.fromisoformat(shown) == datetime.fromisoformat(stored["received_at"])

    released = stack.api("POST", f"/v1/exams/{exam_id}/release", json={"reason": "marked"})
    assert released.status_code == 200
    page.goto(f"{stack.web}/#/results/{exam_id}")
    expect(page.get_by_text(re.compile(r"^Total: "))).to_be_visible(timeout=90_000)
    axe_clean(page, "results")
    shot(page, "student-results")


def test_answers_typed_offline_are_kept_and_sent_when_the_connection_returns(
    stack: Stack, context: Any
) -> None:
    username, password, sid = stack.student("grace")
    exam_id = stack.create_exam(mixed_bank(), [sid])
    page = context.new_page()
    open_exam(page, stack, exam_id, username, password)
    question(page, "planet").get_by_role("textbox").fill("Jupiter")
    expect(page.locator("#save-state")).to_contain_text("All answers saved")
    context.set_offline(True)
    question(page, "sum").get_by_role("textbox").fill("4")
    question(page, "area").get_by_role("textbox").fill("pi*r^2")
    question(page, "orbit").get_by_role("radio", name="True").check()
    expect(page.locator("#save-state")).to_contain_text("Offline: 3 answers waiting")
    axe_clean(page, "offline")
    shot(page, "student-offline")
    assert set(saved_answers(stack, exam_id, sid)) == {"planet"}
    context.set_offline(False)
    expect(page.locator("#save-state")).to_contain_text("All answers saved", timeout=20_000)
    assert saved_answers(stack, exam_id, sid) == {
        "planet": "Jupiter",
        "sum": "4",
        "area": "pi*r^2",
        "orbit": True,
    }


def test_a_reload_restores_unsent_answers_from_indexeddb(stack: Stack, context: Any) -> None:
    username, password, sid = stack.student("lin")
    exam_id = stack.create_exam(mixed_bank(), [sid])
    page = context.new_page()
    open_exam(page, stack, exam_id, username, password)
    # Autosaves cannot reach the server: the answers exist only in this tab's IndexedDB.
    page.route("**/attempt/answers/**", lambda route: route.abort())
    question(page, "planet").get_by_role("textbox").fill("Saturn")
    question(page, "capital").get_by_role("radio", name="Berlin").check()
    expect(page.locator("#save-state")).to_contain_text("Offline: 2 answers waiting")
    page.reload()
    expect(question(page, "planet").get_by_role("textbox")).to_have_value("Saturn")
    expect(question(page, "capital").get_by_role("radio", name="Berlin")).to_be_checked()
    assert saved_answers(stack, exam_id, sid) == {}
    page.unroute("**/attempt/answers/**")
    expect(page.locator("#save-state")).to_contain_text("All answers saved", timeout=20_000)
    assert saved_answers(stack, exam_id, sid) == {"planet": "Saturn", "capital": ["Berlin"]}


def test_a_proctor_extension_reaches_the_timer_within_2_seconds(
    stack: Stack, context: Any, browser: Any
) -> None:
    username, password, sid = stack.student("mo")
    exam_id = stack.create_exam(mixed_bank(), [sid])
    page = context.new_page()
    open_exam(page, stack, exam_id, username, password)
    before = page.locator("#timer").get_attribute("data-deadline")
    console = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        proctor = console.new_page()
        sign_in(proctor, f"{stack.web}/proctor/", *stack.pages.proctor)
        proctor.goto(f"{stack.web}/proctor/#/exam/{exam_id}/monitor")
        proctor.get_by_role("button", name=f"Extend {sid}").click()
        proctor.get_by_label("Extra minutes").fill("10")
        proctor.get_by_label("Reason (kept in the audit trail)").fill("fire alarm")
        with proctor.expect_response(re.compile(r"/extend$")) as response_info:
            proctor.get_by_role("button", name="Confirm extend").click()
        new_deadline = response_info.value.json()["deadline"]
        # Upper bound, not a timing: the wait fails if the SSE event takes longer than 2 s.
        page.wait_for_function(
            "d => Date.parse(document.querySelector('#timer').dataset.deadline) === Date.parse(d)",
            arg=new_deadline,
            timeout=2_000,
        )
        assert before is not None
        expect(page.locator("#timer-note")).to_contain_text("10 minutes more")
        expect(proctor.locator("#audit")).to_contain_text("fire alarm")
    finally:
        console.close()


def test_the_deadline_auto_submits_the_last_saved_answers(stack: Stack, context: Any) -> None:
    username, password, sid = stack.student("kai")
    exam_id = stack.create_exam(mixed_bank(), [sid], time_limit_seconds=12)
    page = context.new_page()
    open_exam(page, stack, exam_id, username, password)
    question(page, "planet").get_by_role("textbox").fill("Neptune")
    question(page, "planet").get_by_role("textbox").fill("Jupiter")
    question(page, "sum").get_by_role("textbox").fill("4")
    expect(page.get_by_role("heading", name=re.compile("^Receipt"))).to_be_visible(timeout=30_000)
    expect(page.get_by_role("status").filter(has_text="automatically")).to_be_visible()
    submission_id = page.locator("#receipt-submission-id").inner_text()
    stored = stored_submission(stack, exam_id, submission_id)
    assert stored["auto_submitted"] == "1"
    assert stored["answers"] == {"planet": "Jupiter", "sum": "4"}


def test_the_waiting_room_retries_by_retry_after(stack: Stack, context: Any) -> None:
    first, _, first_id = stack.student("early")
    username, password, sid = stack.student("late")
    exam_id = stack.create_exam(mixed_bank(), [first_id, sid])
    page = context.new_page()
    sign_in(page, stack.web + "/", username, password)
    expect(page.get_by_role("heading", name="My exams")).to_be_visible()
    token = stack.login(first, f"{first}-pw-1")
    started = stack.api("POST", f"/v1/exams/{exam_id}/attempt", token=token)
    assert started.status_code == 201  # takes the exam's only admission token (refill: 5 s)
    page.goto(f"{stack.web}/#/exam/{exam_id}")
    expect(page.get_by_role("heading", name="Waiting room")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Next try in \d+ s"))).to_be_visible()
    axe_clean(page, "waiting room")
    shot(page, "student-waiting-room")
    expect(page.locator("#timer")).to_contain_text("Time left", timeout=20_000)


def test_another_student_cannot_read_the_first_students_attempt(
    stack: Stack, context: Any, browser: Any
) -> None:
    first, first_pw, first_id = stack.student("owner")
    other, other_pw, other_id = stack.student("other")
    outsider, outsider_pw, _ = stack.student("outsider")
    exam_id = stack.create_exam(mixed_bank(), [first_id, other_id])
    page = context.new_page()
    open_exam(page, stack, exam_id, first, first_pw)
    question(page, "planet").get_by_role("textbox").fill("Jupiter")
    expect(page.locator("#save-state")).to_contain_text("All answers saved")
    first_attempt = stack.api(
        "GET", f"/v1/exams/{exam_id}/attempt", token=stack.login(first, first_pw)
    )
    attempt_id = first_attempt.json()["attempt_id"]

    intruder = browser.new_context(bypass_csp=True)
    try:
        spy = intruder.new_page()
        sign_in(spy, stack.web + "/", outsider, outsider_pw)
        expect(spy.get_by_role("heading", name="My exams")).to_be_visible()
        spy.goto(f"{stack.web}/#/exam/{exam_id}")
        expect(spy.locator("main").get_by_role("alert")).to_contain_text("not on the roster")
        assert attempt_id not in spy.content()
        # With the page's own token, the API offers no way to name the first student.
        status = spy.evaluate(
            """async ([api, exam]) => {
                const key = Object.keys(sessionStorage).find(k => k.startsWith('exam-page:'));
                const token = JSON.parse(sessionStorage.getItem(key)).access_token;
                const r = await fetch(`${api}/v1/exams/${exam}/attempt`,
                                      {headers: {Authorization: `Bearer ${token}`}});
                return r.status;
            }""",
            [stack.pages.api_url, exam_id],
        )
        assert status == 404  # "you have no attempt": the token's subject is the only student
    finally:
        intruder.close()
    classmate = browser.new_context(bypass_csp=True)
    try:
        spy = classmate.new_page()
        sign_in(spy, stack.web + "/", other, other_pw)  # a classmate on the same roster
        expect(spy.get_by_role("heading", name="My exams")).to_be_visible()
        spy.goto(f"{stack.web}/#/exam/{exam_id}")
        expect(spy.locator("#timer")).to_contain_text("Time left", timeout=15_000)
        expect(question(spy, "planet").get_by_role("textbox")).to_have_value("")
        assert attempt_id not in spy.content()
    finally:
        classmate.close()
