"""The API contract findings of issue #12 (schemathesis against ``/openapi.json``), one test
each: what the OpenAPI document promises is what the running app does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration.api.conftest import T0, Api


def _proctor(api: Api) -> dict[str, str]:
    return api.token("proctor-1", "proctor")


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


async def test_dead_letter_id_beyond_64_bits_is_a_typed_refusal_not_a_500(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    for dead_id in ("18446744073709551616-0", "0-18446744073709551616", "99999999999999999999-1"):
        response = await api.client.post(
            f"/v1/exams/{exam_id}/dead-letters/{dead_id}/retry", headers=_proctor(api)
        )
        assert response.status_code in (404, 422), (dead_id, response.text)
        assert set(response.json()) == {"code", "message", "details"}
    largest = "18446744073709551615-18446744073709551615"
    response = await api.client.post(
        f"/v1/exams/{exam_id}/dead-letters/{largest}/retry", headers=_proctor(api)
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    document = api.app.openapi()
    parameters = document["paths"]["/v1/exams/{exam_id}/dead-letters/{dead_id}/retry"]["post"][
        "parameters"
    ]
    pattern = next(p for p in parameters if p["name"] == "dead_id")["schema"]["pattern"]
    assert r"\d+" not in pattern, "the documented pattern must bound the digits"


async def test_undecodable_bodies_are_documented_400_on_every_operation_with_a_body(
    api: Api,
) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    response = await api.client.patch(
        f"/v1/exams/{exam_id}",
        content=b'{"title": "\xff\xfe"}',
        headers={**_proctor(api), "Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()["code"]) == (400, "bad_request")
    document = api.app.openapi()
    with_body = [(m, p, o) for m, p, o in _operations(document) if "requestBody" in o]
    assert len(with_body) >= 11
    for method, path, operation in with_body:
        assert "400" in operation["responses"], f"{method} {path} does not document 400"
        schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/ErrorBody")


async def test_405_lists_every_method_of_the_path(api: Api) -> None:
    response = await api.client.options("/v1/exams", headers=_proctor(api))
    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    document = api.app.openapi()
    for path, operations in document["paths"].items():
        url = path.replace("{exam_id}", "e1").replace("{student_id}", "s1")
        url = url.replace("{question_id}", "q1").replace("{dead_id}", "1-0")
        url = url.replace("{regrade_id}", "a" * 32)
        response = await api.client.request("TRACE", url)
        assert response.status_code == 405, path
        allowed = set(response.headers["allow"].replace(" ", "").split(","))
        assert {m.upper() for m in operations} <= allowed, (path, allowed)


async def test_opens_at_must_be_an_rfc3339_string_after_2000(api: Api) -> None:
    base = {"title": "t", "bank": "::q:: Q {T}", "format": "gift"}
    closes = (T0 + timedelta(hours=1)).isoformat()
    for opens_at in (0, 1_700_000_000, "1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z"):
        response = await api.client.post(
            "/v1/exams",
            json={**base, "opens_at": opens_at, "closes_at": closes},
            headers=_proctor(api),
        )
        assert response.status_code == 422, (opens_at, response.text)
        assert response.json()["code"] == "validation_error"
    schema = api.app.openapi()["components"]["schemas"]["ExamCreate"]["properties"]["opens_at"]
    assert "2000-01-01" in schema["description"]
    assert schema.get("formatMinimum") == "2000-01-01T00:00:00Z"


async def test_booleans_are_not_numbers(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    response = await api.client.put(
        f"/v1/exams/{exam_id}/accommodations/s1",
        json={"extra_seconds": False, "time_multiplier": 1.5, "reason": "r"},
        headers=_proctor(api),
    )
    assert response.status_code == 422, response.text
    response = await api.client.put(
        f"/v1/exams/{exam_id}/accommodations/s1",
        json={"extra_seconds": 60, "time_multiplier": True, "reason": "r"},
        headers=_proctor(api),
    )
    assert response.status_code == 422, response.text
    response = await api.client.patch(
        f"/v1/exams/{exam_id}", json={"grace_seconds": True}, headers=_proctor(api)
    )
    assert response.status_code == 422, response.text
    response = await api.client.put(
        f"/v1/exams/{exam_id}/accommodations/s1",
        json={"extra_seconds": 60, "time_multiplier": 2, "reason": "r"},
        headers=_proctor(api),
    )
    assert response.status_code == 200, response.text
    assert response.json()["accommodations"]["s1"] == {"time_multiplier": 2.0, "extra_seconds": 60}


async def test_patch_nulls_agree_with_the_schema(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    cleared = await api.client.patch(
        f"/v1/exams/{exam_id}", json={"display_timezone": None}, headers=_proctor(api)
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["display_timezone"] == "UTC"
    schema = api.app.openapi()["components"]["schemas"]["ExamPatch"]["properties"]
    for name, prop in schema.items():
        nullable = any(alt.get("type") == "null" for alt in prop.get("anyOf", []))
        response = await api.client.patch(
            f"/v1/exams/{exam_id}", json={name: None}, headers=_proctor(api)
        )
        if nullable:
            assert response.status_code == 200, (name, response.text)
        else:
            assert response.status_code == 422, (name, response.text)


async def test_every_v1_operation_declares_bearer_security_and_its_denials(api: Api) -> None:
    document = api.app.openapi()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    for method, path, operation in _operations(document):
        if path.startswith("/v1/") and not path.startswith("/v1/dev/"):
            assert operation.get("security") == [{"bearerAuth": []}], (method, path)
            assert {"401", "403"} <= set(operation["responses"]), (method, path)
        else:
            assert not operation.get("security"), (method, path)


async def test_authentication_comes_before_the_body(api: Api) -> None:
    exam_id = (await api.create_exam())["exam_id"]
    for method, url in (
        ("POST", "/v1/exams"),
        ("PATCH", f"/v1/exams/{exam_id}"),
        ("PUT", f"/v1/exams/{exam_id}/attempt/answers/q1"),
        ("POST", f"/v1/exams/{exam_id}/attempt/submit"),
    ):
        for body in (b"{not json", b'{"title": "\xff"}'):
            response = await api.client.request(
                method, url, content=body, headers={"Content-Type": "application/json"}
            )
            assert (response.status_code, response.json()["code"]) == (401, "missing_token"), (
                method,
                url,
                body,
            )
            assert "WWW-Authenticate" in response.headers
    wrong_role = await api.client.post(
        "/v1/exams",
        content=b"{not json",
        headers={**api.token("s1"), "Content-Type": "application/json"},
    )
    assert (wrong_role.status_code, wrong_role.json()["code"]) == (403, "forbidden")
    malformed = await api.client.post(
        "/v1/exams",
        content=b"{not json",
        headers={**_proctor(api), "Content-Type": "application/json"},
    )
    assert (malformed.status_code, malformed.json()["code"]) == (422, "validation_error")


async def test_openapi_constraints_are_json_schema_keywords(api: Api) -> None:
    """Found by schemathesis: ``JsonInt | None`` with ``Field(ge=1)`` documented ``ge``/``le``
    (no JSON Schema keywords) instead of minimum/maximum, so 0 looked valid."""
    import json
    import re

    text = json.dumps(api.app.openapi())
    assert re.findall(r'"(?:ge|le|gt|lt)":', text) == []
    schema = api.app.openapi()["components"]["schemas"]["ExamPatch"]["properties"]
    integer = next(a for a in schema["time_limit_seconds"]["anyOf"] if a.get("type") == "integer")
    assert integer["minimum"] == 1
