"""Layering: the exam rules are pure (no I/O imports), routes reach storage only via services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[3] / "assessment_engine"
IO_MODULES = ("redis", "httpx", "fastapi", "starlette", "boto3", "socket", "asyncio", "time")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "exams").glob("*.py")), ids=lambda p: p.name)
def test_exam_rules_import_no_io(path: Path) -> None:
    bad = {
        name
        for name in imports(path)
        if name.split(".")[0] in IO_MODULES or name.startswith("assessment_engine.storage")
    }
    assert bad == set()


@pytest.mark.parametrize(
    "path", sorted((ROOT / "api" / "routes").glob("*.py")), ids=lambda p: p.name
)
def test_routes_reach_storage_only_through_services(path: Path) -> None:
    bad = {n for n in imports(path) if n.startswith(("assessment_engine.storage", "redis"))}
    assert bad == set()
