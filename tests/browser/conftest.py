"""Browser tier: Debian's Chromium driven by Playwright against the real stack.

One stack for the tier (``exam_stack.localstack.pages.start_pages``): redis-server,
identity, the assessment API, notifications, analytics, a grader worker and the web service,
each a real process on a free loopback port. Admission is throttled (burst 1, one start per 5 s
and exam) so the waiting room is real; the sweeper runs every 0.5 s; presence runs on short
timings (``PRESENCE``) so a lost student turns offline within seconds. Tests keep apart by their
own exams and student accounts. ``WEB_SCREENSHOTS=docs/screenshots`` saves the page shots.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from playwright.sync_api import expect

from exam_stack.localstack.pages import PagesOptions, PagesStack, start_pages
from exam_stack.localstack.processes import start_redis

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "platform_services/web/frontend/node_modules/axe-core/axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.browser
_names = itertools.count(1)
# Presence timings of the tier's notifications service (production: 10 / 25 / 10 / 1 s).
PRESENCE = {"BEAT": 1.0, "TTL": 6.0, "GRACE": 3.0, "INTERVAL": 0.5}


@dataclass
class Stack:
    pages: PagesStack
    redis: redis.Redis
    proctor_token: str
    admin_token: str

    @property
    def web(self) -> str:
        return self.pages.web_url

    def student(self, tag: str) -> tuple[str, str, str]:
        """A new student account: (username, password, user id)."""
        username = f"{tag}-{next(_names)}"
        password = f"{username}-pw-1"
        with httpx.Client(base_url=self.pages.identity_url) as client:
            created = client.post(
                "/v1/users",
                headers={"Authorization": f"Bearer {self.admin_token}"},
                json={
                    "username": username,
                    "password": password,
                    "role": "student",
                    "org": "local",
                    "display_name": tag.title(),
                },
            )
        assert created.status_code == 201, created.text
        return username, password, created.json()["user_id"]

    def create_exam(self, bank: str, roster: list[str], **fields: Any) -> str:
        now = datetime.now(UTC)
        body = {
            "title": fields.pop("title", "Browser exam"),
            "bank": bank,
            "format": fields.pop("format", "json"),
            "opens_at": (now - timedelta(minutes=1)).isoformat(),
            "closes_at": (now + timedelta(hours=2)).isoformat(),
            "display_timezone": "Europe/Berlin",
            "time_limit_seconds": 3600,
            "grace_seconds": 0,
            "roster": roster,
            "release_policy": "manual",
            **fields,
        }
        response = self.api("POST", "/v1/exams", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["exam_id"])

    def api(self, method: str, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {token or self.proctor_token}",
            **kw.pop("headers", {}),
        }
        return httpx.request(method, self.pages.api_url + path, headers=headers, timeout=30, **kw)

    def login(self, username: str, password: str) -> str:
        response = httpx.post(
            self.pages.identity_url + "/v1/login",
            json={"username": username, "password": password},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])


def _token(identity_url: str, username: str, password: str) -> str:
    response = httpx.post(
        identity_url + "/v1/login", json={"username": username, "password": password}
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@pytest.fixture(scope="package")  # stopped when the tier ends, not held through later tiers
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium (scripts/setup.sh)")
    workdir = tmp_path_factory.mktemp("browser-stack")
    server = start_redis(workdir / "redis", appendfsync="no")
    options = PagesOptions(
        fast_password_hashing=True,
        api_env={
            "ASSESSMENT_SWEEPER_INTERVAL_SECONDS": "0.5",
            "ASSESSMENT_ADMISSION_RATE_PER_SECOND": "0.2",
            "ASSESSMENT_ADMISSION_BURST": "1",
        },
        notify_env={
            "PLATFORM_NOTIFY_PRESENCE_BEAT_SECONDS": str(PRESENCE["BEAT"]),
            "PLATFORM_NOTIFY_PRESENCE_TTL_SECONDS": str(PRESENCE["TTL"]),
            "PLATFORM_NOTIFY_PRESENCE_GRACE_SECONDS": str(PRESENCE["GRACE"]),
            "PLATFORM_NOTIFY_PRESENCE_INTERVAL_SECONDS": str(PRESENCE["INTERVAL"]),
        },
    )
    try:
        pages = start_pages(workdir / "pages", server.url, options)
    except BaseException:
        server.stop()
        raise
    client = redis.Redis.from_url(server.url, decode_responses=True)
    try:
        yield Stack(
            pages,
            client,
            proctor_token=_token(pages.identity_url, *pages.proctor),
            admin_token=_token(pages.identity_url, *pages.admin),
        )
    finally:
        client.close()
        pages.stop()
        server.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    # bypass_csp: only so axe-core can be injected; the pages themselves run under the CSP.
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def axe_clean(page: Any, state: str) -> None:
    """axe-core (WCAG 2.0/2.1 A and AA rules) finds no violation on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
            .map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    assert result == [], f"axe violations in state {state!r}: {result}"


def shot(page: Any, name: str) -> None:
    """Save a screenshot to $WEB_SCREENSHOTS/<name>.png when that variable is set."""
    folder = os.environ.get("WEB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")  # sticky bars belong at the top of the shot
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_exam(
    page: Any, stack: Stack, exam_id: str, username: str, password: str, timeout_ms: int = 15_000
) -> None:
    """Sign in as the student and open the exam until the timer runs; several starts of one
    exam pass the throttled admission one per 5 s (waiting room): give those a longer wait."""
    sign_in(page, stack.web + "/", username, password)
    expect(page.get_by_role("heading", name="My exams")).to_be_visible()
    page.goto(f"{stack.web}/#/exam/{exam_id}")
    expect(page.locator("#timer")).to_contain_text("Time left", timeout=timeout_ms)


def question(page: Any, title: str) -> Any:
    """The question group whose heading ends with ``title`` (order is shuffled per attempt)."""
    return page.get_by_role("group", name=re.compile(rf"^Question \d+: {re.escape(title)}\b"))
