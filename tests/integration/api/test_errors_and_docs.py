"""Typed errors everywhere, request-size limit, bank import errors, OpenAPI completeness,
probes and the latency histogram."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import timedelta
from pathlib import Path

from prometheus_client import REGISTRY

from assessment_engine.storage.questions import load_questions
from tests.integration.api.conftest import T0, Api

BROKEN_GIFT = """
::ok:: Fine question {T}

::bad1:: Broken {=yes ~no

::bad2:: Numbers {#abc}
"""


def _proctor(api: Api) -> dict[str, str]:
    return api.token("proctor-1", "proctor")


async def test_gift_syntax_errors_are_422_with_every_position(api: Api) -> None:
    response = await api.client.post(
        "/v1/exams",
        json={
            "title": "t",
            "bank": BROKEN_GIFT,
            "format": "gift",
            "opens_at": T0.isoformat(),
            "closes_at": (T0 + timedelta(hours=1)).isoformat(),
        },
        headers=_proctor(api),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_question_bank"
    errors = body["details"]["errors"]
    assert len(errors) >= 1
    assert all(isinstance(e["line"], int) and isinstance(e["column"], int) for e in errors)


async def test_naive_datetimes_and_unknown_zones_are_rejected(api: Api) -> None:
    base = {"title": "t", "bank": "::q:: Q {T}", "format": "gift"}
    naive = await api.client.post(
        "/v1/exams",
        json={**base, "opens_at": "2026-03-29T00:00:00", "closes_at": "2026-03-29T01:00:00"},
        headers=_proctor(api),
    )
    assert naive.status_code == 422
    assert naive.json()["code"] == "validation_error"
    assert {e["loc"][-1] for e in naive.json()["details"]["errors"]} == {"opens_at", "closes_at"}
    zone = await api.client.post(
        "/v1/exams",
        json={
            **base,
            "opens_at": T0.isoformat(),
            "closes_at": (T0 + timedelta(hours=1)).isoformat(),
            "display_timezone": "Europe/Atlantis",
        },
        headers=_proctor(api),
    )
    assert zone.status_code == 422
    backwards = await api.client.post(
        "/v1/exams",
        json={**base, "opens_at": T0.isoformat(), "closes_at": T0.isoformat()},
        headers=_proctor(api),
    )
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_exam")


async def test_pools_draw_per_attempt_reproducibly(api: Api) -> None:
    exam = await api.create_exam(
        pools=[{"question_ids": ["capital", "tf", "short", "num"], "draw": 2}]
    )
    seen = set()
    for student in ("s1", "s2", "s3"):
        await api.start(exam["exam_id"], student)
        first = await api.client.get(
            f"/v1/exams/{exam['exam_id']}/attempt/questions", headers=api.token(student)
        )
        again = await api.client.get(
            f"/v1/exams/{exam['exam_id']}/attempt/questions", headers=api.token(student)
        )
        assert first.json() == again.json()
        ids = tuple(q["id"] for q in first.json()["questions"])
        assert len(ids) == 2
        seen.add(ids)
    unknown = await api.client.post(
        "/v1/exams",
        json={
            "title": "t",
            "bank": "::q:: Q {T}",
            "opens_at": T0.isoformat(),
            "closes_at": (T0 + timedelta(hours=1)).isoformat(),
            "pools": [{"question_ids": ["nope"], "draw": 1}],
        },
        headers=_proctor(api),
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "invalid_exam")


async def test_oversized_bodies_get_a_typed_413(api_factory) -> None:
    api = api_factory(max_request_bytes=2048)
    response = await api.client.post(
        "/v1/exams",
        content=b"x" * 5000,
        headers={**_proctor(api), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"

    async def chunks():
        for _ in range(10):
            yield b"y" * 1000

    streamed = await api.client.post(
        "/v1/exams", content=chunks(), headers={**_proctor(api), "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "request_too_large"


async def test_unknown_routes_and_methods_get_the_error_schema(api: Api) -> None:
    missing = await api.client.get("/v1/nothing")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    wrong = await api.client.delete("/healthz")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "method_not_allowed")
    no_exam = await api.client.get("/v1/exams/doesnotexist", headers=_proctor(api))
    assert (no_exam.status_code, no_exam.json()["code"]) == (404, "not_found")
    assert set(no_exam.json()) == {"code", "message", "details"}


async def test_openapi_documents_models_and_errors_for_every_route(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    assert "ErrorBody" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            success = [c for c in responses if c.startswith("2")]
            assert success, f"{method} {path} has no success response"
            if path.startswith("/v1/") and not path.startswith("/v1/dev"):
                errors = [c for c in responses if c[0] in "45"]
                assert "401" in errors, f"{method} {path} documents no 401"
                for code in errors:
                    ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorBody"), (method, path, code)
            assert "HTTPValidationError" not in str(responses), (method, path)
            body = operation.get("requestBody")
            if body is not None:
                assert "$ref" in str(body["content"]), f"{method} {path} body has no model"


async def test_probes_and_latency_histogram_by_route_template(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    assert (await api.client.get("/readyz")).status_code == 200
    exam_id = (await api.create_exam())["exam_id"]
    await api.client.get(f"/v1/exams/{exam_id}", headers=_proctor(api))
    metrics = (await api.client.get("/metrics")).text
    assert 'route="/v1/exams/{exam_id}"' in metrics
    assert exam_id not in metrics
    count = REGISTRY.get_sample_value(
        "assessment_api_request_duration_seconds_count",
        {"method": "POST", "route": "/v1/exams", "status": "201"},
    )
    assert count is not None
    assert count >= 1


async def test_readyz_is_503_when_redis_is_unreachable(api_factory, redis_client) -> None:
    import httpx
    import redis.asyncio as aioredis

    from assessment_engine.api.app import create_app
    from assessment_engine.api.settings import ApiSettings
    from exam_stack.localstack.ports import free_port

    dead = aioredis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    app = create_app(ApiSettings(dev_issuer=True, sweeper_enabled=False), redis=dead)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        ready = await c.get("/readyz")
        assert (ready.status_code, ready.json()["code"]) == (503, "not_ready")
        token = app.state.verifier.dev.mint("p", "proctor")
        listing = await c.get("/v1/exams", headers={"Authorization": f"Bearer {token}"})
        assert (listing.status_code, listing.json()["code"]) == (503, "storage_unavailable")
        assert listing.headers["Retry-After"] == "1"
    await dead.aclose()


QTI_ITEM = (Path(__file__).parents[3] / "examples" / "sample_item_qti21.xml").read_text()


async def test_exam_from_qti_auto_detected_and_malformed_xml_is_422(api: Api) -> None:
    created = await api.create_exam(bank=QTI_ITEM, format="auto")
    assert created["question_count"] >= 1
    broken = await api.client.post(
        "/v1/exams",
        json={
            "title": "t",
            "bank": "<assessmentItem><unclosed>",
            "format": "qti",
            "opens_at": T0.isoformat(),
            "closes_at": (T0 + timedelta(hours=1)).isoformat(),
        },
        headers=_proctor(api),
    )
    assert (broken.status_code, broken.json()["code"]) == (422, "invalid_question_bank")


async def test_bank_text_naming_a_server_file_is_never_read(api: Api) -> None:
    response = await api.client.post(
        "/v1/exams",
        json={
            "title": "t",
            "bank": "/etc/hostname",
            "format": "auto",
            "opens_at": T0.isoformat(),
            "closes_at": (T0 + timedelta(hours=1)).isoformat(),
        },
        headers=_proctor(api),
    )
    assert response.status_code == 201  # read as GIFT text (one description), not as the file
    assert response.json()["question_count"] == 1
    bank = await load_questions(api.redis, response.json()["exam_id"], 1)
    assert [q.text for q in bank.values()] == ["/etc/hostname"]


def _package(items: dict[str, bytes]) -> str:
    rows = "".join(
        f'<resource identifier="r{n}" type="imsqti_item_xmlv2p1" href="{name}"/>'
        for n, name in enumerate(items)
    )
    manifest = (
        '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m">'
        f"<organizations/><resources>{rows}</resources></manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest)
        for name, data in items.items():
            archive.writestr(name, data)
    return base64.b64encode(buffer.getvalue()).decode()


async def test_exam_from_a_base64_qti_content_package_and_a_broken_one_is_422(api: Api) -> None:
    examples = Path(__file__).parents[3] / "examples"
    bank = _package(
        {
            "items/water.xml": (examples / "sample_item_qti30.xml").read_bytes(),
            "items/gases.xml": (examples / "sample_item_qti21.xml").read_bytes(),
        }
    )
    for fmt in ("qti-package", "auto"):
        created = await api.create_exam(bank=bank, format=fmt)
        assert created["question_count"] == 2
        stored = await load_questions(api.redis, created["exam_id"], 1)
        assert list(stored) == ["sci101-water", "sci101-noble-gases"]  # package order
    for broken in ("not base64 at all!", base64.b64encode(b"PK\x03\x04 nope").decode()):
        response = await api.client.post(
            "/v1/exams",
            json={
                "title": "t",
                "bank": broken,
                "format": "qti-package",
                "opens_at": T0.isoformat(),
                "closes_at": (T0 + timedelta(hours=1)).isoformat(),
            },
            headers=_proctor(api),
        )
        assert (response.status_code, response.json()["code"]) == (422, "invalid_question_bank")
