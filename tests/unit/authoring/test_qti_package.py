"""QTI content packages: the manifest's item resources are imported; hostile zips are refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from assessment_engine.authoring import qti_package
from assessment_engine.authoring.detect import load_questions
from assessment_engine.authoring.errors import QtiSyntaxError
from assessment_engine.authoring.qti_package import parse_qti_package

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def manifest(*resources: tuple[str, str]) -> str:
    rows = "".join(
        f'<resource identifier="r{n}" type="{kind}" href="{href}"><file href="{href}"/></resource>'
        for n, (kind, href) in enumerate(resources)
    )
    return (
        '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m">'
        f"<organizations/><resources>{rows}</resources></manifest>"
    )


def package(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_package_items_are_imported_in_manifest_order(tmp_path):
    data = package(
        {
            "imsmanifest.xml": manifest(
                ("imsqti_item_xmlv3p0", "items/water.xml"),
                ("webcontent", "style.css"),
                ("imsqti_item_xmlv2p1", "items/gases.xml"),
            ),
            "items/water.xml": (EXAMPLES / "sample_item_qti30.xml").read_bytes(),
            "items/gases.xml": (EXAMPLES / "sample_item_qti21.xml").read_bytes(),
            "style.css": "p {}",
        }
    )
    assert [q.id for q in parse_qti_package(data)] == ["sci101-water", "sci101-noble-gases"]
    path = tmp_path / "exam.zip"
    path.write_bytes(data)
    assert len(load_questions(path)) == 2
    assert len(load_questions(data)) == 2


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"other.xml": "<a/>"}, "imsmanifest.xml"),
        ({"imsmanifest.xml": manifest(("webcontent", "a.css"))}, "no QTI item"),
        (
            {"imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "../../etc/passwd"))},
            "leaves the package",
        ),
        ({"imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "missing.xml"))}, "no file"),
        ({"imsmanifest.xml": "<manifest><unclosed></manifest>"}, "imsmanifest.xml"),
    ],
    ids=["no-manifest", "no-items", "path-escape", "missing-item", "bad-manifest"],
)
def test_broken_or_hostile_packages_are_refused(files, fragment):
    with pytest.raises(QtiSyntaxError, match=fragment):
        parse_qti_package(package(files))


def test_not_a_zip_is_a_syntax_error():
    with pytest.raises(QtiSyntaxError):
        parse_qti_package(b"PK\x03\x04 definitely not a zip")


def test_members_that_decompress_past_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(qti_package, "_MAX_MEMBER_BYTES", 10_000)  # the real limit is 20 MB
    bomb = package(
        {
            "imsmanifest.xml": manifest(("imsqti_item_xmlv2p1", "big.xml")),
            "big.xml": b"\0" * 200_000,
        }
    )
    assert len(bomb) < 5_000
    with pytest.raises(QtiSyntaxError, match="limit"):
        parse_qti_package(bomb)
