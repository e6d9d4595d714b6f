"""The code package holds the function and the grading core, and nothing it does not need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from overflow_functions.build import HANDLER, build


def test_package_is_the_import_closure_of_the_handler(tmp_path: Path) -> None:
    report = build(tmp_path / "pkg")
    assert "overflow_functions.grading_function.app" in report.modules
    assert "assessment_engine.grading.submission" in report.modules
    assert not [m for m in report.modules if m.startswith("assessment_engine.storage")]
    assert not [m for m in report.modules if m.startswith("overflow_functions.local_lambda")]
    assert "assessment_engine.grading.code" not in report.modules  # needs the sandbox
    assert "assessment_engine/grading/student_view.py" not in report.files
    requirements = "\n".join(report.requirements)
    assert "pydantic==" in requirements
    assert "aws-lambda-powertools[tracer]==" in requirements
    assert "boto3" not in requirements


def test_package_imports_the_handler_from_its_own_files_alone(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    build(out)
    module = HANDLER.rsplit(".", 1)[0]
    # -S: no site-packages editable finder for this repo; third-party deps from the venv path
    site = [p for p in sys.path if p.endswith("site-packages")]
    code = (
        f"import sys; sys.path[:0] = [{str(out)!r}] + {site!r}; import {module} as m; "
        "import assessment_engine.grading as g; print(g.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=out,
        env={"POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1"},
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(out))
