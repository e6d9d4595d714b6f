"""The web service: built pages with a strict CSP, /config.json for the pages, probes, metrics."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from platform_services.web.app import create_app
from platform_services.web.settings import BUILT, WebSettings

SETTINGS = {
    "api_url": "https://api.test/",
    "identity_url": "https://id.test",
    "notifications_url": "https://sse.test",
    "analytics_url": "https://stats.test",
}


def client_for(settings: WebSettings) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://web.test")


async def test_serves_both_pages_the_config_and_a_csp_naming_only_the_services() -> None:
    assert (BUILT / "index.html").is_file(), "run scripts/setup.sh (npm run build) first"
    async with client_for(WebSettings(**SETTINGS)) as client:
        student = await client.get("/")
        proctor = await client.get("/proctor/")
        config = (await client.get("/config.json")).json()
        ready = await client.get("/readyz")
        metrics = (await client.get("/metrics")).text
    assert student.status_code == 200
    assert "/assets/student.js" in student.text
    assert proctor.status_code == 200
    assert "/assets/proctor.js" in proctor.text
    assert config["api_url"] == "https://api.test"  # trailing slash removed
    csp = student.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert (
        "connect-src 'self' https://api.test https://id.test https://sse.test https://stats.test"
        in csp
    )
    assert ready.status_code == 200
    assert 'web_requests_total{page="student",status="200"} 1.0' in metrics
    assert 'web_requests_total{page="proctor",status="200"} 1.0' in metrics


async def test_without_a_build_readyz_says_how_to_build(tmp_path: Path) -> None:
    async with client_for(WebSettings(**SETTINGS, static_dir=tmp_path)) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert "npm run build" in ready.json()["message"]


def test_base_urls_must_be_http() -> None:
    with pytest.raises(ValidationError):
        WebSettings(**{**SETTINGS, "api_url": "javascript:alert(1)"})


def test_the_student_page_stays_under_150_kb_compressed() -> None:
    import json

    sizes = json.loads((BUILT / "sizes.json").read_text())
    total = sum(sizes[name]["gzip"] for name in ("student.js", "styles.css", "index.html"))
    assert total < 150_000, sizes
