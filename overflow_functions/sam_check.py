"""Validates ``sam_template.yaml`` the way AWS would: SAM transform first, then cfn-lint.

``python -m overflow_functions.sam_check [template]`` and the template test call
``check_template``. cfn-lint ≥ 1.54 no longer runs the SAM transform (it misses invalid event
types and dangling ``GetAtt``s in serverless resources), so the template is translated with
``aws-sam-translator`` (bundled managed-policy map: offline, no credentials) and cfn-lint runs on
the resulting CloudFormation. Local ``CodeUri`` paths are swapped for ``s3://`` URIs first, as
``sam validate`` does.
"""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "sam_template.yaml"
REGION = "us-east-1"


@dataclass
class CheckResult:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    resources: dict[str, str] = field(default_factory=dict)
    """Logical id -> type of the translated CloudFormation template."""

    @property
    def ok(self) -> bool:
        return not self.errors


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation short-form tags (without patching SafeLoader)."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    from samtranslator.yaml_helper import intrinsics_multi_constructor

    result: dict[str, Any] = intrinsics_multi_constructor(loader, "!", node)
    return result


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(text: str) -> dict[str, Any]:
    data = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(data, dict):
        raise ValueError("template is not a mapping")
    return data


def translate(template: dict[str, Any], region: str = REGION) -> dict[str, Any]:
    """SAM -> CloudFormation with the translator's bundled managed-policy map (offline)."""
    import os

    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    fragment = copy.deepcopy(template)
    for resource in (fragment.get("Resources") or {}).values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(
            props.get("CodeUri"), str
        ):
            props["CodeUri"] = "s3://bucket/grading_function.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    translator = Translator(None, Parser())
    result: dict[str, Any] = translator.translate(
        fragment,
        parameter_values={},
        get_managed_policy_map=lambda: get_bundled_managed_policy_map("aws") or {},
    )
    return result


def check_template(text: str, region: str = REGION) -> CheckResult:
    """Translate then lint; every translator error and cfn-lint error becomes an error."""
    from cfnlint.api import ManualArgs, lint
    from samtranslator.model.exceptions import InvalidDocumentException

    result = CheckResult()
    try:
        translated = translate(load_template(text), region)
    except InvalidDocumentException as exc:
        result.errors += [f"SAM: {cause.message}" for cause in exc.causes]
        return result
    result.resources = {
        name: str(res.get("Type")) for name, res in translated.get("Resources", {}).items()
    }
    for match in lint(json.dumps(translated), config=ManualArgs(regions=[region])):
        line = f"{match.rule.id} {match.message}"
        if match.rule.id.startswith("E"):
            result.errors.append(line)
        else:
            result.warnings.append(line)
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_TEMPLATE
    result = check_template(path.read_text())
    for line in result.errors:
        print(f"ERROR {line}")
    for line in result.warnings:
        print(f"WARN  {line}")
    print(f"{path}: {'OK' if result.ok else 'FAILED'} ({len(result.resources)} resources)")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
