"""OverflowPolicy model defaults/validation and the generated CRD (no drift, valid, teaches)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic import ValidationError

from autoscaler_operator.crd import CRD_PATH, build_crd, render_crd
from autoscaler_operator.policy import (
    CLUSTER_UTILIZATION_QUERY,
    OverflowPolicySpec,
    parse_policy,
    spec_to_wire,
)


def test_defaults_match_the_documented_ones():
    spec = parse_policy({})
    assert spec.overflow_threshold == 0.70
    assert spec.release_threshold == 0.60
    assert spec.prometheus.utilization_query == CLUSTER_UTILIZATION_QUERY
    assert spec.replicas.tolerance == 0.1
    assert spec.outage.behavior == "hold"
    assert spec.dry_run is False


def test_camel_case_wire_shape_round_trips():
    spec = parse_policy(
        {"overflowThreshold": 0.8, "releaseThreshold": 0.5, "lambda": {"functionName": "g"}}
    )
    assert spec.lambda_.function_name == "g"
    wire = spec_to_wire(spec)
    assert wire["lambda"]["functionName"] == "g"
    assert parse_policy(wire) == spec


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"overflowThreshold": 0.6, "releaseThreshold": 0.6}, "releaseThreshold"),
        ({"replicas": {"min": 5, "max": 2}}, "replicas.min"),
        ({"overflowThreshold": 1.5}, "overflowThreshold"),
        ({"unknownField": 1}, "unknownField"),
        ({"outage": {"behavior": "panic"}}, "behavior"),
    ],
)
def test_invalid_specs_are_rejected_with_the_field_named(body, fragment):
    with pytest.raises(ValidationError) as info:
        parse_policy(body)
    assert fragment in str(info.value)


def test_committed_crd_equals_the_generated_one():
    assert CRD_PATH.read_text() == render_crd(), (
        "manifests/base/crd-overflowpolicy.yaml drifted from the model; regenerate with "
        "`assessment-engine operator crd > manifests/base/crd-overflowpolicy.yaml`"
    )


def test_crd_validates_against_the_kubernetes_schema():
    crd = yaml.safe_load(CRD_PATH.read_text())
    kubernetes_validate.validate(crd, "1.30", strict=True)


def _walk(schema: dict[str, Any], path: str):
    yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _walk(sub, f"{path}.{name}")
    if "items" in schema:
        yield from _walk(schema["items"], f"{path}[]")


def _version_schema() -> dict[str, Any]:
    return build_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def test_every_spec_and_status_field_has_a_type_and_description():
    root = _version_schema()["properties"]
    for top in ("spec", "status"):
        for path, node in _walk(root[top], top):
            assert node.get("type"), f"{path} has no type (not structural)"
            if path.endswith("[]") and node["type"] != "object":
                continue  # items of a described list of scalars
            assert node.get("description"), f"{path} has no description for kubectl explain"
            assert "$ref" not in node, path
            assert "anyOf" not in node, path


def test_crd_carries_cel_rule_status_subresource_and_printer_columns():
    crd = build_crd()
    version = crd["spec"]["versions"][0]
    spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    rules = [r["rule"] for r in spec["x-kubernetes-validations"]]
    assert any("self.releaseThreshold < self.overflowThreshold" in r for r in rules)
    assert version["subresources"] == {"status": {}}
    names = [c["name"] for c in version["additionalPrinterColumns"]]
    assert names == ["Mode", "Utilization", "Threshold", "Spilling", "Replicas", "Age"]
    assert crd["spec"]["scope"] == "Namespaced"
    assert crd["spec"]["group"] == "overflow.exams.dev"
    assert spec["properties"]["overflowThreshold"]["default"] == 0.7


def test_schema_defaults_agree_with_model_defaults():
    """Applying the CRD defaults to {} gives the same policy as the model defaults."""

    def defaults(node: dict[str, Any]) -> Any:
        if node.get("type") == "object" and "properties" in node:
            return {
                name: defaults(sub) for name, sub in node["properties"].items() if "default" in sub
            }
        return node["default"]

    spec_schema = _version_schema()["properties"]["spec"]
    assert parse_policy(defaults(spec_schema)) == OverflowPolicySpec()


def test_example_policies_parse():
    for path in sorted(CRD_PATH.parent.parent.glob("examples/overflowpolicy-*.yaml")):
        doc = yaml.safe_load(path.read_text())
        assert doc["apiVersion"] == "overflow.exams.dev/v1alpha1", path
        parse_policy(doc["spec"])


def test_docs_list_every_spec_field():
    docs = (CRD_PATH.parent.parent.parent / "docs" / "operator.md").read_text()
    spec = _version_schema()["properties"]["spec"]
    missing = [path.removeprefix("spec.") for path, _ in _walk(spec, "spec") if path != "spec"
               and f"`{path.removeprefix('spec.')}`" not in docs]  # fmt: skip
    assert not missing, f"docs/operator.md does not describe: {missing}"


def _with_nested_defaults(node: dict[str, Any], value: Any) -> Any:
    """``value`` with the defaults of ``node``'s properties filled in, as the API server does."""
    if not isinstance(value, dict) or node.get("type") != "object":
        return value
    filled = dict(value)
    for name, sub in node.get("properties", {}).items():
        if name not in filled and "default" in sub:
            filled[name] = sub["default"]
        if name in filled:
            filled[name] = _with_nested_defaults(sub, filled[name])
    return filled


def test_every_schema_default_validates_against_its_own_schema():
    """The API server rejects a CRD whose ``default`` violates its own schema (``required``).

    kube-apiserver checks each default (after nested defaulting) against the schema it sits in;
    ``default: {}`` on an object with required fields fails that check and the CRD is refused.
    """
    import jsonschema

    root = _version_schema()
    bad = []
    for path, node in _walk(root, "openAPIV3Schema"):
        if "default" not in node:
            continue
        value = _with_nested_defaults(node, node["default"])
        errors = list(jsonschema.Draft4Validator(node).iter_errors(value))
        if errors:
            bad.append(f"{path}: {errors[0].message}")
    assert not bad, bad
