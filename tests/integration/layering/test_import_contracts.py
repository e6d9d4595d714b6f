"""The import contracts of ``pyproject.toml`` hold for the tree, and break on a wrong import.

``lint-imports`` runs in the test command over the real packages; this test runs it over a copy
of them with one deliberately wrong import per contract, so a contract that stopped checking
(a renamed package, a typo in a layer) fails here instead of passing silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = (
    "assessment_engine",
    "autoscaler_operator",
    "overflow_functions",
    "platform_services",
    "exam_stack",
)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_tree(dest: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, dest / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_tree_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(_copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "message"),
    [
        (
            "assessment_engine/storage/queue.py",
            "from exam_stack.surge import run",
            "assessment_engine is not allowed to import exam_stack",
        ),
        (
            "assessment_engine/grading/engine.py",
            "from autoscaler_operator import decision",
            "assessment_engine is not allowed to import autoscaler_operator",
        ),
        (
            "overflow_functions/build.py",
            "from platform_services.identity import app",
            "overflow_functions is not allowed to import platform_services",
        ),
        (
            "platform_services/cli.py",
            "from autoscaler_operator import policy",
            "platform_services is not allowed to import autoscaler_operator",
        ),
        (
            "autoscaler_operator/policy.py",
            "from assessment_engine.storage import keys",
            "autoscaler_operator is not allowed to import assessment_engine.storage",
        ),
        (
            "assessment_engine/contracts/decision_record.py",
            "from assessment_engine.storage import keys",
            "assessment_engine.contracts is not allowed to import assessment_engine.storage",
        ),
        (
            "assessment_engine/api/app.py",
            "from assessment_engine.storage._redis import text",
            "Private modules may only be imported from within their parent package",
        ),
    ],
)
def test_a_wrong_import_breaks_its_contract(
    tmp_path: Path, module: str, wrong_import: str, message: str
) -> None:
    tree = _copy_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{wrong_import}  # deliberately wrong\n")
    result = _lint(tree)
    assert result.returncode == 1, result.stdout
    assert message in " ".join(result.stdout.split()), result.stdout
