"""Builds the grading function's code package: the function and the grading core, nothing else.

``python -m overflow_functions.build [OUT]`` (default ``build/grading_function``) writes the
directory ``sam_template.yaml``'s ``CodeUri`` points at and the local Lambda service runs. It
copies ``overflow_functions/grading_function`` and ``assessment_engine/grading`` (plus the two
package ``__init__`` files), proves that every first-party import in the copy resolves inside
the copy, and writes ``requirements.txt`` with the third-party distributions the copy imports
(``boto3``/``botocore`` are provided by the Lambda runtime).
"""

from __future__ import annotations

import ast
import importlib.metadata
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("overflow_functions/grading_function", "assessment_engine/grading")
PACKAGE_INITS = ("overflow_functions/__init__.py", "assessment_engine/__init__.py")
FIRST_PARTY = ("overflow_functions", "assessment_engine")
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3"}
HANDLER = "overflow_functions.grading_function.app.lambda_handler"


class BuildError(RuntimeError):
    """The package would not import in Lambda (a first-party module is missing)."""


@dataclass
class BuildReport:
    out_dir: Path
    files: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)


def build(out_dir: Path, root: Path = ROOT) -> BuildReport:
    """Write the code package to ``out_dir`` (replacing it) and return what went in."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for package in PACKAGES:
        shutil.copytree(
            root / package,
            out_dir / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"),
        )
    for init in PACKAGE_INITS:
        shutil.copy2(root / init, out_dir / init)
    imports = _imports(out_dir)
    _check_first_party(out_dir, imports)
    requirements = _requirements(imports)
    (out_dir / "requirements.txt").write_text(
        "# third-party distributions imported by the package (boto3 comes with the runtime)\n"
        + "".join(f"{r}\n" for r in requirements)
    )
    files = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    return BuildReport(out_dir, files, requirements)


def _imports(out_dir: Path) -> set[str]:
    found: set[str] = set()
    for path in out_dir.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _check_first_party(out_dir: Path, imports: set[str]) -> None:
    missing: list[str] = []
    for name in sorted(imports):
        if name.split(".")[0] not in FIRST_PARTY:
            continue
        base = out_dir.joinpath(*name.split("."))
        is_module = base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()
        parent = out_dir.joinpath(*name.split(".")[:-1])
        is_attribute = parent.with_suffix(".py").is_file() or (parent / "__init__.py").is_file()
        if not is_module and not is_attribute:
            missing.append(name)
    if missing:
        raise BuildError(f"imports not in the package: {missing}")


def _requirements(imports: set[str]) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    names: set[str] = set()
    for name in imports:
        top = name.split(".")[0]
        if top in FIRST_PARTY or top in sys.stdlib_module_names:
            continue
        for dist in distributions.get(top, []):
            if dist.lower() not in RUNTIME_PROVIDED:
                names.add(dist)
    return sorted(f"{n}=={importlib.metadata.version(n)}" for n in names)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "build" / "grading_function"
    report = build(out)
    print(f"built {report.out_dir} ({len(report.files)} files); handler {HANDLER}")
    for requirement in report.requirements:
        print(f"  requires {requirement}")


if __name__ == "__main__":
    main()
