"""Builds the grading function's code package: the function, the grading core and the code
sandbox, nothing else.

``python -m overflow_functions.build [OUT]`` (default ``build/grading_function``) writes the
directory ``sam_template.yaml``'s ``CodeUri`` points at and the local Lambda service runs. The
package is the static import closure over first-party code (every package ``__init__`` on the
way included) of the handler module plus ``DYNAMIC_ENTRIES``, the modules the grading core
imports by name at run time (``assessment_engine.grading.code``, the code-question grader, which
runs student programs in ``assessment_engine.sandbox``). Packages in ``WHOLE_PACKAGES`` are
copied with every module they hold, because they execute some of their files by path rather
than import them (the sandbox's zygote script ``_child.py`` and the ``_seccomp.py`` it loads
next to itself). Data files in ``PACKAGE_DATA`` (the QTI response-processing templates, read
with ``importlib.resources``) are copied with their package. In Lambda the sandbox takes its
rlimit layer (no namespaces there; it detects ``AWS_LAMBDA_FUNCTION_NAME``), see
``docs/sandbox.md``. ``assessment_engine.storage``, the API and anything else the function never
imports stay out. ``requirements.txt`` lists the
third-party distributions the package imports (``boto3``/``botocore`` come with the runtime).
"""

from __future__ import annotations

import ast
import importlib.metadata
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY_MODULE = "overflow_functions.grading_function.app"
HANDLER = f"{ENTRY_MODULE}.lambda_handler"
FIRST_PARTY = ("overflow_functions", "assessment_engine")
DYNAMIC_ENTRIES = ("assessment_engine.grading.code",)
"""Imported by name at run time (``importlib``), so invisible to the static closure."""
WHOLE_PACKAGES = ("assessment_engine.sandbox",)
"""Packages that run some of their own files by path (``python _child.py``): copied whole."""
PACKAGE_DATA = {"assessment_engine.grading.qti": ("templates/*.xml",)}
"""Data files read with ``importlib.resources`` (the QTI templates): copied with their package."""
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "snapshot-restore-py"}
EXTRAS = {"aws-lambda-powertools": "[tracer]"}


class BuildError(RuntimeError):
    """The package cannot be built (an imported first-party module does not exist)."""


@dataclass
class BuildReport:
    out_dir: Path
    modules: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)


def _module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def package_modules(package: str, root: Path = ROOT) -> list[str]:
    """Every module file directly inside ``package`` (scripts run by path included)."""
    directory = root.joinpath(*package.split("."))
    if not (directory / "__init__.py").is_file():
        raise BuildError(f"first-party package {package!r} not found under {root}")
    return [package] + [
        f"{package}.{path.stem}"
        for path in sorted(directory.glob("*.py"))
        if path.name != "__init__.py"
    ]


def import_closure(
    entry: str | Sequence[str] = ENTRY_MODULE, root: Path = ROOT
) -> tuple[set[str], set[str]]:
    """First-party modules reachable from ``entry`` (one or more modules) and the third-party
    top-level imports."""
    modules: set[str] = set()
    third_party: set[str] = set()
    todo = [entry] if isinstance(entry, str) else list(entry)
    while todo:
        module = todo.pop()
        if module in modules:
            continue
        path = _module_file(root, module)
        if path is None:
            raise BuildError(f"first-party module {module!r} not found under {root}")
        modules.add(module)
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages
        for name in _imports_of(path):
            top = name.split(".")[0]
            if top not in FIRST_PARTY:
                if top not in sys.stdlib_module_names and top != "__future__":
                    third_party.add(top)
                continue
            # ``from pkg import name``: a submodule if such a file exists, else an attribute
            target = name if _module_file(root, name) else name.rsplit(".", 1)[0]
            todo.append(target)
    return modules, third_party


def package_entries(root: Path = ROOT) -> list[str]:
    """Where the closure starts: the handler, the dynamic imports, every whole-package module."""
    entries = [ENTRY_MODULE, *DYNAMIC_ENTRIES]
    for package in WHOLE_PACKAGES:
        entries += package_modules(package, root)
    return entries


def build(out_dir: Path, root: Path = ROOT) -> BuildReport:
    """Write the code package to ``out_dir`` (replacing it) and return what went in."""
    modules, third_party = import_closure(package_entries(root), root)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for module in sorted(modules):
        source = _module_file(root, module)
        assert source is not None
        target = out_dir / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    for package, patterns in PACKAGE_DATA.items():
        if package not in modules:
            continue
        directory = root.joinpath(*package.split("."))
        for pattern in patterns:
            for data_file in sorted(directory.glob(pattern)):
                target = out_dir / data_file.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(data_file, target)
    requirements = _requirements(third_party)
    (out_dir / "requirements.txt").write_text(
        "# third-party distributions imported by the package (boto3 comes with the runtime)\n"
        + "".join(f"{r}\n" for r in requirements)
    )
    files = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    return BuildReport(out_dir, sorted(modules), files, requirements)


def _requirements(top_levels: set[str]) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    names: set[str] = set()
    for top in top_levels:
        for dist in distributions.get(top, []):
            if dist.replace("_", "-").lower() not in RUNTIME_PROVIDED:
                names.add(dist.replace("_", "-").lower())
    return sorted(f"{n}{EXTRAS.get(n, '')}=={importlib.metadata.version(n)}" for n in names)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "build" / "grading_function"
    report = build(out)
    print(f"built {report.out_dir}: {len(report.modules)} modules; handler {HANDLER}")
    for requirement in report.requirements:
        print(f"  requires {requirement}")


if __name__ == "__main__":
    main()
