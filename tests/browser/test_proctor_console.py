"""The proctor console in a real Chromium against the real stack: create an exam (import errors
with line and column), upload a roster (one-time passwords), watch a student sit it live, see
grading progress and the decision, release, regrade with the dry-run diff, item analysis; and
each student's connection (online, reconnecting, offline) as they lose and regain it."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PRESENCE, Stack, axe_clean, open_exam, shot, sign_in

pytestmark = pytest.mark.browser
_tags = itertools.count(1)

BANK = """::capital::Which city is the capital of France?{=Paris ~London ~Berlin}

::orbit::The Earth orbits the Sun.{T}

::sum::What is 2 + 2?{#4:0}
"""
BROKEN = BANK + "\n::bad::Unclosed answer block {=yes ~no\n"
FIXED_KEY = BANK.replace("{#4:0}", "{#5:0}")


def test_a_proctor_runs_an_exam_from_the_console(stack: Stack, context: Any, browser: Any) -> None:
    tag = next(_tags)
    page = context.new_page()
    page.goto(f"{stack.web}/proctor/")
    expect(page.get_by_role("heading", name="Proctor console: sign in")).to_be_visible()
    axe_clean(page, "console sign-in")
    sign_in(page, f"{stack.web}/proctor/", *stack.pages.proctor)
    expect(page.get_by_role("heading", name="My exams")).to_be_visible()
    axe_clean(page, "console exam list")

    title = f"Console exam {tag}"
    page.get_by_label("Title").fill(title)
    page.get_by_label("…or paste the question bank").fill(BROKEN)
    page.get_by_label("Grace after the deadline (seconds)").fill("0")
    page.get_by_role("button", name="Create exam").click()
    expect(page.locator("#import-errors")).to_contain_text(re.compile(r"Line \d+, column \d+"))
    axe_clean(page, "import errors")
    shot(page, "proctor-import-errors")
    page.get_by_label("…or paste the question bank").fill(BANK)
    page.get_by_role("button", name="Create exam").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()

    student = f"zoe-{tag}"
    page.get_by_label("Roster CSV file").set_input_files(
        files=[
            {
                "name": "roster.csv",
                "mimeType": "text/csv",
                "buffer": f"username,display_name\n{student},Zoe\n".encode(),
            }
        ]
    )
    page.get_by_role("button", name="Upload roster").click()
    row = page.get_by_role("row", name=re.compile(student))
    expect(row).to_contain_text("created")
    axe_clean(page, "roster imported")
    shot(page, "proctor-roster")
    one_time = row.locator("td").nth(3).inner_text()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("heading", name="Roster (1 students)")).to_be_visible()

    learner = browser.new_context(bypass_csp=True)
    try:
        sitting = learner.new_page()
        sign_in(sitting, stack.web + "/", student, one_time)
        expect(sitting.get_by_role("heading", name="Choose your own password")).to_be_visible()
        axe_clean(sitting, "one-time password change")
        sitting.get_by_label("New password", exact=True).fill("zoe-own-password")
        sitting.get_by_label("Repeat the new password").fill("zoe-own-password")
        sitting.get_by_role("button", name="Save password").click()
        expect(sitting.get_by_role("heading", name="My exams")).to_be_visible()
        sitting.get_by_role("link", name=f"Start {title}").click()
        expect(sitting.locator("#timer")).to_contain_text("Time left")
        sitting.get_by_role("group", name=re.compile(": capital")).get_by_role(
            "radio", name="Paris"
        ).check()
        sitting.get_by_role("group", name=re.compile(": sum")).get_by_role("textbox").fill("4")
        expect(sitting.locator("#save-state")).to_contain_text("All answers saved")

        page.get_by_role("tab", name="Live monitor").click()
        live = page.get_by_role("row", name=re.compile(r"in progress"))
        expect(live).to_contain_text("2 / 3")
        expect(page.locator("#grading-mode")).to_contain_text("on the cluster")
        axe_clean(page, "live monitor")
        shot(page, "proctor-monitor")

        sitting.get_by_role("button", name="Review and submit").click()
        sitting.get_by_role("button", name="Submit exam").click()
        expect(sitting.get_by_role("heading", name=re.compile("^Receipt"))).to_be_visible()
    finally:
        learner.close()
    expect(page.get_by_role("row", name=re.compile(r"submitted"))).to_be_visible()
    expect(page.locator("#graded-count")).to_contain_text("1 of 1", timeout=60_000)

    page.get_by_role("tab", name="Results").click()
    page.get_by_label("Reason", exact=True).first.fill("marking done")
    page.get_by_role("button", name="Release results now").click()
    expect(page.get_by_text(re.compile("^Released at"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export results (CSV)").click()
    assert download.value.suggested_filename.endswith("-results.csv")
    page.get_by_label("…or paste it").fill(FIXED_KEY)
    page.locator("#regrade-title").locator("..").get_by_label("Reason").fill("key fix: 2+2")
    page.get_by_role("button", name="Show the changes (dry run)").click()
    diff = page.locator("#regrade-diff")
    expect(diff).to_contain_text("students affected")
    expect(diff.get_by_role("row", name=re.compile("sum"))).to_contain_text("-1")
    page.get_by_role("button", name="Compute item analysis").click()
    expect(page.locator("#analysis img")).to_have_count(2, timeout=30_000)
    axe_clean(page, "results, regrade diff and item analysis")
    shot(page, "proctor-results")
    page.get_by_role("button", name=re.compile("^Apply regrade")).click()
    expect(diff).to_contain_text("regrade jobs queued")
    page.get_by_role("tab", name="Live monitor").click()
    expect(page.locator("#audit")).to_contain_text("release")


def test_the_monitor_shows_each_students_connection_live(
    stack: Stack, context: Any, browser: Any
) -> None:
    """Online, then offline within a bounded wait once the network is gone (the page's beats
    stop) or the page is closed (reconnecting first), and online again after reconnecting."""
    beat, ttl, grace, interval = (PRESENCE[k] for k in ("BEAT", "TTL", "GRACE", "INTERVAL"))
    slack = 10.0  # a loaded 2-core machine: page rendering, Chromium, the stack's processes
    lost_bound_ms = int((beat + ttl + grace + interval + slack) * 1000)
    closed_bound_ms = int((grace + interval + slack) * 1000)
    back_bound_ms = int((beat + 2.0 + interval + slack) * 1000)  # next beat, SSE retry 2 s

    ana, ben, cy = (stack.student(name) for name in ("ana", "ben", "cy"))
    exam_id = stack.create_exam(BANK, [ana[2], ben[2], cy[2]], format="gift", title="Presence")
    page = context.new_page()
    sign_in(page, f"{stack.web}/proctor/", *stack.pages.proctor)
    expect(page.get_by_role("heading", name="My exams")).to_be_visible()
    page.goto(f"{stack.web}/proctor/#/exam/{exam_id}/monitor")

    def cell(student: tuple[str, str, str]) -> Any:
        return page.locator(f"#conn-{student[2]}")

    expect(cell(cy)).to_have_text("offline")
    expect(page.locator("#online-count")).to_have_text("0 online")

    learners = [browser.new_context(bypass_csp=True) for _ in range(2)]
    try:
        ana_page, ben_page = (learner.new_page() for learner in learners)
        open_exam(ana_page, stack, exam_id, ana[0], ana[1])
        open_exam(ben_page, stack, exam_id, ben[0], ben[1], timeout_ms=60_000)  # waiting room
        expect(cell(ana)).to_have_text("online")
        expect(cell(ben)).to_have_text("online")
        expect(page.locator("#online-count")).to_have_text("2 online")
        axe_clean(page, "live monitor, students online")

        learners[0].set_offline(True)
        expect(cell(ana)).to_have_text(re.compile(r"^offline since"), timeout=lost_bound_ms)
        expect(cell(ana)).to_have_class(re.compile(r"\bconn-alert\b"))
        expect(page.locator("#offline-count")).to_have_text("1 offline during their attempt")
        expect(cell(ben)).to_have_text("online")
        axe_clean(page, "live monitor, a student offline")
        shot(page, "proctor-monitor-presence")
        learners[0].set_offline(False)
        expect(cell(ana)).to_have_text("online", timeout=back_bound_ms)

        ben_page.close()
        expect(cell(ben)).to_have_text("reconnecting", timeout=closed_bound_ms)
        expect(page.locator("#reconnecting-count")).to_have_text("1 reconnecting")
        axe_clean(page, "live monitor, a student reconnecting")
        expect(cell(ben)).to_have_text(re.compile(r"^offline since"), timeout=closed_bound_ms)
        open_exam(learners[1].new_page(), stack, exam_id, ben[0], ben[1])
        expect(cell(ben)).to_have_text("online", timeout=back_bound_ms)
        expect(page.locator("#online-count")).to_have_text("2 online")
    finally:
        for learner in learners:
            learner.close()
