"""The code package holds the function, the grading core and the code sandbox, and nothing the
function does not need (no storage, API, worker, local Lambda service)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from overflow_functions.build import HANDLER, build

EXCLUDED_PREFIXES = (
    "assessment_engine.storage",
    "assessment_engine.api",
    "assessment_engine.worker",
    "assessment_engine.overflow",
    "exam_stack.surge",
    "overflow_functions.local_lambda",
)


def test_package_is_the_import_closure_of_the_handler_and_the_code_grader(tmp_path: Path) -> None:
    report = build(tmp_path / "pkg")
    assert "overflow_functions.grading_function.app" in report.modules
    assert "assessment_engine.grading.submission" in report.modules
    # imported by name at run time by the grading engine, so not in the static closure alone
    assert "assessment_engine.grading.code" in report.modules
    for module in ("pool", "zygote", "verdict", "models", "settings", "errors"):
        assert f"assessment_engine.sandbox.{module}" in report.modules
    # scripts the sandbox runs by path (the zygote) or loads next to itself (the filter)
    assert "assessment_engine/sandbox/_child.py" in report.files
    assert "assessment_engine/sandbox/_seccomp.py" in report.files
    for prefix in EXCLUDED_PREFIXES:
        assert not [m for m in report.modules if m.startswith(prefix)], prefix
        assert not [f for f in report.files if f.startswith(prefix.replace(".", "/"))], prefix
    assert "assessment_engine/grading/student_view.py" not in report.files
    # the QTI interpreter reads its standard templates as package data
    for name in ("match_correct", "map_response", "map_response_point", "CC2_map_response"):
        assert f"assessment_engine/grading/qti/templates/{name}.xml" in report.files
    requirements = "\n".join(report.requirements)
    assert "pydantic==" in requirements
    assert "aws-lambda-powertools[tracer]==" in requirements
    assert "boto3" not in requirements
    assert "defusedxml==" in requirements


def test_package_imports_the_handler_and_the_sandbox_from_its_own_files_alone(
    tmp_path: Path,
) -> None:
    out = tmp_path / "pkg"
    build(out)
    module = HANDLER.rsplit(".", 1)[0]
    # -S: no site-packages editable finder for this repo; third-party deps from the venv path
    site = [p for p in sys.path if p.endswith("site-packages")]
    code = (
        f"import sys; sys.path[:0] = [{str(out)!r}] + {site!r}; import {module} as m; "
        "import assessment_engine.grading as g; import assessment_engine.grading.code; "
        "from assessment_engine.sandbox import zygote; "
        "print(g.__file__); print(zygote.CHILD_SCRIPT, zygote.CHILD_SCRIPT.is_file())"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=out,
        env={
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_DEFAULT_REGION": "us-east-1",
            "GRADING_FUNCTION_WARM_SANDBOX": "false",
        },
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    grading_file, child_line = result.stdout.strip().splitlines()
    assert grading_file.startswith(str(out))
    assert child_line == f"{out / 'assessment_engine' / 'sandbox' / '_child.py'} True"
